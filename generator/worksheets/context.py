"""What the worksheet templates can use: the team's workbook as plain, template-friendly values.

Every name here is part of the templates' vocabulary (``{{ organisation.name }}``,
``{% for partner in partners %}``), so a facilitator editing a template can rely on it. Wording
stays in the templates; this module only shapes data.
"""

from __future__ import annotations

import re
from typing import Any

from generator.model import (
    Answer,
    Choice,
    Delimitation,
    Organisation,
    ParticipantOrigin,
    Partner,
    Placed,
    Team,
)
from generator.options import PackOptions
from generator.resources import Templates
from generator.workbook.spec import load_spec

HOUSE_STYLE = "huisstijl.toml"

# Characters XML 1.0 forbids (Word would refuse the file); tabs and newlines stay.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: str) -> str:
    """Text from a workbook as Word can hold it: one kind of line break, no control characters."""
    return _NOT_IN_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def worksheet_context(team: Team, templates: Templates, options: PackOptions) -> dict[str, Any]:
    partners = [_partner(partner) for partner in team.partners]
    participants = [_origin(origin) for origin in team.participants]
    return {
        "organisation": _organisation(team.organisation),
        "answers": _answers(team, templates),
        "extra_answers": [_answer(answer) for answer in team.answers if answer.key is None],
        "choices": [_choice(choice) for choice in team.choices],
        "participants": participants,
        "participants_total": sum(origin.count for origin in team.participants),
        "partners": partners,
        "partners_known": sum(1 for partner in team.partners if partner.known),
        "partners_used": sum(1 for partner in team.partners if partner.used),
        "actions": [
            {name: clean(getattr(action, name)) for name in _ACTION_FIELDS}
            for action in team.actions
        ],
        "stickers": _stickers(templates),
        "not_placed": [_not_placed(record) for record in team.not_placed()],
        "poster": {"paper": options.paper, "tiles": options.print_tiles or ""},
    }


_ACTION_FIELDS = ("step", "activity", "goal", "who", "when", "frequency")


def _organisation(organisation: Organisation) -> dict[str, Any]:
    session = organisation.session_date
    return {
        "name": clean(organisation.name),
        "site": clean(organisation.site),
        "address": clean(organisation.address.one_line()),
        "neighbourhood": clean(organisation.neighbourhood_name),
        "from_site": organisation.delimitation is Delimitation.SITE,
        "from_participants": organisation.delimitation is Delimitation.PARTICIPANTS,
        "radius_m": organisation.radius_m,
        "contact": clean(organisation.contact),
        "email": clean(organisation.email),
        "date": session.strftime("%d/%m/%Y") if session else "",
    }


def _answers(team: Team, templates: Templates) -> dict[str, dict[str, str]]:
    """Every question of the workbook by key, answered or not, so templates never miss one."""
    spec = load_spec(templates)
    answers = {
        question.key: {"question": clean(question.text), "text": ""} for question in spec.questions
    }
    for answer in team.answers:
        if answer.key is not None:
            answers[answer.key] = _answer(answer)
    return answers


def _answer(answer: Answer) -> dict[str, str]:
    return {"question": clean(answer.question), "text": clean(answer.answer)}


def _choice(choice: Choice) -> dict[str, Any]:
    return {
        "key": choice.key or "",
        "group": choice.group,
        "label": clean(choice.label),
        "chosen": choice.chosen is True,
        "declined": choice.chosen is False,
        "undecided": choice.chosen is None,
        "explanation": clean(choice.explanation),
    }


def _origin(origin: ParticipantOrigin) -> dict[str, Any]:
    return {
        "street": clean(origin.address.street),
        "postcode": clean(origin.address.postcode),
        "municipality": clean(origin.address.municipality),
        "count": origin.count,
        "placed": origin.is_placed,
    }


def _partner(partner: Partner) -> dict[str, Any]:
    return {
        "number": partner.number,
        "name": clean(partner.name),
        "kind": clean(partner.kind),
        "address": clean(partner.address.one_line()),
        "known": partner.known is True,
        "used": partner.used is True,
        "contact": clean(partner.contact),
        "remark": clean(partner.remark),
        "placed": partner.is_placed,
    }


def _not_placed(record: Placed) -> dict[str, Any]:
    if isinstance(record, Partner):
        name, source = f"{record.number}. {record.name}", record.source
    elif isinstance(record, Organisation):
        name, source = record.name, record.source
    elif isinstance(record, ParticipantOrigin):
        name, source = record.address.one_line(), record.source
    else:
        raise TypeError(f"unexpected record on the map: {record!r}")
    return {"name": clean(name), "sheet": source.sheet, "row": source.row}


def _stickers(templates: Templates) -> list[dict[str, str]]:
    """The poster's sticker key, from the house style, so sheet and poster name the same colours."""
    house_style = templates.toml(HOUSE_STYLE)
    return [
        {
            "key": str(sticker["key"]),
            "colour_name": str(sticker["colour_name"]),
            "question": str(sticker["question"]),
            "colour": str(sticker["colour"]).lstrip("#").upper(),
        }
        for sticker in house_style.get("stickers", [])
    ]
