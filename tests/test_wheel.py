"""Templates and fonts travel in the wheel and are found from an installed package."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_an_installed_wheel_finds_its_templates(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(tmp_path / "dist"),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = (tmp_path / "dist").glob("buurtkaart-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in (
        "workbook.toml",
        "voorbeeld.toml",
        "huisstijl.toml",
        "poster.toml",
        "kaart.toml",
        "fonts/DejaVuSans.ttf",
        "werkbladen/4-kaartoefening.docx",
        "locale/nl/LC_MESSAGES/buurtkaart.mo",
    ):
        assert f"generator/templates/{template}" in names

    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "--disable-pip-version-check",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    probe = (
        "from generator.resources import Templates, default_templates_dir\n"
        "from generator.workbook.spec import load_spec\n"
        "print(default_templates_dir())\n"
        "print(load_spec(Templates()).sheets['partners'])\n"
        "from generator.i18n import _, use_language\n"
        "use_language('nl')\n"
        "print(_('the file does not exist'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(site)},
    )
    assert result.stdout.splitlines() == [
        str(site / "generator" / "templates"),
        "Buurtpartners",
        "het bestand bestaat niet",  # the compiled catalogue travels in the wheel
    ]
