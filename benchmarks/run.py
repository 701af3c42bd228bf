"""Speed and memory of buurtkaart's poster against the naive pipeline and the floor.

Run from the repository root:  python benchmarks/run.py [--paper A1] [--batch 20]

Everything runs in this one invocation, against a tile server on 127.0.0.1 with a warm cache.
Each measurement runs in a forked child so that its peak memory (ru_maxrss from wait4) is its
own; the memory shown is that peak minus the peak of an idle child forked the same way. Single
measurements are the median of five children; the batch runs are timed once each.

- naive: what a user would write: staticmap's render() with markers, the PIL image handed to
  reportlab's drawImage.
- poster: buurtkaart's base map (from the warm cache) and poster PDF.
- floor: decoding the same tiles and compressing the map image once.
- pack: the example's whole pack (poster, preview, stickers, worksheets).
- batch: 20 workbooks in one generate call against 20 single generate calls.
"""

from __future__ import annotations

import argparse
import io
import os
import pickle
import platform
import resource
import shutil
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

from generator.map.basemap import JPEG_QUALITY, make_base_map, tile_cache, tiles_of  # noqa: E402
from generator.map.geocode import place_team  # noqa: E402
from generator.map.maptiles import TILE_FORMATS, parse_tile_template  # noqa: E402
from generator.model import Team  # noqa: E402
from generator.options import PackOptions  # noqa: E402
from generator.pack import generate_packs, render_pack  # noqa: E402
from generator.poster import map_frame_mm, write_poster  # noqa: E402
from generator.poster.document import prepare_poster, write_poster_pdf  # noqa: E402
from generator.poster.layout import page_size  # noqa: E402
from generator.poster.style import load_style  # noqa: E402
from generator.progress import SilentProgress  # noqa: E402
from generator.resources import Templates  # noqa: E402
from generator.workbook import read_team  # noqa: E402
from tests.servers import running_tile_server  # noqa: E402

EXAMPLE = REPO / "input" / "voorbeeld.xlsx"


@dataclass(frozen=True)
class Measurement:
    name: str
    seconds: float
    peak_mb: float | None


def timed(name: str, work: Callable[[], None]) -> Measurement:
    """In this process: a batch starts worker processes of its own, which a fork would break."""
    start = time.perf_counter()
    work()
    return Measurement(name, time.perf_counter() - start, None)


REPEATS = 5


def measure(name: str, work: Callable[[], None]) -> Measurement:
    """The median over REPEATS forked children of wall time and own peak resident memory."""
    runs = [_measure_once(name, work) for _ in range(REPEATS)]
    return Measurement(
        name,
        statistics.median(run.seconds for run in runs),
        statistics.median(run.peak_mb or 0.0 for run in runs),
    )


def _measure_once(name: str, work: Callable[[], None]) -> Measurement:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: do the work, send the time, leave without cleanup handlers
        os.close(read_end)
        start = time.perf_counter()
        work()
        elapsed = time.perf_counter() - start
        os.write(write_end, pickle.dumps(elapsed))
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        payload = pipe.read()
    _, status, usage = os.wait4(pid, 0)
    if status != 0 or not payload:
        raise SystemExit(f"{name}: the measurement failed (status {status})")
    return Measurement(name, pickle.loads(payload), usage.ru_maxrss / 1024)


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


def batch_against_singles(
    workbooks: list[Path], options: PackOptions, out: Path
) -> tuple[Callable[[], None], Callable[[], None], Callable[[], None]]:
    """One generate call for all; one CLI run per workbook, as a shell loop would; and the
    same single runs inside this process (no interpreter start-up), for comparison."""

    def batch() -> None:
        generate_packs(workbooks, out / "batch", options)

    def cli_singles() -> None:
        for workbook in workbooks:
            subprocess.run(
                ["buurtkaart", "generate", str(workbook), "--out", str(out / "cli")],
                check=True,
                capture_output=True,
            )

    def singles() -> None:
        for workbook in workbooks:
            generate_packs([workbook], out / "singles", options)

    return batch, cli_singles, singles


def table(rows: list[Measurement]) -> str:
    lines = ["| run | time (s) | peak memory (MB) |", "|---|---:|---:|"]
    lines += [
        f"| {row.name} | {row.seconds:.2f} | "
        f"{'-' if row.peak_mb is None else f'{row.peak_mb:.0f}'} |"
        for row in rows
    ]
    return "\n".join(lines)


def verdict(label: str, value: float, target: str, ok: bool) -> str:
    outcome = "" if target == "-" else "met" if ok else "MISSED"
    return f"| {label} | {value:.2f} | {target} | {outcome} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paper", default="A1", choices=["A0", "A1", "A2", "A3"])
    parser.add_argument("--batch", type=int, default=20, help="workbooks in the batch run")
    arguments = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="buurtkaart-bench-"))
    os.environ["BUURTKAART_CACHE_DIR"] = str(scratch / "cache")
    try:
        with running_tile_server() as server:
            os.environ["BUURTKAART_TILE_URL"] = server.url
            options = PackOptions(tile_url=server.url, paper=arguments.paper)
            team = place_team(read_team(EXAMPLE), options, SilentProgress())
            warm = scratch / "warm"
            warm.mkdir()
            base = make_base_map(
                team, map_frame_mm(team, options, Templates()), options, warm, SilentProgress()
            )
            workbooks = team_workbooks(arguments.batch, scratch)
            batch, cli_singles, singles = batch_against_singles(workbooks, options, scratch)
            generate_packs(workbooks, scratch / "warm-batch", options)  # warms every tile

            idle = measure("idle", lambda: None)
            runs = [
                measure(
                    "naive (staticmap render + drawImage of PIL image)",
                    naive_poster(team, options, scratch),
                ),
                measure("buurtkaart poster PDF", buurtkaart_poster(team, options, scratch)),
                measure("floor (decode tiles, compress once)", floor(team, options, scratch)),
                measure(
                    "buurtkaart poster alone (PDF, preview, stickers)",
                    poster_files(team, options, scratch),
                ),
                measure("buurtkaart whole pack", whole_pack(team, options, scratch)),
                timed(f"batch of {len(workbooks)} workbooks", batch),
                timed(f"{len(workbooks)} single CLI runs", cli_singles),
                timed(f"{len(workbooks)} single runs in one process", singles),
            ]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    idle_mb = idle.peak_mb or 0.0
    runs = [
        Measurement(r.name, r.seconds, None if r.peak_mb is None else r.peak_mb - idle_mb)
        for r in runs
    ]
    naive, poster, lowest, poster_alone, pack, batched, single, in_process = runs
    view = base.view
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}"
    )
    print(
        f"Paper {arguments.paper}; base map {view.width_px} x {view.height_px} px at zoom "
        f"{view.zoom}, {len(tiles_of(view))} tiles; idle child {idle.peak_mb:.0f} MB "
        f"(subtracted)\n"
    )
    print(table(runs))
    memory_ratio = (poster.peak_mb or 0.0) / (naive.peak_mb or 1.0)
    targets = [
        ("naive time / poster time", naive.seconds / poster.seconds, ">= 3", 3.0, True),
        ("poster memory / naive memory", memory_ratio, "<= 0.25", 0.25, False),
        ("poster time / floor time", poster.seconds / lowest.seconds, "<= 1.5", 1.5, False),
        ("pack time / poster alone time", pack.seconds / poster_alone.seconds, "< 2", 2.0, False),
        ("batch time / single CLI runs", batched.seconds / single.seconds, "<= 0.6", 0.6, False),
        (
            "batch time / single runs in one process",
            batched.seconds / in_process.seconds,
            "-",
            float("inf"),
            False,
        ),
    ]
    print("\n| ratio | value | target | |\n|---|---:|---|---|")
    for label, value, target, bound, at_least in targets:
        print(verdict(label, value, target, value >= bound if at_least else value <= bound))
    print(
        f"\nmax resident of this process: "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
