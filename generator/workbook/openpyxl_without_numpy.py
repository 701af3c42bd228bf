"""openpyxl, imported without numpy: imported first by this package, before openpyxl itself.

openpyxl imports numpy, when it is installed, only to accept numpy's number types as cell
values; buurtkaart writes Python values and reads what openpyxl parses, so that never applies.
numpy is a third of openpyxl's import time (0.1 s), and ``validate`` starts with it. Where numpy
is already imported (a map library loaded first), nothing changes.
"""

from __future__ import annotations

import sys

if "numpy" not in sys.modules:
    sys.modules["numpy"] = None  # type: ignore[assignment]  # an import of numpy now fails
    try:
        import openpyxl  # noqa: F401
    finally:
        del sys.modules["numpy"]
