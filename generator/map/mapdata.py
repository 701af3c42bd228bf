"""The map data for a run: one entry point whatever the source, asked once per frame.

The pack asks :class:`MapDataSource` for each map's frame. With ``--osm-file`` the extract is
read once for every frame of the batch (``prefetch``); otherwise each frame is one Overpass
query, one at a time. Frames are snapped outward to a grid of 1/10,000 degree (about 10 m) so
that the same neighbourhood gives the same cache entry run after run.
"""

from __future__ import annotations

import math
import threading

from generator.i18n import _
from generator.map.cachedir import cache_root
from generator.map.geometry import Extent
from generator.map.osmcache import MapDataCache
from generator.map.osmdata import MapData, MapDataUnavailable
from generator.map.osmfile import ExtractSource
from generator.map.overpass import OverpassClient, OverpassPolicy, OverpassSource, overpass_url
from generator.map.runstate import MapBudget, RunState
from generator.options import PackOptions
from generator.progress import Progress

GRID_DEGREES = 1e-4

__all__ = ["MapDataSource", "MapDataUnavailable", "snap"]


def snap(extent: Extent) -> Extent:
    """The extent grown to the nearest grid lines outside it."""

    def down(value: float) -> float:
        return round(math.floor(round(value / GRID_DEGREES, 6)) * GRID_DEGREES, 4)

    def up(value: float) -> float:
        return round(math.ceil(round(value / GRID_DEGREES, 6)) * GRID_DEGREES, 4)

    return Extent(down(extent.south), down(extent.west), up(extent.north), up(extent.east))


class MapDataSource:
    """Map data for every pack of one ``generate`` run.

    ``get`` returns the layers of a frame (snapped outward, see :func:`snap`; the returned
    ``MapData.extent`` is that snapped frame) or raises MapDataUnavailable with the reason;
    a missing or broken ``--osm-file`` raises OsmFileError, which is the user's to fix.
    """

    def __init__(
        self,
        options: PackOptions,
        progress: Progress,
        *,
        policy: OverpassPolicy | None = None,
        state: RunState | None = None,
    ) -> None:
        self.progress = progress
        self.options = options
        cache = MapDataCache(cache_root(options) / "osmdata", progress, state or RunState())
        self._extract = ExtractSource(options.osm_file, cache) if options.osm_file else None
        self._client = OverpassClient(
            overpass_url(options.overpass_url),
            contact=options.contact,
            policy=policy or OverpassPolicy(),
        )
        self._overpass = OverpassSource(self._client, cache, offline=options.offline)
        self._known: dict[Extent, MapData] = {}
        self._failed: dict[Extent, str] = {}
        self._lock = threading.Lock()  # one query at a time, whoever asks

    def close(self) -> None:
        self._client.close()

    @property
    def queries(self) -> int:
        """How many queries this run sent to the Overpass server."""
        return self._client.queries

    def prefetch(self, extents: list[Extent]) -> None:
        """With a local extract: read it once for all these frames (those not cached yet)."""
        if self._extract is None:
            return
        with self._lock:
            wanted = [
                frame for frame in dict.fromkeys(map(snap, extents)) if frame not in self._known
            ]
            if not wanted:
                return
            self.progress.start(_("Reading the OpenStreetMap file"), 1)
            try:
                for frame, data in zip(wanted, self._extract.fetch(wanted), strict=True):
                    self._known[frame] = data
                self.progress.advance()
            finally:
                self.progress.finish()

    def get(self, extent: Extent, budget: MapBudget | None = None) -> MapData:
        """The frame's layers, asked within the pack's map budget (a new one when not given)."""
        frame = snap(extent)
        budget = budget or MapBudget(self.options.map_budget_s)
        with self._lock:
            if frame in self._known:
                return self._known[frame]
            if frame in self._failed:
                raise MapDataUnavailable(self._failed[frame])
            try:
                data = self._fetch(frame, budget)
            except MapDataUnavailable as exc:
                if not budget.ran_out:  # another pack's map has a budget of its own
                    self._failed[frame] = exc.reason
                raise
            self._known[frame] = data
            return data

    def _fetch(self, frame: Extent, budget: MapBudget) -> MapData:
        if self._extract is not None:
            self.progress.start(_("Reading the OpenStreetMap file"), 1)
            try:
                [data] = self._extract.fetch([frame])
                self.progress.advance()
            finally:
                self.progress.finish()
            return data
        self.progress.start(_("Fetching map data"), 1)
        try:
            data = self._overpass.get(frame, budget)
            self.progress.advance()
        finally:
            self.progress.finish()
        return data
