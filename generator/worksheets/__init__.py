"""Stage 3: the session worksheets, rendered from DOCX templates a facilitator can edit in Word.

Eight numbered A4 worksheets and one combined ``werkbladen.docx`` (its own cover template, then
every worksheet). All wording and house style live in ``templates/werkbladen/``; this package
only fills the templates in.
"""

from __future__ import annotations

import functools
import re
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

import jinja2
from docx import Document
from docxcompose.composer import Composer  # type: ignore[import-untyped]

from generator.cartography.grid import GridSquares
from generator.errors import TemplateError
from generator.i18n import _
from generator.model import Address, CoordinateOrigin, Delimitation, Organisation, Source, Team
from generator.options import PackOptions
from generator.resources import Templates
from generator.workbook import read_team, write_workbook
from generator.workbook.spec import load_spec
from generator.worksheets.context import worksheet_context
from generator.worksheets.pdf import find_soffice, missing_soffice_warning, write_pdfs
from generator.worksheets.render import (
    Compiled,
    Rendered,
    docx_bytes,
    environment,
    explain,
    find_tag,
    open_template,
    render,
    render_docx,
    restamped,
    template_text,
)

TEMPLATE_FOLDER = "werkbladen"
WORKSHEETS = (
    "1-visie-en-doel.docx",
    "2-de-buurt.docx",
    "3-aanpak.docx",
    "4-kaartoefening.docx",
    "5-samenwerken.docx",
    "6-actieplan.docx",
    "7-draaiboek.docx",
    "8-voorbereiding.docx",
)
COMBINED = "werkbladen.docx"
TEMPLATE_FILES = (*WORKSHEETS, COMBINED)

__all__ = [
    "COMBINED",
    "TEMPLATE_FILES",
    "TEMPLATE_FOLDER",
    "WORKSHEETS",
    "check_template",
    "check_templates",
    "missing_soffice_warning",
    "write_worksheets",
]


def write_worksheets(
    team: Team,
    folder: Path,
    templates: Templates,
    options: PackOptions,
    squares: GridSquares | None = None,
) -> list[str]:
    """Write the worksheets and the combined document into folder; return their file names.

    ``options`` tell the worksheets which poster the pack holds and how long the session is.
    Everything is rendered in memory first, so a broken template leaves no file behind. With
    LibreOffice installed, every document is also written as PDF.
    """
    context = worksheet_context(team, templates, options, squares)
    sheets = {name: render(_template_path(templates, name), context) for name in WORKSHEETS}
    cover = render(_template_path(templates, COMBINED), context)
    combined = combine(cover, list(sheets.values()))
    documents = {**{name: sheet.data for name, sheet in sheets.items()}, COMBINED: combined}
    for name, data in documents.items():
        (folder / name).write_bytes(data)
    soffice = find_soffice(options)
    pdfs = write_pdfs(soffice, folder, list(documents)) if soffice else []
    return [*documents, *pdfs]


def combine(cover: Rendered, sheets: list[Rendered]) -> bytes:
    """The cover with every worksheet after it; Heading 1 starts each worksheet on a new page.

    The default templates share their styles, numbering and relationships, so the worksheets'
    bodies are simply appended to the cover's, before its page setup. A facilitator's template
    that differs in those parts goes through docxcompose, which merges styles, numbering and
    images but takes a few times longer.
    """
    document = cover.parts[DOCUMENT]
    cut = _LAST_SECTION.search(document)
    bodies = [
        _body(sheet.parts[DOCUMENT]) if _shares_parts(cover.template, sheet.template) else None
        for sheet in sheets
    ]
    if cut is None or None in bodies:
        return _composed(cover, sheets)
    merged = document[: cut.start()] + b"".join(bodies) + document[cut.start() :]  # type: ignore[arg-type]
    return docx_bytes(cover.template, {**cover.parts, DOCUMENT: merged})


def _composed(cover: Rendered, sheets: list[Rendered]) -> bytes:
    composer = Composer(Document(BytesIO(cover.data)))
    for sheet in sheets:
        composer.append(Document(BytesIO(sheet.data)))
    buffer = BytesIO()
    composer.save(buffer)
    return restamped(buffer.getvalue())


DOCUMENT = "word/document.xml"
# Parts that must be the same in a worksheet as in the cover for its body to be copied as is.
_SHARED_PARTS = ("word/styles.xml", "word/numbering.xml", "word/_rels/document.xml.rels")
# A reference to a relationship (an image, a link) in the body: its target is in the sheet's
# own relationships, so such a body cannot be copied as is.
_RELATIONSHIP = re.compile(rb"\br:(?:id|embed|link)=")
_LAST_SECTION = re.compile(rb"<w:sectPr[ >](?:(?!<w:sectPr[ >]).)*</w:body>", re.DOTALL)


@functools.lru_cache(maxsize=64)
def _shares_parts(cover: Compiled, sheet: Compiled) -> bool:
    cover_parts, sheet_parts = dict(cover.members), dict(sheet.members)
    return all(cover_parts.get(name) == sheet_parts.get(name) for name in _SHARED_PARTS)


def _body(document: bytes) -> bytes | None:
    """The content of a document's body without its final page setup, if it can be copied."""
    start = document.find(b"<w:body>")
    end = _LAST_SECTION.search(document)
    if start < 0 or end is None:
        return None
    body = document[start + len(b"<w:body>") : end.start()]
    return None if _RELATIONSHIP.search(body) else body


def check_templates(templates: Templates, team: Team | None = None) -> None:
    """Check every worksheet template (the facilitator's where given, else the default)."""
    contexts = _sample_contexts(templates, team)
    for name in TEMPLATE_FILES:
        _check(_template_path(templates, name), contexts)


def check_template(
    path: Path, team: Team | None = None, templates: Templates | None = None
) -> None:
    """Raise TemplateError naming the file and the tag if the template cannot be rendered.

    Renders it for the given team (the example team by default) and for an empty one, so both
    answered and blank branches run, then looks for unknown fields in branches neither took.
    """
    templates = templates or Templates()
    _check(path, _sample_contexts(templates, team))


def _sample_contexts(templates: Templates, team: Team | None) -> list[dict[str, Any]]:
    samples = [team or _example_team(templates), _empty_team()]
    # With and without print tiles, so both branches of a template are tried.
    options = [PackOptions(), PackOptions(paper="A3", print_tiles="A4")]
    return [
        worksheet_context(sample, templates, option)
        for sample, option in zip(samples, options, strict=True)
    ]


def _check(path: Path, contexts: list[dict[str, Any]]) -> None:
    for context in contexts:
        render_docx(path, context)
    env = environment()
    try:
        used = open_template(path).get_undeclared_template_variables(jinja_env=env)
    except jinja2.TemplateError as exc:
        raise TemplateError(explain(path, exc)) from exc
    known = set(contexts[0])
    unknown = sorted(used - known - set(env.globals))
    if unknown:
        name = unknown[0]
        tag = find_tag(template_text(path), name) or _("(not found)")
        raise TemplateError(
            _(
                "{file}: unknown field '{name}' in the tag {tag}; the fields you can use are "
                "{fields}; correct it in Word, or delete the file from your templates folder to "
                "use the default"
            ).format(file=path, name=name, tag=tag, fields=", ".join(sorted(known)))
        )


def _template_path(templates: Templates, name: str) -> Path:
    return templates.path(f"{TEMPLATE_FOLDER}/{name}")


def _example_team(templates: Templates) -> Team:
    # The example team goes through the real workbook, as a facilitator's team would, with
    # the facilitator's own workbook.toml when they edited it.
    with tempfile.TemporaryDirectory() as folder:
        workbook = Path(folder) / "voorbeeld.xlsx"
        write_workbook(workbook, example=True, templates=templates)
        return read_team(workbook, load_spec(templates))


def _empty_team() -> Team:
    organisation = Organisation(
        address=Address("", "", ""),
        coordinates=None,
        coordinate_origin=CoordinateOrigin.NOT_PLACED,
        name="",
        site="",
        neighbourhood_name="",
        delimitation=Delimitation.PARTICIPANTS,
        radius_m=0,
        contact="",
        email="",
        session_date=None,
        source=Source("Organisatie", 2),
    )
    return Team(workbook=Path("leeg.xlsx"), organisation=organisation)
