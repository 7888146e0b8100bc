"""Two malloc arenas for the whole terminal instead of glibc's default of eight per core.

glibc gives threads their own heaps ("arenas"), up to eight per core. The terminal starts
short-lived threads every session (the card placement, the face capture and its check) and
each one takes whichever arena is free; the certificate path (image decoding, PDF rendering,
signing) briefly needs megabytes of scratch memory, and every arena keeps its own high-water
mark of it as free but resident memory. Over a night of sessions all sixteen arenas of a
two-core terminal fill up that way: 10,000 soak sessions grew by 38 MB, all of it free memory
inside the arenas (the bytes in use stayed flat). With two arenas the same soak stays flat.

MALLOC_ARENA_MAX in the environment (kiosk.service sets it) wins over the default here.
"""

from __future__ import annotations

import ctypes
import os
import platform

DEFAULT_ARENAS = 2
_M_ARENA_MAX = -8  # mallopt parameter, glibc's malloc.h


def limit_malloc_arenas(default: int = DEFAULT_ARENAS) -> int | None:
    """Cap glibc's arenas before the threads start; returns the cap, or None where the C
    library is not glibc (nothing to do) or refuses."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        arenas = int(os.environ.get("MALLOC_ARENA_MAX", default))
    except ValueError:
        arenas = default
    if arenas < 1:
        return None
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return None
    return arenas if libc.mallopt(_M_ARENA_MAX, arenas) == 1 else None


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


def heap_kb() -> tuple[int, int] | None:
    """glibc's heap, all arenas: (KiB in use, KiB free but kept); None off glibc. Growth of
    the second with the first flat is fragmentation, not a leak (bench/bench_soak.py)."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    libc = ctypes.CDLL("libc.so.6")
    if not hasattr(libc, "mallinfo2"):  # glibc before 2.33
        return None
    libc.mallinfo2.restype = _MallInfo2
    info = libc.mallinfo2()
    return info.uordblks // 1024, info.fordblks // 1024
