"""Bounded HTTP answers: a deadline for the whole answer and a cap on its size.

requests' read timeout applies to each read, not to the answer, so a server that trickles a
byte a second never times out, in its headers as in its body; and a server's Retry-After is a
wish, not an order. Every client of the map stage (tiles, Overpass, geocoding) reads its
answers through here, on a session with a :class:`DeadlineAdapter`.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from generator.i18n import _

CHUNK_BYTES = 64 * 1024


class AnswerTooLarge(Exception):
    """The body grew past the cap the caller set."""


class AnswerTooSlow(Exception):
    """The body was not complete before the caller's deadline."""


def read_body(
    response: requests.Response,
    *,
    deadline_s: float,
    max_bytes: int,
    clock: Callable[[], float] = time.monotonic,
    started: float | None = None,
) -> bytes:
    """The whole body of a ``stream=True`` response, or AnswerTooLarge / AnswerTooSlow.

    ``deadline_s`` counts from ``started`` (the moment the request was sent, when the caller
    has it) so the time to the first byte counts too. Each read returns what has arrived
    (``read1``), so a trickle is checked as it comes; requests' ``iter_content`` would wait
    for a whole chunk. Content-Encoding is undone as it arrives, so the cap holds for what a
    small gzip body unpacks to. The response is closed either way.
    """
    start = clock() if started is None else started
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        response.close()
        raise AnswerTooLarge(
            _("{size} bytes announced, more than {limit}").format(
                size=int(declared), limit=max_bytes
            )
        )
    chunks: list[bytes] = []
    size = 0
    try:
        while chunk := _read_some(response):
            size += len(chunk)
            if size > max_bytes:
                raise AnswerTooLarge(_("more than {limit} bytes").format(limit=max_bytes))
            if clock() - start > deadline_s:
                raise AnswerTooSlow(
                    _("not complete after {seconds} s").format(seconds=f"{deadline_s:g}")
                )
            chunks.append(chunk)
    finally:
        response.close()
    return b"".join(chunks)


def _read_some(response: requests.Response) -> bytes:
    """What has arrived of the body (b"" at its end), with urllib3's faults as requests' own."""
    try:
        data: bytes = response.raw.read1(CHUNK_BYTES, decode_content=True)
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise requests.exceptions.ReadTimeout(exc) from exc
    except urllib3.exceptions.DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(exc) from exc
    except urllib3.exceptions.SSLError as exc:
        raise requests.exceptions.SSLError(exc) from exc
    except urllib3.exceptions.ProtocolError as exc:
        raise requests.exceptions.ChunkedEncodingError(exc) from exc
    return data


# The moment (time.monotonic) by which this thread's request must have its headers, if any.
_header_deadline = threading.local()


@contextmanager
def headers_by(deadline: float) -> Iterator[None]:
    """Requests this thread sends within the block must have their headers by ``deadline``
    (``time.monotonic``), on a session with a DeadlineAdapter."""
    _header_deadline.at = deadline
    try:
        yield
    finally:
        _header_deadline.at = None


class _HeadersByDeadline:
    """A connection that cuts itself off when its status line and headers are not complete
    by the thread's deadline: http.client reads them line by line, each read bounded only by
    the read timeout, so a server sending a byte every 0.2 s would hold it for ever."""

    sock: socket.socket | None

    def getresponse(self) -> Any:
        deadline: float | None = getattr(_header_deadline, "at", None)
        if deadline is None:
            return super().getresponse()  # type: ignore[misc]
        timer = threading.Timer(max(deadline - time.monotonic(), 0.0), self._cut_off)
        timer.daemon = True
        timer.start()
        try:
            return super().getresponse()  # type: ignore[misc]
        finally:
            timer.cancel()

    def _cut_off(self) -> None:
        sock = self.sock
        # closed meanwhile (OSError): the answer came, or failed on its own
        if sock is not None:
            with contextlib.suppress(OSError):
                # the plain socket's shutdown, also under TLS: the reading thread then sees
                # the end of the stream and fails as with a server that hung up
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _HTTPConnection(_HeadersByDeadline, HTTPConnection):
    pass


class _HTTPSConnection(_HeadersByDeadline, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter, with connections that honour :func:`headers_by`."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def deadline_session(user_agent: str, adapter: DeadlineAdapter | None = None) -> requests.Session:
    """A session whose requests through :func:`bounded_get` have a deadline for the whole
    answer, headers included; no retries underneath unless the adapter says so."""
    session = requests.Session()
    session.headers["User-Agent"] = user_agent
    adapter = adapter or DeadlineAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


@dataclass(frozen=True)
class Answer:
    """A response whose body was read whole within the caller's limits."""

    status: int
    reason: str
    headers: requests.structures.CaseInsensitiveDict[str]
    body: bytes


def bounded_get(
    session: requests.Session,
    url: str,
    *,
    deadline_s: float,
    max_bytes: int,
    connect_timeout_s: float,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Answer:
    """GET ``url`` and read its answer within ``deadline_s`` from now, headers and body together.

    On a session from :func:`deadline_session` the headers must be complete by the deadline
    (a connection still receiving them is cut off); the body's deadline is checked as each
    piece arrives and a silent server is cut off by the read timeout (also ``deadline_s``), so
    no answer takes longer than twice the deadline. Raises AnswerTooSlow (a connect or read
    timeout too), AnswerTooLarge, or what else requests raises.
    """
    started = clock()
    try:
        with headers_by(time.monotonic() + deadline_s):
            response = session.get(
                url,
                headers=dict(headers or {}),
                params=dict(params or {}),
                stream=True,
                # the read timeout still bounds each wait for the next byte
                timeout=(min(connect_timeout_s, deadline_s), deadline_s),
            )
    except requests.Timeout as exc:
        raise AnswerTooSlow(
            _("no answer within {seconds} s").format(seconds=f"{deadline_s:g}")
        ) from exc
    except requests.ConnectionError as exc:
        if clock() - started >= deadline_s:  # cut off while its headers were trickling in
            raise AnswerTooSlow(
                _("no answer within {seconds} s").format(seconds=f"{deadline_s:g}")
            ) from exc
        raise
    try:
        body = read_body(
            response, deadline_s=deadline_s, max_bytes=max_bytes, clock=clock, started=started
        )
    except requests.Timeout as exc:
        raise AnswerTooSlow(
            _("not complete after {seconds} s").format(seconds=f"{deadline_s:g}")
        ) from exc
    return Answer(response.status_code, response.reason or "", response.headers, body)


def requested_wait_s(headers: Mapping[str, str]) -> float | None:
    """The wait a Retry-After header asks for (seconds or an HTTP date), or None without one."""
    value = headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    if value:
        try:
            return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
        except (TypeError, ValueError):
            return None
    return None


class WithHeaders(Protocol):
    """A response (requests' own, or an Answer): what Retry-After is read from."""

    @property
    def headers(self) -> Mapping[str, str]: ...


def retry_after_s(response: WithHeaders, *, default_s: float, cap_s: float) -> float:
    """How long a 429 or 503 asks us to wait, never longer than ``cap_s``."""
    wanted = requested_wait_s(response.headers)
    wait = default_s if wanted is None else wanted
    return min(max(wait, 0.0), cap_s)
