"""Participants in every file of a pack: counts per street, small streets merged so nobody can
be singled out.

A street with fewer than ``min_count`` participants never appears on its own, on the poster, in
the worksheets or in ``pack.json``. Such streets are added up per postcode; when even the
postcode's total stays below the threshold, the participants are only counted. On the poster a
merged postcode stands at the centre of its streets, and a street with no place on the map is
only counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from generator.model import CoordinateOrigin, LatLon, ParticipantOrigin


@dataclass(frozen=True)
class ParticipantGroup:
    """Participants shown together: a street's own count, or a postcode's small streets."""

    location: LatLon
    count: int
    postcode: str | None  # set when the group merges small streets of one postcode
    street: str = ""  # the street's name, for a street shown on its own


@dataclass(frozen=True)
class ParticipantSummary:
    groups: tuple[ParticipantGroup, ...]
    hidden: int  # participants in no group: too few in their postcode, or not placed


@dataclass(frozen=True)
class StreetCount:
    """One row a reader of the pack may see: a street's own count, or the small streets of one
    postcode together (then ``street`` is empty and ``streets`` says how many there are)."""

    street: str
    postcode: str
    municipality: str
    count: int
    streets: int
    placed: bool  # the street (for a merged row: every street in it) is on the map
    coordinate_origin: CoordinateOrigin | None  # None for merged streets placed in different ways


@dataclass(frozen=True)
class StreetTable:
    rows: tuple[StreetCount, ...]
    hidden: int  # participants of small streets that even their postcode cannot cover
    hidden_streets: int

    @property
    def total(self) -> int:
        return sum(row.count for row in self.rows) + self.hidden

    @property
    def streets(self) -> int:
        return sum(row.streets for row in self.rows) + self.hidden_streets


def street_table(participants: Iterable[ParticipantOrigin], min_count: int) -> StreetTable:
    """The participants as the worksheets and the manifest show them: streets with at least
    ``min_count`` in the workbook's order, then each postcode's small streets as one row."""
    rows: list[StreetCount] = []
    small: dict[str, list[ParticipantOrigin]] = defaultdict(list)
    for origin in participants:
        if origin.count <= 0:
            continue
        if origin.count >= min_count:
            address = origin.address
            rows.append(
                StreetCount(
                    address.street,
                    address.postcode,
                    address.municipality,
                    origin.count,
                    1,
                    origin.is_placed,
                    origin.coordinate_origin,
                )
            )
        else:
            small[origin.address.postcode.strip()].append(origin)
    hidden = hidden_streets = 0
    for postcode in sorted(small):
        streets = small[postcode]
        total = sum(origin.count for origin in streets)
        if not postcode or total < min_count:
            hidden += total
            hidden_streets += len(streets)
            continue
        municipalities = {origin.address.municipality for origin in streets}
        municipality = municipalities.pop() if len(municipalities) == 1 else ""
        placed = all(origin.is_placed for origin in streets)
        origins = {origin.coordinate_origin for origin in streets}
        how = origins.pop() if len(origins) == 1 else None
        rows.append(StreetCount("", postcode, municipality, total, len(streets), placed, how))
    return StreetTable(tuple(rows), hidden, hidden_streets)


def summarise_participants(
    participants: Iterable[ParticipantOrigin], min_count: int
) -> ParticipantSummary:
    groups: list[ParticipantGroup] = []
    small: dict[str, list[ParticipantOrigin]] = defaultdict(list)
    hidden = 0
    for origin in participants:
        if origin.count <= 0:
            continue
        if origin.coordinates is None:
            hidden += origin.count
        elif origin.count >= min_count:
            groups.append(
                ParticipantGroup(origin.coordinates, origin.count, None, origin.address.street)
            )
        else:
            small[origin.address.postcode.strip()].append(origin)
    for postcode in sorted(small):
        merged = _merge(postcode, small[postcode], min_count)
        if merged is None:
            hidden += sum(origin.count for origin in small[postcode])
        else:
            groups.append(merged)
    groups.sort(key=lambda group: (-group.count, group.location.lat, group.location.lon))
    return ParticipantSummary(tuple(groups), hidden)


def _merge(
    postcode: str, streets: list[ParticipantOrigin], min_count: int
) -> ParticipantGroup | None:
    """The postcode's small streets as one group, or None when that still singles people out.

    Streets without a postcode cannot be grouped: they are only counted.
    """
    total = sum(origin.count for origin in streets)
    if not postcode or total < min_count:
        return None
    points = [origin.coordinates for origin in streets if origin.coordinates is not None]
    centre = LatLon(
        lat=sum(point.lat for point in points) / len(points),
        lon=sum(point.lon for point in points) / len(points),
    )
    return ParticipantGroup(centre, total, postcode)
