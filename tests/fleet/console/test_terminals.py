"""The terminals overview and one terminal's page; remote actions through the heartbeat."""

from __future__ import annotations

from fleet.protocol import HEARTBEAT_PATH, HeartbeatAck
from tests.fleet.conftest import FakeClock, enrol
from tests.fleet.console.helpers import add_user, form_csrf, sign_in


def beat(client, headers, terminal_id, clock, **extra):  # type: ignore[no-untyped-def]
    body = {"terminal_id": terminal_id, "sent_at": clock().isoformat(), "app_version": "1.0",
            "uptime_s": 10, "state": "in_service",
            "devices": [{"device": "printer", "state": "online", "ready": True,
                         "paper": "low", "info": {"sheets_left": "12"}}], **extra}
    answer = client.post(HEARTBEAT_PATH.format(terminal_id=terminal_id), json=body,
                         headers=headers)
    assert answer.status_code == 200, answer.text
    return HeartbeatAck.model_validate(answer.json())

def test_overview_shows_state_last_seen_and_paper(app, client, settings, clock: FakeClock
                                                  ) -> None:
    a = enrol(client, settings, "ZZ-1")
    enrol(client, settings, "ZZ-2")
    beat(client, a, "ZZ-1", clock)
    add_user(app)
    sign_in(client)
    page = client.get("/console/").text
    assert 'data-terminal="ZZ-1" data-state="in_service"' in page
    assert 'data-terminal="ZZ-2" data-state="offline"' in page  # enrolled, never heard
    assert "偏少" in page  # paper low, in Chinese by default
    clock.advance(91)
    client.get("/console/lang/en?next=/console/")
    page = client.get("/console/").text
    assert 'data-terminal="ZZ-1" data-state="offline"' in page and ">offline<" in page


def test_terminal_page_shows_config_applied_and_forecast(app, client, settings,
                                                         clock: FakeClock) -> None:
    headers = enrol(client, settings, "ZZ-1")
    ack = beat(client, headers, "ZZ-1", clock)
    add_user(app)
    sign_in(client)
    page = client.get("/console/terminals/ZZ-1").text
    assert "尚未生效" in page  # the terminal has not applied the centre's config yet
    beat(client, headers, "ZZ-1", clock, config_hash=ack.config_hash)
    page = client.get("/console/terminals/ZZ-1").text
    assert "已生效" in page and "尚未生效" not in page
    assert "数据不足" not in page  # 12 sheets reported: a forecast, even with no usage yet
    assert client.get("/console/terminals/NOPE").status_code == 404


def test_an_action_is_handed_over_until_reported_done(app, client, settings,
                                                      clock: FakeClock) -> None:
    headers = enrol(client, settings, "ZZ-1")
    assert beat(client, headers, "ZZ-1", clock).actions == []
    add_user(app)
    sign_in(client)
    page = client.get("/console/terminals/ZZ-1")
    client.post("/console/terminals/ZZ-1/actions",
                data={"action": "reload_config", "csrf": form_csrf(page.text)})
    first = beat(client, headers, "ZZ-1", clock).actions
    assert [a.action for a in first] == ["reload_config"]
    clock.advance(30)
    assert beat(client, headers, "ZZ-1", clock).actions == first  # answer lost? sent again
    done = [{"id": first[0].id, "outcome": "ok"}]
    assert beat(client, headers, "ZZ-1", clock, actions_done=done).actions == []
    page = client.get("/console/terminals/ZZ-1").text
    assert "reload_config" in page and "ok" in page
