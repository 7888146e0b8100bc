"""Loading the service catalog from its TOML data files, searching it and checking inputs.

Each data file holds one category or agency: an optional `[defaults]` table merged into every
record, optional named `[result_sets.NAME]` lists a record can point at with `result_set`,
and the `[[service]]` records themselves. A broken record becomes one `CatalogProblem` naming
the file, the record and the field; every other record still loads.

    >>> catalog = load_catalog()
    >>> catalog.get("real_estate.registration_info").printable
    True
    >>> [s.id for s in catalog.search("bdc")][:1]
    ['real_estate.registration_info']

Apart from reading the files this module does no I/O and knows nothing of Qt or the kiosk.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from services_catalog.errors import InvalidInput, ServiceClosed
from services_catalog.model import Category, InputField, Service, is_id_number

DATA_DIR = Path(__file__).resolve().parent / "data"
SEALS_FILE = Path(__file__).resolve().parent / "seals.toml"

# Certificate template families the certificate engine draws.
TEMPLATE_FAMILIES = frozenset(
    {
        "real_estate",
        "property_archive",
        "social_insurance",
        "pension",
        "medical_insurance",
        "housing_fund",
        "electricity",
    }
)

Overrides = Callable[[str], bool | None]


@dataclass(frozen=True)
class CatalogProblem:
    """One thing wrong in a data file; `str()` is the line `services validate` prints."""

    file: str
    record: str  # the record's id, or "#<index>" when it has no usable id, or "-" for the file
    field: str  # dotted path of the offending field, or "-" for the whole record/file
    message: str

    def __str__(self) -> str:
        return f"{self.file}: record {self.record}: field '{self.field}': {self.message}"


@dataclass(frozen=True)
class SealInfo:
    id: str
    name_zh: str
    name_en: str


def load_seals(path: Path = SEALS_FILE) -> dict[str, SealInfo]:
    """The issuing departments whose seal a printable service may carry."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return {
        key: SealInfo(id=key, name_zh=str(value["name_zh"]), name_en=str(value["name_en"]))
        for key, value in raw.items()
    }


class Catalog:
    """The loaded services, in file order, with this terminal's enable/disable switches applied."""

    def __init__(self, services: Sequence[Service], problems: Sequence[CatalogProblem] = ()):
        self.services: tuple[Service, ...] = tuple(services)
        self.problems: tuple[CatalogProblem, ...] = tuple(problems)
        self._by_id = {s.id: s for s in self.services}
        self._search_index: list[tuple[Service, tuple[str, ...]]] | None = None

    def __len__(self) -> int:
        return len(self.services)

    def __contains__(self, service_id: object) -> bool:
        return service_id in self._by_id

    def replace_with(self, other: Catalog) -> None:
        """Take another load's services in place, so everyone holding this catalog (screens,
        the query gateway) sees a running terminal's new switches."""
        self._by_id = other._by_id
        self.services, self.problems = other.services, other.problems
        self._search_index = None

    def get(self, service_id: str) -> Service | None:
        return self._by_id.get(service_id)

    def enabled(self) -> list[Service]:
        return [s for s in self.services if s.enabled]

    def in_category(self, category: Category | str) -> list[Service]:
        cat = Category(category)
        return [s for s in self.services if s.category == cat]

    def categories(self) -> list[Category]:
        """Categories that have at least one service, in the enum's order."""
        present = {s.category for s in self.services}
        return [c for c in Category if c in present]

    # --- search ---------------------------------------------------------------------------

    def search(self, text: str, *, enabled_only: bool = False) -> list[Service]:
        """Services whose Chinese or English name, keywords, full pinyin or pinyin initials
        contain `text` (case-insensitive); with several words, each must match. Name matches
        rank first."""
        needle = _squash(text)
        # Several words must each match somewhere ("electricity balance").
        extra = [_squash(word) for word in text.split()[1:]] if len(text.split()) > 1 else []
        if extra:
            needle = _squash(text.split()[0])
        if not needle:
            return []
        scored: list[tuple[int, int, Service]] = []
        for order, (service, haystacks) in enumerate(self._index()):
            if enabled_only and not service.enabled:
                continue
            if extra and not all(any(w in hay for hay in haystacks) for w in extra):
                continue
            for rank, hay in enumerate(haystacks):
                if needle in hay:
                    # A match at the start of a name reads as the better hit.
                    bonus = 0 if hay.startswith(needle) else 1
                    scored.append((rank * 2 + bonus, order, service))
                    break
        scored.sort(key=lambda item: (item[0], item[1]))
        return [service for _, _, service in scored]

    def _index(self) -> list[tuple[Service, tuple[str, ...]]]:
        if self._search_index is None:
            from pypinyin import Style, lazy_pinyin  # heavy import: only when someone searches

            index: list[tuple[Service, tuple[str, ...]]] = []
            for s in self.services:
                initials = "".join(lazy_pinyin(s.name_zh, style=Style.FIRST_LETTER))
                full = "".join(lazy_pinyin(s.name_zh))
                index.append(
                    (
                        s,
                        (
                            _squash(s.name_zh),
                            _squash(initials),
                            _squash(full),
                            _squash(s.name_en),
                            _squash(" ".join(s.keywords)),
                            _squash(s.agency_zh + s.agency_en),
                        ),
                    )
                )
            self._search_index = index
        return self._search_index

    # --- inputs and hours -----------------------------------------------------------------

    def validate_inputs(
        self, service: Service, inputs: Mapping[str, str], *, today: date | None = None
    ) -> dict[str, str]:
        return validate_inputs(service, inputs, today=today)


def validate_inputs(
    service: Service, inputs: Mapping[str, str], *, today: date | None = None
) -> dict[str, str]:
    """Check the citizen's inputs against the service's fields; return them normalised
    (defaults filled in, whitespace trimmed). Raises `InvalidInput` with a zh/en sentence."""
    today = today or date.today()
    known = {f.key for f in service.inputs}
    for key in inputs:
        if key not in known:
            raise InvalidInput(key, f"不需要填写“{key}”。", f"'{key}' is not asked for here.")
    clean: dict[str, str] = {}
    for spec in service.inputs:
        # NFKC folds full-width digits, letters and brackets (common from Chinese IMEs).
        value = unicodedata.normalize("NFKC", str(inputs.get(spec.key, "") or "")).strip()
        if not value and spec.default is not None:
            value = _resolve_default(spec, today)
        if not value:
            if spec.required:
                raise InvalidInput(
                    spec.key, f"请填写{spec.label_zh}。", f"Please enter the {spec.label_en}."
                )
            continue
        clean[spec.key] = _check_value(spec, value, today)
    return clean


def _resolve_default(spec: InputField, today: date) -> str:
    """ "current"/"previous" year or month defaults, relative to the query date."""
    default = spec.default or ""
    if spec.kind == "year" and default in ("current", "previous"):
        return str(today.year - (default == "previous"))
    if spec.kind == "month" and default in ("current", "previous"):
        year, month = today.year, today.month
        if default == "previous":
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        return f"{year:04d}-{month:02d}"
    return default


def _check_value(spec: InputField, value: str, today: date) -> str:
    def bad(zh: str, en: str) -> InvalidInput:
        return InvalidInput(spec.key, f"{spec.label_zh}{zh}", f"The {spec.label_en} {en}")

    if spec.kind in ("year", "month"):
        if spec.kind == "year":
            match = re.fullmatch(r"(\d{4})", value)
        else:
            match = re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", value)
        if not match:
            shape = ("应为四位年份，例如 2024。", "must be a year such as 2024.")
            if spec.kind == "month":
                shape = ("应为年月，例如 2024-05。", "must be a month such as 2024-05.")
            raise bad(*shape)
        year = int(match.group(1))
        low = spec.min if spec.min is not None else 1900
        high = spec.max if spec.max is not None else today.year
        if not low <= year <= high:
            raise bad(f"应在 {low} 年至 {high} 年之间。", f"must be between {low} and {high}.")
        return value
    if spec.kind == "choice":
        allowed = [c[0] for c in spec.choices]
        if value not in allowed:
            raise bad("的选择无效，请从列表中选择。", "must be one of the listed choices.")
        return value
    if spec.kind == "id_number":
        if not is_id_number(value):
            raise bad("不是有效的身份证号码。", "is not a valid ID number.")
        return value.upper()
    if spec.kind == "digits" and not value.isdigit():
        raise bad("只能填写数字。", "may contain digits only.")
    if spec.pattern is not None and not re.fullmatch(spec.pattern, value):
        raise bad("格式不正确，请核对后重新输入。", "is not in the right format; please check it.")
    return value


def closed_until(service: Service, now: datetime | time) -> str:
    """"" while the service's back-end answers; else the time it opens again (HH:MM)."""
    moment = now.time() if isinstance(now, datetime) else now
    return "" if service.hours.is_open(moment) else service.hours.opens.strftime("%H:%M")


def check_open(service: Service, now: datetime | time) -> None:
    """Raise `ServiceClosed` (with the opening time, HH:MM) outside the service's hours."""
    opens_at = closed_until(service, now)
    if opens_at:
        raise ServiceClosed(opens_at, detail=f"{service.id} closed")


# --- loading --------------------------------------------------------------------------------


def load_catalog(
    extra_dirs: Iterable[Path | str] = (),
    overrides: Overrides | None = None,
    *,
    data_dir: Path | str = DATA_DIR,
    seals: Mapping[str, SealInfo] | None = None,
) -> Catalog:
    """Load every `*.toml` of the bundled data dir, then of each extra dir, in name order.

    `overrides(service_id)` returns True/False to switch a service on this terminal, or None
    to keep the record's own `enabled` flag (kiosk.config.Settings.service_enabled_override).
    """
    seal_ids = set((seals if seals is not None else load_seals()).keys())
    services: list[Service] = []
    problems: list[CatalogProblem] = []
    seen: dict[str, str] = {}
    for directory in (Path(data_dir), *(Path(d) for d in extra_dirs)):
        if not directory.is_dir():
            problems.append(CatalogProblem(str(directory), "-", "-", "no such directory"))
            continue
        for path in sorted(directory.glob("*.toml")):
            loaded, file_problems = _load_file(path, seal_ids)
            problems.extend(file_problems)
            for service in loaded:
                if service.id in seen:
                    problems.append(
                        CatalogProblem(
                            str(path),
                            service.id,
                            "id",
                            f"duplicate id (first in {seen[service.id]})",
                        )
                    )
                    continue
                seen[service.id] = str(path)
                if overrides is not None:
                    switch = overrides(service.id)
                    if switch is not None and switch != service.enabled:
                        service = service.model_copy(update={"enabled": switch})
                services.append(service)
    return Catalog(services, problems)


def _load_file(path: Path, seal_ids: set[str]) -> tuple[list[Service], list[CatalogProblem]]:
    name = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return [], [CatalogProblem(name, "-", "-", f"cannot read: {exc}")]
    except tomllib.TOMLDecodeError as exc:
        return [], [CatalogProblem(name, "-", "-", f"not valid TOML: {exc}")]
    unknown = set(raw) - {"defaults", "result_sets", "service"}
    problems = [
        CatalogProblem(name, "-", key, "unknown top-level table") for key in sorted(unknown)
    ]
    defaults = raw.get("defaults", {})
    result_sets = raw.get("result_sets", {})
    records = raw.get("service", [])
    if not isinstance(defaults, dict) or not isinstance(result_sets, dict):
        return [], [*problems, CatalogProblem(name, "-", "defaults", "must be a table")]
    if not isinstance(records, list):
        return [], [*problems, CatalogProblem(name, "-", "service", "must be [[service]] records")]
    services: list[Service] = []
    for index, record in enumerate(records):
        label = f"#{index + 1}"
        if isinstance(record, dict) and isinstance(record.get("id"), str):
            label = record["id"]
        if not isinstance(record, dict):
            problems.append(CatalogProblem(name, label, "-", "a record must be a table"))
            continue
        merged: dict[str, Any] = {**defaults, **record}
        set_name = merged.pop("result_set", None)
        if set_name is not None:
            if set_name not in result_sets:
                problems.append(
                    CatalogProblem(name, label, "result_set", f"no result set named {set_name!r}")
                )
                continue
            merged.setdefault("result_fields", result_sets[set_name])
        try:
            service = Service.model_validate(merged)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "-"
            problems.append(CatalogProblem(name, label, where, _plain(err["msg"])))
            continue
        if service.seal is not None and service.seal not in seal_ids:
            problems.append(CatalogProblem(name, label, "seal", f"unknown seal {service.seal!r}"))
            continue
        if service.template is not None and service.template not in TEMPLATE_FAMILIES:
            problems.append(
                CatalogProblem(name, label, "template", f"unknown template {service.template!r}")
            )
            continue
        services.append(service)
    return services, problems


def _plain(message: str) -> str:
    return message.removeprefix("Value error, ")


def _squash(text: str) -> str:
    return "".join(text.split()).casefold()
