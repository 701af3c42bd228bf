"""How well ``buurtkaart scan`` reads phone photos of an A1 poster, and what it costs.

    python benchmarks/scan.py [--osm-file ../shared/osm/monaco.osm.pbf] [--photos 10]
                              [--stickers 30] [--seed 1]

The poster is the example team's at A1: on a vector map drawn from the extract when one is
given (the team moved to its streets, as benchmarks/vector_map.py does), else on a plain base
map. Each photo gets its own stickers of the four colours (8 to 20 mm) at known places, and is
taken in software (tests/photo_support.py) with its own camera: up to 35 degrees off square,
turned up to 20 degrees, a lighting gradient, vignette and shadow band, Gaussian blur, JPEG at
quality 60, 8 or 12 megapixels, a wall around the poster.

Each photo is scanned by ``buurtkaart scan`` as a new process, so its time includes start-up
and its peak memory (GNU time's maximum resident set) is the whole process's; its CPU time
(user and system) is given too, since this shared machine's load stretches wall-clock times.
Prints per photo and in total: stickers found, false stickers, right colours, centre error,
seconds and memory, with the machine's load beside the times. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.vector_map import extract_centre, moved_team, vector_base  # noqa: E402
from generator.options import PackOptions  # noqa: E402
from generator.pack import write_manifest  # noqa: E402
from generator.poster import scan_sheet, write_poster  # noqa: E402
from generator.resources import Templates  # noqa: E402
from generator.scan.sheet import read_sheet  # noqa: E402
from tests.photo_support import Shot, TrueSticker, photograph, place_stickers, stick  # noqa: E402
from tests.poster_support import example_team, synthetic_base  # noqa: E402

COLOURS = ["geel", "blauw", "groen", "rood"]
MATCH_MM = 8.0  # a found sticker this near a true one is that sticker
SIZES = ((4000, 3000), (3264, 2448))  # 12 and 8 megapixels


def make_pack(folder: Path, osm_file: Path | None) -> Path:
    folder.mkdir(parents=True)
    options = PackOptions(paper="A1", osm_file=osm_file, offline=True, cache_dir=folder / "cache")
    templates = Templates()
    if osm_file is None:
        team = example_team()
        base = synthetic_base(team, options, folder)
    else:
        team, base = vector_base(moved_team(extract_centre(osm_file)), options, folder)
    files = write_poster(team, base, options, folder, templates)
    write_manifest(
        team, folder, files, options.min_count, scan_sheet(team, base, options, templates)
    )
    return folder


def random_shot(rng: np.random.Generator, index: int) -> Shot:
    width, height = SIZES[index % 2]
    return Shot(
        width_px=width,
        height_px=height,
        tilt=float(rng.uniform(0, 35)),
        tilt_direction=float(rng.uniform(0, 360)),
        rotation=float(rng.uniform(-20, 20)),
        fill=float(rng.uniform(0.78, 0.92)),
        gradient=float(rng.uniform(0.25, 0.5)),
        vignette=float(rng.uniform(0.2, 0.4)),
        shadow=float(rng.uniform(0.3, 0.5)),
        blur=float(rng.uniform(0.8, 1.6)),
        quality=60,
    )


def scan(pack: Path, photo: Path) -> tuple[float, float, float, Path, str]:
    """Seconds, CPU seconds, peak megabytes, results folder and last message of one
    ``buurtkaart scan`` process."""
    # GNU time measures the scan's own peak: ru_maxrss of a child forked from this big
    # process would count this process's pages from before the exec
    measured = pack.parent / "time.txt"
    start = time.perf_counter()
    process = subprocess.run(
        [
            *("/usr/bin/time", "-f", "%M %U %S", "-o", str(measured)),
            *(sys.executable, "-m", "generator", "scan", str(pack), str(photo)),
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    stderr = process.stderr
    kilobytes, user, system = measured.read_text().split()[-3:]
    folders = sorted(
        (pack / "resultaat").glob("**/stickers.csv"), key=lambda path: path.stat().st_mtime
    )
    results = folders[-1].parent if folders and process.returncode == 0 else pack
    cpu = float(user) + float(system)
    return seconds, cpu, int(kilobytes) / 1024, results, stderr.strip().splitlines()[-1]


def compare(truth: list[TrueSticker], results: Path) -> tuple[int, int, int, list[float]]:
    """Found, false, right colour and the centre errors (mm) of the found."""
    with (results / "stickers.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    found = [(row["kleur"], float(row["x_mm"]), float(row["y_mm"])) for row in rows]
    used: set[int] = set()
    right, errors = 0, []
    for sticker in truth:
        distances = [
            (math.dist((x, y), (sticker.x_mm, sticker.y_mm)), index)
            for index, (_colour, x, y) in enumerate(found)
            if index not in used
        ]
        if not distances or min(distances)[0] > MATCH_MM:
            continue
        distance, index = min(distances)
        used.add(index)
        errors.append(distance)
        right += found[index][0] == COLOURS[sticker.colour]
    return len(errors), len(found) - len(used), right, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--osm-file", type=Path)
    parser.add_argument("--photos", type=int, default=10)
    parser.add_argument("--stickers", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()
    rng = np.random.default_rng(arguments.seed)
    with tempfile.TemporaryDirectory(prefix="scan-bench-") as work:
        pack = make_pack(Path(work) / "pack", arguments.osm_file)
        sheet = read_sheet(pack)
        resolution = max(SIZES[0]) / max(sheet.page_mm) * 1.1
        page = sheet.render(resolution)
        totals = {"truth": 0, "found": 0, "false": 0, "right": 0}
        all_errors: list[float] = []
        times, cpus, memories = [], [], []
        for index in range(arguments.photos):
            seed = arguments.seed * 1000 + index
            truth = place_stickers(sheet, arguments.stickers, seed)
            shot = random_shot(rng, index)
            photo = Path(work) / f"photo-{index + 1}.jpg"
            photo.write_bytes(photograph(stick(page, resolution, truth, seed), shot, seed))
            load = os.getloadavg()[0]
            seconds, cpu, megabytes, results, last = scan(pack, photo)
            if results == pack:
                print(f"photo {index + 1}: refused: {last}")
                totals["truth"] += len(truth)
                continue
            found, false, right, errors = compare(truth, results)
            totals["truth"] += len(truth)
            totals["found"] += found
            totals["false"] += false
            totals["right"] += right
            all_errors += errors
            times.append(seconds)
            cpus.append(cpu)
            memories.append(megabytes)
            print(
                f"photo {index + 1}: {shot.width_px * shot.height_px / 1e6:.0f} MP, tilt "
                f"{shot.tilt:4.1f}°, turned {shot.rotation:5.1f}°, blur {shot.blur:.1f}: found "
                f"{found}/{len(truth)}, false {false}, right colour {right}/{found}, error max "
                f"{max(errors, default=0):.1f} mm; {seconds:.1f} s ({cpu:.1f} s CPU), "
                f"{megabytes:.0f} MB "
                f"(load {load:.1f})"
            )
        photos = arguments.photos
        found = totals["found"]
        print(
            f"\n{photos} photos, {totals['truth']} stickers: found "
            f"{100 * found / max(totals['truth'], 1):.1f} %, false "
            f"{totals['false'] / photos:.2f} per photo, right colour "
            f"{100 * totals['right'] / max(found, 1):.1f} %, centre error median "
            f"{np.median(all_errors) if all_errors else 0:.2f} mm, max "
            f"{max(all_errors, default=0):.2f} mm"
        )
        if times:
            print(
                f"per photo (whole process): median {np.median(times):.1f} s, max "
                f"{max(times):.1f} s; CPU median {np.median(cpus):.1f} s, max {max(cpus):.1f} s; "
                f"peak memory max {max(memories):.0f} MB; load now "
                f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
            )


if __name__ == "__main__":
    main()
