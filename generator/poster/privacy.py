"""Participants on a wall: counts per street, small streets merged so nobody can be singled out.

A street with fewer than ``min_count`` participants never appears on its own. Such streets are
added up per postcode and shown at the centre of those streets; when even the postcode's total
stays below the threshold, or a street has no place on the map, the participants are only
counted in a note.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from generator.model import LatLon, ParticipantOrigin


@dataclass(frozen=True)
class ParticipantCircle:
    """One proportional circle: a street's own count, or a postcode's small streets together."""

    location: LatLon
    count: int
    postcode: str | None  # set when the circle merges small streets of one postcode


@dataclass(frozen=True)
class ParticipantSummary:
    circles: tuple[ParticipantCircle, ...]
    hidden: int  # participants on no circle: too few in their postcode, or not placed


def summarise_participants(
    participants: Iterable[ParticipantOrigin], min_count: int
) -> ParticipantSummary:
    circles: list[ParticipantCircle] = []
    small: dict[str, list[ParticipantOrigin]] = defaultdict(list)
    hidden = 0
    for origin in participants:
        if origin.count <= 0:
            continue
        if origin.coordinates is None:
            hidden += origin.count
        elif origin.count >= min_count:
            circles.append(ParticipantCircle(origin.coordinates, origin.count, None))
        else:
            small[origin.address.postcode.strip()].append(origin)
    for postcode in sorted(small):
        merged = _merge(postcode, small[postcode], min_count)
        if merged is None:
            hidden += sum(origin.count for origin in small[postcode])
        else:
            circles.append(merged)
    circles.sort(key=lambda circle: (-circle.count, circle.location.lat, circle.location.lon))
    return ParticipantSummary(tuple(circles), hidden)


def _merge(
    postcode: str, streets: list[ParticipantOrigin], min_count: int
) -> ParticipantCircle | None:
    """The postcode's small streets as one circle, or None when that still singles people out.

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
    return ParticipantCircle(centre, total, postcode)
