"""The terminal caps glibc's malloc arenas: threads that run at the same time share two heaps
instead of getting one each (the per-thread heaps are what grew over a night's soak)."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")

# Eight threads alive together, each allocating from the C heap (a bytearray of 64 KiB is
# below glibc's mmap threshold, so it comes from the thread's arena); then glibc's own report
# of its heaps is counted.
PROGRAM = """
import ctypes, os, sys, tempfile, threading
if sys.argv[1] == "limit":
    from kiosk.malloc_arenas import limit_malloc_arenas
    assert limit_malloc_arenas() == 2
barrier = threading.Barrier(8)
def work():
    block = bytearray(64 * 1024)
    barrier.wait()
    del block
threads = [threading.Thread(target=work) for _ in range(8)]
for thread in threads: thread.start()
for thread in threads: thread.join()
libc = ctypes.CDLL("libc.so.6")
libc.fopen.restype = ctypes.c_void_p
libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
libc.fclose.argtypes = [ctypes.c_void_p]
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "heaps.xml")
    handle = libc.fopen(path.encode(), b"w")
    libc.malloc_info(0, handle)
    libc.fclose(handle)
    print(open(path).read().count("<heap nr="))
"""


def heaps(mode: str) -> int:
    env = {"PATH": "/usr/bin:/bin"}  # no MALLOC_ARENA_MAX from the caller's environment
    done = subprocess.run([sys.executable, "-c", PROGRAM, mode], capture_output=True,
                          text=True, timeout=60, env=env, check=True)
    return int(done.stdout.strip())


def test_concurrent_threads_share_two_arenas_once_limited() -> None:
    assert heaps("limit") <= 2


def test_without_the_limit_each_thread_gets_its_own_arena() -> None:
    # The control: the measurement above sees arenas at all (glibc's default would be 8+).
    assert heaps("default") > 2
