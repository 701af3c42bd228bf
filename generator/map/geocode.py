"""Coordinates for addresses, asked of Nominatim within its usage policy and cached on disk.

Typed coordinates always win. An address that cannot be placed is never dropped: it stays in
the model as "not placed" and a warning says where it stands in the workbook.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import requests

from generator.i18n import _
from generator.identity import user_agent
from generator.map.cachedir import cache_root
from generator.map.http import (
    AnswerTooLarge,
    AnswerTooSlow,
    bounded_get,
    deadline_session,
    retry_after_s,
)
from generator.map.runstate import MapBudget, RunState
from generator.model import Address, CoordinateOrigin, LatLon, Organisation, Placed, Team
from generator.options import PackOptions
from generator.progress import Progress

NOMINATIM_URL = "https://nominatim.openstreetmap.org"
CACHE_FILE = "geocode.json"
COUNTRY = "Belgium"
MAX_ANSWER_BYTES = 1024 * 1024  # one place in JSON is under a kilobyte
SHOWN_VALUE_CHARS = 24  # of a nonsensical coordinate quoted in a warning

P = TypeVar("P", bound=Placed)


@dataclass(frozen=True)
class GeocodePolicy:
    """Nominatim allows one request a second; tests set the waits to zero or fake the clock."""

    min_delay_s: float = 1.0
    error_wait_s: float = 2.0
    max_retries: int = 1
    timeout_s: float = 10.0  # for one whole answer: headers and body
    max_wait_s: float = 30.0  # the longest Retry-After obeyed
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


class GeocoderUnreachable(Exception):
    """The service gave no usable answer (no connection, an error status, too slow, garbage)."""


class UnusableAnswer(Exception):
    """The service found a place but gave no coordinates on Earth for it (NaN, 1e308, none)."""


class BudgetSpent(Exception):
    """The time for the map of this pack ran out before this address was asked."""


def _coordinate(place: object, key: str, low: float, high: float) -> float | None:
    value = place.get(key) if isinstance(place, dict) else None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) and low <= number <= high else None


def parse_places(body: bytes) -> LatLon | None:
    """The first place of a Nominatim ``format=json`` answer; None when nothing was found."""
    try:
        places = json.loads(body)
    except ValueError as exc:
        raise GeocoderUnreachable(_("its answer is not JSON")) from exc
    if not isinstance(places, list):
        raise GeocoderUnreachable(_("its answer is not a list of places"))
    if not places:
        return None
    lat = _coordinate(places[0], "lat", -90.0, 90.0)
    lon = _coordinate(places[0], "lon", -180.0, 180.0)
    if lat is None or lon is None:
        shown = places[0] if isinstance(places[0], dict) else {}
        raise UnusableAnswer(
            ", ".join(
                f"{key} {str(shown.get(key, 'missing'))[:SHOWN_VALUE_CHARS]}"
                for key in ("lat", "lon")
            )
        )
    return LatLon(lat=lat, lon=lon)


def connection_reason(error: BaseException) -> str:
    """The socket's reason ("Connection refused") from the chain requests and urllib3 wrap."""
    pending: list[BaseException] = [error]
    seen: list[BaseException] = []
    while pending:
        cause = pending.pop()
        if any(cause is other for other in seen):
            continue
        seen.append(cause)
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror
        reason = getattr(cause, "reason", None)
        wrapped = [arg for arg in cause.args if isinstance(arg, BaseException)]
        for found in (cause.__cause__, cause.__context__, reason, *wrapped):
            if isinstance(found, BaseException):
                pending.append(found)
    return type(error).__name__


class NominatimClient:
    """Nominatim's ``/search``, one query at a time, each answer within the policy's deadline.

    No library retries underneath (urllib3 would obey any Retry-After and retry timeouts
    unasked): this class decides, so one slow or unwilling service costs ``1 + max_retries``
    bounded answers (see ``bounded_get``) and capped waits, once per team: after that the
    team's other addresses are not asked.
    """

    def __init__(
        self, url: str, contact: str | None, policy: GeocodePolicy, state: RunState
    ) -> None:
        self.url = url
        self.policy = policy
        self.throttle = state.throttle(url)
        self.session = deadline_session(user_agent(contact))

    def close(self) -> None:
        self.session.close()

    def search(self, query: str, budget: MapBudget) -> LatLon | None:
        """The place for ``query``, None if not found; the answer must come before the
        pack's budget is spent."""
        policy = self.policy
        reason = "no attempt made"
        for attempt in range(1 + policy.max_retries):
            self.throttle.wait(policy.min_delay_s, policy.clock, policy.sleep)
            left_s = budget.left_s()
            if left_s <= 0:
                raise BudgetSpent
            try:
                answer = bounded_get(
                    self.session,
                    f"{self.url}/search",
                    params={"q": query, "format": "json", "limit": "1", "countrycodes": "be"},
                    deadline_s=min(policy.timeout_s, left_s),
                    max_bytes=MAX_ANSWER_BYTES,
                    connect_timeout_s=min(policy.timeout_s, left_s),
                )
            except AnswerTooSlow as exc:
                if budget.left_s() <= 0:  # cut short by the pack's budget, not the service
                    raise BudgetSpent from exc
                reason = _("no answer within {seconds} s").format(seconds=f"{policy.timeout_s:g}")
                wait = policy.error_wait_s
            except AnswerTooLarge as exc:
                raise GeocoderUnreachable(
                    _("it sent an answer of {size}").format(size=exc)
                ) from exc
            except requests.ConnectionError as exc:
                raise GeocoderUnreachable(connection_reason(exc)) from exc
            except requests.RequestException as exc:
                raise GeocoderUnreachable(type(exc).__name__) from exc
            else:
                if answer.status == 200:
                    return parse_places(answer.body)
                reason = f"HTTP {answer.status}"
                if answer.status != 429 and answer.status < 500:
                    raise GeocoderUnreachable(reason)
                wait = retry_after_s(answer, default_s=policy.error_wait_s, cap_s=policy.max_wait_s)
            if attempt < policy.max_retries:
                policy.sleep(min(wait, max(budget.left_s(), 0.0)))
        raise GeocoderUnreachable(reason)


def address_query(address: Address) -> str:
    """The free-form query sent for an address: street, postcode and gemeente, Belgium."""
    return f"{address.one_line()}, {COUNTRY}"


def geocoder_url(options: PackOptions) -> str:
    url = options.geocoder_url or NOMINATIM_URL
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
        """Whether the cache holds an answer for ``query``: a place, or a miss (a damaged
        entry counts as not known, so it is asked again)."""
        answers = self._all.get(self.service)
        if not isinstance(answers, dict) or query not in answers:
            return False
        return answers[query] is None or self.get(query) is not None

    def get(self, query: str) -> LatLon | None:
        answers = self._all.get(self.service)
        found = answers.get(query) if isinstance(answers, dict) else None
        if not isinstance(found, list) or len(found) != 2:
            return None
        lat = _coordinate({"lat": found[0]}, "lat", -90.0, 90.0)
        lon = _coordinate({"lon": found[1]}, "lon", -180.0, 180.0)
        return LatLon(lat=lat, lon=lon) if lat is not None and lon is not None else None

    def put(self, query: str, point: LatLon | None) -> None:
        self._all.setdefault(self.service, {})[query] = [point.lat, point.lon] if point else None
        self.changed = True

    def save(self, progress: Progress, state: RunState) -> None:
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
            state.warn_unwritable(self.path.parent, exc, progress)


class _NotLookedUp(Exception):
    """Why an address was not asked or not answered; the Placer's warning for the record."""


class Placer:
    """Places the records of one team, asking the geocoder at most once per query."""

    def __init__(
        self,
        team: Team,
        options: PackOptions,
        progress: Progress,
        policy: GeocodePolicy,
        state: RunState,
        budget: MapBudget,
    ) -> None:
        self.team = team
        self.options = options
        self.progress = progress
        self.policy = policy
        self.state = state
        self.budget = budget
        self.url = geocoder_url(options)
        self.cache = GeocodeCache(cache_root(options) / CACHE_FILE, self.url)
        self.warnings: list[str] = []
        self._client: NominatimClient | None = None
        self._stopped: str | None = None  # why no more addresses are asked, once that is so

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

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
            self._warn(record, _("has neither coordinates nor an address; it stays off the map"))
            return None
        query = address_query(record.address)
        address = record.address.one_line()
        if self.cache.knows(query):
            point = self.cache.get(query)
        elif self.options.offline:
            self._warn(
                record,
                _(
                    "address '{address}' is not in the geocoding cache and --offline allows no "
                    "lookups; run once online or type its coordinates"
                ).format(address=address),
            )
            return None
        else:
            try:
                point = self._ask(query)
            except _NotLookedUp as exc:
                self._warn(
                    record, _("address '{address}' {problem}").format(address=address, problem=exc)
                )
                return None
        if point is None:
            self._warn(
                record,
                _(
                    "address '{address}' was not found by the geocoder ({host}); it stays off "
                    "the map. Check the street, postcode and gemeente, or type its coordinates "
                    "in the workbook"
                ).format(address=address, host=urlsplit(self.url).netloc),
            )
        return point

    def _ask(self, query: str) -> LatLon | None:
        if self._stopped is None:
            if self._client is None:
                self._client = NominatimClient(
                    self.url, self.options.contact, self.policy, self.state
                )
            try:
                point = self._client.search(query, self.budget)
            except UnusableAnswer as exc:
                raise _NotLookedUp(
                    _(
                        "got an answer without usable coordinates ({reason}) from the geocoder "
                        "at {url}; it stays off the map. Type its coordinates in the workbook"
                    ).format(reason=exc, url=self.url)
                ) from exc
            except GeocoderUnreachable as exc:
                self._stopped = _(
                    "could not be placed: the geocoder at {url} cannot be reached ({reason})"
                ).format(url=self.url, reason=exc)
            except BudgetSpent:
                self._stopped = _(
                    "was not looked up: {spent}, so the addresses not yet looked up were left out"
                ).format(spent=self.budget.spent_message())
            else:
                self.cache.put(query, point)
                return point
        raise _NotLookedUp(
            _("{problem}; run again later or type its coordinates in the workbook").format(
                problem=self._stopped
            )
        )

    def _warn(self, record: Placed, message: str) -> None:
        source = getattr(record, "source", None)
        where = f"{self.team.workbook}: {source}" if source else str(self.team.workbook)
        warning = f"{where}: {message}"
        self.warnings.append(warning)
        self.progress.warn(warning)


def place_team(
    team: Team,
    options: PackOptions,
    progress: Progress,
    *,
    policy: GeocodePolicy | None = None,
    state: RunState | None = None,
    budget: MapBudget | None = None,
) -> Team:
    """The team with coordinates for every address that can be placed (a copy).

    ``state`` is the run's (a new one when not given) and ``budget`` the pack's map budget
    (``options.map_budget_s`` from now when not given).
    """
    placer = Placer(
        team,
        options,
        progress,
        policy or GeocodePolicy(),
        state or RunState(),
        budget or MapBudget(options.map_budget_s),
    )
    records: list[Placed] = [team.organisation, *team.participants, *team.partners]
    progress.start(_("Geocoding addresses"), sum(1 for record in records if not record.is_placed))
    try:
        organisation: Organisation = placer.place(team.organisation)
        participants = tuple(placer.place(record) for record in team.participants)
        partners = tuple(placer.place(record) for record in team.partners)
    finally:
        progress.finish()
        placer.close()
        placer.cache.save(progress, placer.state)
    return team.replace(
        organisation=organisation,
        participants=participants,
        partners=partners,
        warnings=(*team.warnings, *placer.warnings),
    )
