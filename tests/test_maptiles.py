"""The base map against the suite's tile server: cache, manners, faults and the raster itself."""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from PIL import EpsImagePlugin, Image

from generator import __version__
from generator.cli import main
from generator.errors import MapError
from generator.map.basemap import (
    BaseMap,
    attribution,
    make_base_map,
    neighbourhood_extent,
    tiles_of,
)
from generator.map.geometry import Extent, MapView, PageFrame, tile_to_lonlat
from generator.map.maptiles import (
    DEFAULT_LIFETIME_S,
    FETCH_THREADS,
    MAX_TILE_BYTES,
    OSM_TILE_URL,
    FetchPolicy,
    Tile,
    TileCache,
    TileFetcher,
    TileMap,
    TileSource,
    freshness,
    parse_tile_template,
)
from generator.map.runstate import MapBudget
from generator.model import (
    Address,
    CoordinateOrigin,
    Delimitation,
    LatLon,
    Organisation,
    ParticipantOrigin,
    Source,
    Team,
)
from generator.options import PackOptions, tile_keys, with_environment
from generator.progress import SilentProgress
from generator.resources import Templates
from generator.workbook import write_workbook
from tests.servers import POSTSCRIPT, GeocoderServer, TileServer, tile_colour

SITE = LatLon(lat=51.0560, lon=3.7410)
FRAME = (120.0, 90.0)  # a small frame keeps the tests fast: 20 to 30 tiles


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def policy(sleeps: Sleeps) -> FetchPolicy:
    return FetchPolicy(backoff_s=0.5, sleep=sleeps, connect_timeout_s=2, answer_timeout_s=2)


def team_at(site: LatLon | None = SITE, radius: int = 400) -> Team:
    organisation = Organisation(
        address=Address("Dampoortstraat 41", "9000", "Gent"),
        coordinates=site,
        coordinate_origin=CoordinateOrigin.WORKBOOK if site else CoordinateOrigin.NOT_PLACED,
        name="Buurthuis De Oever vzw",
        site="Vestiging Dampoort",
        neighbourhood_name="Dampoort",
        delimitation=Delimitation.SITE,
        radius_m=radius,
        contact="",
        email="",
        session_date=None,
        source=Source("Organisatie", 2),
    )
    return Team(workbook=Path("team.xlsx"), organisation=organisation)


def base_map(
    tmp_path: Path,
    policy: FetchPolicy,
    progress: SilentProgress | None = None,
    team: Team | None = None,
    frame: tuple[float, float] = FRAME,
    **options: object,
) -> BaseMap:
    return make_base_map(
        team or team_at(),
        frame,
        PackOptions(cache_dir=tmp_path / "cache", contact="test@example.org", **options),  # type: ignore[arg-type]
        tmp_path / "work",
        progress or SilentProgress(),
        policy=policy,
    )


def test_base_map_shows_the_tiles_where_the_view_says(
    tile_server: TileServer, tmp_path: Path, policy: FetchPolicy
) -> None:
    progress = SilentProgress()
    result = base_map(tmp_path, policy, progress, tile_url=tile_server.url)
    assert result.image is not None and result.warning is None
    view = result.view
    assert progress.advanced == len(tiles_of(view)) == tile_server.count
    with Image.open(result.image) as image:
        assert image.format == "JPEG"
        assert image.size == (view.width_px, view.height_px)
        for z, x, y in tiles_of(view)[::5]:
            lon, lat = tile_to_lonlat(x + 0.45, y + 0.55, z)  # inside a grid cell, off the text
            px, py = view.to_pixel(LatLon(lat=lat, lon=lon))
            if 0 <= px < view.width_px and 0 <= py < view.height_px:
                pixel = image.getpixel((int(px), int(py)))
                assert isinstance(pixel, tuple)
                assert pixel == pytest.approx(tile_colour(z, x, y), abs=6)
    ppi = view.width_px / (FRAME[0] / 25.4)
    assert 100 <= ppi <= 200


def test_view_is_staticmaps_own(tile_server: TileServer, tmp_path: Path) -> None:
    source = parse_tile_template(tile_server.url)
    fetcher = TileFetcher(
        source, TileCache(tmp_path), contact=None, offline=False, progress=SilentProgress()
    )
    expected = MapView.around(SITE, 16, 300, 200)
    tile_map = TileMap(300, 200, fetcher, 256)
    tile_map.render(zoom=16, center=(SITE.lon, SITE.lat))
    fetcher.close()
    assert tile_map.zoom == expected.zoom
    assert tile_map.x_center == pytest.approx(expected.center_x, abs=1e-9)
    assert tile_map.y_center == pytest.approx(expected.center_y, abs=1e-9)


def test_warm_cache_means_no_request_on_the_second_run(
    tile_server: TileServer, tmp_path: Path, policy: FetchPolicy
) -> None:
    first = base_map(tmp_path, policy, tile_url=tile_server.url)
    fetched = tile_server.count
    assert fetched > 0
    second = base_map(tmp_path, policy, tile_url=tile_server.url)
    assert tile_server.count == fetched
    assert first.image is not None and second.image is not None
    assert first.image.read_bytes() == second.image.read_bytes()
    offline = base_map(tmp_path, policy, tile_url=tile_server.url, offline=True)
    assert offline.image is not None and tile_server.count == fetched


def test_every_request_identifies_buurtkaart_and_its_user(
    tile_server: TileServer, tmp_path: Path, policy: FetchPolicy
) -> None:
    base_map(tmp_path, policy, tile_url=tile_server.url)
    assert set(tile_server.user_agents) == {f"buurtkaart/{__version__} (test@example.org)"}
    blocked = requests.get(tile_server.url.format(z=1, x=0, y=0), timeout=2)
    assert blocked.status_code == 403  # the server refuses requests' default User-Agent


def test_429_then_200_waits_as_told_and_completes(
    tile_server: TileServer, tmp_path: Path, policy: FetchPolicy, sleeps: Sleeps
) -> None:
    tile_server.mode = "429-once"
    result = base_map(tmp_path, policy, tile_url=tile_server.url)
    assert result.image is not None and result.warning is None
    assert tile_server.statuses.count(429) == len(tiles_of(result.view))
    assert sleeps.waits and set(sleeps.waits) == {1.0}  # Retry-After: 1


def test_503_for_ever_gives_a_plain_background_and_one_warning(
    tile_server: TileServer, tmp_path: Path, policy: FetchPolicy, sleeps: Sleeps
) -> None:
    tile_server.mode = "503"
    progress = SilentProgress()
    result = base_map(tmp_path, policy, progress, tile_url=tile_server.url)
    assert result.image is None
    assert progress.warnings == [result.warning]
    assert result.warning is not None
    assert result.warning.startswith(
        "team.xlsx: geen kaarttegels te krijgen van 127.0.0.1 (HTTP 503"
    )
    assert "--tiles URL" in result.warning and "BUURTKAART_TILE_URL" in result.warning
    # gives up once three tiles failed (plus those already in flight), not three tries per tile
    assert tile_server.count <= (3 + 4) * 3 < 3 * len(tiles_of(result.view))
    assert sleeps.waits[:2] == [0.5, 1.0]  # exponential back-off
    assert result.attribution.startswith("© OpenStreetMap-bijdragers")


def test_some_tiles_missing_is_one_warning_naming_the_workbook(
    tile_server: TileServer, tmp_path: Path, policy: FetchPolicy
) -> None:
    tile_server.mode = "503-checkered"
    progress = SilentProgress()
    patient = dataclasses.replace(policy, give_up_after=1000)
    result = base_map(tmp_path, patient, progress, tile_url=tile_server.url)
    assert result.image is not None
    tiles = tiles_of(result.view)
    odd = sum(1 for _, x, y in tiles if (x + y) % 2)
    assert progress.warnings == [result.warning]
    assert result.warning is not None
    assert result.warning.startswith(
        f"team.xlsx: {odd} van {len(tiles)} kaarttegels waren niet te krijgen van 127.0.0.1 "
        "(HTTP 503"
    )


def test_a_cache_that_cannot_be_written_is_one_warning_not_a_failure(
    tile_server: TileServer, tmp_path: Path, policy: FetchPolicy
) -> None:
    (tmp_path / "cache").write_text("a file where the cache folder should be")
    progress = SilentProgress()
    result = base_map(tmp_path, policy, progress, tile_url=tile_server.url)
    assert result.image is not None and result.warning is None
    folder = tmp_path / "cache" / "tiles" / "127.0.0.1"
    assert progress.warnings == [
        f"in de bewaarmap {folder} kan niet geschreven worden (Not a directory), dus wat nu "
        "opgehaald is, wordt de volgende keer opnieuw opgehaald; maak die map schrijfbaar, of zet "
        "BUURTKAART_CACHE_DIR op een map waarin je kunt schrijven (in PowerShell: "
        '$env:BUURTKAART_CACHE_DIR = "map"; in cmd: set BUURTKAART_CACHE_DIR=map; in een shell '
        'op macOS of Linux: export BUURTKAART_CACHE_DIR="map")'
    ]


def test_a_200_with_an_html_body_is_not_a_tile(
    tile_server: TileServer, tmp_path: Path, policy: FetchPolicy
) -> None:
    tile_server.mode = "html"
    result = base_map(tmp_path, policy, tile_url=tile_server.url)
    assert result.image is None
    assert result.warning is not None and "text/html in plaats van een afbeelding" in result.warning
    assert not list((tmp_path / "cache").rglob("*.tile"))


def test_a_refused_port_fails_fast_with_one_warning(
    refused_port: int, tmp_path: Path, policy: FetchPolicy
) -> None:
    progress = SilentProgress()
    url = f"http://127.0.0.1:{refused_port}/{{z}}/{{x}}/{{y}}.png"
    result = base_map(tmp_path, policy, progress, tile_url=url)
    assert result.image is None
    assert len(progress.warnings) == 1
    assert "geen verbinding met 127.0.0.1" in progress.warnings[0]


def test_no_test_can_reach_beyond_the_loopback_address(tile_server: TileServer) -> None:
    with pytest.raises(ConnectionRefusedError, match="tests stay offline"):
        socket.create_connection(("192.0.2.1", 80), timeout=0.5)
    with pytest.raises(socket.gaierror, match="tests stay offline"):
        socket.getaddrinfo("tile.openstreetmap.org", 443)
    with pytest.raises(requests.ConnectionError, match="tests stay offline"):
        requests.get(OSM_TILE_URL.format(z=0, x=0, y=0), timeout=0.5)
    answer = requests.get(tile_server.url.format(z=1, x=0, y=0), timeout=2)
    assert answer.status_code == 403  # the loopback server still answers


def test_the_environment_of_the_tests_points_at_a_refused_port(
    tmp_path: Path, policy: FetchPolicy
) -> None:
    environment = with_environment(PackOptions())
    result = base_map(tmp_path, policy, tile_url=environment.tile_url)
    assert result.image is None and result.warning is not None
    assert "geen verbinding met 127.0.0.1" in result.warning


def test_without_options_the_map_stage_reads_no_environment_and_asks_openstreetmap(
    tmp_path: Path, policy: FetchPolicy
) -> None:
    result = base_map(tmp_path, policy)  # the suite's guard refuses every host but loopback
    assert result.warning is not None
    assert "(geen verbinding met tile.openstreetmap.org)" in result.warning


def test_offline_with_an_empty_cache_asks_nothing(
    tile_server: TileServer, tmp_path: Path, policy: FetchPolicy
) -> None:
    result = base_map(tmp_path, policy, tile_url=tile_server.url, offline=True)
    assert result.image is None and tile_server.count == 0
    assert result.warning is not None and "--offline" in result.warning


def test_stale_tiles_are_revalidated_with_their_etag(
    tile_server: TileServer, tmp_path: Path, policy: FetchPolicy
) -> None:
    tile_server.etag = True
    tile_server.cache_control = "max-age=0"
    first = base_map(tmp_path, policy, tile_url=tile_server.url)
    count = tile_server.count
    second = base_map(tmp_path, policy, tile_url=tile_server.url)
    assert tile_server.count == 2 * count
    assert len(tile_server.conditional) == count
    assert tile_server.statuses[count:] == [304] * count
    assert first.image is not None and second.image is not None
    assert first.image.read_bytes() == second.image.read_bytes()


def test_retina_template_fetches_512_pixel_tiles(
    tile_server: TileServer, tmp_path: Path, policy: FetchPolicy
) -> None:
    url = tile_server.url.replace(".png", "{r}.png")
    result = base_map(tmp_path, policy, tile_url=url)
    assert result.view.tile_size == 512 and result.image is not None
    assert all(path.endswith("@2x.png") for path in tile_server.paths)
    ppi = result.view.width_px / (FRAME[0] / 25.4)
    assert 200 <= ppi <= 400  # 100 to 200 in 256-px tile pixels


def test_a_server_sending_256_px_to_a_retina_template_still_gives_a_map(
    tile_server: TileServer, tmp_path: Path, policy: FetchPolicy
) -> None:
    tile_server.mode = "wrong-size"
    result = base_map(tmp_path, policy, tile_url=tile_server.url.replace(".png", "{r}.png"))
    assert result.view.tile_size == 256 and result.image is not None
    assert result.warning is None


def test_api_key_comes_from_the_environment_and_stays_out_of_the_cache(
    tile_server: TileServer, tmp_path: Path, policy: FetchPolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TILE_KEY", "s3cret/key")
    template = tile_server.url + "?key={env:TILE_KEY}"
    result = base_map(tmp_path, policy, tile_url=template, tile_keys=tile_keys(template))
    assert result.image is not None
    assert all(raw.endswith("?key=s3cret%2Fkey") for raw in tile_server.raw)
    metadata = " ".join(path.read_text() for path in (tmp_path / "cache").rglob("*.json"))
    assert "{env:TILE_KEY}" in metadata and "s3cret" not in metadata
    monkeypatch.delenv("TILE_KEY")
    with pytest.raises(MapError, match=r"TILE_KEY is niet ingesteld; zet er je API-sleutel in"):
        base_map(tmp_path, policy, tile_url=template, tile_keys=tile_keys(template))


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("tiles.example.org/{z}/{x}/{y}.png", "is geen http"),
        ("https://tiles.example.org/{z}/{x}.png", r"ontbreekt \{y\}"),
        (
            "https://tiles.example.org/{z}/{x}/{y}.png?{apikey}",
            r"onbekende plaatshouder \{apikey\}",
        ),
        ("http://tile.openstreetmap.org/{z}/{x}/{y}.png", "moet via https gebruikt worden"),
        ("http://localhost:abc/{z}/{x}/{y}.png", "heeft een poort die geen getal"),
        ("http://localhost:70000/{z}/{x}/{y}.png", "heeft een poort die geen getal"),
        ("http://:8080/{z}/{x}/{y}.png", "is geen http"),
    ],
)
def test_malformed_templates_say_what_is_wrong(template: str, message: str) -> None:
    with pytest.raises(MapError, match=message):
        parse_tile_template(template)


def test_an_undecodable_answer_is_one_warning_that_keeps_the_key_secret(
    tile_server: TileServer, tmp_path: Path, policy: FetchPolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    tile_server.mode = "bad-gzip"
    progress = SilentProgress()
    result = base_map(
        tmp_path,
        policy,
        progress,
        tile_url=tile_server.url + "?key={env:TILE_KEY}",
        tile_keys={"TILE_KEY": "s3cret"},
    )
    assert result.image is None
    assert progress.warnings == [result.warning]
    assert result.warning is not None
    assert "(de vraag aan 127.0.0.1 mislukte (ContentDecodingError))" in result.warning
    assert "s3cret" not in result.warning


def test_osm_tile_budget_stops_the_run_before_any_request(
    tmp_path: Path, policy: FetchPolicy
) -> None:
    # The count is checked before a fetcher exists, so this never reaches the OSM server.
    with pytest.raises(MapError) as raised:
        base_map(tmp_path, policy, tile_url=OSM_TILE_URL, tile_budget=5)
    message = str(raised.value)
    assert "12 tegels van tile.openstreetmap.org, meer dan de 5 die buurtkaart" in message
    assert "--tiles URL of de omgevingsvariabele BUURTKAART_TILE_URL" in message
    assert not (tmp_path / "cache").exists()


def test_at_most_two_connections_to_the_osm_server(
    tile_server: TileServer, tmp_path: Path, policy: FetchPolicy
) -> None:
    tile_server.hold_until_parallel = 2  # so two requests overlap whenever the client allows
    local = parse_tile_template(tile_server.url)
    posing_as_osm = dataclasses.replace(local, host="tile.openstreetmap.org")
    assert posing_as_osm.is_osm
    fetcher = TileFetcher(
        posing_as_osm,
        TileCache(tmp_path),
        contact=None,
        offline=False,
        progress=SilentProgress(),
        policy=policy,
    )
    tile_map = TileMap(1024, 768, fetcher, 256)
    tile_map.render(zoom=15, center=(SITE.lon, SITE.lat))
    fetcher.close()
    assert tile_server.count >= 12 and not tile_map.missing
    assert tile_server.max_parallel <= 2  # the cap
    assert tile_server.max_parallel == 2  # and the held requests did overlap


def test_low_ink_map_is_grey_and_faded(
    tile_server: TileServer, tmp_path: Path, policy: FetchPolicy
) -> None:
    result = base_map(tmp_path, policy, tile_url=tile_server.url, low_ink=True)
    assert result.low_ink and result.image is not None
    with Image.open(result.image) as image:
        assert image.mode == "L"
        darkest, _ = image.getextrema()
        assert isinstance(darkest, int) and darkest >= 100  # grid and text faded


def test_nothing_placed_gives_no_map_and_says_why(tmp_path: Path, policy: FetchPolicy) -> None:
    progress = SilentProgress()
    result = base_map(tmp_path, policy, progress, team=team_at(site=None))
    assert result.image is None
    assert progress.warnings == [
        "team.xlsx: geen enkel adres of coördinaat kon op de kaart, dus er is geen basiskaart; "
        "typ de coördinaten van de vestiging op het blad 'Organisatie'"
    ]


def test_participants_extent_holds_them_with_a_margin() -> None:
    team = team_at()
    far = LatLon(lat=51.07, lon=3.76)
    participant = ParticipantOrigin(
        address=Address("Kongostraat", "9000", "Gent"),
        coordinates=far,
        coordinate_origin=CoordinateOrigin.WORKBOOK,
        count=4,
        source=Source("Deelnemers", 2),
    )
    organisation = dataclasses.replace(team.organisation, delimitation=Delimitation.PARTICIPANTS)
    placed = team.replace(organisation=organisation, participants=(participant,))
    extent = neighbourhood_extent(placed)
    assert isinstance(extent, Extent)
    assert extent.south < SITE.lat < far.lat < extent.north
    assert extent.west < SITE.lon < far.lon < extent.east


def test_freshness_follows_the_servers_headers() -> None:
    def headers(**values: str) -> requests.structures.CaseInsensitiveDict[str]:
        return requests.structures.CaseInsensitiveDict(
            {name.replace("_", "-"): value for name, value in values.items()}
        )

    assert freshness(headers(Cache_Control="max-age=600"), 1000.0) == 1600.0
    assert freshness(headers(Cache_Control="no-store"), 1000.0) is None
    assert freshness(headers(Cache_Control="no-cache"), 1000.0) == 1000.0
    assert freshness(headers(Expires="Thu, 01 Jan 1970 00:20:00 GMT"), 1000.0) == 1200.0
    assert freshness(headers(), 1000.0) == 1000.0 + DEFAULT_LIFETIME_S


def test_attribution_names_the_provider_when_not_osm() -> None:
    templates = Templates()
    assert attribution(parse_tile_template(None), templates) == (
        "© OpenStreetMap-bijdragers, openstreetmap.org/copyright"
    )
    maptiler = parse_tile_template("https://api.maptiler.com/maps/streets/{z}/{x}/{y}.png")
    assert attribution(maptiler, templates).endswith(" · © MapTiler")
    other = parse_tile_template("https://tiles.example.org/{z}/{x}/{y}.png")
    assert attribution(other, templates).endswith(" · kaarttegels: tiles.example.org")


def test_tile_source_keeps_secrets_out_of_its_public_urls() -> None:
    source = parse_tile_template(
        "https://{s}.example.org/{z}/{x}/{y}{r}.png?k={env:KEY}", {"KEY": "abc"}
    )
    assert isinstance(source, TileSource) and source.tile_size == 512
    public = source.public_url(3, 4, 5)
    assert public == "https://a.example.org/3/4/5@2x.png?k={env:KEY}"
    assert source.resolve(public) == "https://a.example.org/3/4/5@2x.png?k=abc"


class _TakenMeanwhile(dict[str, Tile]):
    """The probed tile, taken by another fetching thread right after a membership check."""

    def __contains__(self, key: object) -> bool:
        found = dict.__contains__(self, key)
        self.pop(str(key), None)
        return found


def test_a_probed_tile_taken_by_another_thread_is_fetched_not_a_key_error(
    tile_server: TileServer, tmp_path: Path, policy: FetchPolicy
) -> None:
    fetcher = TileFetcher(
        parse_tile_template(tile_server.url),
        TileCache(tmp_path),
        contact=None,
        offline=False,
        progress=SilentProgress(),
        policy=policy,
    )
    url = fetcher.source.public_url(16, 33449, 21923)
    probed = Tile(b"probed", Image.new("RGB", (256, 256)))
    fetcher._probed = _TakenMeanwhile({url: probed})
    first, second = fetcher.fetch(url), fetcher.fetch(url)
    fetcher.close()
    assert first is probed  # taken in one step under the lock, never checked then popped
    assert second is not None and second.body.startswith(b"\x89PNG")
    assert tile_server.count == 1


class _GhostscriptRuns:
    """Stands in for Pillow's Ghostscript call and counts how often PostScript reached it."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, *args: object, **kwargs: object) -> Image.Image:
        self.calls += 1
        raise OSError("Ghostscript must not run")


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("postscript", "de server stuurde iets wat geen PNG-, JPEG- of WebP-afbeelding is"),
        ("oversized", "de server stuurde tegels van 2048 x 2048 px, niet 256 x 256"),
        ("huge-png", "de server stuurde een afbeelding met veel meer pixels dan een tegel"),
        ("gzip-bomb", f"de server stuurde een tegel van meer dan {MAX_TILE_BYTES} bytes"),
        ("429-long", "HTTP 429: de server vraagt 100000 s te wachten"),
    ],
)
def test_a_hostile_tile_server_costs_the_map_not_the_pack(
    tile_server: TileServer,
    tmp_path: Path,
    policy: FetchPolicy,
    sleeps: Sleeps,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    reason: str,
) -> None:
    ghostscript = _GhostscriptRuns()
    monkeypatch.setattr(EpsImagePlugin, "Ghostscript", ghostscript)
    tile_server.mode = mode
    progress = SilentProgress()
    result = base_map(tmp_path, policy, progress, tile_url=tile_server.url)
    assert result.image is None
    assert result.view.tile_size == 256  # the probe did not take a 2048-px tile as the size
    assert progress.warnings == [
        f"team.xlsx: geen kaarttegels te krijgen van 127.0.0.1 ({reason}); de kaart krijgt een "
        "effen achtergrond onder de markeringen. Probeer later opnieuw, of " + HOW_TO_SWITCH
    ]
    assert ghostscript.calls == 0
    assert all(wait <= policy.max_wait_s for wait in sleeps.waits)
    assert not list((tmp_path / "cache").rglob("*.tile"))


def test_a_tile_trickled_byte_by_byte_is_cut_off_at_its_deadline(
    tile_server: TileServer, tmp_path: Path, policy: FetchPolicy
) -> None:
    tile_server.mode = "trickle"  # a 1 KB tile at 20 bytes a second: about a minute
    fetcher = TileFetcher(
        parse_tile_template(tile_server.url),
        TileCache(tmp_path),
        contact=None,
        offline=False,
        progress=SilentProgress(),
        policy=dataclasses.replace(policy, answer_timeout_s=0.3),
    )
    url = fetcher.source.public_url(16, 33449, 21923)
    assert fetcher.fetch(url) is None
    fetcher.close()
    assert fetcher.failures == {url: "niet volledig na 0.3 s"}
    assert tile_server.count == 1


def test_missing_columns_of_tiles_leave_the_rest_of_the_map(
    tile_server: TileServer, tmp_path: Path, policy: FetchPolicy
) -> None:
    tile_server.mode = "404-columns"
    progress = SilentProgress()
    # tall, so a missing column is more tiles in a row than the fetcher has threads
    tall = (FRAME[0], 4 * FRAME[1])
    result = base_map(tmp_path, policy, progress, frame=tall, tile_url=tile_server.url)
    tiles = tiles_of(result.view)
    missing = sum(1 for _, x, _ in tiles if x % 4 == 0)
    assert 0 < missing < len(tiles) and result.image is not None
    assert progress.warnings == [result.warning]
    assert result.warning is not None
    assert result.warning.startswith(
        f"team.xlsx: {missing} van {len(tiles)} kaarttegels waren niet te krijgen van 127.0.0.1 "
        "(HTTP 404 Not Found); ze blijven wit op de kaart."
    )
    assert tile_server.count == len(tiles)  # each asked once: a 404 is not worth a retry


def test_a_damaged_tile_in_the_cache_is_dropped_and_fetched_again(
    tile_server: TileServer, tmp_path: Path, policy: FetchPolicy
) -> None:
    first = base_map(tmp_path, policy, tile_url=tile_server.url)
    assert first.image is not None
    fetched = tile_server.count
    cached = sorted((tmp_path / "cache").rglob("*.tile"))
    assert len(cached) == fetched
    cached[0].write_bytes(POSTSCRIPT)  # not even an image
    cached[1].write_bytes(cached[1].read_bytes()[:200])  # a PNG cut short
    progress = SilentProgress()
    second = base_map(tmp_path, policy, progress, tile_url=tile_server.url)
    assert second.image is not None and progress.warnings == []
    assert second.image.read_bytes() == first.image.read_bytes()
    assert tile_server.count == fetched + 2
    assert cached[0].read_bytes().startswith(b"\x89PNG")


def test_the_tiles_stop_when_the_packs_map_budget_is_spent_and_the_map_goes_on_without_them(
    tile_server: TileServer, tmp_path: Path, policy: FetchPolicy
) -> None:
    def seconds() -> float:  # one second passes with each request the server sees
        return float(tile_server.count)

    progress = SilentProgress()
    result = make_base_map(
        team_at(),
        FRAME,
        PackOptions(cache_dir=tmp_path / "cache", tile_url=tile_server.url),
        tmp_path / "work",
        progress,
        policy=policy,
        budget=MapBudget(5, clock=seconds),
    )
    tiles = tiles_of(result.view)
    assert result.image is not None  # the tiles fetched in time are on the map
    assert 5 <= tile_server.count <= 5 + FETCH_THREADS < len(tiles)
    assert progress.warnings == [result.warning]
    assert result.warning is not None
    assert result.warning.startswith(
        f"team.xlsx: {len(tiles) - tile_server.count} van {len(tiles)} kaarttegels waren niet te "
        "krijgen van 127.0.0.1 (de 5 s die de kaart van één pakket mocht duren, zijn om)"
    )


# The fix every tile server's fault names, as a Dutch user reads it.
HOW_TO_SWITCH = (
    "gebruik een andere tegelserver met --tiles URL of de omgevingsvariabele BUURTKAART_TILE_URL "
    "(een XYZ-sjabloon zoals https://tiles.example.org/{z}/{x}/{y}{r}.png?key={env:TILE_KEY})"
)


@pytest.fixture(scope="module")
def shared_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example workbook, written once for the module; the tests only read it."""
    path = tmp_path_factory.mktemp("example") / "voorbeeld.xlsx"
    write_workbook(path, example=True)
    return path


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (
            "http://127.0.0.1:8080/{z}/{x}/{y}.png{",
            "het URL-sjabloon 'http://127.0.0.1:8080/{z}/{x}/{y}.png{' heeft een '{' of '}' die "
            "geen plaatshouder opent of sluit; schrijf plaatshouders volledig, als {z} {x} {y} "
            "{s} {r} {env:NAME}",
        ),
        (
            "http://127.0.0.1:8080/{z}}/{x}/{y}.png",
            "het URL-sjabloon 'http://127.0.0.1:8080/{z}}/{x}/{y}.png' heeft een '{' of '}' die "
            "geen plaatshouder opent of sluit; schrijf plaatshouders volledig, als {z} {x} {y} "
            "{s} {r} {env:NAME}",
        ),
        (
            "http://127.0.0.1:99999/{z}/{x}/{y}.png",
            "het URL-sjabloon 'http://127.0.0.1:99999/{z}/{x}/{y}.png' heeft een poort die geen "
            "getal van 0 tot 65535 is; schrijf ze als https://host:8080/{z}/{x}/{y}.png, of laat "
            "de poort weg",
        ),
        (
            "file:///tiles/{z}/{x}/{y}.png",
            "het URL-sjabloon 'file:///tiles/{z}/{x}/{y}.png' is geen http(s)-URL; "
            + HOW_TO_SWITCH,
        ),
        (
            "http://127.0.0.1:8080/{z.real}/{x}/{y}.png",
            "het URL-sjabloon 'http://127.0.0.1:8080/{z.real}/{x}/{y}.png' heeft een onbekende "
            "plaatshouder {z.real}; bekend zijn {z} {x} {y} {s} {r} {env:NAME}",
        ),
    ],
)
def test_a_malformed_tiles_option_is_a_usage_error_before_anything_runs(
    runner: CliRunner,
    shared_workbook: Path,
    tmp_path: Path,
    geocoder_server: GeocoderServer,
    monkeypatch: pytest.MonkeyPatch,
    template: str,
    message: str,
) -> None:
    monkeypatch.setenv("BUURTKAART_GEOCODER_URL", geocoder_server.url)
    out = tmp_path / "out"
    arguments = ["generate", str(shared_workbook), "--out", str(out), "--tiles", template]
    result = runner.invoke(main, arguments, catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stderr.endswith(f"Fout: Ongeldige waarde voor '--tiles': {message}\n")
    assert geocoder_server.count == 0 and not out.exists()
    from_environment = runner.invoke(
        main,
        ["generate", str(shared_workbook), "--out", str(out)],
        env={"BUURTKAART_TILE_URL": template},
        catch_exceptions=False,
    )
    assert from_environment.exit_code == 2
    assert from_environment.stderr.endswith(f"Fout: Ongeldige waarde voor '--tiles': {message}\n")


FIJI = (LatLon(lat=-16.78, lon=179.97), LatLon(lat=-16.80, lon=-179.96))  # Taveuni's two sides


def team_of_participants(points: tuple[LatLon, ...]) -> Team:
    team = team_at(site=points[0])
    participants = tuple(
        ParticipantOrigin(
            address=Address(f"Straat {number}", "9000", "Gent"),
            coordinates=point,
            coordinate_origin=CoordinateOrigin.WORKBOOK,
            count=4,
            source=Source("Deelnemers", number + 2),
        )
        for number, point in enumerate(points)
    )
    organisation = dataclasses.replace(team.organisation, delimitation=Delimitation.PARTICIPANTS)
    return team.replace(organisation=organisation, participants=participants)


def test_a_neighbourhood_across_the_date_line_is_drawn_at_its_own_scale(
    tile_server: TileServer, tmp_path: Path, policy: FetchPolicy
) -> None:
    placed = team_of_participants(FIJI)
    extent = neighbourhood_extent(placed)
    assert extent is not None and extent.west < 179.97 and extent.east > 180.04
    result = base_map(tmp_path, policy, team=placed, tile_url=tile_server.url)
    assert result.image is not None and result.warning is None
    # the same two points ten degrees west, away from the date line, give the same map
    west = tuple(LatLon(lat=point.lat, lon=(point.lon + 170.0) % 360 - 180) for point in FIJI)
    control = base_map(tmp_path, policy, team=team_of_participants(west), tile_url=tile_server.url)
    frame = PageFrame(0, 0, FRAME[0] / 25.4 * 72, FRAME[1] / 25.4 * 72)
    scale = frame.scale_denominator(result.view)
    assert result.view.zoom == control.view.zoom == 13
    assert scale == pytest.approx(frame.scale_denominator(control.view), rel=1e-3)
    assert scale < 100_000  # not 1:97,000,000
    for point in FIJI:
        assert result.view.contains(point)
    (west_x, _), (east_x, _) = (result.view.to_pixel(point) for point in FIJI)
    assert west_x < east_x  # 179.97 is drawn west of -179.96, as on the ground
