"""Finding the poster in a photo: its ArUco markers give the homography from photo pixels to
page millimetres, and its QR code (read where the markers say it is) names the pack."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from generator.errors import PhotoRefused
from generator.i18n import _, ngettext
from generator.poster.scanmarks import QR_QUIET_MODULES, qr_code
from generator.scan.sheet import Box, PosterSheet

MIN_MARKERS = 3  # three corners' markers (twelve points) pin the whole map down
QR_PIXELS_PER_MM = 8.0  # the QR code's box is cut out at this size to be read
QR_SAMPLE_PIXELS = 8  # per module, when the photo's QR code is compared with the pack's
QR_SHIFT_MODULES = 3
# Another text's code of the same size agrees on its fixed patterns and by chance on the rest:
# measured 0.60 to 0.88 for this pack's text with another poster hash, on photos where this
# pack's own code agreed 0.945 (8 MP, 30 degrees, far corner) to 0.99.
MIN_QR_AGREEMENT = 0.92
MIN_FINDER_AGREEMENT = 0.9  # of the finder patterns, to find a code of another size
REPROJECTION_MM = 3.0  # a marker corner further than this from the fit is not trusted
MARKER_CORRECTION = 3  # bits: the four codes are at least 7 apart
MAX_DETECTION_SIDE = 4200  # markers are sought on the photo shrunk to this, for speed


@dataclass(frozen=True)
class Registration:
    """How photo pixels map onto the page: ``homography`` takes (x, y, 1) in pixels to mm."""

    homography: NDArray[np.float64]
    markers: tuple[int, ...]  # the ids found
    error_mm: float  # the largest distance of a marker corner from the fit


def register(photo: NDArray[np.uint8], sheet: PosterSheet, path: Path) -> Registration:
    """The photo's homography onto the poster, its QR code checked against the pack."""
    grey = np.asarray(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY), dtype=np.uint8)
    found = _markers(grey, sheet)
    if not found:
        raise PhotoRefused(
            _(
                "{photo}: no poster of buurtkaart is to be seen (none of its four corner markers); "
                "photograph the whole map, corners included"
            ).format(photo=path)
        )
    if len(found) < MIN_MARKERS:
        raise PhotoRefused(
            ngettext(
                "{photo}: only {count} of the map's four corner markers is to be seen, and at "
                "least 3 are needed; photograph the whole map, corners included",
                "{photo}: only {count} of the map's four corner markers are to be seen, and at "
                "least 3 are needed; photograph the whole map, corners included",
                len(found),
            ).format(photo=path, count=len(found))
        )
    pixels = np.concatenate([corners for corners in found.values()])
    millimetres = np.concatenate([sheet.marker_corners(marker) for marker in found])
    fitted, _inliers = cv2.findHomography(pixels, millimetres, 0)
    if fitted is None:
        raise PhotoRefused(
            _("{photo}: the corner markers do not fit a flat poster; photograph it again").format(
                photo=path
            )
        )
    homography = np.asarray(fitted, dtype=np.float64)
    error = _largest_error(homography, pixels, millimetres)
    if error > REPROJECTION_MM:
        raise PhotoRefused(
            _(
                "{photo}: the corner markers do not fit the pack's poster (off by {error:.0f} mm); "
                "is the poster flat on the wall, and is it this pack's poster?"
            ).format(photo=path, error=error)
        )
    _check_qr(photo, homography, sheet, path)
    return Registration(homography, tuple(sorted(found)), error)


def _markers(grey: NDArray[np.uint8], sheet: PosterSheet) -> dict[int, NDArray[np.float32]]:
    """Each of the poster's markers seen once, its corners in photo pixels."""
    shrink = min(1.0, MAX_DETECTION_SIDE / max(grey.shape))
    small = grey if shrink == 1.0 else cv2.resize(grey, None, fx=shrink, fy=shrink)
    parameters = cv2.aruco.DetectorParameters()
    parameters.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
    parameters.minMarkerPerimeterRate = 0.01  # a corner marker far off in a wide photo
    # Only the poster's four codes are sought: they differ in many bits, so a small, far,
    # blurred marker with a bit misread is still told for what it is (and nothing else is).
    full = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    dictionary = cv2.aruco.Dictionary(full.bytesList[: len(sheet.markers)], 4, MARKER_CORRECTION)
    detector = cv2.aruco.ArucoDetector(dictionary, parameters)
    corners, ids, _rejected = detector.detectMarkers(small)
    if ids is None:
        return {}
    seen: dict[int, list[NDArray[np.float32]]] = {}
    for marker, points in zip(ids.ravel().tolist(), corners, strict=True):
        if marker in sheet.markers:
            seen.setdefault(int(marker), []).append(points.reshape(4, 2) / shrink)
    # a marker id seen twice is not this poster's corner (another poster beside it): not used
    return {marker: points[0] for marker, points in seen.items() if len(points) == 1}


def _largest_error(
    homography: NDArray[np.float64],
    pixels: NDArray[np.float32],
    millimetres: NDArray[np.float64],
) -> float:
    mapped = cv2.perspectiveTransform(pixels.reshape(-1, 1, 2).astype(np.float64), homography)
    return float(np.max(np.linalg.norm(mapped.reshape(-1, 2) - millimetres, axis=1)))


def rectify(
    photo: NDArray[np.uint8],
    homography: NDArray[np.float64],
    box: Box,
    pixels_per_mm: float,
) -> NDArray[np.uint8]:
    """The part of the page in ``box`` as seen in the photo, straightened, at this resolution."""
    to_box = np.array(
        [
            [pixels_per_mm, 0, -box.left * pixels_per_mm],
            [0, pixels_per_mm, -box.top * pixels_per_mm],
            [0, 0, 1],
        ]
    )
    size = (round(box.width * pixels_per_mm), round(box.height * pixels_per_mm))
    warped = cv2.warpPerspective(
        photo, to_box @ homography, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return np.asarray(warped, dtype=np.uint8)


def seen_mask(
    photo_shape: tuple[int, ...],
    homography: NDArray[np.float64],
    box: Box,
    pixels_per_mm: float,
) -> NDArray[np.bool_]:
    """Which pixels of the straightened ``box`` the photo shows at all."""
    ones = np.full(photo_shape[:2], 255, dtype=np.uint8)
    return rectify(ones, homography, box, pixels_per_mm) > 127


def _check_qr(
    photo: NDArray[np.uint8], homography: NDArray[np.float64], sheet: PosterSheet, path: Path
) -> None:
    """The QR code where the markers put it must be this pack's poster's, module for module.

    Comparing with the code the pack's poster carries works where a blurred photo is too soft
    for a QR reader; reading it is tried only to say whose poster a photo shows instead.
    """
    agreement, modules = _agreement(photo, homography, sheet)
    read = _decode(modules)
    if agreement >= MIN_QR_AGREEMENT and read in ("", sheet.qr):
        return  # a sharp photo is read; a soft one has matched module for module
    text = (
        read or _other_code(photo, homography, sheet) or _read_qr(photo, homography, sheet.qr_box)
    )
    parts = text.split("/")
    if len(parts) == 3 and parts[0] == "buurtkaart" and parts[1] != sheet.pack_name:
        raise PhotoRefused(
            _(
                "{photo} shows the poster of another pack ('{other}'), not of '{pack}'; scan it "
                "with that pack's folder, or photograph this pack's poster"
            ).format(photo=path, other=parts[1], pack=sheet.pack_name)
        )
    if len(parts) == 3 and parts[0] == "buurtkaart" and parts[2] != sheet.poster_hash:
        raise PhotoRefused(
            _(
                "{photo} shows another version of the poster of '{pack}' (poster {other}, the "
                "pack holds poster {ours}): the pack was made again after this poster was "
                "printed; scan with the pack the poster was printed from"
            ).format(photo=path, pack=sheet.pack_name, other=parts[2], ours=sheet.poster_hash)
        )
    raise PhotoRefused(
        _(
            "{photo}: the QR code in the map's top-left corner is not that of the poster of "
            "'{pack}' (or cannot be made out): is it another pack's poster, or an earlier "
            "version? Scan with the pack the poster was printed from, or photograph it closer "
            "and in focus"
        ).format(photo=path, pack=sheet.pack_name)
    )


def _agreement(
    photo: NDArray[np.uint8], homography: NDArray[np.float64], sheet: PosterSheet
) -> tuple[float, NDArray[np.bool_]]:
    """The share of the QR code's modules that are dark where the pack's poster has them dark,
    and the modules as seen (dark is True)."""
    expected = np.array(qr_code(sheet.qr).matrix, dtype=bool)
    module = sheet.qr_box.width / (len(expected) + 2 * QR_QUIET_MODULES)
    counted = np.ones_like(expected)
    return _best_fit(photo, homography, sheet.qr_box, module, expected, counted)


def _other_code(
    photo: NDArray[np.uint8], homography: NDArray[np.float64], sheet: PosterSheet
) -> str:
    """The text of a QR code of another size than the pack's (another pack's poster, with a
    longer or shorter name) in the same corner, found by its three finder patterns."""
    ours = len(qr_code(sheet.qr).matrix)
    module = sheet.qr_box.width / (ours + 2 * QR_QUIET_MODULES)
    fits = []
    for version in range(1, 11):
        size = 17 + 4 * version
        expected, counted = _finder_patterns(size)
        fits.append(_best_fit(photo, homography, sheet.qr_box, module, expected, counted))
    share, modules = max(fits, key=lambda fit: fit[0])
    return _decode(modules) if share >= MIN_FINDER_AGREEMENT else ""


def _finder_patterns(size: int) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """A QR code's three finder patterns with their light separators, and where they are."""
    expected = np.zeros((size, size), dtype=bool)
    counted = np.zeros((size, size), dtype=bool)
    finder = np.ones((7, 7), dtype=bool)
    finder[1:6, 1:6] = False
    finder[2:5, 2:5] = True
    for top, left in ((0, 0), (0, size - 7), (size - 7, 0)):
        expected[top : top + 7, left : left + 7] = finder
        counted[max(0, top - 1) : top + 8, max(0, left - 1) : left + 8] = True
    return expected, counted


def _best_fit(
    photo: NDArray[np.uint8],
    homography: NDArray[np.float64],
    box: Box,
    module: float,
    expected: NDArray[np.bool_],
    counted: NDArray[np.bool_],
) -> tuple[float, NDArray[np.bool_]]:
    """The code's modules sampled from the photo where they agree best with ``expected`` (on
    the ``counted`` modules), at small shifts from the box's corner: with a corner's marker
    out of sight, the markers place the code to a few millimetres only."""
    count = len(expected) + 2 * QR_QUIET_MODULES
    cell = QR_SAMPLE_PIXELS
    reach = QR_SHIFT_MODULES * module
    side = count * module
    grown = Box(box.left - reach, box.top - reach, side + 2 * reach, side + 2 * reach)
    straight = rectify(photo, homography, grown, cell / module)
    grey = np.asarray(cv2.cvtColor(straight, cv2.COLOR_RGB2GRAY), dtype=np.uint8)
    pixels = cell * count
    best: tuple[float, NDArray[np.bool_]] = (0.0, np.zeros_like(expected))
    best_contrast = 0.0
    shifts = range(0, 2 * QR_SHIFT_MODULES * cell + 1, cell // 4)
    for dy in shifts:
        for dx in shifts:
            window = grey[dy : dy + pixels, dx : dx + pixels]
            if window.shape != (pixels, pixels):
                continue
            dark, contrast = _dark_modules(window, cell)
            share = float(np.mean((dark == expected)[counted]))
            # among equal fits, the one whose modules are clearest sits on their middles
            if (share, contrast) > (best[0], best_contrast):
                best, best_contrast = (share, dark), contrast
    return best


def _dark_modules(grey: NDArray[np.uint8], cell: int) -> tuple[NDArray[np.bool_], float]:
    """Which modules are dark, and how clearly on average (0 to 1)."""
    count = grey.shape[0] // cell
    # the middle of each module, away from its blurred edges
    blocks = grey.reshape(count, cell, count, cell)[:, 2:-2, :, 2:-2].mean(axis=(1, 3))
    quiet = QR_QUIET_MODULES
    inner = np.ascontiguousarray(blocks[quiet:-quiet, quiet:-quiet]).astype(np.uint8)
    threshold, _binary = cv2.threshold(inner, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    contrast = float(np.mean(np.abs(inner.astype(np.float32) - threshold))) / 255
    return np.asarray(inner < threshold, dtype=np.bool_), contrast


def _decode(modules: NDArray[np.bool_]) -> str:
    """The text of a QR code given module by module, drawn clean to be read; '' if it can't."""
    clean = np.where(modules, 0, 255).astype(np.uint8)
    clean = np.pad(clean, 4, constant_values=255)
    large = cv2.resize(clean, None, fx=10, fy=10, interpolation=cv2.INTER_NEAREST)
    text, _points, _straight = cv2.QRCodeDetector().detectAndDecode(large)
    return str(text or "")


def _read_qr(photo: NDArray[np.uint8], homography: NDArray[np.float64], box: Box) -> str:
    """The QR code's text, read from its box straightened; '' when it cannot be read."""
    detector = cv2.QRCodeDetector()
    margin = box.width * 0.15
    grown = Box(
        box.left - margin, box.top - margin, box.width + 2 * margin, box.height + 2 * margin
    )
    crop = cv2.cvtColor(rectify(photo, homography, grown, QR_PIXELS_PER_MM), cv2.COLOR_RGB2GRAY)
    upscaled = cv2.resize(crop, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    _threshold, binary = cv2.threshold(upscaled, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    for image in (crop, binary, cv2.GaussianBlur(crop, (0, 0), 1.5)):
        text, _points, _straight = detector.detectAndDecode(image)
        if text:
            return str(text)
    return ""
