"""Console scripts: `fleet-server` (the central service) and `fleet-admin` (its operators)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence

from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from fleet import admin
from fleet.config_store import ConfigInputError
from fleet.db.engine import make_engine, migrate, session_factory
from fleet.protocol import TERMINAL_ID_PATTERN
from fleet.settings import FleetSettings, default_database_url, utc_now
from printing.codes import InvalidVerificationCode, normalize_code


def _database_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        default=os.environ.get("FLEET_DATABASE_URL") or default_database_url(),
        help="SQLAlchemy URL (default: $FLEET_DATABASE_URL, else SQLite in the data dir)",
    )
    parser.add_argument(
        "--database-connect-timeout", type=float, metavar="SECONDS",
        default=os.environ.get("FLEET_DATABASE_CONNECT_TIMEOUT_S") or "10",
        help="give up on a database that does not answer a new connection (default 10)",
    )


def server_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fleet-server", description=__doc__)
    _database_arg(parser)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8700)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--heartbeat-interval", type=float, default=30.0, metavar="SECONDS")
    parser.add_argument("--public-url", default="", help="how the world reaches /verify")
    parser.add_argument("--verify-rate", type=float, default=0.5, metavar="PER_SECOND")
    parser.add_argument("--verify-burst", type=float, default=20)
    parser.add_argument("--enrol-rate", type=float, default=1.0, metavar="PER_SECOND")
    parser.add_argument("--enrol-burst", type=float, default=30)
    parser.add_argument("--alert-webhook", default="", metavar="URL",
                        help="POST each alert as JSON here (the console shows them anyway)")
    parser.add_argument("--alert-interval", type=float, default=15, metavar="SECONDS")
    args = parser.parse_args(argv)
    from fleet.serve import run

    settings = FleetSettings(
        database_url=args.database_url, heartbeat_interval_s=args.heartbeat_interval,
        public_url=args.public_url, verify_rate_per_s=args.verify_rate,
        verify_burst=args.verify_burst, enrol_rate_per_s=args.enrol_rate,
        enrol_burst=args.enrol_burst, alert_webhook_url=args.alert_webhook,
        alert_interval_s=args.alert_interval,
        database_connect_timeout_s=args.database_connect_timeout,
    )
    print(f"fleet-server on http://{args.host}:{args.port}/ (database: "
          f"{_redacted(args.database_url)})", flush=True)
    try:
        run(settings, args.host, args.port, args.workers)
    except (ArgumentError, OperationalError, ValueError) as exc:
        print(f"fleet-server: cannot open the database: {str(exc).splitlines()[0]}",
              file=sys.stderr)
        return 2
    return 0


def _redacted(url: str) -> str:
    from sqlalchemy import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a database URL)"


def _terminal_id(text: str) -> str:
    import re

    if not re.fullmatch(TERMINAL_ID_PATTERN, text):
        raise argparse.ArgumentTypeError("1-32 letters, digits, '-' or '_'")
    return text


def _code(text: str) -> str:
    try:
        return normalize_code(text)
    except InvalidVerificationCode as exc:
        raise argparse.ArgumentTypeError(exc.message_en) from None


def _admin_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fleet-admin", description="Run the fleet's centre.")
    _database_arg(parser)
    parser.add_argument("--by", default=getpass.getuser(), help="who makes a change")
    parser.add_argument("--json", action="store_true")
    sub = parser.add_subparsers(dest="area", required=True)

    terminal = sub.add_parser("terminal").add_subparsers(dest="verb", required=True)
    add = terminal.add_parser("add", help="register a terminal; prints its enrolment token")
    add.add_argument("id", type=_terminal_id)
    add.add_argument("--group", required=True)
    add.add_argument("--ttl-hours", type=float, default=72)
    token = terminal.add_parser("token", help="a new enrolment token (reinstalled terminal)")
    token.add_argument("id", type=_terminal_id)
    token.add_argument("--ttl-hours", type=float, default=72)
    revoke = terminal.add_parser("revoke", help="refuse this terminal from now on")
    revoke.add_argument("id", type=_terminal_id)
    revoke.add_argument("--reason", default="")
    terminal.add_parser("list")

    config = sub.add_parser("config").add_subparsers(dest="verb", required=True)
    for verb in ("set", "unset"):
        p = config.add_parser(verb, help=f"{verb} one setting of a group or a terminal")
        scope = p.add_mutually_exclusive_group(required=True)
        scope.add_argument("--group")
        scope.add_argument("--terminal", type=_terminal_id)
        p.add_argument("key", help="hall_phone, heartbeat_interval_s, opening_hours, notices, "
                                   "or service.ID")
        if verb == "set":
            p.add_argument("value", help="e.g. 'off', '0371-12345', '1-5 08:00-20:00', "
                                         "'中文通知|English notice'")
    show = config.add_parser("show", help="the merged document a terminal receives")
    show.add_argument("--terminal", type=_terminal_id, required=True)
    show.add_argument("--heartbeat-interval", type=float, default=30.0)
    hist = config.add_parser("history", help="who changed what, newest first")
    hist.add_argument("--limit", type=int, default=50)

    cert = sub.add_parser("certificate").add_subparsers(dest="verb", required=True)
    crev = cert.add_parser("revoke")
    crev.add_argument("code", type=_code)
    crev.add_argument("--reason", required=True)
    cshow = cert.add_parser("show")
    cshow.add_argument("code", type=_code)

    sub.add_parser("usage", help="usage counters per service, all terminals")

    alert = sub.add_parser("alert", help="alerts the console shows").add_subparsers(
        dest="verb", required=True)
    alist = alert.add_parser("list", help="open alerts, newest first")
    alist.add_argument("--terminal", type=_terminal_id)
    alist.add_argument("--all", action="store_true", help="closed ones too")
    aack = alert.add_parser("ack", help="acknowledge an alert (an audit alert closes with it)")
    aack.add_argument("id", type=int)
    aack.add_argument("--reason", default="",
                      help="why (required for an audit alert: it accepts the terminal's new chain)")

    user = sub.add_parser("user", help="the console's staff accounts").add_subparsers(
        dest="verb", required=True)
    uadd = user.add_parser("add", help="add an account or set its password and role "
                                       "(password from a prompt, or stdin when piped)")
    uadd.add_argument("name")
    uadd.add_argument("--role", required=True, choices=("viewer", "operator", "admin"))
    user.add_parser("list")
    return parser


def _read_password() -> str:
    """Typed twice at a prompt, or the first line of stdin when it is not a terminal."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise admin.AdminError("the two passwords differ; nothing changed")
    return first


def admin_main(argv: Sequence[str] | None = None) -> int:
    args = _admin_parser().parse_args(argv)
    try:
        engine = make_engine(args.database_url, connect_timeout_s=args.database_connect_timeout)
        migrate(engine)
        with session_factory(engine)() as session:
            out = _dispatch(args, session)
        engine.dispose()
    except (admin.AdminError, ConfigInputError) as exc:
        print(f"fleet-admin: {exc}", file=sys.stderr)
        return 1
    except (ArgumentError, SQLAlchemyError) as exc:
        print(f"fleet-admin: database error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    if out is not None:
        print(out if isinstance(out, str) else admin.dumps(out))
    return 0


def _dispatch(args: argparse.Namespace, session):  # type: ignore[no-untyped-def]
    now = utc_now()
    match args.area, args.verb if hasattr(args, "verb") else None:
        case "terminal", "add":
            token = admin.add_terminal(session, args.id, args.group, now, args.ttl_hours)
            return {"id": args.id, "token": token} if args.json else token
        case "terminal", "token":
            token = admin.reissue_token(session, args.id, now, args.ttl_hours)
            return {"id": args.id, "token": token} if args.json else token
        case "terminal", "revoke":
            admin.revoke_terminal(session, args.id, args.reason, now)
            return None
        case "terminal", "list":
            rows = admin.list_terminals(session, now)
            if args.json:
                return rows
            return "\n".join(
                f"{r['id']:<16} {r['group']:<12} {r['state']:<15} outbox {r['outbox_length']:<5}"
                f" seen {r['last_seen_at'] or '-'}" for r in rows
            )
        case "config", "set" | "unset":
            scope, name = ("group", args.group) if args.group else ("terminal", args.terminal)
            value = args.value if args.verb == "set" else None
            admin.set_config(session, scope, name, args.key, value, args.by, now)
            return None
        case "config", "show":
            return admin.show_config(session, args.terminal, args.heartbeat_interval)
        case "config", "history":
            return admin.config_history(session, args.limit)
        case "certificate", "revoke":
            admin.revoke_certificate(session, args.code, args.reason, args.by, now)
            return None
        case "certificate", "show":
            return admin.show_certificate(session, args.code)
        case "usage", _:
            return admin.usage(session)
        case "alert", "list":
            alerts = admin.list_alerts(session, args.terminal, args.all)
            if args.json:
                return alerts
            return "\n".join(
                f"{a['id']:>5} {a['terminal_id']:<16} {a['severity']:<8} {a['rule']:<20} "
                f"{a['fired_at'][:19]} {'closed' if a['closed_at'] else 'open':<6} "
                f"{'acked by ' + a['acked_by'] if a['acked_by'] else '-'} {a['detail']}"
                for a in alerts) or "no alerts"
        case "alert", "ack":
            admin.acknowledge_alert(session, args.id, args.by, now, args.reason)
            return None
        case "user", "add":
            from fleet.console import auth

            try:
                auth.add_user(session, args.name, args.role, _read_password(), now, args.by)
            except auth.AuthError as exc:
                raise admin.AdminError(str(exc)) from None
            session.commit()
            return None
        case "user", "list":
            from fleet.console.users import list_users

            return list_users(session)
    raise admin.AdminError("unknown command")
