"""Time of the worksheet stage of one pack: the first pack of a process and the next ones.

Run from the repository root:  python benchmarks/worksheets.py [--runs 15]

The example team is written and read as a facilitator's would be; then write_worksheets runs
``--runs`` times in this one process into fresh folders, without the PDFs (LibreOffice takes
seconds a pack, whatever buurtkaart does). The first run pays for opening and
compiling the templates; the median of the others is what each further pack of a batch costs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.options import PackOptions  # noqa: E402
from generator.resources import Templates  # noqa: E402
from generator.workbook import read_team, write_workbook  # noqa: E402
from generator.workbook.spec import load_spec  # noqa: E402
from generator.worksheets import write_worksheets  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    templates = Templates()
    options = PackOptions(soffice="")  # the DOCX files only: LibreOffice's PDFs take seconds
    with tempfile.TemporaryDirectory() as work:
        workbook = Path(work) / "voorbeeld.xlsx"
        write_workbook(workbook, example=True, templates=templates)
        team = read_team(workbook, load_spec(templates))
        times = []
        for run in range(args.runs):
            folder = Path(work) / f"pack-{run}"
            folder.mkdir()
            start = time.perf_counter()
            write_worksheets(team, folder, templates, options)
            times.append(time.perf_counter() - start)
    later = times[1:]
    print(f"first pack of a process: {times[0]:.3f} s")
    print(
        f"each further pack: median {statistics.median(later):.3f} s "
        f"(min {min(later):.3f}, max {max(later):.3f}, {len(later)} runs)"
    )


if __name__ == "__main__":
    main()
