"""Shared fixtures: workbooks made by the tool itself, and the CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.i18n import use_language
from generator.workbook import write_workbook
from hatch_build import compile_catalogues

pytest_plugins = ["tests.servers"]

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "input" / "voorbeeld.xlsx"


def pytest_configure(config: pytest.Config) -> None:
    """The message catalogue as a build would compile it: a source checkout has only the .po."""
    compile_catalogues(REPO)


@pytest.fixture(autouse=True)
def _dutch_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts as a facilitator whose system says nothing of language: in Dutch,
    the default. Tests of another language set it themselves."""
    for variable in ("BUURTKAART_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    use_language()


@pytest.fixture(autouse=True)
def _no_pdf_worksheets(monkeypatch: pytest.MonkeyPatch) -> None:
    """LibreOffice takes seconds a pack to write the worksheets as PDF: tests that want it set
    BUURTKAART_SOFFICE themselves (test_worksheets.py runs it once for real)."""
    monkeypatch.setenv("BUURTKAART_SOFFICE", "")


@pytest.fixture(autouse=True)
def _own_user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Options that name no cache folder use the user cache folder (platformdirs): each test
    gets its own, so no test reads another's cached answers or writes into the real one."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def example_workbook(tmp_path: Path) -> Path:
    """A fresh copy of the example team, written by ``init --example``."""
    path = tmp_path / "voorbeeld.xlsx"
    write_workbook(path, example=True)
    return path


@pytest.fixture
def blank_workbook(tmp_path: Path) -> Path:
    path = tmp_path / "leeg.xlsx"
    write_workbook(path)
    return path
