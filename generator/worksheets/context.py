"""What the worksheet templates can use: the team's workbook as plain, template-friendly values.

Every name here is part of the templates' vocabulary (``{{ organisation.name }}``,
``{% for partner in partners %}``), so a facilitator editing a template can rely on it. Wording
stays in the templates; this module only shapes data.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from generator.cartography.grid import GridSquares
from generator.errors import TemplateError
from generator.i18n import _
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
from generator.options import SESSION_MINUTES, PackOptions
from generator.privacy import StreetCount, street_table
from generator.resources import Templates
from generator.workbook.spec import load_spec

HOUSE_STYLE = "huisstijl.toml"
SESSION = "werkbladen/sessie.toml"

# Characters XML 1.0 forbids (Word would refuse the file); tabs and newlines stay.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: str) -> str:
    """Text from a workbook as Word can hold it: one kind of line break, no control characters."""
    return _NOT_IN_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def worksheet_context(
    team: Team, templates: Templates, options: PackOptions, squares: GridSquares | None = None
) -> dict[str, Any]:
    """``squares`` says where on the poster's grid each partner and street lies, if known."""
    squares = squares or GridSquares()
    session = templates.toml(SESSION)
    partners = [_partner(partner, squares) for partner in team.partners]
    # Streets with fewer than --min-count participants are merged per postcode, as on the poster.
    streets = street_table(team.participants, options.min_count)
    small = {id(origin) for origin in team.participants if 0 < origin.count < options.min_count}
    not_placed = [record for record in team.not_placed() if id(record) not in small]
    return {
        "organisation": _organisation(team.organisation, session["months"]),
        "answers": _answers(team, templates),
        "extra_answers": [_answer(answer) for answer in team.answers if answer.key is None],
        "choices": [_choice(choice) for choice in team.choices],
        "participants": [_street(row, squares) for row in streets.rows],
        "participants_total": streets.total,
        "participant_streets": streets.streets,
        "participants_unnamed": streets.hidden,
        "min_count": options.min_count,
        "partners": partners,
        "partners_known": sum(1 for partner in team.partners if partner.known),
        "partners_used": sum(1 for partner in team.partners if partner.used),
        "actions": [
            {name: clean(getattr(action, name)) for name in _ACTION_FIELDS}
            for action in team.actions
        ],
        "stickers": _stickers(templates),
        "previous_stickers": _previous_stickers(team, templates),
        "not_placed": [_not_placed(record) for record in not_placed],
        "not_placed_small": sum(
            1 for origin in team.participants if id(origin) in small and not origin.is_placed
        ),
        "poster": {"paper": options.paper, "tiles": options.print_tiles or ""},
        "session": _session(session, options.session_minutes, templates.path(SESSION)),
        "dots": _dot_stickers(session),
    }


_ACTION_FIELDS = ("step", "activity", "goal", "who", "when", "frequency")


def _organisation(organisation: Organisation, months: list[str]) -> dict[str, Any]:
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
        "date": long_date(session, months) if session else "",
    }


def long_date(day: date, months: list[str]) -> str:
    """A date as the worksheets write it everywhere: 12 maart 2027."""
    return f"{day.day} {months[day.month - 1]} {day.year}"


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


def _street(row: StreetCount, squares: GridSquares) -> dict[str, Any]:
    return {
        "street": clean(row.street),
        "square": squares.streets.get(row.street, "") if row.street else "",
        "merged": not row.street,  # the small streets of one postcode together
        "streets": row.streets,
        "postcode": clean(row.postcode),
        "municipality": clean(row.municipality),
        "count": row.count,
        "placed": row.placed,
    }


def _session(session: dict[str, Any], minutes: int, path: Path) -> dict[str, Any]:
    """The draaiboek of a session of ``minutes``: each step with its clock times from 0:00."""
    if minutes not in SESSION_MINUTES:
        raise ValueError(f"a session lasts {SESSION_MINUTES} minutes, not {minutes}")
    steps = []
    start = 0
    for step in session["session"]["steps"]:
        length = int(step["minutes"].get(str(minutes), 0))
        if length <= 0:
            continue
        steps.append(
            {
                "time": f"{_clock(start)} – {_clock(start + length)}",
                "start": start,
                "minutes": length,
                "what": str(step["what"]),
                "sheet": str(step["sheet"]),
                "material": str(step["material"]),
                "kaartoefening": bool(step.get("kaartoefening", False)),
            }
        )
        start += length
    if start != minutes:
        raise TemplateError(
            _(
                "{file}: the steps of the {minutes}-minute session add up to {total} minutes; "
                "change their 'minutes' so they add up to {minutes}, or delete the file from "
                "your templates folder to use the default"
            ).format(file=path, minutes=minutes, total=start)
        )
    return {
        "minutes": minutes,
        "length": str(session["session"]["lengths"][str(minutes)]),
        "steps": steps,
    }


def _clock(minutes: int) -> str:
    return f"{minutes // 60}:{minutes % 60:02d}"


def _dot_stickers(session: dict[str, Any]) -> dict[str, Any]:
    """How many round stickers of each colour a session needs, for a few group sizes."""
    per_person = int(session["preparation"]["stickers_per_person"])
    return {
        "per_person": per_person,
        "groups": [
            {"people": int(people), "per_colour": int(people) * per_person}
            for people in session["preparation"]["group_sizes"]
        ],
    }


def _partner(partner: Partner, squares: GridSquares) -> dict[str, Any]:
    return {
        "number": partner.number,
        "square": squares.partners.get(partner.number, ""),
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


def _previous_stickers(team: Team, templates: Templates) -> dict[str, Any]:
    """How many stickers the earlier sessions left (the sheet 'Kaartoefening'), per colour in the
    order of the house style; ``total`` is 0 for a team that has not scanned a kaart yet."""
    colours = [
        {
            "colour_name": sticker["colour_name"],
            "question": sticker["question"],
            "count": sum(1 for previous in team.previous_stickers if previous.colour == key),
        }
        for key, sticker in ((s["key"], s) for s in _stickers(templates))
    ]
    return {
        "total": len(team.previous_stickers),
        "colours": [colour for colour in colours if colour["count"]],
    }
