"""Map tiles fetched politely: one session, a disk cache, back-off, and staticmap's ``get()`` seam.

The OpenStreetMap tile usage policy asks for an identifying User-Agent, HTTPS, a cache that
honours the server's caching headers, conditional requests, at most two connections and no bulk
downloads. Everything staticmap fetches goes through :class:`TileFetcher`, which enforces that.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, quote, urlsplit

import requests
from PIL import Image, UnidentifiedImageError
from staticmap import StaticMap

from generator.errors import MapError, how_to_set
from generator.i18n import N_, _
from generator.identity import user_agent
from generator.map.http import (
    Answer,
    AnswerTooLarge,
    AnswerTooSlow,
    DeadlineAdapter,
    bounded_get,
    deadline_session,
    requested_wait_s,
)
from generator.map.runstate import MapBudget, RunState
from generator.options import PackOptions
from generator.progress import Progress

OSM_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_HOST = "tile.openstreetmap.org"
TILE_URL_ENV = "BUURTKAART_TILE_URL"
DEFAULT_LIFETIME_S = 7 * 24 * 3600
OSM_CONNECTIONS = 2
OTHER_CONNECTIONS = 4
FETCH_THREADS = 4  # as many as staticmap uses; the connection pool still caps each server
# Tiles are opened as these formats only: Pillow would hand PostScript to Ghostscript, which then
# runs whatever a server sent.
TILE_FORMATS = ("PNG", "JPEG", "WEBP")
TILE_SIZES = (256, 512)  # what an XYZ template can promise: plain tiles, or @2x ones
MAX_TILE_BYTES = 4 * 1024 * 1024  # OSM's tiles are 25 to 35 KB; a 512-px photo tile under 1 MB
HOW_TO_SWITCH = N_(
    "use another tile provider with --tiles URL or the environment variable {variable} (an XYZ "
    "template such as {example})"
)
EXAMPLE_TEMPLATE = "https://tiles.example.org/{z}/{x}/{y}{r}.png?key={env:TILE_KEY}"


def how_to_switch() -> str:
    return _(HOW_TO_SWITCH).format(variable=TILE_URL_ENV, example=EXAMPLE_TEMPLATE)


KNOWN_NAMES = ("z", "x", "y", "s", "r")
PLACEHOLDERS = "{z} {x} {y} {s} {r} {env:NAME}"
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_ENV_NAME = re.compile(r"env:([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class TileSource:
    """A parsed XYZ template.

    ``public_template`` has ``{s}`` and ``{r}`` filled in and keeps ``{env:NAME}`` literally
    (escaped for ``str.format``), so URLs that staticmap sees, the cache keys and every message
    stay free of API keys; :meth:`resolve` puts the secrets in just before a request.
    """

    public_template: str
    tile_size: int
    host: str
    secrets: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def is_osm(self) -> bool:
        return self.host == OSM_HOST or self.host.endswith("." + OSM_HOST)

    def public_url(self, zoom: int, x: int, y: int) -> str:
        return self.public_template.format(z=zoom, x=x, y=y)

    def resolve(self, public_url: str) -> str:
        for name, value in self.secrets.items():
            public_url = public_url.replace("{env:" + name + "}", quote(value, safe=""))
        return public_url


def parse_tile_template(template: str | None, keys: Mapping[str, str] | None = None) -> TileSource:
    """Check an XYZ template and prepare it; None is OpenStreetMap's standard tiles.

    Placeholders: ``{z}``, ``{x}``, ``{y}``; ``{s}`` (subdomain, becomes ``a``); ``{r}``
    (becomes ``@2x`` and asks for 512-pixel tiles); ``{env:NAME}`` (the value of the
    environment variable NAME, for API keys that must not be typed on the command line:
    ``keys`` holds those values, as ``options.tile_keys`` read them from the environment).
    """
    template = template or OSM_TILE_URL
    parts = urlsplit(template)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise MapError(
            _("tile URL template {template} is not an http(s) URL; {fix}").format(
                template=repr(template), fix=how_to_switch()
            )
        )
    _check_port(parts, template)
    outside_placeholders = _PLACEHOLDER.sub("", template)
    if "{" in outside_placeholders or "}" in outside_placeholders:
        raise MapError(
            _(
                "tile URL template {template} has a '{{' or '}}' that opens or closes no "
                "placeholder; write placeholders whole, as {placeholders}"
            ).format(template=repr(template), placeholders=PLACEHOLDERS)
        )
    names = _PLACEHOLDER.findall(template)
    unknown = [name for name in names if name not in KNOWN_NAMES and not _ENV_NAME.fullmatch(name)]
    if unknown:
        raise MapError(
            _(
                "tile URL template {template} has an unknown placeholder {placeholder}; known "
                "are {placeholders}"
            ).format(
                template=repr(template),
                placeholder="{" + unknown[0] + "}",
                placeholders=PLACEHOLDERS,
            )
        )
    missing = [name for name in ("z", "x", "y") if name not in names]
    if missing:
        wanted = ", ".join("{" + name + "}" for name in missing)
        raise MapError(
            _("tile URL template {template} lacks {placeholders}; {fix}").format(
                template=repr(template), placeholders=wanted, fix=how_to_switch()
            )
        )
    secrets: dict[str, str] = {}
    tile_size = 512 if "{r}" in template or "@2x" in template else 256
    public = template.replace("{s}", "a").replace("{r}", "@2x")
    for name in _PLACEHOLDER.findall(public):
        env = _ENV_NAME.fullmatch(name)
        if env:
            secrets[env.group(1)] = _key(env.group(1), template, keys or {})
            public = public.replace("{" + name + "}", "{{" + name + "}}")
    host = (parts.hostname or "").lower()
    source = TileSource(public, tile_size, host, secrets)
    if source.is_osm and parts.scheme != "https":
        raise MapError(
            _("the OpenStreetMap tile server must be used over https, not {template}").format(
                template=repr(template)
            )
        )
    return source


def _check_port(parts: SplitResult, template: str) -> None:
    try:
        parts.port  # noqa: B018 -- reading it is the check: urllib refuses a bad port here
    except ValueError as exc:
        raise MapError(
            _(
                "tile URL template {template} has a port that is not a number from 0 to 65535; "
                "write it as {example}, or leave the port out"
            ).format(template=repr(template), example="https://host:8080/{z}/{x}/{y}.png")
        ) from exc


def _key(name: str, template: str, keys: Mapping[str, str]) -> str:
    value = keys.get(name)
    if not value:
        raise MapError(
            _(
                "tile URL template {template} takes {placeholder} from the environment, but "
                "{variable} is not set; set it to your API key ({how})"
            ).format(
                template=repr(template),
                placeholder="{env:" + name + "}",
                variable=name,
                how=how_to_set(name, "..."),
            )
        )
    return value


@dataclass(frozen=True)
class CachedTile:
    body: bytes
    fresh_until: float
    etag: str | None
    last_modified: str | None


class TileCache:
    """Tiles on disk keyed by their public URL, with their validators and freshness."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _paths(self, url: str) -> tuple[Path, Path]:
        digest = hashlib.sha256(url.encode()).hexdigest()
        folder = self.root / digest[:2]
        return folder / f"{digest}.tile", folder / f"{digest}.json"

    def lookup(self, url: str) -> CachedTile | None:
        """The stored tile, or None when there is none or its record is damaged."""
        body_path, meta_path = self._paths(url)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict):
            return None
        fresh_until = meta.get("fresh_until")
        etag = meta.get("etag")
        modified = meta.get("last_modified")
        if not isinstance(fresh_until, int | float) or not all(
            value is None or isinstance(value, str) for value in (etag, modified)
        ):
            return None
        return CachedTile(body, float(fresh_until), etag, modified)

    def store(self, url: str, tile: CachedTile) -> None:
        body_path, meta_path = self._paths(url)
        body_path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "url": url,
            "fresh_until": tile.fresh_until,
            "etag": tile.etag,
            "last_modified": tile.last_modified,
        }
        _write_atomically(body_path, tile.body)
        _write_atomically(meta_path, json.dumps(meta, indent=1).encode())

    def drop(self, url: str) -> None:
        """Forget a tile whose bytes turned out not to be one; the next fetch replaces it."""
        for path in self._paths(url):
            with contextlib.suppress(OSError):  # a read-only cache keeps it: it is fetched anew
                path.unlink(missing_ok=True)


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        partial.write_bytes(data)
        partial.replace(path)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise


def freshness(headers: Mapping[str, str], now: float) -> float | None:
    """Until when a response may be used without asking again; None means do not store it."""
    directives = {
        part.strip().lower().split("=", 1)[0]: part.strip().split("=", 1)[-1]
        for part in headers.get("Cache-Control", "").split(",")
        if part.strip()
    }
    if "no-store" in directives:
        return None
    if "no-cache" in directives:
        return now
    for name in ("s-maxage", "max-age"):
        if name in directives and directives[name].isdigit():
            return now + int(directives[name])
    expires = headers.get("Expires")
    if expires:
        try:
            return parsedate_to_datetime(expires).timestamp()
        except (TypeError, ValueError):
            return now
    return now + DEFAULT_LIFETIME_S


@dataclass(frozen=True)
class FetchPolicy:
    """How patient the fetcher is; tests shorten the waits and fake the clocks."""

    attempts: int = 3
    backoff_s: float = 1.0
    max_wait_s: float = 30.0  # the longest Retry-After obeyed; a longer one counts as "down"
    connect_timeout_s: float = 5.0
    answer_timeout_s: float = 20.0  # for a whole tile: headers and body
    max_tile_bytes: int = MAX_TILE_BYTES
    give_up_after: int = 3  # server faults in a row (5xx, timeouts) before it counts as down
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time  # wall time, for the cache's freshness


class TileFault(Exception):
    """One tile that could not be had, and why (shown once, in the base map's warning).

    ``server_down`` marks faults that say the server is failing (5xx after retries, no answer
    in time), which count towards giving up on it; a missing or malformed tile does not.
    """

    def __init__(self, reason: str, *, server_down: bool = False) -> None:
        super().__init__(reason)
        self.server_down = server_down


@dataclass(frozen=True)
class Tile:
    """A tile's bytes as they are cached, and its pixels, decoded once."""

    body: bytes
    image: Image.Image


def decode_tile(body: bytes, sizes: tuple[int, ...]) -> Image.Image:
    """The RGB pixels of a tile, or TileFault when the bytes are not a tile of these sizes.

    Only PNG, JPEG and WebP are tried, and the size in the header is checked before any pixel
    is decoded, so a hostile server can neither start Ghostscript nor fill the memory.
    """
    try:
        with Image.open(io.BytesIO(body), formats=TILE_FORMATS) as image:
            width, height = image.size
            if width != height or width not in sizes:
                wanted = _(" or ").join(f"{size} x {size}" for size in sizes)
                raise TileFault(
                    _("the server sent {size} px tiles, not {wanted}").format(
                        size=f"{width} x {height}", wanted=wanted
                    )
                )
            return image.convert("RGB")
    except Image.DecompressionBombError as exc:
        raise TileFault(_("the server sent an image of far more pixels than a tile")) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise TileFault(_("the server sent a body that is not a PNG, JPEG or WebP image")) from exc


class TileFetcher:
    """Tiles from the cache, else from the server within its rules; thread-safe."""

    def __init__(
        self,
        source: TileSource,
        cache: TileCache,
        *,
        contact: str | None,
        offline: bool,
        progress: Progress,
        budget: MapBudget | None = None,
        state: RunState | None = None,
        policy: FetchPolicy | None = None,
    ) -> None:
        self.source = source
        self.cache = cache
        self.offline = offline
        self.progress = progress
        self.policy = policy or FetchPolicy()
        # the pack's budget (what its geocoding left) and the run's state; new ones when alone
        self.budget = budget or MapBudget(PackOptions.map_budget_s)
        self.state = state or RunState()
        self.tile_size: int | None = None
        self.failures: dict[str, str] = {}
        self._probed: dict[str, Tile] = {}
        self._down: str | None = None
        self._failed_in_row = 0
        self.lock = threading.Lock()
        connections = OSM_CONNECTIONS if source.is_osm else OTHER_CONNECTIONS
        self._slots = threading.BoundedSemaphore(connections)
        adapter = DeadlineAdapter(pool_connections=1, pool_maxsize=connections, pool_block=True)
        self.session = deadline_session(user_agent(contact), adapter)

    def close(self) -> None:
        self.session.close()

    def probe(self, url: str) -> int | None:
        """The pixel size of the tiles this server really sends (some send 512 px unasked).

        Every later tile must have this size; without an answer, the size the template says.
        """
        tile = self.fetch(url)
        if tile is None:
            self.tile_size = self.source.tile_size
            return None
        with self.lock:
            self._probed[url] = tile
        size: int = tile.image.size[0]
        self.tile_size = size
        return size

    def fetch(self, url: str) -> Tile | None:
        """The tile, or None (the reason is kept in ``failures``)."""
        with self.lock:
            probed = self._probed.pop(url, None)
        if probed is not None:
            return probed
        try:
            tile = self._fetch(url)
        except TileFault as fault:
            with self.lock:
                self.failures[url] = str(fault)
                if fault.server_down:
                    self._failed_in_row += 1
                    if self._failed_in_row >= self.policy.give_up_after and self._down is None:
                        self._down = str(fault)
            return None
        with self.lock:
            self._failed_in_row = 0
        return tile

    def _fetch(self, url: str) -> Tile:
        cached = self._cached(url)
        if cached is not None and (self.offline or cached[0].fresh_until > self.policy.clock()):
            return cached[1]
        if self.offline:
            raise TileFault(_("not in the tile cache, and --offline allows no downloads"))
        if self.budget.left_s() <= 0:
            if cached is not None:
                return cached[1]
            raise self._budget_spent()
        if self._down is not None:
            if cached is not None:
                return cached[1]
            raise TileFault(self._down)
        try:
            return self._download(url, cached)
        except TileFault:
            if cached is not None:  # a stale tile beats a hole in the map
                return cached[1]
            raise

    def _cached(self, url: str) -> tuple[CachedTile, Tile] | None:
        """The cached tile, decoded; a damaged one is dropped, so it is fetched again."""
        cached = self.cache.lookup(url)
        if cached is None:
            return None
        try:
            return cached, Tile(cached.body, decode_tile(cached.body, self._sizes()))
        except TileFault:
            self.cache.drop(url)
            return None

    def _sizes(self) -> tuple[int, ...]:
        return TILE_SIZES if self.tile_size is None else (self.tile_size,)

    def _download(self, url: str, cached: tuple[CachedTile, Tile] | None) -> Tile:
        headers: dict[str, str] = {}
        if cached is not None and cached[0].etag:
            headers["If-None-Match"] = cached[0].etag
        if cached is not None and cached[0].last_modified:
            headers["If-Modified-Since"] = cached[0].last_modified
        reason = _("no attempt made")
        for attempt in range(self.policy.attempts):
            answer = self._request(url, headers)
            if answer.status == 304 and cached is not None:
                self._keep(url, cached[0].body, answer, cached[0])
                return cached[1]
            if answer.status == 200:
                tile = self._checked_tile(answer)
                self._keep(url, tile.body, answer, None)
                return tile
            reason = f"HTTP {answer.status} {answer.reason}".strip()
            if answer.status != 429 and answer.status < 500:
                raise TileFault(reason)  # this tile is missing; the server itself is fine
            if attempt + 1 < self.policy.attempts:
                self.policy.sleep(self._wait(answer, attempt))
        raise TileFault(
            _("{reason} after {attempts} attempts").format(
                reason=reason, attempts=self.policy.attempts
            ),
            server_down=True,
        )

    def _budget_spent(self) -> TileFault:
        return TileFault(self.budget.spent_message())

    def _request(self, url: str, headers: dict[str, str]) -> Answer:
        with self._slots:
            # counted once a connection is free, so a wait for one never outlasts the budget
            left_s = self.budget.left_s()
            if left_s <= 0:
                raise self._budget_spent()
            try:
                return bounded_get(
                    self.session,
                    self.source.resolve(url),
                    headers=headers,
                    deadline_s=min(self.policy.answer_timeout_s, left_s),
                    max_bytes=self.policy.max_tile_bytes,
                    connect_timeout_s=self.policy.connect_timeout_s,
                )
            except AnswerTooSlow as exc:
                if self.budget.left_s() <= 0:  # cut short by the pack's budget, not the server
                    raise self._budget_spent() from exc
                raise TileFault(str(exc), server_down=True) from exc
            except AnswerTooLarge as exc:
                raise TileFault(_("the server sent a tile of {size}").format(size=exc)) from exc
            except requests.ConnectionError as exc:
                reason = _("cannot connect to {host}").format(host=self.source.host)
                with self.lock:
                    self._down = reason
                raise TileFault(reason) from exc
            except requests.RequestException as exc:
                # requests' messages can carry the URL with its {env:...} secrets filled in
                raise TileFault(
                    _("the request to {host} failed ({reason})").format(
                        host=self.source.host, reason=type(exc).__name__
                    )
                ) from exc

    def _wait(self, answer: Answer, attempt: int) -> float:
        wanted = requested_wait_s(answer.headers)
        if wanted is None:
            return float(min(self.policy.backoff_s * 2**attempt, self.policy.max_wait_s))
        if wanted > self.policy.max_wait_s:
            raise TileFault(
                _("HTTP {status}: the server asks to wait {seconds} s").format(
                    status=answer.status, seconds=f"{wanted:g}"
                ),
                server_down=True,
            )
        return wanted

    def _checked_tile(self, answer: Answer) -> Tile:
        content_type = answer.headers.get("Content-Type", "")
        if content_type and not content_type.startswith("image/"):
            raise TileFault(
                _("the server sent {kind} instead of an image").format(
                    kind=content_type.split(";")[0]
                )
            )
        return Tile(answer.body, decode_tile(answer.body, self._sizes()))

    def _keep(self, url: str, body: bytes, answer: Answer, cached: CachedTile | None) -> None:
        fresh_until = freshness(answer.headers, self.policy.clock())
        if fresh_until is None:
            return
        etag = answer.headers.get("ETag") or (cached.etag if cached else None)
        modified = answer.headers.get("Last-Modified") or (cached.last_modified if cached else None)
        try:
            self.cache.store(url, CachedTile(body, fresh_until, etag, modified))
        except OSError as exc:
            self.state.warn_unwritable(self.cache.root, exc, self.progress)


def tile_grid(
    zoom: int, x_center: float, y_center: float, width: int, height: int, tile_size: int
) -> list[tuple[int, int, int, int]]:
    """The tiles under an image of width x height pixels: (x, y) on the plane, for placing
    them, and the tile's own (x, y) after wrapping round the date line, as staticmap counts."""
    half_w = 0.5 * width / tile_size
    half_h = 0.5 * height / tile_size
    n = 2**zoom
    return [
        (x, y, (x + n) % n, (y + n) % n)
        for x in range(math.floor(x_center - half_w), math.ceil(x_center + half_w))
        for y in range(math.floor(y_center - half_h), math.ceil(y_center + half_h))
    ]


class TileMap(StaticMap):  # type: ignore[misc]
    """staticmap reduced to what the poster needs: tiles only, fetched by a TileFetcher.

    A tile that cannot be had stays background; the fetcher remembers why, and the caller
    gives one warning for all of them (staticmap would print a line per tile and retry).
    """

    def __init__(self, width: int, height: int, fetcher: TileFetcher, tile_size: int) -> None:
        super().__init__(
            width,
            height,
            url_template=fetcher.source.public_template,
            tile_size=tile_size,
            headers={},
            background_color="#ffffff",
        )
        self.fetcher = fetcher
        self.missing: set[str] = set()

    def get(self, url: str, **kwargs: Any) -> tuple[int, bytes]:
        """staticmap's one door to the network, so none of its own code fetches around us."""
        tile = self._tile(url)
        return (200, tile.body) if tile is not None else (0, b"")

    def _tile(self, url: str) -> Tile | None:
        tile = self.fetcher.fetch(url)
        self.fetcher.progress.advance()
        if tile is None:
            with self.fetcher.lock:
                self.missing.add(url)
        return tile

    def _draw_base_layer(self, image: Image.Image) -> None:
        """staticmap decodes every tile on its one assembling thread and pastes it through an
        RGBA mask; here the fetching threads decode too (Pillow releases the GIL) and tiles
        paste straight in, which brings the base map close to the cost of decoding its tiles
        once (benchmarks/run.py)."""
        grid = tile_grid(
            self.zoom, self.x_center, self.y_center, self.width, self.height, self.tile_size
        )
        with ThreadPoolExecutor(FETCH_THREADS) as pool:
            tiles = pool.map(
                lambda cell: self._tile(
                    self.url_template.format(z=self.zoom, x=cell[2], y=cell[3])
                ),
                grid,
            )
            for (x, y, _, _), tile in zip(grid, tiles, strict=True):
                if tile is not None:
                    image.paste(tile.image, (self._x_to_px(x), self._y_to_px(y)))

    def _draw_features(self, image: Image.Image) -> None:
        """No features: skips staticmap's double-size overlay layer, drawn as vectors later."""
