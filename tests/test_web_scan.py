"""Photos of a worked kaart read on the page: what the page refuses before reading a photo, and
(with a pack and a photo made in software, as tests/photo_support.py makes them) the stickers,
check images and downloads it gives."""

from __future__ import annotations

import http.client
import io
import re
import urllib.request
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from generator.scan.sheet import read_sheet
from generator.web.scans import MAX_PHOTO_BYTES, MAX_PHOTOS, MAX_SCAN_POST_BYTES
from generator.web.server import WebServer
from generator.workbook import read_team
from tests.photo_support import Shot, make_pack, photo_of_pack, place_stickers
from tests.test_web import BOUNDARY, ask, running_page, token_of

Files = list[tuple[str, str, bytes]]  # form field, file name, content


@pytest.fixture
def page() -> Iterator[WebServer]:
    with running_page() as server:
        yield server


def form(fields: dict[str, str], files: Files) -> tuple[bytes, str]:
    parts = []
    for name, value in fields.items():
        head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for field, filename, content in files:
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={BOUNDARY}"


def post_photos(
    server: WebServer, files: Files, token: str | None = None, path: str = "/fotos"
) -> tuple[int, str, http.client.HTTPResponse]:
    body, content_type = form({"token": token_of(server) if token is None else token}, files)
    return ask(server, "POST", path, body, {"Content-Type": content_type})


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


A_PACK = zipped({"pack.json": b"{}", "poster-A1.pdf": b"%PDF-1.4"})
SHOT = Shot(width_px=3200, height_px=2400, tilt=28, rotation=-6, blur=1.0)
A_PHOTO = b"\xff\xd8\xff\xe0 not really a jpeg"


def kept(server: WebServer) -> list[Path]:
    scans = server.root / "scans"
    return sorted(scans.iterdir()) if scans.exists() else []


def test_photos_without_their_pack_are_refused(page: WebServer) -> None:
    status, text, _ = post_photos(page, [("fotos", "kaart.jpg", A_PHOTO)])
    assert status == 400
    assert "Kies ook het pakket van de kaart: de ZIP die buurtkaart maakte." in text
    assert kept(page) == []


def test_a_pack_without_photos_is_refused(page: WebServer) -> None:
    status, text, _ = post_photos(page, [("pakket", "pakket-0.zip", A_PACK)])
    assert status == 400
    assert "Je hebt nog geen foto gekozen." in text
    assert kept(page) == []


def test_more_photos_than_the_limit_are_refused(page: WebServer) -> None:
    photos = [("fotos", f"kaart-{n}.jpg", A_PHOTO) for n in range(MAX_PHOTOS + 1)]
    status, text, _ = post_photos(page, [("pakket", "pakket-0.zip", A_PACK), *photos])
    assert status == 400
    assert f"Je koos {MAX_PHOTOS + 1} foto’s; buurtkaart leest er hoogstens {MAX_PHOTOS}" in text
    assert kept(page) == []


def test_a_file_that_is_no_photo_by_its_name_is_refused_and_not_kept(page: WebServer) -> None:
    files = [("pakket", "pakket-0.zip", A_PACK), ("fotos", "../../kaart.pdf", b"%PDF")]
    status, text, _ = post_photos(page, files)
    assert status == 400
    assert "“kaart.pdf” is geen foto in JPEG of PNG." in text
    assert kept(page) == []


def test_a_photo_over_30_mb_is_refused_and_not_kept(page: WebServer) -> None:
    files = [
        ("pakket", "pakket-0.zip", A_PACK),
        ("fotos", "groot.jpg", bytes(MAX_PHOTO_BYTES + 1)),
    ]
    status, text, _ = post_photos(page, files)
    assert status == 413
    assert "“groot.jpg” is groter dan 30 MB." in text
    assert kept(page) == []


@pytest.mark.parametrize(
    "archive",
    [
        zipped({"../buiten.txt": b"x", "pack.json": b"{}"}),
        zipped({"a/b/pack.json": b"{}"}),
        zipped({"een/pack.json": b"{}", "twee/pack.json": b"{}"}),
        b"PK\x03\x04 cut off",
        b"not a zip at all",
    ],
    ids=["climbs-out", "too-deep", "a-name-twice", "damaged", "no-zip"],
)
def test_a_zip_that_is_no_pack_is_refused_and_nothing_is_written_outside(
    page: WebServer, archive: bytes
) -> None:
    files = [("pakket", "pakket-0.zip", archive), ("fotos", "kaart.jpg", A_PHOTO)]
    status, text, _ = post_photos(page, files)
    assert status == 400
    assert "Dit is geen pakket van buurtkaart" in text
    assert kept(page) == []
    assert not (page.root / "buiten.txt").exists()


def test_photos_posted_without_the_pages_token_are_refused(page: WebServer) -> None:
    files = [("pakket", "pakket-0.zip", A_PACK), ("fotos", "kaart.jpg", A_PHOTO)]
    status, text, _ = post_photos(page, files, token="geraden")
    assert status == 403
    assert "Dit formulier kwam niet van deze pagina" in text
    assert kept(page) == []


def test_a_post_over_the_scan_limit_is_refused_before_it_is_read(page: WebServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", page.port, timeout=60)
    try:
        connection.putrequest("POST", "/fotos")
        connection.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
        connection.putheader("Content-Length", str(MAX_SCAN_POST_BYTES + 2 * 2**20))
        connection.endheaders()
        answer = connection.getresponse()
        assert answer.status == 413
        assert "Wat je oplaadt, is samen te groot." in answer.read().decode()
    finally:
        connection.close()


def test_a_scan_the_server_does_not_know_is_a_plain_404(page: WebServer) -> None:
    status, text, _ = ask(page, "GET", "/scan/scan-onbekend")
    assert status == 404
    assert "Lees de\n  foto’s opnieuw in." in text
    assert ask(page, "GET", "/scan/scan-onbekend/bestand-1")[0] == 404


def test_photos_for_a_pack_the_batch_does_not_have_are_a_404(page: WebServer) -> None:
    status, _, _ = post_photos(
        page, [("fotos", "kaart.jpg", A_PHOTO)], path="/batch/onbekend/pakket-0/fotos"
    )
    assert status == 404


# -- with the scan itself: a pack and a photo made in software ------------------------------


def pack_zip_of(pack: Path) -> bytes:
    """The pack as the page's 'Pakket downloaden (ZIP)' gives it: its files, flat."""
    return zipped(
        {path.name: path.read_bytes() for path in sorted(pack.iterdir()) if path.is_file()}
    )


def test_a_pack_zip_and_its_photo_give_stickers_check_images_and_the_workbook_copy(
    page: WebServer, example_workbook: Path, tmp_path: Path
) -> None:
    pack = make_pack(tmp_path / "pakket")
    truth = place_stickers(read_sheet(pack), 6, seed=11)
    photo = photo_of_pack(pack, tmp_path / "IMG_0042.jpg", truth, SHOT, seed=5, pixels_per_mm=4.5)
    files = [
        ("pakket", "pakket-0.zip", pack_zip_of(pack)),
        ("fotos", "IMG_0042.jpg", photo.read_bytes()),
        ("werkmap", "team De Oever.xlsx", example_workbook.read_bytes()),
    ]
    status, _, answer = post_photos(page, files)
    assert status == 303
    location = answer.getheader("Location") or ""
    status, text, _ = ask(page, "GET", location)
    assert status == 200
    assert "6 stickers gevonden" in text
    colours = Counter(["geel", "blauw", "groen", "rood"][sticker.colour] for sticker in truth)
    for name, number in colours.items():
        assert f"<li>{number} {name}</li>" in text
    assert "Foto 1: IMG_0042.jpg" in text
    assert "foto-1.jpg" not in text and str(page.root) not in text
    status, _, image = ask(page, "GET", f"{location}/controle-1.png")
    assert status == 200 and image.getheader("Content-Type") == "image/png"
    assert "team De Oever-kaartoefening.xlsx" in text
    links = re.findall(r'href="(/scan/[^"]+/bestand-\d+)"', text)
    assert len(links) == 3
    for link in links:
        status, _, download = ask(page, "GET", link)
        assert status == 200
        disposition = download.getheader("Content-Disposition") or ""
        if "xlsx" in disposition:
            workbook = tmp_path / "terug.xlsx"
            with urllib.request.urlopen(f"{page.url.rstrip('/')}{link}") as sent:
                workbook.write_bytes(sent.read())
            team = read_team(workbook)
            assert len(team.previous_stickers) == 6
            keys = {"geel": "origins", "blauw": "around", "groen": "known", "rood": "used"}
            expected = sorted(keys[name] for name in colours.elements())
            assert sorted(sticker.colour for sticker in team.previous_stickers) == expected
    assert (pack / "resultaat").exists() is False  # the uploaded ZIP was read, not this folder


def test_a_photo_of_no_poster_says_why_on_the_page(page: WebServer, tmp_path: Path) -> None:
    pack = make_pack(tmp_path / "pakket")
    blank = tmp_path / "muur.jpg"
    Image.new("RGB", (1600, 1200), (200, 190, 180)).save(blank, quality=80)
    files = [
        ("pakket", "pakket-0.zip", pack_zip_of(pack)),
        ("fotos", "muur.jpg", blank.read_bytes()),
    ]
    status, _, answer = post_photos(page, files)
    assert status == 303
    status, text, _ = ask(page, "GET", answer.getheader("Location") or "")
    assert status == 200
    assert "De foto’s konden niet gelezen worden:" in text
    assert "muur.jpg" in text and "foto-1.jpg" not in text
    assert "gevonden" not in text
