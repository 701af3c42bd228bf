"""Bounded HTTP answers: a deadline for the whole body and a cap on its size.

requests' read timeout applies to each read, not to the answer, so a server that trickles a
byte a second never times out; and a server's Retry-After is a wish, not an order. Every
client of the map stage (tiles, Overpass, geocoding) reads its answers through here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime

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
    has it) so the time to the first byte counts too. The response is closed either way.
    """
    start = clock() if started is None else started
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        response.close()
        raise AnswerTooLarge(f"{int(declared)} bytes announced, more than {max_bytes}")
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in _arriving(response):
            size += len(chunk)
            if size > max_bytes:
                raise AnswerTooLarge(f"more than {max_bytes} bytes")
            if clock() - start > deadline_s:
                raise AnswerTooSlow(f"not complete after {deadline_s:g} s")
            chunks.append(chunk)
    finally:
        response.close()
    return b"".join(chunks)


def _arriving(response: requests.Response) -> Iterator[bytes]:
    """The body as it arrives, decoded. ``iter_content`` would wait for each chunk to fill (64
    KB at a byte a second is 18 hours); ``read1`` returns whatever one read from the socket
    gave, so the deadline is checked as the bytes come in."""
    try:
        while chunk := response.raw.read1(CHUNK_BYTES, decode_content=True):
            yield chunk
    except urllib3.exceptions.HTTPError as exc:  # as requests' iter_content would say it
        raise requests.ConnectionError(exc) from exc


def retry_after_s(response: requests.Response, *, default_s: float, cap_s: float) -> float:
    """How long a 429 or 503 asks us to wait, never longer than ``cap_s``."""
    value = response.headers.get("Retry-After", "").strip()
    wait = default_s
    if value.isdigit():
        wait = float(value)
    elif value:
        try:
            wait = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            wait = default_s
    return min(max(wait, 0.0), cap_s)
