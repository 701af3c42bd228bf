"""One time budget for the map stage of a pack: geocoding, map data and tiles draw on it together,
and a pack whose map it cut short is written without what is missing, and listed incomplete."""

from __future__ import annotations

from pathlib import Path

from generator.map.stage import map_stage
from generator.model import Address, LatLon
from generator.options import PackOptions
from generator.pack import lacks
from generator.progress import SilentProgress
from tests.servers import GeocoderServer, OverpassServer, TileServer
from tests.test_geocode import partner
from tests.test_maptiles import FRAME, team_at

SPENT = "de {seconds} s die de kaart van één pakket mocht duren, zijn om"


def test_slow_tiles_stop_at_the_packs_budget_and_the_map_keeps_what_came(
    tile_server: TileServer, tmp_path: Path
) -> None:
    tile_server.hold_until_parallel = 1000  # never reached: each tile takes hold_timeout_s
    tile_server.hold_timeout_s = 0.4
    options = PackOptions(
        cache_dir=tmp_path / "cache", tile_url=tile_server.url, basemap="tiles", map_budget_s=1.5
    )
    progress = SilentProgress()
    team = team_at()
    with map_stage(options, progress) as stage:
        placed, base = stage.map_team(team, FRAME, tmp_path / "work")
        assert stage.ran_out_of_time(team.workbook)
    assert base.image is not None  # the tiles that came in time are on the map
    assert base.warning is not None and SPENT.format(seconds="1.5") in base.warning
    assert " kaarttegels waren niet te krijgen van 127.0.0.1 " in base.warning
    assert lacks(placed, base, options, out_of_time=True) == ["de kaart is gestopt na 1.5 s"]


def test_geocoding_and_tiles_share_one_budget(
    tile_server: TileServer, geocoder_server: GeocoderServer, tmp_path: Path
) -> None:
    geocoder_server.delay_s = 0.8  # and Nominatim's one request a second
    addresses = [Address(f"Dampoortstraat {number}", "9000", "Gent") for number in range(1, 5)]
    for address in addresses:
        geocoder_server.places[f"{address.one_line()}, Belgium".lower()] = (51.056, 3.741)
    team = team_at().replace(
        partners=tuple(partner(number, address) for number, address in enumerate(addresses, 1))
    )
    options = PackOptions(
        cache_dir=tmp_path / "cache",
        tile_url=tile_server.url,
        geocoder_url=geocoder_server.url,
        basemap="tiles",
        map_budget_s=2.5,
    )
    progress = SilentProgress()
    with map_stage(options, progress) as stage:
        placed, base = stage.map_team(team, FRAME, tmp_path / "work")
        assert stage.ran_out_of_time(team.workbook)
    assert placed.partners[0].coordinates == LatLon(51.056, 3.741)
    assert placed.partners[-1].coordinates is None
    assert geocoder_server.count < len(addresses)
    assert progress.warnings[-2].endswith(
        "het adres 'Dampoortstraat 4, 9000 Gent' is niet opgezocht: "
        f"{SPENT.format(seconds='2.5')}, dus de adressen die nog niet opgezocht waren, zijn "
        "overgeslagen; probeer later opnieuw of typ de coördinaten in de werkmap"
    )
    # what geocoding spent, the tiles do not get again: none is asked
    assert tile_server.count == 0 and base.is_blank
    assert base.warning is not None and f"({SPENT.format(seconds='2.5')})" in base.warning
    assert lacks(placed, base, options, out_of_time=True)[:2] == [
        "de kaart is gestopt na 2.5 s",
        "geen basiskaart",
    ]


def test_a_slow_overpass_server_is_cut_off_at_the_packs_budget(
    overpass_server: OverpassServer, tmp_path: Path
) -> None:
    overpass_server.linger_s = 5.0
    options = PackOptions(
        cache_dir=tmp_path / "cache", overpass_url=overpass_server.url, map_budget_s=1.0
    )
    progress = SilentProgress()
    team = team_at()
    with map_stage(options, progress) as stage:
        _, base = stage.map_team(team, FRAME, tmp_path / "work")
        assert stage.ran_out_of_time(team.workbook)
    assert base.is_blank
    assert base.warning == (
        f"{team.workbook}: geen kaartgegevens te krijgen ({SPENT.format(seconds='1')}); de kaart "
        "krijgt een effen achtergrond onder de markeringen. Om de kaart te krijgen: werk opnieuw "
        "met netwerk, of geef een uittreksel van OpenStreetMap op met --osm-file (bijvoorbeeld "
        "België van download.geofabrik.de), of gebruik --basemap tiles"
    )
    assert overpass_server.max_parallel == 1  # it was asked, and did not answer in time
