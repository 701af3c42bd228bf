"""Shared fixtures: workbooks made by the tool itself, and the CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.workbook import write_workbook

pytest_plugins = ["tests.servers"]

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "input" / "voorbeeld.xlsx"


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
