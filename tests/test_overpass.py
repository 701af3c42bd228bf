"""The Overpass client against a stand-in on 127.0.0.1 that answers the tests' own JSON."""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from shapely.geometry import Point, Polygon

from generator import __version__
from generator.map.mapdata import MapDataSource, snap
from generator.map.osmcache import MapDataCache
from generator.map.osmdata import AddressPoint, AreaKind, LineKind, MapData, MapDataUnavailable
from generator.map.overpass import OverpassPolicy, overpass_query
from generator.map.runstate import RunState
from generator.options import PackOptions, with_environment
from generator.progress import SilentProgress
from tests.osm_support import (
    EAST_FRAME,
    FRAME,
    HOUSE,
    ISLAND,
    LAKE_OUTER,
    LAKE_OUTER_NORTH,
    LAKE_OUTER_SOUTH,
    STREET,
    answer,
    node_element,
    relation_element,
    way_element,
)
from tests.servers import OverpassServer, running_overpass_server

NEIGHBOURHOOD = answer(
    node_element(1, {"addr:street": "Kasteellaan", "addr:housenumber": "3"}, (3.7330, 51.0530)),
    way_element(2, {"highway": "residential", "name": "Dampoortstraat"}, STREET),
    way_element(
        3,
        {"building": "yes", "addr:street": "Dampoortstraat", "addr:housenumber": "12"},
        HOUSE,
    ),
    relation_element(
        4,
        {"natural": "water", "name": "Watersportbaan"},
        [("outer", LAKE_OUTER_SOUTH), ("outer", LAKE_OUTER_NORTH), ("inner", ISLAND)],
    ),
)


class Sleeps:
    """The policy's sleep: remembers the waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def quick_policy(
    sleeps: Sleeps, *, max_bytes: int = 2**20, deadline_s: float = 10.0, read_timeout_s: float = 5.0
) -> OverpassPolicy:
    return OverpassPolicy(
        attempts=2,
        backoff_s=0.01,
        max_wait_s=0.05,
        max_bytes=max_bytes,
        deadline_s=deadline_s,
        read_timeout_s=read_timeout_s,
        sleep=sleeps,
    )


def source(
    server: OverpassServer,
    policy: OverpassPolicy | None = None,
    *,
    offline: bool = False,
    cache_dir: Path | None = None,
) -> MapDataSource:
    options = PackOptions(
        overpass_url=server.url, contact="team@example.org", offline=offline, cache_dir=cache_dir
    )
    return MapDataSource(options, SilentProgress(), policy=policy or quick_policy(Sleeps()))


def test_one_query_per_map_and_none_on_a_second_run(overpass_server: OverpassServer) -> None:
    overpass_server.answer = NEIGHBOURHOOD
    first_run = source(overpass_server)

    data = first_run.get(FRAME)
    again = first_run.get(FRAME)
    second_run = source(overpass_server).get(FRAME)

    assert overpass_server.count == 1
    assert again is data
    assert second_run == data
    assert data.source == "Overpass API"
    assert data.extent == snap(FRAME)
    assert [road.name for road in data.roads] == ["Dampoortstraat"]


def test_maps_asked_for_at_once_are_queried_one_at_a_time(
    overpass_server: OverpassServer,
) -> None:
    overpass_server.linger_s = 0.2
    run = source(overpass_server)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(run.get, [FRAME, EAST_FRAME]))

    assert (overpass_server.count, overpass_server.max_parallel) == (2, 1)


def test_the_query_asks_for_the_frame_as_overpass_json_with_inline_geometry(
    overpass_server: OverpassServer,
) -> None:
    source(overpass_server).get(FRAME)

    [query] = overpass_server.queries
    assert query == overpass_query(snap(FRAME), quick_policy(Sleeps()))
    assert query.startswith(
        "[out:json][timeout:180][maxsize:536870912][bbox:51.05,3.73,51.06,3.75];"
    )
    assert '  way[highway~"^(bridleway|cycleway|footway|living_street|' in query
    assert '  relation[type=multipolygon][natural~"^(grassland|scrub|water|wood)$"];' in query
    assert query.endswith('out geom;\nnode["addr:street"]["addr:housenumber"];\nout;')


def test_a_gzip_compressed_answer_is_read(overpass_server: OverpassServer) -> None:
    overpass_server.mode = "gzip"
    overpass_server.answer = NEIGHBOURHOOD
    data = source(overpass_server).get(FRAME)
    assert [road.name for road in data.roads] == ["Dampoortstraat"]


def test_the_user_agent_names_the_application_and_the_contact(
    overpass_server: OverpassServer,
) -> None:
    source(overpass_server).get(FRAME)
    assert overpass_server.user_agents == [f"buurtkaart/{__version__} (team@example.org)"]


def test_429_is_retried_after_the_wait_the_server_asks_for_capped(
    overpass_server: OverpassServer,
) -> None:
    overpass_server.mode = "429-once"
    overpass_server.retry_after = "3600"
    overpass_server.answer = NEIGHBOURHOOD
    sleeps = Sleeps()

    data = source(overpass_server, quick_policy(sleeps)).get(FRAME)

    assert overpass_server.statuses == [429, 200]
    assert sleeps.waits == [0.05]  # an hour asked, the cap given
    assert [road.name for road in data.roads] == ["Dampoortstraat"]


def test_a_server_busy_for_every_attempt_makes_the_map_unavailable_and_asks_no_more(
    overpass_server: OverpassServer,
) -> None:
    overpass_server.mode = "503"
    sleeps = Sleeps()
    run = source(overpass_server, quick_policy(sleeps))

    with pytest.raises(MapDataUnavailable) as caught:
        run.get(FRAME)
    with pytest.raises(MapDataUnavailable):
        run.get(FRAME)  # the same frame again in this run: no new query

    assert caught.value.reason == (
        "de Overpass-server op 127.0.0.1 is druk bezet (HTTP 503 Service Unavailable na 2 pogingen)"
    )
    assert overpass_server.count == 2
    assert sleeps.waits == [0.01]  # no Retry-After: the policy's own back-off


def test_an_answer_over_the_size_cap_is_refused(overpass_server: OverpassServer) -> None:
    overpass_server.answer = NEIGHBOURHOOD
    policy = quick_policy(Sleeps(), max_bytes=512)

    with pytest.raises(MapDataUnavailable) as caught:
        source(overpass_server, policy).get(FRAME)

    assert caught.value.reason == "het antwoord van Overpass is groter dan 0.000488281 MB"


def test_a_trickled_answer_is_abandoned_at_the_deadline(overpass_server: OverpassServer) -> None:
    overpass_server.mode = "trickle"
    overpass_server.trickle_s = 0.01
    overpass_server.answer = NEIGHBOURHOOD  # about 1,400 bytes: 14 s at this pace
    policy = quick_policy(Sleeps(), deadline_s=0.3, read_timeout_s=5.0)

    with pytest.raises(MapDataUnavailable) as caught:
        source(overpass_server, policy).get(FRAME)

    assert caught.value.reason == "het antwoord van Overpass was niet volledig binnen 0.3 s"


NOT_JSON = "het antwoord van de Overpass-server is geen JSON"
NO_ELEMENTS = "het antwoord van de Overpass-server is JSON zonder lijst van elementen"
TIMED_OUT = 'runtime error: Query timed out in "query" at line 3'


@pytest.mark.parametrize(
    ("mode", "body", "reason"),
    [
        ("html", b"", f"{NOT_JSON} (maar een HTML- of XML-pagina)"),
        ("raw", b"\x00\xff binary", NOT_JSON),
        ("raw", b'{"version": 0.6}', NO_ELEMENTS),
        ("raw", b'{"elements": {"type": "node"}}', NO_ELEMENTS),
        ("raw", b"[1, 2]", NO_ELEMENTS),
        (
            "raw",
            json.dumps({"elements": [], "remark": TIMED_OUT}).encode(),
            f"de Overpass-server stopte de vraag: {TIMED_OUT}",
        ),
    ],
)
def test_an_answer_that_is_not_overpass_json_is_a_clear_fault(
    overpass_server: OverpassServer, mode: str, body: bytes, reason: str
) -> None:
    overpass_server.mode = mode
    overpass_server.raw_body = body

    with pytest.raises(MapDataUnavailable) as caught:
        source(overpass_server).get(FRAME)

    assert caught.value.reason == reason


def test_a_malformed_element_is_skipped_not_the_map(overpass_server: OverpassServer) -> None:
    address = {"addr:street": "X", "addr:housenumber": "9"}
    good = way_element(9, {"highway": "residential", "name": "Goede Straat"}, STREET[:2])
    overpass_server.answer = answer(
        1,  # type: ignore[arg-type]
        "way",  # type: ignore[arg-type]
        {"type": "way", "tags": {"highway": "residential"}, "geometry": "none"},
        {**good, "tags": ["highway", "residential"]},
        {**good, "geometry": [{"lat": "51.05", "lon": 3.74}, {"lat": 51.05, "lon": 3.75}]},
        {**good, "geometry": [{"lat": 95.0, "lon": 3.74}, {"lat": 51.05, "lon": 3.75}]},
        {**good, "geometry": [{"lat": 51.05, "lon": float("nan")}, {"lat": 51.05, "lon": 3.75}]},
        {**good, "geometry": [{"lat": 51.05, "lon": 3.74}]},
        {**good, "geometry": [{"lat": True, "lon": 3.74}, {"lat": 51.05, "lon": 3.75}]},
        {"type": "node", "lat": None, "lon": 3.7, "tags": address},
        relation_element(5, {"natural": "water"}, [("outer", LAKE_OUTER_SOUTH)]),  # never closes
        {"type": "relation", "tags": {"type": "multipolygon", "building": "yes"}, "members": 7},
        good,
    )  # fmt: skip

    data = source(overpass_server).get(FRAME)

    assert [road.name for road in data.roads] == ["Goede Straat"]
    assert (data.areas, data.lines, data.addresses) == ((), (), ())


def test_a_multipolygon_from_joined_member_ways_keeps_its_hole(
    overpass_server: OverpassServer,
) -> None:
    overpass_server.answer = NEIGHBOURHOOD

    data = source(overpass_server).get(FRAME)

    [lake] = [area for area in data.areas if area.kind is AreaKind.WATER]
    assert lake.name == "Watersportbaan"
    outer, hole = (Polygon(ring) for ring in lake.rings)
    assert outer.equals(Polygon(LAKE_OUTER))
    assert hole.equals(Polygon(ISLAND))
    assert not Polygon(lake.rings[0], [lake.rings[1]]).contains(Point(3.7400, 51.0550))


def test_a_multipolygon_whose_ring_crosses_itself_is_drawn_as_its_two_lobes(
    overpass_server: OverpassServer,
) -> None:
    bow_tie = [(3.735, 51.052), (3.745, 51.058), (3.745, 51.052), (3.735, 51.058), (3.735, 51.052)]
    overpass_server.answer = answer(relation_element(1, {"leisure": "park"}, [("outer", bow_tie)]))

    [park] = source(overpass_server).get(FRAME).areas

    assert park.kind is AreaKind.GREEN
    assert len(park.rings) == 2
    lobes = [Polygon(ring) for ring in park.rings]
    assert sum(lobe.area for lobe in lobes) == pytest.approx(0.5 * 0.010 * 0.006)


def test_coastlines_make_the_sea_on_their_right_with_the_islands_left_dry(
    overpass_server: OverpassServer,
) -> None:
    # The coast runs west to east across the frame (land on its left: north); an island
    # lies off it, drawn anticlockwise as OSM draws islands.
    coast = [(3.7200, 51.0550), (3.7400, 51.0560), (3.7600, 51.0550)]
    island = [(3.7380, 51.0510), (3.7420, 51.0510), (3.7420, 51.0530), (3.7380, 51.0510)]
    overpass_server.answer = answer(
        way_element(1, {"natural": "coastline"}, coast),
        way_element(2, {"natural": "coastline"}, island),
    )

    data = source(overpass_server).get(FRAME)

    [sea] = data.areas
    assert sea.kind is AreaKind.WATER
    water = Polygon(sea.rings[0], sea.rings[1:])
    assert water.contains(Point(3.7350, 51.0520))  # south of the coast
    assert not water.contains(Point(3.7350, 51.0580))  # north of it: land
    assert not water.contains(Point(3.7410, 51.0515))  # on the island
    assert water.bounds == pytest.approx((FRAME.west, FRAME.south, FRAME.east, 51.0560))
    assert data.lines == ()  # the coast itself is no line of the map


def test_buildings_and_nodes_give_addresses_and_roads_are_clipped_to_the_frame(
    overpass_server: OverpassServer,
) -> None:
    overpass_server.answer = NEIGHBOURHOOD

    data = source(overpass_server).get(FRAME)

    [street] = data.roads
    assert street.points[-1][0] == pytest.approx(snap(FRAME).east)
    assert data.addresses == (
        AddressPoint("Kasteellaan", "3", "", (3.7330, 51.0530)),
        AddressPoint("Dampoortstraat", "12", "", (3.7321, 51.0513)),
    )
    assert [area.kind for area in data.areas] == [AreaKind.BUILDING, AreaKind.WATER]


def test_railways_in_tunnels_are_left_out(overpass_server: OverpassServer) -> None:
    overpass_server.answer = answer(
        way_element(1, {"railway": "rail", "tunnel": "yes"}, STREET[:2]),
        way_element(2, {"railway": "tram"}, STREET[:2]),
    )
    data = source(overpass_server).get(FRAME)
    assert [line.kind for line in data.lines] == [LineKind.TRAM]


def test_offline_without_a_cache_asks_nothing_and_says_why(
    overpass_server: OverpassServer,
) -> None:
    with pytest.raises(MapDataUnavailable) as caught:
        source(overpass_server, offline=True).get(FRAME)

    assert caught.value.reason == (
        "geen bewaarde kaartgegevens voor deze kaart, en --offline laat geen downloads toe"
    )
    assert overpass_server.count == 0


def test_offline_with_a_cache_uses_it(overpass_server: OverpassServer) -> None:
    overpass_server.answer = NEIGHBOURHOOD
    online = source(overpass_server).get(FRAME)
    overpass_server.mode = "503"

    offline = source(overpass_server, offline=True).get(FRAME)

    assert offline == online
    assert overpass_server.count == 1


def test_a_corrupt_cache_entry_is_dropped_and_fetched_again(
    overpass_server: OverpassServer, tmp_path: Path
) -> None:
    overpass_server.answer = NEIGHBOURHOOD
    first = source(overpass_server, cache_dir=tmp_path).get(FRAME)
    [entry] = (tmp_path / "osmdata").iterdir()
    entry.write_bytes(entry.read_bytes()[:-300])  # cut short, as by a full disk

    again = source(overpass_server, cache_dir=tmp_path).get(FRAME)

    assert again == first
    assert overpass_server.count == 2
    assert (
        MapDataCache(tmp_path / "osmdata", SilentProgress(), RunState()).load(entry.stem) == first
    )


def test_an_unwritable_cache_costs_one_warning_not_the_map(
    overpass_server: OverpassServer, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")
    overpass_server.answer = NEIGHBOURHOOD
    progress = SilentProgress()
    options = PackOptions(overpass_url=overpass_server.url, cache_dir=blocked)

    data = MapDataSource(options, progress, policy=quick_policy(Sleeps())).get(FRAME)

    assert [road.name for road in data.roads] == ["Dampoortstraat"]
    [warning] = progress.warnings
    assert warning.startswith(f"in de bewaarmap {blocked / 'osmdata'} kan niet geschreven worden (")


def test_no_network_is_a_reason_not_a_crash_and_the_run_stops_trying() -> None:
    # the offline guard points BUURTKAART_OVERPASS_URL at a port that refuses connections
    run = MapDataSource(with_environment(PackOptions()), SilentProgress())
    reasons = []
    for frame in (FRAME, EAST_FRAME):
        with pytest.raises(MapDataUnavailable) as caught:
            run.get(frame)
        reasons.append(caught.value.reason)

    assert reasons == ["geen verbinding met de Overpass-server op 127.0.0.1"] * 2
    assert run.queries == 1


def test_map_data_from_overpass_and_from_the_cache_are_equal_layer_for_layer(
    overpass_server: OverpassServer, tmp_path: Path
) -> None:
    overpass_server.answer = NEIGHBOURHOOD
    fetched = source(overpass_server, cache_dir=tmp_path).get(FRAME)
    cached = source(overpass_server, cache_dir=tmp_path, offline=True).get(FRAME)
    assert isinstance(cached, MapData)
    assert (cached.roads, cached.lines, cached.areas, cached.addresses) == (
        fetched.roads,
        fetched.lines,
        fetched.areas,
        fetched.addresses,
    )


def test_the_cache_keeps_each_servers_answers_apart(
    overpass_server: OverpassServer, tmp_path: Path
) -> None:
    overpass_server.answer = NEIGHBOURHOOD
    first = source(overpass_server, cache_dir=tmp_path).get(FRAME)
    with running_overpass_server() as other:  # another instance, with other data
        other.answer = answer(way_element(9, {"railway": "tram"}, STREET[:2]))
        elsewhere = source(other, cache_dir=tmp_path).get(FRAME)
        assert other.count == 1
    assert [line.kind for line in elsewhere.lines] == [LineKind.TRAM]
    assert source(overpass_server, cache_dir=tmp_path).get(FRAME) == first
    assert overpass_server.count == 1


def test_an_answer_older_than_its_lifetime_is_asked_again_and_still_serves_when_none_comes(
    overpass_server: OverpassServer, tmp_path: Path
) -> None:
    assert OverpassPolicy().cache_lifetime_s == 30 * 24 * 3600
    overpass_server.answer = NEIGHBOURHOOD
    first = source(overpass_server, cache_dir=tmp_path).get(FRAME)
    [entry] = (tmp_path / "osmdata").iterdir()
    month_ago = time.time() - 31 * 24 * 3600
    os.utime(entry, (month_ago, month_ago))

    overpass_server.mode = "503"
    kept = source(overpass_server, cache_dir=tmp_path).get(FRAME)
    assert kept == first and overpass_server.count == 1 + 2  # asked (twice), then the old one
    assert source(overpass_server, cache_dir=tmp_path, offline=True).get(FRAME) == first

    overpass_server.mode = "ok"
    overpass_server.answer = answer(way_element(9, {"railway": "tram"}, STREET[:2]))
    renewed = source(overpass_server, cache_dir=tmp_path).get(FRAME)
    assert [line.kind for line in renewed.lines] == [LineKind.TRAM]
    assert entry.stat().st_mtime > month_ago
