"""How many of the real streets on the example's poster carry their name.

    python benchmarks/label_coverage.py ../shared/osm/gent-dampoort-streets.geojson.gz

The Gent-Dampoort streets are served by a local Overpass stand-in (the real HTTP path runs),
the example team is placed and its poster planned with every overlay, and for each paper size
this prints the share of named streets that run more than 200 m inside the map frame and carry
at least one label (the goal: 85 % or more), with the ones that do not.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from shapely import MultiLineString, clip_by_rect  # noqa: E402

from benchmarks.overpass_standin import serving  # noqa: E402
from generator.cartography import streets_on_page  # noqa: E402
from generator.map.stage import map_stage  # noqa: E402
from generator.options import PackOptions  # noqa: E402
from generator.poster import map_frame_mm  # noqa: E402
from generator.poster.document import prepare_poster  # noqa: E402
from generator.poster.style import load_style  # noqa: E402
from generator.progress import SilentProgress  # noqa: E402
from generator.resources import Templates  # noqa: E402
from generator.workbook import read_team  # noqa: E402

EXAMPLE = REPO / "input" / "voorbeeld.xlsx"
LONG_M = 200.0
GOAL = 0.85


def coverage(paper: str, landscape: bool, overpass_url: str, cache: Path) -> None:
    options = PackOptions(
        paper=paper, landscape=landscape, overpass_url=overpass_url, cache_dir=cache
    )
    team = read_team(EXAMPLE)
    with map_stage(options, SilentProgress()) as stage:
        frame = map_frame_mm(team, options, Templates())
        placed, base = stage.map_team(team, frame, cache)
    assert base.data is not None, base.warning
    start = time.perf_counter()
    poster = prepare_poster(placed, base, options, load_style(Templates()))
    seconds = time.perf_counter() - start
    plan = poster.plan
    per_metre = plan.frame.points_per_metre(plan.view)
    rect = plan.rect
    labelled = {label.name for label in plan.street_labels}
    long_streets = []
    for street in streets_on_page(base.data, plan.frame.projection(plan.view)):
        lines = MultiLineString([list(line) for line in street.lines if len(line) > 1])
        inside = clip_by_rect(lines, rect.x, rect.y, rect.right, rect.top)
        if inside.length / per_metre > LONG_M:
            long_streets.append(street.name)
    missing = sorted(name for name in long_streets if name not in labelled)
    share = 1 - len(missing) / max(len(long_streets), 1)
    verdict = "meets" if share >= GOAL else "misses"
    print(
        f"{paper}{' landscape' if landscape else ''}: {share:.1%} of {len(long_streets)} streets "
        f"longer than {LONG_M:g} m labelled ({verdict} {GOAL:.0%}); {len(plan.street_labels)} "
        f"labels; poster planned in {seconds:.2f} s"
    )
    print(f"  without a label: {', '.join(missing)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("geojson", type=Path)
    args = parser.parse_args()
    with serving(args.geojson) as server, tempfile.TemporaryDirectory() as folder:
        for paper, landscape in (("A1", False), ("A3", True), ("A0", False)):
            coverage(paper, landscape, server.url, Path(folder))


if __name__ == "__main__":
    main()
