"""Where buurtkaart keeps what it fetched (tiles, geocoding results, map data) between runs."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from generator.options import PackOptions


def cache_root(options: PackOptions) -> Path:
    """The option (``BUURTKAART_CACHE_DIR`` fills it, see options.py), else the user cache
    folder."""
    if options.cache_dir is not None:
        return options.cache_dir
    return Path(platformdirs.user_cache_dir("buurtkaart", appauthor=False))
