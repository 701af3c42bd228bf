"""Where buurtkaart keeps what it fetched (tiles, geocoding results) between runs."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from generator.options import PackOptions

CACHE_DIR_ENV = "BUURTKAART_CACHE_DIR"


def cache_root(options: PackOptions) -> Path:
    """The option first, then ``BUURTKAART_CACHE_DIR``, then the user cache folder."""
    if options.cache_dir is not None:
        return options.cache_dir
    from_env = os.environ.get(CACHE_DIR_ENV)
    if from_env:
        return Path(from_env)
    return Path(platformdirs.user_cache_dir("buurtkaart", appauthor=False))
