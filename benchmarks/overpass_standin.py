"""Serve a GeoJSON file of OSM ways as an Overpass API answer on 127.0.0.1.

For rendering the example against real streets without the public Overpass instance, e.g.
the Gent-Dampoort extract in ../shared/osm (ODbL; never commit it):

    python benchmarks/overpass_standin.py ../shared/osm/gent-dampoort-streets.geojson.gz
    BUURTKAART_OVERPASS_URL=<the URL it prints> buurtkaart generate input/voorbeeld.xlsx

Every LineString or MultiLineString feature becomes a way whose tags are the feature's text
properties; every query gets the whole file as its answer (the map stage clips it to the
frame). In Python, ``serving(path)`` does the same for the length of a ``with`` block.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.servers import OverpassServer, running_overpass_server  # noqa: E402


def _lines(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry.get("type") == "LineString":
        return [geometry["coordinates"]]
    if geometry.get("type") == "MultiLineString":
        return list(geometry["coordinates"])
    return []


def geojson_to_overpass(path: Path) -> dict[str, Any]:
    """An Overpass ``[out:json]`` document holding the file's lines as ways."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as file:
        collection = json.load(file)
    elements: list[dict[str, Any]] = []
    for feature in collection["features"]:
        properties = feature.get("properties") or {}
        tags = {key: value for key, value in properties.items() if isinstance(value, str)}
        for line in _lines(feature.get("geometry") or {}):
            elements.append(
                {
                    "type": "way",
                    "id": len(elements) + 1,
                    "tags": tags,
                    "geometry": [{"lat": lat, "lon": lon} for lon, lat, *_ in line],
                }
            )
    return {
        "version": 0.6,
        "generator": f"buurtkaart stand-in for {path.name}",
        "elements": elements,
    }


@contextmanager
def serving(path: Path) -> Iterator[OverpassServer]:
    """An Overpass stand-in answering with ``path``; ``.url`` is its interpreter URL."""
    with running_overpass_server() as server:
        server.answer = geojson_to_overpass(path)
        yield server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("geojson", type=Path, help="a GeoJSON FeatureCollection (.geojson or .gz)")
    arguments = parser.parse_args()
    with serving(arguments.geojson) as server:
        print(f"{len(server.answer['elements'])} ways from {arguments.geojson.name}")
        print(f"BUURTKAART_OVERPASS_URL={server.url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print(f"{server.count} queries answered")


if __name__ == "__main__":
    main()
