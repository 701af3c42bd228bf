"""Speed and memory of buurtkaart: the poster against the naive pipeline and the floor, many
partners, start-up, the batch, and memory over many packs.

Run from the repository root:  python benchmarks/run.py [--paper A1] [--batch 20] [--repeats 5]
                                   [--growth-packs 40]

The vector base map on a real extract is measured by benchmarks/vector_map.py, and how many
real streets carry their name by benchmarks/label_coverage.py.

Everything runs in this one invocation, against tile servers on 127.0.0.1 with a warm cache,
once with flat synthetic tiles and once with detailed ones like OSM's (benchmarks/tiles.py).
Each measurement runs in a forked child so that its peak memory (ru_maxrss from wait4) is its
own: shown whole, and net of an idle child forked the same way. The two sides of each ratio run
in turn (a, b, a, b, ...), and each ratio is given as the median of the per-pair ratios with
their range, since this shared machine's speed drifts from minute to minute.

- naive: what a user would write: staticmap's render() with markers, the PIL image handed to
  reportlab's drawImage.
- poster: buurtkaart's base map (from the warm cache) and poster PDF.
- floor: decoding the same tiles and compressing the map image once.
- pack: the example's whole pack (poster, preview, stickers, worksheets).
- partners: the poster files of a team with 1,000 and 3,000 partners; a whole pack with 5,000.
- start-up: ``buurtkaart --help`` and ``validate`` of the example, as new processes.
- batch: N workbooks in one generate call against N single CLI runs; the parent's CPU per pack.
- growth: one process writing the example's pack again and again; resident memory after the
  first pack and after the last.
"""

from __future__ import annotations

import argparse
import compileall
import dataclasses
import io
import os
import pickle
import platform
import random
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from staticmap import CircleMarker, StaticMap

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.tiles import TILE_KINDS, serving  # noqa: E402
from generator.map.basemap import JPEG_QUALITY, make_base_map, tile_cache, tiles_of  # noqa: E402
from generator.map.geocode import place_team  # noqa: E402
from generator.map.maptiles import TILE_FORMATS, parse_tile_template  # noqa: E402
from generator.model import LatLon, Team  # noqa: E402
from generator.options import PackOptions  # noqa: E402
from generator.pack import generate_packs, render_pack  # noqa: E402
from generator.poster import map_frame_mm, write_poster  # noqa: E402
from generator.poster.document import prepare_poster, write_poster_pdf  # noqa: E402
from generator.poster.layout import page_size  # noqa: E402
from generator.poster.style import load_style  # noqa: E402
from generator.progress import SilentProgress  # noqa: E402
from generator.resources import Templates  # noqa: E402
from generator.workbook import read_team  # noqa: E402
from generator.worksheets.pdf import find_soffice  # noqa: E402

EXAMPLE = REPO / "input" / "voorbeeld.xlsx"
CLI = [sys.executable, "-c", "from generator.cli import main; main()"]


@dataclass(frozen=True)
class Run:
    """One child's wall time and whole-process peak memory; seconds None when it ran out of time."""

    seconds: float | None
    peak_mb: float


@dataclass(frozen=True)
class Row:
    name: str
    runs: list[Run]

    @property
    def seconds(self) -> float | None:
        times = [run.seconds for run in self.runs if run.seconds is not None]
        return statistics.median(times) if len(times) == len(self.runs) else None

    @property
    def peak_mb(self) -> float:
        return statistics.median(run.peak_mb for run in self.runs)


def in_child(work: Callable[[], None], limit_s: float | None = None) -> Run:
    """Run ``work`` in a forked child: its wall time and its own peak resident memory."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: do the work, send the time, leave without cleanup handlers
        os.close(read_end)
        if limit_s is not None:
            signal.alarm(max(1, round(limit_s)))  # past it, the child ends and the run is "over"
        start = time.perf_counter()
        work()
        elapsed = time.perf_counter() - start
        os.write(write_end, pickle.dumps(elapsed))
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        payload = pipe.read()
    _, status, usage = os.wait4(pid, 0)
    if status != 0 and not (limit_s is not None and os.WIFSIGNALED(status)):
        raise SystemExit(f"a measurement failed (status {status})")
    return Run(pickle.loads(payload) if payload else None, usage.ru_maxrss / 1024)


def in_turn(works: list[tuple[str, Callable[[], None]]], repeats: int) -> dict[str, Row]:
    """Each work ``repeats`` times, the works taking turns, so drift hits all alike."""
    runs: dict[str, list[Run]] = {name: [] for name, _ in works}
    for _ in range(repeats):
        for name, work in works:
            runs[name].append(in_child(work))
    return {name: Row(name, found) for name, found in runs.items()}


def processes(name: str, command: list[str], repeats: int) -> Row:
    """A command as a new process, ``repeats`` times: the wall time of each.

    No memory: Linux carries the peak of the process that forked it across exec, so wait4's
    figure would be this benchmark's own size.
    """
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, cwd=REPO, check=True, capture_output=True)
        runs.append(Run(time.perf_counter() - start, 0.0))
    return Row(name, runs)


def naive_poster(team: Team, options: PackOptions, out: Path) -> Callable[[], None]:
    frame = map_frame_mm(team, options, Templates())
    base = make_base_map(team, frame, options, out, SilentProgress())
    view = base.view
    url = options.tile_url or ""
    page = page_size(options.paper, options.landscape)

    def run() -> None:
        static = StaticMap(
            view.width_px,
            view.height_px,
            url_template=url,
            headers={"User-Agent": "buurtkaart/benchmark"},
        )
        for partner in team.partners:
            if partner.coordinates is not None:
                coordinates = (partner.coordinates.lon, partner.coordinates.lat)
                static.add_marker(CircleMarker(coordinates, "#D7263D", 24))
        center = view.center
        image = static.render(zoom=view.zoom, center=(center.lon, center.lat))
        canvas = Canvas(str(out / "naive.pdf"), pagesize=page)
        width_pt = frame[0] / 25.4 * 72
        height_pt = frame[1] / 25.4 * 72
        canvas.drawImage(ImageReader(image), 28, 28, width_pt, height_pt)
        canvas.showPage()
        canvas.save()

    return run


def buurtkaart_poster(team: Team, options: PackOptions, out: Path) -> Callable[[], None]:
    def run() -> None:
        templates = Templates()
        base = make_base_map(
            team, map_frame_mm(team, options, templates), options, out, SilentProgress()
        )
        poster = prepare_poster(team, base, options, load_style(templates))
        write_poster_pdf(poster, out / "poster.pdf")

    return run


def poster_files(team: Team, options: PackOptions, out: Path) -> Callable[[], None]:
    """The poster as a facilitator gets it: PDF, preview and stickers (no worksheets)."""

    def run() -> None:
        templates = Templates()
        base = make_base_map(
            team, map_frame_mm(team, options, templates), options, out, SilentProgress()
        )
        folder = out / "poster-files"
        folder.mkdir(exist_ok=True)
        write_poster(team, base, options, folder, templates)

    return run


def floor(team: Team, options: PackOptions, out: Path) -> Callable[[], None]:
    base = make_base_map(
        team, map_frame_mm(team, options, Templates()), options, out, SilentProgress()
    )
    view = base.view
    source = parse_tile_template(options.tile_url)
    cache = tile_cache(source, options)
    tiles = tiles_of(view)

    def run() -> None:
        canvas = Image.new("RGB", (view.width_px, view.height_px), "white")
        x0 = view.center_x * view.tile_size - view.width_px / 2
        y0 = view.center_y * view.tile_size - view.height_px / 2
        for z, x, y in tiles:
            cached = cache.lookup(source.public_url(z, x, y))
            if cached is None:
                continue
            tile = Image.open(io.BytesIO(cached.body), formats=TILE_FORMATS).convert("RGB")
            canvas.paste(tile, (round(x * view.tile_size - x0), round(y * view.tile_size - y0)))
        canvas.save(out / "floor.jpg", format="JPEG", quality=JPEG_QUALITY, subsampling=0)

    return run


def whole_pack(team: Team, options: PackOptions, out: Path) -> Callable[[], None]:
    def run() -> None:
        templates = Templates()
        base = make_base_map(
            team, map_frame_mm(team, options, templates), options, out, SilentProgress()
        )
        folder = out / "pack"
        folder.mkdir(exist_ok=True)
        render_pack(team, base, folder, options)

    return run


def team_workbooks(count: int, folder: Path) -> list[Path]:
    """``count`` variants of the example: other names, sites a few streets apart."""
    paths = []
    for index in range(count):
        workbook = openpyxl.load_workbook(EXAMPLE)
        sheet = workbook["Organisatie"]
        sheet["B2"] = f"Buurthuis {index + 1}"
        sheet["B7"] = f"{51.0560 + 0.0008 * (index % 5):.4f}, {3.7410 + 0.0012 * (index // 5):.4f}"
        path = folder / f"team-{index + 1:02d}.xlsx"
        workbook.save(path)
        paths.append(path)
    return paths


def crowded_team(team: Team, partners: int) -> Team:
    """The example team with ``partners`` partners strewn over its neighbourhood."""
    site = team.organisation.coordinates
    assert site is not None
    strew = random.Random(partners)
    made = tuple(
        dataclasses.replace(
            team.partners[index % len(team.partners)],
            number=index + 1,
            name=f"Partner {index + 1}",
            coordinates=LatLon(
                site.lat + strew.uniform(-0.004, 0.004), site.lon + strew.uniform(-0.006, 0.006)
            ),
        )
        for index in range(partners)
    )
    return team.replace(partners=made)


def crowded_poster(team: Team, options: PackOptions, out: Path) -> Callable[[], None]:
    base = make_base_map(
        team, map_frame_mm(team, options, Templates()), options, out, SilentProgress()
    )

    def run() -> None:
        folder = out / f"crowded-{len(team.partners)}"
        folder.mkdir(exist_ok=True)
        write_poster(team, base, options, folder, Templates())

    return run


def crowded_pack(team: Team, options: PackOptions, out: Path) -> Callable[[], None]:
    def run() -> None:
        base = make_base_map(
            team, map_frame_mm(team, options, Templates()), options, out, SilentProgress()
        )
        folder = out / f"crowded-pack-{len(team.partners)}"
        folder.mkdir(exist_ok=True)
        render_pack(team, base, folder, options)

    return run


def memory_growth(
    workbook: Path, options: PackOptions, out: Path, packs: int
) -> Callable[[], None]:
    """The resident memory after the first pack and after the last, written to ``report``."""
    report = out / "growth.txt"

    def resident_mb() -> float:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20

    def run() -> None:
        sizes = []
        for _ in range(packs):
            generate_packs([workbook], out / "growth", options)
            sizes.append(resident_mb())
        report.write_text(f"{sizes[0]} {sizes[-1]}")

    return run


def batch_in_turn(
    workbooks: list[Path], options: PackOptions, out: Path, repeats: int, pdfs: str
) -> tuple[Row, Row, float]:
    """One generate call for all, and one CLI run per workbook as a shell loop would, in turn;
    and the CPU time this (parent) process spent per pack of the batch. ``pdfs`` says whether
    the worksheets go through LibreOffice too."""
    batch_runs, single_runs, parent_cpu = [], [], []
    soffice = None if pdfs == "with" else ""
    options = dataclasses.replace(options, soffice=soffice)
    environment = {**os.environ, "BUURTKAART_TILE_URL": options.tile_url or ""}
    if soffice is not None:
        environment["BUURTKAART_SOFFICE"] = soffice
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_SELF)
        start = time.perf_counter()
        generate_packs(workbooks, out / "batch", options)
        batch_runs.append(Run(time.perf_counter() - start, 0.0))
        after = resource.getrusage(resource.RUSAGE_SELF)
        parent_cpu.append(
            (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / len(workbooks)
        )
        start = time.perf_counter()
        for workbook in workbooks:
            subprocess.run(
                [*CLI, "generate", str(workbook), "--out", str(out / "cli")],
                cwd=REPO,
                check=True,
                capture_output=True,
                env=environment,
            )
        single_runs.append(Run(time.perf_counter() - start, 0.0))
    return (
        Row(f"batch of {len(workbooks)} workbooks, {pdfs} PDFs", batch_runs),
        Row(f"{len(workbooks)} single CLI runs, {pdfs} PDFs", single_runs),
        statistics.median(parent_cpu),
    )


@dataclass
class Report:
    """The rows measured and the ratios and targets judged, printed as two tables."""

    idle_mb: float
    rows: list[tuple[str, Row]] = dataclasses.field(default_factory=list)
    verdicts: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)

    def ratio(
        self, label: str, pairs: list[tuple[Run, Run]], target: str, ok: Callable[[float], bool]
    ) -> None:
        """a / b over runs taken in turn: the median of the ratios, and their range."""
        ratios = [(a.seconds or 0.0) / (b.seconds or 1.0) for a, b in pairs]
        self._verdict(label, ratios, target, ok)

    def memory_ratio(self, label: str, pairs: list[tuple[Run, Run]], target: str) -> None:
        """Peak memory a / b, of whole processes and net of the idle child's."""
        whole = [a.peak_mb / b.peak_mb for a, b in pairs]
        net = [(a.peak_mb - self.idle_mb) / (b.peak_mb - self.idle_mb) for a, b in pairs]
        self._verdict(f"{label}, whole processes", whole, target, lambda value: value <= 0.25)
        self._verdict(f"{label}, net of the idle child", net, "-", None)

    def target(self, label: str, value: float | None, target: str, bound: float) -> None:
        """One figure against its bound; None is a run stopped at its time limit."""
        if value is None:
            self.verdicts.append(f"| {label} | stopped at the limit | | {target} | MISSED |")
        else:
            judged = None if target == "-" else lambda found: found <= bound
            self._verdict(label, [value], target, judged)

    def _verdict(
        self, label: str, values: list[float], target: str, ok: Callable[[float], bool] | None
    ) -> None:
        median = statistics.median(values)
        spread = f"{min(values):.2f}-{max(values):.2f}" if len(values) > 1 else ""
        outcome = "" if ok is None else "met" if ok(median) else "MISSED"
        self.verdicts.append(f"| {label} | {median:.2f} | {spread} | {target} | {outcome} |")

    def print(self, header: str) -> None:
        print(header)
        print("; ".join(self.notes) + "\n")
        print("| run | tiles | time (s), median (range) | peak memory, whole (MB) | net (MB) |")
        print("|---|---|---:|---:|---:|")
        for kind, row in self.rows:
            memory = (
                f"{row.peak_mb:.0f} | {row.peak_mb - self.idle_mb:.0f}" if row.peak_mb else "- | -"
            )
            print(f"| {row.name} | {kind} | {time_text(row)} | {memory} |")
        print("\n| ratio or target | median | range | target | |\n|---|---:|---|---|---|")
        print("\n".join(self.verdicts))


def time_text(row: Row) -> str:
    times = [run.seconds for run in row.runs if run.seconds is not None]
    if len(times) < len(row.runs):
        return "stopped at the limit"
    if len(times) == 1:
        return f"{times[0]:.2f}"
    return f"{statistics.median(times):.2f} ({min(times):.2f}-{max(times):.2f})"


def poster_rows(
    report: Report, kind: str, team: Team, options: PackOptions, out: Path, repeats: int
) -> None:
    """The poster against the naive pipeline and the floor, with this kind of tiles."""
    rows = in_turn(
        [
            ("naive (staticmap render + drawImage of PIL image)", naive_poster(team, options, out)),
            ("buurtkaart poster PDF", buurtkaart_poster(team, options, out)),
            ("floor (decode tiles, compress once)", floor(team, options, out)),
            ("buurtkaart poster alone (PDF, preview, stickers)", poster_files(team, options, out)),
            ("buurtkaart whole pack", whole_pack(team, options, out)),
        ],
        repeats,
    )
    report.rows += [(kind, row) for row in rows.values()]
    naive, poster, lowest, alone, pack = (row.runs for row in rows.values())
    report.ratio(
        f"{kind}: naive time / poster time",
        list(zip(naive, poster, strict=True)),
        ">= 3",
        lambda value: value >= 3,
    )
    report.memory_ratio(
        f"{kind}: poster memory / naive memory", list(zip(poster, naive, strict=True)), "<= 0.25"
    )
    report.ratio(
        f"{kind}: poster time / floor time",
        list(zip(poster, lowest, strict=True)),
        "<= 1.5",
        lambda value: value <= 1.5,
    )
    report.ratio(
        f"{kind}: pack time / poster alone time",
        list(zip(pack, alone, strict=True)),
        "< 2",
        lambda value: value < 2,
    )


def crowd_rows(report: Report, team: Team, options: PackOptions, out: Path) -> None:
    """Many partners: the poster files at 1,000 and 3,000, a whole pack at 5,000."""
    for partners, limit in ((1000, 3.0), (3000, 10.0)):
        crowded = crowded_team(team, partners)
        row = Row(
            f"poster files, {partners} partners",
            [in_child(crowded_poster(crowded, options, out), limit * 4)],
        )
        report.rows.append(("flat", row))
        report.target(
            f"poster files at {partners:,} partners (s)", row.seconds, f"<= {limit:g}", limit
        )
    crowded = crowded_team(team, 5000)
    # Without the worksheets' PDFs: LibreOffice's time for 5,000 rows is its own, not ours.
    without_pdfs = dataclasses.replace(options, soffice="")
    row = Row(
        "whole pack without PDFs, 5000 partners",
        [in_child(crowded_pack(crowded, without_pdfs, out), 80.0)],
    )
    report.rows.append(("flat", row))
    report.target("whole pack without PDFs at 5,000 partners (s)", row.seconds, "<= 20", 20.0)


def batch_rows(
    report: Report, workbooks: list[Path], options: PackOptions, out: Path, repeats: int
) -> None:
    generate_packs(workbooks, out / "warm-batch", options)  # warms every tile
    for pdfs in ("without", "with") if find_soffice(options) else ("without",):
        batch, singles, parent_cpu = batch_in_turn(workbooks, options, out, repeats, pdfs)
        report.rows += [("flat", batch), ("flat", singles)]
        report.ratio(
            f"batch time / single CLI runs, {pdfs} PDFs",
            list(zip(batch.runs, singles.runs, strict=True)),
            "<= 0.45",
            lambda value: value <= 0.45,
        )
        report.target(f"parent CPU per pack of the batch, {pdfs} PDFs (s)", parent_cpu, "-", 0.0)


def growth_rows(
    report: Report, workbook: Path, options: PackOptions, out: Path, packs: int
) -> None:
    # LibreOffice runs as a process of its own: its memory is not this process's.
    in_child(memory_growth(workbook, dataclasses.replace(options, soffice=""), out, packs))
    first, last = (float(size) for size in (out / "growth.txt").read_text().split())
    report.target(f"memory growth over {packs} packs (fraction)", last / first - 1, "<= 0.10", 0.10)
    report.notes.append(
        f"growth run: {first:.0f} MB resident after the first pack, {last:.0f} MB after the last"
    )


def startup_rows(report: Report, repeats: int) -> None:
    # As pip installs a package: with its bytecode compiled (this shell may forbid writing it).
    compileall.compile_dir(REPO / "generator", quiet=1)
    bare = processes("python -c pass", [sys.executable, "-c", "pass"], repeats)
    helped = processes("buurtkaart --help", [*CLI, "--help"], repeats)
    validated = processes(
        "buurtkaart validate (example)", [*CLI, "validate", str(EXAMPLE)], repeats
    )
    report.rows += [("-", bare), ("-", helped), ("-", validated)]
    report.target("buurtkaart --help (s)", helped.seconds, "<= 0.15", 0.15)
    report.target("buurtkaart validate of the example (s)", validated.seconds, "<= 0.3", 0.3)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--paper", default="A1", choices=["A0", "A1", "A2", "A3"])
    parser.add_argument("--batch", type=int, default=20, help="workbooks in the batch run")
    parser.add_argument("--repeats", type=int, default=5, help="runs of each side of a ratio")
    parser.add_argument("--growth-packs", type=int, default=40, help="packs in the growth run")
    arguments = parser.parse_args()
    repeats = arguments.repeats

    load_at_start = os.getloadavg()[0]
    scratch = Path(tempfile.mkdtemp(prefix="buurtkaart-bench-"))
    try:
        report = Report(in_turn([("idle", lambda: None)], repeats)["idle"].peak_mb)
        for kind, draw in TILE_KINDS.items():
            with serving(draw) as url:
                out = scratch / kind
                out.mkdir()
                options = PackOptions(
                    tile_url=url, paper=arguments.paper, cache_dir=out / "cache", basemap="tiles"
                )
                team = place_team(read_team(EXAMPLE), options, SilentProgress())
                view = make_base_map(
                    team, map_frame_mm(team, options, Templates()), options, out, SilentProgress()
                ).view
                report.notes.append(
                    f"{kind} tiles: base map {view.width_px} x {view.height_px} px at zoom "
                    f"{view.zoom}, {len(tiles_of(view))} tiles"
                )
                poster_rows(report, kind, team, options, out, repeats)
                if kind != "flat":
                    continue
                # What follows does not hang on the tiles' detail: measured with flat ones.
                crowd_rows(report, team, options, out)
                workbooks = team_workbooks(arguments.batch, out)
                batch_rows(report, workbooks, options, out, max(1, repeats // 2))
                growth_rows(report, workbooks[0], options, out, arguments.growth_packs)
        startup_rows(report, repeats)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report.print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}; load average "
        f"{load_at_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end. Paper "
        f"{arguments.paper}; idle child {report.idle_mb:.0f} MB"
    )


if __name__ == "__main__":
    main()
