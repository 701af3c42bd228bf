"""Bounded HTTP answers: a deadline for the whole body and a cap on its size.

requests' read timeout applies to each read, not to the answer, so a server that trickles a
byte a second never times out; and a server's Retry-After is a wish, not an order. Every
client of the map stage (tiles, Overpass, geocoding) reads its answers through here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Protocol

import requests
import urllib3

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
        raise AnswerTooLarge(f"{int(declared)} bytes announced, more than {max_bytes}")
    chunks: list[bytes] = []
    size = 0
    try:
        while chunk := _read_some(response):
            size += len(chunk)
            if size > max_bytes:
                raise AnswerTooLarge(f"more than {max_bytes} bytes")
            if clock() - start > deadline_s:
                raise AnswerTooSlow(f"not complete after {deadline_s:g} s")
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

    The deadline is checked as each piece arrives and a silent server is cut off by the read
    timeout (also ``deadline_s``), so no answer takes longer than twice the deadline. Raises
    AnswerTooSlow (a connect or read timeout too), AnswerTooLarge, or what else requests
    raises.
    """
    started = clock()
    try:
        response = session.get(
            url,
            headers=dict(headers or {}),
            params=dict(params or {}),
            stream=True,
            # the read timeout still bounds each wait for the next byte, the headers' too
            timeout=(min(connect_timeout_s, deadline_s), deadline_s),
        )
    except requests.Timeout as exc:
        raise AnswerTooSlow(f"no answer within {deadline_s:g} s") from exc
    try:
        body = read_body(
            response, deadline_s=deadline_s, max_bytes=max_bytes, clock=clock, started=started
        )
    except requests.Timeout as exc:
        raise AnswerTooSlow(f"not complete after {deadline_s:g} s") from exc
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
