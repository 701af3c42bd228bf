"""Photos of a worked kaart, read on the page: stickers become data, as ``buurtkaart scan`` does.

The pack is the one made in this browser session, or a pack's ZIP uploaded beside the photos.
Every file is saved under a name the server chooses, within the same kind of limits as a
workbook upload; the names the browser sent are only shown. Scans run one at a time: reading
photos takes both cores.
"""

from __future__ import annotations

import secrets
import shutil
import threading
import zipfile
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING

from generator.errors import BuurtkaartError
from generator.resources import Templates
from generator.web.batches import COPY_CHUNK, shown_name
from generator.workbook.kaartoefening import copy_name
from generator.workbook.reader import MAX_FILE_BYTES
from generator.workbook.spec import sticker_colours

if TYPE_CHECKING:
    from generator.scan import ScanReport

MAX_PHOTOS = 6  # a poster rarely needs more than two or three photos
MAX_PHOTO_BYTES = 30 * 1024 * 1024  # a 50-megapixel phone JPEG is about 20 MB
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")
MAX_PACK_ZIP_BYTES = 150 * 1024 * 1024  # a pack with an A0 raster map is about 60 MB
MAX_PACK_FILES = 60
MAX_PACK_UNPACKED_BYTES = 400 * 1024 * 1024
MAX_SCANS = 20  # kept at once; the oldest goes first
MAX_SCAN_POST_BYTES = MAX_PACK_ZIP_BYTES + MAX_PHOTOS * MAX_PHOTO_BYTES + MAX_FILE_BYTES


class ScanRefused(Exception):
    """An upload the page refuses before any photo is read; ``reason`` picks the Dutch text."""

    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


@dataclass(frozen=True)
class Download:
    """A result the page offers: the file, and the name the browser saves it under."""

    path: Path
    name: str


@dataclass
class Scan:
    """One reading of photos: what was found, or why nothing was."""

    id: str
    folder: Path  # the scan's private folder
    pack_name: str  # shown: the pack's team, or the ZIP's name
    photo_names: list[str]
    stickers: int = 0
    counts: list[tuple[str, int]] = field(default_factory=list)  # colour name, stickers
    controls: list[Path] = field(default_factory=list)  # one per photo
    downloads: list[Download] = field(default_factory=list)
    error: str | None = None

    @property
    def has_workbook(self) -> bool:
        """Whether a copy of the team's workbook with the sheet 'Kaartoefening' was made."""
        return any(download.path.suffix == ".xlsx" for download in self.downloads)


def run_scan(
    pack: Path, photos: Sequence[Path], workbook: Path | None, templates: Templates
) -> ScanReport:
    """The library's scan, as the command line runs it (imported here: OpenCV loads slowly)."""
    from generator.scan import scan_pack

    return scan_pack(pack, photos, workbook=workbook, templates=templates)


class ScanStore:
    """Every scan of this server, in its own folder under the server's private root."""

    def __init__(self, root: Path, templates: Templates) -> None:
        self.root = root
        self.templates = templates
        self._scans: dict[str, Scan] = {}
        self._lock = threading.Lock()
        self._one_at_a_time = threading.Lock()

    def get(self, scan_id: str) -> Scan | None:
        with self._lock:
            return self._scans.get(scan_id)

    def scan_made_pack(
        self,
        pack: Path,
        pack_name: str,
        photos: list[tuple[str | None, IO[bytes]]],
        workbook: Path | None,
        workbook_name: str | None,
    ) -> Scan:
        """Read photos of a pack this server made; the results go into the pack's
        ``resultaat/``, and the scan's folder holds only the photos."""
        folder, scan = self._new(pack_name, photos)
        try:
            saved = _save_photos(photos, folder)
        except ScanRefused:
            shutil.rmtree(folder)
            raise
        self._read(scan, pack, saved, workbook, workbook_name)
        return self._keep(scan)

    def scan_pack_zip(
        self,
        pack_zip: tuple[str | None, IO[bytes]],
        photos: list[tuple[str | None, IO[bytes]]],
        workbook: tuple[str | None, IO[bytes]] | None,
    ) -> Scan:
        """Read photos of the poster of a pack's ZIP (as the page or a colleague made it)."""
        sent_name, stream = pack_zip
        folder, scan = self._new(shown_name(sent_name, 1), photos)
        try:
            saved = _save_photos(photos, folder)
            archive = folder / "pakket.zip"
            _save_bounded(stream, archive, MAX_PACK_ZIP_BYTES, "zip-too-large")
            pack = _unpacked(archive, folder / "pakket")
            workbook_path = workbook_name = None
            if workbook is not None:
                workbook_name = shown_name(workbook[0], 1)
                workbook_path = folder / "werkmap.xlsx"
                _save_bounded(workbook[1], workbook_path, MAX_FILE_BYTES, "workbook-too-large")
        except ScanRefused:
            shutil.rmtree(folder)
            raise
        self._read(scan, pack, saved, workbook_path, workbook_name)
        return self._keep(scan)

    def _new(self, pack_name: str, photos: list[tuple[str | None, IO[bytes]]]) -> tuple[Path, Scan]:
        if not photos:
            raise ScanRefused("no-photos")
        if len(photos) > MAX_PHOTOS:
            raise ScanRefused("too-many-photos", count=len(photos), limit=MAX_PHOTOS)
        folder = self.root / f"scan-{secrets.token_urlsafe(12)}"
        folder.mkdir(mode=0o700, parents=True)
        names = [shown_name(sent, index) for index, (sent, _) in enumerate(photos, start=1)]
        return folder, Scan(folder.name, folder, pack_name, names)

    def _read(
        self,
        scan: Scan,
        pack: Path,
        photos: list[Path],
        workbook: Path | None,
        workbook_name: str | None,
    ) -> None:
        with self._one_at_a_time:
            try:
                report = run_scan(pack, photos, workbook, self.templates)
            except BuurtkaartError as exc:
                scan.error = _shown(exc.format_message(), scan, photos, pack)
                return
        _fill(scan, report, workbook_name, self.templates)

    def _keep(self, scan: Scan) -> Scan:
        with self._lock:
            self._scans[scan.id] = scan
            while len(self._scans) > MAX_SCANS:
                oldest = next(iter(self._scans.values()))
                del self._scans[oldest.id]
                shutil.rmtree(oldest.folder, ignore_errors=True)
        return scan


def _fill(scan: Scan, report: ScanReport, workbook_name: str | None, templates: Templates) -> None:
    """What the page shows of the library's report: counts per colour (in the house style's
    order, as the poster's panel), the check images and the files to download, under names
    that say what they are."""
    scan.stickers = len(report.stickers)
    counted = Counter(found.colour_name for found in report.stickers)
    scan.counts = [
        (colour.colour_name, counted[colour.colour_name])
        for colour in sticker_colours(templates)
        if counted[colour.colour_name]
    ]
    scan.controls = [note.control for note in report.photos]
    controls = set(scan.controls)
    for path in report.files:
        if path in controls:
            continue
        if path.suffix == ".xlsx":
            scan.downloads.append(Download(path, copy_name(workbook_name or "werkmap.xlsx")))
        else:
            scan.downloads.append(Download(path, path.name))


def _shown(message: str, scan: Scan, photos: list[Path], pack: Path) -> str:
    """A library message with the server's paths replaced by the names people chose."""
    for path, name in zip(photos, scan.photo_names, strict=True):
        message = message.replace(str(path), name)
    return message.replace(str(pack), scan.pack_name)


def _save_photos(photos: list[tuple[str | None, IO[bytes]]], folder: Path) -> list[Path]:
    saved = []
    for index, (sent, stream) in enumerate(photos, start=1):
        name = shown_name(sent, index)
        suffix = PurePosixPath(name).suffix.lower()
        if suffix not in PHOTO_SUFFIXES:
            raise ScanRefused("not-a-photo", name=name)
        path = folder / f"foto-{index}{suffix}"
        _save_bounded(stream, path, MAX_PHOTO_BYTES, "photo-too-large", name=name)
        saved.append(path)
    return saved


def _save_bounded(
    stream: IO[bytes], path: Path, limit: int, reason: str, **details: object
) -> None:
    """Copy an upload to ``path``, refusing it once it passes ``limit`` bytes."""
    written = 0
    with path.open("xb") as sink:
        while chunk := stream.read(COPY_CHUNK):
            written += len(chunk)
            if written > limit:
                raise ScanRefused(reason, **details)
            sink.write(chunk)


def _unpacked(archive: Path, target: Path) -> Path:
    """The pack's files from its ZIP, flat in ``target``. Only plain files at the top, or in
    one folder (a ZIP of the pack's folder); nothing else is written, and no bomb is opened."""
    try:
        with zipfile.ZipFile(archive) as pack_zip:
            members = [member for member in pack_zip.infolist() if not member.is_dir()]
            if len(members) > MAX_PACK_FILES:
                raise ScanRefused("not-a-pack")
            if sum(member.file_size for member in members) > MAX_PACK_UNPACKED_BYTES:
                raise ScanRefused("not-a-pack")
            target.mkdir()
            for member in members:
                parts = PurePosixPath(member.filename.replace("\\", "/")).parts
                if len(parts) > 2 or any(part in ("", ".", "..") for part in parts):
                    raise ScanRefused("not-a-pack")
                destination = target / parts[-1]
                # zipfile stops at each member's stated size and checks its CRC.
                with pack_zip.open(member) as source, destination.open("xb") as sink:
                    shutil.copyfileobj(source, sink, COPY_CHUNK)
    except (zipfile.BadZipFile, zlib.error, FileExistsError, EOFError, NotImplementedError) as exc:
        raise ScanRefused("not-a-pack") from exc
    return target
