"""The poster's wording, sizes, colours and fonts, from templates/poster.toml and huisstijl.toml.

Everything a facilitator may reword or recolour is looked up here by key, so a missing or
mistyped key in an edited template is reported once, with the file and the key to fix.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.lib.colors import Color
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from generator.errors import TemplateError
from generator.i18n import _
from generator.resources import Templates
from generator.templatevalues import colour, section

POSTER_TOML = "poster.toml"
HOUSE_STYLE_TOML = "huisstijl.toml"
FALLBACK_KIND = "Andere"


@dataclass(frozen=True)
class Sticker:
    key: str
    question: str
    colour_name: str
    colour: Color


@dataclass(frozen=True)
class Kind:
    """How a Soort is told on the poster: by its letters; the dark colour only sets it apart."""

    letter: str
    colour: Color


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str


class Wording:
    """One section of poster.toml; ``text`` fills its placeholders or names the missing key."""

    def __init__(self, file: Path, section: str, values: dict[str, Any]) -> None:
        self.file = file
        self.section = section
        self.values = values

    def raw(self, key: str) -> Any:
        try:
            return self.values[key]
        except KeyError as exc:
            raise TemplateError(
                _(
                    "{file}: key '{key}' is missing from section [{section}]; add it or restore "
                    "the file"
                ).format(file=self.file, key=key, section=self.section)
            ) from exc

    def text(self, key: str, **fields: object) -> str:
        template = str(self.raw(key))
        try:
            return template.format(**fields)
        except (KeyError, IndexError, ValueError) as exc:
            raise TemplateError(
                _(
                    "{file}: [{section}] {key} = {value} uses a placeholder buurtkaart does not "
                    "know; allowed: {allowed}"
                ).format(
                    file=self.file,
                    section=self.section,
                    key=key,
                    value=repr(template),
                    allowed=", ".join(sorted(fields)) or _("none"),
                )
            ) from exc

    def texts(self, key: str) -> list[str]:
        return [str(item) for item in self.raw(key)]

    def number(self, key: str) -> float:
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TemplateError(
                _("{file}: [{section}] {key} must be a number, not {value}").format(
                    file=self.file, section=self.section, key=key, value=repr(value)
                )
            )
        return float(value)


@dataclass(frozen=True)
class PosterStyle:
    """House style plus wording; ``scale`` turns A1 sizes into sizes for the chosen paper."""

    templates: Templates
    fonts: Fonts
    primary: Color
    accent: Color
    text_colour: Color
    muted: Color
    panel: Color
    participants: Color  # participants per street on the map: far from every sticker hue
    kinds: dict[str, Kind]
    stickers: tuple[Sticker, ...]
    poster: dict[str, Any]
    poster_file: Path

    def wording(self, section: str) -> Wording:
        values = self.poster.get(section)
        if not isinstance(values, dict):
            raise TemplateError(
                _("{file}: section [{section}] is missing; add it or restore the file").format(
                    file=self.poster_file, section=section
                )
            )
        return Wording(self.poster_file, section, values)

    def size(self, key: str) -> float:
        """A size from [sizes] as written for A1 (points, or millimetres for *_mm keys)."""
        return self.wording("sizes").number(key)

    def kind(self, name: str) -> Kind:
        """The Soort's letter and colour; an unknown Soort is shown as 'Andere'."""
        return self.kinds.get(name) or self.kinds.get(FALLBACK_KIND) or Kind("", self.text_colour)

    def kind_colour(self, name: str) -> Color:
        return self.kind(name).colour

    def kind_letter(self, name: str) -> str:
        return self.kind(name).letter


def load_style(templates: Templates) -> PosterStyle:
    house = templates.toml(HOUSE_STYLE_TOML)
    house_file = templates.path(HOUSE_STYLE_TOML)
    poster = templates.toml(POSTER_TOML)
    palette = section(house_file, house, "colours")
    return PosterStyle(
        templates=templates,
        fonts=_register_fonts(templates, section(house_file, house, "fonts")),
        primary=colour(house_file, palette, "primary", "[colours]"),
        accent=colour(house_file, palette, "accent", "[colours]"),
        text_colour=colour(house_file, palette, "text", "[colours]"),
        muted=colour(house_file, palette, "muted", "[colours]"),
        panel=colour(house_file, palette, "panel", "[colours]"),
        participants=colour(house_file, palette, "participants", "[colours]"),
        kinds={
            name: _kind(house_file, name, raw)
            for name, raw in section(house_file, house, "kinds").items()
        },
        stickers=tuple(_sticker(house_file, raw) for raw in house.get("stickers", [])),
        poster=poster,
        poster_file=templates.path(POSTER_TOML),
    )


def _kind(file: Path, name: str, raw: object) -> Kind:
    if not isinstance(raw, dict) or not str(raw.get("letter", "")).strip():
        raise TemplateError(
            _('{file}: [kinds] "{name}" needs a letter and a colour, like {example}').format(
                file=file,
                name=name,
                example=f'"{name}" = {{ letter = "{name[:1]}", colour = "#2E3440" }}',
            )
        )
    return Kind(
        letter=str(raw["letter"]).strip(), colour=colour(file, raw, "colour", f'[kinds] "{name}"')
    )


def _sticker(file: Path, raw: dict[str, Any]) -> Sticker:
    try:
        return Sticker(
            key=str(raw["key"]),
            question=str(raw["question"]),
            colour_name=str(raw["colour_name"]),
            colour=colour(file, raw, "colour", "[[stickers]]"),
        )
    except KeyError as exc:
        raise TemplateError(
            _(
                "{file}: a [[stickers]] entry lacks {key}; each needs key, question, colour_name "
                "and colour"
            ).format(file=file, key=exc)
        ) from exc


def _register_fonts(templates: Templates, section: dict[str, Any]) -> Fonts:
    regular = _register_font(templates, str(section.get("regular", "")))
    bold = _register_font(templates, str(section.get("bold", "")))
    addMapping(regular, 0, 0, regular)
    addMapping(regular, 1, 0, bold)
    addMapping(regular, 0, 1, regular)
    addMapping(regular, 1, 1, bold)
    return Fonts(regular=regular, bold=bold)


def _register_font(templates: Templates, relative: str) -> str:
    """Register a TTF once per file: the name carries a hash of its path, so overrides differ."""
    path = templates.path(relative)
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:8]
    name = f"{path.stem}-{digest}"
    if name in pdfmetrics.getRegisteredFontNames():
        return name
    try:
        pdfmetrics.registerFont(TTFont(name, str(path)))
    except TTFError as exc:
        raise TemplateError(
            _(
                "{file} is not a usable TrueType font ({reason}); use a .ttf such as DejaVu Sans"
            ).format(file=path, reason=exc)
        ) from exc
    return name
