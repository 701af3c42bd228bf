"""The map stage of one run: place every team's addresses and make its base map.

With the vector base map (the default) the order matters: the site is placed first, the map
data of its frame fetched (for a batch with ``--osm-file``, every frame in one pass over the
file), participant streets and partner addresses placed from that data, and only what the data
lacks is sent to the geocoder. With ``--basemap tiles`` everything is geocoded, then tiled.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from generator.i18n import N_, _
from generator.map.basemap import (
    BaseMap,
    choose_view,
    make_base_map,
    neighbourhood_extent,
    no_extent_base_map,
    osm_attribution,
)
from generator.map.geocode import place_team
from generator.map.geometry import Extent
from generator.map.mapdata import MapDataSource
from generator.map.osmdata import MapData, MapDataUnavailable
from generator.map.placing import place_from_data
from generator.map.runstate import MapBudget, RunState
from generator.model import Delimitation, Organisation, Team
from generator.options import PackOptions
from generator.progress import Progress
from generator.resources import Templates

# The map data reaches a little beyond the frame, so streets run on to its edge.
DATA_MARGIN = 0.04
HOW_TO_GET_DATA = N_(
    "run again with network, or name an OpenStreetMap extract with --osm-file "
    "(for example Belgium from download.geofabrik.de), or use --basemap tiles"
)


class MapDataProvider(Protocol):
    """Where the layers of a frame come from (the Overpass API or a local extract)."""

    def prefetch(self, extents: list[Extent]) -> None: ...

    def get(self, extent: Extent, budget: MapBudget | None = None) -> MapData: ...


class MapStage:
    """Per run: the map data source, the sites placed so far and the run's state (throttles,
    warnings said once), shared by every pack; each pack's map gets a budget of its own."""

    def __init__(
        self,
        options: PackOptions,
        progress: Progress,
        provider: MapDataProvider | None,
        state: RunState | None = None,
    ) -> None:
        self.options = options
        self.progress = progress
        self.provider = provider if options.basemap == "vector" else None
        self.state = state or RunState()
        self._sites: dict[Path, Organisation] = {}
        self._out_of_time: set[Path] = set()

    def prepare(self, teams: Sequence[tuple[Team, tuple[float, float]]]) -> None:
        """Place every site, then fetch the map data of every frame that a site decides.

        A local extract is read once for all of them; Overpass is asked one frame at a time.
        """
        if self.provider is None:
            return
        frames = []
        for team, frame_mm in teams:
            sited = self._with_site(team, self._budget())
            extent = _site_extent(sited)
            if extent is not None:
                frames.append(data_extent(extent, frame_mm))
        self.provider.prefetch(frames)

    def map_team(
        self, team: Team, frame_mm: tuple[float, float], work_dir: Path
    ) -> tuple[Team, BaseMap]:
        """The team with its addresses placed, and its base map, within the pack's map budget
        (``options.map_budget_s`` for its geocoding, map data and tiles together)."""
        budget = self._budget()
        try:
            return self._map_team(team, frame_mm, work_dir, budget)
        finally:
            if budget.ran_out:
                self._out_of_time.add(team.workbook)

    def ran_out_of_time(self, workbook: Path) -> bool:
        """Whether the map of this workbook's pack was cut short by its budget."""
        return workbook in self._out_of_time

    def _map_team(
        self, team: Team, frame_mm: tuple[float, float], work_dir: Path, budget: MapBudget
    ) -> tuple[Team, BaseMap]:
        if self.provider is None:
            placed = self._placed(team, budget)
            return placed, make_base_map(
                placed,
                frame_mm,
                self.options,
                work_dir,
                self.progress,
                state=self.state,
                budget=budget,
            )
        sited = self._with_site(team, budget)
        extent = _site_extent(sited)
        data: MapData | None = None
        reason = ""
        if extent is not None:
            data, reason = self._data(data_extent(extent, frame_mm), budget)
            if data is not None:
                sited = place_from_data(sited, data)
        placed = self._placed(sited, budget)
        if extent is None:  # the neighbourhood is where the participants live
            extent = neighbourhood_extent(placed)
            if extent is not None:
                data, reason = self._data(data_extent(extent, frame_mm), budget)
        if extent is None:
            credit = osm_attribution(Templates(self.options.templates_dir))
            return placed, no_extent_base_map(placed, frame_mm, self.options, self.progress, credit)
        return placed, self._vector_base_map(placed, extent, frame_mm, data, reason)

    def _budget(self) -> MapBudget:
        return MapBudget(self.options.map_budget_s)

    def _placed(self, team: Team, budget: MapBudget) -> Team:
        return place_team(team, self.options, self.progress, state=self.state, budget=budget)

    def _with_site(self, team: Team, budget: MapBudget) -> Team:
        site = self._sites.get(team.workbook)
        if site is None and team.organisation.coordinates is not None:
            site = team.organisation
        if site is None:
            alone = team.replace(participants=(), partners=())
            site = self._placed(alone, budget).organisation
            self._sites[team.workbook] = site
        return team.replace(organisation=site)

    def _data(self, extent: Extent, budget: MapBudget) -> tuple[MapData | None, str]:
        if self.provider is None:
            return None, "no map data source"
        try:
            return self.provider.get(extent, budget), ""
        except MapDataUnavailable as exc:
            return None, exc.reason

    def _vector_base_map(
        self,
        team: Team,
        extent: Extent,
        frame_mm: tuple[float, float],
        data: MapData | None,
        reason: str,
    ) -> BaseMap:
        view = choose_view(extent, frame_mm)
        credit = osm_attribution(Templates(self.options.templates_dir))
        if data is None:
            warning = _(
                "{workbook}: no map data could be had ({reason}); the map gets a plain "
                "background under its overlays. To get the map, {fix}"
            ).format(workbook=team.workbook, reason=reason, fix=_(HOW_TO_GET_DATA))
            self.progress.warn(warning)
            return BaseMap(view, None, credit, self.options.low_ink, warning)
        return BaseMap(view, None, credit, self.options.low_ink, None, data)


@contextmanager
def map_stage(
    options: PackOptions,
    progress: Progress,
    provider: MapDataProvider | None = None,
    state: RunState | None = None,
) -> Iterator[MapStage]:
    """The map stage of a run; with the vector base map and no provider given, the map data
    comes from ``--osm-file`` or the Overpass API (closed when the run ends). ``state`` is the
    run's, unless the caller keeps one across runs."""
    state = state or RunState()
    owned = None
    if provider is None and options.basemap == "vector":
        owned = provider = MapDataSource(options, progress, state=state)
    try:
        yield MapStage(options, progress, provider, state)
    finally:
        if owned is not None:
            owned.close()


def _site_extent(team: Team) -> Extent | None:
    """The frame a placed site decides on its own (delimitation by the site's radius)."""
    organisation = team.organisation
    if organisation.delimitation is Delimitation.SITE and organisation.coordinates is not None:
        return neighbourhood_extent(team)
    return None


def data_extent(extent: Extent, frame_mm: tuple[float, float]) -> Extent:
    """The lon/lat rectangle of map data a frame needs: what the map shows, and a margin."""
    return choose_view(extent, frame_mm).extent(DATA_MARGIN)
