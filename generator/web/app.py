"""The Flask application: routes, and the checks every request passes before them.

Each request must name this server in its Host header (a page elsewhere cannot reach it by
DNS rebinding), and every form post must come from this server's own pages: an Origin header,
when the browser sends one, must be ours, and the form must carry this server's token.
"""

from __future__ import annotations

import dataclasses
import hmac
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from flask import Flask, abort, jsonify, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from generator.options import BASEMAP_KINDS, PAPER_SIZES, PRINT_TILE_SIZES, PackOptions
from generator.poster import PREVIEW
from generator.resources import default_templates_dir
from generator.web.batches import MAX_WORKBOOKS, Batch, BatchStore, PackResult, UploadTooLarge
from generator.web.scans import MAX_PHOTOS, MAX_SCAN_POST_BYTES, Scan, ScanRefused, ScanStore
from generator.workbook import write_workbook
from generator.workbook.reader import MAX_FILE_BYTES

FORM_OVERHEAD_BYTES = 1024 * 1024  # the token and options beside the workbooks in a post
SCAN_POSTS = ("scan_made_pack", "scan_pack_zip")  # forms with photos: a limit of their own
BLANK_WORKBOOKS = {"leeg": "buurtkaart-werkmap.xlsx", "voorbeeld": "buurtkaart-voorbeeld.xlsx"}
SECURITY_HEADERS = {
    # Every script, style and picture comes from this server: nothing else may run or load.
    "Content-Security-Policy": "default-src 'self'; img-src 'self'; style-src 'self'; "
    "script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    # not "no-referrer": with it Chromium sends "Origin: null" on our own form posts
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class Refused(HTTPException):
    """A request the page answers with its own Dutch explanation (``reason`` picks the text)."""

    def __init__(self, code: int, reason: str, **details: Any) -> None:
        super().__init__()
        self.code = code
        self.reason = reason
        self.details = details


def create_app(store: BatchStore, hosts: set[str], token: str) -> Flask:
    """The page for one server: ``hosts`` are the Host headers it answers to."""
    web_dir = default_templates_dir() / "web"
    app = Flask(
        __name__,
        template_folder=str(web_dir),
        static_folder=str(web_dir / "static"),
        static_url_path="/static",
    )
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_WORKBOOKS * MAX_FILE_BYTES + FORM_OVERHEAD_BYTES,
        MAX_FORM_PARTS=MAX_WORKBOOKS + 20,
        SEND_FILE_MAX_AGE_DEFAULT=0,
    )
    origins = {f"http://{host}" for host in hosts}
    scans = ScanStore(store.root / "scans", store.templates)

    @app.before_request
    def check_request() -> None:
        if request.host.lower() not in hosts:
            raise Refused(400, "host")
        if request.endpoint in SCAN_POSTS:
            request.max_content_length = MAX_SCAN_POST_BYTES + FORM_OVERHEAD_BYTES
        if request.method == "POST":
            origin = request.headers.get("Origin")
            if origin is not None and origin not in origins:
                raise Refused(403, "origin")
            sent = request.form.get("token", "")  # reading the form enforces the size limits
            if not hmac.compare_digest(sent.encode(), token.encode()):
                raise Refused(403, "token")

    @app.after_request
    def harden(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.errorhandler(HTTPException)
    def explain(error: HTTPException) -> ResponseReturnValue:
        reason = error.reason if isinstance(error, Refused) else str(error.code)
        if reason == "413" and request.endpoint in SCAN_POSTS:
            reason = "scan-too-large"
        details = error.details if isinstance(error, Refused) else {}
        page = render_template("error.html", reason=reason, code=error.code, **details)
        return page, error.code or 500

    @app.get("/")
    def index() -> str:
        return render_template(
            "index.html", token=token, max_workbooks=MAX_WORKBOOKS, max_photos=MAX_PHOTOS
        )

    @app.get("/werkmap/<kind>.xlsx")
    def blank_workbook(kind: str) -> Response:
        if kind not in BLANK_WORKBOOKS:
            abort(404)
        path = store.root / BLANK_WORKBOOKS[kind]
        if not path.exists():
            write_workbook(path, example=kind == "voorbeeld", templates=store.templates)
        return send_file(path, as_attachment=True, download_name=BLANK_WORKBOOKS[kind])

    @app.post("/werkmappen")
    def upload() -> Response:
        sent = [item for item in request.files.getlist("werkmappen") if item.filename]
        if not sent:
            raise Refused(400, "no-files")
        if len(sent) > MAX_WORKBOOKS:
            raise Refused(400, "too-many", count=len(sent), limit=MAX_WORKBOOKS)
        try:
            batch = store.add([(item.filename, item.stream) for item in sent])
        except UploadTooLarge as exc:
            raise Refused(413, "too-large", name=exc.name) from exc
        return redirect(url_for("show_batch", batch_id=batch.id), 303)

    @app.get("/batch/<batch_id>")
    def show_batch(batch_id: str) -> str:
        batch = _batch(store, batch_id)
        return render_template(
            "batch.html",
            batch=batch,
            token=token,
            paper_sizes=PAPER_SIZES,
            basemap_kinds=BASEMAP_KINDS,
            default_basemap=default_basemap(store.base),
            print_tile_sizes=PRINT_TILE_SIZES,
            defaults=PackOptions(),
            max_photos=MAX_PHOTOS,
        )

    @app.post("/batch/<batch_id>/maak")
    def generate(batch_id: str) -> Response:
        batch = _batch(store, batch_id)
        if not batch.valid:
            raise Refused(400, "nothing-valid")
        store.generate(batch, pack_options(request.form, store.base))
        return redirect(url_for("show_batch", batch_id=batch.id), 303)

    @app.get("/batch/<batch_id>/voortgang")
    def progress(batch_id: str) -> Response:
        batch = _batch(store, batch_id)
        if batch.generation is None:
            return jsonify(state="waiting")
        state = "running" if batch.running else "done"
        return jsonify(state=state, **batch.generation.progress.snapshot())

    @app.get("/batch/<batch_id>/pakket-<int:index>/voorbeeld.png")
    def preview(batch_id: str, index: int) -> Response:
        pack = _pack(_batch(store, batch_id), index)
        return send_file(pack / PREVIEW, mimetype="image/png")

    @app.get("/batch/<batch_id>/pakket-<int:index>.zip")
    def pack_zip(batch_id: str, index: int) -> Response:
        batch = _batch(store, batch_id)
        name = f"{_pack(batch, index).name}.zip"
        return send_file(batch.pack_zip(index), as_attachment=True, download_name=name)

    @app.get("/batch/<batch_id>/pakketten.zip")
    def batch_zip(batch_id: str) -> Response:
        batch = _batch(store, batch_id)
        if not batch.packs():
            abort(404)
        return send_file(batch.batch_zip(), as_attachment=True, download_name="pakketten.zip")

    @app.post("/batch/<batch_id>/pakket-<int:index>/fotos")
    def scan_made_pack(batch_id: str, index: int) -> Response:
        pack = _pack_result(_batch(store, batch_id), index)
        upload = pack.upload
        team = upload.team
        shown = team.organisation.name if team is not None else upload.name
        photos = _sent_files("fotos")
        scan = _scanned(
            lambda: scans.scan_made_pack(pack.folder, shown, photos, upload.path, upload.name)
        )
        return redirect(url_for("show_scan", scan_id=scan.id), 303)

    @app.post("/fotos")
    def scan_pack_zip() -> Response:
        pack_zip = request.files.get("pakket")
        if pack_zip is None or not pack_zip.filename:
            raise Refused(400, "no-pack")
        sent_workbook = request.files.get("werkmap")
        workbook = None
        if sent_workbook is not None and sent_workbook.filename:
            workbook = (sent_workbook.filename, sent_workbook.stream)
        photos = _sent_files("fotos")
        scan = _scanned(
            lambda: scans.scan_pack_zip((pack_zip.filename, pack_zip.stream), photos, workbook)
        )
        return redirect(url_for("show_scan", scan_id=scan.id), 303)

    @app.get("/scan/<scan_id>")
    def show_scan(scan_id: str) -> str:
        return render_template("scan.html", scan=_scan(scans, scan_id))

    @app.get("/scan/<scan_id>/controle-<int:number>.png")
    def scan_control(scan_id: str, number: int) -> Response:
        controls = _scan(scans, scan_id).controls
        if not 1 <= number <= len(controls):
            abort(404)
        return send_file(controls[number - 1], mimetype="image/png")

    @app.get("/scan/<scan_id>/bestand-<int:number>")
    def scan_download(scan_id: str, number: int) -> Response:
        downloads = _scan(scans, scan_id).downloads
        if not 1 <= number <= len(downloads):
            abort(404)
        chosen = downloads[number - 1]
        return send_file(chosen.path, as_attachment=True, download_name=chosen.name)

    return app


def _sent_files(field: str) -> list[tuple[str | None, IO[bytes]]]:
    return [(item.filename, item.stream) for item in request.files.getlist(field) if item.filename]


def _scanned(scan: Callable[[], Scan]) -> Scan:
    try:
        return scan()
    except ScanRefused as exc:
        code = 413 if exc.reason.endswith("too-large") else 400
        raise Refused(code, exc.reason, **exc.details) from exc


def _scan(scans: ScanStore, scan_id: str) -> Scan:
    scan = scans.get(scan_id)
    if scan is None:
        raise Refused(404, "no-scan")
    return scan


def _pack_result(batch: Batch, index: int) -> PackResult:
    found = next((pack for pack in batch.packs() if pack.index == index), None)
    if found is None:
        abort(404)
    return found


def _batch(store: BatchStore, batch_id: str) -> Batch:
    batch = store.get(batch_id)
    if batch is None:
        raise Refused(404, "no-batch")
    return batch


def _pack(batch: Batch, index: int) -> Path:
    return _pack_result(batch, index).folder


def default_basemap(base: PackOptions) -> str:
    """As on the command line: a tile server named in the environment means the tiles map."""
    return "tiles" if base.tile_url else PackOptions().basemap


def pack_options(form: MultiDict[str, str], base: PackOptions) -> PackOptions:
    """The options of ``generate``, from the page's form over ``base``; anything else is refused."""
    paper = form.get("paper", "")
    basemap = form.get("basemap", "")
    print_tiles = form.get("print_tiles", "")
    orientation = form.get("orientation", "")
    try:
        min_count = int(form.get("min_count", ""))
    except ValueError:
        min_count = 0
    if (
        paper not in PAPER_SIZES
        or print_tiles not in ("", *PRINT_TILE_SIZES)
        or orientation not in ("portrait", "landscape")
        or basemap not in BASEMAP_KINDS
        or min_count < 1
    ):
        raise Refused(400, "options")
    return dataclasses.replace(
        base,
        tile_url=form.get("tile_url", "").strip() or base.tile_url,
        offline="offline" in form,
        paper=paper,
        landscape=orientation == "landscape",
        min_count=min_count,
        print_tiles=print_tiles or None,
        low_ink="low_ink" in form,
        basemap=basemap,
    )
