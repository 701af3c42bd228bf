"""The worksheets as PDF too, through LibreOffice, so a facilitator can print them without Word.

LibreOffice (``soffice``) is optional: without it the pack holds the DOCX files only and the run
says so. Each conversion runs headless in a private, temporary profile (so an open LibreOffice
window neither blocks it nor is disturbed), under a time limit, and its PDFs are made
reproducible: LibreOffice stamps each with the time and a random document ID.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from generator.errors import OutputError
from generator.i18n import _
from generator.options import PackOptions

SOFFICE_VARIABLE = "BUURTKAART_SOFFICE"
# A first conversion with a fresh profile takes a few seconds; nine worksheets about ten.
TIMEOUT_S = 180

_DATE = re.compile(rb"(/(?:CreationDate|ModDate)\(D:)\d{14}")
_ID = re.compile(rb"(/ID \[ ?<)[0-9A-F]{32}(>\s*<)[0-9A-F]{32}(>)")
_CHECKSUM = re.compile(rb"(/DocChecksum /)[0-9A-F]{32}")


def find_soffice(options: PackOptions) -> str | None:
    """LibreOffice's soffice: the option (``BUURTKAART_SOFFICE`` fills it), else the one on
    the PATH.

    An empty value switches the PDFs off.
    """
    chosen = _chosen(options)
    if chosen is None:
        return shutil.which("soffice") or shutil.which("libreoffice")
    return shutil.which(chosen) if chosen else None


def _chosen(options: PackOptions) -> str | None:
    return options.soffice


def missing_soffice_warning(options: PackOptions) -> str | None:
    """What the run's summary says when the worksheets stay DOCX only for want of LibreOffice
    (nothing when the facilitator switched the PDFs off)."""
    if _chosen(options) == "" or find_soffice(options) is not None:
        return None
    return _(
        "LibreOffice (soffice) was not found: the worksheets are in the pack as Word files "
        "(.docx) only; install LibreOffice to have them as PDF too, or name its soffice in "
        "{variable}"
    ).format(variable=SOFFICE_VARIABLE)


def soffice_command(soffice: str, profile: Path, out_dir: Path, documents: list[Path]) -> list[str]:
    return [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        "pdf",
        "--outdir",
        str(out_dir),
        *(str(document) for document in documents),
    ]


def write_pdfs(soffice: str, folder: Path, names: list[str]) -> list[str]:
    """Convert the named DOCX files in folder to PDF beside them; return the PDFs' names."""
    pdf_names = [str(Path(name).with_suffix(".pdf")) for name in names]
    with tempfile.TemporaryDirectory(prefix="buurtkaart-soffice-") as work:
        profile, out_dir = Path(work) / "profile", Path(work) / "pdf"
        command = soffice_command(soffice, profile, out_dir, [folder / name for name in names])
        try:
            done = subprocess.run(command, capture_output=True, timeout=TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as exc:
            raise OutputError(
                _(
                    "LibreOffice took more than {seconds} s to turn the worksheets into PDF; "
                    "run again, or set {variable} to an empty value to skip the PDFs"
                ).format(seconds=TIMEOUT_S, variable=SOFFICE_VARIABLE)
            ) from exc
        missing = [name for name in pdf_names if not (out_dir / name).is_file()]
        if done.returncode != 0 or missing:
            reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise OutputError(
                _(
                    "LibreOffice ({soffice}) could not turn the worksheets into PDF ({reason}); "
                    "check that it starts, or set {variable} to an empty value to skip the PDFs"
                ).format(
                    soffice=soffice,
                    reason=_("exit code {code}").format(code=done.returncode)
                    + (f": {reason[-1]}" if reason else ""),
                    variable=SOFFICE_VARIABLE,
                )
            )
        for name in pdf_names:
            (folder / name).write_bytes(reproducible((out_dir / name).read_bytes()))
    return pdf_names


def reproducible(pdf: bytes) -> bytes:
    """The same PDF with a fixed date and an ID derived from its content (lengths unchanged,
    so the cross-reference table stays right)."""
    pdf = _DATE.sub(rb"\g<1>19800101000000", pdf)
    blank = _CHECKSUM.sub(rb"\g<1>" + b"0" * 32, _ID.sub(rb"\g<1>\g<2>\g<3>", pdf))
    digest = hashlib.md5(blank, usedforsecurity=False).hexdigest().upper().encode()
    pdf = _ID.sub(rb"\g<1>" + digest + rb"\g<2>" + digest + rb"\g<3>", pdf)
    return _CHECKSUM.sub(rb"\g<1>" + digest, pdf)
