"""Geocoding against the suite's Nominatim stand-in: hits, misses, cache, offline, no server."""

from __future__ import annotations

import dataclasses
import json
import logging
import math
from pathlib import Path

import pytest

from generator import __version__
from generator.map.geocode import GeocodePolicy, address_query, place_team
from generator.map.runstate import MapBudget, RunState
from generator.map.stage import map_stage
from generator.model import Address, CoordinateOrigin, LatLon, Partner, Source, Team
from generator.options import PackOptions, with_environment
from generator.progress import SilentProgress
from generator.workbook import read_team, write_workbook
from tests.servers import GeocoderServer

FAST = GeocodePolicy(min_delay_s=0.0, error_wait_s=0.0, timeout_s=2.0)
LIBRARY = Address("Dampoortstraat 12", "9000", "Gent")
NOWHERE = Address("Nergensstraat 99", "9999", "Nergens")


def partner(number: int, address: Address, coordinates: LatLon | None = None) -> Partner:
    return Partner(
        address=address,
        coordinates=coordinates,
        coordinate_origin=CoordinateOrigin.WORKBOOK if coordinates else CoordinateOrigin.NOT_PLACED,
        number=number,
        name=f"Partner {number}",
        kind="Organisatie",
        known=None,
        used=None,
        contact="",
        remark="",
        source=Source("Buurtpartners", number + 1),
    )


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Team:
    """The example team, read once for the module (a Team is immutable)."""
    path = tmp_path_factory.mktemp("example") / "voorbeeld.xlsx"
    write_workbook(path, example=True)
    return read_team(path)


@pytest.fixture
def team(example: Team) -> Team:
    typed = partner(3, Address("Kasteellaan 30", "9000", "Gent"), LatLon(51.0528, 3.7396))
    return example.replace(
        partners=(partner(1, LIBRARY), partner(2, NOWHERE), typed),
    )


def options(tmp_path: Path, server: GeocoderServer, **changes: object) -> PackOptions:
    base = PackOptions(
        cache_dir=tmp_path / "cache", geocoder_url=server.url, contact="test@example.org"
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_addresses_are_geocoded_and_misses_stay_not_placed(
    team: Team, tmp_path: Path, geocoder_server: GeocoderServer
) -> None:
    geocoder_server.places[address_query(LIBRARY).lower()] = (51.0563, 3.7385)
    progress = SilentProgress()
    placed = place_team(team, options(tmp_path, geocoder_server), progress, policy=FAST)

    found, missed, typed = placed.partners
    assert found.coordinates == LatLon(51.0563, 3.7385)
    assert found.coordinate_origin is CoordinateOrigin.GEOCODED
    assert missed.coordinates is None and missed.coordinate_origin is CoordinateOrigin.NOT_PLACED
    assert typed.coordinate_origin is CoordinateOrigin.WORKBOOK
    assert placed.not_placed() == [missed]

    warning = (
        f"{team.workbook}: blad 'Buurtpartners', rij 3: het adres 'Nergensstraat 99, 9999 "
        "Nergens' is niet gevonden door de adreszoekdienst (127.0.0.1:"
    )
    assert len(progress.warnings) == 1 and progress.warnings[0].startswith(warning)
    assert placed.warnings == (*team.warnings, progress.warnings[0])
    assert geocoder_server.queries == [
        "Dampoortstraat 12, 9000 Gent, Belgium",
        "Nergensstraat 99, 9999 Nergens, Belgium",
    ]
    assert set(geocoder_server.user_agents) == {f"buurtkaart/{__version__} (test@example.org)"}
    assert team.partners[0].coordinates is None  # the input is left as it was


def test_typed_coordinates_win_and_ask_nothing(
    example: Team, tmp_path: Path, geocoder_server: GeocoderServer
) -> None:
    assert not example.not_placed()
    placed = place_team(example, options(tmp_path, geocoder_server), SilentProgress(), policy=FAST)
    assert placed == example
    assert geocoder_server.count == 0


def test_second_run_asks_nothing(
    team: Team, tmp_path: Path, geocoder_server: GeocoderServer
) -> None:
    geocoder_server.places[address_query(LIBRARY).lower()] = (51.0563, 3.7385)
    first = place_team(team, options(tmp_path, geocoder_server), SilentProgress(), policy=FAST)
    asked = geocoder_server.count
    progress = SilentProgress()
    second = place_team(team, options(tmp_path, geocoder_server), progress, policy=FAST)
    assert geocoder_server.count == asked == 2
    assert second == first
    assert len(progress.warnings) == 1  # the cached miss is still reported


def test_a_cache_that_cannot_be_written_is_one_warning_not_a_failure(
    team: Team, tmp_path: Path, geocoder_server: GeocoderServer
) -> None:
    geocoder_server.places[address_query(LIBRARY).lower()] = (51.0563, 3.7385)
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder should be")
    progress = SilentProgress()
    placed = place_team(team, options(tmp_path, geocoder_server), progress, policy=FAST)
    assert placed.partners[0].coordinates == LatLon(51.0563, 3.7385)
    assert len(progress.warnings) == 2  # the miss, then the cache
    assert progress.warnings[1] == (
        f"in de bewaarmap {blocked} kan niet geschreven worden (File exists), dus wat nu "
        "opgehaald is, wordt de volgende keer opnieuw opgehaald; maak die map schrijfbaar, of zet "
        "BUURTKAART_CACHE_DIR op een map waarin je kunt schrijven (in PowerShell: "
        '$env:BUURTKAART_CACHE_DIR = "map"; in cmd: set BUURTKAART_CACHE_DIR=map; in een shell '
        'op macOS of Linux: export BUURTKAART_CACHE_DIR="map")'
    )
    assert placed.warnings == (*team.warnings, progress.warnings[0])


def test_offline_uses_the_cache_alone(
    team: Team, tmp_path: Path, geocoder_server: GeocoderServer
) -> None:
    progress = SilentProgress()
    placed = place_team(
        team, options(tmp_path, geocoder_server, offline=True), progress, policy=FAST
    )
    assert geocoder_server.count == 0
    assert len(placed.not_placed()) == 2
    assert all("--offline laat geen opzoekingen toe" in warning for warning in progress.warnings)


def test_unreachable_geocoder_warns_per_record(
    team: Team, tmp_path: Path, refused_port: int
) -> None:
    progress = SilentProgress()
    unreachable = PackOptions(cache_dir=tmp_path, geocoder_url=f"http://127.0.0.1:{refused_port}")
    placed = place_team(team, unreachable, progress, policy=FAST)
    assert len(placed.not_placed()) == 2
    assert len(progress.warnings) == 2
    assert (
        "rij 2: het adres 'Dampoortstraat 12, 9000 Gent' kon niet op de kaart: de adreszoekdienst"
        in (progress.warnings[0])
    )
    assert progress.warnings[1].endswith(
        "rij 3: het adres 'Nergensstraat 99, 9999 Nergens' kon niet op de kaart: de "
        f"adreszoekdienst op http://127.0.0.1:{refused_port} is niet bereikbaar (Connection "
        "refused); probeer later opnieuw of typ de coördinaten in de werkmap"
    )
    assert not (tmp_path / "geocode.json").exists()  # failures are not cached as misses


def test_a_failing_geocoder_is_named_with_its_status(
    team: Team, tmp_path: Path, geocoder_server: GeocoderServer
) -> None:
    geocoder_server.status = 503
    progress = SilentProgress()
    placed = place_team(team, options(tmp_path, geocoder_server), progress, policy=FAST)
    assert len(placed.not_placed()) == 2
    assert geocoder_server.count == 1 + FAST.max_retries  # then no more asking a broken service
    assert all("is niet bereikbaar (" in warning for warning in progress.warnings)
    assert all("503" in warning for warning in progress.warnings), progress.warnings


def test_unreachable_geocoder_prints_no_traceback_without_logging_set_up(
    team: Team,
    tmp_path: Path,
    refused_port: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # As in the CLI: no handler anywhere, so Python's last resort would print any library's
    # logged retries.
    monkeypatch.setattr(logging.root, "handlers", [])
    progress = SilentProgress()
    unreachable = PackOptions(cache_dir=tmp_path, geocoder_url=f"http://127.0.0.1:{refused_port}")
    place_team(team, unreachable, progress, policy=FAST)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and captured.err == ""
    assert len(progress.warnings) == 2
    assert all("is niet bereikbaar" in warning for warning in progress.warnings)


def test_the_geocoder_of_the_tests_environment_is_a_refused_port(
    team: Team, tmp_path: Path
) -> None:
    progress = SilentProgress()
    chosen = with_environment(PackOptions(cache_dir=tmp_path))
    placed = place_team(team, chosen, progress, policy=FAST)
    assert len(placed.not_placed()) == 2
    assert "http://127.0.0.1:" in progress.warnings[0]


def test_without_options_geocoding_reads_no_environment_and_asks_nominatim(
    team: Team, tmp_path: Path
) -> None:
    progress = SilentProgress()
    place_team(team, PackOptions(cache_dir=tmp_path), progress, policy=FAST)
    assert (
        "de adreszoekdienst op https://nominatim.openstreetmap.org is niet bereikbaar"
        in (progress.warnings[0])
    )


class FakeTime:
    """A clock that moves only when slept on."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_requests_are_spaced_by_the_rate_limit_from_one_team_to_the_next(
    team: Team, tmp_path: Path, geocoder_server: GeocoderServer
) -> None:
    assert GeocodePolicy().min_delay_s >= 1.0  # Nominatim: at most one request a second
    fake = FakeTime()
    arrivals: list[float] = []
    geocoder_server.on_request = lambda: arrivals.append(fake.now)
    policy = dataclasses.replace(FAST, min_delay_s=1.0, clock=fake.clock, sleep=fake.sleep)
    elsewhere = partner(4, Address("Kasteellaan 31", "9000", "Gent"))
    run = RunState()
    for each in (team, team.replace(partners=(elsewhere,))):
        place_team(
            each, options(tmp_path, geocoder_server), SilentProgress(), policy=policy, state=run
        )
    assert arrivals == [0.0, 1.0, 2.0]  # the second team's first request waits its turn too


def test_two_runs_in_one_process_do_not_share_a_throttle(
    team: Team, tmp_path: Path, geocoder_server: GeocoderServer
) -> None:
    # Two runs in one process (two library callers) each keep their own state; a caller that
    # wants one throttle across runs (the web page, for its batches) passes one state to both.
    fake = FakeTime()
    arrivals: list[float] = []
    geocoder_server.on_request = lambda: arrivals.append(fake.now)
    policy = dataclasses.replace(FAST, min_delay_s=1.0, clock=fake.clock, sleep=fake.sleep)
    first, second = RunState(), RunState()
    for run, cache in ((first, "one"), (second, "two")):
        place_team(
            team,
            options(tmp_path / cache, geocoder_server),
            SilentProgress(),
            policy=policy,
            state=run,
        )
    assert arrivals == [0.0, 1.0, 1.0, 2.0]
    assert first.throttle(geocoder_server.url) is not second.throttle(geocoder_server.url)


def team_of_addresses(example: Team, count: int) -> Team:
    addresses = [Address(f"Dampoortstraat {number}", "9000", "Gent") for number in range(count)]
    return example.replace(
        partners=tuple(partner(number + 1, address) for number, address in enumerate(addresses))
    )


@pytest.mark.parametrize(
    ("answer", "shown"),
    [
        ('[{"lat": "NaN", "lon": "3.7385"}]', "lat NaN, lon 3.7385"),
        ('[{"lat": "51.0563", "lon": "inf"}]', "lat 51.0563, lon inf"),
        ('[{"lat": 1e308, "lon": 3.7385}]', "lat 1e+308, lon 3.7385"),
        ('[{"lat": NaN, "lon": Infinity}]', "lat nan, lon inf"),
        ('[{"display_name": "Dampoortstraat 12"}]', "lat missing, lon missing"),
        ('[{"lat": null, "lon": true}]', "lat None, lon True"),
    ],
)
def test_an_answer_without_coordinates_on_earth_is_a_miss_with_a_warning(
    team: Team, tmp_path: Path, geocoder_server: GeocoderServer, answer: str, shown: str
) -> None:
    geocoder_server.answer = answer
    progress = SilentProgress()
    placed = place_team(team, options(tmp_path, geocoder_server), progress, policy=FAST)
    assert [record.coordinates for record in placed.partners[:2]] == [None, None]
    assert progress.warnings[0] == (
        f"{team.workbook}: blad 'Buurtpartners', rij 2: het adres 'Dampoortstraat 12, 9000 "
        f"Gent' kreeg een antwoord zonder bruikbare coördinaten ({shown}) van de "
        f"adreszoekdienst op {geocoder_server.url}; het komt niet op de kaart. Typ de "
        "coördinaten in de werkmap"
    )
    assert len(progress.warnings) == 2
    assert not (tmp_path / "cache" / "geocode.json").exists()  # asked again next time


def test_a_huge_retry_after_is_obeyed_only_up_to_the_cap(
    team: Team, tmp_path: Path, geocoder_server: GeocoderServer
) -> None:
    geocoder_server.status = 429
    geocoder_server.headers = {"Retry-After": "100000"}
    fake = FakeTime()
    policy = dataclasses.replace(FAST, max_wait_s=30.0, clock=fake.clock, sleep=fake.sleep)
    progress = SilentProgress()
    placed = place_team(team, options(tmp_path, geocoder_server), progress, policy=policy)
    assert len(placed.not_placed()) == 2
    assert fake.now == 30.0  # one capped wait, then one retry, then no more asking
    assert geocoder_server.count == 1 + policy.max_retries
    assert progress.warnings[1].endswith(
        f"kon niet op de kaart: de adreszoekdienst op {geocoder_server.url} is niet bereikbaar "
        "(HTTP 429); probeer later opnieuw of typ de coördinaten in de werkmap"
    )


def test_a_geocoder_slower_than_its_timeout_costs_one_retry_not_hidden_ones(
    team: Team, tmp_path: Path, geocoder_server: GeocoderServer
) -> None:
    geocoder_server.delay_s = 1.0
    policy = dataclasses.replace(FAST, timeout_s=0.2)
    progress = SilentProgress()
    placed = place_team(team, options(tmp_path, geocoder_server), progress, policy=policy)
    assert len(placed.not_placed()) == 2
    assert geocoder_server.count == 1 + policy.max_retries  # no retries underneath
    assert progress.warnings[0].endswith(
        f"kon niet op de kaart: de adreszoekdienst op {geocoder_server.url} is niet bereikbaar "
        "(geen antwoord binnen 0.2 s); probeer later opnieuw of typ de coördinaten in de werkmap"
    )


def test_geocoding_stops_when_the_packs_map_budget_is_spent_and_the_rest_are_left_out(
    example: Team, tmp_path: Path, geocoder_server: GeocoderServer
) -> None:
    team = team_of_addresses(example, 5)
    for record in team.partners:
        geocoder_server.places[address_query(record.address).lower()] = (51.05, 3.74)
    fake = FakeTime()
    policy = dataclasses.replace(FAST, min_delay_s=1.0, clock=fake.clock, sleep=fake.sleep)
    budget = MapBudget(2.5, clock=fake.clock)
    progress = SilentProgress()
    placed = place_team(
        team, options(tmp_path, geocoder_server), progress, policy=policy, budget=budget
    )
    assert geocoder_server.count == 3  # at 0, 1 and 2 s; the fourth would start at 3 s
    assert [record.coordinates is not None for record in placed.partners] == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert progress.warnings == [
        f"{team.workbook}: blad 'Buurtpartners', rij {row}: het adres 'Dampoortstraat {number}, "
        "9000 Gent' is niet opgezocht: de 2.5 s die de kaart van één pakket mocht duren, "
        "zijn om, dus de adressen die nog niet opgezocht waren, zijn overgeslagen; probeer "
        "later opnieuw of typ de coördinaten in de werkmap"
        for number, row in ((3, 5), (4, 6))
    ]


def test_a_damaged_entry_in_the_geocoding_cache_is_asked_again(
    team: Team, tmp_path: Path, geocoder_server: GeocoderServer
) -> None:
    geocoder_server.places[address_query(LIBRARY).lower()] = (51.0563, 3.7385)
    cache = tmp_path / "cache" / "geocode.json"
    cache.parent.mkdir()
    damaged = {address_query(LIBRARY): [math.nan, 3.7], address_query(NOWHERE): "elsewhere"}
    cache.write_text(json.dumps({geocoder_server.url: damaged}))
    placed = place_team(team, options(tmp_path, geocoder_server), SilentProgress(), policy=FAST)
    assert placed.partners[0].coordinates == LatLon(51.0563, 3.7385)
    assert geocoder_server.count == 2


def test_the_packs_of_one_run_share_its_state_and_another_run_has_its_own(
    tmp_path: Path,
) -> None:
    options = PackOptions(cache_dir=tmp_path, basemap="tiles")
    with (
        map_stage(options, SilentProgress()) as first,
        map_stage(options, SilentProgress()) as second,
    ):
        assert first.state.throttle("http://127.0.0.1:1") is first.state.throttle(
            "http://127.0.0.1:1"
        )
        assert first.state is not second.state
        assert first.state.throttle("http://127.0.0.1:1") is not second.state.throttle(
            "http://127.0.0.1:1"
        )
