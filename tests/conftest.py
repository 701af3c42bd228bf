"""Shared fixtures: workbooks made by the tool itself, and the CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.workbook import write_workbook

pytest_plugins = ["tests.servers"]

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "input" / "voorbeeld.xlsx"


@pytest.fixture(autouse=True)
def _no_pdf_worksheets(monkeypatch: pytest.MonkeyPatch) -> None:
    """LibreOffice takes seconds a pack to write the worksheets as PDF: tests that want it set
    BUURTKAART_SOFFICE themselves (test_worksheets.py runs it once for real)."""
    monkeypatch.setenv("BUURTKAART_SOFFICE", "")


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
