"""Turning what a team typed into a cell into typed values.

Each parser raises ``CellValueError`` with what is wrong and how to fix it; the reader adds the
file, sheet and cell.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime
from typing import Any

from openpyxl.utils.datetime import from_excel

from generator.i18n import _
from generator.model import LatLon

EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"}
)
DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y")
_NUMBER = r"[-+]?\d+(?:[.,]\d+)?"

# A street name may hold a number only where the number is part of the name: a date
# ("Rue du 10 Août", "1 Meilaan") or an ordinal followed by more words ("Boulevard du 9e de
# Ligne"). Any other digit reads as a house number, whatever its form ("12-14", "12bis", "nr12",
# "№12", "12 Kerkstraat"). Street names with a bare number or year ("Plein 1944") are refused
# too: a participant's street is worth less than a participant's address kept out of the pack.
MONTHS = frozenset(
    (
        *("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus"),
        *("september", "oktober", "november", "december"),
        *("janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout"),
        *("septembre", "octobre", "novembre", "decembre"),
    )
)
STREET_TYPES = frozenset(
    ("straat", "laan", "lei", "plein", "weg", "dreef", "plaats", "park", "kaai", "dijk")
)
_DAY = re.compile(r"0?[1-9]|[12]\d|3[01]")
_ORDINAL = re.compile(r"\d{1,3}(?:e|de|ste|er|ere|eme|ieme)", re.IGNORECASE)
_WORD_EDGES = ".,;:()[]'\"-"

# A Belgian postcode: four digits, sometimes written after "B-".
_POSTCODE = re.compile(r"(?:B-?\s?)?[1-9]\d{3}", re.IGNORECASE)
# Belgium and a little around it: the geocoder searches Belgium only, so a typed place far
# outside is more likely a slip than a partner abroad.
REGION = (49.3, 51.7, 2.3, 6.6)  # south, north, west, east
FAR_FROM_SITE_KM = 25.0  # beyond the widest neighbourhood (a radius of 20 km)
FIRST_SESSION_YEAR, LAST_SESSION_YEAR = 2000, 2099


class CellValueError(ValueError):
    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def text(value: Any) -> str:
    """The cell as trimmed text; numbers that are whole print without '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    result = " ".join(str(value).split())
    if result in EXCEL_ERRORS:
        raise CellValueError(
            _("the cell holds the Excel error {error}").format(error=result),
            _("fix the formula or type the value itself"),
        )
    return result


def yes_no(value: Any, yes_words: frozenset[str], no_words: frozenset[str]) -> bool | None:
    if isinstance(value, bool):
        return value
    word = text(value).casefold().rstrip(".!")
    if not word:
        return None
    if word in yes_words:
        return True
    if word in no_words:
        return False
    raise CellValueError(
        _("'{value}' is not Ja or Nee").format(value=text(value)),
        _("type Ja or Nee, or leave the cell empty while the team has not decided"),
    )


def count(value: Any) -> int:
    number: float
    if isinstance(value, bool):
        raise CellValueError(
            _("'{value}' is not a number").format(value=value),
            _("type how many participants, e.g. 4"),
        )
    if isinstance(value, int | float):
        number = value
    else:
        word = text(value)
        if not word:
            raise CellValueError(
                _("the number of participants is empty"),
                _("type how many participants live in this street, e.g. 4"),
            )
        try:
            number = float(word.replace(",", "."))
        except ValueError:
            raise CellValueError(
                _("'{value}' is not a number").format(value=word),
                _("type how many participants live in this street as digits, e.g. 4"),
            ) from None
    if not float(number).is_integer() or number < 1:
        raise CellValueError(
            _("'{value}' is not a whole number of 1 or more").format(value=text(value)),
            _("type how many participants live in this street, e.g. 4"),
        )
    return int(number)


def coordinates(value: Any) -> LatLon | None:
    """Coordinates as copied from an online map: "51.056, 3.741", "51,056; 3,741", ..."""
    raw = text(value)
    if not raw:
        return None
    cleaned = raw.replace("(", " ").replace(")", " ").replace("°", " ").strip()
    if ";" in cleaned:
        parts = cleaned.split(";")
    elif cleaned.count(",") == 1:
        parts = cleaned.split(",")
    elif ", " in cleaned:
        parts = cleaned.split(", ")
    else:
        parts = cleaned.split()
    numbers = [part.strip().replace(",", ".") for part in parts if part.strip()]
    if len(numbers) != 2 or not all(re.fullmatch(_NUMBER, n) for n in numbers):
        raise CellValueError(
            _("'{value}' is not a pair of coordinates").format(value=raw),
            _(
                "copy them from an online map as latitude, longitude, e.g. 51.056, 3.741, "
                "or leave the cell empty to look the address up"
            ),
        )
    lat, lon = (float(n) for n in numbers)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise CellValueError(
            _(
                "'{value}' lies outside the world (latitude -90 to 90, longitude -180 to 180)"
            ).format(value=raw),
            _("put the latitude first, e.g. 51.056, 3.741"),
        )
    if abs(lat) > 85.05:
        raise CellValueError(
            _("'{value}' lies too close to a pole for a street map").format(value=raw),
            _("put the latitude first, e.g. 51.056, 3.741"),
        )
    return LatLon(lat=lat, lon=lon)


def session_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 < value < 2958466:
        converted = from_excel(value)
        return converted.date() if isinstance(converted, datetime) else None
    raw = text(value)
    if not raw:
        return None
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise CellValueError(
        _("'{value}' is not a date").format(value=raw),
        _("type the date as day/month/year, e.g. 12/03/2027"),
    )


def radius(value: Any, default: int) -> int:
    raw = text(value)
    if not raw:
        return default
    try:
        number = float(raw.replace(",", ".").removesuffix("m").strip())
    except ValueError:
        raise CellValueError(
            _("'{value}' is not a distance in metres").format(value=raw),
            _("type a number such as {default}").format(default=default),
        ) from None
    if not 100 <= number <= 20000:
        raise CellValueError(
            _("{value} metres is not a neighbourhood's radius").format(value=raw),
            _("type a number of metres between 100 and 20000"),
        )
    return round(number)


def street_without_house_number(value: Any) -> str:
    street = text(value)
    if _has_house_number(street):
        raise CellValueError(
            _("'{value}' looks like an address with a house number").format(value=street),
            _("type only the street name: participants are counted per street, never per address"),
        )
    return street


def _has_house_number(street: str) -> bool:
    # NFKC turns "№" into "No" and full-width digits into plain ones; accents go for the months.
    plain = "".join(
        char
        for char in unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", street))
        if not unicodedata.combining(char)
    )
    words = [word.strip(_WORD_EDGES) for word in plain.casefold().split()]
    for index, word in enumerate(words):
        if not any(char.isdigit() for char in word):
            continue
        following = words[index + 1] if index + 1 < len(words) else ""
        if _DAY.fullmatch(word) and _names_a_month(following):
            continue
        if _ORDINAL.fullmatch(word) and following:
            continue
        return True
    return False


def _names_a_month(word: str) -> bool:
    """'août', 'juli', or a street named after the month: 'meilaan'."""
    return word in MONTHS or any(
        word.startswith(month) and word[len(month) :].lstrip("-") in STREET_TYPES
        for month in MONTHS
    )


def postcode_doubt(raw: str) -> tuple[str, str] | None:
    """What looks wrong in a postcode, and the fix, or None when it looks Belgian."""
    if not raw or _POSTCODE.fullmatch(raw):
        return None
    digits = "".join(char for char in raw if char.isdigit())
    fix = _("type the four digits, e.g. 9000, or the address may be looked up in the wrong place")
    if len(digits) == 5 and digits.endswith("0") and _POSTCODE.fullmatch(digits[:4]):
        fix = _(
            "did you mean {postcode}? Type the four digits, or the address may be looked up "
            "in the wrong place"
        ).format(postcode=digits[:4])
    return _("'{value}' is not a Belgian postcode of four digits").format(value=raw), fix


def in_region(place: LatLon) -> bool:
    south, north, west, east = REGION
    return south <= place.lat <= north and west <= place.lon <= east


def distance_km(a: LatLon, b: LatLon) -> float:
    """Accurate enough to tell a neighbourhood from another town (equirectangular)."""
    mean_lat = math.radians((a.lat + b.lat) / 2)
    dx = math.radians(b.lon - a.lon) * math.cos(mean_lat)
    dy = math.radians(b.lat - a.lat)
    return 6371.0 * math.hypot(dx, dy)


def coordinates_doubt(place: LatLon, site: LatLon | None) -> tuple[str, str] | None:
    """What looks wrong in typed coordinates (swapped, far away), and the fix, or None."""
    typed = f"{place.lat:g}, {place.lon:g}"
    swapped = LatLon(lat=place.lon, lon=place.lat)
    if not in_region(place):
        if in_region(swapped):
            return (
                _("'{value}' lies outside Belgium; latitude and longitude look swapped").format(
                    value=typed
                ),
                _("did you mean {swapped}? Put the latitude (about 51) first").format(
                    swapped=f"{place.lon:g}, {place.lat:g}"
                ),
            )
        return (
            _("'{value}' lies outside Belgium").format(value=typed),
            _("check that you copied the right place: latitude first, e.g. 51.056, 3.741"),
        )
    if site is not None and in_region(site):
        far = distance_km(place, site)
        if far > FAR_FROM_SITE_KM:
            return (
                _(
                    "'{value}' lies {distance} km from the site, far outside the neighbourhood"
                ).format(value=typed, distance=f"{far:.0f}"),
                _("check that you copied the right place; the map will stretch to show it"),
            )
    return None


def session_date_doubt(day: date) -> tuple[str, str] | None:
    if FIRST_SESSION_YEAR <= day.year <= LAST_SESSION_YEAR:
        return None
    return (
        _(
            "{date} is not a session date (Excel shows a number such as -1 or 1 as a date "
            "around 1900); the worksheets leave the date blank"
        ).format(date=f"{day:%d/%m/%Y}"),
        _("type the date as day/month/year, e.g. 12/03/2027"),
    )


def one_of(value: Any, allowed: tuple[str, ...], default: str, what: str) -> str:
    raw = text(value)
    if not raw:
        return default
    for option in allowed:
        if option.casefold() == raw.casefold():
            return option
    raise CellValueError(
        _("'{value}' is not a {what} from the list").format(value=raw, what=what),
        _("choose one of: {choices}").format(choices=", ".join(allowed)),
    )


def text_or_blank(value: Any) -> str:
    """Whether a cell holds anything at all, without judging what it holds."""
    return "" if value is None else str(value).strip()


class _NotANumber(Exception):
    """The cell holds something that is no number; the caller says what was expected."""


def _decimal(value: Any) -> float | None:
    """A number typed or stored in a cell, with a decimal comma allowed; None when empty."""
    if isinstance(value, bool):
        raise _NotANumber
    if isinstance(value, int | float):
        number = float(value)
    else:
        raw = text(value)  # an Excel error raises its own CellValueError here
        if not raw:
            return None
        try:
            number = float(raw.replace(",", ".").removesuffix("°").strip())
        except ValueError:
            raise _NotANumber from None
    if not math.isfinite(number):
        raise _NotANumber
    return number


def latitude(value: Any) -> float:
    """A sticker's latitude on the sheet 'Kaartoefening', in degrees."""
    hint = _("type the latitude in degrees, e.g. 51.056 (about 51 in Belgium)")
    try:
        number = _decimal(value)
    except _NotANumber:
        raise CellValueError(
            _("'{raw}' is not a latitude").format(raw=text_or_blank(value)), hint
        ) from None
    if number is None:
        raise CellValueError(
            _("the latitude is empty"),
            _("type the latitude in degrees, e.g. 51.056, or clear the whole row"),
        )
    if abs(number) > 85.05:
        raise CellValueError(
            _("{number:g} is not a latitude on a street map (it lies between -85 and 85)").format(
                number=number
            ),
            hint,
        )
    return number


def longitude(value: Any) -> float:
    """A sticker's longitude on the sheet 'Kaartoefening', in degrees."""
    hint = _("type the longitude in degrees, e.g. 3.741 (between 2 and 7 in Belgium)")
    try:
        number = _decimal(value)
    except _NotANumber:
        raise CellValueError(
            _("'{raw}' is not a longitude").format(raw=text_or_blank(value)), hint
        ) from None
    if number is None:
        raise CellValueError(
            _("the longitude is empty"),
            _("type the longitude in degrees, e.g. 3.741, or clear the whole row"),
        )
    if abs(number) > 180:
        raise CellValueError(
            _("{number:g} is not a longitude (it lies between -180 and 180)").format(number=number),
            hint,
        )
    return number


def millimetres(value: Any) -> float | None:
    """A distance on the poster in millimetres; None when empty."""
    try:
        return _decimal(value)
    except _NotANumber:
        raise CellValueError(
            _("'{raw}' is not a number of millimetres").format(raw=text_or_blank(value)),
            _("type a number such as 120.5, or leave the cell empty"),
        ) from None
