"""Writes the workbook that teams fill in: blank, or with the example team of voorbeeld.toml."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from generator.errors import OutputError
from generator.resources import Templates
from generator.workbook.spec import ListSheet, WorkbookSpec, load_spec

EXAMPLE_FILE = "voorbeeld.toml"
KINDS_NAME = "Soorten"
# Positions of the columns with a dropdown, in the header order of workbook.toml (which the
# reader unpacks in the same order).
PARTNER_KIND, PARTNER_KNOWN, PARTNER_USED = 1, 6, 7
ACTION_FREQUENCY = 5

# Fonts name themselves: a font with no name shows in a serif in LibreOffice beside Calibri.
FONT_NAME = "Calibri"
HEADER_FONT = Font(name=FONT_NAME, size=11, bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F5C66")
LABEL_FILL = PatternFill("solid", fgColor="E4EEF0")
WRAP = Alignment(wrap_text=True, vertical="top", horizontal="left")
UNLOCKED = Protection(locked=False)


def write_workbook(
    path: Path, *, example: bool = False, force: bool = False, templates: Templates | None = None
) -> None:
    """Write a new workbook to ``path``; never replaces a file unless ``force``."""
    templates = templates or Templates()
    if path.exists() and not force:
        raise OutputError(
            f"{path} already exists; choose another name or add --force to replace it"
        )
    if path.suffix.lower() != ".xlsx":
        raise OutputError(f"{path} does not end in .xlsx; Excel only opens workbooks named *.xlsx")
    spec = load_spec(templates)
    data = templates.toml(EXAMPLE_FILE) if example else {}
    workbook = build_workbook(spec, data)
    _save_atomically(workbook, path)


def build_workbook(spec: WorkbookSpec, data: dict[str, Any]) -> Workbook:
    workbook = Workbook()
    _fill_help(workbook.worksheets[0], spec)
    lists = workbook.create_sheet(spec.sheets["lists"])
    _fill_lists(workbook, lists, spec)
    _fill_organisation(workbook.create_sheet(spec.sheets["organisation"]), spec, data)
    _fill_vision(workbook.create_sheet(spec.sheets["vision"]), spec, data)
    _fill_approach(workbook.create_sheet(spec.sheets["approach"]), spec, data)
    _fill_participants(workbook.create_sheet(spec.participants.name), spec, data)
    _fill_partners(workbook.create_sheet(spec.partners.name), spec, data)
    _fill_actions(workbook.create_sheet(spec.actions.name), spec, data)
    # The helper list sheet goes last and hidden: teams never need to see it.
    workbook.move_sheet(lists, offset=len(workbook.sheetnames) - 1 - workbook.index(lists))
    lists.sheet_state = "hidden"
    workbook.active = 0
    return workbook


def _save_atomically(workbook: Workbook, path: Path) -> None:
    temporary: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".xlsx", dir=path.parent)
        os.close(handle)
        temporary = Path(name)
        workbook.save(temporary)
        # mkstemp makes the file private; a workbook is shared like any file the user saves.
        temporary.chmod(0o666 & ~_umask())
        temporary.replace(path)
    except OSError as exc:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc.strerror}") from exc


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _print_one_page_wide(sheet: Worksheet) -> None:
    """Teams print their workbook for the session: no column may fall off the page."""
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if sheet.max_column > 3 else "portrait"


def _protect(sheet: Worksheet) -> None:
    """Lock the headers and labels; everything the team types in was unlocked beforehand."""
    _print_one_page_wide(sheet)
    sheet.print_title_rows = "1:1"
    protection = sheet.protection
    protection.sheet = True
    for permission in (
        "formatCells",
        "formatColumns",
        "formatRows",
        "insertRows",
        "deleteRows",
        "sort",
        "autoFilter",
    ):
        setattr(protection, permission, False)


def _header_row(sheet: Worksheet, headers: Sequence[str], widths: Sequence[int]) -> None:
    for column, (header, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = sheet.cell(row=1, column=column, value=header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = WRAP
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"


def _unlock(sheet: Worksheet, first_row: int, last_row: int, columns: int) -> None:
    for row in sheet.iter_rows(min_row=first_row, max_row=last_row, max_col=columns):
        for cell in row:
            cell.protection = UNLOCKED
            cell.alignment = WRAP


def _list_formula(choices: tuple[str, ...]) -> str:
    return '"' + ",".join(choices) + '"'


def _column_cells(index: int, spec: WorkbookSpec) -> str:
    """The input cells of the index-th column (0-based) of a list sheet."""
    letter = get_column_letter(index + 1)
    return f"{letter}2:{letter}{spec.max_rows + 1}"


def _validation(
    sheet: Worksheet, formula: str, prompt: str, cells: str, spec: WorkbookSpec, *, strict: bool
) -> None:
    """A dropdown with an input message.

    Ja/Nee lists are not strict: Excel would otherwise refuse an 'x' or 'ja' that the reader
    accepts gladly.
    """
    validation = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showInputMessage=True,
        prompt=prompt[:255],
        showErrorMessage=strict,
        errorStyle="warning",
        error=spec.choose_from_list,
    )
    sheet.add_data_validation(validation)
    validation.add(cells)


def _fill_help(sheet: Worksheet, spec: WorkbookSpec) -> None:
    sheet.title = spec.sheets["help"]
    sheet.column_dimensions["A"].width = 78
    title = sheet.cell(row=1, column=1, value=spec.help_title)
    title.font = Font(name=FONT_NAME, bold=True, size=16, color="1F5C66")
    for row, paragraph in enumerate(spec.help_paragraphs, start=3):
        cell = sheet.cell(row=row, column=1, value=paragraph)
        cell.alignment = WRAP
        # Excel does not grow rows to fit wrapped text on opening: size them for ~65 characters
        # a line at the default font.
        sheet.row_dimensions[row].height = 16 * (1 + len(paragraph) // 65) + 6
    _print_one_page_wide(sheet)


def _fill_lists(workbook: Workbook, sheet: Worksheet, spec: WorkbookSpec) -> None:
    for row, kind in enumerate(spec.kinds, start=1):
        sheet.cell(row=row, column=1, value=kind)
    reference = f"{quote_sheetname(sheet.title)}!$A$1:$A${len(spec.kinds)}"
    workbook.defined_names[KINDS_NAME] = DefinedName(KINDS_NAME, attr_text=reference)


def _fill_organisation(sheet: Worksheet, spec: WorkbookSpec, data: dict[str, Any]) -> None:
    _header_row(sheet, spec.organisation_headers, (30, 60))
    values = data.get("organisation", {})
    for row, field in enumerate(spec.organisation, start=2):
        label = sheet.cell(row=row, column=1, value=field.label)
        label.fill = LABEL_FILL
        label.font = Font(name=FONT_NAME, size=11, bold=field.required)
        value: Any = values.get(field.key, field.default)
        cell = sheet.cell(row=row, column=2, value=value)
        cell.protection = UNLOCKED
        cell.alignment = WRAP
        if isinstance(value, date) or field.key == "date":
            cell.number_format = "DD/MM/YYYY"
        validation = DataValidation(
            type="list" if field.choices else None,
            formula1=_list_formula(field.choices) if field.choices else None,
            allow_blank=True,
            showInputMessage=True,
            promptTitle=field.label[:32],
            prompt=field.prompt[:255],
            showErrorMessage=bool(field.choices),
            errorStyle="warning",
            error=spec.choose_one_of.format(choices=" of ".join(field.choices))
            if field.choices
            else None,
        )
        sheet.add_data_validation(validation)
        validation.add(cell.coordinate)
    _protect(sheet)


def _fill_vision(sheet: Worksheet, spec: WorkbookSpec, data: dict[str, Any]) -> None:
    _header_row(sheet, spec.vision_headers, (60, 90))
    answers = data.get("vision", {})
    for row, question in enumerate(spec.questions, start=2):
        sheet.cell(row=row, column=1, value=question.text).alignment = WRAP
        sheet.cell(row=row, column=1).fill = LABEL_FILL
        answer = sheet.cell(row=row, column=2, value=answers.get(question.key) or None)
        answer.protection = UNLOCKED
        answer.alignment = WRAP
        sheet.row_dimensions[row].height = 75
    last = len(spec.questions) + 1
    # Room below for the team's own questions, unlocked.
    _unlock(sheet, last + 1, last + 20, 2)
    prompt = DataValidation(showInputMessage=True, prompt=spec.vision_prompt[:255])
    sheet.add_data_validation(prompt)
    prompt.add(f"B2:B{last + 20}")
    _protect(sheet)


def _fill_approach(sheet: Worksheet, spec: WorkbookSpec, data: dict[str, Any]) -> None:
    _header_row(sheet, spec.approach_headers, (60, 10, 70))
    chosen = {item["key"]: item for item in data.get("approach", [])}
    for row, choice in enumerate(spec.choices, start=2):
        label = sheet.cell(row=row, column=1, value=choice.label)
        label.fill = LABEL_FILL
        label.alignment = WRAP
        item = chosen.get(choice.key, {})
        for column, key in ((2, "chosen"), (3, "explanation")):
            cell = sheet.cell(row=row, column=column, value=item.get(key) or None)
            cell.protection = UNLOCKED
            cell.alignment = WRAP
        sheet.row_dimensions[row].height = 30
    last = len(spec.choices) + 1
    _validation(
        sheet,
        _list_formula(spec.yes_no_choices),
        spec.approach_prompt,
        f"B2:B{last}",
        spec,
        strict=False,
    )
    _protect(sheet)


def _fill_rows(sheet: Worksheet, layout: ListSheet, rows: list[list[Any]], max_rows: int) -> None:
    _header_row(sheet, layout.headers, layout.widths)
    for row_number, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            sheet.cell(row=row_number, column=column, value=value if value != "" else None)
    _unlock(sheet, 2, max_rows + 1, len(layout.headers))
    hint = DataValidation(showInputMessage=True, prompt=layout.prompt[:255])
    sheet.add_data_validation(hint)
    hint.add(f"A2:A{max_rows + 1}")
    _protect(sheet)


def _fill_participants(sheet: Worksheet, spec: WorkbookSpec, data: dict[str, Any]) -> None:
    rows = [
        [p["street"], p["postcode"], p["municipality"], p["count"], p.get("coordinates", "")]
        for p in data.get("participants", [])
    ]
    _fill_rows(sheet, spec.participants, rows, spec.max_rows)


def _fill_partners(sheet: Worksheet, spec: WorkbookSpec, data: dict[str, Any]) -> None:
    rows = [
        [
            p["name"],
            p["kind"],
            p["street"],
            p["postcode"],
            p["municipality"],
            p.get("coordinates", ""),
            p.get("known", ""),
            p.get("used", ""),
            p.get("contact", ""),
            p.get("remark", ""),
        ]
        for p in data.get("partners", [])
    ]
    _fill_rows(sheet, spec.partners, rows, spec.max_rows)
    layout = spec.partners
    kind = layout.column_prompt(PARTNER_KIND)
    _validation(sheet, KINDS_NAME, kind, _column_cells(PARTNER_KIND, spec), spec, strict=True)
    for index in (PARTNER_KNOWN, PARTNER_USED):
        _validation(
            sheet,
            _list_formula(spec.yes_no_choices),
            layout.column_prompt(index),
            _column_cells(index, spec),
            spec,
            strict=False,
        )


def _fill_actions(sheet: Worksheet, spec: WorkbookSpec, data: dict[str, Any]) -> None:
    rows = [
        [a["step"], a["activity"], a["goal"], a["who"], a["when"], a["frequency"]]
        for a in data.get("actions", [])
    ]
    _fill_rows(sheet, spec.actions, rows, spec.max_rows)
    _validation(
        sheet,
        _list_formula(spec.action_frequencies),
        spec.actions.column_prompt(ACTION_FREQUENCY),
        _column_cells(ACTION_FREQUENCY, spec),
        spec,
        strict=False,
    )
