"""Reading workbooks into models, every problem of every workbook listed, nothing rendered.

Apart from ``pack`` so that ``validate`` starts without importing the poster and map stages.
"""

from __future__ import annotations

from pathlib import Path

from generator.errors import Problem, WorkbookError
from generator.model import Team
from generator.workbook import read_team
from generator.workbook.spec import WorkbookSpec, load_spec


def validate_workbooks(
    workbooks: list[Path], spec: WorkbookSpec | None = None
) -> tuple[dict[Path, Team], dict[Path, list[Problem]]]:
    """Read every workbook; the valid ones as models, the others with all their problems."""
    spec = spec or load_spec()
    teams: dict[Path, Team] = {}
    problems: dict[Path, list[Problem]] = {}
    for workbook in workbooks:
        try:
            teams[workbook] = read_team(workbook, spec)
        except WorkbookError as exc:
            problems[workbook] = exc.problems
    return teams, problems
