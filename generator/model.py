"""The typed model of one team's workbook.

Only the workbook reader builds it; the map stage returns an updated copy with coordinates
filled in, and every renderer reads it. Nothing here knows about openpyxl.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path

from generator.i18n import _


@dataclass(frozen=True)
class Source:
    """Where a record stands in the workbook, so later stages can point the team at it."""

    sheet: str
    row: int

    def __str__(self) -> str:
        return _("sheet '{sheet}', row {row}").format(sheet=self.sheet, row=self.row)


@dataclass(frozen=True)
class LatLon:
    lat: float
    lon: float


class CoordinateOrigin(StrEnum):
    WORKBOOK = "workbook"
    GEOCODED = "geocoded"
    MAP_DATA = "map data"  # the street or address found in the OpenStreetMap data itself
    NOT_PLACED = "not placed"


class Delimitation(StrEnum):
    """How the team delimits the neighbourhood (the fiche's tip). The values are the choices'
    keys in ``workbook.toml``, which holds the words the team sees."""

    SITE = "site"
    PARTICIPANTS = "participants"


@dataclass(frozen=True)
class Address:
    street: str
    postcode: str
    municipality: str

    def one_line(self) -> str:
        place = " ".join(part for part in (self.postcode, self.municipality) if part)
        return ", ".join(part for part in (self.street, place) if part)

    def is_empty(self) -> bool:
        return not (self.street or self.postcode or self.municipality)


@dataclass(frozen=True)
class Placed:
    """A record that can stand on the map: typed coordinates win over geocoding."""

    address: Address
    coordinates: LatLon | None
    coordinate_origin: CoordinateOrigin

    @property
    def is_placed(self) -> bool:
        return self.coordinates is not None


@dataclass(frozen=True)
class Organisation(Placed):
    name: str
    site: str
    neighbourhood_name: str
    delimitation: Delimitation
    radius_m: int
    contact: str
    email: str
    session_date: date | None
    source: Source


@dataclass(frozen=True)
class Answer:
    """A reflection question of the fiche and the team's answer ('' when not yet answered)."""

    key: str | None
    question: str
    answer: str
    source: Source


@dataclass(frozen=True)
class Choice:
    """A choice of approach; ``chosen`` is None while the team has not decided."""

    key: str | None
    group: str
    label: str
    chosen: bool | None
    explanation: str
    source: Source


@dataclass(frozen=True)
class ParticipantOrigin(Placed):
    """Participants counted per street: never names or house numbers."""

    count: int
    source: Source


@dataclass(frozen=True)
class Partner(Placed):
    """An organisation, association or piece of infrastructure in the neighbourhood.

    ``number`` is the partner's number on the poster, in the worksheets and on the stickers.
    """

    number: int
    name: str
    kind: str
    known: bool | None
    used: bool | None
    contact: str
    remark: str
    source: Source


@dataclass(frozen=True)
class Action:
    step: str
    activity: str
    goal: str
    who: str
    when: str
    frequency: str
    source: Source


@dataclass(frozen=True)
class MapSticker:
    """A dot sticker the group put on the kaart in an earlier session, brought back as data by
    ``buurtkaart scan`` and kept on the workbook's sheet 'Kaartoefening'."""

    colour: str  # the sticker question's key in huisstijl.toml [[stickers]]: origins, around, ...
    position: LatLon
    poster_mm: tuple[float, float] | None = None  # centre on the scanned poster, from top-left
    grid_square: str = ""  # the poster grid's square, e.g. "C4"; "" when not known
    street: str = ""  # the nearest named street in the map data; "" when none
    source: Source | None = None  # the row on sheet 'Kaartoefening' when read from a workbook


@dataclass(frozen=True)
class Team:
    """Everything one workbook says: the input of one session pack."""

    workbook: Path
    organisation: Organisation
    answers: tuple[Answer, ...] = ()
    choices: tuple[Choice, ...] = ()
    participants: tuple[ParticipantOrigin, ...] = ()
    partners: tuple[Partner, ...] = ()  # in number order: the reader numbers them 1, 2, ...
    actions: tuple[Action, ...] = ()
    previous_stickers: tuple[MapSticker, ...] = ()  # from the sheet 'Kaartoefening', if any
    warnings: tuple[str, ...] = field(default=())

    def answer(self, key: str) -> Answer | None:
        return next((answer for answer in self.answers if answer.key == key), None)

    def not_placed(self) -> list[Placed]:
        """Every record the map cannot show, so each output can list it."""
        records: list[Placed] = [self.organisation, *self.participants, *self.partners]
        return [record for record in records if not record.is_placed]

    def replace(self, **changes: object) -> Team:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]
