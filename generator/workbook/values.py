"""Turning what a team typed into a cell into typed values.

Each parser raises ``CellValueError`` with what is wrong and how to fix it; the reader adds the
file, sheet and cell.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from openpyxl.utils.datetime import from_excel

from generator.model import LatLon

EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"}
)
DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y")
_NUMBER = r"[-+]?\d+(?:[.,]\d+)?"
_HOUSE_NUMBER = re.compile(r"\s\d+\s*[a-zA-Z]?(?:\s*(?:bus|/)\s*\w+)?$")


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
            f"the cell holds the Excel error {result}",
            "fix the formula or type the value itself",
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
        f"'{text(value)}' is not Ja or Nee",
        "type Ja or Nee, or leave the cell empty while the team has not decided",
    )


def count(value: Any) -> int:
    number: float
    if isinstance(value, bool):
        raise CellValueError(f"'{value}' is not a number", "type how many participants, e.g. 4")
    if isinstance(value, int | float):
        number = value
    else:
        word = text(value)
        if not word:
            raise CellValueError(
                "the number of participants is empty",
                "type how many participants live in this street, e.g. 4",
            )
        try:
            number = float(word.replace(",", "."))
        except ValueError:
            raise CellValueError(
                f"'{word}' is not a number",
                "type how many participants live in this street as digits, e.g. 4",
            ) from None
    if not float(number).is_integer() or number < 1:
        raise CellValueError(
            f"'{text(value)}' is not a whole number of 1 or more",
            "type how many participants live in this street, e.g. 4",
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
            f"'{raw}' is not a pair of coordinates",
            "copy them from an online map as latitude, longitude, e.g. 51.056, 3.741, "
            "or leave the cell empty to look the address up",
        )
    lat, lon = (float(n) for n in numbers)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise CellValueError(
            f"'{raw}' lies outside the world (latitude -90 to 90, longitude -180 to 180)",
            "put the latitude first, e.g. 51.056, 3.741",
        )
    if abs(lat) > 85.05:
        raise CellValueError(
            f"'{raw}' lies too close to a pole for a street map",
            "put the latitude first, e.g. 51.056, 3.741",
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
        f"'{raw}' is not a date", "type the date as day/month/year, e.g. 12/03/2027"
    )


def radius(value: Any, default: int) -> int:
    raw = text(value)
    if not raw:
        return default
    try:
        number = float(raw.replace(",", ".").removesuffix("m").strip())
    except ValueError:
        raise CellValueError(
            f"'{raw}' is not a distance in metres", f"type a number such as {default}"
        ) from None
    if not 100 <= number <= 20000:
        raise CellValueError(
            f"{raw} metres is not a neighbourhood's radius",
            "type a number of metres between 100 and 20000",
        )
    return round(number)


def street_without_house_number(value: Any) -> str:
    street = text(value)
    if _HOUSE_NUMBER.search(street):
        raise CellValueError(
            f"'{street}' looks like an address with a house number",
            "type only the street name: participants are counted per street, never per address",
        )
    return street


def one_of(value: Any, allowed: tuple[str, ...], default: str, what: str) -> str:
    raw = text(value)
    if not raw:
        return default
    for option in allowed:
        if option.casefold() == raw.casefold():
            return option
    raise CellValueError(
        f"'{raw}' is not a {what} from the list",
        "choose one of: " + ", ".join(allowed),
    )


def text_or_blank(value: Any) -> str:
    """Whether a cell holds anything at all, without judging what it holds."""
    return "" if value is None else str(value).strip()
