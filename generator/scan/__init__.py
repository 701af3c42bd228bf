"""``buurtkaart scan``: phone photos of the worked poster become stickers as data.

Each photo is opened with care (JPEG or PNG, at most 50 megapixels, upright by its EXIF), found
on the poster by its four corner markers and checked against the pack by its QR code; the
stickers on the map are found by comparing the straightened photo with the poster's own
rendering. Several photos of one poster are merged (a sticker seen twice is counted once), and
the results go to ``PACK_DIR/resultaat/``. A refused photo stops the scan before anything is
written, with every refused photo named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from generator.errors import PhotoRefused, ScanError
from generator.i18n import _, ngettext
from generator.model import MapSticker
from generator.poster.style import Sticker, load_style
from generator.progress import Progress, SilentProgress
from generator.resources import Templates
from generator.scan.detect import Found, find_stickers, hue_of
from generator.scan.photo import load_photo
from generator.scan.register import Registration, rectify, register, seen_mask
from generator.scan.results import (
    ScannedSticker,
    results_folder,
    write_control,
    write_geojson,
    write_table,
)
from generator.scan.sheet import Box, PosterSheet, read_sheet
from generator.scan.streets import nearest_streets

__all__ = ["PhotoNote", "ScanReport", "ScannedSticker", "scan_pack"]

WORKING_PIXELS_PER_MM = 2.0  # an 8 mm sticker is 16 pixels across: enough, and fast
CONTROL_LONG_SIDE_PX = 2000  # an A1 poster at 2.4 pixels a millimetre: numbers legible
SAME_STICKER_MM = 6.0  # two photos' stickers of one colour nearer than this are one sticker


@dataclass(frozen=True)
class PhotoNote:
    photo: Path
    markers: int  # how many of the four corner markers were found
    stickers: int  # how many stickers this photo shows
    control: Path  # its check image


@dataclass(frozen=True)
class ScanReport:
    folder: Path  # where the results went: resultaat/ or resultaat/scan-N/
    stickers: tuple[ScannedSticker, ...]
    files: tuple[Path, ...]
    photos: tuple[PhotoNote, ...]


@dataclass(frozen=True)
class _Seen:
    """One photo, read: its stickers on the page and its straightened poster for checking."""

    photo: Path
    registration: Registration
    found: list[Found]  # in millimetres on the page
    control: NDArray[np.uint8]


def scan_pack(
    pack_dir: Path,
    photos: Sequence[Path],
    *,
    workbook: Path | None = None,
    templates: Templates | None = None,
    progress: Progress | None = None,
) -> ScanReport:
    """Read the photos of the pack's poster and write what they show into ``resultaat/``."""
    templates = templates or Templates()
    progress = progress or SilentProgress()
    if not photos:
        raise ScanError(_("name at least one photo of the poster"))
    colours = load_style(templates).stickers
    hues = [hue_of(colour.colour.rgb()) for colour in colours]
    sheet = read_sheet(pack_dir)
    seen: list[_Seen] = []
    refusals: list[str] = []
    reference: NDArray[np.uint8] | None = None
    progress.start(_("Reading the photos"), len(photos))
    try:
        for path in photos:
            try:
                image = load_photo(path)
                registration = register(image, sheet, path)
            except PhotoRefused as exc:
                refusals.append(exc.format_message())
                progress.advance()
                continue
            if reference is None:
                reference = _map_of_poster(sheet)
            seen.append(_read(path, image, registration, sheet, reference, hues))
            progress.advance()
    finally:
        progress.finish()
    if refusals:
        raise PhotoRefused("\n".join(refusals))
    stickers = _numbered(_merged(seen), sheet, colours)
    return _write(pack_dir, sheet, seen, stickers, workbook, templates)


def _map_of_poster(sheet: PosterSheet) -> NDArray[np.uint8]:
    """The poster's map frame as its PDF renders it, at the working resolution."""
    page = sheet.render(WORKING_PIXELS_PER_MM)
    frame = sheet.map_frame
    left, top = round(frame.left * WORKING_PIXELS_PER_MM), round(frame.top * WORKING_PIXELS_PER_MM)
    width = round(frame.width * WORKING_PIXELS_PER_MM)
    height = round(frame.height * WORKING_PIXELS_PER_MM)
    crop = page[top : top + height, left : left + width]
    # the page's rounding can leave the crop a pixel short of the straightened photo
    padded = np.full((height, width, 3), 255, dtype=np.uint8)
    padded[: crop.shape[0], : crop.shape[1]] = crop
    return padded


def _read(
    path: Path,
    image: NDArray[np.uint8],
    registration: Registration,
    sheet: PosterSheet,
    reference: NDArray[np.uint8],
    hues: list[float],
) -> _Seen:
    frame = sheet.map_frame
    homography = registration.homography
    straight = rectify(image, homography, frame, WORKING_PIXELS_PER_MM)
    shown = seen_mask(image.shape, homography, frame, WORKING_PIXELS_PER_MM)
    qr = sheet.qr_box
    shown &= ~_box_mask(shown.shape, frame, qr)  # the QR code is black and white: no sticker
    found = [
        Found(item.colour, item.x_mm + frame.left, item.y_mm + frame.top, item.diameter_mm)
        for item in find_stickers(straight, reference, shown, hues, WORKING_PIXELS_PER_MM)
    ]
    page = Box(0, 0, *sheet.page_mm)
    scale = CONTROL_LONG_SIDE_PX / max(sheet.page_mm)
    control = rectify(image, homography, page, scale)
    return _Seen(path, registration, found, control)


def _box_mask(shape: tuple[int, ...], frame: Box, box: Box) -> NDArray[np.bool_]:
    mask = np.zeros(shape[:2], dtype=np.bool_)
    left = max(0, round((box.left - frame.left) * WORKING_PIXELS_PER_MM))
    top = max(0, round((box.top - frame.top) * WORKING_PIXELS_PER_MM))
    right = round((box.right - frame.left) * WORKING_PIXELS_PER_MM)
    bottom = round((box.bottom - frame.top) * WORKING_PIXELS_PER_MM)
    mask[top:bottom, left:right] = True
    return mask


@dataclass
class _Cluster:
    colour: int
    points: list[tuple[float, float, float]]  # x, y, diameter
    photos: set[int]

    @property
    def centre(self) -> tuple[float, float]:
        return (
            sum(point[0] for point in self.points) / len(self.points),
            sum(point[1] for point in self.points) / len(self.points),
        )


def _merged(seen: list[_Seen]) -> list[_Cluster]:
    """One cluster per sticker: the same colour within a few millimetres on several photos."""
    clusters: list[_Cluster] = []
    for number, photo in enumerate(seen, start=1):
        for item in photo.found:
            near = [
                cluster
                for cluster in clusters
                if cluster.colour == item.colour
                and number not in cluster.photos
                and _distance(cluster.centre, (item.x_mm, item.y_mm)) < SAME_STICKER_MM
            ]
            if near:
                closest = min(near, key=lambda c: _distance(c.centre, (item.x_mm, item.y_mm)))
                closest.points.append((item.x_mm, item.y_mm, item.diameter_mm))
                closest.photos.add(number)
            else:
                clusters.append(
                    _Cluster(item.colour, [(item.x_mm, item.y_mm, item.diameter_mm)], {number})
                )
    return clusters


def _distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(np.hypot(a[0] - b[0], a[1] - b[1]))


def _numbered(
    clusters: list[_Cluster], sheet: PosterSheet, colours: Sequence[Sticker]
) -> list[ScannedSticker]:
    """The stickers numbered as one reads the poster: by grid row, then left to right."""
    ordered = sorted(clusters, key=lambda c: (round(c.centre[1] / 10), c.centre[0]))
    centres = [(round(c.centre[0], 1), round(c.centre[1], 1)) for c in ordered]
    streets = nearest_streets(sheet, centres)
    stickers = []
    for number, (cluster, (x, y), street) in enumerate(
        zip(ordered, centres, streets, strict=True), start=1
    ):
        colour = colours[cluster.colour]
        diameter = sum(point[2] for point in cluster.points) / len(cluster.points)
        sticker = MapSticker(
            colour=colour.key,
            position=sheet.position(x, y),
            poster_mm=(x, y),
            grid_square=sheet.grid_square(x, y),
            street=street,
        )
        stickers.append(
            ScannedSticker(
                number=number,
                sticker=sticker,
                colour_name=colour.colour_name,
                question=colour.question,
                diameter_mm=round(diameter, 1),
                photos=tuple(sorted(cluster.photos)),
            )
        )
    return stickers


def _write(
    pack_dir: Path,
    sheet: PosterSheet,
    seen: list[_Seen],
    stickers: list[ScannedSticker],
    workbook: Path | None,
    templates: Templates,
) -> ScanReport:
    folder = results_folder(pack_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScanError(
            _("cannot create {folder}: {reason}").format(folder=folder, reason=exc.strerror)
        ) from exc
    files = [write_table(stickers, folder, templates), write_geojson(stickers, folder, templates)]
    notes = []
    scale = CONTROL_LONG_SIDE_PX / max(sheet.page_mm)
    for number, photo in enumerate(seen, start=1):
        control = write_control(photo.control, scale, stickers, number, folder, templates)
        files.append(control)
        shown = sum(1 for sticker in stickers if number in sticker.photos)
        notes.append(PhotoNote(photo.photo, len(photo.registration.markers), shown, control))
    if workbook is not None:
        from generator.workbook.kaartoefening import copy_name, write_workbook_with_stickers

        destination = folder / copy_name(workbook.name)
        write_workbook_with_stickers(
            workbook, [sticker.sticker for sticker in stickers], destination, templates
        )
        files.append(destination)
    return ScanReport(folder, tuple(stickers), tuple(files), tuple(notes))


def summary(report: ScanReport) -> str:
    """One line on what the scan found and where it went, for the CLI and the web page."""
    return ngettext(
        "{count} sticker found on {photos} photo(s); results in {folder}",
        "{count} stickers found on {photos} photo(s); results in {folder}",
        len(report.stickers),
    ).format(count=len(report.stickers), photos=len(report.photos), folder=report.folder)
