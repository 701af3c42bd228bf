"""Coordinates for addresses, asked of Nominatim within its usage policy and cached on disk.

Typed coordinates always win. An address that cannot be placed is never dropped: it stays in
the model as "not placed" and a warning says where it stands in the workbook.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from geopy.adapters import AdapterHTTPError
from geopy.exc import GeocoderTimedOut, GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim

from generator.identity import user_agent
from generator.map.cachedir import cache_root, warn_unwritable
from generator.model import Address, CoordinateOrigin, LatLon, Organisation, Placed, Team
from generator.options import PackOptions
from generator.progress import Progress

GEOCODER_URL_ENV = "BUURTKAART_GEOCODER_URL"
NOMINATIM_URL = "https://nominatim.openstreetmap.org"
CACHE_FILE = "geocode.json"
COUNTRY = "Belgium"

# geopy logs each retry and swallowed error with its traceback; with no logging set up,
# Python's last-resort handler would print those. Our warnings say what went wrong instead.
logging.getLogger("geopy").addHandler(logging.NullHandler())

P = TypeVar("P", bound=Placed)
Lookup = Callable[[str], Any]


@dataclass(frozen=True)
class GeocodePolicy:
    """Nominatim allows one request a second; tests set the waits to zero or fake the clock."""

    min_delay_s: float = 1.0
    error_wait_s: float = 2.0
    max_retries: int = 1
    timeout_s: float = 10.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


class Throttle:
    """Spaces the requests to one geocoder by ``min_delay_s``, over every team of a batch."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: float | None = None

    def wait(self, policy: GeocodePolicy) -> None:
        with self._lock:
            if self._last is not None:
                remaining = self._last + policy.min_delay_s - policy.clock()
                if remaining > 0:
                    policy.sleep(remaining)
            self._last = policy.clock()


_throttles: dict[str, Throttle] = {}
_throttles_lock = threading.Lock()


def throttle_for(url: str) -> Throttle:
    """The one throttle of this process for the geocoder at ``url``."""
    with _throttles_lock:
        return _throttles.setdefault(url, Throttle())


def address_query(address: Address) -> str:
    """The free-form query sent for an address: street, postcode and gemeente, Belgium."""
    return f"{address.one_line()}, {COUNTRY}"


def geocoder_url(options: PackOptions) -> str:
    url = options.geocoder_url or os.environ.get(GEOCODER_URL_ENV) or NOMINATIM_URL
    url = url.rstrip("/")
    return url.removesuffix("/search")


class GeocodeCache:
    """Answers per service and query, misses included, in one JSON file."""

    def __init__(self, path: Path, service: str) -> None:
        self.path = path
        self.service = service
        self._all: dict[str, dict[str, list[float] | None]] = self._load()
        self.changed = False

    def _load(self) -> dict[str, dict[str, list[float] | None]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def knows(self, query: str) -> bool:
        return query in self._all.get(self.service, {})

    def get(self, query: str) -> LatLon | None:
        found = self._all.get(self.service, {}).get(query)
        return LatLon(lat=found[0], lon=found[1]) if found else None

    def put(self, query: str, point: LatLon | None) -> None:
        self._all.setdefault(self.service, {})[query] = [point.lat, point.lon] if point else None
        self.changed = True

    def save(self, progress: Progress) -> None:
        """Write what changed; a cache that cannot be written is a warning, not a failure."""
        if not self.changed:
            return
        partial = self.path.with_name(f"{self.path.name}.{os.getpid()}.part")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial.write_text(
                json.dumps(self._all, ensure_ascii=False, indent=1), encoding="utf-8"
            )
            partial.replace(self.path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            warn_unwritable(self.path.parent, exc, progress)


def unreachable_reason(error: GeopyError, timeout_s: float) -> str:
    """The cause in a few words: the HTTP status or the socket's reason where there is one.

    geopy's message repeats urllib3's, with the first record's query in its URL, so it would
    name another address in every later warning.
    """
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, AdapterHTTPError):
            return f"HTTP {cause.status_code}"
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror
        cause = cause.__cause__ or cause.__context__
    if isinstance(error, GeocoderTimedOut):
        return f"no answer within {timeout_s:g} s"
    return type(error).__name__


class Placer:
    """Places the records of one team, asking the geocoder at most once per query."""

    def __init__(
        self, team: Team, options: PackOptions, progress: Progress, policy: GeocodePolicy
    ) -> None:
        self.team = team
        self.options = options
        self.progress = progress
        self.policy = policy
        self.url = geocoder_url(options)
        self.cache = GeocodeCache(cache_root(options) / CACHE_FILE, self.url)
        self.warnings: list[str] = []
        self._lookup: Lookup | None = None
        self._unreachable: str | None = None

    def place(self, record: P) -> P:
        if record.coordinates is not None:
            return record
        point = self._point(record)
        self.progress.advance()
        if point is None:
            return record
        return dataclasses.replace(
            record, coordinates=point, coordinate_origin=CoordinateOrigin.GEOCODED
        )

    def _point(self, record: Placed) -> LatLon | None:
        if record.address.is_empty():
            self._warn(record, "has neither coordinates nor an address; it stays off the map")
            return None
        query = address_query(record.address)
        if self.cache.knows(query):
            point = self.cache.get(query)
        elif self.options.offline:
            self._warn(
                record,
                f"address '{record.address.one_line()}' is not in the geocoding cache and "
                "--offline allows no lookups; run once online or type its coordinates",
            )
            return None
        else:
            point = self._ask(record, query)
            if self._unreachable is not None:
                return None
        if point is None:
            self._warn(
                record,
                f"address '{record.address.one_line()}' was not found by the geocoder "
                f"({urlsplit(self.url).netloc}); it stays off the map. Check the street, "
                "postcode and gemeente, or type its coordinates in the workbook",
            )
        return point

    def _ask(self, record: Placed, query: str) -> LatLon | None:
        if self._unreachable is None:
            try:
                location = self._geocoder()(query)
            except GeopyError as exc:
                self._unreachable = unreachable_reason(exc, self.policy.timeout_s)
            else:
                point = LatLon(lat=location.latitude, lon=location.longitude) if location else None
                self.cache.put(query, point)
                return point
        self._warn(
            record,
            f"address '{record.address.one_line()}' could not be placed: the geocoder at "
            f"{self.url} cannot be reached ({self._unreachable}); run again later or type its "
            "coordinates in the workbook",
        )
        return None

    def _geocoder(self) -> Lookup:
        if self._lookup is None:
            parts = urlsplit(self.url)
            nominatim = Nominatim(
                user_agent=user_agent(self.options.contact),
                domain=parts.netloc + parts.path,
                scheme=parts.scheme or "https",
                timeout=self.policy.timeout_s,
            )

            throttle = throttle_for(self.url)

            def search(query: str) -> Any:
                throttle.wait(self.policy)
                return nominatim.geocode(query, exactly_one=True, country_codes="be")

            # RateLimiter only retries here; the shared throttle keeps the pace, retries too.
            self._lookup = RateLimiter(
                search,
                min_delay_seconds=0.0,
                max_retries=self.policy.max_retries,
                error_wait_seconds=self.policy.error_wait_s,
                swallow_exceptions=False,
            )
        return self._lookup

    def _warn(self, record: Placed, message: str) -> None:
        source = getattr(record, "source", None)
        where = f"{self.team.workbook}: {source}" if source else str(self.team.workbook)
        warning = f"{where}: {message}"
        self.warnings.append(warning)
        self.progress.warn(warning)


def place_team(
    team: Team, options: PackOptions, progress: Progress, *, policy: GeocodePolicy | None = None
) -> Team:
    """The team with coordinates for every address that can be placed (a copy)."""
    placer = Placer(team, options, progress, policy or GeocodePolicy())
    records: list[Placed] = [team.organisation, *team.participants, *team.partners]
    progress.start("Geocoding addresses", sum(1 for record in records if not record.is_placed))
    try:
        organisation: Organisation = placer.place(team.organisation)
        participants = tuple(placer.place(record) for record in team.participants)
        partners = tuple(placer.place(record) for record in team.partners)
    finally:
        progress.finish()
        placer.cache.save(progress)
    return team.replace(
        organisation=organisation,
        participants=participants,
        partners=partners,
        warnings=(*team.warnings, *placer.warnings),
    )
