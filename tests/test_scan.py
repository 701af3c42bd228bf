"""buurtkaart scan: the poster's markers and QR code, and phone photos read back as stickers.

The photos are made at test time from the project's own A3 poster (tests/photo_support.py):
stickers at known places, then perspective, rotation, uneven light, a shadow band, blur and
JPEG at quality 60.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import openpyxl
import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner
from PIL import Image
from reportlab.lib.units import mm

from generator.cli import main
from generator.map.mapdata import snap
from generator.map.osmcache import MapDataCache, cache_key
from generator.map.osmdata import MapData, Road, RoadClass
from generator.map.overpass import QUERY_VERSION, overpass_url
from generator.map.runstate import RunState
from generator.map.stage import DATA_MARGIN
from generator.options import PackOptions, with_environment
from generator.poster import scan_sheet, write_poster
from generator.poster.layout import page_size
from generator.poster.scanmarks import MARKER_BITS
from generator.poster.sheets import PRINTER_MARGIN, plan_tiles, sheet_number
from generator.progress import SilentProgress
from generator.resources import Templates
from generator.scan import scan_pack
from generator.scan.photo import load_photo
from generator.scan.sheet import read_sheet
from generator.scan.streets import nearest_streets
from tests.photo_support import (
    Shot,
    TrueSticker,
    make_pack,
    photo_of_pack,
    place_stickers,
    render_page,
)
from tests.poster_support import EXAMPLE, example_team, synthetic_base

COLOUR_NAMES = ["geel", "blauw", "groen", "rood"]
SMALL = Shot(width_px=3200, height_px=2400, tilt=28, rotation=-6, blur=1.0)  # 7.7 MP
PAGE_PPMM = 4.5  # the poster rendered for the software photo: finer than the photo shows it


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_pack(tmp_path_factory.mktemp("scan") / "pack")


@pytest.fixture(scope="module")
def truth(pack: Path) -> list[TrueSticker]:
    return place_stickers(read_sheet(pack), 12, seed=7)


@pytest.fixture(scope="module")
def photo(pack: Path, truth: list[TrueSticker], tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("photos") / "IMG_0001.jpg"
    return photo_of_pack(pack, target, truth, SMALL, seed=3, pixels_per_mm=PAGE_PPMM)


def fresh_pack(pack: Path, tmp_path: Path) -> Path:
    """A copy of the module's pack, so each test writes its own resultaat/."""
    copy = tmp_path / pack.name
    shutil.copytree(pack, copy)
    return copy


def matched(found: list[tuple[str, float, float]], truth: list[TrueSticker]) -> list[float]:
    """For each true sticker, the distance in mm to the found sticker of its colour nearest it."""
    errors = []
    for sticker in truth:
        same = [
            math.dist((x, y), (sticker.x_mm, sticker.y_mm))
            for colour, x, y in found
            if colour == COLOUR_NAMES[sticker.colour]
        ]
        errors.append(min(same, default=math.inf))
    return errors


def test_the_markers_drawn_are_those_of_opencvs_dictionary() -> None:
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    for marker, rows in enumerate(MARKER_BITS):
        drawn = cv2.aruco.generateImageMarker(dictionary, marker, 6)[1:5, 1:5]
        assert ["".join("1" if v else "0" for v in row) for row in drawn] == list(rows)


def test_the_poster_carries_its_markers_and_qr_code_where_pack_json_says(pack: Path) -> None:
    sheet = read_sheet(pack)
    manifest = json.loads((pack / "pack.json").read_text(encoding="utf-8"))
    assert manifest["scan"]["qr"] == f"buurtkaart/{pack_name()}/{sheet.poster_hash}"
    page = render_page(sheet, 4.0)
    grey = cv2.cvtColor(page, cv2.COLOR_RGB2GRAY)
    detector = cv2.aruco.ArucoDetector(
        cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50), cv2.aruco.DetectorParameters()
    )
    corners, ids, _rejected = detector.detectMarkers(grey)
    ours = [(int(marker), points) for marker, points in zip(ids.ravel(), corners, strict=True)]
    # (the QR code's squares can pass for a marker of another id, which the scan ignores)
    assert sorted(marker for marker, _points in ours if marker < 4) == [0, 1, 2, 3]
    for marker, points in ours:
        if marker >= 4:
            continue
        expected = sheet.marker_corners(marker)
        assert np.abs(points.reshape(4, 2) / 4.0 - expected).max() < 0.5  # mm
    box = sheet.qr_box
    crop = grey[
        round(box.top * 4) : round(box.bottom * 4), round(box.left * 4) : round(box.right * 4)
    ]
    text, _points, _straight = cv2.QRCodeDetector().detectAndDecode(crop)
    assert text == sheet.qr
    # the QR code sits on the map, clear of the grid band's markers, inside the map frame
    assert sheet.map_frame.contains(box.left, box.top)
    assert sheet.map_frame.contains(box.right, box.bottom)


def pack_name() -> str:
    from generator.identity import pack_slug

    return pack_slug(example_team())


def test_a_photo_gives_every_sticker_in_its_colour_within_4_mm(
    pack: Path, truth: list[TrueSticker], photo: Path, tmp_path: Path
) -> None:
    folder = fresh_pack(pack, tmp_path)
    report = scan_pack(folder, [photo])
    found = [(s.colour_name, *s.sticker.poster_mm) for s in report.stickers if s.sticker.poster_mm]
    errors = matched(found, truth)
    assert max(errors) < 4.0, errors
    assert len(report.stickers) == len(truth)  # no false stickers
    with (folder / "resultaat" / "stickers.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["kleur", "vraag", "x_mm", "y_mm", "lat", "lon", "rooster", "straat"]
    assert len(rows) == len(truth) + 1
    sheet = read_sheet(folder)
    for row in rows[1:]:
        x, y = float(row[2]), float(row[3])
        position = sheet.position(x, y)
        assert (float(row[4]), float(row[5])) == pytest.approx((position.lat, position.lon))
        assert row[6] == sheet.grid_square(x, y) and row[6] != ""
        assert (
            row[1]
            == {
                "geel": "Waar komen jullie deelnemers vandaan?",
                "blauw": "Welke organisaties, verenigingen en infrastructuur zijn er in de buurt?",
                "groen": "Wat kennen jullie?",
                "rood": "Wat gebruiken jullie al?",
            }[row[0]]
        )
    geojson = json.loads((folder / "resultaat" / "stickers.geojson").read_text(encoding="utf-8"))
    assert len(geojson["features"]) == len(truth)
    first = geojson["features"][0]
    assert first["geometry"]["coordinates"] == [float(rows[1][5]), float(rows[1][4])]
    control = Image.open(folder / "resultaat" / "controle-1.png")
    assert max(control.size) == 2000
    # the first sticker's circle is drawn in magenta around it
    x, y = (
        value * 2000 / max(sheet.page_mm) for value in report.stickers[0].sticker.poster_mm or ()
    )
    radius = (report.stickers[0].diameter_mm / 2 + 3) * 2000 / max(sheet.page_mm)
    ring = np.asarray(control.convert("RGB"))[round(y), round(x - radius)]
    assert tuple(ring) == (230, 0, 126)


def test_two_photos_of_one_poster_count_each_sticker_once(
    pack: Path, truth: list[TrueSticker], photo: Path, tmp_path: Path
) -> None:
    folder = fresh_pack(pack, tmp_path)
    other = Shot(width_px=3200, height_px=2400, tilt=20, tilt_direction=200, rotation=12)
    second = photo_of_pack(pack, tmp_path / "IMG_0002.jpg", truth, other, 11, PAGE_PPMM)
    report = scan_pack(folder, [photo, second])
    assert len(report.stickers) == len(truth)
    assert {sticker.photos for sticker in report.stickers} == {(1, 2)}
    assert [note.stickers for note in report.photos] == [len(truth), len(truth)]
    assert (folder / "resultaat" / "controle-2.png").is_file()


def test_a_second_scan_never_writes_over_the_first(pack: Path, photo: Path, tmp_path: Path) -> None:
    folder = fresh_pack(pack, tmp_path)
    first = scan_pack(folder, [photo])
    before = (folder / "resultaat" / "stickers.csv").read_bytes()
    second = scan_pack(folder, [photo])
    assert first.folder == folder / "resultaat"
    assert second.folder == folder / "resultaat" / "scan-2"
    assert (folder / "resultaat" / "stickers.csv").read_bytes() == before
    assert (second.folder / "stickers.csv").read_bytes() == before  # same photo, same result


def test_exif_orientation_turns_the_photo_upright(tmp_path: Path) -> None:
    upright = np.zeros((30, 60, 3), dtype=np.uint8)
    upright[:, :20] = (255, 0, 0)  # red on the left of the upright picture
    lying = Image.fromarray(upright).transpose(Image.Transpose.ROTATE_90)  # as a sensor stores it
    exif = Image.Exif()
    exif[0x0112] = 6  # "turn 90 degrees clockwise to show"
    path = tmp_path / "lying.png"
    lying.save(path, exif=exif.tobytes())
    loaded = load_photo(path)
    assert loaded.shape == (30, 60, 3)
    assert tuple(loaded[15, 5]) == (255, 0, 0) and tuple(loaded[15, 50]) == (0, 0, 0)


def scan_cli(pack: Path, *photos: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["scan", str(pack), *map(str, photos)])
    return result.exit_code, result.stderr


def test_a_file_that_is_no_image_is_refused(pack: Path, tmp_path: Path) -> None:
    folder = fresh_pack(pack, tmp_path)
    fake = tmp_path / "IMG_0003.jpg"
    fake.write_bytes(b"%!PS-Adobe-3.0\nthis is PostScript, not a photo\n")
    code, stderr = scan_cli(folder, fake)
    assert code == 3
    assert stderr == (
        f"De foto's lezen\nFout: {fake} is geen JPEG- of PNG-foto; neem de foto met een gsm "
        "of fototoestel\n"
    )
    assert not (folder / "resultaat").exists()


def png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG that claims a size and holds a tiny compressed body: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1000, 9)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
    return path


def test_a_png_bomb_is_refused_before_decoding(pack: Path, tmp_path: Path) -> None:
    bomb = png_header_only(tmp_path / "bomb.png", 100_000, 100_000)
    code, stderr = scan_cli(fresh_pack(pack, tmp_path), bomb)
    assert code == 3
    assert stderr == (
        f"De foto's lezen\nFout: {bomb} is te groot: er wordt hoogstens 50 megapixel gelezen; "
        "stuur de foto in het gewone formaat van de gsm\n"
    )


def test_a_60_megapixel_photo_is_refused(pack: Path, tmp_path: Path) -> None:
    large = png_header_only(tmp_path / "large.png", 10_000, 6_000)
    code, stderr = scan_cli(fresh_pack(pack, tmp_path), large)
    assert code == 3
    assert stderr == (
        f"De foto's lezen\nFout: {large} is te groot (60 megapixel): er wordt hoogstens 50 "
        "megapixel gelezen; stuur de foto in het gewone formaat van de gsm\n"
    )


def test_a_photo_without_a_poster_is_refused(pack: Path, tmp_path: Path) -> None:
    wall = tmp_path / "wall.jpg"
    Image.new("RGB", (1600, 1200), (200, 190, 170)).save(wall, quality=80)
    code, stderr = scan_cli(fresh_pack(pack, tmp_path), wall)
    assert code == 3
    assert stderr == (
        f"De foto's lezen\nFout: {wall}: er is geen kaart van buurtkaart te zien (geen van de "
        "vier hoekmarkeringen); fotografeer de hele kaart, met de hoeken\n"
    )


def test_a_photo_with_two_markers_hidden_is_refused(
    pack: Path, photo: Path, tmp_path: Path
) -> None:
    image = np.asarray(Image.open(photo).convert("RGB")).copy()
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    parameters = cv2.aruco.DetectorParameters()
    parameters.minMarkerPerimeterRate = 0.01  # as the scan seeks them
    detector = cv2.aruco.ArucoDetector(
        cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50), parameters
    )
    corners, ids, _rejected = detector.detectMarkers(grey)
    for marker, points in zip(ids.ravel().tolist(), corners, strict=True):
        if marker in (0, 3):  # a hand over the left corners
            x0, y0 = points.reshape(4, 2).min(axis=0).astype(int) - 15
            x1, y1 = points.reshape(4, 2).max(axis=0).astype(int) + 15
            image[y0:y1, x0:x1] = (180, 140, 120)
    hidden = tmp_path / "hidden.jpg"
    Image.fromarray(image).save(hidden, quality=90)
    code, stderr = scan_cli(fresh_pack(pack, tmp_path), hidden)
    assert code == 3
    assert stderr == (
        f"De foto's lezen\nFout: {hidden}: maar 2 van de vier hoekmarkeringen van de kaart "
        "zijn te zien, en er zijn er minstens 3 nodig; fotografeer de hele kaart, met de "
        "hoeken\n"
    )


def test_a_photo_of_another_teams_poster_is_refused(
    pack: Path, truth: list[TrueSticker], tmp_path: Path
) -> None:
    team = example_team()
    other_team = team.replace(
        organisation=team.organisation.__class__(
            **{**team.organisation.__dict__, "name": "Wijkcentrum Het Anker"}
        )
    )
    other = make_pack(tmp_path / "other", team=other_team)
    shot = photo_of_pack(other, tmp_path / "other.jpg", truth[:3], SMALL, 5, PAGE_PPMM)
    code, stderr = scan_cli(fresh_pack(pack, tmp_path), shot)
    assert code == 3
    assert stderr == (
        f"De foto's lezen\nFout: {shot} toont de kaart van een ander pakket "
        f"('wijkcentrum-het-anker-vestiging-dampoort'), niet van '{pack_name()}'; lees de "
        "foto in met de map van dat pakket, of fotografeer de kaart van dit pakket\n"
    )


def test_a_photo_of_an_earlier_version_of_the_poster_is_refused(
    pack: Path, photo: Path, tmp_path: Path
) -> None:
    folder = fresh_pack(pack, tmp_path)
    manifest = json.loads((folder / "pack.json").read_text(encoding="utf-8"))
    printed = manifest["scan"]["poster_hash"]
    manifest["scan"]["poster_hash"] = "0123456789"  # the pack was made again since
    manifest["scan"]["qr"] = f"buurtkaart/{pack_name()}/0123456789"
    (folder / "pack.json").write_text(json.dumps(manifest), encoding="utf-8")
    code, stderr = scan_cli(folder, photo)
    assert code == 3
    assert stderr == (
        f"De foto's lezen\nFout: {photo} toont een andere versie van de kaart van "
        f"'{pack_name()}' (kaart {printed}, het pakket bevat kaart 0123456789): het pakket is "
        "opnieuw gemaakt nadat deze kaart afgedrukt werd; lees de foto in met het pakket "
        "waaruit de kaart afgedrukt werd\n"
    )


def test_a_pack_made_before_posters_had_markers_is_refused(
    pack: Path, photo: Path, tmp_path: Path
) -> None:
    folder = fresh_pack(pack, tmp_path)
    manifest = json.loads((folder / "pack.json").read_text(encoding="utf-8"))
    del manifest["scan"]
    (folder / "pack.json").write_text(json.dumps(manifest), encoding="utf-8")
    code, stderr = scan_cli(folder, photo)
    assert code == 1
    assert stderr == (
        f"Fout: {folder / 'pack.json'} zegt niets over inlezen: het pakket is gemaakt voor de "
        "kaarten hoekmarkeringen hadden; maak het pakket opnieuw met generate en druk de "
        "nieuwe kaart af\n"
    )


def test_the_cli_reports_each_photo_and_where_the_results_are(
    pack: Path, truth: list[TrueSticker], photo: Path, tmp_path: Path
) -> None:
    folder = fresh_pack(pack, tmp_path)
    result = CliRunner().invoke(main, ["scan", str(folder), str(photo)], catch_exceptions=False)
    assert result.exit_code == 0
    results = folder / "resultaat"
    assert result.stderr.splitlines()[-2:] == [
        (
            f"{photo}: 4 van de 4 hoekmarkeringen, {len(truth)} stickers; controle in "
            f"{results / 'controle-1.png'}"
        ),
        f"{len(truth)} stickers gevonden op 1 foto('s); het resultaat staat in {results}",
    ]


def test_with_workbook_a_copy_lists_the_stickers_and_the_original_is_untouched(
    pack: Path, truth: list[TrueSticker], photo: Path, tmp_path: Path
) -> None:
    folder = fresh_pack(pack, tmp_path)
    workbook = tmp_path / "voorbeeld.xlsx"
    shutil.copy(EXAMPLE, workbook)
    before = workbook.read_bytes()
    report = scan_pack(folder, [photo], workbook=workbook)
    copy = folder / "resultaat" / "voorbeeld-kaartoefening.xlsx"
    assert copy in report.files
    assert workbook.read_bytes() == before
    book = openpyxl.load_workbook(copy)
    try:
        rows = [list(row) for row in book["Kaartoefening"].iter_rows(values_only=True)]
    finally:
        book.close()
    assert rows[0][:4] == ["Kleur", "Vraag", "x (mm)", "y (mm)"]
    written = [(row[0], row[2], row[3]) for row in rows[1:]]
    expected = [
        (s.colour_name, round(x, 1), round(y, 1))
        for s in report.stickers
        for x, y in [s.sticker.poster_mm or (0.0, 0.0)]
    ]
    assert written == expected and len(written) == len(truth)


def test_print_sheets_carry_the_markers_where_the_assembled_poster_has_them(
    tmp_path: Path,
) -> None:
    team = example_team()
    options = PackOptions(paper="A3", print_tiles="A4")
    base = synthetic_base(team, options, tmp_path)
    write_poster(team, base, options, tmp_path, Templates())
    sheet = scan_sheet(team, base, options, Templates())
    plan = plan_tiles(page_size("A3", landscape=False), "A4")
    pixels_per_mm = 6.0
    document = pdfium.PdfDocument(str(tmp_path / "poster-A3-tegels-A4.pdf"))
    detector = cv2.aruco.ArucoDetector(
        cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50), cv2.aruco.DetectorParameters()
    )
    seen: dict[int, list[tuple[float, float]]] = {}
    try:
        for row in range(plan.rows):
            for column in range(plan.columns):
                page = document[sheet_number(plan, column, row)]  # page 0 is the assembly
                image = page.render(scale=pixels_per_mm * 25.4 / 72).to_pil().convert("L")
                corners, ids, _rejected = detector.detectMarkers(np.asarray(image))
                window = plan.window_on_poster(column, row)
                for marker, points in zip([] if ids is None else ids.ravel(), corners, strict=True):
                    x_px, y_px = points.reshape(4, 2).mean(axis=0)
                    # sheet millimetres from its top-left, then the poster's, top-left too
                    x = x_px / pixels_per_mm + (window.x - PRINTER_MARGIN) / mm
                    sheet_top = window.top + PRINTER_MARGIN
                    y = y_px / pixels_per_mm + (page_size("A3", False)[1] - sheet_top) / mm
                    seen.setdefault(int(marker), []).append((x, y))
    finally:
        document.close()
    for marker in sheet["markers_mm"]:
        centre = (marker["left"] + marker["width"] / 2, marker["top"] + marker["height"] / 2)
        places = seen.get(marker["id"], [])
        assert places, f"marker {marker['id']} is on no sheet"
        assert min(math.dist(place, centre) for place in places) < 0.5


def test_a_sticker_gets_the_nearest_named_street_from_the_map_data_cache(
    pack: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sheet = read_sheet(pack)
    monkeypatch.setenv("BUURTKAART_CACHE_DIR", str(tmp_path / "cache"))
    frame = sheet.map_frame
    west = sheet.position(frame.left + 20, frame.top + 50)
    east = sheet.position(frame.right - 20, frame.top + 50)
    far_west = sheet.position(frame.left + 20, frame.top + 150)
    far_east = sheet.position(frame.right - 20, frame.top + 150)
    data = MapData(
        extent=snap(sheet.view.extent(DATA_MARGIN)),
        roads=(
            Road(
                RoadClass.RESIDENTIAL,
                ((west.lon, west.lat), (east.lon, east.lat)),
                "Dampoortstraat",
            ),
            Road(
                RoadClass.RESIDENTIAL,
                ((far_west.lon, far_west.lat), (far_east.lon, far_east.lat)),
                "Kasteellaan",
            ),
        ),
    )
    frame_extent = snap(sheet.view.extent(DATA_MARGIN))
    server = overpass_url(with_environment(PackOptions()).overpass_url)  # as the scan asks
    key = cache_key("overpass", QUERY_VERSION, server, frame_extent)
    MapDataCache(tmp_path / "cache" / "osmdata", SilentProgress(), RunState()).store(key, data)
    metres_per_mm = sheet.view.width_px * sheet.view.metres_per_pixel / frame.width
    near = frame.top + 50 + 20 / metres_per_mm  # 20 m south of Dampoortstraat
    nowhere = frame.top + 100  # between the two streets, far from both
    assert nearest_streets(sheet, [(frame.left + 100, near), (frame.left + 100, nowhere)]) == [
        "Dampoortstraat",
        "",
    ]
    assert nearest_streets(sheet, [(frame.left + 60, frame.top + 147)]) == ["Kasteellaan"]
