"""What the map stage of one run keeps: state shared by its packs, and each pack's time budget.

Nothing here lives at module level, so two runs in one process (the web page makes a batch at a
time, on threads) never share a throttle, a "said once" note or a clock: each run makes its own
:class:`RunState`, and each pack's map gets its own :class:`MapBudget`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from generator.errors import how_to_set
from generator.i18n import _
from generator.progress import Progress


class Throttle:
    """Spaces the requests to one server by a minimum delay, over every pack of a run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: float | None = None

    def wait(
        self, min_delay_s: float, clock: Callable[[], float], sleep: Callable[[float], None]
    ) -> None:
        with self._lock:
            if self._last is not None:
                remaining = self._last + min_delay_s - clock()
                if remaining > 0:
                    sleep(remaining)
            self._last = clock()


class RunState:
    """The map stage's state of one run: per-server throttles and the warnings said once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._throttles: dict[str, Throttle] = {}
        self._unwritable: set[Path] = set()

    def throttle(self, url: str) -> Throttle:
        """This run's one throttle for the server at ``url``."""
        with self._lock:
            return self._throttles.setdefault(url, Throttle())

    def warn_unwritable(self, folder: Path, error: OSError, progress: Progress) -> None:
        """Say once per folder and run that the cache cannot be written; the run goes on."""
        with self._lock:
            if folder in self._unwritable:
                return
            self._unwritable.add(folder)
        reason = error.strerror or type(error).__name__
        progress.warn(
            _(
                "the cache folder {folder} cannot be written ({reason}), so what this run "
                "fetched will be fetched again next time; make that folder writable, or set "
                "{variable} to a folder you can write to ({how})"
            ).format(
                folder=folder,
                reason=reason,
                variable="BUURTKAART_CACHE_DIR",
                how=how_to_set("BUURTKAART_CACHE_DIR", _("folder")),
            )
        )


class MapBudget:
    """The time the map stage of one pack may take: its geocoding, map data and tiles together.

    Each client asks how much is left before a request and bounds the request by it; once it
    is spent the pack goes on without what is missing, its warnings say so, and the run's
    summary lists the pack as incomplete (exit 3).
    """

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._deadline = clock() + seconds
        self.ran_out = False

    def left_s(self) -> float:
        """Seconds left; at zero or below, the budget is spent (and remembered as such)."""
        left = self._deadline - self.clock()
        if left <= 0:
            self.ran_out = True
        return left

    def spent_message(self) -> str:
        return _("the {seconds} s allowed for the map of one pack ran out").format(
            seconds=f"{self.seconds:g}"
        )
