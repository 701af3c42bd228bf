"""Phone photos of the project's own posters, made in software, for the scan's tests and its
benchmark: stickers of the four colours at known places, then the poster photographed with
perspective, rotation, uneven light, a shadow, blur and JPEG compression, on a wall.

Everything is drawn from a seeded generator, so a seed gives the same photo every time.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from generator.model import Team
from generator.options import PackOptions
from generator.pack import write_manifest
from generator.poster import scan_sheet, write_poster
from generator.poster.style import load_style
from generator.resources import Templates
from generator.scan.sheet import PosterSheet, read_sheet
from tests.poster_support import example_team, synthetic_base

Pixels = NDArray[np.uint8]


@dataclass(frozen=True)
class TrueSticker:
    colour: int  # index into huisstijl.toml [[stickers]]
    x_mm: float  # centre on the page, from its top-left corner
    y_mm: float
    diameter_mm: float


@dataclass(frozen=True)
class Shot:
    """How the photo is taken: all angles in degrees."""

    width_px: int = 4000
    height_px: int = 3000
    tilt: float = 25.0  # the camera's angle off square to the poster
    tilt_direction: float = 30.0  # which way it is tilted (0: from the left)
    rotation: float = 8.0  # the camera turned about its own axis
    fill: float = 0.85  # of the photo's limiting side that the poster's page takes
    gradient: float = 0.45  # light falls by this share from one side to the other
    vignette: float = 0.35
    shadow: float = 0.45  # how much light the shadow band takes away
    blur: float = 1.2  # Gaussian sigma in photo pixels
    quality: int = 60
    exif_orientation: int = 1  # 1: upright; 6: the pixels lie on their side, EXIF says so


def make_pack(folder: Path, paper: str = "A3", team: Team | None = None) -> Path:
    """A pack folder with the poster and pack.json of the example team, on a plain base map."""
    folder.mkdir(parents=True, exist_ok=True)
    team = team or example_team()
    options = PackOptions(paper=paper)
    templates = Templates()
    base = synthetic_base(team, options, folder)
    files = write_poster(team, base, options, folder, templates)
    write_manifest(
        team, folder, files, options.min_count, scan_sheet(team, base, options, templates)
    )
    return folder


def render_page(sheet: PosterSheet, pixels_per_mm: float) -> Pixels:
    return sheet.render(pixels_per_mm)


def place_stickers(sheet: PosterSheet, count: int, seed: int) -> list[TrueSticker]:
    """``count`` stickers of the four colours on the map, none over another or the QR code."""
    rng = np.random.default_rng(seed)
    frame, qr = sheet.map_frame, sheet.qr_box
    placed: list[TrueSticker] = []
    attempts = 0
    while len(placed) < count and attempts < count * 200:
        attempts += 1
        diameter = float(rng.uniform(8, 20))
        margin = diameter / 2 + 3
        x = float(rng.uniform(frame.left + margin, frame.right - margin))
        y = float(rng.uniform(frame.top + margin, frame.bottom - margin))
        if qr.left - margin < x < qr.right + margin and qr.top - margin < y < qr.bottom + margin:
            continue
        if any(
            math.hypot(x - other.x_mm, y - other.y_mm) < (diameter + other.diameter_mm) / 2 + 2
            for other in placed
        ):
            continue
        placed.append(TrueSticker(len(placed) % 4, x, y, diameter))
    return placed


def stick(page: Pixels, pixels_per_mm: float, stickers: list[TrueSticker], seed: int) -> Pixels:
    """The page with the stickers on it: each a little off its printed colour, with a rim."""
    rng = np.random.default_rng(seed)
    colours = [sticker.colour.rgb() for sticker in load_style(Templates()).stickers]
    stuck = page.copy()
    shift = 4  # cv2 draws at 1/16 pixel
    for sticker in stickers:
        red, green, blue = (255 * channel for channel in colours[sticker.colour])
        jitter = rng.normal(0, 8, 3)
        fill = tuple(
            float(np.clip(v + j, 0, 255)) for v, j in zip((red, green, blue), jitter, strict=True)
        )
        rim = tuple(value * 0.85 for value in fill)
        centre = (
            round(sticker.x_mm * pixels_per_mm * 16),
            round(sticker.y_mm * pixels_per_mm * 16),
        )
        radius = sticker.diameter_mm / 2 * pixels_per_mm
        cv2.circle(stuck, centre, round(radius * 16), rim, -1, cv2.LINE_AA, shift)
        cv2.circle(stuck, centre, round(radius * 0.9 * 16), fill, -1, cv2.LINE_AA, shift)
    return stuck


def photograph(page: Pixels, shot: Shot, seed: int) -> bytes:
    """A JPEG of the page on a wall, taken as ``shot`` says."""
    rng = np.random.default_rng(seed)
    width, height = shot.width_px, shot.height_px
    quad = _projected_corners(page.shape[1], page.shape[0], shot, rng)
    source = np.array(
        [[0, 0], [page.shape[1], 0], [page.shape[1], page.shape[0]], [0, page.shape[0]]],
        dtype=np.float32,
    )
    homography = cv2.getPerspectiveTransform(source, quad.astype(np.float32))
    photo = _wall(width, height, rng)
    cv2.warpPerspective(
        page,
        homography,
        (width, height),
        dst=photo,
        flags=cv2.INTER_AREA if page.shape[0] > height else cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_TRANSPARENT,
    )
    lit = photo.astype(np.float32) * _light(width, height, shot, rng)[..., None]
    lit *= np.array([1.04, 1.0, 0.93], dtype=np.float32)  # warm indoor light
    lit = np.asarray(cv2.GaussianBlur(lit, (0, 0), shot.blur), dtype=np.float32)
    lit += rng.normal(0, 2.5, lit.shape).astype(np.float32)
    image = Image.fromarray(np.clip(lit, 0, 255).astype(np.uint8))
    if shot.exif_orientation == 6:  # the sensor's pixels lie on their side; EXIF turns them
        image = image.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = shot.exif_orientation
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=shot.quality, exif=exif.tobytes())
    return buffer.getvalue()


def _projected_corners(
    width: int, height: int, shot: Shot, rng: np.random.Generator
) -> NDArray[np.float64]:
    """The page's corners as a pinhole camera at ``shot.tilt`` off square sees them, turned by
    ``shot.rotation``, scaled to fill the photo."""
    half_w, half_h = width / 2, height / 2
    corners = np.array(
        [[-half_w, -half_h, 0], [half_w, -half_h, 0], [half_w, half_h, 0], [-half_w, half_h, 0]],
        dtype=np.float64,
    )
    tilt = math.radians(shot.tilt)
    direction = math.radians(shot.tilt_direction)
    axis = np.array([math.sin(direction), math.cos(direction), 0.0])
    rotation, _jacobian = cv2.Rodrigues(axis * tilt)
    turned = corners @ rotation.T
    distance = 1.4 * max(width, height)  # a phone's wide lens, close to the wall
    projected = turned[:, :2] / (distance + turned[:, 2:3]) * distance
    roll = math.radians(shot.rotation)
    spin = np.array([[math.cos(roll), -math.sin(roll)], [math.sin(roll), math.cos(roll)]])
    projected = projected @ spin.T
    span = projected.max(axis=0) - projected.min(axis=0)
    scale = shot.fill * min(shot.width_px / span[0], shot.height_px / span[1])
    projected = (projected - projected.min(axis=0)) * scale
    room = np.array([shot.width_px, shot.height_px]) - (span * scale)
    offset = room * rng.uniform(0.3, 0.7, 2)
    return np.asarray(projected + offset, dtype=np.float64)


def _wall(width: int, height: int, rng: np.random.Generator) -> Pixels:
    base = rng.uniform(150, 210)
    texture = cv2.resize(rng.normal(0, 12, (height // 40 + 1, width // 40 + 1)), (width, height))
    wall = np.clip(base + texture[..., None] + np.array([6, 3, -4]), 0, 255)
    return np.ascontiguousarray(wall.astype(np.uint8))


def _light(width: int, height: int, shot: Shot, rng: np.random.Generator) -> NDArray[np.float32]:
    """Light over the photo: a gradient, a vignette and a soft shadow band across."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    u, v = xs / width - 0.5, ys / height - 0.5
    angle = rng.uniform(0, 2 * math.pi)
    along = u * math.cos(angle) + v * math.sin(angle)
    light = 1.05 - shot.gradient * (along + 0.5)
    light *= 1 - shot.vignette * (u**2 + v**2) / 0.5
    band_angle = rng.uniform(0, math.pi)
    across = u * math.cos(band_angle) + v * math.sin(band_angle) - rng.uniform(-0.2, 0.2)
    band = np.clip((0.08 - np.abs(across)) / 0.03, 0, 1)  # a band with soft edges
    light *= 1 - shot.shadow * band
    return np.asarray(light, dtype=np.float32)


def photo_of_pack(
    pack: Path,
    path: Path,
    stickers: list[TrueSticker],
    shot: Shot,
    seed: int,
    pixels_per_mm: float | None = None,
) -> Path:
    """Write a photo of the pack's poster with these stickers on it."""
    sheet = read_sheet(pack)
    resolution = pixels_per_mm or max(shot.width_px, shot.height_px) / max(sheet.page_mm) * 1.1
    page = stick(render_page(sheet, resolution), resolution, stickers, seed)
    path.write_bytes(photograph(page, shot, seed))
    return path
