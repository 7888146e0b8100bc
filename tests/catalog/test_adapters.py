"""Adapters over the real demo back-end: results, and each failure as its typed error."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import httpx
import pytest

from services_catalog.adapters.http import CircuitBreaker, HttpAdapter
from services_catalog.catalog import Catalog
from services_catalog.demo_backend import LI_XIUYING, ZHAO_SHULAN, DemoBackend
from services_catalog.errors import (
    AuthenticationRequired,
    BackendTimeout,
    BackendUnavailable,
    BadBackendResponse,
    QueryRefused,
    RecordNotFound,
    ServiceClosed,
    ServiceDisabled,
)
from services_catalog.model import AuthenticatedPerson, Service
from services_catalog.registry import QueryGateway, build_adapters, discover_adapters

from .conftest import NOON


def test_every_family_is_discovered_through_entry_points() -> None:
    found = discover_adapters()
    assert set(found) == {"real_estate", "social_insurance", "medical_insurance", "pension",
                          "housing_fund", "electricity"}  # fmt: skip
    assert all(issubclass(cls, HttpAdapter) and cls.family == name for name, cls in found.items())


def test_registration_info_returns_the_certificate_numbers(gateway: QueryGateway, zhang) -> None:
    result = gateway.query("real_estate.registration_info", zhang, {}, NOON)
    assert result.record_found and result.values["property_count"] == 2
    rows = result.tables["properties"]
    assert rows[0]["cert_no"] == "豫(2019)平顶山市不动产权第0012345号"
    assert rows[0]["area"] == Decimal("118.56")


def test_contribution_amounts_follow_the_rates(gateway: QueryGateway, zhang) -> None:
    result = gateway.query("pension.contribution_detail", zhang, {"year": "2025"}, NOON)
    assert result.values["months_paid"] == 12
    for row in result.tables["rows"]:
        assert row["personal"] == (row["base"] * Decimal("0.08")).quantize(Decimal("0.01"))
    assert result.values["personal_total"] == sum(r["personal"] for r in result.tables["rows"])


def test_no_record_is_a_normal_answer_and_unknown_person_is_record_not_found(
    gateway: QueryGateway, zhang
) -> None:
    result = gateway.query("pension.payment_detail", zhang, {}, NOON)
    assert not result.record_found and result.tables == {}
    zhao = AuthenticatedPerson(ZHAO_SHULAN, "赵淑兰", face_verified=True)
    proof = gateway.query("property.no_housing_proof", zhao, {}, NOON)
    assert not proof.record_found and proof.values["house_count"] == 0
    with pytest.raises(RecordNotFound):
        gateway.query("housing_fund.account_info", zhao, {}, NOON)
    li = AuthenticatedPerson(LI_XIUYING, "李秀英", face_verified=True)
    assert (
        gateway.query("pension.payment_detail", li, {"year": "2025"}, NOON).values["months"] == 12
    )


def test_another_persons_id_number_is_refused_before_any_request(
    demo: DemoBackend, catalog: Catalog, zhang
) -> None:
    service = catalog.get("electricity.balance")
    assert service is not None
    adapter = build_adapters(families=["electricity"], demo_base_url=demo.base_url)["electricity"]
    before = demo.requests
    with pytest.raises(QueryRefused) as err:
        adapter.query(service, zhang, {"account_no": LI_XIUYING})
    assert "本人" in err.value.message_zh
    assert demo.requests == before  # nothing reached the back-end
    nobody = AuthenticatedPerson("", "")
    with pytest.raises(QueryRefused):
        adapter.query(service, nobody, {})
    assert demo.requests == before
    adapter.close()


def test_disabled_closed_and_face_checks_come_first(
    catalog: Catalog, demo: DemoBackend, zhang
) -> None:
    switched = {"electricity.bills": False}
    from services_catalog.catalog import load_catalog

    gw = QueryGateway(
        load_catalog(overrides=switched.get), build_adapters(demo_base_url=demo.base_url)
    )
    with pytest.raises(ServiceDisabled):
        gw.query("electricity.bills", zhang, {}, NOON)
    with pytest.raises(ServiceClosed) as err:
        gw.query("housing_fund.loan_info", zhang, {}, datetime(2026, 5, 20, 22, 30))
    assert err.value.opens_at == "06:00"
    card_only = AuthenticatedPerson(zhang.id_number, "张伟", face_verified=False)
    with pytest.raises(AuthenticationRequired):
        gw.query("real_estate.registration_info", card_only, {}, NOON)
    gw.close()


def _adapter(demo: DemoBackend, **kw) -> HttpAdapter:
    options = {"retries": 2, "breaker_failures": 5, **kw}
    adapter = build_adapters({"social_insurance": options}, families=["social_insurance"],
                             demo_base_url=demo.base_url)["social_insurance"]  # fmt: skip
    assert isinstance(adapter, HttpAdapter)
    adapter.backoff_s = 0.01
    return adapter


def _service(catalog: Catalog, **update) -> Service:
    service = catalog.get("social_insurance.enrollment_status")
    assert service is not None
    return service.model_copy(update=update)


def test_http_500_is_retried_then_unavailable(
    fresh_demo: DemoBackend, catalog: Catalog, zhang
) -> None:
    fresh_demo.fail("http500")
    adapter = _adapter(fresh_demo)
    with pytest.raises(BackendUnavailable) as err:
        adapter.query(_service(catalog), zhang, {})
    assert type(err.value) is BackendUnavailable
    assert fresh_demo.requests == 3  # one try and two retries
    fresh_demo.fail(None)
    assert adapter.query(_service(catalog), zhang, {}).record_found


def test_garbage_json_is_bad_backend_response(
    fresh_demo: DemoBackend, catalog: Catalog, zhang
) -> None:
    fresh_demo.fail("garbage", family="social_insurance")
    with pytest.raises(BadBackendResponse):
        _adapter(fresh_demo).query(_service(catalog), zhang, {})
    assert fresh_demo.requests == 1  # garbage is not retried


def test_slow_backend_times_out_within_the_service_budget(
    fresh_demo: DemoBackend, catalog: Catalog, zhang
) -> None:
    fresh_demo.latency_s = 1.0
    with pytest.raises(BackendTimeout) as err:
        _adapter(fresh_demo, retries=0).query(_service(catalog, timeout_s=0.2), zhang, {})
    assert "超时" in err.value.message_zh


def test_backend_closed_at_night_reports_opening_time(
    fresh_demo: DemoBackend, catalog: Catalog, zhang
) -> None:
    fresh_demo.fail("closed")
    with pytest.raises(ServiceClosed) as err:
        _adapter(fresh_demo).query(_service(catalog), zhang, {})
    assert err.value.opens_at == "06:00"


def test_dropped_connections_open_the_circuit_breaker(
    fresh_demo: DemoBackend, catalog: Catalog, zhang
) -> None:
    fresh_demo.fail("drop")
    adapter = _adapter(fresh_demo, retries=0, breaker_failures=2)
    for _ in range(2):
        with pytest.raises(BackendUnavailable):
            adapter.query(_service(catalog), zhang, {})
    assert adapter.breaker.state == "open"
    seen = fresh_demo.requests
    with pytest.raises(BackendUnavailable) as err:
        adapter.query(_service(catalog), zhang, {})
    assert "circuit open" in err.value.detail and fresh_demo.requests == seen


def test_breaker_half_opens_after_the_reset_time() -> None:
    now = [0.0]
    breaker = CircuitBreaker(failures=1, reset_s=10, clock=lambda: now[0])
    breaker.record_failure()
    assert not breaker.allow()
    now[0] = 10.5
    assert breaker.allow() and not breaker.allow()  # one trial only
    breaker.record_success()
    assert breaker.state == "closed" and breaker.allow()


def test_a_half_open_trial_that_fails_outside_the_error_tree_still_counts(
    fresh_demo: DemoBackend, catalog: Catalog, zhang
) -> None:
    """A body the client cannot even decode (corrupt gzip: httpx.DecodingError, which is not a
    transport error) is a failed call: the breaker opens, and after its trial fails the same
    way it opens again, and half-opens once more; it never stays open until a restart."""
    now = [0.0]
    adapter = _adapter(fresh_demo, retries=0)
    adapter.breaker = CircuitBreaker(failures=1, reset_s=10, clock=lambda: now[0])
    fresh_demo.fail("bad_gzip")
    with pytest.raises(BadBackendResponse):
        adapter.query(_service(catalog), zhang, {})
    assert adapter.breaker.state == "open"
    now[0] = 11.0  # half-open: the trial meets the same corrupt body
    with pytest.raises(BadBackendResponse):
        adapter.query(_service(catalog), zhang, {})
    assert adapter.breaker.state == "open"
    fresh_demo.fail(None)  # the back-end recovers
    now[0] = 22.0
    assert adapter.query(_service(catalog), zhang, {}).record_found
    assert adapter.breaker.state == "closed"


def test_any_exception_in_a_trial_releases_it(catalog: Catalog, zhang) -> None:
    now = [0.0]
    calls = [0]

    def handler(request: httpx.Request) -> httpx.Response:
        calls[0] += 1
        raise RuntimeError("a bug below the adapter")

    client = httpx.Client(transport=httpx.MockTransport(handler))
    adapter = build_adapters(families=["social_insurance"], demo_base_url="http://b",
                             client=client)["social_insurance"]
    adapter.breaker = CircuitBreaker(failures=1, reset_s=10, clock=lambda: now[0])
    for moment in (0.0, 11.0, 22.0):
        now[0] = moment
        with pytest.raises(RuntimeError):
            adapter.query(_service(catalog), zhang, {})
        assert adapter.breaker.state == "open"
    assert calls[0] == 3  # every half-open period let one trial through


def test_answer_missing_a_field_or_with_a_bad_date_is_rejected(catalog: Catalog, zhang) -> None:
    service = catalog.get("electricity.balance")
    assert service is not None
    bodies = [
        {"found": True, "values": {"account_no": "1", "address": "x", "balance": 1, "arrears": 0}},
        {
            "found": True,
            "values": {
                "account_no": "1",
                "address": "x",
                "balance": 1,
                "arrears": 0,
                "as_of": "2026-13-01",
            },
        },  # fmt: skip
        {
            "found": True,
            "values": {
                "account_no": "1",
                "address": "x",
                "balance": "lots",
                "arrears": 0,
                "as_of": "2026-01-01",
            },
        },  # fmt: skip
    ]
    for body in bodies:
        transport = httpx.MockTransport(lambda request, body=body: httpx.Response(200, json=body))
        adapter = build_adapters(families=["electricity"], demo_base_url="http://backend",
                                 client=httpx.Client(transport=transport))["electricity"]
        with pytest.raises(BadBackendResponse):
            adapter.query(service, zhang, {})


def test_id_number_and_inputs_travel_in_a_header_and_the_body_never_the_url(
    catalog: Catalog, zhang
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(404, json={"error": "not_found"})

    client = httpx.Client(transport=httpx.MockTransport(handler))
    adapter = build_adapters(families=["pension"], demo_base_url="http://b", client=client)[
        "pension"
    ]
    service = catalog.get("pension.contribution_detail")
    assert service is not None
    with pytest.raises(RecordNotFound):
        adapter.query(service, zhang, {"year": "2024"})
    assert zhang.id_number not in str(seen[0].url) and not seen[0].url.query
    assert seen[0].method == "POST"
    assert seen[0].headers["X-Subject-Id"] == zhang.id_number
    assert json.loads(seen[0].content) == {"insurance": "pension", "year": "2024"}


def test_logs_never_show_the_id_number(
    fresh_demo: DemoBackend, catalog: Catalog, zhang, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    fresh_demo.fail("http500")
    with pytest.raises(BackendUnavailable):
        _adapter(fresh_demo, retries=1).query(_service(catalog), zhang, {})
    assert caplog.records and zhang.id_number not in caplog.text
    assert "4104**********1238" in caplog.text


def test_answers_leave_nothing_in_a_process_wide_string_cache(catalog: Catalog, zhang) -> None:
    # pydantic hands out one cached object for a string it parsed before; a reference parsed
    # twice as two objects shows that answers are not kept (a soak filled that cache).
    body = {"found": False, "reference": "EL-000042", "as_of": "2026-01-01"}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    adapter = build_adapters(families=["electricity"], demo_base_url="http://backend",
                             client=httpx.Client(transport=transport))["electricity"]
    service = catalog.get("electricity.balance")
    assert service is not None
    first, second = (adapter.query(service, zhang, {}) for _ in range(2))
    assert first.backend_reference == second.backend_reference == "EL-000042"
    assert first.backend_reference is not second.backend_reference
