"""Console sign-in: argon2 accounts, roles, lockout, session cookies and CSRF on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from fleet.console import auth
from fleet.console.models import ConsoleAudit, ConsoleUser
from tests.fleet.conftest import FakeClock
from tests.fleet.console.helpers import PASSWORD, add_user, form_csrf, sign_in


def test_root_leads_to_the_login_page_and_back_after_signing_in(app, client) -> None:
    add_user(app)
    first = client.get("/", follow_redirects=True)
    assert first.url.path == "/console/login" and 'for="password"' in first.text
    answer = sign_in(client)
    assert answer.status_code == 303 and answer.headers["location"] == "/console/"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie  # plain http on loopback; https would add it
    assert client.get("/console/").status_code == 200


def test_the_password_is_kept_as_argon2_only(app) -> None:
    add_user(app)
    with app.state.sessions() as session:
        user = session.scalar(select(ConsoleUser))
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


def test_wrong_password_then_lockout_even_for_the_right_one(app, client, clock: FakeClock
                                                            ) -> None:
    add_user(app)
    for _ in range(auth.MAX_FAILURES):
        assert sign_in(client, password="wrong password!").status_code == 401
    locked = sign_in(client)
    assert locked.status_code == 401 and "锁定" in locked.text
    clock.advance(auth.LOCKOUT.total_seconds() + 1)
    assert sign_in(client).status_code == 303
    with app.state.sessions() as session:
        actions = [a.action for a in session.scalars(select(ConsoleAudit))]
    assert "user.locked" in actions and actions[-1] == "login"


def test_login_without_the_forms_csrf_token_is_refused(app, client) -> None:
    add_user(app)
    client.get("/console/login")
    answer = client.post("/console/login", data={"name": "wang", "password": PASSWORD,
                                                 "csrf": "forged"}, follow_redirects=False)
    assert answer.status_code == 403


def test_a_change_needs_the_sessions_csrf_token_and_the_role(app, client, settings) -> None:
    from tests.fleet.conftest import add_terminal

    add_terminal(settings, "T-1")
    add_user(app, "li", "viewer")
    add_user(app, "wang", "operator")
    sign_in(client, "li")
    page = client.get("/console/terminals/T-1")
    assert "Queue action" not in page.text and "加入队列" not in page.text
    csrf = form_csrf(page.text)  # the sign-out form's
    refused = client.post("/console/terminals/T-1/actions",
                          data={"action": "self_test", "csrf": csrf})
    assert refused.status_code == 403  # a viewer
    client.cookies.clear()
    sign_in(client, "wang")
    page = client.get("/console/terminals/T-1")
    forged = client.post("/console/terminals/T-1/actions",
                         data={"action": "self_test", "csrf": "x" * 43})
    assert forged.status_code == 403
    done = client.post("/console/terminals/T-1/actions",
                       data={"action": "self_test", "csrf": form_csrf(page.text)},
                       follow_redirects=False)
    assert done.status_code == 303
    with app.state.sessions() as session:
        audit = session.scalars(select(ConsoleAudit).where(
            ConsoleAudit.action == "action.self_test")).one()
    assert (audit.actor, audit.target) == ("wang", "T-1")


def test_sessions_end_when_idle_and_at_sign_out(app, client, clock: FakeClock) -> None:
    add_user(app)
    sign_in(client)
    clock.advance(auth.IDLE_LIMIT.total_seconds() + 1)
    assert client.get("/console/", follow_redirects=False).status_code == 303
    sign_in(client)
    page = client.get("/console/")
    client.post("/console/logout", data={"csrf": form_csrf(page.text)})
    assert client.get("/console/", follow_redirects=False).status_code == 303


def test_no_open_redirect_after_login(app, client) -> None:
    add_user(app)
    page = client.get("/console/login")
    answer = client.post("/console/login", data={
        "name": "wang", "password": PASSWORD, "csrf": form_csrf(page.text),
        "next": "https://evil.example/"}, follow_redirects=False)
    assert answer.headers["location"] == "/console/"


def test_fleet_admin_user_add_reads_the_password_from_stdin(settings) -> None:
    script = Path(sys.executable).parent / "fleet-admin"
    url = settings.database_url
    added = subprocess.run([script, "--database-url", url, "user", "add", "zhao", "--role",
                            "admin"], input="a long enough secret\n", capture_output=True,
                           text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    short = subprocess.run([script, "--database-url", url, "user", "add", "qian", "--role",
                            "viewer"], input="short\n", capture_output=True, text=True,
                           timeout=60)
    assert short.returncode == 1 and short.stderr.count("\n") == 1
    assert "10 characters" in short.stderr
    listed = subprocess.run([script, "--database-url", url, "--json", "user", "list"],
                            capture_output=True, text=True, timeout=60)
    assert '"zhao"' in listed.stdout and "argon2" not in listed.stdout


def test_refusals_and_bad_forms_are_pages_in_the_users_language(app, client) -> None:
    add_user(app, "li", "viewer")
    sign_in(client, "li")
    page = client.get("/console/alerts")
    refused = client.post("/console/alerts/1/ack", data={"csrf": form_csrf(page.text)})
    assert refused.status_code == 403 and "需要操作员角色" in refused.text
    assert refused.headers["content-type"].startswith("text/html")
    incomplete = client.post("/console/config", data={"csrf": form_csrf(page.text)})
    assert incomplete.status_code == 400 and "表单未填写完整" in incomplete.text
    assert client.get("/console/nowhere").status_code == 404
    api = client.post("/api/v1/enrol", json={})  # the terminals' API still answers JSON
    assert api.status_code == 422 and api.headers["content-type"] == "application/json"
