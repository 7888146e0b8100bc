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


# A 1 MiB block freed and asked for again, then glibc's count of bytes in blocks mapped on
# their own. glibc's moving threshold rises to 1 MiB at the first free, so the second block
# comes from an arena and stays there as bytes in use or free but kept once it is freed.
THRESHOLD_PROGRAM = """
import ctypes, sys
from kiosk.malloc_arenas import _MallInfo2, fix_mmap_threshold
if sys.argv[1] == "fixed":
    assert fix_mmap_threshold() is not None
libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = _MallInfo2
block = bytearray(1024 * 1024)
del block
before = libc.mallinfo2().hblkhd
block = bytearray(1024 * 1024)
print(libc.mallinfo2().hblkhd - before)
"""


def mapped_growth(mode: str) -> int:
    env = {"PATH": "/usr/bin:/bin"}  # no MALLOC_MMAP_THRESHOLD_ from the caller's environment
    done = subprocess.run([sys.executable, "-c", THRESHOLD_PROGRAM, mode], capture_output=True,
                          text=True, timeout=60, env=env, check=True)
    return int(done.stdout.strip())


def test_a_large_block_freed_and_asked_again_stays_mapped_on_its_own() -> None:
    assert mapped_growth("fixed") >= 1024 * 1024


def test_without_the_fixed_threshold_it_moves_into_an_arena() -> None:
    # The control: glibc's moving threshold is what the fix is about.
    assert mapped_growth("default") == 0


# 50 MB of 64 KiB blocks from the main arena, one more block above them, then all but that
# one freed: the free pages lie below a block in use, so free() alone keeps them resident.
TRIM_PROGRAM = """
import sys
from kiosk.malloc_arenas import release_free_memory
def resident_kb():
    line = next(l for l in open("/proc/self/status") if l.startswith("VmRSS"))
    return int(line.split()[1])
blocks = [b"x" * (64 * 1024) for _ in range(800)]
above = b"y" * (64 * 1024)
del blocks
before = resident_kb()
if sys.argv[1] == "release":
    assert release_free_memory()
print(before - resident_kb())
"""


def released_kb(mode: str) -> int:
    env = {"PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", TRIM_PROGRAM, mode], capture_output=True,
                          text=True, timeout=60, env=env, check=True)
    return int(done.stdout.strip())


def test_free_pages_between_blocks_in_use_go_back_to_the_system() -> None:
    assert released_kb("release") > 30 * 1024


def test_without_the_release_they_stay_resident() -> None:
    assert released_kb("keep") < 5 * 1024
