"""Uploaded workbooks and the packs made from them, kept in the server's private folder.

A batch is what one upload brought: its workbooks, validated at once, and later the packs
generated from the valid ones. Files are named by the server (``werkmap-1.xlsx``); the name the
browser sent is only ever shown, never used as a path.
"""

from __future__ import annotations

import secrets
import shutil
import threading
import zipfile
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from generator.errors import BuurtkaartError, Problem
from generator.map.runstate import RunState
from generator.model import Team
from generator.options import PackOptions, with_environment
from generator.pack import BatchReport, generate_packs
from generator.resources import Templates
from generator.validation import validate_workbooks
from generator.workbook.reader import MAX_FILE_BYTES
from generator.workbook.spec import load_spec

MAX_WORKBOOKS = 10  # in one upload: a session rarely has more teams
MAX_BATCHES = 30  # kept at once; the oldest finished one goes first
MAX_NAME_CHARS = 120
COPY_CHUNK = 1024 * 1024
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a ZIP can say: the same pack, the same bytes


class UploadTooLarge(Exception):
    """A workbook over the reader's size limit, refused before it is written in full."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def shown_name(sent: str | None, index: int) -> str:
    """The file name to show for an upload: its last part, shortened; never a path."""
    name = (sent or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(char for char in name if char.isprintable())
    return name[:MAX_NAME_CHARS] or f"werkmap {index}"


@dataclass
class Upload:
    """One workbook as the page shows it: valid (``team``) or with its ``problems``."""

    name: str
    path: Path
    team: Team | None = None
    problems: list[Problem] = field(default_factory=list)


class WebProgress:
    """The library's progress reports, kept for the page to poll (any thread may report)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.label = ""
        self.total = 0
        self.done = 0
        self.warnings: list[str] = []

    def start(self, label: str, total: int) -> None:
        with self._lock:
            self.label, self.total, self.done = label, total, 0

    def advance(self, amount: int = 1) -> None:
        with self._lock:
            self.done = min(self.done + amount, self.total)

    def finish(self) -> None:
        with self._lock:
            self.done = self.total

    def warn(self, message: str) -> None:
        with self._lock:
            self.warnings.append(message)

    def snapshot(self) -> dict[str, str | int]:
        with self._lock:
            return {"label": self.label, "total": self.total, "done": self.done}


@dataclass(frozen=True)
class PackResult:
    """A pack made for one upload, and what the pack lacks (warnings, already in shown names)."""

    index: int
    upload: Upload
    folder: Path
    files: list[str]
    warnings: list[str]


@dataclass
class Generation:
    options: PackOptions
    progress: WebProgress
    future: Future[BatchReport]


class Batch:
    """The workbooks of one upload and, once asked for, the packs made from them."""

    def __init__(self, folder: Path, uploads: list[Upload]) -> None:
        self.id = folder.name
        self.folder = folder
        self.uploads = uploads
        self.generation: Generation | None = None

    @property
    def valid(self) -> list[Upload]:
        return [upload for upload in self.uploads if upload.team is not None]

    @property
    def running(self) -> bool:
        return self.generation is not None and not self.generation.future.done()

    def shown(self, message: str) -> str:
        """A library message with the server's file names replaced by the names people chose."""
        for upload in self.uploads:
            message = message.replace(str(upload.path), upload.name)
        return message

    def error(self) -> str | None:
        """Why the whole generation stopped (a bad tile URL, a broken template), if it did."""
        if self.generation is None or not self.generation.future.done():
            return None
        exc = self.generation.future.exception()
        return self.shown(exc.format_message()) if isinstance(exc, BuurtkaartError) else None

    def report(self) -> BatchReport | None:
        """The finished generation's report; a bug in it is raised here, as a bug."""
        if self.generation is None or not self.generation.future.done() or self.error():
            return None
        return self.generation.future.result()

    def packs(self) -> list[PackResult]:
        report = self.report()
        if report is None or self.generation is None:
            return []
        warnings = self.generation.progress.warnings
        results = []
        for index, upload in enumerate(self.uploads):
            folder = report.made.get(upload.path)
            if folder is None:
                continue
            prefix = f"{upload.path}:"
            results.append(
                PackResult(
                    index,
                    upload,
                    folder,
                    sorted(path.name for path in folder.iterdir() if path.is_file()),
                    [self.shown(w) for w in warnings if w.startswith(prefix)],
                )
            )
        return results

    def failures(self) -> list[tuple[str, str]]:
        """Uploads that were valid but gave no pack: their name and the reason."""
        report = self.report()
        if report is None:
            return []
        names = {upload.path: upload.name for upload in self.uploads}
        failed = [(names[path], self.shown(text)) for path, text in report.failures.items()]
        # Only valid workbooks were sent, so these are pack folders claimed twice.
        for path, problems in report.problems.items():
            failed += [(names[path], self.shown(str(problem))) for problem in problems]
        return failed

    def pack_zip(self, index: int) -> Path:
        pack = next(pack for pack in self.packs() if pack.index == index)
        return _zipped(self.folder / "zip" / f"pakket-{index}.zip", [(pack.folder, "")])

    def batch_zip(self) -> Path:
        folders = [(pack.folder, f"{pack.folder.name}/") for pack in self.packs()]
        return _zipped(self.folder / "zip" / "pakketten.zip", folders)


def _zipped(target: Path, folders: Iterable[tuple[Path, str]]) -> Path:
    """A ZIP of the folders' files, each under its prefix; written once, same bytes each time."""
    if target.exists():
        return target
    target.parent.mkdir(exist_ok=True)
    # A name of its own: two downloads of the same ZIP at once must not write one file.
    partial = target.with_name(f".{secrets.token_hex(8)}.part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for folder, prefix in folders:
            for path in sorted(folder.iterdir()):
                if path.is_file():
                    info = zipfile.ZipInfo(prefix + path.name, date_time=ZIP_DATE)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = 0o644 << 16
                    with path.open("rb") as source, archive.open(info, "w") as sink:
                        shutil.copyfileobj(source, sink, COPY_CHUNK)
    partial.replace(target)
    return target


class BatchStore:
    """Every batch of this server, in one private folder; generation one batch at a time."""

    def __init__(self, root: Path, base: PackOptions | None = None) -> None:
        self.root = root
        # What the command line chose for every pack (--templates, --osm-file) and the
        # environment's settings, read once when the page starts; the page's form sets the rest.
        self.base = with_environment(base or PackOptions())
        self.templates = Templates(self.base.templates_dir)
        self._batches: dict[str, Batch] = {}
        self._lock = threading.Lock()
        # One run state for the server's life: its batches run one after the other, and
        # Nominatim's one request a second holds from one batch into the next.
        self._map_state = RunState()
        # One worker: generation already uses both cores for a batch of packs.
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="buurtkaart-pack")

    def get(self, batch_id: str) -> Batch | None:
        with self._lock:
            return self._batches.get(batch_id)

    def add(self, files: list[tuple[str | None, IO[bytes]]]) -> Batch:
        """Save the uploads under the server's names and validate them, as ``validate`` does."""
        folder = self.root / secrets.token_urlsafe(12)
        folder.mkdir(mode=0o700)
        uploads = []
        try:
            for index, (sent, stream) in enumerate(files, start=1):
                name = shown_name(sent, index)
                path = folder / f"werkmap-{index}.xlsx"
                _save_bounded(stream, path, name)
                uploads.append(Upload(name, path))
        except UploadTooLarge:
            shutil.rmtree(folder)
            raise
        teams, problems = validate_workbooks(
            [upload.path for upload in uploads], load_spec(self.templates)
        )
        for upload in uploads:
            upload.team = teams.get(upload.path)
            upload.problems = problems.get(upload.path, [])
        batch = Batch(folder, uploads)
        with self._lock:
            self._batches[batch.id] = batch
            self._drop_oldest()
        return batch

    def generate(self, batch: Batch, options: PackOptions) -> None:
        """Start making the packs of the batch's valid workbooks, unless already started."""
        with self._lock:
            if batch.generation is not None:
                return
            progress = WebProgress()
            workbooks = [upload.path for upload in batch.valid]
            future = self._worker.submit(
                generate_packs,
                workbooks,
                batch.folder / "pakketten",
                options,
                progress,
                state=self._map_state,
            )
            batch.generation = Generation(options, progress, future)

    def close(self) -> None:
        """Wait for a running generation, then remove every upload and pack."""
        self._worker.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def _drop_oldest(self) -> None:
        while len(self._batches) > MAX_BATCHES:
            oldest = next((batch for batch in self._batches.values() if not batch.running), None)
            if oldest is None:
                return
            del self._batches[oldest.id]
            shutil.rmtree(oldest.folder, ignore_errors=True)


def _save_bounded(stream: IO[bytes], path: Path, name: str) -> None:
    """Copy an upload to ``path``, refusing it once it passes the reader's size limit."""
    written = 0
    with path.open("xb") as sink:  # in the batch's private folder, under the server's name
        while chunk := stream.read(COPY_CHUNK):
            written += len(chunk)
            if written > MAX_FILE_BYTES:
                raise UploadTooLarge(name)
            sink.write(chunk)
