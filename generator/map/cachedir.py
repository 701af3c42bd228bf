"""Where buurtkaart keeps what it fetched (tiles, geocoding results) between runs."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import platformdirs

from generator.options import PackOptions
from generator.progress import Progress

CACHE_DIR_ENV = "BUURTKAART_CACHE_DIR"


def cache_root(options: PackOptions) -> Path:
    """The option first, then ``BUURTKAART_CACHE_DIR``, then the user cache folder."""
    if options.cache_dir is not None:
        return options.cache_dir
    from_env = os.environ.get(CACHE_DIR_ENV)
    if from_env:
        return Path(from_env)
    return Path(platformdirs.user_cache_dir("buurtkaart", appauthor=False))


_reported: set[Path] = set()
_reported_lock = threading.Lock()


def warn_unwritable(folder: Path, error: OSError, progress: Progress) -> None:
    """Say once per folder that the cache cannot be written; the run goes on without it."""
    with _reported_lock:
        if folder in _reported:
            return
        _reported.add(folder)
    reason = error.strerror or type(error).__name__
    progress.warn(
        f"the cache folder {folder} cannot be written ({reason}), so what this run fetched "
        "will be fetched again next time; make that folder writable, or set "
        f"{CACHE_DIR_ENV} to a folder you can write to"
    )
