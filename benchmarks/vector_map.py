"""The vector base map measured on a real extract: poster time, memory and size, against tiles.

    python benchmarks/vector_map.py ../shared/osm/monaco.osm.pbf [--runs 5]

The example team is moved to the middle of the extract's streets. Each run is a fresh child
process (so its peak memory is its own), and the sides of every ratio run in turn:

- vector: the A1 poster drawn from the extract's data (map data already clipped and cached);
- tiles: the same poster over a raster base map of the same frame (a detailed JPEG, as the
  tile path hands it over);
- floor: the least any vector poster costs: the map's paths written once into a PDF.

Then the batch: the data of 20 frames read from the file in one pass, against one frame.
Prints medians with the spread (min-max) of the runs. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from PIL import Image, ImageDraw  # noqa: E402

from generator.map.basemap import BaseMap  # noqa: E402
from generator.map.geometry import Extent  # noqa: E402
from generator.map.osmfile import read_extract  # noqa: E402
from generator.map.stage import map_stage  # noqa: E402
from generator.model import LatLon, Placed, Team  # noqa: E402
from generator.options import PackOptions  # noqa: E402
from generator.poster import map_frame_mm, write_poster  # noqa: E402
from generator.progress import SilentProgress  # noqa: E402
from generator.resources import Templates  # noqa: E402
from generator.workbook import read_team  # noqa: E402

EXAMPLE = REPO / "input" / "voorbeeld.xlsx"
TARGET_SECONDS = 2.5
TARGET_MB = 300
TARGET_PDF_MB = 3.0
TARGET_TILE_RATIO = 3.0
# The floor is the map's paths written once; the poster writes them too, and besides them the
# overlays, labels, preview, stickers and street index (about 0.4 s alone). Four times the
# floor leaves that work its room; the raster poster's 1.5 times its floor has nothing
# comparable to draw.
TARGET_FLOOR_RATIO = 4.0


def moved_team(centre: LatLon) -> Team:
    """The example team with every placed record shifted so its site lies at ``centre``."""
    team = read_team(EXAMPLE)
    site = team.organisation.coordinates
    assert site is not None

    def moved(record: Placed) -> Placed:
        if record.coordinates is None:
            return record
        point = LatLon(
            record.coordinates.lat - site.lat + centre.lat,
            record.coordinates.lon - site.lon + centre.lon,
        )
        return dataclasses.replace(record, coordinates=point)

    return team.replace(
        organisation=moved(team.organisation),
        participants=tuple(moved(record) for record in team.participants),
        partners=tuple(moved(record) for record in team.partners),
    )


def extract_centre(path: Path) -> LatLon:
    """The middle of the extract's named streets, found from a frame around the whole file."""
    [data] = read_extract(path, [Extent(-85, -180, 85, 180)])
    points = [point for road in data.roads if road.name for point in road.points]
    lons = sorted(lon for lon, _ in points)
    lats = sorted(lat for _, lat in points)
    return LatLon(lat=lats[len(lats) // 2], lon=lons[len(lons) // 2])


def vector_base(team: Team, options: PackOptions, work: Path) -> tuple[Team, BaseMap]:
    with map_stage(options, SilentProgress()) as stage:
        frame = map_frame_mm(team, options, Templates())
        stage.prepare([(team, frame)])
        return stage.map_team(team, frame, work)


def tile_base(vector: BaseMap, work: Path) -> BaseMap:
    """A raster of the same view, as detailed as real tiles (lines and text on every tile)."""
    view = vector.view
    image = Image.new("RGB", (view.width_px, view.height_px), (242, 239, 233))
    draw = ImageDraw.Draw(image)
    rng = random.Random(7)
    for _ in range(view.width_px * view.height_px // 900):
        x, y = rng.randrange(view.width_px), rng.randrange(view.height_px)
        draw.line(
            [(x, y), (x + rng.randint(-60, 60), y + rng.randint(-60, 60))],
            fill=(255, 255, 255),
            width=rng.choice((2, 4, 7)),
        )
        if rng.random() < 0.05:
            draw.text((x, y), "Rue", fill=(90, 90, 90))
    path = work / "basemap.jpg"
    image.save(path, format="JPEG", quality=90, subsampling=0)
    return dataclasses.replace(vector, image=path, data=None)


def _child(kind: str, team: Team, base: BaseMap, options: PackOptions, queue: object) -> None:
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        if kind == "floor":
            _floor(base, Path(folder) / "floor.pdf")
            size = (Path(folder) / "floor.pdf").stat().st_size
        else:
            names = write_poster(team, base, options, Path(folder), Templates())
            size = (Path(folder) / names[0]).stat().st_size
        seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((seconds, peak_mb, size))  # type: ignore[attr-defined]


def _floor(base: BaseMap, path: Path) -> None:
    """The map's layers written once, with nothing else on the page."""
    from reportlab.pdfgen.canvas import Canvas

    from generator.cartography.drawing import draw_base_layers
    from generator.cartography.mapstyle import load_map_style
    from generator.map.geometry import Rect

    assert base.data is not None
    rect = Rect(0, 0, 1500, 1600)
    canvas = Canvas(str(path), pagesize=(rect.width, rect.height), invariant=1)
    projection = rect.as_frame().projection(base.view)
    draw_base_layers(
        canvas,
        base.data,
        projection,
        rect,
        load_map_style(Templates()),
        paper_scale=1.0,
        denominator=5000,
        low_ink=False,
    )
    canvas.showPage()
    canvas.save()


def measure(kind: str, team: Team, base: BaseMap, options: PackOptions) -> tuple[float, float, int]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(kind, team, base, options, queue))
    process.start()
    result: tuple[float, float, int] = queue.get()
    process.join()
    return result


def spread(values: list[float], digits: int = 2) -> str:
    return (
        f"{statistics.median(values):.{digits}f} "
        f"({min(values):.{digits}f}-{max(values):.{digits}f})"
    )


def timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("extract", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    centre = extract_centre(args.extract)
    team = moved_team(centre)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        options = PackOptions(osm_file=args.extract, cache_dir=work / "cache")
        team, vector = vector_base(team, options, work)
        assert vector.data is not None, vector.warning
        tiles = tile_base(vector, work)
        results: dict[str, list[tuple[float, float, int]]] = {
            "vector": [],
            "tiles": [],
            "floor": [],
        }
        for _ in range(args.runs):  # the sides in turn, so load on the machine hits them alike
            for kind, base in (("vector", vector), ("tiles", tiles), ("floor", vector)):
                results[kind].append(measure(kind, team, base, options))
        print(f"extract: {args.extract.name}; frame around {centre.lat:.4f}, {centre.lon:.4f}")
        print(f"layers: {vector.data.counts()}")
        print(f"runs: {args.runs} each, in turn, each a fresh process (median (min-max))")
        for kind, rows in results.items():
            seconds = [row[0] for row in rows]
            memory = [row[1] for row in rows]
            size_mb = rows[0][2] / 2**20
            print(
                f"{kind:7} {spread(seconds)} s, peak {spread(memory, 0)} MB (whole process), "
                f"PDF {size_mb:.2f} MB"
            )
        ratios = [v[0] / t[0] for v, t in zip(results["vector"], results["tiles"], strict=True)]
        floor = [v[0] / f[0] for v, f in zip(results["vector"], results["floor"], strict=True)]
        vector_s = statistics.median(row[0] for row in results["vector"])
        vector_mb = statistics.median(row[1] for row in results["vector"])
        print(f"vector / tiles: {spread(ratios)} (target <= {TARGET_TILE_RATIO})")
        print(f"vector / floor: {spread(floor)} (target <= {TARGET_FLOOR_RATIO})")
        print(
            f"targets: poster <= {TARGET_SECONDS} s: {vector_s:.2f}; peak <= {TARGET_MB} MB: "
            f"{vector_mb:.0f}; PDF <= {TARGET_PDF_MB} MB: {results['vector'][0][2] / 2**20:.2f}"
        )
        batch(args.extract, centre, args.runs)


def batch(extract: Path, centre: LatLon, runs: int) -> None:
    """20 frames from one pass over the file, against a single frame."""
    frames = [
        Extent(
            centre.lat - 0.006 + dy,
            centre.lon - 0.009 + dx,
            centre.lat + 0.006 + dy,
            centre.lon + 0.009 + dx,
        )
        for dx in (-0.004, -0.002, 0.0, 0.002, 0.004)
        for dy in (-0.003, -0.001, 0.001, 0.003)
    ]
    one = [timed(lambda: read_extract(extract, frames[:1])) for _ in range(runs)]
    twenty = [timed(lambda: read_extract(extract, frames)) for _ in range(runs)]
    ratio = [b / a for a, b in zip(one, twenty, strict=True)]
    print(
        f"batch: 20 frames in one pass {spread(twenty)} s, one frame {spread(one)} s, "
        f"ratio {spread(ratio)} (20 separate reads would be about 20)"
    )


if __name__ == "__main__":
    main()
