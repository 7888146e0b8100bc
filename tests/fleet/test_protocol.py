"""The shared shapes: what a terminal has today validates, and what must not leave it does not."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from devices.status import (
    CameraBlock,
    DeviceClass,
    DeviceState,
    DeviceStatus,
    Paper,
    PrinterBlock,
    ReaderBlock,
)
from fleet import protocol
from printing.registry import RegistryEntry

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "status",
    [
        DeviceStatus(DeviceClass.PRINTER, DeviceState.ONLINE, printer=PrinterBlock(Paper.JAMMED)),
        DeviceStatus(DeviceClass.IDCARD_READER, DeviceState.OFFLINE, reader=ReaderBlock()),
        DeviceStatus(DeviceClass.CAMERA, DeviceState.STARTING, camera=CameraBlock()),
    ],
)
def test_every_device_status_of_the_terminal_fits(status: DeviceStatus) -> None:
    report = protocol.DeviceStatusReport.model_validate(status.to_json())
    assert report.state == status.state.value
    assert report.ready == status.ready


def test_registry_entry_of_the_terminal_fits() -> None:
    entry = RegistryEntry(
        "ABCD-EFGH-JKLM-NPQR", "a" * 64, "pension", "养老金", "张*", "b" * 64, NOW, "T-1",
        "seal", False, "c" * 64, "人社局",
    )
    shape = protocol.RegistryEntryShape.model_validate(entry.to_dict())
    assert RegistryEntry.from_dict(shape.model_dump()) == entry


def test_config_hash_is_stable_and_changes_with_content() -> None:
    a = protocol.ConfigDocument(hall_phone="12345")
    same = protocol.ConfigDocument(hall_phone="12345")
    assert protocol.config_hash(a) == protocol.config_hash(same)
    assert protocol.config_hash(a) != protocol.config_hash(protocol.ConfigDocument())


def test_events_are_told_apart_by_kind() -> None:
    adapter = TypeAdapter(protocol.OutboxEvent)
    event = adapter.validate_python(
        {"kind": "usage", "key": "k" * 16, "seq": 1, "occurred_at": NOW.isoformat(),
         "service_id": "pension", "counter": "sessions"}
    )
    assert isinstance(event, protocol.UsageEvent)


@pytest.mark.parametrize("field", ["id_masked", "detail"])
def test_a_clear_id_number_is_refused(field: str) -> None:
    values = {"key": "k" * 16, "seq": 1, "occurred_at": NOW, "actor": "citizen",
              "action": "query", "outcome": "ok", field: "410402198805201238"}
    with pytest.raises(ValidationError):
        protocol.AuditEvent(**values)
    values[field] = "4104**********1238"
    assert protocol.AuditEvent(**values)


# One number of each card the terminal accepts (assets/cards): resident ID card, Hong Kong/
# Macao/Taiwan residence permit (81/82/83), foreign permanent resident card of 2023 (18
# characters) and of 2017 (15 characters: country code and twelve digits).
HOLDER_NUMBERS = ["410402198805201238", "81000019940823003X", "820000199501011239",
                  "830000198812310022", "911840198503120124", "USA110079060514"]


@pytest.mark.parametrize("number", HOLDER_NUMBERS)
@pytest.mark.parametrize("field", ["id_masked", "detail", "action"])
def test_every_kind_of_holder_number_is_refused_in_clear_and_passes_masked(
    field: str, number: str
) -> None:
    from services_catalog.model import is_holder_number, mask_id_number

    values = {"key": "k" * 16, "seq": 1, "occurred_at": NOW, "actor": "citizen",
              "action": "query", "outcome": "ok"}
    assert is_holder_number(number)  # a number the terminal accepts...
    in_text = [] if field == "id_masked" else [f"持证人{number}已查询", f"holder {number}."]
    for clear in (number, number.lower(), *in_text):
        with pytest.raises(ValidationError, match="unmasked ID number"):  # ...never leaves it
            protocol.AuditEvent(**{**values, field: clear})
    assert protocol.AuditEvent(**{**values, field: mask_id_number(number)})


def _entry(**changes: object) -> dict:
    entry = RegistryEntry(
        "ABCD-EFGH-JKLM-NPQR", "a" * 64, "pension", "养老金", "张*", "b" * 64, NOW, "T-1",
        "seal", False, "c" * 64, "人社局",
    ).to_dict()
    return {**entry, **changes}


@pytest.mark.parametrize("changes", [
    {"holder_masked_name": "张伟"},
    {"holder_masked_name": "赵淑兰"},
    {"holder_id_hash": "410402198805201238"},
    {"service_name_zh": "养老金 410403195608120028"},
    {"issuer_name_zh": "11010519491231002X"},
    {"seal_id": "410425197311034513"},
    {"service_name_zh": "养老金 81000019940823003X"},
    {"issuer_name_zh": "911840198503120124"},
    {"seal_id": "USA110079060514"},
    {"service_id": "x" * 10_000},
])
def test_a_registry_entry_with_a_name_or_number_in_clear_is_refused(changes: dict) -> None:
    with pytest.raises(ValidationError):
        protocol.RegistryEntryShape.model_validate(_entry(**changes))
    for masked in ("欧阳**", "张", ""):
        assert protocol.RegistryEntryShape.model_validate(_entry(holder_masked_name=masked))


def test_a_sequence_number_beyond_the_ledger_is_refused() -> None:
    adapter = TypeAdapter(protocol.OutboxEvent)
    usage = {"kind": "usage", "key": "k" * 16, "occurred_at": NOW.isoformat(),
             "service_id": "pension", "counter": "sessions"}
    assert adapter.validate_python({**usage, "seq": 2**63 - 1})
    for seq in (2**63, 10**40, 0, -1):
        with pytest.raises(ValidationError):
            adapter.validate_python({**usage, "seq": seq})


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValidationError):
        protocol.UsageEvent(key="k" * 16, seq=1, occurred_at=datetime(2026, 1, 1),
                            service_id="pension", counter="sessions")
