"""Map data from the Overpass API: one ``[out:json]`` query per frame, kept on disk.

The public instance allows two queries at a time per address, about 10,000 a day, and answers
429 when busy; it asks applications to identify themselves. So: one query per frame and one at
a time, the same User-Agent as tiles and geocoding, back-off that honours Retry-After up to a
cap, a deadline for the whole answer and a cap on its size, and a disk cache so that a second
run asks nothing. Everything the server sends is checked before it is used.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import requests
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from generator.i18n import _
from generator.identity import user_agent
from generator.map.geometry import Extent
from generator.map.http import (
    AnswerTooLarge,
    AnswerTooSlow,
    deadline_session,
    headers_by,
    read_body,
    retry_after_s,
)
from generator.map.osmcache import MapDataCache, cache_key
from generator.map.osmdata import (
    AREA_KINDS,
    HIGHWAY_CLASSES,
    RAILWAY_KINDS,
    WATERWAY_KINDS,
    AreaKind,
    Coord,
    MapData,
    MapDataUnavailable,
    Tags,
    classify_address,
    classify_area,
    classify_way,
    is_coastline,
    tag,
    valid_coord,
)
from generator.map.osmshapes import AreaBatch, FrameLayers, multipolygon, points_bounds, ring_center
from generator.map.runstate import MapBudget

DEFAULT_OVERPASS_URL = "https://overpass-api.de/api/interpreter"
# Raise when the query asks for other things: cached answers of older queries are then not used.
QUERY_VERSION = 2
SOURCE_NAME = "Overpass API"


@dataclass(frozen=True)
class OverpassPolicy:
    """How patient the client is and how much it accepts; tests shorten the waits."""

    attempts: int = 4
    backoff_s: float = 15.0
    max_wait_s: float = 120.0
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 60.0
    deadline_s: float = 240.0  # for the whole answer, from the moment the query is sent
    server_timeout_s: int = 180  # [timeout:N]: the server stops the query after this
    server_maxsize: int = 512 * 1024 * 1024  # [maxsize:N]: the server's memory for the query
    max_bytes: int = 64 * 1024 * 1024
    # An answer is kept this long, then asked again (OpenStreetMap changes); an older one is
    # still used offline or when the server cannot give a new one.
    cache_lifetime_s: float = 30 * 24 * 3600
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


def overpass_url(configured: str | None) -> str:
    """The option (``BUURTKAART_OVERPASS_URL`` fills it), else the public main instance."""
    return configured or DEFAULT_OVERPASS_URL


def _regex(values: Iterable[str]) -> str:
    return "^(" + "|".join(sorted(values)) + ")$"


def _area_filters() -> list[str]:
    """``[key~"^(values)$"]`` for every area tag the layers use, plus any building."""
    by_key: dict[str, set[str]] = {}
    for key, kinds in AREA_KINDS:
        by_key.setdefault(key, set()).update(kinds)
    return ["[building]", "[highway=pedestrian][area=yes]"] + [
        f'[{key}~"{_regex(values)}"]' for key, values in sorted(by_key.items())
    ]


def overpass_query(extent: Extent, policy: OverpassPolicy) -> str:
    """The one query for a frame: its ways and multipolygons with inline geometry, and its
    address nodes."""
    bbox = f"{extent.south},{extent.west},{extent.north},{extent.east}"
    ways = [
        f'way[highway~"{_regex(HIGHWAY_CLASSES)}"];',
        f'way[railway~"{_regex(RAILWAY_KINDS)}"];',
        f'way[waterway~"{_regex(WATERWAY_KINDS)}"];',
        'way["addr:street"]["addr:housenumber"];',
        "way[natural=coastline];",
    ]
    areas = _area_filters()
    ways += [f"way{area};" for area in areas]
    relations = [f"relation[type=multipolygon]{area};" for area in areas]
    return "\n".join(
        [
            f"[out:json][timeout:{policy.server_timeout_s}][maxsize:{policy.server_maxsize}]"
            f"[bbox:{bbox}];",
            "(",
            *(f"  {line}" for line in ways + relations),
            ");",
            "out geom;",
            'node["addr:street"]["addr:housenumber"];',
            "out;",
        ]
    )


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _coord(item: object, shift: float = 0.0) -> Coord | None:
    """``{"lat": .., "lon": ..}`` as (lon + shift, lat), or None when it is not a point on
    Earth."""
    if not isinstance(item, dict):
        return None
    lon, lat = _number(item.get("lon")), _number(item.get("lat"))
    if lon is None or lat is None or not valid_coord(lon, lat):
        return None
    return lon + shift, lat


def _points(geometry: object, shift: float = 0.0) -> list[Coord] | None:
    """A way's inline geometry, or None when any of it is malformed."""
    if not isinstance(geometry, list):
        return None
    points = [_coord(item, shift) for item in geometry]
    checked = [point for point in points if point is not None]
    return checked if len(checked) == len(points) and len(checked) >= 2 else None


def _tags(element: dict[str, Any]) -> dict[str, str] | None:
    tags = element.get("tags", {})
    if not isinstance(tags, dict):
        return None
    return {key: value for key, value in tags.items() if isinstance(value, str)}


class _Answer:
    """Collects one answer's features into the frame's layers, element by element."""

    def __init__(self, extent: Extent) -> None:
        self.frame = FrameLayers(extent)
        # added to the longitudes of the answer at hand: 360 for the part of a frame east of
        # the antimeridian, whose frame runs past 180 (see bbox_sides)
        self.shift = 0.0
        self.kinds: list[AreaKind] = []
        self.names: list[str] = []
        self.geometries: list[BaseGeometry] = []

    def element(self, element: object) -> None:
        if not isinstance(element, dict):
            return
        tags = _tags(element)
        if tags is None:
            return
        kind = element.get("type")
        if kind == "node":
            point = _coord(element, self.shift)
            address = classify_address(tags, point) if point is not None else None
            if address is not None:
                self.frame.add_address(address)
        elif kind == "way":
            self.way(tags, element)
        elif kind == "relation" and tags.get("type", "") == "multipolygon":
            self.relation(tags, element)

    def way(self, tags: Tags, element: dict[str, Any]) -> None:
        points = _points(element.get("geometry"), self.shift)
        if points is None:
            return
        bounds = points_bounds(points)
        if is_coastline(tags):
            self.frame.add_coastline(points, bounds)
        for feature in classify_way(tags, points):
            self.frame.add_line(feature, bounds)
        area = classify_area(tags)
        if area is not None and points[0] == points[-1] and len(points) >= 4:
            self.area(area, tags, Polygon(points))
        address = classify_address(tags, ring_center(points))
        if address is not None:
            self.frame.add_address(address)

    def relation(self, tags: Tags, element: dict[str, Any]) -> None:
        kind = classify_area(tags)
        members = element.get("members")
        if kind is None or not isinstance(members, list):
            return
        rings: dict[str, list[list[Coord]]] = {"outer": [], "inner": []}
        for member in members:
            if not isinstance(member, dict) or member.get("type") != "way":
                continue
            points = _points(member.get("geometry"), self.shift)
            if points is None:
                return  # a member that is malformed: the relation is left out whole
            rings["inner" if member.get("role") == "inner" else "outer"].append(points)
        geometry = multipolygon(rings["outer"], rings["inner"])
        if geometry is None:
            return
        self.area(kind, tags, geometry)
        centre = shapely.get_coordinates(shapely.centroid(geometry)).tolist()
        address = classify_address(tags, (centre[0][0], centre[0][1])) if centre else None
        if address is not None:
            self.frame.add_address(address)

    def area(self, kind: AreaKind, tags: Tags, geometry: BaseGeometry) -> None:
        self.kinds.append(kind)
        self.names.append(tag(tags, "name"))
        self.geometries.append(geometry)

    def map_data(self) -> MapData:
        geometries = np.empty(len(self.geometries), dtype=object)
        geometries[:] = self.geometries
        batch = AreaBatch(self.kinds, self.names, geometries)
        self.frame.add_areas(batch, batch.bounds)
        return self.frame.map_data(SOURCE_NAME)


def bbox_sides(extent: Extent) -> list[tuple[Extent, float]]:
    """The frame as Overpass takes it, with longitudes from -180 to 180: itself, or across the
    antimeridian one box per side, each with the shift that puts its longitudes back in the
    frame's (whose ``east`` runs past 180 there, see ``Extent``)."""
    south, west, north, east = extent.south, extent.west, extent.north, extent.east
    if east > 180.0:
        return [
            (Extent(south, west, north, 180.0), 0.0),
            (Extent(south, -180.0, north, east - 360.0), 360.0),
        ]
    if west < -180.0:
        return [
            (Extent(south, west + 360.0, north, 180.0), -360.0),
            (Extent(south, -180.0, north, east), 0.0),
        ]
    return [(extent, 0.0)]


def _elements(raw: bytes) -> list[Any]:
    """The elements of an Overpass ``[out:json]`` answer, or MapDataUnavailable."""
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MapDataUnavailable(
            _("the Overpass server's answer is not JSON (an HTML or XML page)")
            if raw.lstrip()[:1] == b"<"
            else _("the Overpass server's answer is not JSON")
        ) from exc
    if not isinstance(document, dict) or not isinstance(document.get("elements"), list):
        raise MapDataUnavailable(
            _("the Overpass server's answer is JSON without a list of elements")
        )
    remark = document.get("remark")
    if isinstance(remark, str) and "error" in remark.lower():
        raise MapDataUnavailable(
            _("the Overpass server stopped the query: {remark}").format(remark=remark.strip()[:200])
        )
    elements: list[Any] = document["elements"]
    return elements


def parse_answer(raw: bytes, extent: Extent) -> MapData:
    """The layers in an Overpass ``[out:json]`` answer, clipped to ``extent``.

    An answer that is not Overpass JSON raises MapDataUnavailable; a malformed element is
    skipped, not the map.
    """
    return parse_answers([(raw, 0.0)], extent)


def parse_answers(answers: list[tuple[bytes, float]], extent: Extent) -> MapData:
    """The layers of a frame from the answers for its boxes (see bbox_sides), each with the
    shift for its longitudes."""
    collected = _Answer(extent)
    for raw, shift in answers:
        collected.shift = shift
        for element in _elements(raw):
            collected.element(element)
    return collected.map_data()


class OverpassClient:
    """Queries one Overpass endpoint politely; one instance per run."""

    def __init__(self, url: str, *, contact: str | None, policy: OverpassPolicy) -> None:
        self.url = url
        self.host = urlsplit(url).hostname or url
        self.policy = policy
        self.session = deadline_session(user_agent(contact))
        self.queries = 0
        self.unreachable: str | None = None

    def close(self) -> None:
        self.session.close()

    def fetch(self, extent: Extent, budget: MapBudget) -> MapData:
        """The layers of one frame, asked within what is left of the pack's map budget: one
        query, or one per side of the antimeridian for a frame across it."""
        answers = [
            (self._download(overpass_query(side, self.policy), budget), shift)
            for side, shift in bbox_sides(extent)
        ]
        return parse_answers(answers, extent)

    def _download(self, query: str, budget: MapBudget) -> bytes:
        policy = self.policy
        reason = _("no attempt made")
        for attempt in range(policy.attempts):
            if budget.left_s() <= 0:
                raise MapDataUnavailable(budget.spent_message())
            started = policy.clock()
            response = self._post(query, budget)
            if response.status_code == 200:
                return self._body(response, started, budget)
            response.close()
            reason = f"HTTP {response.status_code} {response.reason}".strip()
            if response.status_code != 429 and response.status_code < 500:
                raise MapDataUnavailable(
                    _("the Overpass server at {host} refused the query ({reason})").format(
                        host=self.host, reason=reason
                    )
                )
            if attempt + 1 < policy.attempts:
                default = policy.backoff_s * 2**attempt
                wait = retry_after_s(response, default_s=default, cap_s=policy.max_wait_s)
                policy.sleep(min(wait, max(budget.left_s(), 0.0)))
        raise MapDataUnavailable(
            _("the Overpass server at {host} is busy ({reason} after {attempts} attempts)").format(
                host=self.host, reason=reason, attempts=policy.attempts
            )
        )

    def _post(self, query: str, budget: MapBudget) -> requests.Response:
        """The server's response; a server that cannot be reached is not asked again this run
        (a batch of twenty maps would otherwise wait out twenty connect timeouts). A wait cut
        short by the pack's map budget says so, and says nothing against the server."""
        if self.unreachable is not None:
            raise MapDataUnavailable(self.unreachable)
        left_s = budget.left_s()
        timeout = (
            min(self.policy.connect_timeout_s, left_s),
            min(self.policy.read_timeout_s, left_s),
        )
        self.queries += 1
        deadline_s = min(self.policy.deadline_s, left_s)
        sent = time.monotonic()
        try:
            with headers_by(sent + deadline_s):
                return self.session.post(
                    self.url, data={"data": query}, timeout=timeout, stream=True
                )
        except (requests.Timeout, requests.ConnectionError) as exc:
            if budget.left_s() <= 0:
                raise MapDataUnavailable(budget.spent_message()) from exc
            raise self._unanswered(exc, time.monotonic() - sent >= deadline_s) from exc
        except requests.RequestException as exc:
            raise MapDataUnavailable(
                _("the request to the Overpass server at {host} failed ({reason})").format(
                    host=self.host, reason=type(exc).__name__
                )
            ) from exc

    def _unanswered(self, error: requests.RequestException, too_late: bool) -> MapDataUnavailable:
        """Why a query got no answer; a server that cannot be reached is remembered."""
        if isinstance(error, requests.ConnectTimeout):
            self.unreachable = _(
                "the Overpass server at {host} did not accept a connection within {seconds} s"
            ).format(host=self.host, seconds=f"{self.policy.connect_timeout_s:g}")
        elif isinstance(error, requests.Timeout):
            return MapDataUnavailable(
                _("the Overpass server at {host} did not answer within {seconds} s").format(
                    host=self.host, seconds=f"{self.policy.read_timeout_s:g}"
                )
            )
        elif too_late:  # cut off while its headers trickled in
            return MapDataUnavailable(
                _("the Overpass server at {host} did not answer within {seconds} s").format(
                    host=self.host, seconds=f"{self.policy.deadline_s:g}"
                )
            )
        else:
            self.unreachable = _("cannot connect to the Overpass server at {host}").format(
                host=self.host
            )
        return MapDataUnavailable(self.unreachable)

    def _body(self, response: requests.Response, started: float, budget: MapBudget) -> bytes:
        policy = self.policy
        deadline_s = min(policy.deadline_s, max(budget.left_s(), 0.0) + policy.clock() - started)
        try:
            return read_body(
                response,
                deadline_s=deadline_s,
                max_bytes=policy.max_bytes,
                clock=policy.clock,
                started=started,
            )
        except AnswerTooLarge as exc:
            raise MapDataUnavailable(
                _("the Overpass answer is larger than {size} MB").format(
                    size=f"{policy.max_bytes / 2**20:g}"
                )
            ) from exc
        except AnswerTooSlow as exc:
            if budget.left_s() <= 0:
                raise MapDataUnavailable(budget.spent_message()) from exc
            raise MapDataUnavailable(
                _("the Overpass answer was not complete within {seconds} s").format(
                    seconds=f"{policy.deadline_s:g}"
                )
            ) from exc
        except requests.RequestException as exc:
            raise MapDataUnavailable(
                _("the Overpass server at {host} broke off its answer ({reason})").format(
                    host=self.host, reason=type(exc).__name__
                )
            ) from exc


class OverpassSource:
    """Frames from the disk cache, else from the server (unless offline), one at a time.

    An entry is keyed by the server's URL as well as the frame (another server may hold other
    data), and asked again once it is older than the policy's ``cache_lifetime_s``; an older
    entry still serves offline, or when the server cannot answer.
    """

    def __init__(self, client: OverpassClient, cache: MapDataCache, *, offline: bool) -> None:
        self.client = client
        self.cache = cache
        self.offline = offline

    def get(self, extent: Extent, budget: MapBudget) -> MapData:
        key = cache_key("overpass", QUERY_VERSION, self.client.url, extent)
        fresh = self.cache.load(key, max_age_s=self.client.policy.cache_lifetime_s)
        if fresh is not None:
            return fresh
        if self.offline:
            kept = self.cache.load(key)
            if kept is not None:
                return kept
            raise MapDataUnavailable(
                _("no map data in the cache for this map, and --offline allows no downloads")
            )
        try:
            data = self.client.fetch(extent, budget)
        except MapDataUnavailable:
            kept = self.cache.load(key)
            if kept is not None:  # older data beats a map without streets
                return kept
            raise
        self.cache.store(key, data)
        return data
