"""The poster's style and the base map's style read template values through one set of checks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.cartography.mapstyle import load_map_style
from generator.errors import TemplateError
from generator.poster.style import load_style
from generator.resources import Templates, default_templates_dir


def edited_house_style(folder: Path, old: str, new: str) -> Templates:
    folder.mkdir(exist_ok=True)
    house = folder / "huisstijl.toml"
    shutil.copy(default_templates_dir() / "huisstijl.toml", house)
    text = house.read_text(encoding="utf-8")
    assert old in text
    house.write_text(text.replace(old, new, 1), encoding="utf-8")
    return Templates(folder)


def test_a_bad_colour_is_named_alike_on_the_poster_and_on_the_base_map(tmp_path: Path) -> None:
    poster = edited_house_style(tmp_path / "poster", 'primary = "#1F5C66"', 'primary = "teal"')
    with pytest.raises(TemplateError) as raised:
        load_style(poster)
    assert raised.value.format_message() == (
        f"{tmp_path / 'poster' / 'huisstijl.toml'}: [colours] kleur 'primary' = 'teal' is geen "
        'kleur zoals "#1F5C66"; verbeter ze of zet het bestand terug'
    )
    basemap = edited_house_style(tmp_path / "map", 'land = "#F6F4EF"', 'land = "grass"')
    with pytest.raises(TemplateError) as raised:
        load_map_style(basemap)
    assert raised.value.format_message() == (
        f"{tmp_path / 'map' / 'huisstijl.toml'}: [basemap] kleur 'land' = 'grass' is geen kleur "
        'zoals "#1F5C66"; verbeter ze of zet het bestand terug'
    )


def test_a_missing_section_is_named_alike_on_the_poster_and_on_the_base_map(
    tmp_path: Path,
) -> None:
    for load, section in ((load_style, "[colours]"), (load_map_style, "[basemap]")):
        folder = tmp_path / section.strip("[]")
        templates = edited_house_style(folder, f"{section}\n", "[elders]\n")
        with pytest.raises(TemplateError) as raised:
            load(templates)
        assert raised.value.format_message() == (
            f"{folder / 'huisstijl.toml'}: de sectie {section} ontbreekt; voeg ze toe of zet het "
            "bestand terug"
        )
