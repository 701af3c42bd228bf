"""buurtkaart: session packs for the kaartoefening of the fiche 'Buurtgericht werken'."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    """``__version__``, looked up when asked: importlib.metadata is a fifth of what ``--help``
    would otherwise import."""
    if name != "__version__":
        raise AttributeError(f"module 'generator' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("buurtkaart")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0"
