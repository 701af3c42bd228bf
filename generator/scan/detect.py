"""Finding the dot stickers on the straightened map, told apart from what the poster prints.

Light changes a colour's brightness far more than its hue and saturation: a shadow, a lighting
gradient or a vignette scales red, green and blue together, which leaves both as they were. So a
pixel belongs to a sticker when its hue is near one sticker colour's, it is clearly saturated,
and it is clearly more saturated than anything of that colour the poster itself prints nearby
(the poster's own rendering at the same resolution says what that is, a little widened, so a
printed mark a millimetre off in the photo is still recognised as printed). Round blobs of a
sticker's size are the stickers.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

MIN_DIAMETER_MM = 5.0  # an 8 mm sticker under blur and JPEG shows at least this much colour
MAX_DIAMETER_MM = 26.0  # a 20 mm sticker with a little blur around it
MIN_SATURATION = 0.38
MIN_SATURATION_ABOVE_PRINT = 0.2
MIN_RELATIVE_BRIGHTNESS = 0.22  # of the paper around it: darker is ink, not a sticker
PRINT_REACH_MM = 2.5  # how far from a printed mark of a colour its own colour is expected
PAPER_WINDOW_MM = 30.0  # the light on the paper is judged over this much of it
HUE_BINS = 36  # the ink a sticker must stand out from is that within a bin (10°) of its hue
HUE_BIN = 360 / HUE_BINS
VALUE_BINS = 5  # and of its lightness: a bright sticker is not explained by dark ink
MIN_FILL = 0.55  # of the blob's bounding box: a round dot fills 0.785
MAX_ASPECT = 1.7


@dataclass(frozen=True)
class Found:
    colour: int  # index of the sticker colour
    x_mm: float  # centre, in millimetres from the left and top of the straightened area
    y_mm: float
    diameter_mm: float


def hue_of(rgb: tuple[float, float, float]) -> float:
    """Hue in degrees of an RGB colour given as 0..1."""
    pixel = np.array([[rgb]], dtype=np.float32)
    return float(cv2.cvtColor(pixel, cv2.COLOR_RGB2HSV)[0, 0, 0])


def find_stickers(
    photo: NDArray[np.uint8],
    poster: NDArray[np.uint8],
    seen: NDArray[np.bool_],
    hues: list[float],
    pixels_per_mm: float,
) -> list[Found]:
    """Every sticker in ``photo`` (the straightened area), ``poster`` being the same area as
    rendered from the PDF."""
    photo_hsv = _hsv(photo)
    poster_hsv = _hsv(poster)
    photo_family = _nearest_hue(photo_hsv[..., 0], hues)
    brightness = photo_hsv[..., 2]
    paper = np.maximum(_paper_light(brightness, pixels_per_mm), np.float32(1e-3))
    relative = np.asarray(brightness / paper, dtype=np.float32)
    coloured = seen & (photo_hsv[..., 1] > MIN_SATURATION) & (relative > MIN_RELATIVE_BRIGHTNESS)
    printed = _printed_saturation(photo_hsv[..., 0], relative, coloured, poster_hsv, pixels_per_mm)
    stands_out = photo_hsv[..., 1] > printed + MIN_SATURATION_ABOVE_PRINT
    found: list[Found] = []
    for index in range(len(hues)):
        mask = coloured & stands_out & (photo_family == index)
        found.extend(_blobs(mask, index, pixels_per_mm))
    return found


def _printed_saturation(
    photo_hue: NDArray[np.float32],
    photo_value: NDArray[np.float32],
    coloured: NDArray[np.bool_],
    poster_hsv: NDArray[np.float32],
    pixels_per_mm: float,
) -> NDArray[np.float32]:
    """For each pixel, the most saturated ink of about the photo pixel's hue and lightness that
    the poster prints within reach of it: a sticker must stand out from that. Only inks that
    look nearly the same count, so a blue sticker on a teal ring line or half over a dark
    partner marker is still a sticker. ``photo_value`` is relative to the paper, as the
    rendering's value is."""
    hue_bins = np.floor(poster_hsv[..., 0] / HUE_BIN).astype(np.int32) % HUE_BINS
    value_bins = _value_bin(poster_hsv[..., 2])
    inked = poster_hsv[..., 2] > 0.12
    saturation = np.where(inked, poster_hsv[..., 1], 0).astype(np.float32)
    reach = _disc(PRINT_REACH_MM * pixels_per_mm)
    photo_bins = (np.floor(photo_hue / HUE_BIN).astype(np.int32) % HUE_BINS) * VALUE_BINS
    photo_bins += _value_bin(photo_value)
    printed = np.zeros(photo_hue.shape, dtype=np.float32)
    for key in np.unique(photo_bins[coloured]).tolist():  # only where a sticker might be
        hue_bin, value_bin = divmod(int(key), VALUE_BINS)
        here = coloured & (photo_bins == key)
        near_hue = (hue_bins - hue_bin) % HUE_BINS
        similar = ((near_hue <= 1) | (near_hue == HUE_BINS - 1)) & (
            np.abs(value_bins - value_bin) <= 1
        )
        ink = np.where(similar, saturation, 0).astype(np.float32)
        if ink.any():
            printed[here] = cv2.dilate(ink, reach)[here]
    return printed


def _value_bin(value: NDArray[np.float32]) -> NDArray[np.int32]:
    return np.clip(np.floor(value * VALUE_BINS), 0, VALUE_BINS - 1).astype(np.int32)


def _hsv(rgb: NDArray[np.uint8]) -> NDArray[np.float32]:
    """Hue in degrees, saturation and value from 0 to 1."""
    return np.asarray(cv2.cvtColor(rgb.astype(np.float32) / 255, cv2.COLOR_RGB2HSV), np.float32)


def _nearest_hue(hue: NDArray[np.float32], hues: list[float]) -> NDArray[np.intp]:
    distances = [np.abs((hue - centre + 180) % 360 - 180) for centre in hues]
    return np.asarray(np.argmin(np.stack(distances), axis=0), dtype=np.intp)


def _paper_light(brightness: NDArray[np.float32], pixels_per_mm: float) -> NDArray[np.float32]:
    """How bright the paper is around each pixel: the brightest nearby, smoothed. Worked out at
    a quarter of the size, which the slow change of light allows."""
    small = cv2.resize(brightness, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    window = _disc(PAPER_WINDOW_MM * pixels_per_mm / 4 / 2)
    light = cv2.GaussianBlur(cv2.dilate(small, window), (0, 0), PAPER_WINDOW_MM * pixels_per_mm / 8)
    size = (brightness.shape[1], brightness.shape[0])
    return np.asarray(cv2.resize(light, size, interpolation=cv2.INTER_LINEAR), dtype=np.float32)


def _disc(radius: float) -> NDArray[np.uint8]:
    side = max(3, 2 * round(radius) + 1)
    return np.asarray(cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side)), dtype=np.uint8)


def _blobs(mask: NDArray[np.bool_], colour: int, pixels_per_mm: float) -> list[Found]:
    """Round blobs of a sticker's size in the mask, as stickers."""
    cleaned = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, _disc(pixels_per_mm))
    cleaned = cv2.morphologyEx(cleaned, cv2.MORPH_CLOSE, _disc(pixels_per_mm))
    count, _labels, stats, centroids = cv2.connectedComponentsWithStats(cleaned, connectivity=8)
    found = []
    for label in range(1, count):
        width = float(stats[label, cv2.CC_STAT_WIDTH])
        height = float(stats[label, cv2.CC_STAT_HEIGHT])
        area = float(stats[label, cv2.CC_STAT_AREA])
        diameter = 2 * np.sqrt(area / np.pi) / pixels_per_mm
        if not MIN_DIAMETER_MM <= diameter <= MAX_DIAMETER_MM:
            continue
        if max(width, height) / min(width, height) > MAX_ASPECT:
            continue
        if area / (width * height) < MIN_FILL:
            continue
        x, y = centroids[label]
        found.append(
            Found(
                colour,
                (float(x) + 0.5) / pixels_per_mm,
                (float(y) + 0.5) / pixels_per_mm,
                round(float(diameter), 1),
            )
        )
    return found
