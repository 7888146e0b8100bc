"""`kiosk-admin` run as root acts as the terminal's own user on the terminal's data.

The terminal runs unprivileged (kiosk.service: User=kiosk) and owns its data dir. A command
run as root that created files there (the SQLite database and its journal, keys, the switch
file) would leave them root's, and the terminal could no longer open them; and root writing in
a folder another user controls can be pointed at any file of the system through a symlink. So
before a command touches the data dir, root becomes the dir's owner for the rest of it. The
environment (the audit key, seal passwords) is kept; what the terminal cannot read, the
command cannot either, which is what an admin checking the terminal wants to learn.
"""

from __future__ import annotations

import os
import pwd
from pathlib import Path


def act_as_data_dir_owner(data_dir: Path) -> int | None:
    """Become the owner of `data_dir` when running as root and someone else owns it; the
    uid taken, or None when nothing changed (not root, no dir yet, or root's own dir)."""
    if os.geteuid() != 0:
        return None
    try:
        owner = os.stat(data_dir)
    except OSError:
        return None  # a new terminal: the unit's StateDirectory= makes it the terminal's
    if owner.st_uid == 0:
        return None
    try:
        os.initgroups(pwd.getpwuid(owner.st_uid).pw_name, owner.st_gid)  # dialout, video...
    except KeyError:
        os.setgroups([])  # an owner with no account: no supplementary groups
    os.setresgid(owner.st_gid, owner.st_gid, owner.st_gid)
    os.setresuid(owner.st_uid, owner.st_uid, owner.st_uid)
    return owner.st_uid
