"""``buurtkaart serve`` over plain HTTP: whom the page answers, what it refuses, what it keeps.

The server runs in this process on 127.0.0.1 port 0; the browser tests are in
test_web_browser.py.
"""

from __future__ import annotations

import http.client
import io
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from markupsafe import escape

import generator.web.batches
from generator.cli import main
from generator.errors import MapError
from generator.map.runstate import RunState
from generator.options import PackOptions, with_environment
from generator.validation import validate_workbooks
from generator.web.batches import MAX_WORKBOOKS, BatchStore, _zipped
from generator.web.server import WebServer
from generator.workbook.reader import MAX_FILE_BYTES
from tests.conftest import REPO

BOUNDARY = "buurtkaart-test-grens"
PACK_FILES = {
    "1-visie-en-doel.docx",
    "2-de-buurt.docx",
    "3-aanpak.docx",
    "4-kaartoefening.docx",
    "5-samenwerken.docx",
    "6-actieplan.docx",
    "7-draaiboek.docx",
    "8-voorbereiding.docx",
    "werkbladen.docx",
    "poster-A1.pdf",
    "poster-preview.png",
    "stickers-A4.pdf",
    "pack.json",
}


@contextmanager
def running_page() -> Iterator[WebServer]:
    """The page's server, serving on a thread for as long as the block runs."""
    with WebServer() as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server
        finally:
            server.shutdown()
            thread.join()


@pytest.fixture
def page() -> Iterator[WebServer]:
    with running_page() as server:
        yield server


def ask(
    server: WebServer,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> tuple[int, str, http.client.HTTPResponse]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        connection.request(method, path, body, headers or {})
        answer = connection.getresponse()
        return answer.status, answer.read().decode(errors="replace"), answer
    finally:
        connection.close()


def token_of(server: WebServer) -> str:
    status, text, _ = ask(server, "GET", "/")
    assert status == 200
    found = re.search(r'name="token" value="([^"]+)"', text)
    assert found is not None
    return found.group(1)


def multipart(fields: dict[str, str], files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    parts = []
    for name, value in fields.items():
        head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for filename, content in files:
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="werkmappen"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={BOUNDARY}"


def upload(
    server: WebServer,
    files: list[tuple[str, bytes]],
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, str, http.client.HTTPResponse]:
    body, content_type = multipart({"token": token or token_of(server)}, files)
    return ask(
        server, "POST", "/werkmappen", body, {"Content-Type": content_type, **(headers or {})}
    )


def batch_page(server: WebServer, answer: http.client.HTTPResponse) -> str:
    location = answer.getheader("Location") or ""
    status, text, _ = ask(server, "GET", location)
    assert status == 200
    return text


def test_a_request_that_names_another_host_is_refused(page: WebServer) -> None:
    for host in ("evil.example", f"evil.example:{page.port}", f"127.0.0.1:{page.port + 1}"):
        status, text, _ = ask(page, "GET", "/", headers={"Host": host})
        assert status == 400
        assert "alleen te openen via het adres dat buurtkaart zelf toont" in text
    for host in (f"127.0.0.1:{page.port}", f"localhost:{page.port}"):
        assert ask(page, "GET", "/", headers={"Host": host})[0] == 200


def test_a_form_post_from_elsewhere_is_refused(page: WebServer, example_workbook: Path) -> None:
    workbook = [("team.xlsx", example_workbook.read_bytes())]
    status, text, _ = upload(page, workbook, token="geraden")
    assert status == 403
    assert "Dit formulier kwam niet van deze pagina" in text
    status, text, _ = upload(page, workbook, headers={"Origin": "http://evil.example"})
    assert status == 403
    assert "Dit formulier kwam niet van deze pagina" in text
    assert list(page.root.iterdir()) == []
    own = {"Origin": f"http://127.0.0.1:{page.port}"}
    assert upload(page, workbook, headers=own)[0] == 303


def test_a_workbook_over_20_mb_is_refused_and_not_kept(page: WebServer) -> None:
    status, text, _ = upload(page, [("groot.xlsx", bytes(MAX_FILE_BYTES + 1))])
    assert status == 413
    assert "“groot.xlsx” is groter dan 20 MB per\n  werkmap" in text
    assert list(page.root.iterdir()) == []


def test_a_post_over_the_total_limit_is_refused_before_it_is_read(page: WebServer) -> None:
    claimed = MAX_WORKBOOKS * MAX_FILE_BYTES + 2 * 2**20
    connection = http.client.HTTPConnection("127.0.0.1", page.port, timeout=60)
    try:
        connection.putrequest("POST", "/werkmappen")
        connection.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
        connection.putheader("Content-Length", str(claimed))
        connection.endheaders()
        answer = connection.getresponse()
        assert answer.status == 413
        assert "groter dan 20 MB per" in answer.read().decode()
    finally:
        connection.close()


def test_more_workbooks_than_the_limit_are_refused(page: WebServer) -> None:
    files = [(f"team-{n}.xlsx", b"x") for n in range(MAX_WORKBOOKS + 1)]
    status, text, _ = upload(page, files)
    assert status == 400
    assert f"Je koos {MAX_WORKBOOKS + 1} bestanden; buurtkaart neemt er hoogstens" in text
    assert list(page.root.iterdir()) == []


def test_a_name_the_browser_sends_is_shown_never_used_as_a_path(
    page: WebServer, example_workbook: Path
) -> None:
    status, _, answer = upload(page, [("../../../tmp/<kwaad> & co.xlsx", b"not a workbook")])
    assert status == 303
    (folder,) = page.root.iterdir()
    assert folder.stat().st_mode & 0o777 == 0o700
    assert sorted(path.name for path in folder.iterdir()) == ["werkmap-1.xlsx"]
    text = batch_page(page, answer)
    assert "<h3>&lt;kwaad&gt; &amp; co.xlsx</h3>" in text
    assert "werkmap-1.xlsx" not in text


def test_a_hostile_workbook_gets_the_cli_message_and_no_traceback(
    page: WebServer, example_workbook: Path, tmp_path: Path
) -> None:
    bomb = tmp_path / "bom.xlsx"
    with (
        zipfile.ZipFile(example_workbook) as original,
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as packed,
    ):
        for item in original.infolist():
            packed.writestr(item, original.read(item.filename))
        packed.writestr("xl/media/zeros.bin", bytes(60 * 2**20))
    (problem,) = validate_workbooks([bomb])[1][bomb]
    assert "zipbom" in problem.message
    status, _, answer = upload(page, [("bom.xlsx", bomb.read_bytes())])
    assert status == 303
    text = batch_page(page, answer)
    assert "1 probleem om op te lossen in de werkmap" in text
    assert f'<td data-label="Wat is er mis">{escape(problem.message)}</td>' in text
    assert f'<td data-label="Zo los je het op">{escape(problem.hint)}</td>' in text
    assert "Traceback" not in text
    assert "Maak het pakket" not in text


def test_a_bug_gives_a_plain_error_page_without_traceback(
    page: WebServer, example_workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("geheime details van de fout")

    monkeypatch.setattr(generator.web.batches, "validate_workbooks", broken)
    status, text, _ = upload(page, [("team.xlsx", example_workbook.read_bytes())])
    assert status == 500
    assert "Er ging iets mis in buurtkaart zelf" in text
    assert "geheime details" not in text
    assert "Traceback" not in text


def test_uploads_and_packs_are_removed_when_the_server_stops(example_workbook: Path) -> None:
    with running_page() as server:
        assert upload(server, [("team.xlsx", example_workbook.read_bytes())])[0] == 303
        assert [path.name for path in server.root.glob("*/*")] == ["werkmap-1.xlsx"]
        root = server.root
    assert not root.exists()


def test_python_m_generator_serves_and_cleans_up_on_sigterm(tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--no-browser"],
        cwd=REPO,
        env={**os.environ, "TMPDIR": str(temp)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url)
        with urllib.request.urlopen(url, timeout=60) as answer:
            assert "Maak het sessiepakket van je team" in answer.read().decode()
        assert [path.name.startswith("buurtkaart-serve-") for path in temp.iterdir()] == [True]
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert list(temp.iterdir()) == []


def test_serve_on_a_taken_port_says_so(runner: CliRunner) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(main, ["serve", "--port", str(port), "--no-browser"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Fout: kan de pagina niet aanbieden op 127.0.0.1:{port} (Address already in use); "
        "kies een andere --port, of laat de optie weg om een vrije poort te nemen\n"
    )


def test_serve_prints_its_address_first_opens_the_browser_and_warns_beyond_loopback(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    opened: list[str] = []
    bases: list[PackOptions] = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    monkeypatch.setattr(
        WebServer, "serve_until_stopped", lambda self: bases.append(self.store.base)
    )
    result = runner.invoke(main, ["serve", "--host", "0.0.0.0"], catch_exceptions=False)
    assert result.exit_code == 0
    url = result.stdout.splitlines()[0]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url)
    assert opened == [url]
    assert result.stderr == (
        "Let op: de server luistert op 0.0.0.0: iedereen die deze computer via het netwerk "
        "bereikt, kan de pagina openen en de werkmappen van de teams zien\nDe pagina staat "
        "klaar; druk op Ctrl-C om te stoppen.\n"
    )
    extract = tmp_path / "gent.osm.pbf"
    extract.write_bytes(b"")
    arguments = ["serve", "--no-browser", "--osm-file", str(extract), "--templates", str(tmp_path)]
    result = runner.invoke(main, arguments, catch_exceptions=False)
    assert result.stderr == "De pagina staat klaar; druk op Ctrl-C om te stoppen.\n"
    assert len(opened) == 1
    # the page reads the environment once, as generate does (here: the suite's local servers)
    assert bases == [
        with_environment(PackOptions()),
        with_environment(PackOptions(templates_dir=tmp_path, osm_file=extract)),
    ]
    assert bases[0].tile_url is not None and bases[0].tile_url.startswith("http://127.0.0.1:")


def test_two_workbooks_give_a_pack_each_and_one_zip_with_both_and_a_third_is_named(
    page: WebServer, example_workbook: Path, tmp_path: Path
) -> None:
    """The third workbook is a copy of the first: it would claim the same pack folder."""
    second = tmp_path / "tweede.xlsx"
    workbook = openpyxl.load_workbook(example_workbook)
    sheet = workbook["Organisatie"]
    site = next(row[1] for row in sheet.iter_rows(min_row=1) if row[0].value == "Vestiging")
    site.value = "Sint-Amandsberg"
    workbook.save(second)
    first = example_workbook.read_bytes()
    files = [("eerste.xlsx", first), ("tweede.xlsx", second.read_bytes()), ("derde.xlsx", first)]
    status, _, answer = upload(page, files)
    assert status == 303
    location = answer.getheader("Location") or ""
    assert "Maak de 3 pakketten" in batch_page(page, answer)
    form = {
        "token": token_of(page),
        "paper": "A3",
        "orientation": "landscape",
        "print_tiles": "",
        "min_count": "3",
        "basemap": "vector",
        "offline": "on",
    }
    body = "&".join(f"{name}={value}" for name, value in form.items()).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert ask(page, "POST", f"{location}/maak", body, headers)[0] == 303
    batch = page.store.get(location.rsplit("/", 1)[-1])
    assert batch is not None and batch.generation is not None
    batch.generation.future.result(timeout=600)
    assert batch.generation.options.paper == "A3"
    assert batch.generation.options.landscape
    text = batch_page(page, answer)
    assert (
        "<p>Geen pakket voor derde.xlsx:</p><p>derde.xlsx: blad &#39;Organisatie&#39;: de "
        "organisatie en vestiging geven dezelfde pakketmap "
        "&#39;buurthuis-de-oever-vzw-vestiging-dampoort&#39; als eerste.xlsx; geef elke werkmap "
        "een eigen Vestiging op het blad &#39;Organisatie&#39;</p>"
    ) in text
    assert text.count("Pakket downloaden (ZIP)") == 2
    assert "Alle 2 pakketten downloaden (ZIP)" in text

    with urllib.request.urlopen(f"{page.url.rstrip('/')}{location}/pakketten.zip") as answer:
        assert answer.headers["Content-Disposition"] == "attachment; filename=pakketten.zip"
        zipped = answer.read()
    with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
        names = sorted(archive.namelist())
    folders = [
        "buurthuis-de-oever-vzw-sint-amandsberg",
        "buurthuis-de-oever-vzw-vestiging-dampoort",
    ]
    pack = sorted({*PACK_FILES - {"poster-A1.pdf"}, "poster-A3.pdf"})
    assert names == sorted(f"{folder}/{name}" for folder in folders for name in pack)


def test_a_run_that_stops_as_a_whole_says_why_on_the_page(
    page: WebServer, example_workbook: Path
) -> None:
    status, _, answer = upload(page, [("team.xlsx", example_workbook.read_bytes())])
    assert status == 303
    location = answer.getheader("Location") or ""
    form = (
        f"token={token_of(page)}&paper=A1&orientation=portrait&print_tiles=&min_count=3"
        "&basemap=vector"
    )
    body = (form + "&tile_url=https://tiles.example/{z}/{x}.png").encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert ask(page, "POST", f"{location}/maak", body, headers)[0] == 303
    batch = page.store.get(location.rsplit("/", 1)[-1])
    assert batch is not None and batch.generation is not None
    with pytest.raises(MapError) as raised:
        batch.generation.future.result(timeout=120)
    text = batch_page(page, answer)
    assert "Er kon geen pakket gemaakt worden:" in text
    assert f"<p>{escape(raised.value.format_message())}</p>" in text
    assert "Pakket downloaden" not in text


def test_a_form_with_options_generate_does_not_have_is_refused(
    page: WebServer, example_workbook: Path
) -> None:
    status, _, answer = upload(page, [("team.xlsx", example_workbook.read_bytes())])
    location = answer.getheader("Location") or ""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    for options in (
        "paper=A5&orientation=portrait&min_count=3&basemap=vector",
        "paper=A1&orientation=portrait&min_count=0&basemap=vector",
        "paper=A1&orientation=portrait&min_count=3&basemap=satelliet",
    ):
        body = f"token={token_of(page)}&{options}".encode()
        status, text, _ = ask(page, "POST", f"{location}/maak", body, headers)
        assert status == 400
        assert "De gekozen instellingen kloppen niet" in text


def test_the_oldest_finished_batch_goes_when_there_are_too_many(
    tmp_path: Path, example_workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(generator.web.batches, "MAX_BATCHES", 2)
    store = BatchStore(tmp_path / "server")
    store.root.mkdir()
    try:
        batches = [store.add([("team.xlsx", io.BytesIO(b"x"))]) for _ in range(3)]
        assert [store.get(batch.id) for batch in batches] == [None, *batches[1:]]
        assert sorted(store.root.iterdir()) == sorted(batch.folder for batch in batches[1:])
    finally:
        store.close()
    assert not store.root.exists()


def test_the_batches_of_one_server_share_its_throttles_and_two_servers_do_not(
    tmp_path: Path, example_workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nominatim allows one request a second per application: a batch made right after another
    # must wait its turn too, so every batch of a server runs with the server's one state.
    states: list[RunState] = []

    def recorded(*args: object, state: RunState) -> None:
        states.append(state)

    monkeypatch.setattr(generator.web.batches, "generate_packs", recorded)
    stores = [BatchStore(tmp_path / name) for name in ("one", "two")]
    try:
        for store in (stores[0], stores[0], stores[1]):
            store.root.mkdir(exist_ok=True)
            batch = store.add([("team.xlsx", io.BytesIO(example_workbook.read_bytes()))])
            store.generate(batch, store.base)
            assert batch.generation is not None
            batch.generation.future.result(timeout=60)
    finally:
        for store in stores:
            store.close()
    assert states[0] is states[1]
    assert states[2] is not states[0]


def test_the_blank_workbook_and_the_example_can_be_downloaded(
    page: WebServer, tmp_path: Path, blank_workbook: Path
) -> None:
    for kind, name in (
        ("leeg", "buurtkaart-werkmap.xlsx"),
        ("voorbeeld", "buurtkaart-voorbeeld.xlsx"),
    ):
        with urllib.request.urlopen(f"{page.url}werkmap/{kind}.xlsx") as answer:
            assert answer.headers["Content-Disposition"] == f"attachment; filename={name}"
            (tmp_path / name).write_bytes(answer.read())
    blank, example = tmp_path / "buurtkaart-werkmap.xlsx", tmp_path / "buurtkaart-voorbeeld.xlsx"
    teams, problems = validate_workbooks([blank, example])
    assert len(teams[example].partners) == 14
    # the same blank workbook as 'buurtkaart init' writes: the same cells still to fill in
    assert [(p.sheet, p.cell, p.message) for p in problems[blank]] == [
        (p.sheet, p.cell, p.message)
        for p in validate_workbooks([blank_workbook])[1][blank_workbook]
    ]
    assert problems[blank]
    assert ask(page, "GET", "/werkmap/..%2Fgeheim.xlsx")[0] == 404


def test_a_zip_of_the_same_pack_has_the_same_bytes(tmp_path: Path) -> None:
    pack = tmp_path / "pakket"
    pack.mkdir()
    (pack / "b.txt").write_text("tweede")
    (pack / "a.txt").write_text("eerste")
    first = _zipped(tmp_path / "een" / "pakket.zip", [(pack, "")])
    os.utime(pack / "a.txt", (0, 0))
    second = _zipped(tmp_path / "twee" / "pakket.zip", [(pack, "")])
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert archive.namelist() == ["a.txt", "b.txt"]
        assert archive.read("b.txt") == b"tweede"
