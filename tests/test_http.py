"""Every answer has a deadline as a whole: a server that trickles its headers is cut off too."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from generator.map.geometry import Extent
from generator.map.http import AnswerTooSlow, bounded_get, deadline_session
from generator.map.mapdata import MapDataSource
from generator.map.maptiles import FetchPolicy, TileCache, TileFetcher, parse_tile_template
from generator.map.osmdata import MapDataUnavailable
from generator.map.overpass import OverpassPolicy
from generator.options import PackOptions
from generator.progress import SilentProgress
from tests.servers import header_trickler

# 140 bytes of status line and headers: at a byte every 0.2 s, half a minute
HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nCache-Control: max-age=604800\r\n"
    b"X-Padding: " + b"p" * 40 + b"\r\nContent-Length: 0\r\n\r\n"
)


def test_headers_trickled_a_byte_at_a_time_are_cut_off_at_the_answers_deadline() -> None:
    session = deadline_session("buurtkaart-test")
    with header_trickler(HEAD) as server:
        with pytest.raises(AnswerTooSlow, match=r"^geen antwoord binnen 1 s$"):
            bounded_get(
                session,
                server.url + "/search",
                deadline_s=1.0,
                max_bytes=1024,
                connect_timeout_s=1.0,
            )
        sent = server.sent
    session.close()
    assert 0 < sent < len(HEAD)  # the connection was dropped while its headers came in


def test_a_tile_server_trickling_its_headers_costs_one_deadline_not_the_whole_head(
    tmp_path: Path,
) -> None:
    with header_trickler(HEAD) as server:
        fetcher = TileFetcher(
            parse_tile_template(server.url + "/{z}/{x}/{y}.png"),
            TileCache(tmp_path),
            contact=None,
            offline=False,
            progress=SilentProgress(),
            policy=dataclasses.replace(FetchPolicy(), answer_timeout_s=0.6),
        )
        url = fetcher.source.public_url(16, 33449, 21923)
        assert fetcher.fetch(url) is None
        fetcher.close()
        sent = server.sent
    assert fetcher.failures == {url: "geen antwoord binnen 0.6 s"}
    assert sent < len(HEAD)


def test_an_overpass_server_trickling_its_headers_is_cut_off_within_the_deadline(
    tmp_path: Path,
) -> None:
    with header_trickler(HEAD) as server:
        options = PackOptions(overpass_url=server.url + "/api/interpreter", cache_dir=tmp_path)
        policy = OverpassPolicy(attempts=1, deadline_s=0.6, read_timeout_s=5.0)
        source = MapDataSource(options, SilentProgress(), policy=policy)
        with pytest.raises(MapDataUnavailable) as caught:
            source.get(Extent(51.05, 3.73, 51.06, 3.75))
        source.close()
        sent = server.sent
    assert caught.value.reason == ("de Overpass-server op 127.0.0.1 antwoordde niet binnen 0.6 s")
    assert sent < len(HEAD)
