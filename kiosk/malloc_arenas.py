"""Two malloc arenas for the whole terminal instead of glibc's default of eight per core.

glibc gives threads their own heaps ("arenas"), up to eight per core. The terminal starts
short-lived threads every session (the card placement, the face capture and its check) and
each one takes whichever arena is free; the certificate path (image decoding, PDF rendering,
signing) briefly needs megabytes of scratch memory, and every arena keeps its own high-water
mark of it as free but resident memory. Over a night of sessions all sixteen arenas of a
two-core terminal fill up that way: 10,000 soak sessions grew by 38 MB, all of it free memory
inside the arenas (the bytes in use stayed flat). With two arenas the same soak stays flat.

MALLOC_ARENA_MAX in the environment (kiosk.service sets it) wins over the default here.

Blocks from 256 KiB up are always mapped on their own and unmapped when freed. glibc's default
threshold moves: each large block freed raises it to that size, so the certificate path's
scratch buffers and CPython's own big tables (its interned-strings table doubled from 1.9 to
3.8 MB after about 1,800 soak sessions) end up inside the arenas, where they stay as bytes in
use or free but kept. A fixed threshold (glibc's MALLOC_MMAP_THRESHOLD_ wins) keeps them out.
"""

from __future__ import annotations

import ctypes
import functools
import os
import platform

DEFAULT_ARENAS = 2
MMAP_THRESHOLD = 256 * 1024
_M_ARENA_MAX, _M_MMAP_THRESHOLD = -8, -3  # mallopt parameters, glibc's malloc.h


@functools.cache  # at every session's end: platform.libc_ver() reads the interpreter's file
def _glibc() -> ctypes.CDLL | None:
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        return ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return None


def limit_malloc_arenas(default: int = DEFAULT_ARENAS) -> int | None:
    """Cap glibc's arenas before the threads start; returns the cap, or None where the C
    library is not glibc (nothing to do) or refuses."""
    libc = _glibc()
    if libc is None:
        return None
    try:
        arenas = int(os.environ.get("MALLOC_ARENA_MAX", default))
    except ValueError:
        arenas = default
    if arenas < 1:
        return None
    return arenas if libc.mallopt(_M_ARENA_MAX, arenas) == 1 else None


def fix_mmap_threshold(threshold: int = MMAP_THRESHOLD) -> int | None:
    """Map every block of `threshold` bytes or more on its own, for good (glibc's threshold
    otherwise rises with each large block freed); returns the threshold, or None where the C
    library is not glibc, the environment sets its own, or glibc refuses."""
    libc = _glibc()
    if libc is None or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return None
    if "mmap_threshold" in os.environ.get("GLIBC_TUNABLES", ""):
        return None
    return threshold if libc.mallopt(_M_MMAP_THRESHOLD, threshold) == 1 else None


def release_free_memory() -> bool:
    """Hand the whole free pages inside the arenas back to the system (malloc_trim): what
    a session's smaller blocks left between the ones still in use would otherwise stay
    resident. Called when a session ends; False off glibc or when nothing was released."""
    libc = _glibc()
    return libc is not None and libc.malloc_trim(0) == 1


def tune_malloc() -> None:
    """Both settings above; call it before the terminal's threads start."""
    limit_malloc_arenas()
    fix_mmap_threshold()


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


def heap_kb() -> tuple[int, int] | None:
    """glibc's heap, all arenas: (KiB in use, mapped blocks included; KiB free but kept);
    None off glibc. Growth of the second with the first flat is fragmentation, not a leak
    (bench/bench_soak.py). Mapped blocks count as in use: otherwise a block moving from its
    own mapping into an arena would show as growth."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    libc = ctypes.CDLL("libc.so.6")
    if not hasattr(libc, "mallinfo2"):  # glibc before 2.33
        return None
    libc.mallinfo2.restype = _MallInfo2
    info = libc.mallinfo2()
    return (info.uordblks + info.hblkhd) // 1024, info.fordblks // 1024
