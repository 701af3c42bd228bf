"""Progress reporting without printing: library code reports, the CLI decides how to show it."""

from __future__ import annotations

import threading
from typing import Protocol


class Progress(Protocol):
    """Told how much work a step has and each time part of it is done (from any thread)."""

    def start(self, label: str, total: int) -> None: ...

    def advance(self, amount: int = 1) -> None: ...

    def finish(self) -> None: ...

    def warn(self, message: str) -> None: ...


class SilentProgress:
    """For library callers and tests: remembers warnings, shows nothing."""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.advanced = 0
        self._lock = threading.Lock()

    def start(self, label: str, total: int) -> None:
        return None

    def advance(self, amount: int = 1) -> None:
        with self._lock:
            self.advanced += amount

    def finish(self) -> None:
        return None

    def warn(self, message: str) -> None:
        self.warnings.append(message)
