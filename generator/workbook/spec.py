"""The workbook's layout, loaded from ``templates/workbook.toml``.

The writer and the reader share this one description, so a reworded header or question stays
readable after a facilitator edits the template.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import TemplateError
from generator.i18n import _, ngettext
from generator.model import Delimitation
from generator.resources import Templates

SPEC_FILE = "workbook.toml"
HOUSE_STYLE_FILE = "huisstijl.toml"

# The columns the reader turns into the model, by key; a template may add others.
PARTICIPANT_KEYS = ("street", "postcode", "municipality", "count", "coordinates")
PARTNER_KEYS = (
    "name",
    "kind",
    "street",
    "postcode",
    "municipality",
    "coordinates",
    "known",
    "used",
    "contact",
    "remark",
)
ACTION_KEYS = ("step", "activity", "goal", "who", "when", "frequency")
KAARTOEFENING_KEYS = (
    "colour",
    "question",
    "x_mm",
    "y_mm",
    "lat",
    "lon",
    "grid_square",
    "street",
    "session",
    "date",
)
ORGANISATION_KEYS = (
    "name",
    "site",
    "street",
    "postcode",
    "municipality",
    "coordinates",
    "neighbourhood",
    "delimitation",
    "radius",
    "contact",
    "email",
    "date",
)


@dataclass(frozen=True)
class Option:
    """A choice in a dropdown: the key the code knows, the label the team sees."""

    key: str
    label: str


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    prompt: str
    required: bool = False
    choices: tuple[Option, ...] = ()
    default: int | None = None

    def choice_labels(self) -> tuple[str, ...]:
        return tuple(option.label for option in self.choices)

    def choice_key(self, label: str) -> str:
        return next(option.key for option in self.choices if option.label == label)

    def choice_label(self, key: str) -> str:
        return next(option.label for option in self.choices if option.key == key)


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    aliases: tuple[str, ...] = ()  # earlier wordings, so an older workbook still reads


@dataclass(frozen=True)
class ChoiceSpec:
    key: str
    group: str
    label: str
    aliases: tuple[str, ...] = ()  # earlier wordings, so an older workbook still reads


@dataclass(frozen=True)
class Column:
    """A column of a list sheet. ``choices`` are the only values read (``default`` when the cell
    is empty); ``suggestions`` fill a dropdown that allows other text; ``yes_no`` asks Ja/Nee."""

    key: str
    header: str
    width: int
    prompt: str = ""
    choices: tuple[str, ...] = ()
    default: str = ""
    suggestions: tuple[str, ...] = ()
    yes_no: bool = False
    aliases: tuple[str, ...] = ()  # earlier headers, so an older workbook still reads


@dataclass(frozen=True)
class ListSheet:
    name: str
    prompt: str
    columns: tuple[Column, ...]

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(column.header for column in self.columns)

    @property
    def aliases(self) -> dict[str, tuple[str, ...]]:
        return {column.header: column.aliases for column in self.columns if column.aliases}

    def column(self, key: str) -> Column:
        return next(column for column in self.columns if column.key == key)


@dataclass(frozen=True)
class WorkbookSpec:
    sheets: dict[str, str]
    organisation: tuple[Field, ...]
    vision_headers: tuple[str, ...]
    vision_prompt: str
    questions: tuple[Question, ...]
    approach_headers: tuple[str, ...]
    approach_prompt: str
    choices: tuple[ChoiceSpec, ...]
    participants: ListSheet
    partners: ListSheet
    actions: ListSheet
    kaartoefening: ListSheet
    sticker_colours: tuple[StickerColour, ...]
    yes_words: frozenset[str]
    no_words: frozenset[str]
    help_title: str
    help_paragraphs: tuple[str, ...]
    max_rows: int
    organisation_headers: tuple[str, ...]
    yes_no_choices: tuple[str, ...]
    choose_from_list: str
    choose_one_of: str

    def field(self, key: str) -> Field:
        return next(field for field in self.organisation if field.key == key)


@dataclass(frozen=True)
class StickerColour:
    """A sticker colour as the sheet 'Kaartoefening' names it: the key the model uses, the
    colour's name in the column Kleur (geel, ...) and the question it answers."""

    key: str
    colour_name: str
    question: str


def sticker_colours(templates: Templates | None = None) -> tuple[StickerColour, ...]:
    """The [[stickers]] of huisstijl.toml, the one list of sticker colours the poster uses too."""
    templates = templates or Templates()
    entries = templates.toml(HOUSE_STYLE_FILE).get("stickers", [])
    try:
        return tuple(
            StickerColour(str(raw["key"]), str(raw["colour_name"]), str(raw["question"]))
            for raw in entries
        )
    except (KeyError, TypeError) as exc:
        raise TemplateError(
            _(
                "{file}: a [[stickers]] entry lacks {key}; each needs key, question, "
                "colour_name and colour"
            ).format(file=templates.path(HOUSE_STYLE_FILE), key=exc)
        ) from exc


def _column(table: dict[str, Any]) -> Column:
    return Column(
        key=table["key"],
        header=table["header"],
        width=int(table["width"]),
        prompt=table.get("prompt", ""),
        choices=tuple(table.get("choices", ())),
        default=table.get("default", ""),
        suggestions=tuple(table.get("suggestions", ())),
        yes_no=bool(table.get("yes_no", False)),
        aliases=tuple(table.get("aliases", ())),
    )


def _list_sheet(name: str, table: dict[str, Any]) -> ListSheet:
    return ListSheet(
        name=name,
        prompt=table["prompt"],
        columns=tuple(_column(column) for column in table["columns"]),
    )


def _kaartoefening(raw: dict[str, Any]) -> ListSheet:
    """A facilitator's workbook.toml exported before this sheet existed lacks it; the default
    wording serves then, so an older template folder keeps working."""
    if "kaartoefening" not in raw or "kaartoefening" not in raw["sheets"]:
        raw = Templates().toml(SPEC_FILE)
    return _list_sheet(raw["sheets"]["kaartoefening"], raw["kaartoefening"])


def _field(table: dict[str, Any]) -> Field:
    return Field(
        key=table["key"],
        label=table["label"],
        prompt=table["prompt"],
        required=table.get("required", False),
        choices=tuple(
            Option(option["key"], option["label"]) for option in table.get("choices", ())
        ),
        default=table.get("default"),
    )


def load_spec(templates: Templates | None = None) -> WorkbookSpec:
    templates = templates or Templates()
    spec = _parse_spec(templates, sticker_colours(templates))
    _check_keys(spec, templates)
    return spec


def _check_keys(spec: WorkbookSpec, templates: Templates) -> None:
    """Every key the reader looks up is in the template, once: a facilitator's edit that lost one
    is named here rather than failing while a workbook is read."""
    path = templates.path(SPEC_FILE)
    _require_keys(path, "[[organisation]]", [f.key for f in spec.organisation], ORGANISATION_KEYS)
    for table, layout, needed in (
        ("participants", spec.participants, PARTICIPANT_KEYS),
        ("partners", spec.partners, PARTNER_KEYS),
        ("actions", spec.actions, ACTION_KEYS),
        ("kaartoefening", spec.kaartoefening, KAARTOEFENING_KEYS),
    ):
        _require_keys(path, f"[[{table}.columns]]", [c.key for c in layout.columns], needed)
    _require_keys(
        path,
        _("the choices of 'delimitation'"),
        [option.key for option in spec.field("delimitation").choices],
        tuple(member.value for member in Delimitation),
    )


def _require_keys(path: Path, where: str, found: list[str], needed: tuple[str, ...]) -> None:
    missing = [key for key in needed if key not in found]
    doubled = sorted({key for key in found if found.count(key) > 1})
    faults = []
    if missing:
        faults.append(
            ngettext("lacks the key {keys}", "lacks the keys {keys}", len(missing)).format(
                keys=", ".join(missing)
            )
        )
    if doubled:
        faults.append(
            ngettext("repeats the key {keys}", "repeats the keys {keys}", len(doubled)).format(
                keys=", ".join(doubled)
            )
        )
    if faults:
        raise TemplateError(
            _(
                "{file}: {where} {faults}; give every key one entry, as in the file written by "
                "'buurtkaart templates export'"
            ).format(file=path, where=where, faults=_(" and ").join(faults))
        )


def _parse_spec(templates: Templates, colours: tuple[StickerColour, ...]) -> WorkbookSpec:
    raw = templates.toml(SPEC_FILE)
    try:
        sheets = dict(raw["sheets"])
        return WorkbookSpec(
            sheets=sheets,
            organisation=tuple(_field(item) for item in raw["organisation"]),
            vision_headers=tuple(raw["vision"]["headers"]),
            vision_prompt=raw["vision"]["prompt"],
            questions=tuple(
                Question(q["key"], q["text"], tuple(q.get("aliases", ())))
                for q in raw["vision"]["questions"]
            ),
            approach_headers=tuple(raw["approach"]["headers"]),
            approach_prompt=raw["approach"]["prompt"],
            choices=tuple(
                ChoiceSpec(c["key"], c["group"], c["label"], tuple(c.get("aliases", ())))
                for c in raw["approach"]["choices"]
            ),
            participants=_list_sheet(sheets["participants"], raw["participants"]),
            partners=_list_sheet(sheets["partners"], raw["partners"]),
            actions=_list_sheet(sheets["actions"], raw["actions"]),
            kaartoefening=_kaartoefening(raw),
            sticker_colours=colours,
            yes_words=frozenset(word.casefold() for word in raw["ja"]),
            no_words=frozenset(word.casefold() for word in raw["nee"]),
            help_title=raw["help"]["title"],
            help_paragraphs=tuple(raw["help"]["paragraphs"]),
            max_rows=int(raw["max_rows"]),
            organisation_headers=tuple(raw["organisation_sheet"]["headers"]),
            yes_no_choices=tuple(raw["yes_no"]),
            choose_from_list=raw["messages"]["choose_from_list"],
            choose_one_of=raw["messages"]["choose_one_of"],
        )
    except (KeyError, TypeError) as exc:
        path = templates.path(SPEC_FILE)
        raise TemplateError(
            _(
                "{file}: the entry {entry} is missing or malformed; compare it with the file "
                "written by 'buurtkaart templates export'"
            ).format(file=path, entry=exc)
        ) from exc
