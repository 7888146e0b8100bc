"""The token PIN never stands on a command line (`ps` shows every user's): making the demo's
SoftHSM2 token and logging in spawn no process that carries it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from printing.token import softhsm_module

pytestmark = pytest.mark.skipif(softhsm_module() is None, reason="softhsm2 not installed")

ROOT = Path(__file__).resolve().parents[2]

# Every way a Python program starts another one, wrapped to record what it would show.
_SPAWN_WATCH = """
import json, os, subprocess, sys
from pathlib import Path

seen = []
_popen_init = subprocess.Popen.__init__

def popen_init(self, args, *a, **kw):
    seen.append({"argv": [str(x) for x in ([args] if isinstance(args, (str, bytes)) else args)],
                 "env": {k: str(v) for k, v in (kw.get("env") or {}).items()}})
    return _popen_init(self, args, *a, **kw)

subprocess.Popen.__init__ = popen_init
for name in ("system", "posix_spawn", "posix_spawnp", "execv", "execve", "execvp", "execvpe"):
    original = getattr(os, name)
    def watched(*args, _original=original, **kw):
        seen.append({"argv": [str(a) for a in args], "env": {}})
        return _original(*args, **kw)
    setattr(os, name, watched)

from kiosk.config import Settings
from kiosk.seals import DEMO_TOKEN_PIN, build_seals
from printing.token import open_token, softhsm_token

tmp = Path(sys.argv[1])
mine = softhsm_token(tmp / "own", "gov-kiosk-pin-test", "hunter2718")
open_token(mine).close()  # the PIN it was made with opens it
setup = build_seals(Settings(data_dir=tmp / "demo"), tmp / "demo")  # the demo's own token
kind = setup.store_kind
setup.stop()
print(json.dumps({"seen": seen, "kind": kind, "pins": ["hunter2718", DEMO_TOKEN_PIN]}))
"""


def test_no_child_process_is_given_the_token_pin(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SOFTHSM2_CONF"}
    done = subprocess.run([sys.executable, "-c", _SPAWN_WATCH, str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=180, check=False,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["kind"] == "token"  # the demo seals really live in the token
    for pin in answer["pins"]:
        for spawn in answer["seen"]:
            assert not any(pin in arg for arg in spawn["argv"]), spawn["argv"][:3]
            assert not any(pin in value for value in spawn["env"].values())
