"""Giving memory back: a long-running process (a batch, the web page) stays its first pack's size.

glibc serves a large buffer (a map image, decoded tiles, a PDF stream) from its own mapping and
unmaps it when freed, but once one is freed it raises that threshold to the buffer's size, so
the next pack's buffers come from the heap, whose freed pages it keeps. A process then grew by
a third from its first pack to its second and stayed there (benchmarks/run.py, growth run).
Fixing the threshold keeps every large buffer in its own mapping, given back when freed.
"""

from __future__ import annotations

import ctypes
import os

M_MMAP_THRESHOLD = -3  # mallopt's parameter number, from glibc's malloc.h
LARGE_BUFFER = 128 * 1024  # glibc's own starting threshold


def return_large_buffers() -> None:
    """Have glibc give each large buffer back to the system when it is freed; elsewhere
    (macOS, Windows, musl) the allocator already does, or offers no such setting."""
    if not _is_glibc():
        return
    ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, LARGE_BUFFER)


def _is_glibc() -> bool:
    try:
        return bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (AttributeError, ValueError, OSError):  # no confstr, or no such name here
        return False
