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
from generator.scan.sheet import Box, PosterSheet

MIN_MARKERS = 3  # three corners' markers (twelve points) pin the whole map down
QR_PIXELS_PER_MM = 8.0  # the QR code's box is cut out at this size to be read
REPROJECTION_MM = 3.0  # a marker corner further than this from the fit is not trusted
MAX_DETECTION_SIDE = 4200  # markers are sought on the photo shrunk to this, for speed


@dataclass(frozen=True)
class Registration:
    """How photo pixels map onto the page: ``homography`` takes (x, y, 1) in pixels to mm."""

    homography: NDArray[np.float64]
    markers: tuple[int, ...]  # the ids found
    error_mm: float  # the largest distance of a marker corner from the fit


def register(photo: NDArray[np.uint8], sheet: PosterSheet, path: Path) -> Registration:
    """The photo's homography onto the poster, its QR code checked against the pack."""
    grey = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
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
    homography, _inliers = cv2.findHomography(pixels, millimetres, 0)
    if homography is None:
        raise PhotoRefused(
            _("{photo}: the corner markers do not fit a flat poster; photograph it again").format(
                photo=path
            )
        )
    error = _largest_error(homography, pixels, millimetres)
    if error > REPROJECTION_MM:
        raise PhotoRefused(
            _(
                "{photo}: the corner markers do not fit the pack's poster (off by {error:.0f} mm); "
                "is the poster flat on the wall, and is it this pack's poster?"
            ).format(photo=path, error=error)
        )
    _check_qr(photo, homography, sheet, path)
    return Registration(homography.astype(np.float64), tuple(sorted(found)), error)


def _markers(grey: NDArray[np.uint8], sheet: PosterSheet) -> dict[int, NDArray[np.float32]]:
    """Each of the poster's markers seen once, its corners in photo pixels."""
    shrink = min(1.0, MAX_DETECTION_SIDE / max(grey.shape))
    small = grey if shrink == 1.0 else cv2.resize(grey, None, fx=shrink, fy=shrink)
    parameters = cv2.aruco.DetectorParameters()
    parameters.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
    parameters.minMarkerPerimeterRate = 0.01  # a corner marker far off in a wide photo
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
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
    """The QR code where the markers put it must name this pack and this poster."""
    text = _read_qr(photo, homography, sheet.qr_box)
    if text == sheet.qr:
        return
    if not text:
        raise PhotoRefused(
            _(
                "{photo}: the QR code in the map's top-left corner cannot be read, so the photo "
                "cannot be checked against the pack; photograph the poster closer and in focus, "
                "without glare on the QR code"
            ).format(photo=path)
        )
    parts = text.split("/")
    if len(parts) != 3 or parts[0] != "buurtkaart":
        raise PhotoRefused(
            _(
                "{photo}: the QR code says '{text}', which is not a buurtkaart poster's; "
                "photograph the poster of {pack}"
            ).format(photo=path, text=text, pack=sheet.pack_dir)
        )
    if parts[1] != sheet.pack_name:
        raise PhotoRefused(
            _(
                "{photo} shows the poster of another pack ('{other}'), not of '{pack}'; scan it "
                "with that pack's folder, or photograph this pack's poster"
            ).format(photo=path, other=parts[1], pack=sheet.pack_name)
        )
    raise PhotoRefused(
        _(
            "{photo} shows another version of the poster of '{pack}' (poster {other}, the pack "
            "holds poster {ours}): the pack was made again after this poster was printed; scan "
            "with the pack the poster was printed from"
        ).format(photo=path, pack=sheet.pack_name, other=parts[2], ours=sheet.poster_hash)
    )


def _read_qr(photo: NDArray[np.uint8], homography: NDArray[np.float64], box: Box) -> str:
    """The QR code's text, read from its box straightened; '' when it cannot be read."""
    detector = cv2.QRCodeDetector()
    margin = box.width * 0.15
    grown = Box(
        box.left - margin, box.top - margin, box.width + 2 * margin, box.height + 2 * margin
    )
    crop = cv2.cvtColor(rectify(photo, homography, grown, QR_PIXELS_PER_MM), cv2.COLOR_RGB2GRAY)
    for image in (crop, cv2.GaussianBlur(crop, (0, 0), 1.5)):
        text, _points, _straight = detector.detectAndDecode(image)
        if text:
            return str(text)
    return ""
