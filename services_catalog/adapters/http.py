"""The HTTP base every back-end adapter shares: timeouts, retries, a circuit breaker, typed errors.

A query is `POST {base_url}/{family}/{operation}` with the service's parameters and the
citizen's inputs as a JSON object in the body; the authenticated ID number travels in the
`X-Subject-Id` header. Nothing a citizen typed or is ever goes into a URL, so access logs on
either side, proxies and httpx's own request log never collect it. The answer is JSON:

    {"found": true, "values": {...}, "tables": {"rows": [{...}, ...]}, "reference": "...",
     "as_of": "YYYY-MM-DD"}

`found: false` is a normal "no record" answer. HTTP 404 means the back-end does not know the
person at all (RecordNotFound); 403 is a refusal; 503 with `{"error": "closed", "opens_at":
"06:00"}` is a back-end outside its hours; other 5xx and transport failures are retried (queries
are idempotent reads, POST only to keep them out of URLs) with exponential backoff inside the
service's time budget.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from services_catalog.errors import (
    AdapterError,
    BackendTimeout,
    BackendUnavailable,
    BadBackendResponse,
    QueryRefused,
    RecordNotFound,
    ServiceClosed,
)
from services_catalog.model import (
    AuthenticatedPerson,
    QueryResult,
    ResultColumn,
    ResultField,
    Service,
    is_holder_number,
    is_id_number,
    mask_id_number,
)

log = logging.getLogger("services_catalog.adapters")

SUBJECT_HEADER = "X-Subject-Id"
_ID_SHAPE = re.compile(r"\d{17}[\dXx]|\d{15}")
_CENT = Decimal("0.01")


class CircuitBreaker:
    """Stops calling a back-end after `failures` consecutive failures, for `reset_s` seconds;
    then lets one trial call through (half-open) and closes again if it succeeds."""

    def __init__(
        self, failures: int = 5, reset_s: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.failures = failures
        self.reset_s = reset_s
        self._clock = clock
        self._lock = threading.Lock()
        self._count = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> str:
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "half-open" if self._clock() - self._opened_at >= self.reset_s else "open"

    def allow(self) -> bool:
        with self._lock:
            if self._opened_at is None:
                return True
            if self._clock() - self._opened_at < self.reset_s or self._trial_running:
                return False
            self._trial_running = True  # exactly one trial call while half-open
            return True

    def record_success(self) -> None:
        with self._lock:
            self._count = 0
            self._opened_at = None
            self._trial_running = False

    def record_failure(self) -> None:
        with self._lock:
            self._count += 1
            self._trial_running = False
            if self._opened_at is not None or self._count >= self.failures:
                self._opened_at = self._clock()


class _Answer(BaseModel):
    # pydantic keeps up to 16,384 parsed strings process-wide by default; an answer's
    # reference is new every time, so a night of queries only filled that cache (a soak).
    model_config = ConfigDict(extra="ignore", cache_strings="keys")

    found: bool = True
    values: dict[str, Any] = {}
    tables: dict[str, list[dict[str, Any]]] = {}
    reference: str = ""
    as_of: str = ""


class _Retryable(Exception):
    def __init__(self, error: AdapterError) -> None:
        super().__init__(str(error))
        self.error = error


class HttpAdapter:
    """Base of the six family adapters; a subclass sets `family` and may refine the hooks
    `request_params` and `convert_answer`."""

    family: ClassVar[str] = ""

    def __init__(
        self,
        base_url: str,
        *,
        client: httpx.Client | None = None,
        timeout_s: float = 8.0,
        retries: int = 2,
        breaker_failures: int = 5,
        breaker_reset_s: float = 30.0,
        backoff_s: float = 0.2,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.breaker = CircuitBreaker(breaker_failures, breaker_reset_s)
        self._own_client = client is None
        self._client = client if client is not None else httpx.Client()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r}, breaker={self.breaker.state})"

    def close(self) -> None:
        if self._own_client:
            self._client.close()

    # --- the Adapter interface ----------------------------------------------------------------

    def query(
        self, service: Service, person: AuthenticatedPerson, inputs: Mapping[str, str]
    ) -> QueryResult:
        if service.adapter != self.family:
            raise QueryRefused(f"{service.id} belongs to adapter {service.adapter!r}")
        self.check_subject(person, inputs)
        params = self.request_params(service, inputs)
        path = f"/{self.family}/{service.operation}"
        answer = self._call(service, path, params, person)
        return self.convert_answer(service, answer)

    # --- hooks --------------------------------------------------------------------------------

    def check_subject(self, person: AuthenticatedPerson, inputs: Mapping[str, str]) -> None:
        """Refuse, before any network I/O, a query that names anyone but the card holder."""
        own = person.id_number.strip().upper()
        if not is_holder_number(own):
            raise QueryRefused("no authenticated ID number")
        for key, value in inputs.items():
            text = str(value).strip().upper()
            if (
                _ID_SHAPE.fullmatch(text)
                and text != own
                and (len(text) == 15 or is_id_number(text))
            ):
                raise QueryRefused(f"input {key!r} names another person")

    def request_params(self, service: Service, inputs: Mapping[str, str]) -> dict[str, str]:
        return {**service.params_dict, **{k: str(v) for k, v in inputs.items()}}

    def convert_answer(self, service: Service, answer: _Answer) -> QueryResult:
        """Keep only the fields the service shows, typed by their format; a found record
        missing one of them is a bad answer, not a half-empty screen."""
        values: dict[str, Any] = {}
        tables: dict[str, list[dict[str, Any]]] = {}
        for spec in service.result_fields:
            if spec.format == "table":
                rows = answer.tables.get(spec.key)
                if rows is None:
                    if answer.found:
                        raise BadBackendResponse(f"{service.id}: table {spec.key!r} missing")
                    continue
                tables[spec.key] = [_convert_row(service.id, spec, row) for row in rows]
            elif spec.key in answer.values and answer.values[spec.key] is not None:
                values[spec.key] = _convert(service.id, spec, answer.values[spec.key])
            elif answer.found:
                raise BadBackendResponse(f"{service.id}: value {spec.key!r} missing")
        as_of = answer.as_of
        if as_of:
            _check_iso(service.id, "as_of", as_of, date.fromisoformat)
        return QueryResult(
            service_id=service.id,
            values=values,
            tables=tables,
            record_found=answer.found,
            backend_reference=answer.reference,
            data_as_of=as_of,
        )

    # --- transport ----------------------------------------------------------------------------

    def _call(
        self, service: Service, path: str, params: dict[str, str], person: AuthenticatedPerson
    ) -> _Answer:
        deadline = time.monotonic() + service.timeout_s
        headers = {SUBJECT_HEADER: person.id_number, "X-Request-Id": uuid.uuid4().hex}
        masked = mask_id_number(person.id_number)
        attempt = 0
        while True:
            if not self.breaker.allow():
                raise BackendUnavailable(f"{self.family}: circuit open")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BackendTimeout(f"{self.family}: no time left for {service.id}")
            try:
                answer = self._attempt(path, params, headers, min(self.timeout_s, remaining))
            except _Retryable as exc:
                self.breaker.record_failure()
                attempt += 1
                pause = self.backoff_s * (2 ** (attempt - 1)) * (1 + random.random() / 2)
                log.warning(
                    "%s %s for %s: attempt %d failed: %s",
                    self.family, service.id, masked, attempt, exc.error.detail,
                )  # fmt: skip
                if attempt > self.retries or time.monotonic() + pause >= deadline:
                    raise exc.error from None
                time.sleep(pause)
                continue
            except BadBackendResponse:
                self.breaker.record_failure()
                raise
            except AdapterError:
                self.breaker.record_success()  # a clear "no"/"closed" is a healthy back-end
                raise
            except BaseException:
                # Anything else (a library's own error, a bug) is a failed call too: a
                # half-open trial that ended here would otherwise hold the breaker open for good.
                self.breaker.record_failure()
                raise
            self.breaker.record_success()
            log.info("%s %s for %s: found=%s", self.family, service.id, masked, answer.found)
            return answer

    def _attempt(
        self, path: str, params: dict[str, str], headers: dict[str, str], timeout: float
    ) -> _Answer:
        try:
            response = self._client.post(
                self.base_url + path, json=params, headers=headers, timeout=timeout
            )
        except httpx.TimeoutException:
            timed_out = BackendTimeout(f"{self.family}: timed out after {timeout:.1f}s")
            raise _Retryable(timed_out) from None
        except httpx.TransportError as exc:
            raise _Retryable(BackendUnavailable(f"{self.family}: {type(exc).__name__}")) from None
        except httpx.HTTPError as exc:  # an answer that cannot be decoded, endless redirects
            raise BadBackendResponse(f"{path}: {type(exc).__name__}") from None
        status = response.status_code
        if status == 404:
            raise RecordNotFound(f"{path}: no such person")
        if status == 403:
            raise QueryRefused(f"{path}: refused by the back-end")
        if status == 503:
            opens_at = _closed_until(response)
            if opens_at is not None:
                raise ServiceClosed(opens_at, detail=f"{self.family}: back-end closed")
        if status >= 500:
            raise _Retryable(BackendUnavailable(f"{path}: HTTP {status}"))
        if status != 200:
            raise BadBackendResponse(f"{path}: HTTP {status}")
        try:
            return _Answer.model_validate_json(response.content)
        except ValidationError:
            raise BadBackendResponse(f"{path}: answer is not valid JSON") from None


def _closed_until(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and body.get("error") == "closed":
        opens_at = str(body.get("opens_at", ""))
        if re.fullmatch(r"\d{2}:\d{2}", opens_at):
            return opens_at
    return None


def _convert_row(service_id: str, spec: ResultField, row: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in spec.columns:
        if column.key not in row:
            raise BadBackendResponse(f"{service_id}: column {spec.key}.{column.key} missing")
        value = row[column.key]
        out[column.key] = None if value is None else _convert(service_id, column, value)
    return out


def _convert(service_id: str, spec: ResultField | ResultColumn, value: Any) -> Any:
    """Amounts and areas become Decimal (two places); dates stay ISO strings, checked."""
    fmt = spec.format
    where = f"{service_id}: {spec.key}"
    if fmt in ("amount", "area", "percent"):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise BadBackendResponse(f"{where}: not a number")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise BadBackendResponse(f"{where}: not a number") from None
        if not number.is_finite():
            raise BadBackendResponse(f"{where}: not a number")
        return number.quantize(_CENT)
    if fmt == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BadBackendResponse(f"{where}: not a number")
        return int(value) if float(value).is_integer() else value
    if fmt == "date":
        _check_iso(service_id, spec.key, value, date.fromisoformat)
        return value
    if fmt == "month":
        _check_iso(service_id, spec.key, value, lambda v: date.fromisoformat(v + "-01"))
        return value
    if isinstance(value, dict | list):
        raise BadBackendResponse(f"{where}: not a plain value")
    return str(value)


def _check_iso(service_id: str, key: str, value: Any, parse: Callable[[str], Any]) -> None:
    try:
        if not isinstance(value, str):
            raise ValueError
        parse(value)
    except ValueError:
        raise BadBackendResponse(f"{service_id}: {key} is not a valid date") from None
