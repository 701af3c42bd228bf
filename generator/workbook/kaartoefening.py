"""The sheet 'Kaartoefening': the stickers a group put on the kaart, brought back as data.

``buurtkaart scan --workbook`` hands its stickers to ``write_workbook_with_stickers``, which
writes a copy of the team's workbook with the sheet; the team's own file is never written to.
Each scan adds its rows below those of earlier sessions, with the next session number, so the
sheet keeps the kaart's whole history and ``generate`` can print it on the next kaart.

openpyxl re-saves only what it understands: shapes, form controls, sparklines, slicers, the
look of comments and Excel's validation and formatting extensions are lost in the copy, and
formulas lose their saved values until Excel saves the copy again (the README says so too).
That is why it is a copy.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from generator.errors import OutputError, TemplateError
from generator.i18n import _
from generator.model import MapSticker
from generator.resources import Templates
from generator.workbook import values
from generator.workbook.reader import check_container, damaged_as_problem, normalise
from generator.workbook.spec import (
    ListSheet,
    StickerColour,
    WorkbookSpec,
    load_spec,
)
from generator.workbook.values import CellValueError
from generator.workbook.writer import (
    HEADER_FILL,
    HEADER_FONT,
    WRAP,
    check_workbook_name,
    header_row,
    print_one_page_wide,
    save_atomically,
)

# How the numbers show in Excel: a tenth of a millimetre on the poster, about 10 cm on the ground.
NUMBER_FORMATS = {
    "x_mm": "0.0",
    "y_mm": "0.0",
    "lat": "0.000000",
    "lon": "0.000000",
    "date": "DD/MM/YYYY",
}


def copy_name(workbook_name: str) -> str:
    """The file name of the copy with the stickers: the team's workbook's name with
    "-kaartoefening", so a facilitator with both open in Excel tells their windows apart."""
    return f"{PurePosixPath(workbook_name).stem}-kaartoefening.xlsx"


def write_workbook_with_stickers(
    workbook: Path, stickers: Sequence[MapSticker], destination: Path, templates: Templates
) -> None:
    """Write to ``destination`` a copy of ``workbook`` whose sheet 'Kaartoefening' lists
    ``stickers`` below the rows earlier sessions left there. Refuses an existing destination."""
    if destination.exists():
        raise OutputError(
            _("{file} already exists; choose another name or move the old file away").format(
                file=destination
            )
        )
    check_workbook_name(destination)
    spec = load_spec(templates)
    colours = {colour.key: colour for colour in spec.sticker_colours}
    rows = [_sticker_row(sticker, colours, templates) for sticker in stickers]
    check_container(workbook)
    # openpyxl warns about what it cannot keep (validation extensions): the README says it.
    with warnings.catch_warnings(), damaged_as_problem(workbook):
        warnings.simplefilter("ignore", UserWarning)
        book = load_workbook(workbook)
    sheet = _sticker_sheet(book, spec, list(colours.values()))
    columns = _columns(sheet, spec.kaartoefening)
    last = _last_filled_row(sheet, columns)
    session = _next_session(sheet, columns["session"], last)
    day = _session_date(book, spec)
    for number, row in enumerate(rows, start=last + 1):
        for key, value in {**row, "session": session, "date": day}.items():
            cell = sheet.cell(row=number, column=columns[key], value=value)
            if key in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[key]
    save_atomically(book, destination)


def _sticker_row(
    sticker: MapSticker, colours: dict[str, StickerColour], templates: Templates
) -> dict[str, Any]:
    colour = colours.get(sticker.colour)
    if colour is None:
        raise TemplateError(
            _(
                "{file}: there is no [[stickers]] entry with key '{key}' for a sticker to be "
                "written; restore it, or use the same templates as the scan"
            ).format(file=templates.path("huisstijl.toml"), key=sticker.colour)
        )
    x_mm, y_mm = sticker.poster_mm if sticker.poster_mm is not None else (None, None)
    return {
        "colour": colour.colour_name,
        "question": colour.question,
        "x_mm": None if x_mm is None else round(x_mm, 1),
        "y_mm": None if y_mm is None else round(y_mm, 1),
        "lat": round(sticker.position.lat, 6),
        "lon": round(sticker.position.lon, 6),
        "grid_square": sticker.grid_square or None,
        "street": sticker.street or None,
    }


def _sticker_sheet(book: Workbook, spec: WorkbookSpec, colours: list[StickerColour]) -> Worksheet:
    """The workbook's sheet 'Kaartoefening', made when it has none yet. Sheet names are compared
    as Excel does, without case: 'kaartoefening' is the same sheet."""
    layout = spec.kaartoefening
    for existing in book.worksheets:
        if normalise(existing.title) == normalise(layout.name):
            return existing
    lists = spec.sheets["lists"]
    index = book.sheetnames.index(lists) if lists in book.sheetnames else len(book.sheetnames)
    sheet: Worksheet = book.create_sheet(layout.name, index)
    header_row(sheet, layout.headers, [column.width for column in layout.columns])
    # Not protected, unlike the sheets a team types: correcting this list means deleting a row
    # the photo got wrong, or choosing another colour.
    print_one_page_wide(sheet)
    sheet.print_title_rows = "1:1"
    names = ",".join(colour.colour_name for colour in colours)
    dropdown = DataValidation(
        type="list",
        formula1=f'"{names}"',
        allow_blank=True,
        showInputMessage=True,
        prompt=layout.prompt[:255],
        showErrorMessage=True,
        errorStyle="warning",
        error=spec.choose_one_of.format(choices=" of ".join(c.colour_name for c in colours)),
    )
    sheet.add_data_validation(dropdown)
    letter = get_column_letter(1 + [column.key for column in layout.columns].index("colour"))
    dropdown.add(f"{letter}2:{letter}{spec.max_rows + 1}")
    return sheet


def _columns(sheet: Worksheet, layout: ListSheet) -> dict[str, int]:
    """Each column's number by key, found by its header in row 1 as the reader finds it; a
    header the team deleted is written again in the first free column."""
    found: dict[str, int] = {}
    last = 0
    for cell in sheet[1]:
        if cell.value is not None and str(cell.value).strip():
            found.setdefault(normalise(str(cell.value)), cell.column)
            last = cell.column
    columns: dict[str, int] = {}
    for column in layout.columns:
        number = found.get(normalise(column.header))
        if number is None:
            last += 1
            number = last
            cell = sheet.cell(row=1, column=number, value=column.header)
            cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP
        columns[column.key] = number
    return columns


def _last_filled_row(sheet: Worksheet, columns: dict[str, int]) -> int:
    """The last row holding anything under the headers (formatted empty rows do not count)."""
    last = 1
    for number, row in enumerate(
        sheet.iter_rows(min_row=2, max_col=max(columns.values()), values_only=True), start=2
    ):
        if any(values.text_or_blank(value) for value in row):
            last = number
    return last


def _next_session(sheet: Worksheet, column: int, last: int) -> int:
    """One more than the highest session number on the sheet; rows without one count as none."""
    numbers = [
        int(value)
        for (value,) in sheet.iter_rows(
            min_row=2, max_row=last, min_col=column, max_col=column, values_only=True
        )
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
    ]
    return max(numbers, default=0) + 1


def _session_date(book: Workbook, spec: WorkbookSpec) -> date | None:
    """The date on the sheet 'Organisatie', the session the photo was taken after; None when
    it is empty or not a date (the reader tells the team about that when it generates)."""
    name = spec.sheets["organisation"]
    if name not in book.sheetnames:
        return None
    label = normalise(spec.field("date").label)
    for typed_label, value in book[name].iter_rows(min_col=1, max_col=2, values_only=True):
        if typed_label is not None and normalise(str(typed_label)).split(" (")[0] == label:
            try:
                day = values.session_date(value)
            except CellValueError:
                return None
            return day if day is not None and values.session_date_doubt(day) is None else None
    return None
