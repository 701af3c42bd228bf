"""Opening a photo from outside: only JPEG and PNG, its size checked before a pixel is decoded,
turned upright as its EXIF orientation says."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError

from generator.errors import PhotoRefused
from generator.i18n import _

FORMATS = ("JPEG", "PNG")  # Pillow would otherwise hand some formats to Ghostscript
MAX_PIXELS = 50_000_000


def load_photo(path: Path) -> NDArray[np.uint8]:
    """The photo as upright RGB pixels, or a refusal that names it and says why."""
    try:
        with warnings.catch_warnings():
            # Pillow warns of a "decompression bomb" above its own limit: ours is checked below
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path, formats=FORMATS) as image:
                megapixels = image.width * image.height / 1e6
                if image.width * image.height > MAX_PIXELS:
                    raise _too_large(path, megapixels)
                upright = ImageOps.exif_transpose(image)
                return np.asarray(upright.convert("RGB"), dtype=np.uint8)
    except Image.DecompressionBombError as exc:
        raise _too_large(path, None) from exc
    except UnidentifiedImageError as exc:
        raise PhotoRefused(
            _("{photo} is not a JPEG or PNG photo; take the photo with a phone or camera").format(
                photo=path
            )
        ) from exc
    except FileNotFoundError as exc:
        raise PhotoRefused(_("{photo} does not exist").format(photo=path)) from exc
    except OSError as exc:  # a truncated or damaged file: Pillow says so with an OSError
        raise PhotoRefused(
            _("{photo} cannot be read ({reason}); copy the photo again from the phone").format(
                photo=path, reason=exc
            )
        ) from exc


def _too_large(path: Path, megapixels: float | None) -> PhotoRefused:
    if megapixels is None:
        message = _(
            "{photo} is too large: at most 50 megapixels are read; send the photo at the "
            "phone's usual size"
        )
    else:
        message = _(
            "{photo} is too large ({megapixels:.0f} megapixels): at most 50 megapixels are "
            "read; send the photo at the phone's usual size"
        )
    return PhotoRefused(message.format(photo=path, megapixels=megapixels))
