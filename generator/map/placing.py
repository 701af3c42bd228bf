"""Placing addresses from the map data itself, before any geocoder is asked.

A participant street stands on the map at the point of that named street nearest the site; a
partner's "street and number" at the OSM address with that street and number (OpenStreetMap in
Flanders carries nearly every address). What the data does not have is left for the geocoder;
typed coordinates always win.
"""

from __future__ import annotations

import dataclasses
import math
import re
import unicodedata
from collections.abc import Sequence
from typing import TypeVar

from generator.map.osmdata import AddressPoint, Coord, MapData
from generator.model import CoordinateOrigin, LatLon, Placed, Team

P = TypeVar("P", bound=Placed)
# "Dampoortstraat 12", "Dampoortstraat 12A", "Dampoortstraat 12 bus 3", "Dampoortstraat 12-14"
HOUSE_NUMBER = re.compile(r"^(?P<street>.*?\D)\s*,?\s+(?P<number>\d+\s*[a-z]?)(?:\b.*)?$", re.I)


def street_key(name: str) -> str:
    """A street name as compared: case, accents, dots, hyphens and spacing do not count."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(char for char in folded if not unicodedata.combining(char))
    return " ".join(re.sub(r"[.\-'’]", " ", letters).split())


def _number_key(number: str) -> str:
    return number.replace(" ", "").casefold()


def split_house_number(street: str) -> tuple[str, str] | None:
    """("Dampoortstraat", "12") from "Dampoortstraat 12"; None without a number."""
    match = HOUSE_NUMBER.match(street.strip())
    if match is None:
        return None
    return match.group("street").strip(" ,"), _number_key(match.group("number"))


def place_from_data(team: Team, data: MapData) -> Team:
    """The team with coordinates from the map data where it has them (a copy).

    Only records without coordinates change; the site's coordinates must be known, since a
    participant street is placed at its point nearest the site.
    """
    site = team.organisation.coordinates
    streets = {
        street_key(name): [point for road in roads for point in road.points]
        for name, roads in data.named_roads().items()
    }
    addresses: dict[tuple[str, str], list[AddressPoint]] = {}
    for address in data.addresses:
        key = (street_key(address.street), _number_key(address.housenumber))
        addresses.setdefault(key, []).append(address)
    participants = tuple(
        _placed(record, _street_point(record.address.street, streets, site))
        for record in team.participants
    )
    partners = tuple(_placed(record, _address_point(record, addresses)) for record in team.partners)
    return team.replace(participants=participants, partners=partners)


def _placed(record: P, point: LatLon | None) -> P:
    if record.coordinates is not None or point is None:
        return record
    return dataclasses.replace(
        record, coordinates=point, coordinate_origin=CoordinateOrigin.MAP_DATA
    )


def _street_point(
    street: str, streets: dict[str, list[Coord]], site: LatLon | None
) -> LatLon | None:
    points = streets.get(street_key(street)) if street.strip() else None
    if not points:
        return None
    if site is None:
        lon, lat = points[len(points) // 2]
        return LatLon(lat=lat, lon=lon)
    lon, lat = _nearest(points, (site.lon, site.lat))
    return LatLon(lat=lat, lon=lon)


def _nearest(points: Sequence[Coord], target: Coord) -> Coord:
    """The point nearest ``target``, distances measured on the ground (not in degrees)."""
    shrink = math.cos(math.radians(target[1]))
    return min(
        points,
        key=lambda point: ((point[0] - target[0]) * shrink) ** 2 + (point[1] - target[1]) ** 2,
    )


def _address_point(
    record: Placed, addresses: dict[tuple[str, str], list[AddressPoint]]
) -> LatLon | None:
    parts = split_house_number(record.address.street)
    if parts is None:
        return None
    street, number = parts
    candidates = addresses.get((street_key(street), number), [])
    postcode = record.address.postcode.strip()
    if postcode:  # the same street and number in the next gemeente is not this address
        candidates = [found for found in candidates if found.postcode in ("", postcode)]
    if not candidates:
        return None
    lon, lat = candidates[0].point
    return LatLon(lat=lat, lon=lon)
