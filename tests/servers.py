"""Local stand-ins for the tile server, Nominatim and Overpass, and a guard that keeps tests
offline.

Registered for every test by ``pytest_plugins`` in conftest.py. Both servers bind 127.0.0.1
port 0, count requests and remember User-Agents; switches on ``TileServer`` make it misbehave.
"""

from __future__ import annotations

import colorsys
import functools
import gzip
import io
import ipaddress
import json
import re
import socket
import struct
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image, ImageDraw

TILE_PATH = re.compile(r"^/(\d+)/(\d+)/(\d+)(@2x)?\.png$")


def tile_colour(z: int, x: int, y: int) -> tuple[int, int, int]:
    """A light colour, distinct for neighbouring tiles, the same on every run."""
    hue = ((x * 7 + y * 13 + z * 3) % 24) / 24
    red, green, blue = colorsys.hls_to_rgb(hue, 0.85, 0.6)
    return round(red * 255), round(green * 255), round(blue * 255)


def tile_png(z: int, x: int, y: int, size: int = 256) -> bytes:
    """A real PNG tile: its colour, a grid every 32 px and its address written in it."""
    image = Image.new("RGB", (size, size), tile_colour(z, x, y))
    draw = ImageDraw.Draw(image)
    step = size // 8
    for offset in range(0, size, step):
        draw.line([(offset, 0), (offset, size)], fill=(150, 150, 150))
        draw.line([(0, offset), (size, offset)], fill=(150, 150, 150))
    draw.text((step + 4, step + 4), f"{z}/{x}/{y}", fill=(20, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class TileServer:
    """What the tile server saw, and how it should behave.

    ``mode``: "ok"; "429-once" (each tile first gets 429 with Retry-After: 1, then 200);
    "503" (for ever); "html" (200 with an HTML body); "wrong-size" (256-px tiles for @2x);
    "bad-gzip" (200 saying gzip over a body that is not, so the client cannot decode it);
    "503-checkered" (503 for ever for tiles whose x + y is odd, the others as "ok");
    hostile ones: "postscript" (an EPS file as image/png), "oversized" (2048-px tiles),
    "huge-png" (a PNG whose header says 30000 x 30000 px), "gzip-bomb" (a small gzip body
    that unpacks to 16 MB), "trickle" (a real tile, one byte every ``trickle_s``),
    "404-columns" (404 for every tile whose x is a multiple of 4, the others as "ok"),
    "429-long" (429 with Retry-After: 100000).
    """

    url: str = ""
    mode: str = "ok"
    cache_control: str | None = None
    etag: bool = False
    hold_until_parallel: int = 0  # hold each request until this many are in flight ...
    hold_timeout_s: float = 1.0  # ... or this long has passed
    required_agent: str = "buurtkaart/"
    trickle_s: float = 0.05
    paths: list[str] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    user_agents: list[str] = field(default_factory=list)
    conditional: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    max_parallel: int = 0
    _active: int = 0
    _lock: threading.Condition = field(default_factory=threading.Condition)

    @property
    def count(self) -> int:
        return len(self.paths)

    def reset_counts(self) -> None:
        with self._lock:
            self.paths.clear()
            self.raw.clear()
            self.user_agents.clear()
            self.conditional.clear()
            self.statuses.clear()


@dataclass
class GeocoderServer:
    """Answers ``/search?q=...&format=json`` for the places it knows (keys lower case)."""

    url: str = ""
    places: dict[str, tuple[float, float]] = field(default_factory=dict)
    on_request: Callable[[], None] | None = None  # called as each request arrives
    status: int = 200  # anything else is answered with an empty body, as a failing service does
    headers: dict[str, str] = field(default_factory=dict)  # sent with every answer
    answer: str | None = None  # when set, the JSON text answered to every query
    delay_s: float = 0.0  # silence before the answer, as an overloaded service keeps
    queries: list[str] = field(default_factory=list)
    user_agents: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.queries)


@dataclass
class OverpassServer:
    """Answers every POSTed query with ``answer`` (an Overpass ``[out:json]`` document that
    the test builds), and remembers the queries and User-Agents.

    ``mode``: "ok"; "429-once" (the first query gets 429 with ``retry_after``, then "ok");
    "503" (for ever); "html" (200 with an HTML page); "trickle" (the answer a byte every
    ``trickle_s``); "gzip" (the answer gzip-compressed, as the real server may send it);
    "raw" (200 with ``raw_body`` as it is).
    """

    url: str = ""
    mode: str = "ok"
    answer: dict[str, Any] = field(default_factory=lambda: {"version": 0.6, "elements": []})
    raw_body: bytes = b""
    retry_after: str = "1"
    trickle_s: float = 0.05
    linger_s: float = 0.0  # each query stays open this long, so overlapping ones would show
    queries: list[str] = field(default_factory=list)
    user_agents: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    max_parallel: int = 0
    _active: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def count(self) -> int:
        return len(self.queries)


def _overpass_handler(state: OverpassServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return None

        def do_POST(self) -> None:
            with state._lock:
                state._active += 1
                state.max_parallel = max(state.max_parallel, state._active)
            try:
                time.sleep(state.linger_s)
                self._answer()
            finally:
                with state._lock:
                    state._active -= 1

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = parse_qs(self.rfile.read(length).decode())
            state.queries.append(form.get("data", [""])[0])
            state.user_agents.append(self.headers.get("User-Agent", ""))
            mode = state.mode
            if mode == "429-once" and len(state.queries) == 1:
                return self._send(429, b"rate limited", "text/plain", state.retry_after)
            if mode == "503":
                return self._send(503, b"busy", "text/plain")
            if mode == "html":
                return self._send(200, b"<html><body>Dispatcher busy</body></html>", "text/html")
            body = state.raw_body if mode == "raw" else json.dumps(state.answer).encode()
            if mode == "trickle":
                return self._trickle(body)
            if mode == "gzip":
                return self._send(200, gzip.compress(body), "application/json", gzipped=True)
            self._send(200, body, "application/json")

        def _send(
            self,
            status: int,
            body: bytes,
            content_type: str,
            retry_after: str | None = None,
            *,
            gzipped: bool = False,
        ) -> None:
            state.statuses.append(status)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            if gzipped:
                self.send_header("Content-Encoding", "gzip")
            if retry_after is not None:
                self.send_header("Retry-After", retry_after)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _trickle(self, body: bytes) -> None:
            state.statuses.append(200)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for index in range(len(body)):
                    self.wfile.write(body[index : index + 1])
                    self.wfile.flush()
                    time.sleep(state.trickle_s)
            except OSError:
                return  # the client gave up, as it should

    return Handler


def _tile_handler(state: TileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return None

        def do_GET(self) -> None:
            with state._lock:
                state._active += 1
                state.max_parallel = max(state.max_parallel, state._active)
                state._lock.notify_all()
                state._lock.wait_for(
                    lambda: state._active >= state.hold_until_parallel, state.hold_timeout_s
                )
            self._in_flight = True
            try:
                self._answer()
            finally:
                self._done()

        def _done(self) -> None:
            # A request stops counting before its answer goes out: the client may send its
            # next request the moment it has read this one, before this thread runs on.
            if self._in_flight:
                self._in_flight = False
                with state._lock:
                    state._active -= 1

        def _answer(self) -> None:
            path = urlsplit(self.path).path
            agent = self.headers.get("User-Agent", "")
            with state._lock:
                first_time = path not in state.paths
                state.paths.append(path)
                state.raw.append(self.path)
                state.user_agents.append(agent)
                if self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since"):
                    state.conditional.append(path)
            match = TILE_PATH.match(path)
            if not agent.startswith(state.required_agent):
                return self._send(403, b"blocked: identify your application", "text/plain")
            if match is None:
                return self._send(404, b"no such tile", "text/plain")
            z, x, y = (int(group) for group in match.groups()[:3])
            retina = match.group(4) is not None
            etag = f'"{z}-{x}-{y}"'
            hostile = _hostile_answer(state.mode, z, x, y)
            if hostile is not None:
                return self._send(*hostile)
            if state.mode == "trickle":
                return self._trickle(tile_png(z, x, y))
            if state.mode == "503" or (state.mode == "503-checkered" and (x + y) % 2):
                return self._send(503, b"busy", "text/plain")
            if state.mode == "429-once" and first_time:
                return self._send(429, b"slow down", "text/plain", {"Retry-After": "1"})
            if state.mode == "bad-gzip":
                return self._send(
                    200, b"not gzip at all", "image/png", {"Content-Encoding": "gzip"}
                )
            if state.mode == "html":
                return self._send(200, b"<html><body>Tile blocked</body></html>", "text/html")
            if state.etag and self.headers.get("If-None-Match") == etag:
                return self._send(304, b"", None, {"ETag": etag})
            size = 512 if retina and state.mode != "wrong-size" else 256
            headers = {"ETag": etag} if state.etag else {}
            if state.cache_control is not None:
                headers["Cache-Control"] = state.cache_control
            self._send(200, tile_png(z, x, y, size), "image/png", headers)

        def _trickle(self, body: bytes) -> None:
            with state._lock:
                state.statuses.append(200)
            self._done()
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for offset in range(len(body)):  # until done, or the client hangs up
                self.wfile.write(body[offset : offset + 1])
                self.wfile.flush()
                time.sleep(state.trickle_s)

        def _send(
            self,
            status: int,
            body: bytes,
            content_type: str | None,
            headers: dict[str, str] | None = None,
        ) -> None:
            with state._lock:
                state.statuses.append(status)
            self._done()
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


# A tiny EPS file: Pillow hands anything it sniffs as PostScript to Ghostscript, which runs it.
POSTSCRIPT = (
    b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 256 256\n"
    b"newpath 0 0 moveto 256 256 lineto stroke\nshowpage\n%%EOF\n"
)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


@functools.cache
def huge_png_header(side: int = 30000) -> bytes:
    """A PNG that says it is side x side pixels (and holds almost nothing): a decompression bomb
    for anyone who decodes before looking at the size."""
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\0" * 1024))
        + _png_chunk(b"IEND", b"")
    )


@functools.cache
def oversized_png() -> bytes:
    """A 2048-px tile, made once: drawing one per request would keep the server busy."""
    return tile_png(0, 0, 0, 2048)


@functools.cache
def gzip_bomb(unpacked_bytes: int = 16 * 1024 * 1024) -> bytes:
    return gzip.compress(bytes(unpacked_bytes), compresslevel=9)


def _hostile_answer(
    mode: str, z: int, x: int, y: int
) -> tuple[int, bytes, str, dict[str, str]] | None:
    """The answer of a hostile or broken tile server in ``mode``, or None to answer normally."""
    if mode == "postscript":
        return 200, POSTSCRIPT, "image/png", {}
    if mode == "oversized":
        return 200, oversized_png(), "image/png", {}
    if mode == "huge-png":
        return 200, huge_png_header(), "image/png", {}
    if mode == "gzip-bomb":
        return 200, gzip_bomb(), "image/png", {"Content-Encoding": "gzip"}
    if mode == "404-columns" and x % 4 == 0:
        return 404, b"no such tile", "text/plain", {}
    if mode == "429-long":
        return 429, b"go away", "text/plain", {"Retry-After": "100000"}
    return None


def _geocoder_handler(state: GeocoderServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return None

        def do_GET(self) -> None:
            if state.on_request is not None:
                state.on_request()
            parts = urlsplit(self.path)
            query = parse_qs(parts.query).get("q", [""])[0]
            state.queries.append(query)
            state.user_agents.append(self.headers.get("User-Agent", ""))
            if state.delay_s:
                time.sleep(state.delay_s)
            if state.status != 200:
                self.send_response(state.status)
                for name, value in state.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            found = state.places.get(query.lower())
            results = (
                [{"lat": str(found[0]), "lon": str(found[1]), "display_name": query}]
                if found and parts.path == "/search"
                else []
            )
            body = json.dumps(results).encode() if state.answer is None else state.answer.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


class _Server(ThreadingHTTPServer):
    """Quiet when a client hangs up mid-answer: the hostile modes make clients do just that,
    and socketserver would print a traceback into whichever test captures stderr then."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


@contextmanager
def _serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = _Server(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def running_tile_server() -> Iterator[TileServer]:
    """A tile server on 127.0.0.1 for as long as the block runs (tests and benchmarks)."""
    state = TileServer()
    with _serve(_tile_handler(state)) as base:
        state.url = base + "/{z}/{x}/{y}.png"
        yield state


@pytest.fixture
def tile_server() -> Iterator[TileServer]:
    with running_tile_server() as state:
        yield state


@pytest.fixture
def geocoder_server() -> Iterator[GeocoderServer]:
    state = GeocoderServer()
    with _serve(_geocoder_handler(state)) as base:
        state.url = base
        yield state


@contextmanager
def running_overpass_server() -> Iterator[OverpassServer]:
    """An Overpass stand-in on 127.0.0.1 for as long as the block runs."""
    state = OverpassServer()
    with _serve(_overpass_handler(state)) as base:
        state.url = base + "/api/interpreter"
        yield state


@pytest.fixture
def overpass_server() -> Iterator[OverpassServer]:
    with running_overpass_server() as state:
        yield state


@dataclass
class HeaderTrickler:
    """A raw socket server that sends its status line and headers a byte every ``pause_s``."""

    url: str = ""
    head: bytes = b""
    pause_s: float = 0.2
    sent: int = 0  # bytes of the head sent before the client hung up
    connections: int = 0


@contextmanager
def header_trickler(head: bytes, pause_s: float = 0.2) -> Iterator[HeaderTrickler]:
    """What a slowloris-like server does: every answer's head, one byte at a time."""
    state = HeaderTrickler(head=head, pause_s=pause_s)
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)

    def answer(connection: socket.socket) -> None:
        with connection:
            connection.recv(65536)  # the request; its content does not matter
            for index in range(len(head)):
                if stop.wait(state.pause_s if index else 0):
                    return
                try:
                    connection.sendall(head[index : index + 1])
                except OSError:
                    return
                state.sent = index + 1

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            state.connections += 1
            threading.Thread(target=answer, args=(connection,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    try:
        yield state
    finally:
        stop.set()
        thread.join()
        listener.close()


@pytest.fixture(scope="session")
def refused_port() -> Iterator[int]:
    """A port that refuses connections: bound, never listening, held for the whole session."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


LOOPBACK_NAMES = ("localhost", "localhost.localdomain")


def _ip(host: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = host.decode() if isinstance(host, bytes) else host
    if not isinstance(text, str):
        return None
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None


def is_loopback(host: object) -> bool:
    if isinstance(host, str) and host.lower() in LOOPBACK_NAMES:
        return True
    ip = _ip(host)
    return ip is not None and ip.is_loopback


def _guard_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse, in this process, any connection or name lookup beyond the loopback address."""
    connect = socket.socket.connect
    connect_ex = socket.socket.connect_ex
    getaddrinfo = socket.getaddrinfo

    def refuse(host: object) -> OSError:
        return ConnectionRefusedError(f"tests stay offline: no connection to {host!r}")

    def checked(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address[0]):
            raise refuse(address[0])

    def guarded_connect(sock: socket.socket, address: Any) -> None:
        checked(sock, address)
        connect(sock, address)

    def guarded_connect_ex(sock: socket.socket, address: Any) -> int:
        checked(sock, address)
        return connect_ex(sock, address)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        # an address in figures needs no lookup: connect() decides on it
        if host is not None and _ip(host) is None and not is_loopback(host):
            raise socket.gaierror(socket.EAI_NONAME, f"tests stay offline: no lookup of {host!r}")
        return getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)


@pytest.fixture(autouse=True)
def _offline_by_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory, refused_port: int
) -> None:
    """No test reaches the internet by accident: every default points at a refused port, and
    sockets refuse any other address even when code ignores those defaults (subprocesses, such
    as pip in test_wheel.py, are not patched)."""
    _guard_sockets(monkeypatch)
    monkeypatch.setenv("BUURTKAART_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv(
        "BUURTKAART_TILE_URL", f"http://127.0.0.1:{refused_port}/{{z}}/{{x}}/{{y}}.png"
    )
    monkeypatch.setenv("BUURTKAART_GEOCODER_URL", f"http://127.0.0.1:{refused_port}")
    monkeypatch.setenv(
        "BUURTKAART_OVERPASS_URL", f"http://127.0.0.1:{refused_port}/api/interpreter"
    )
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
