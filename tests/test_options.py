"""Settings come from one place: options.py reads the environment, everything else takes values."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import generator
from generator.map.runstate import RunState
from generator.options import PackOptions, tile_keys, with_environment
from generator.progress import SilentProgress

READS_ENVIRONMENT = re.compile(r"os\.environ|getenv|from os import|os\.getenvb")


def test_nothing_but_options_reads_the_environment() -> None:
    package = Path(generator.__file__).parent
    readers = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if READS_ENVIRONMENT.search(path.read_text(encoding="utf-8"))
    )
    assert readers == ["options.py"]


def test_the_environment_fills_what_was_left_unset_and_an_empty_soffice_means_no_pdfs(
    tmp_path: Path,
) -> None:
    environment = {
        "BUURTKAART_SOFFICE": "",
        "BUURTKAART_TILE_URL": "https://tiles.example.org/{z}/{x}/{y}.png?key={env:TILE_KEY}",
        "TILE_KEY": "s3cret",
        "UNRELATED": "not read",
    }
    options = with_environment(PackOptions(cache_dir=tmp_path), environment)
    assert options.soffice == ""
    assert options.tile_url == environment["BUURTKAART_TILE_URL"]
    assert options.tile_keys == {"TILE_KEY": "s3cret"}
    assert "s3cret" not in repr(options)  # the key stays out of tracebacks and logs
    assert with_environment(PackOptions(soffice="/opt/soffice"), environment).soffice == (
        "/opt/soffice"
    )
    assert tile_keys("https://t.example.org/{z}/{x}/{y}.png?k={env:NOT_SET}", environment) == {}


def test_two_runs_each_say_once_that_the_cache_cannot_be_written(tmp_path: Path) -> None:
    error = PermissionError(13, "Permission denied")
    first, second = RunState(), RunState()
    progress = SilentProgress()
    for run in (first, first, second, second):
        run.warn_unwritable(tmp_path, error, progress)
    said = (
        f"in de bewaarmap {tmp_path} kan niet geschreven worden (Permission denied), dus wat nu "
        "opgehaald is, wordt de volgende keer opnieuw opgehaald; maak die map schrijfbaar, of zet "
        "BUURTKAART_CACHE_DIR op een map waarin je kunt schrijven (in PowerShell: "
        '$env:BUURTKAART_CACHE_DIR = "map"; in cmd: set BUURTKAART_CACHE_DIR=map; in een shell '
        'op macOS of Linux: export BUURTKAART_CACHE_DIR="map")'
    )
    assert progress.warnings == [said, said]


@pytest.mark.parametrize("name", ["cache_dir", "geocoder_url", "overpass_url", "contact"])
def test_an_environment_variable_does_not_override_a_chosen_setting(name: str) -> None:
    chosen = PackOptions(**{name: Path("/chosen") if name == "cache_dir" else "chosen"})  # type: ignore[arg-type]
    environment = {
        "BUURTKAART_CACHE_DIR": "/env",
        "BUURTKAART_GEOCODER_URL": "http://env",
        "BUURTKAART_OVERPASS_URL": "http://env",
        "BUURTKAART_CONTACT": "env@example.org",
    }
    assert getattr(with_environment(chosen, environment), name) == getattr(chosen, name)


@pytest.mark.parametrize("value", ["", "none", "NONE", " geen "])
def test_no_pdfs_can_be_asked_for_in_words_as_powershell_and_cmd_cannot_set_an_empty_value(
    value: str,
) -> None:
    assert with_environment(PackOptions(), {"BUURTKAART_SOFFICE": value}).soffice == ""
    assert with_environment(PackOptions(), {"BUURTKAART_SOFFICE": "/opt/soffice"}).soffice == (
        "/opt/soffice"
    )
