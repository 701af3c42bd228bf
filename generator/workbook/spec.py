"""The workbook's layout, loaded from ``templates/workbook.toml``.

The writer and the reader share this one description, so a reworded header or question stays
readable after a facilitator edits the template.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.errors import TemplateError
from generator.resources import Templates

SPEC_FILE = "workbook.toml"


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    prompt: str
    required: bool = False
    choices: tuple[str, ...] = ()
    default: int | None = None


@dataclass(frozen=True)
class Question:
    key: str
    text: str


@dataclass(frozen=True)
class ChoiceSpec:
    key: str
    group: str
    label: str


@dataclass(frozen=True)
class ListSheet:
    name: str
    headers: tuple[str, ...]
    widths: tuple[int, ...]
    prompt: str
    column_prompts: dict[str, str]

    def column_prompt(self, index: int) -> str:
        return self.column_prompts.get(self.headers[index], "")


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
    kinds: tuple[str, ...]
    default_kind: str
    action_frequencies: tuple[str, ...]
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


def _list_sheet(name: str, table: dict[str, Any]) -> ListSheet:
    return ListSheet(
        name=name,
        headers=tuple(table["headers"]),
        widths=tuple(table["widths"]),
        prompt=table["prompt"],
        column_prompts=dict(table.get("column_prompts", {})),
    )


def load_spec(templates: Templates | None = None) -> WorkbookSpec:
    templates = templates or Templates()
    raw = templates.toml(SPEC_FILE)
    try:
        sheets = dict(raw["sheets"])
        return WorkbookSpec(
            sheets=sheets,
            organisation=tuple(
                Field(
                    key=item["key"],
                    label=item["label"],
                    prompt=item["prompt"],
                    required=item.get("required", False),
                    choices=tuple(item.get("choices", ())),
                    default=item.get("default"),
                )
                for item in raw["organisation"]
            ),
            vision_headers=tuple(raw["vision"]["headers"]),
            vision_prompt=raw["vision"]["prompt"],
            questions=tuple(Question(q["key"], q["text"]) for q in raw["vision"]["questions"]),
            approach_headers=tuple(raw["approach"]["headers"]),
            approach_prompt=raw["approach"]["prompt"],
            choices=tuple(
                ChoiceSpec(c["key"], c["group"], c["label"]) for c in raw["approach"]["choices"]
            ),
            participants=_list_sheet(sheets["participants"], raw["participants"]),
            partners=_list_sheet(sheets["partners"], raw["partners"]),
            actions=_list_sheet(sheets["actions"], raw["actions"]),
            kinds=tuple(raw["partners"]["kinds"]),
            default_kind=raw["partners"]["default_kind"],
            action_frequencies=tuple(raw["actions"]["choices"]),
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
            f"{path}: the entry {exc} is missing or malformed; "
            "compare it with the file written by 'buurtkaart templates export'"
        ) from exc
