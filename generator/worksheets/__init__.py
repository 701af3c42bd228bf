"""Stage 3: the session worksheets, rendered from DOCX templates a facilitator can edit in Word.

Seven numbered A4 worksheets and one combined ``werkbladen.docx`` (its own cover template, then
every worksheet). All wording and house style live in ``templates/werkbladen/``; this package
only fills the templates in.
"""

from __future__ import annotations

import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

import jinja2
from docxcompose.composer import Composer  # type: ignore[import-untyped]

from generator.errors import TemplateError
from generator.model import Address, CoordinateOrigin, Delimitation, Organisation, Source, Team
from generator.options import PackOptions
from generator.resources import Templates
from generator.workbook import read_team, write_workbook
from generator.workbook.spec import load_spec
from generator.worksheets.context import worksheet_context
from generator.worksheets.render import (
    environment,
    explain,
    find_tag,
    open_template,
    render,
    render_docx,
    sealed,
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
    "write_worksheets",
]


def write_worksheets(
    team: Team, folder: Path, templates: Templates, options: PackOptions
) -> list[str]:
    """Write the worksheets and the combined document into folder; return their file names.

    ``options`` tell the worksheets which poster the pack holds. Everything is rendered in
    memory first, so a broken template leaves no file behind.
    """
    context = worksheet_context(team, templates, options)
    sheets = {name: render(_template_path(templates, name), context) for name in WORKSHEETS}
    cover = render(_template_path(templates, COMBINED), context)
    combined = combine(cover.document, [sheet.document for sheet in sheets.values()], templates)
    documents = {**{name: sheet.data for name, sheet in sheets.items()}, COMBINED: combined}
    for name, data in documents.items():
        (folder / name).write_bytes(data)
    return list(documents)


def combine(cover: Any, sheets: list[Any], templates: Templates) -> bytes:
    """The cover with every worksheet after it; Heading 1 starts each worksheet on a new page.

    docxcompose keeps the cover's page setup, header and footer for the whole document, and
    merges styles, numbering and images of the worksheets into it.
    """
    composer = Composer(cover)
    for sheet in sheets:
        composer.append(sheet)
    buffer = BytesIO()
    composer.save(buffer)
    return sealed(buffer.getvalue(), _template_path(templates, COMBINED))


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
        tag = find_tag(template_text(path), name) or "(not found)"
        raise TemplateError(
            f"{path}: unknown field '{name}' in the tag {tag}; the fields you can use are "
            f"{', '.join(sorted(known))}; correct it in Word, or delete the file from your "
            "templates folder to use the default"
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
