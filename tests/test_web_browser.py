"""The page in a real browser: Debian's Chromium, headless, driven by Playwright.

Chromium is a separate program (``.ci/run`` installs it); its flags keep it from calling
Google's hosts. The map stage stays offline: packs are made with "Zonder internet" and the
tile and geocoder defaults of tests/servers.py point at a refused port.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.datastructures import MultiDict

import generator.web.batches
from generator.errors import Problem
from generator.options import PackOptions
from generator.pack import generate_packs
from generator.scan.sheet import read_sheet
from generator.validation import validate_workbooks
from generator.web.app import pack_options
from generator.web.server import WebServer
from generator.workbook import read_team
from tests.photo_support import Shot, photo_of_pack, place_stickers
from tests.test_web import PACK_FILES, running_page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# Every form control without a name a screen reader can say, as "tag#id".
UNLABELLED = """() => [...document.querySelectorAll(
    "input:not([type=hidden]), select, textarea, button")]
  .filter((el) => el.tagName === "BUTTON"
    ? el.textContent.trim() === ""
    : el.labels.length === 0 && !el.getAttribute("aria-label"))
  .map((el) => `${el.tagName.toLowerCase()}#${el.id}`)"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (as .ci/run does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def server() -> Iterator[WebServer]:
    with running_page() as running:
        yield running


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="nl-BE", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    yield context.new_page()
    context.close()


def upload(page: Page, server: WebServer, *workbooks: Path) -> None:
    page.goto(server.url)
    page.set_input_files("#werkmappen", [str(workbook) for workbook in workbooks])
    page.get_by_role("button", name="Controleer de werkmappen").click()
    page.get_by_role("heading", name="Je werkmappen").wait_for()


def form_values(page: Page) -> Any:
    return page.evaluate(
        "() => Object.fromEntries(new FormData(document.querySelector('form.options')))"
    )


class HeldGeneration:
    """Runs the real generate_packs, but first reports a step and waits to be let go."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.real = generate_packs

    def __call__(
        self, workbooks: list[Path], out_dir: Path, options: Any, progress: Any, **more: Any
    ) -> Any:
        progress.start("Fetching map tiles", 4)
        progress.advance(1)
        if not self.release.wait(120):
            raise RuntimeError("the test never let the generation go")
        return self.real(workbooks, out_dir, options, progress, **more)


def test_the_example_becomes_a_pack_with_its_preview_and_a_zip_of_every_file(
    page: Page,
    server: WebServer,
    example_workbook: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    held = HeldGeneration()
    monkeypatch.setattr(generator.web.batches, "generate_packs", held)
    upload(page, server, example_workbook)
    assert page.locator(".status.ok").inner_text() == (
        "In orde: 14 buurtpartners, 10 straten met deelnemers, 4 acties."
    )
    page.get_by_label("Zonder internet").check()
    page.get_by_role("button", name="Maak het pakket").click()

    page.get_by_text("Fetching map tiles: 1 / 4").wait_for()
    assert page.locator("progress").evaluate("bar => [bar.value, bar.max]") == [1, 4]
    held.release.set()

    page.get_by_role("heading", name="Je pakketten").wait_for()
    preview = page.get_by_role("img", name="Voorbeeld van de kaart van Buurthuis De Oever vzw")
    preview.wait_for()
    page.wait_for_function("() => document.querySelector('.preview img').complete")
    assert preview.evaluate("img => img.naturalHeight") == 1200
    banner = page.locator(".banner.warning")
    assert banner.locator("strong").inner_text() == "Let op: dit pakket mist iets."
    assert "voorbeeld.xlsx: geen kaarttegels te krijgen" in banner.inner_text()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Pakket downloaden (ZIP)").click()
    download = download_info.value
    assert download.suggested_filename == "buurthuis-de-oever-vzw-vestiging-dampoort.zip"
    saved = tmp_path / "pakket.zip"
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("pack.json"))
        assert archive.read("poster-preview.png")[:8] == b"\x89PNG\r\n\x1a\n"
        assert archive.read("poster-A1.pdf")[:5] == b"%PDF-"
    assert names == PACK_FILES
    assert set(manifest["files"]) == PACK_FILES


def test_a_broken_workbook_shows_its_problems_by_sheet_and_cell(
    page: Page, server: WebServer, example_workbook: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "kapot.xlsx"
    workbook = openpyxl.load_workbook(example_workbook)
    workbook["Deelnemers"]["D3"] = "veel"
    workbook["Buurtpartners"]["F4"] = "ergens in Gent"
    workbook["Buurtpartners"]["G2"] = "misschien"
    workbook.save(broken)
    problems: list[Problem] = validate_workbooks([broken])[1][broken]
    assert [(problem.sheet, problem.cell) for problem in problems] == [
        ("Deelnemers", "D3"),
        ("Buurtpartners", "G2"),
        ("Buurtpartners", "F4"),
    ]

    upload(page, server, broken)
    card = page.get_by_role("article", name="kapot.xlsx")
    assert card.locator(".status").inner_text() == "3 problemen om op te lossen in de werkmap:"
    rows = card.locator("tbody tr").evaluate_all(
        "rows => rows.map(row => [...row.cells].map(cell => cell.textContent.trim()))"
    )
    assert rows == [
        [problem.sheet, problem.cell, problem.message, problem.hint] for problem in problems
    ]
    assert page.get_by_role("button", name="Maak het pakket").count() == 0


def test_the_page_offers_the_same_choices_and_defaults_as_generate(
    page: Page, server: WebServer, example_workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload(page, server, example_workbook)
    options = page.get_by_label("Formaat van de kaart").evaluate(
        "select => [...select.options].map(option => option.value)"
    )
    assert options == ["A0", "A1", "A2", "A3"]
    values = form_values(page)
    del values["token"]
    assert values == {
        "paper": "A1",
        "orientation": "portrait",
        "print_tiles": "",
        "min_count": "3",
        # tests/servers.py names a tile server in BUURTKAART_TILE_URL, read when the page
        # started: as generate does, the page then chooses the tiles base map
        "basemap": "tiles",
        "tile_url": "",
    }
    assert pack_options(MultiDict(values), PackOptions()) == PackOptions(basemap="tiles")
    assert pack_options(MultiDict(values), server.store.base) == dataclasses.replace(
        server.store.base, basemap="tiles"
    )
    monkeypatch.setattr(server.store, "base", PackOptions())  # no tile server named
    page.reload()
    assert form_values(page)["basemap"] == "vector"
    assert pack_options(MultiDict(form_values(page)), PackOptions()) == PackOptions()


def test_every_control_is_labelled_and_the_upload_works_from_the_keyboard(
    page: Page, server: WebServer, example_workbook: Path
) -> None:
    page.goto(server.url)
    assert page.evaluate(UNLABELLED) == []
    focused = []
    for _ in range(10):
        page.keyboard.press("Tab")
        focused.append(
            page.evaluate(
                "() => document.activeElement.id || document.activeElement.textContent.trim()"
            )
        )
        if focused[-1] == "werkmappen":
            break
    assert focused[-1] == "werkmappen", focused
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(str(example_workbook))
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == (
        "Controleer de werkmappen"
    )
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Je werkmappen").wait_for()
    assert page.evaluate(UNLABELLED) == []
    page.get_by_label("Formaat van de kaart").focus()
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent.trim()") == "Maak het pakket":
            break
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Maak het pakket"


def test_workbooks_dropped_on_the_page_are_checked_at_once(
    page: Page, server: WebServer, example_workbook: Path
) -> None:
    page.goto(server.url)
    dropped = page.evaluate_handle(
        """(bytes) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array(bytes)], "gesleept.xlsx"));
            return transfer;
        }""",
        list(example_workbook.read_bytes()),
    )
    page.dispatch_event("[data-dropzone]", "dragover", {"dataTransfer": dropped})
    assert page.locator(".dropzone.dragging").count() == 1
    page.dispatch_event("[data-dropzone]", "drop", {"dataTransfer": dropped})
    page.get_by_role("heading", name="Je werkmappen").wait_for()
    card = page.get_by_role("article", name="gesleept.xlsx")
    assert card.locator(".status").inner_text().startswith("In orde: 14 buurtpartners")


def test_photos_of_a_pack_made_on_the_page_give_its_stickers_and_the_workbook_copy(
    page: Page, server: WebServer, example_workbook: Path, tmp_path: Path
) -> None:
    upload(page, server, example_workbook)
    page.get_by_label("Zonder internet").check()
    page.get_by_role("button", name="Maak het pakket").click()
    page.get_by_role("heading", name="Je pakketten").wait_for(timeout=600_000)
    batch = server.store.get(page.url.rstrip("/").rsplit("/", 1)[-1])
    assert batch is not None
    (made,) = batch.packs()
    truth = place_stickers(read_sheet(made.folder), 5, seed=3)
    shot = Shot(width_px=3200, height_px=2400, tilt=20, rotation=-4, blur=1.0)
    photo = photo_of_pack(made.folder, tmp_path / "IMG_1234.jpg", truth, shot, seed=2)

    page.set_input_files("#fotos-0", str(photo))
    page.get_by_role("button", name="Lees de stickers van de foto’s").click()
    page.get_by_role("heading", name="5 stickers gevonden").wait_for(timeout=300_000)
    assert page.evaluate(UNLABELLED) == []
    image = page.locator("figure.control img")
    assert image.evaluate("img => img.complete && img.naturalWidth") > 1000
    assert page.locator("figcaption").inner_text() == "Foto 1: IMG_1234.jpg"
    page.screenshot(path=str(tmp_path / "stickers.png"), full_page=True)
    with page.expect_download() as caught:
        page.get_by_role("link", name="De werkmap met het blad Kaartoefening").click()
    download = caught.value
    assert download.suggested_filename == "voorbeeld-kaartoefening.xlsx"
    copy = tmp_path / "terug.xlsx"
    download.save_as(copy)
    assert len(read_team(copy).previous_stickers) == 5
    assert example_workbook.name == "voorbeeld.xlsx"
