"""Signing in to the console from a test client (the browser tests use a real browser)."""

from __future__ import annotations

import re

from fleet.console import auth
from fleet.settings import FleetSettings

PASSWORD = "correct horse battery"


def add_user(app, name: str = "wang", role: str = "operator") -> None:  # type: ignore[no-untyped-def]
    settings: FleetSettings = app.state.settings
    with app.state.sessions() as session:
        auth.add_user(session, name, role, PASSWORD, settings.clock(), "test")
        session.commit()


def form_csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found[1]


def sign_in(client, name: str = "wang", password: str = PASSWORD):  # type: ignore[no-untyped-def]
    page = client.get("/console/login")
    return client.post("/console/login", data={"name": name, "password": password,
                                               "csrf": form_csrf(page.text),
                                               "next": "/console/"},
                       follow_redirects=False)
