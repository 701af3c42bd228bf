"""Tile servers for the benchmark, on 127.0.0.1: flat tiles and detailed ones like OSM's.

Flat synthetic tiles (one colour, a grid, a label) are about 2 KB and compress by 97 %, which
flatters any lossless path. Real OpenStreetMap tiles are 25-35 KB palette PNGs full of thin
lines, small areas and text; ``detailed_tile_png`` draws that kind, the same on every run.
"""

from __future__ import annotations

import functools
import io
import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image, ImageDraw, ImageFilter

from tests.servers import TILE_PATH, tile_png

LAND = [(242, 239, 233), (224, 223, 223), (205, 235, 176), (170, 211, 223), (255, 241, 186)]
ROADS = [(255, 255, 255), (248, 250, 191), (252, 214, 164), (190, 190, 190)]


def detailed_tile_png(z: int, x: int, y: int, size: int = 256) -> bytes:
    """Blocks, buildings, streets in several widths and labels, antialiased, as a palette PNG."""
    chance = random.Random(z * 1_000_003 + x * 7919 + y)
    scale = 2  # drawn at twice the size and reduced: antialiased edges, as a renderer makes
    side = size * scale
    image = Image.new("RGB", (side, side), LAND[0])
    draw = ImageDraw.Draw(image)
    for _ in range(14):
        left, top = chance.randrange(side), chance.randrange(side)
        width, height = chance.randrange(40, 200), chance.randrange(40, 200)
        draw.rectangle((left, top, left + width, top + height), fill=chance.choice(LAND[1:]))
    for _ in range(120):
        left, top = chance.randrange(side), chance.randrange(side)
        width, height = chance.randrange(8, 40), chance.randrange(8, 40)
        draw.polygon(
            [
                (left, top),
                (left + width, top + chance.randrange(-6, 6)),
                (left + width, top + height),
                (left + chance.randrange(-6, 6), top + height),
            ],
            fill=(217, 208, 201),
            outline=(196, 182, 171),
        )
    for _ in range(22):
        points = [(chance.randrange(side), chance.randrange(side)) for _ in range(4)]
        width = chance.choice([2, 3, 5, 9, 14])
        draw.line(points, fill=(180, 180, 180), width=width + 2, joint="curve")
        draw.line(points, fill=chance.choice(ROADS), width=width, joint="curve")
    for _ in range(9):
        label = "".join(
            chance.choice("abcdefghijklmnoprstuvw") for _ in range(chance.randrange(5, 12))
        )
        at = (chance.randrange(side - 120), chance.randrange(side - 20))
        draw.text(at, label.capitalize() + "straat", fill=(60, 60, 60), font_size=22)
    reduced = image.filter(ImageFilter.SMOOTH).resize((size, size), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    reduced.quantize(colors=128, dither=Image.Dither.NONE).save(buffer, format="PNG")
    return buffer.getvalue()


@contextmanager
def serving(draw: Callable[[int, int, int], bytes]) -> Iterator[str]:
    """A tile server answering every /z/x/y.png with ``draw(z, x, y)``; yields its template."""

    drawn = functools.lru_cache(maxsize=None)(draw)  # a batch asks for shared tiles again

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return None

        def do_GET(self) -> None:
            match = TILE_PATH.match(self.path)
            if match is None:
                self.send_response(404)
                self.end_headers()
                return
            z, x, y = (int(group) for group in match.groups()[:3])
            body = drawn(z, x, y)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{{z}}/{{x}}/{{y}}.png"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


TILE_KINDS: dict[str, Callable[[int, int, int], bytes]] = {
    "flat": tile_png,
    "detailed": detailed_tile_png,
}
