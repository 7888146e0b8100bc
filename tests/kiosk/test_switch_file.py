"""The admin's service switches live in the data dir, the one place a terminal in service may
write (kiosk.service: ProtectSystem=strict makes /etc read-only): the layering, concurrent
writers, broken files, a read-only config dir, and root writing into the terminal's data dir."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

from kiosk.config import ConfigError, ServicesSettings, Settings
from kiosk.switch_file import (
    FILE_NAME,
    LocalSwitches,
    read_switches,
    render,
    switch_file_path,
    write_switch,
)

from .test_one_line_errors import _can_mount_read_only, _run, as_root

SERVICE = "real_estate.seizure_info"


def test_a_layer_over_another_wins_for_the_services_it_names() -> None:
    file = ServicesSettings(disabled=("a", "b"), enabled=("c",))
    switched = file.switched(on=["a"], off=["c", "d"])
    assert switched.enabled == ("a",)
    assert switched.disabled == ("b", "c", "d")
    local = LocalSwitches().switched("x", False).switched("y", True).switched("x", True)
    assert local == LocalSwitches(enabled=("x", "y"), disabled=())
    settings = local.over(Settings(services=file))
    assert settings.services.enabled == ("c", "x", "y")
    assert settings.service_enabled_override("x") is True
    assert settings.service_enabled_override("a") is False


def test_written_switches_read_back_and_survive_a_second_writer(tmp_path: Path) -> None:
    path = tmp_path / "data" / FILE_NAME
    assert read_switches(path) == LocalSwitches()  # no file: no switches
    write_switch(path, "pension.payment_detail", False)
    write_switch(path, "housing_fund.deposit_certificate", False)
    write_switch(path, "pension.payment_detail", True)
    assert read_switches(path) == LocalSwitches(
        enabled=("pension.payment_detail",), disabled=("housing_fund.deposit_certificate",))
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.read_text(encoding="utf-8").startswith("# Services switched")
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_write_cut_short_leaves_nothing_in_the_way_of_the_next(tmp_path: Path) -> None:
    """`kiosk-admin` killed between creating its temporary file and the rename leaves that
    file behind; a later writer with the same process id (ids are reused, and small in a
    container) must still switch, and the half-written file must never be read."""
    path = tmp_path / FILE_NAME
    write_switch(path, SERVICE, False)
    stale = path.with_name(f".{FILE_NAME}.{os.getpid()}.tmp")
    stale.write_text("enabled = [", encoding="utf-8")  # half of a write
    write_switch(path, "pension.payment_detail", False)
    assert read_switches(path).disabled == ("pension.payment_detail", SERVICE)
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def _switch_off(path: str, service_id: str) -> None:
    write_switch(Path(path), service_id, False)


def test_switches_from_several_processes_at_once_are_all_kept(tmp_path: Path) -> None:
    """Two admins (or a script and the admin screen) switching at the same moment: each
    read-modify-write waits for the other, so no switch is silently lost."""
    from concurrent.futures import ProcessPoolExecutor

    from services_catalog.catalog import load_catalog

    path = tmp_path / FILE_NAME
    ids = [s.id for s in load_catalog().services][:24]
    with ProcessPoolExecutor(max_workers=8) as pool:
        list(pool.map(_switch_off, [str(path)] * len(ids), ids))
    assert sorted(read_switches(path).disabled) == sorted(ids)


@pytest.mark.parametrize(("text", "words"), [
    ("disabled = [", "not valid TOML"),
    ("disabled = 'one'", "disabled"),
    ("colour = 'red'", "colour"),
    ("\udcff", "UTF-8"),
])
def test_a_broken_switch_file_is_one_line_naming_it(tmp_path: Path, text: str,
                                                     words: str) -> None:
    path = tmp_path / FILE_NAME
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    with pytest.raises(ConfigError) as info:
        read_switches(path)
    assert str(path) in str(info.value) and words in str(info.value)
    assert "\n" not in str(info.value)
    with pytest.raises(ConfigError):  # a switch over it would drop the switches it held
        write_switch(path, SERVICE, False)


def test_render_is_what_read_expects() -> None:
    switches = LocalSwitches(enabled=('we"ird',), disabled=("a.b",))
    import tomllib

    assert LocalSwitches.model_validate(tomllib.loads(render(switches))) == switches


def _listed(config: Path, data: Path) -> dict[str, bool]:
    done = _run("kiosk-admin", "--config", str(config), "services", "list", "--json",
                env={"GOV_KIOSK_DATA_DIR": str(data)})
    assert done.returncode == 0, done.stderr
    return {s["id"]: s["enabled"] for s in json.loads(done.stdout)}


@pytest.mark.skipif(not _can_mount_read_only(), reason="needs a private read-only mount")
def test_the_command_line_switches_with_the_config_dir_read_only(tmp_path: Path) -> None:
    """What the shipped unit gives: /etc/gov-kiosk read-only, only the data dir writable."""
    etc, data = tmp_path / "etc", tmp_path / "data"
    etc.mkdir()
    config = etc / "kiosk.toml"
    config.write_text("# the admin's own file\n[services]\ndisabled = ['pension.payment_detail']\n",
                      encoding="utf-8")
    before = config.read_bytes()
    env = {"GOV_KIOSK_DATA_DIR": str(data)}
    for verb, service in (("disable", SERVICE), ("enable", "pension.payment_detail")):
        done = _run("kiosk-admin", "--config", str(config), "services", verb, service,
                    env=env, read_only=etc)
        assert done.returncode == 0, done.stderr
    assert config.read_bytes() == before  # nothing written beside the config
    assert sorted(p.name for p in etc.iterdir()) == ["kiosk.toml"]
    listed = _listed(config, data)
    assert listed[SERVICE] is False
    assert listed["pension.payment_detail"] is True  # the terminal's switch over the file's
    assert read_switches(switch_file_path(Settings(data_dir=data))).disabled == (SERVICE,)


def _as_user(uid: int, gid: int, action) -> int:  # noqa: ANN001
    """Run `action` in a child that became uid/gid (this interpreter lives under root's home,
    which another user cannot execute from, so no exec); the child's exit code."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            code = int(action() or 0)
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


@pytest.fixture
def terminal_dir():
    """A data dir owned by the terminal's user (uid 1234), mode 0700 as the unit makes it,
    under a folder that user can reach (not pytest's root-only one)."""
    top = Path(tempfile.mkdtemp(prefix="kiosk-switch-"))
    top.chmod(0o755)
    data = top / "data"
    data.mkdir(mode=0o700)
    os.chown(data, 1234, 2345)
    yield data
    import shutil

    shutil.rmtree(top)


@as_root
def test_root_becomes_the_data_dirs_owner_before_writing_there(terminal_dir: Path) -> None:
    """`kiosk-admin` as root: what it writes in the data dir stays the terminal's."""
    from kiosk.cli.data_owner import act_as_data_dir_owner

    path = terminal_dir / FILE_NAME

    def switch_as_root() -> int:
        assert act_as_data_dir_owner(terminal_dir) == 1234
        assert (os.getuid(), os.geteuid(), os.getgid()) == (1234, 1234, 2345)
        write_switch(path, SERVICE, False)
        return 0

    assert _as_user(0, 0, switch_as_root) == 0
    for made in (path, terminal_dir / f".{FILE_NAME}.lock"):
        info = made.stat()
        assert (info.st_uid, info.st_gid, info.st_mode & 0o777) == (1234, 2345, 0o600), made
    # The terminal's user switches over it afterwards.
    assert _as_user(1234, 2345, lambda: write_switch(path, "pension.payment_detail", False)
                    and 0) == 0
    assert read_switches(path).disabled == ("pension.payment_detail", SERVICE)


@as_root
def test_the_terminal_replaces_a_switch_file_root_copied_in(terminal_dir: Path) -> None:
    path = terminal_dir / FILE_NAME
    path.write_text(render(LocalSwitches(disabled=(SERVICE,))), encoding="utf-8")  # root's
    assert _as_user(1234, 2345, lambda: write_switch(path, SERVICE, True) and 0) == 0
    assert read_switches(path).enabled == (SERVICE,)
    assert path.stat().st_uid == 1234


@as_root
def test_symlinks_planted_in_the_data_dir_are_never_followed(tmp_path: Path) -> None:
    """The terminal's user controls its data dir: a link named like the lock or the switch
    file must not make root read, create or take over another file."""
    victim = tmp_path / "shadow"
    victim.write_text("root:secret\n", encoding="utf-8")
    victim.chmod(0o600)
    data = tmp_path / "data"
    data.mkdir()
    lock = data / f".{FILE_NAME}.lock"
    lock.symlink_to(victim)
    with pytest.raises(OSError):
        write_switch(data / FILE_NAME, SERVICE, False)
    lock.unlink()
    (data / FILE_NAME).symlink_to(victim)
    with pytest.raises(ConfigError, match="symbolic link"):
        read_switches(data / FILE_NAME)
    with pytest.raises(ConfigError, match="symbolic link"):
        write_switch(data / FILE_NAME, SERVICE, False)
    info = victim.stat()
    assert (info.st_uid, info.st_mode & 0o777) == (0, 0o600)
    assert victim.read_text(encoding="utf-8") == "root:secret\n"


def test_a_service_switched_both_ways_is_refused(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    path.write_text(f"enabled = ['{SERVICE}']\ndisabled = ['{SERVICE}']\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="both on and off"):
        read_switches(path)


def test_leaving_demo_drops_the_demos_switches(tmp_path: Path) -> None:
    from kiosk.data_mode import MODE_FILE, claim_data_dir, has_demo_leftovers

    data = tmp_path / "data"
    write_switch(data / FILE_NAME, SERVICE, True)
    (data / MODE_FILE).write_text("demo\n", encoding="utf-8")
    in_service = Settings(data_dir=data).model_copy(update={"demo": False})
    assert has_demo_leftovers(in_service)
    from kiosk.service_switches import layered_settings

    assert layered_settings(in_service).services == in_service.services  # not read
    dropped = claim_data_dir(in_service)
    assert not (data / FILE_NAME).exists()
    assert any(FILE_NAME in line for line in dropped)


@as_root
@pytest.mark.parametrize("owner", [65534, 4321])  # nobody; a uid with no account
def test_root_switching_is_audited_as_root(terminal_dir: Path, owner: int) -> None:
    """Under cron or a unit, with no USER or LOGNAME: the audit line names root, who ran the
    command, not the data dir's owner root became; and with no account for that owner the
    switch is still audited, never in force without its line."""
    import subprocess

    from .test_one_line_errors import BIN

    os.chown(terminal_dir, owner, owner)
    config = terminal_dir.parent / "kiosk.toml"
    config.write_text("demo = true\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if k not in ("USER", "LOGNAME", "LNAME", "USERNAME", "SUDO_USER")}
    env.update(GOV_KIOSK_CONFIG=str(config), GOV_KIOSK_DATA_DIR=str(terminal_dir))

    def admin(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(BIN / "kiosk-admin"), *args], capture_output=True,
                              text=True, env=env, timeout=180)

    done = admin("services", "disable", SERVICE)
    assert done.returncode == 0, done.stderr
    shown = admin("audit", "show", "--json")
    assert shown.returncode == 0, shown.stderr
    switches = [e["detail"] for e in json.loads(shown.stdout) if e["action"] == "service_switch"]
    assert switches == [f"{SERVICE} by root"]


def test_a_writer_stuck_holding_the_lock_does_not_hang_the_next(tmp_path: Path,
                                                                monkeypatch) -> None:
    """A `kiosk-admin` suspended mid-edit (Ctrl-Z, a stopped shell) holds the edit lock: the
    admin screen and other commands give up with one line instead of waiting for ever."""
    import fcntl

    import kiosk.switch_file

    monkeypatch.setattr(kiosk.switch_file, "LOCK_WAIT_S", 0.3)
    path = tmp_path / FILE_NAME
    write_switch(path, SERVICE, False)
    held = os.open(tmp_path / f".{FILE_NAME}.lock", os.O_RDONLY)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)  # the stuck writer
        with pytest.raises(ConfigError, match="another") as info:
            write_switch(path, SERVICE, True)
        assert str(path) in str(info.value) and "\n" not in str(info.value)
    finally:
        os.close(held)
    write_switch(path, SERVICE, True)  # the writer gone, the next one switches
    assert read_switches(path).enabled == (SERVICE,)


def test_switching_over_a_broken_file_says_how_to_go_on(tmp_path: Path) -> None:
    from .test_one_line_errors import _one_line

    data = tmp_path / "data"
    data.mkdir()
    (data / FILE_NAME).write_bytes(b"enabled = [\xff")
    config = tmp_path / "kiosk.toml"
    config.write_text("demo = true\n", encoding="utf-8")
    done = _run("kiosk-admin", "--config", str(config), "services", "disable", SERVICE,
                env={"GOV_KIOSK_DATA_DIR": str(data)})
    line = _one_line(done, "not UTF-8", "remove the file")
    assert line.count(str(data / FILE_NAME)) == 1, line
    assert (data / FILE_NAME).read_bytes() == b"enabled = [\xff"  # nothing lost


@pytest.mark.parametrize("plant", ["fifo", "folder"])
def test_a_lock_that_is_not_a_file_is_refused_at_once(tmp_path: Path, plant: str) -> None:
    """A FIFO put where the lock belongs would hold open() for ever, before any wait limit."""
    import threading

    lock = tmp_path / f".{FILE_NAME}.lock"
    os.mkfifo(lock) if plant == "fifo" else lock.mkdir()
    outcome: list[BaseException] = []

    def switch() -> None:
        try:
            write_switch(tmp_path / FILE_NAME, SERVICE, False)
        except BaseException as exc:  # noqa: BLE001 - what the caller would see
            outcome.append(exc)

    worker = threading.Thread(target=switch, daemon=True)
    worker.start()
    worker.join(30)
    if worker.is_alive():  # unblock the open() so the thread ends with the test
        os.close(os.open(lock, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(5)
        pytest.fail("the switch waited on the FIFO")
    assert len(outcome) == 1 and isinstance(outcome[0], (ConfigError, OSError))
    assert not (tmp_path / FILE_NAME).exists()


@pytest.mark.parametrize("plant", ["fifo", "dev_zero", "folder", "not_utf8"])
def test_a_mode_file_put_in_the_data_dir_never_hangs_a_reader(tmp_path: Path, plant: str) -> None:
    """The data dir's mode file is read at every start and by every `kiosk-admin services`
    command (has the demo left its switches?): a FIFO would hold it for ever, /dev/zero would
    fill memory. Such a file is one clear problem; text that is no mode is no mode."""
    from kiosk.data_mode import MODE_FILE, recorded_mode

    mode = tmp_path / MODE_FILE
    _plant(mode, plant)
    outcome = _in_a_child(lambda: recorded_mode(tmp_path))
    if plant == "not_utf8":
        assert outcome is None
    else:
        assert isinstance(outcome, str) and outcome.startswith("ConfigError: "), outcome
        assert str(mode) in outcome


def _plant(path: Path, plant: str) -> None:
    if plant == "fifo":
        os.mkfifo(path)
    elif plant == "dev_zero":
        path.symlink_to("/dev/zero")
    elif plant == "folder":
        path.mkdir()
    else:
        path.write_bytes(b"\xffdemo\n")


def _in_a_child(call):  # noqa: ANN001, ANN202
    """`call()`'s value, or "Type: message" of what it raised, from a child process: one
    stuck on a FIFO or filling memory from /dev/zero is killed and the test fails."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    answer, tell = context.Pipe(duplex=False)

    def run() -> None:
        try:
            found: object = call()
        except Exception as exc:  # noqa: BLE001 - what the caller would see
            found = f"{type(exc).__name__}: {exc}"
        tell.send(found)

    child = context.Process(target=run)
    child.start()
    child.join(30)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail("the read did not return")
    return answer.recv()


@pytest.mark.parametrize("plant", ["fifo", "dev_zero", "folder", "not_utf8"])
def test_a_kept_fleet_config_put_in_the_data_dir_never_hangs_a_reader(tmp_path: Path,
                                                                       plant: str) -> None:
    """The centre's kept configuration is read at start and by `kiosk-admin services`: a file
    that is no configuration waits for the centre, as a damaged one does."""
    from kiosk.fleet_link.config_sync import FILE_NAME as KEPT
    from kiosk.fleet_link.config_sync import kept_document

    _plant(tmp_path / KEPT, plant)
    assert _in_a_child(lambda: kept_document(tmp_path)) is None
