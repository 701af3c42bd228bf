"""buurtkaart: session packs for the kaartoefening of the fiche 'Buurtgericht werken'."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("buurtkaart")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
