"""Reads a team's workbook into the model, collecting every problem rather than the first.

The user's file is opened read-only and never written to. Its container is checked before
openpyxl sees it: openpyxl has no limits of its own against zip bombs.
"""

from __future__ import annotations

import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook

from generator.errors import Problem, WorkbookError
from generator.model import (
    Action,
    Address,
    Answer,
    Choice,
    CoordinateOrigin,
    Delimitation,
    LatLon,
    Organisation,
    ParticipantOrigin,
    Partner,
    Source,
    Team,
)
from generator.workbook import values
from generator.workbook.spec import WorkbookSpec, load_spec
from generator.workbook.values import CellValueError

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_MARKER = "EncryptionInfo".encode("utf-16-le")
RESTORE_HINT = "copy your data into a fresh workbook from 'buurtkaart init'"

T = TypeVar("T")
Row = tuple[int, list[Any]]


def normalise(label: str) -> str:
    """Compare labels as a person would: no accents, case, spacing or trailing colon."""
    decomposed = unicodedata.normalize("NFKD", label)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.casefold().replace(":", " ").split())


def read_team(path: Path, spec: WorkbookSpec | None = None) -> Team:
    """The model of one workbook, or a ``WorkbookError`` listing every problem in it."""
    spec = spec or load_spec()
    check_container(path)
    # openpyxl warns about what it drops (Excel's validation extensions, out-of-range dates):
    # nothing a team can act on, and the reader reports every value it cannot use itself.
    with warnings.catch_warnings(), _opened(path) as workbook:
        warnings.simplefilter("ignore", UserWarning)
        # Read-only mode parses each sheet's XML only while its rows are read.
        with _unreadable_as_problem(path):
            return _TeamReader(path, workbook, spec).read()


def check_container(path: Path) -> None:
    """Refuse, with a reason, anything that is not a reasonably sized .xlsx."""
    try:
        _check_container(path)
    except OSError as exc:
        raise WorkbookError(
            [Problem(path, f"the file cannot be read ({exc.strerror})", "check its permissions")]
        ) from exc


def _check_container(path: Path) -> None:
    def refuse(message: str, hint: str) -> WorkbookError:
        return WorkbookError([Problem(path, message, hint)])

    if not path.exists():
        raise refuse("the file does not exist", "check the name and the folder")
    if path.is_dir():
        raise refuse("this is a folder, not a workbook", "name the .xlsx file itself")
    size = path.stat().st_size
    if size == 0:
        raise refuse("the file is empty", "save the workbook again from Excel as .xlsx")
    if size > MAX_FILE_BYTES:
        raise refuse(
            f"the file is {size / 2**20:.0f} MB, more than the {MAX_FILE_BYTES // 2**20} MB "
            "a team workbook may be",
            "remove pictures or other sheets, or " + RESTORE_HINT,
        )
    with path.open("rb") as handle:
        head = handle.read(8)
        if head == OLE_MAGIC:
            if ENCRYPTED_MARKER in handle.read(MAX_FILE_BYTES):
                raise refuse(
                    "the workbook is protected with a password",
                    "open it in Excel, remove the password (File > Info > Protect Workbook) "
                    "and save it again",
                )
            raise refuse(
                "this is an old Excel 97-2003 file (.xls), not an .xlsx workbook",
                "open it in Excel or LibreOffice and save it as Excel Workbook (.xlsx)",
            )
    if head.startswith(b"%PDF"):
        raise refuse(
            "this is a PDF, not an Excel workbook", "use the .xlsx file the team filled in"
        )
    if not head.startswith(b"PK"):
        raise refuse(
            "this is not an Excel workbook (.xlsx); it looks like a text or CSV file"
            if _looks_like_text(head)
            else "this is not an Excel workbook (.xlsx)",
            "open it in Excel or LibreOffice and save it as Excel Workbook (.xlsx)",
        )
    _check_zip(path, refuse)


def _looks_like_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _check_zip(path: Path, refuse: Callable[[str, str], WorkbookError]) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            names = {member.filename for member in members}
            unpacked = sum(member.file_size for member in members)
            packed = sum(member.compress_size for member in members) or 1
            if unpacked > MAX_UNPACKED_BYTES or unpacked / packed > MAX_COMPRESSION_RATIO:
                raise refuse(
                    f"the workbook unpacks to {unpacked / 2**20:.0f} MB, far more than a team "
                    "workbook holds (a zip bomb?)",
                    RESTORE_HINT,
                )
            if "mimetype" in names and b"opendocument" in archive.read("mimetype"):
                raise refuse(
                    "this is a LibreOffice spreadsheet (.ods), not an .xlsx workbook",
                    "in LibreOffice choose File > Save As > Excel 2007-365 (.xlsx)",
                )
            if "xl/workbook.xml" not in names:
                raise refuse(
                    "this zip file is not an Excel workbook (.xlsx)",
                    "use the .xlsx file the team filled in",
                )
            if any(_declares_entities(archive, member) for member in members):
                raise refuse("the workbook contains unsafe XML and was not read", RESTORE_HINT)
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as exc:
        raise refuse(
            "the file is damaged or is not an Excel workbook (.xlsx)",
            "save the workbook again from Excel as .xlsx",
        ) from exc


def _declares_entities(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """Office files never carry a DTD; one that does is an entity-expansion attack."""
    if not member.filename.endswith((".xml", ".rels")):
        return False
    with archive.open(member) as handle:
        head = handle.read(4096)
    return b"<!DOCTYPE" in head or b"<!ENTITY" in head


# What openpyxl and the XML and zip layers under it raise for a damaged workbook.
UNREADABLE = (
    InvalidFileException,
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    TypeError,
    ParseError,
    OSError,
    EOFError,
    RuntimeError,
    NotImplementedError,
    zlib.error,
)


@contextmanager
def _unreadable_as_problem(path: Path) -> Iterator[None]:
    try:
        yield
    except DefusedXmlException as exc:
        raise WorkbookError(
            [Problem(path, "the workbook contains unsafe XML and was not read", RESTORE_HINT)]
        ) from exc
    except UNREADABLE as exc:
        raise WorkbookError(
            [
                Problem(
                    path,
                    f"the workbook cannot be read ({type(exc).__name__})",
                    "open it in Excel, save it again as .xlsx, or " + RESTORE_HINT,
                )
            ]
        ) from exc


@contextmanager
def _opened(path: Path) -> Iterator[Workbook]:
    with _unreadable_as_problem(path):
        workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        yield workbook
    finally:
        workbook.close()


@dataclass(frozen=True)
class Cell:
    """A value with the place it was read from, so a problem names the right cell even when a
    team reordered the columns."""

    sheet: str
    row: int
    column: int
    value: Any

    @property
    def ref(self) -> str:
        return f"{get_column_letter(self.column)}{self.row}"


class _TeamReader:
    """Reads each sheet into records, noting problems with their cell."""

    def __init__(self, path: Path, workbook: Workbook, spec: WorkbookSpec) -> None:
        self.path = path
        self.workbook = workbook
        self.spec = spec
        self.problems: list[Problem] = []

    def read(self) -> Team:
        organisation = self._organisation()
        answers = self._answers()
        choices = self._choices()
        participants = self._participants()
        partners = self._partners()
        actions = self._actions()
        if self.problems or organisation is None:
            raise WorkbookError(self.problems)
        return Team(
            workbook=self.path,
            organisation=organisation,
            answers=answers,
            choices=choices,
            participants=participants,
            partners=partners,
            actions=actions,
        )

    # -- helpers -----------------------------------------------------------------------------

    def problem(self, sheet: str, cell: str | None, message: str, hint: str) -> None:
        self.problems.append(Problem(self.path, message, hint, sheet=sheet, cell=cell))

    def problem_at(self, cell: Cell, message: str, hint: str) -> None:
        self.problem(cell.sheet, cell.ref, message, hint)

    def has_problem(self, cell: Cell) -> bool:
        return any(p.sheet == cell.sheet and p.cell == cell.ref for p in self.problems)

    def parse(self, cell: Cell, parser: Callable[[Any], T], fallback: T) -> T:
        try:
            return parser(cell.value)
        except CellValueError as exc:
            self.problem_at(cell, exc.message, exc.hint)
            return fallback

    def rows(self, sheet_name: str) -> list[Row] | None:
        """The sheet's rows with their number, or None (and a problem) when it is missing."""
        if sheet_name not in self.workbook.sheetnames:
            self.problem(sheet_name, None, "the sheet is missing", "restore it, or " + RESTORE_HINT)
            return None
        sheet = self.workbook[sheet_name]
        return [
            (number, list(row))
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]

    def columns(self, sheet: str, headers: tuple[str, ...], rows: list[Row]) -> list[int]:
        """The 1-based column of each expected header in row 1, or [] when any is missing."""
        found = {
            normalise(str(value)): index
            for index, value in enumerate(rows[0][1] if rows else [], start=1)
            if value is not None
        }
        missing = [header for header in headers if normalise(header) not in found]
        for header in missing:
            self.problem(
                sheet,
                None,
                f"the header '{header}' is missing from row 1",
                "restore the header row, or " + RESTORE_HINT,
            )
        return [] if missing else [found[normalise(header)] for header in headers]

    def table(self, sheet: str, headers: tuple[str, ...]) -> Iterator[list[Cell]]:
        """Each row below the headers as cells in header order; empty rows are skipped."""
        rows = self.rows(sheet)
        if rows is None:
            return
        columns = self.columns(sheet, headers, rows)
        if not columns:
            return
        for number, row in rows[1:]:
            cells = [
                Cell(sheet, number, column, row[column - 1] if column - 1 < len(row) else None)
                for column in columns
            ]
            if any(values.text_or_blank(cell.value) for cell in cells):
                yield cells

    def text(self, cell: Cell) -> str:
        return self.parse(cell, values.text, "")

    def place(self, cell: Cell) -> tuple[LatLon | None, CoordinateOrigin]:
        coordinates = self.parse(cell, values.coordinates, None)
        origin = CoordinateOrigin.WORKBOOK if coordinates else CoordinateOrigin.NOT_PLACED
        return coordinates, origin

    def yes_no(self, cell: Cell) -> bool | None:
        parser = partial(values.yes_no, yes_words=self.spec.yes_words, no_words=self.spec.no_words)
        return self.parse(cell, parser, None)

    def required(self, cell: Cell, text: str, message: str, hint: str) -> None:
        """A row with data needs this cell filled in (unless it already has a problem)."""
        if not text and not self.has_problem(cell):
            self.problem_at(cell, message, hint)

    # -- sheets ------------------------------------------------------------------------------

    def _organisation(self) -> Organisation | None:
        found = self._organisation_cells(self.spec.sheets["organisation"])
        if found is None:
            return None

        def get(key: str, parser: Callable[[Any], T], fallback: T) -> T:
            return self.parse(found[key], parser, fallback)

        name = get("name", values.text, "")
        street = get("street", values.text, "")
        coordinates, origin = self.place(found["coordinates"])
        email = get("email", values.text, "")
        self.required(
            found["name"],
            name,
            "the name of the organisation is empty",
            "type the organisation's name",
        )
        if not street and coordinates is None and not self.has_problem(found["coordinates"]):
            self.problem_at(
                found["street"],
                "the site has neither an address nor coordinates",
                "type the street and number of the site, or its coordinates",
            )
        if email and "@" not in email:
            self.problem_at(
                found["email"],
                f"'{email}' is not an e-mail address",
                "type an address such as naam@organisatie.be, or leave it empty",
            )
        choices = self.spec.field("delimitation").choices
        default_radius = self.spec.field("radius").default or 1000
        return Organisation(
            address=Address(
                street, get("postcode", values.text, ""), get("municipality", values.text, "")
            ),
            coordinates=coordinates,
            coordinate_origin=origin,
            name=name,
            site=get("site", values.text, ""),
            neighbourhood_name=get("neighbourhood", values.text, ""),
            delimitation=Delimitation(
                get(
                    "delimitation",
                    partial(
                        values.one_of,
                        allowed=choices,
                        default=Delimitation.SITE.value,
                        what="choice",
                    ),
                    Delimitation.SITE.value,
                )
            ),
            radius_m=get("radius", partial(values.radius, default=default_radius), default_radius),
            contact=get("contact", values.text, ""),
            email=email,
            session_date=get("date", values.session_date, None),
            source=Source(found["name"].sheet, found["name"].row),
        )

    def _organisation_cells(self, sheet: str) -> dict[str, Cell] | None:
        """The value cell beside each label in column A, or None when any label is missing."""
        rows = self.rows(sheet)
        if rows is None:
            return None
        by_label = {normalise(field.label): field for field in self.spec.organisation}
        found: dict[str, Cell] = {}
        for number, row in rows:
            label = normalise(str(row[0])) if row and row[0] is not None else ""
            field = by_label.get(label) or by_label.get(label.split(" (")[0])
            if field is not None and field.key not in found:
                found[field.key] = Cell(sheet, number, 2, row[1] if len(row) > 1 else None)
        missing = [field for field in self.spec.organisation if field.key not in found]
        for field in missing:
            self.problem(
                sheet,
                None,
                f"the label '{field.label}' is missing from column A",
                "restore the label, or " + RESTORE_HINT,
            )
        return None if missing else found

    def _answers(self) -> tuple[Answer, ...]:
        sheet = self.spec.sheets["vision"]
        keys = {normalise(question.text): question.key for question in self.spec.questions}
        answers = []
        for question_cell, answer_cell in self.table(sheet, self.spec.vision_headers):
            question = self.text(question_cell)
            answer = self.text(answer_cell)
            if not question:
                self.required(
                    question_cell,
                    question,
                    "an answer has no question",
                    "type the question in column A, or move the answer next to its question",
                )
                continue
            source = Source(sheet, question_cell.row)
            answers.append(Answer(keys.get(normalise(question)), question, answer, source))
        return tuple(answers)

    def _choices(self) -> tuple[Choice, ...]:
        sheet = self.spec.sheets["approach"]
        by_label = {normalise(choice.label): choice for choice in self.spec.choices}
        choices = []
        for label_cell, chosen_cell, explanation_cell in self.table(
            sheet, self.spec.approach_headers
        ):
            label = self.text(label_cell)
            chosen = self.yes_no(chosen_cell)
            explanation = self.text(explanation_cell)
            if not label:
                self.required(
                    label_cell,
                    label,
                    "a choice has no description",
                    "describe the choice in column A, or clear the row",
                )
                continue
            known = by_label.get(normalise(label))
            choices.append(
                Choice(
                    key=known.key if known else None,
                    group=known.group if known else "anders",
                    label=label,
                    chosen=chosen,
                    explanation=explanation,
                    source=Source(sheet, label_cell.row),
                )
            )
        return tuple(choices)

    def _participants(self) -> tuple[ParticipantOrigin, ...]:
        layout = self.spec.participants
        origins = []
        for street, postcode, municipality, amount, place in self.table(
            layout.name, layout.headers
        ):
            street_name = self.parse(street, values.street_without_house_number, "")
            self.required(
                street,
                street_name,
                "the street is empty",
                "type the street's name, or clear the row",
            )
            coordinates, origin = self.place(place)
            origins.append(
                ParticipantOrigin(
                    address=Address(street_name, self.text(postcode), self.text(municipality)),
                    coordinates=coordinates,
                    coordinate_origin=origin,
                    count=self.parse(amount, values.count, 0),
                    source=Source(layout.name, street.row),
                )
            )
        return tuple(origins)

    def _partners(self) -> tuple[Partner, ...]:
        layout = self.spec.partners
        kind_of = partial(
            values.one_of,
            allowed=self.spec.kinds,
            default=self.spec.default_kind,
            what="kind (Soort)",
        )
        partners: list[Partner] = []
        for cells in self.table(layout.name, layout.headers):
            name, kind, street, postcode, municipality, place, known, used, contact, remark = cells
            partner_name = self.text(name)
            self.required(
                name,
                partner_name,
                "the name is empty in a row that has other data",
                "type the partner's name, or clear the whole row",
            )
            coordinates, origin = self.place(place)
            partners.append(
                Partner(
                    address=Address(
                        self.text(street), self.text(postcode), self.text(municipality)
                    ),
                    coordinates=coordinates,
                    coordinate_origin=origin,
                    number=len(partners) + 1,
                    name=partner_name,
                    kind=self.parse(kind, kind_of, self.spec.default_kind),
                    known=self.yes_no(known),
                    used=self.yes_no(used),
                    contact=self.text(contact),
                    remark=self.text(remark),
                    source=Source(layout.name, name.row),
                )
            )
        return tuple(partners)

    def _actions(self) -> tuple[Action, ...]:
        layout = self.spec.actions
        actions = []
        for cells in self.table(layout.name, layout.headers):
            step, activity, goal, who, when, frequency = (self.text(cell) for cell in cells)
            self.required(
                cells[1],
                activity,
                "the activity is empty in a row that has other data",
                "describe the activity, or clear the whole row",
            )
            source = Source(layout.name, cells[0].row)
            actions.append(Action(step, activity, goal, who, when, frequency, source))
        return tuple(actions)
