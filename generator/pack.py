"""The session pack: one folder per workbook, written whole or not at all.

A pack is built in a hidden staging folder beside its destination and swapped into place only
when every file in it is complete, so a failure never leaves half a pack over a good one.
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from generator import __version__
from generator.errors import BuurtkaartError, OutputError, Problem
from generator.i18n import _, current_language, ngettext, use_language
from generator.identity import pack_slug as pack_slug  # re-exported: the pack names folders
from generator.map.basemap import BaseMap, tile_source
from generator.map.cachedir import cache_root
from generator.map.geocode import CACHE_FILE as GEOCODE_CACHE
from generator.map.geocode import GeocodeCache, address_query, geocoder_url
from generator.map.runstate import RunState
from generator.map.stage import MapDataProvider, MapStage, map_stage
from generator.memory import return_large_buffers
from generator.model import Team
from generator.options import PackOptions, with_environment
from generator.poster import grid_squares, map_frame_mm, scan_sheet, write_poster
from generator.privacy import street_table
from generator.progress import Progress, SilentProgress
from generator.resources import Templates
from generator.validation import validate_workbooks
from generator.workbook.spec import load_spec
from generator.worksheets import check_templates, missing_soffice_warning, write_worksheets

MANIFEST = "pack.json"
MAX_WORKERS = 2  # measured in benchmarks/: more processes than cores only add memory
# Staging folders and the run's work folder carry the run's process id, so a later run can tell
# a killed run's leftovers (process gone) from a running one's.
STAGING = re.compile(r"\.(?P<slug>.+)-(?P<kind>new|old)-(?P<pid>\d+)-[a-z0-9_]+")
WORK_PREFIX = "buurtkaart-"
WORK = re.compile(r"buurtkaart-(?P<pid>\d+)-[a-z0-9_]+")
STALE_AFTER_S = 24 * 3600  # where a process cannot be asked whether it still runs (Windows)


@dataclass
class BatchReport:
    """What a run of ``generate`` made, what the packs it made lack, and what it could not."""

    made: dict[Path, Path] = field(default_factory=dict)
    lacking: dict[Path, list[str]] = field(default_factory=dict)
    problems: dict[Path, list[Problem]] = field(default_factory=dict)
    failures: dict[Path, str] = field(default_factory=dict)

    @property
    def failed(self) -> list[Path]:
        return [*self.problems, *self.failures]

    @property
    def incomplete(self) -> list[Path]:
        """Workbooks whose pack was written without a base map or without some addresses."""
        return [workbook for workbook in self.made if self.lacking.get(workbook)]


def generate_packs(
    workbooks: list[Path],
    out_dir: Path,
    options: PackOptions | None = None,
    progress: Progress | None = None,
    map_data: MapDataProvider | None = None,
    state: RunState | None = None,
) -> BatchReport:
    """Validate all workbooks, then write a pack for each valid one; one bad one stops none.

    Network work (geocoding, tiles) runs first and in this process, one team after the other,
    so the servers' limits hold for the whole batch and a tile two packs share is fetched once.
    Rendering is CPU work and runs on both cores when there is more than one pack. Options
    left unset are taken from the environment, as the CLI does. A caller that runs batches one
    after the other (the web page) passes one ``state``, so the servers' throttles span them.
    """
    return_large_buffers()  # the map stage's images here, and each pack's when rendered here
    options = with_environment(options or PackOptions())
    progress = progress or SilentProgress()
    templates = Templates(options.templates_dir)
    tile_source(options)  # a malformed --tiles URL stops the run before any address is sought
    teams, problems = validate_workbooks(workbooks, load_spec(templates))
    for team in teams.values():
        for warning in team.warnings:
            progress.warn(warning)
    report = BatchReport(problems=problems)
    prepare_out_dir(out_dir)
    clear_leftovers(out_dir)
    if options.templates_dir is not None:
        check_templates(templates)
    if no_pdf := missing_soffice_warning(options):
        progress.warn(no_pdf)
    chosen = _claim_folders(teams, report)
    with (
        map_stage(options, progress, map_data, state) as stage,
        tempfile.TemporaryDirectory(prefix=f"{WORK_PREFIX}{os.getpid()}-") as work,
        _renderer(len(chosen)) as submit,
    ):
        stage.prepare([(team, map_frame_mm(team, options, templates)) for team in chosen.values()])
        pending = []
        for workbook, team in chosen.items():
            with _failure_recorded(report, workbook, out_dir / pack_slug(team)):
                job = _prepare(workbook, team, out_dir, options, templates, Path(work), stage)
                pending.append((job, submit(job)))
        for job, outcome in pending:
            with _failure_recorded(report, job.workbook, job.target):
                error = outcome.result()
                if error is None:
                    report.made[job.workbook] = job.target
                    out_of_time = stage.ran_out_of_time(job.workbook)
                    report.lacking[job.workbook] = lacks(job.team, job.base, options, out_of_time)
                else:
                    report.failures[job.workbook] = error
    return report


def failure_message(exc: BaseException, target: Path) -> str:
    """The one place where a pack's failure becomes what the user reads about it."""
    if isinstance(exc, BuurtkaartError):
        return exc.format_message()
    if isinstance(exc, OSError):
        return _("cannot write the pack to {folder}: {reason}").format(
            folder=target, reason=exc.strerror or exc
        )
    return _(
        "the pack could not be made ({reason}); this is a fault in buurtkaart, please report "
        "it with the workbook"
    ).format(reason=f"{type(exc).__name__}: {exc}")


@contextmanager
def _failure_recorded(report: BatchReport, workbook: Path, target: Path) -> Iterator[None]:
    """One pack's failure is reported with its workbook and stops none of the others."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - the batch boundary: a bug must not stop the rest
        report.failures[workbook] = failure_message(exc, target)


def lacks(team: Team, base: BaseMap, options: PackOptions, out_of_time: bool = False) -> list[str]:
    """What a written pack is without, for a reason a later run can mend (no map tiles, no
    geocoder, the map's time budget spent), in a few words for the run's summary. An address
    the geocoder answered it does not know is the workbook's to fix; its warning says so."""
    missing = []
    if out_of_time:
        missing.append(
            _("its map stopped after {seconds} s").format(seconds=f"{options.map_budget_s:g}")
        )
    if base.is_blank:
        missing.append(_("no base map"))
    unplaced = [record for record in team.not_placed() if not record.address.is_empty()]
    if not unplaced:
        return missing  # the common case: no need to read the geocoding cache
    answered = GeocodeCache(cache_root(options) / GEOCODE_CACHE, geocoder_url(options))
    unasked = sum(1 for record in unplaced if not answered.knows(address_query(record.address)))
    if unasked:
        missing.append(
            ngettext(
                "{count} address not looked up", "{count} addresses not looked up", unasked
            ).format(count=unasked)
        )
    return missing


@dataclass(frozen=True)
class PackJob:
    """Everything a worker process needs to render one pack: picklable, no open handles."""

    workbook: Path
    team: Team
    base: BaseMap
    target: Path
    options: PackOptions
    # The worker speaks the language the run was asked in, whatever its environment says.
    language: str = field(default_factory=current_language)


def _claim_folders(teams: dict[Path, Team], report: BatchReport) -> dict[Path, Team]:
    """Keep the first workbook for each pack folder; a later one is a problem, not an overwrite."""
    claimed: dict[str, Path] = {}
    kept: dict[Path, Team] = {}
    for workbook, team in teams.items():
        slug = pack_slug(team)
        if slug in claimed:
            report.problems[workbook] = [
                Problem(
                    workbook,
                    _(
                        "its organisation and site give the same pack folder '{folder}' as "
                        "{workbook}"
                    ).format(folder=slug, workbook=claimed[slug]),
                    _("give each workbook its own Vestiging on the sheet 'Organisatie'"),
                    sheet=team.organisation.source.sheet,
                )
            ]
        else:
            claimed[slug] = workbook
            kept[workbook] = team
    return kept


def _prepare(
    workbook: Path,
    team: Team,
    out_dir: Path,
    options: PackOptions,
    templates: Templates,
    work_dir: Path,
    stage: MapStage,
) -> PackJob:
    """The network stage of one pack: place the addresses, get the base map."""
    slug = pack_slug(team)
    target = out_dir / slug
    check_owner(target, team)  # before the map of a pack that cannot be written
    map_dir = work_dir / slug
    map_dir.mkdir()
    placed, base = stage.map_team(team, map_frame_mm(team, options, templates), map_dir)
    return PackJob(workbook, placed, base, target, options)


def check_owner(target: Path, team: Team) -> None:
    """A pack folder belongs to the organisation and site its pack.json names: never replace
    another's pack, even when their folder names came out the same."""
    try:
        manifest = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
        owner = manifest["team"]["organisation"]
        owner_name, owner_site = str(owner["name"]), str(owner["site"])
    except FileNotFoundError:
        return  # no pack here (yet): nothing of another site's to keep
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise OutputError(
            _(
                "{folder} holds a {manifest} that cannot be read ({reason}), so it may be "
                "another site's pack; move that folder away or choose another --out folder"
            ).format(folder=target, manifest=MANIFEST, reason=type(exc).__name__)
        ) from exc
    ours = team.organisation
    if _identity(owner_name, owner_site) != _identity(ours.name, ours.site):
        raise OutputError(
            _(
                "{folder} holds the pack of '{organisation}', site '{site}', and a run never "
                "replaces another site's pack; move that folder away or choose another --out "
                "folder"
            ).format(folder=target, organisation=owner_name, site=owner_site)
        )


def _identity(name: str, site: str) -> tuple[str, str]:
    return " ".join(name.split()).casefold(), " ".join(site.split()).casefold()


class Outcome(Protocol):
    def result(self) -> str | None: ...


class _Done:
    """The outcome of a pack rendered in this process, shaped like a Future."""

    def __init__(self, value: str | None) -> None:
        self.value = value

    def result(self) -> str | None:
        return self.value


def pool_start_method() -> str:
    """forkserver where the platform has it: this process holds tile-fetching threads, which
    fork() would copy mid-lock. Windows has only spawn."""
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


@contextmanager
def _renderer(packs: int) -> Iterator[Callable[[PackJob], Outcome]]:
    """Where packs are rendered: here for one pack, else on a pool of worker processes; the
    same function renders each, so both paths fail and succeed alike.

    The pool takes each pack as soon as its map is ready, so rendering on one core overlaps
    with the next team's geocoding and tiles here.
    """
    workers = min(MAX_WORKERS, os.cpu_count() or 1, packs)
    if workers <= 1:
        yield lambda job: _Done(render_job(job))
        return
    context = multiprocessing.get_context(pool_start_method())
    if context.get_start_method() == "forkserver":
        # each worker then starts with the renderers imported once, in the server
        context.set_forkserver_preload(["generator.pack"])
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        yield lambda job: pool.submit(render_job, job)


def render_job(job: PackJob) -> str | None:
    """Write one pack whole; the error message (not the exception) crosses process bounds."""
    return_large_buffers()  # in a pool's worker, a process of its own
    use_language(job.language)
    try:
        write_pack(job.target, partial(render_pack, job.team, job.base, options=job.options))
    except Exception as exc:  # noqa: BLE001 - the batch boundary, in the worker
        return failure_message(exc, job.target)
    return None


def prepare_out_dir(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(
            _("{folder} is a file, not a folder; name a folder with --out").format(folder=out_dir)
        )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            _("cannot create the output folder {folder}: {reason}").format(
                folder=out_dir, reason=exc.strerror
            )
        ) from exc


def clear_leftovers(out_dir: Path) -> None:
    """Clear what killed runs left: their staging folders beside the packs and their work
    folders in the temporary folder. Only folders named as buurtkaart names them, and only
    when the run that made them is over; a pack moved aside by a run killed mid-swap goes
    back in place rather than away."""
    for entry in sorted(out_dir.iterdir()):
        found = STAGING.fullmatch(entry.name)
        if found is None or not entry.is_dir() or not _run_is_over(int(found["pid"]), entry):
            continue
        target = out_dir / found["slug"]
        if found["kind"] == "old" and not target.exists():
            entry.rename(target)
        else:
            shutil.rmtree(entry, ignore_errors=True)
    for entry in Path(tempfile.gettempdir()).iterdir():
        found = WORK.fullmatch(entry.name)
        if found is not None and entry.is_dir() and _run_is_over(int(found["pid"]), entry):
            shutil.rmtree(entry, ignore_errors=True)


def _run_is_over(pid: int, folder: Path) -> bool:
    if pid == os.getpid():
        return False
    if os.name != "posix":  # os.kill(pid, 0) would end the process on Windows: go by age
        return time.time() - folder.stat().st_mtime > STALE_AFTER_S
    if folder.stat().st_uid != os.getuid():
        return False  # another user's: not ours to clear
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # the process runs, as another user
    return False


def render_pack(team: Team, base: BaseMap, folder: Path, options: PackOptions) -> None:
    """Every file of one team's pack, written into ``folder``."""
    templates = Templates(options.templates_dir)
    # The worksheets' XML parsing and zipping release the GIL, as does the poster preview's
    # rasterising: a second thread cuts a pack's time by about a third (benchmarks/run.py).
    with ThreadPoolExecutor(max_workers=1) as helper:
        squares = grid_squares(team, base, options, templates)
        worksheets = helper.submit(write_worksheets, team, folder, templates, options, squares)
        files = write_poster(team, base, options, folder, templates)
        files += worksheets.result()
    scan = scan_sheet(team, base, options, templates)
    write_manifest(team, folder, files, options.min_count, scan)


def write_pack(target: Path, build: Callable[[Path], None]) -> Path:
    """Build the pack in a staging folder, then swap it in place of any earlier pack."""
    try:
        staging = Path(
            tempfile.mkdtemp(prefix=f".{target.name}-new-{os.getpid()}-", dir=target.parent)
        )
    except OSError as exc:
        raise OutputError(
            _("cannot write in {folder}: {reason}").format(
                folder=target.parent, reason=exc.strerror
            )
        ) from exc
    staging.chmod(0o755)  # mkdtemp makes it private; a pack is shared like any other folder
    try:
        build(staging)
        _swap_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _swap_into_place(staging: Path, target: Path) -> None:
    previous = target.with_name(staging.name.replace("-new-", "-old-", 1))
    try:
        if target.exists():
            target.rename(previous)
        staging.rename(target)
    except OSError as exc:
        if previous.exists() and not target.exists():
            previous.rename(target)
        kept = (
            _("the earlier pack is kept")
            if target.exists()
            else _("the earlier pack is in {folder}").format(folder=previous)
        )
        held = _held_open(target) if target.exists() else None
        if held is not None:
            raise OutputError(
                _(
                    "cannot replace the pack in {folder}: {file} is open in another program; "
                    "close it and run again ({kept})"
                ).format(folder=target, file=held, kept=kept)
            ) from exc
        raise OutputError(
            _("cannot move the new pack into {folder}: {reason}; {kept}").format(
                folder=target, reason=exc.strerror, kept=kept
            )
        ) from exc
    shutil.rmtree(previous, ignore_errors=True)


def _held_open(folder: Path) -> Path | None:
    """The first file in ``folder`` that another program holds (on Windows, an open PDF can
    be neither moved nor opened for writing); opening to append changes nothing in it."""
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        try:
            with path.open("ab"):
                pass
        except OSError:
            return path
    return None


def write_manifest(
    team: Team,
    folder: Path,
    files: list[str] | None = None,
    min_count: int = PackOptions.min_count,
    scan: Any = None,
) -> None:
    """pack.json: the team as the pack shows it, participants merged as on the poster, and
    what ``buurtkaart scan`` reads a photo of the poster by."""
    shown = dataclasses.asdict(team)
    participants = street_table(team.participants, min_count)
    shown["participants"] = [dataclasses.asdict(row) for row in participants.rows]
    shown["participants_hidden"] = participants.hidden
    manifest = {
        "buurtkaart": __version__,
        "files": sorted([*(files or []), MANIFEST]),
        "team": _jsonable(shown),
    }
    if scan is not None:
        manifest["scan"] = scan
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
