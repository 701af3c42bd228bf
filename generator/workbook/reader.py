"""Reads a team's workbook into the model, collecting every problem rather than the first.

The user's file is opened read-only and never written to. Its container is checked before
openpyxl sees it: openpyxl has no limits of its own against zip bombs.
"""

from __future__ import annotations

import dataclasses
import itertools
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from generator.errors import Problem, WorkbookError
from generator.i18n import N_, _
from generator.model import (
    Action,
    Address,
    Answer,
    Choice,
    CoordinateOrigin,
    Delimitation,
    LatLon,
    MapSticker,
    Organisation,
    ParticipantOrigin,
    Partner,
    Source,
    Team,
)
from generator.workbook import lockfile, values
from generator.workbook.spec import Column, ListSheet, WorkbookSpec, load_spec
from generator.workbook.values import CellValueError

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_MARKER = "EncryptionInfo".encode("utf-16-le")
RESTORE_HINT = N_("copy your data into a fresh workbook from 'buurtkaart init'")

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
        team = _TeamReader(path, workbook, spec).read()
    lock = lockfile.lock_file_of(path)
    if lock is not None:
        team = team.replace(warnings=(lockfile.open_in_excel_note(path, lock), *team.warnings))
    return team


def check_container(path: Path) -> None:
    """Refuse, with a reason, anything that is not a reasonably sized .xlsx."""
    try:
        _check_container(path)
    except OSError as exc:
        raise WorkbookError([_unopenable(path, exc)]) from exc


def _unopenable(path: Path, exc: OSError) -> Problem:
    if isinstance(exc, PermissionError):
        # On Windows, Excel locks the workbook it has open against every other program.
        return Problem(
            path,
            _("the file cannot be opened ({reason}); Excel may have it open").format(
                reason=exc.strerror or exc
            ),
            _("close it in Excel and run again, or check that you may read the file"),
        )
    return Problem(
        path,
        _("the file cannot be read ({reason})").format(reason=exc.strerror or exc),
        _("check its permissions"),
    )


def _check_container(path: Path) -> None:
    def refuse(message: str, hint: str) -> WorkbookError:
        return WorkbookError([Problem(path, message, hint)])

    if not path.exists():
        raise refuse(_("the file does not exist"), _("check the name and the folder"))
    if path.is_dir():
        raise refuse(_("this is a folder, not a workbook"), _("name the .xlsx file itself"))
    if lockfile.is_lock_file(path):
        raise refuse(lockfile.what_it_is(path), _("name the workbook itself"))
    size = path.stat().st_size
    if size == 0:
        raise refuse(_("the file is empty"), _("save the workbook again from Excel as .xlsx"))
    if size > MAX_FILE_BYTES:
        raise refuse(
            _("the file is {size} MB, more than the {limit} MB a team workbook may be").format(
                size=f"{size / 2**20:.0f}", limit=MAX_FILE_BYTES // 2**20
            ),
            _("remove pictures or other sheets, or {restore}").format(restore=_(RESTORE_HINT)),
        )
    with path.open("rb") as handle:
        head = handle.read(8)
        if head == OLE_MAGIC:
            if ENCRYPTED_MARKER in handle.read(MAX_FILE_BYTES):
                raise refuse(
                    _("the workbook is protected with a password"),
                    _(
                        "open it in Excel, remove the password (File > Info > Protect Workbook "
                        "> Encrypt with Password) and save it again; in LibreOffice: File > "
                        "Properties > Security, or save a copy without a password"
                    ),
                )
            raise refuse(
                _("this is an old Excel 97-2003 file (.xls), not an .xlsx workbook"),
                _("open it in Excel or LibreOffice and save it as Excel Workbook (.xlsx)"),
            )
    if head.startswith(b"%PDF"):
        raise refuse(
            _("this is a PDF, not an Excel workbook"), _("use the .xlsx file the team filled in")
        )
    if not head.startswith(b"PK"):
        raise refuse(
            _("this is not an Excel workbook (.xlsx); it looks like a text or CSV file")
            if _looks_like_text(head)
            else _("this is not an Excel workbook (.xlsx)"),
            _("open it in Excel or LibreOffice and save it as Excel Workbook (.xlsx)"),
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
                    _(
                        "the workbook unpacks to {size} MB, far more than a team workbook "
                        "holds (a zip bomb?)"
                    ).format(size=f"{unpacked / 2**20:.0f}"),
                    _(RESTORE_HINT),
                )
            if "mimetype" in names and b"opendocument" in archive.read("mimetype"):
                raise refuse(
                    _("this is a LibreOffice spreadsheet (.ods), not an .xlsx workbook"),
                    _("in LibreOffice choose File > Save As > Excel 2007-365 (.xlsx)"),
                )
            if "xl/workbook.xml" not in names:
                raise refuse(
                    _("this zip file is not an Excel workbook (.xlsx)"),
                    _("use the .xlsx file the team filled in"),
                )
            if any(_declares_entities(archive, member) for member in members):
                raise refuse(
                    _("the workbook contains unsafe XML and was not read"), _(RESTORE_HINT)
                )
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as exc:
        raise refuse(
            _("the file is damaged or is not an Excel workbook (.xlsx)"),
            _("save the workbook again from Excel as .xlsx"),
        ) from exc


def _declares_entities(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """Office files never carry a DTD; one that does is an entity-expansion attack."""
    if not member.filename.endswith((".xml", ".rels")):
        return False
    with archive.open(member) as handle:
        head = handle.read(4096)
    return b"<!DOCTYPE" in head or b"<!ENTITY" in head


# What openpyxl and the XML and zip layers under it raise for a damaged workbook (a sheet or
# style that is missing, cut off or holds nonsense). They are caught only around openpyxl's own
# calls: the same exceptions raised by buurtkaart's code are faults of ours, not of the file.
DAMAGED = (
    InvalidFileException,
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    TypeError,
    ParseError,
    EOFError,
    RuntimeError,
    NotImplementedError,
    zlib.error,
)


def _read_fault(path: Path, exc: Exception) -> WorkbookError:
    """The problem for what openpyxl raised while reading the file."""
    if isinstance(exc, DefusedXmlException):
        return WorkbookError(
            [Problem(path, _("the workbook contains unsafe XML and was not read"), _(RESTORE_HINT))]
        )
    if isinstance(exc, OSError):
        return WorkbookError([_unopenable(path, exc)])
    return WorkbookError(
        [
            Problem(
                path,
                _("the workbook cannot be read ({reason})").format(reason=type(exc).__name__),
                _("open it in Excel, save it again as .xlsx, or {restore}").format(
                    restore=_(RESTORE_HINT)
                ),
            )
        ]
    )


@contextmanager
def damaged_as_problem(path: Path) -> Iterator[None]:
    """Wraps a call into openpyxl only."""
    try:
        yield
    except (DefusedXmlException, OSError, *DAMAGED) as exc:
        raise _read_fault(path, exc) from exc


@contextmanager
def _opened(path: Path) -> Iterator[Workbook]:
    with damaged_as_problem(path):
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
        self.warnings: list[Problem] = []
        self.typed_places: list[tuple[Cell, LatLon]] = []
        self.sticker_places: list[tuple[Cell, LatLon]] = []

    def read(self) -> Team:
        organisation = self._organisation()
        answers = self._answers()
        choices = self._choices()
        participants = self._participants()
        partners = self._partners()
        actions = self._actions()
        previous_stickers = self._previous_stickers()
        if self.problems or organisation is None:
            raise WorkbookError(self.problems)
        self._doubt_typed_places(organisation.coordinates)
        self._doubt_sticker_places(organisation.coordinates)
        return Team(
            workbook=self.path,
            organisation=organisation,
            answers=answers,
            choices=choices,
            participants=participants,
            partners=partners,
            actions=actions,
            previous_stickers=previous_stickers,
            warnings=tuple(str(warning) for warning in self.warnings),
        )

    # -- helpers -----------------------------------------------------------------------------

    def problem(self, sheet: str, cell: str | None, message: str, hint: str) -> None:
        self.problems.append(Problem(self.path, message, hint, sheet=sheet, cell=cell))

    def problem_at(self, cell: Cell, message: str, hint: str) -> None:
        self.problem(cell.sheet, cell.ref, message, hint)

    def warn_at(self, cell: Cell, doubt: tuple[str, str] | None) -> None:
        """A value that reads but looks wrong: the team hears of it, the pack is still made."""
        if doubt is not None:
            message, hint = doubt
            self.warnings.append(Problem(self.path, message, hint, cell.sheet, cell.ref))

    def has_problem(self, cell: Cell) -> bool:
        return any(p.sheet == cell.sheet and p.cell == cell.ref for p in self.problems)

    def parse(self, cell: Cell, parser: Callable[[Any], T], fallback: T) -> T:
        try:
            return parser(cell.value)
        except CellValueError as exc:
            self.problem_at(cell, exc.message, exc.hint)
            return fallback

    def sheet(self, name: str) -> ReadOnlyWorksheet | None:
        """The sheet, or None (and a problem) when it is missing."""
        with damaged_as_problem(self.path):
            present = name in self.workbook.sheetnames
            sheet = self.workbook[name] if present else None
        if not isinstance(sheet, ReadOnlyWorksheet):
            self.problem(
                name,
                None,
                _("the sheet is missing"),
                _("restore it, or {restore}").format(restore=_(RESTORE_HINT)),
            )
            return None
        # A read-only sheet stops where its stored <dimension> says the data ends, and some
        # programs write one that ends too early: the rows that are there count.
        sheet.reset_dimensions()
        return sheet

    def rows(
        self, sheet: ReadOnlyWorksheet, first: int, last: int | None = None, columns: int = 0
    ) -> Generator[Row, None, None]:
        """The rows from ``first`` to ``last`` that hold anything, each with its number and cut
        to ``columns`` (0: as wide as the row). Cutting matters: one cell typed far to the right
        would otherwise widen every row to it."""
        # openpyxl's stubs type the read-only sheet's borrowed iter_rows for Worksheet only.
        found = sheet.iter_rows(  # type: ignore[misc]
            min_row=first, max_row=last, max_col=columns or None, values_only=True
        )
        for number in itertools.count(first):
            # Not a context manager: a stray cell far down makes a million empty rows to pass.
            try:
                row = next(found, None)
            except (DefusedXmlException, OSError, *DAMAGED) as exc:
                raise _read_fault(self.path, exc) from exc
            if row is None:
                return
            if row.count(None) < len(row):
                yield number, list(row)

    def columns(
        self,
        sheet: ReadOnlyWorksheet,
        headers: tuple[str, ...],
        aliases: Mapping[str, tuple[str, ...]],
    ) -> list[int]:
        """The 1-based column of each expected header (or one of its earlier names) in row 1,
        or [] when any is missing."""
        header_rows = self.rows(sheet, 1, 1)
        header_row = next(header_rows, (1, []))[1]
        header_rows.close()  # and with it openpyxl's open handle on the sheet's XML
        found: dict[str, int] = {}
        for index, value in enumerate(header_row, start=1):
            if value is not None:
                found.setdefault(normalise(str(value)), index)
        for header in headers:
            # An older workbook's header stands for today's, unless today's is there too.
            for alias in aliases.get(header, ()):
                if normalise(alias) in found:
                    found.setdefault(normalise(header), found[normalise(alias)])
        missing = [header for header in headers if normalise(header) not in found]
        for header in missing:
            self.problem(
                sheet.title,
                None,
                _("the header '{header}' is missing from row 1").format(header=header),
                _("restore the header row, or {restore}").format(restore=_(RESTORE_HINT)),
            )
        return [] if missing else [found[normalise(header)] for header in headers]

    def table(
        self,
        name: str,
        headers: tuple[str, ...],
        aliases: Mapping[str, tuple[str, ...]] | None = None,
    ) -> Iterator[list[Cell]]:
        """Each row below the headers as cells in header order; empty rows are skipped."""
        sheet = self.sheet(name)
        if sheet is None:
            return
        columns = self.columns(sheet, headers, aliases or {})
        if not columns:
            return
        for number, row in self.rows(sheet, 2, columns=max(columns)):
            cells = [Cell(name, number, column, row[column - 1]) for column in columns]
            if any(values.text_or_blank(cell.value) for cell in cells):
                yield cells

    def records(self, layout: ListSheet) -> Iterator[dict[str, Cell]]:
        """Each row of a list sheet as its cells by column key."""
        keys = [column.key for column in layout.columns]
        for cells in self.table(layout.name, layout.headers, layout.aliases):
            yield dict(zip(keys, cells, strict=True))

    def text(self, cell: Cell) -> str:
        return self.parse(cell, values.text, "")

    def place(self, cell: Cell) -> tuple[LatLon | None, CoordinateOrigin]:
        coordinates = self.parse(cell, values.coordinates, None)
        if coordinates is not None:
            self.typed_places.append((cell, coordinates))
        origin = CoordinateOrigin.WORKBOOK if coordinates else CoordinateOrigin.NOT_PLACED
        return coordinates, origin

    def address(self, street: Cell, postcode: Cell, municipality: Cell) -> Address:
        return Address(self.text(street), self.postcode(postcode), self.text(municipality))

    def postcode(self, cell: Cell) -> str:
        typed = self.text(cell)
        self.warn_at(cell, values.postcode_doubt(typed))
        return typed

    def _doubt_typed_places(self, site: LatLon | None) -> None:
        for cell, place in self.typed_places:
            self.warn_at(cell, values.coordinates_doubt(place, site))

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
            _("the name of the organisation is empty"),
            _("type the organisation's name"),
        )
        if not street and coordinates is None and not self.has_problem(found["coordinates"]):
            self.problem_at(
                found["street"],
                _("the site has neither an address nor coordinates"),
                _("type the street and number of the site, or its coordinates"),
            )
        if email and "@" not in email:
            self.problem_at(
                found["email"],
                _("'{email}' is not an e-mail address").format(email=email),
                _("type an address such as naam@organisatie.be, or leave it empty"),
            )
        default_radius = self.spec.field("radius").default or 1000
        return Organisation(
            address=Address(
                street, self.postcode(found["postcode"]), get("municipality", values.text, "")
            ),
            coordinates=coordinates,
            coordinate_origin=origin,
            name=name,
            site=get("site", values.text, ""),
            neighbourhood_name=get("neighbourhood", values.text, ""),
            delimitation=self._delimitation(found["delimitation"]),
            radius_m=get("radius", partial(values.radius, default=default_radius), default_radius),
            contact=get("contact", values.text, ""),
            email=email,
            session_date=self._session_date(found["date"]),
            source=Source(found["name"].sheet, found["name"].row),
        )

    def _delimitation(self, cell: Cell) -> Delimitation:
        field = self.spec.field("delimitation")
        default = field.choice_label(Delimitation.SITE.value)
        allowed = field.choice_labels()
        label = self.parse(
            cell,
            partial(values.one_of, allowed=allowed, default=default, what=_("choice")),
            default,
        )
        return Delimitation(field.choice_key(label))

    def _session_date(self, cell: Cell) -> date | None:
        day = self.parse(cell, values.session_date, None)
        if day is None:
            return None
        doubt = values.session_date_doubt(day)
        self.warn_at(cell, doubt)
        return None if doubt else day

    def _organisation_cells(self, sheet: str) -> dict[str, Cell] | None:
        """The value cell beside each label in column A, or None when any label is missing."""
        worksheet = self.sheet(sheet)
        if worksheet is None:
            return None
        by_label = {normalise(field.label): field for field in self.spec.organisation}
        found: dict[str, Cell] = {}
        for number, (label_value, value) in self.rows(worksheet, 1, columns=2):
            label = normalise(str(label_value)) if label_value is not None else ""
            field = by_label.get(label) or by_label.get(label.split(" (")[0])
            if field is not None and field.key not in found:
                found[field.key] = Cell(sheet, number, 2, value)
        missing = [field for field in self.spec.organisation if field.key not in found]
        for field in missing:
            self.problem(
                sheet,
                None,
                _("the label '{label}' is missing from column A").format(label=field.label),
                _("restore the label, or {restore}").format(restore=_(RESTORE_HINT)),
            )
        return None if missing else found

    def _answers(self) -> tuple[Answer, ...]:
        sheet = self.spec.sheets["vision"]
        keys = {
            normalise(text): question.key
            for question in self.spec.questions
            for text in (question.text, *question.aliases)
        }
        answers = []
        for question_cell, answer_cell in self.table(sheet, self.spec.vision_headers):
            question = self.text(question_cell)
            answer = self.text(answer_cell)
            if not question:
                self.required(
                    question_cell,
                    question,
                    _("an answer has no question"),
                    _("type the question in column A, or move the answer next to its question"),
                )
                continue
            source = Source(sheet, question_cell.row)
            answers.append(Answer(keys.get(normalise(question)), question, answer, source))
        return tuple(answers)

    def _choices(self) -> tuple[Choice, ...]:
        sheet = self.spec.sheets["approach"]
        by_label = {
            normalise(label): choice
            for choice in self.spec.choices
            for label in (choice.label, *choice.aliases)
        }
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
                    _("a choice has no description"),
                    _("describe the choice in column A, or clear the row"),
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
        for cells in self.records(layout):
            street = cells["street"]
            street_name = self.parse(street, values.street_without_house_number, "")
            self.required(
                street,
                street_name,
                _("the street is empty"),
                _("type the street's name, or clear the row"),
            )
            coordinates, origin = self.place(cells["coordinates"])
            origins.append(
                ParticipantOrigin(
                    address=Address(
                        street_name,
                        self.postcode(cells["postcode"]),
                        self.text(cells["municipality"]),
                    ),
                    coordinates=coordinates,
                    coordinate_origin=origin,
                    count=self.parse(cells["count"], values.count, 0),
                    source=Source(layout.name, street.row),
                )
            )
        return tuple(origins)

    def choice(self, cell: Cell, column: Column) -> str:
        """A column with choices reads only those; one without reads any text."""
        if not column.choices:
            return self.text(cell)
        parser = partial(
            values.one_of,
            allowed=column.choices,
            default=column.default,
            what=_("value of '{header}'").format(header=column.header),
        )
        return self.parse(cell, parser, column.default)

    def _partners(self) -> tuple[Partner, ...]:
        layout = self.spec.partners
        partners: list[Partner] = []
        for cells in self.records(layout):
            name = cells["name"]
            partner_name = self.text(name)
            self.required(
                name,
                partner_name,
                _("the name is empty in a row that has other data"),
                _("type the partner's name, or clear the whole row"),
            )
            coordinates, origin = self.place(cells["coordinates"])
            address = self.address(cells["street"], cells["postcode"], cells["municipality"])
            if (
                address.is_empty()
                and coordinates is None
                and not self.has_problem(cells["coordinates"])
            ):
                self.warn_at(
                    cells["street"],
                    (
                        _(
                            "the partner '{partner}' has neither an address nor coordinates, "
                            "so it is listed but not on the map"
                        ).format(partner=partner_name),
                        _("type its address or coordinates to place it on the map"),
                    ),
                )
            partners.append(
                Partner(
                    address=address,
                    coordinates=coordinates,
                    coordinate_origin=origin,
                    number=len(partners) + 1,
                    name=partner_name,
                    kind=self.choice(cells["kind"], layout.column("kind")),
                    known=self.yes_no(cells["known"]),
                    used=self.yes_no(cells["used"]),
                    contact=self.text(cells["contact"]),
                    remark=self.text(cells["remark"]),
                    source=Source(layout.name, name.row),
                )
            )
        return tuple(partners)

    def _actions(self) -> tuple[Action, ...]:
        layout = self.spec.actions
        actions = []
        for cells in self.records(layout):
            activity = self.text(cells["activity"])
            self.required(
                cells["activity"],
                activity,
                _("the activity is empty in a row that has other data"),
                _("describe the activity, or clear the whole row"),
            )
            actions.append(
                Action(
                    step=self.text(cells["step"]),
                    activity=activity,
                    goal=self.text(cells["goal"]),
                    who=self.text(cells["who"]),
                    when=self.text(cells["when"]),
                    frequency=self.choice(cells["frequency"], layout.column("frequency")),
                    source=Source(layout.name, cells["step"].row),
                )
            )
        return tuple(actions)

    def _previous_stickers(self) -> tuple[MapSticker, ...]:
        """The optional sheet 'Kaartoefening' written by 'buurtkaart scan', found as Excel finds
        sheets (without case). Every row is read or named: none is dropped in silence."""
        with damaged_as_problem(self.path):
            names = list(self.workbook.sheetnames)
        wanted = normalise(self.spec.kaartoefening.name)
        name = next((name for name in names if normalise(name) == wanted), None)
        if name is None:
            return ()
        layout = dataclasses.replace(self.spec.kaartoefening, name=name)
        by_name = {normalise(c.colour_name): c.key for c in self.spec.sticker_colours}
        stickers = []
        for cells in self.records(layout):
            colour = self._sticker_colour(cells["colour"], by_name)
            lat = self.parse(cells["lat"], values.latitude, None)
            lon = self.parse(cells["lon"], values.longitude, None)
            x_mm = self.parse(cells["x_mm"], values.millimetres, None)
            y_mm = self.parse(cells["y_mm"], values.millimetres, None)
            grid_square, street = self.text(cells["grid_square"]), self.text(cells["street"])
            if colour is None or lat is None or lon is None:
                continue  # each has its problem already
            position = LatLon(lat=lat, lon=lon)
            self.sticker_places.append((cells["lat"], position))
            stickers.append(
                MapSticker(
                    colour=colour,
                    position=position,
                    poster_mm=None if x_mm is None or y_mm is None else (x_mm, y_mm),
                    grid_square=grid_square,
                    street=street,
                    source=Source(name, cells["colour"].row),
                )
            )
        return tuple(stickers)

    def _sticker_colour(self, cell: Cell, by_name: dict[str, str]) -> str | None:
        """The key of the sticker colour named in the cell, or None (and a problem)."""
        named = self.text(cell)
        key = by_name.get(normalise(named))
        if key is None and not self.has_problem(cell):
            colours = ", ".join(c.colour_name for c in self.spec.sticker_colours)
            if named:
                message = _("'{colour}' is not a sticker colour").format(colour=named)
            else:
                message = _("the colour is empty in a row that has other data")
            self.problem_at(
                cell,
                message,
                _("type one of {colours}, or clear the whole row").format(colours=colours),
            )
        return key

    def _doubt_sticker_places(self, site: LatLon | None) -> None:
        """A sticker far from the neighbourhood cannot stand on the kaart: the team hears why."""
        layout = self.spec.kaartoefening
        for cell, place in self.sticker_places:
            swapped = LatLon(lat=place.lon, lon=place.lat)
            typed = {"lat": place.lat, "lon": place.lon}
            if not values.in_region(place) and values.in_region(swapped):
                doubt = (
                    _(
                        "{lat:g}, {lon:g} lies outside Belgium and {latitude} and {longitude} "
                        "look swapped, so the kaart leaves this sticker off"
                    ).format(
                        **typed,
                        latitude=layout.column("lat").header,
                        longitude=layout.column("lon").header,
                    ),
                    _("swap the two cells: the latitude is about 51 in Belgium"),
                )
            elif not values.in_region(place):
                doubt = (
                    _(
                        "{lat:g}, {lon:g} lies outside Belgium, so the kaart leaves this "
                        "sticker off"
                    ).format(**typed),
                    _("check the row against the photo, or clear it"),
                )
            elif site is not None and values.distance_km(place, site) > values.FAR_FROM_SITE_KM:
                doubt = (
                    _(
                        "{lat:g}, {lon:g} lies {km:.0f} km from the site, so the kaart leaves "
                        "this sticker off"
                    ).format(**typed, km=values.distance_km(place, site)),
                    _("check the row against the photo, or clear it"),
                )
            else:
                continue
            self.warn_at(cell, doubt)
