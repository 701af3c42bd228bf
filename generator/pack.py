"""The session pack: one folder per workbook, written whole or not at all.

A pack is built in a hidden staging folder beside its destination and swapped into place only
when every file in it is complete, so a failure never leaves half a pack over a good one.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from slugify import slugify

from generator import __version__
from generator.errors import BuurtkaartError, OutputError, Problem, WorkbookError
from generator.model import Team
from generator.options import PackOptions
from generator.progress import Progress, SilentProgress
from generator.resources import Templates
from generator.workbook import read_team
from generator.workbook.spec import WorkbookSpec, load_spec

MANIFEST = "pack.json"


class PackBuilder(Protocol):
    def __call__(
        self, team: Team, folder: Path, *, options: PackOptions, progress: Progress
    ) -> None: ...


@dataclass
class BatchReport:
    """What a run of ``generate`` made and what it could not."""

    made: dict[Path, Path] = field(default_factory=dict)
    problems: dict[Path, list[Problem]] = field(default_factory=dict)
    failures: dict[Path, str] = field(default_factory=dict)

    @property
    def failed(self) -> list[Path]:
        return [*self.problems, *self.failures]


def pack_slug(team: Team) -> str:
    organisation = team.organisation
    return slugify(f"{organisation.name} {organisation.site}", max_length=80) or "pack"


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


def generate_packs(
    workbooks: list[Path],
    out_dir: Path,
    options: PackOptions | None = None,
    progress: Progress | None = None,
    build: PackBuilder | None = None,
) -> BatchReport:
    """Validate all workbooks, then write a pack for each valid one; one bad one stops none."""
    options = options or PackOptions()
    progress = progress or SilentProgress()
    build = build or build_pack
    teams, problems = validate_workbooks(workbooks, load_spec(Templates(options.templates_dir)))
    report = BatchReport(problems=problems)
    prepare_out_dir(out_dir)
    claimed: dict[str, Path] = {}
    for workbook, team in teams.items():
        slug = pack_slug(team)
        if slug in claimed:
            report.problems[workbook] = [
                Problem(
                    workbook,
                    f"its organisation and site give the same pack folder '{slug}' as "
                    f"{claimed[slug]}",
                    "give each workbook its own Vestiging on the sheet 'Organisatie'",
                    sheet=team.organisation.source.sheet,
                )
            ]
            continue
        claimed[slug] = workbook
        try:
            report.made[workbook] = write_pack(
                out_dir / slug, partial(build, team, options=options, progress=progress)
            )
        except BuurtkaartError as exc:
            report.failures[workbook] = exc.format_message()
    return report


def prepare_out_dir(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir} is a file, not a folder; name a folder with --out")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder {out_dir}: {exc.strerror}") from exc


def build_pack(team: Team, folder: Path, *, options: PackOptions, progress: Progress) -> None:
    """Every file of one team's pack, written into ``folder``."""
    write_manifest(team, folder)


def write_pack(target: Path, build: Callable[[Path], None]) -> Path:
    """Build the pack in a staging folder, then swap it in place of any earlier pack."""
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-", dir=target.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; a pack is shared like any other folder
    try:
        build(staging)
        _swap_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _swap_into_place(staging: Path, target: Path) -> None:
    previous = None
    if target.exists():
        previous = Path(tempfile.mkdtemp(prefix=f".{target.name}-old-", dir=target.parent))
        previous.rmdir()
        target.rename(previous)
    try:
        staging.rename(target)
    except OSError as exc:
        if previous is not None:
            previous.rename(target)
        raise OutputError(f"cannot move the new pack into {target}: {exc.strerror}") from exc
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)


def write_manifest(team: Team, folder: Path, files: list[str] | None = None) -> None:
    manifest = {
        "buurtkaart": __version__,
        "files": sorted([*(files or []), MANIFEST]),
        "team": _jsonable(dataclasses.asdict(team)),
    }
    (folder / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, Path):
        return value.name
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value
