"""Writes the workbook that teams fill in: blank, or with the example team of voorbeeld.toml."""

from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from collections.abc import Sequence
from datetime import UTC, date, datetime
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
from generator.i18n import _
from generator.options import source_date_epoch
from generator.resources import Templates
from generator.workbook.spec import Column, Field, ListSheet, WorkbookSpec, load_spec

EXAMPLE_FILE = "voorbeeld.toml"

# Fonts name themselves: a font with no name shows in a serif in LibreOffice beside Calibri.
FONT_NAME = "Calibri"
HEADER_FONT = Font(name=FONT_NAME, size=11, bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F5C66")
LABEL_FILL = PatternFill("solid", fgColor="E4EEF0")
WRAP = Alignment(wrap_text=True, vertical="top", horizontal="left")
UNLOCKED = Protection(locked=False)
# The save time a workbook carries when SOURCE_DATE_EPOCH does not give one: the same input
# makes the same bytes, so no clock goes into the file.
FIXED_SAVE_TIME = datetime(2026, 1, 1)
ZIP_EARLIEST = datetime(1980, 1, 1)
MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def write_workbook(
    path: Path, *, example: bool = False, force: bool = False, templates: Templates | None = None
) -> None:
    """Write a new workbook to ``path``; never replaces a file unless ``force``."""
    templates = templates or Templates()
    if path.exists() and not force:
        raise OutputError(
            _("{file} already exists; choose another name or add --force to replace it").format(
                file=path
            )
        )
    check_workbook_name(path)
    spec = load_spec(templates)
    data = templates.toml(EXAMPLE_FILE) if example else {}
    workbook = build_workbook(spec, data)
    workbook.properties.created = save_time()
    save_atomically(workbook, path)


def check_workbook_name(path: Path) -> None:
    """Refuse, before any work, a workbook to be written under a name Excel will not open."""
    if path.suffix.lower() != ".xlsx":
        raise OutputError(
            _("{file} does not end in .xlsx; Excel only opens workbooks named *.xlsx").format(
                file=path
            )
        )


def build_workbook(spec: WorkbookSpec, data: dict[str, Any]) -> Workbook:
    workbook = Workbook()
    _fill_help(workbook.worksheets[0], spec)
    lists = workbook.create_sheet(spec.sheets["lists"])
    _fill_organisation(workbook.create_sheet(spec.sheets["organisation"]), spec, data)
    _fill_vision(workbook.create_sheet(spec.sheets["vision"]), spec, data)
    _fill_approach(workbook.create_sheet(spec.sheets["approach"]), spec, data)
    for key, layout in (
        ("participants", spec.participants),
        ("partners", spec.partners),
        ("actions", spec.actions),
    ):
        sheet = workbook.create_sheet(layout.name)
        _fill_list_sheet(sheet, layout, data.get(key, []), spec)
        _add_dropdowns(workbook, sheet, lists, key, layout, spec)
    # The helper list sheet goes last and hidden: teams never need to see it.
    workbook.move_sheet(lists, offset=len(workbook.sheetnames) - 1 - workbook.index(lists))
    lists.sheet_state = "hidden"
    workbook.active = 0
    return workbook


def save_time() -> datetime:
    """The time written into workbooks: SOURCE_DATE_EPOCH's when set, else a fixed one."""
    epoch = source_date_epoch()
    if epoch is not None:
        # A zip file cannot hold a date before 1980.
        return max(datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None), ZIP_EARLIEST)
    return FIXED_SAVE_TIME


def save_atomically(workbook: Workbook, path: Path) -> None:
    """Save ``workbook`` whole or not at all; the same workbook gives the same bytes."""
    temporary: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".xlsx", dir=path.parent)
        os.close(handle)
        temporary = Path(name)
        temporary.write_bytes(_reproducible(workbook, save_time()))
        # mkstemp makes the file private; a workbook is shared like any file the user saves.
        temporary.chmod(0o666 & ~_umask())
        temporary.replace(path)
    except OSError as exc:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise OutputError(
            _("cannot write {file}: {reason}").format(file=path, reason=exc.strerror)
        ) from exc


def _reproducible(workbook: Workbook, stamp: datetime) -> bytes:
    """The workbook's file with ``stamp`` where openpyxl puts the clock: the modified time in
    docProps/core.xml and each zip member's date; members stay in openpyxl's fixed order."""
    saved = io.BytesIO()
    workbook.save(saved)
    modified = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    repacked = io.BytesIO()
    with (
        zipfile.ZipFile(saved) as source,
        zipfile.ZipFile(repacked, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            content = source.read(member)
            if member.filename == "docProps/core.xml":
                content = MODIFIED.sub(rb"\g<1>" + modified + rb"\g<2>", content)
            entry = zipfile.ZipInfo(member.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = member.external_attr
            target.writestr(entry, content)
    return repacked.getvalue()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def print_one_page_wide(sheet: Worksheet) -> None:
    """Teams print their workbook for the session: no column may fall off the page."""
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if sheet.max_column > 3 else "portrait"


def _protect(sheet: Worksheet) -> None:
    """Lock the headers and labels; everything the team types in was unlocked beforehand."""
    print_one_page_wide(sheet)
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


def header_row(sheet: Worksheet, headers: Sequence[str], widths: Sequence[int]) -> None:
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
    print_one_page_wide(sheet)


def _defined_list(workbook: Workbook, lists: Worksheet, name: str, choices: tuple[str, ...]) -> str:
    """The choices in the next column of the hidden list sheet, under a defined name: Excel
    limits a list typed into the validation itself to 255 characters."""
    column = lists.max_column + 1 if lists["A1"].value is not None else 1
    for row, choice in enumerate(choices, start=1):
        lists.cell(row=row, column=column, value=choice)
    letter = get_column_letter(column)
    reference = f"{quote_sheetname(lists.title)}!${letter}$1:${letter}${len(choices)}"
    workbook.defined_names[name] = DefinedName(name, attr_text=reference)
    return name


def _fill_organisation(sheet: Worksheet, spec: WorkbookSpec, data: dict[str, Any]) -> None:
    header_row(sheet, spec.organisation_headers, (30, 60))
    values = data.get("organisation", {})
    for row, field in enumerate(spec.organisation, start=2):
        label = sheet.cell(row=row, column=1, value=field.label)
        label.fill = LABEL_FILL
        label.font = Font(name=FONT_NAME, size=11, bold=field.required)
        value: Any = _shown_value(field, values.get(field.key, field.default))
        cell = sheet.cell(row=row, column=2, value=value)
        cell.protection = UNLOCKED
        cell.alignment = WRAP
        if isinstance(value, date) or field.key == "date":
            cell.number_format = "DD/MM/YYYY"
        validation = DataValidation(
            type="list" if field.choices else None,
            formula1=_list_formula(field.choice_labels()) if field.choices else None,
            allow_blank=True,
            showInputMessage=True,
            promptTitle=field.label[:32],
            prompt=field.prompt[:255],
            showErrorMessage=bool(field.choices),
            errorStyle="warning",
            error=spec.choose_one_of.format(choices=" of ".join(field.choice_labels()))
            if field.choices
            else None,
        )
        sheet.add_data_validation(validation)
        validation.add(cell.coordinate)
    _protect(sheet)


def _fill_vision(sheet: Worksheet, spec: WorkbookSpec, data: dict[str, Any]) -> None:
    header_row(sheet, spec.vision_headers, (60, 90))
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
    header_row(sheet, spec.approach_headers, (60, 10, 70))
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


def _shown_value(field: Field, value: Any) -> Any:
    """The example names a choice by its key; the team sees its label."""
    return field.choice_label(value) if field.choices and value else value


def _fill_list_sheet(
    sheet: Worksheet, layout: ListSheet, records: list[dict[str, Any]], spec: WorkbookSpec
) -> None:
    header_row(sheet, layout.headers, [column.width for column in layout.columns])
    for row, record in enumerate(records, start=2):
        for index, column in enumerate(layout.columns, start=1):
            value = record.get(column.key, "")
            sheet.cell(row=row, column=index, value=value if value != "" else None)
    _unlock(sheet, 2, spec.max_rows + 1, len(layout.columns))
    _protect(sheet)


def _add_dropdowns(
    workbook: Workbook,
    sheet: Worksheet,
    lists: Worksheet,
    sheet_key: str,
    layout: ListSheet,
    spec: WorkbookSpec,
) -> None:
    """Each column's dropdown and input message; the sheet's prompt shows in the first column
    unless that column has one of its own."""
    for index, column in enumerate(layout.columns):
        cells = _column_cells(index, spec)
        message = column.prompt or (layout.prompt if index == 0 else "")
        formula = _dropdown_formula(workbook, lists, f"{sheet_key}_{column.key}", column, spec)
        if formula is not None:
            _validation(sheet, formula, message, cells, spec, strict=bool(column.choices))
        elif message:
            prompt = DataValidation(showInputMessage=True, prompt=message[:255])
            sheet.add_data_validation(prompt)
            prompt.add(cells)


def _dropdown_formula(
    workbook: Workbook, lists: Worksheet, name: str, column: Column, spec: WorkbookSpec
) -> str | None:
    if column.yes_no:
        return _list_formula(spec.yes_no_choices)
    offered = column.choices or column.suggestions
    return _defined_list(workbook, lists, name, offered) if offered else None
