"""The poster as a PDF: one page template filled by the drawing functions, plus its preview."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
from reportlab import rl_config
from reportlab.pdfgen.canvas import Canvas

from generator.errors import OutputError
from generator.i18n import _
from generator.map.basemap import BaseMap
from generator.model import Team
from generator.options import PackOptions
from generator.poster.layout import PosterLayout, make_layout
from generator.poster.legend import LegendPlan, draw_legend, on_companion_sheet, plan_legend
from generator.poster.mapdraw import draw_map
from generator.poster.mapplan import MapPlan, plan_map
from generator.poster.panels import (
    KEY_FACTORS,
    draw_header,
    draw_key,
    draw_panel,
    key_builder,
    partners_off_map,
    title_lines,
)
from generator.poster.style import PosterStyle
from generator.poster.text import height_of
from generator.privacy import ParticipantSummary, summarise_participants

PREVIEW_HEIGHT_PX = 1200


@dataclass(frozen=True)
class Poster:
    """Everything one poster shows, worked out before a single mark is drawn."""

    team: Team
    base: BaseMap
    options: PackOptions
    style: PosterStyle
    layout: PosterLayout
    plan: MapPlan
    participants: ParticipantSummary
    legend: LegendPlan

    @property
    def file_name(self) -> str:
        return f"poster-{self.options.paper}.pdf"

    @property
    def partners_on_companion_sheet(self) -> bool:
        """Whether the partner list is printed on its own sheet beside the poster."""
        return on_companion_sheet(self.team, self.legend)


def layout_for(team: Team, options: PackOptions, style: PosterStyle) -> PosterLayout:
    """The page for this team: a header with room for its name at the title's smallest size."""
    layout = make_layout(options.paper, options.landscape, style)
    lines = title_lines(team, layout, style)
    return layout if lines == 1 else make_layout(options.paper, options.landscape, style, lines)


def prepare_poster(team: Team, base: BaseMap, options: PackOptions, style: PosterStyle) -> Poster:
    layout = layout_for(team, options, style)
    participants = summarise_participants(team.participants, options.min_count)
    plan = plan_map(team, base, participants, layout, style)
    key = key_builder(team, plan, participants, options.min_count, layout, style)
    layout = layout.with_key_wide_enough(lambda width: height_of(key(KEY_FACTORS[-1]), width))
    key_height = height_of(key(KEY_FACTORS[-1]), layout.key.width)
    legend = plan_legend(team, partners_off_map(team, plan), key_height, layout, style)
    return Poster(
        team=team,
        base=base,
        options=options,
        style=style,
        layout=layout.with_text_heights(legend.height, key_height),
        plan=plan,
        participants=participants,
        legend=legend,
    )


def new_canvas(path: Path, page: tuple[float, float], style: PosterStyle, title: str) -> Canvas:
    """A canvas that writes the same bytes for the same drawing and never uses Helvetica."""
    rl_config.useA85 = 0  # binary streams: a quarter smaller than ASCII85
    canvas = Canvas(
        str(path),
        pagesize=page,
        invariant=1,
        pageCompression=1,
        initialFontName=style.fonts.regular,
    )
    canvas.setTitle(title)
    canvas.setCreator("buurtkaart")
    canvas.setAuthor("")
    return canvas


def draw_poster(canvas: Canvas, poster: Poster) -> None:
    layout, style = poster.layout, poster.style
    draw_header(canvas, poster.team, layout, style)
    draw_map(canvas, poster.plan, poster.base, layout, style)
    draw_legend(canvas, poster.team, poster.legend, layout, style)
    key = key_builder(
        poster.team, poster.plan, poster.participants, poster.options.min_count, layout, style
    )
    draw_key(canvas, key, layout)
    draw_panel(canvas, layout, style)


def write_poster_pdf(poster: Poster, path: Path) -> None:
    canvas = new_canvas(path, poster.layout.page, poster.style, _title(poster))
    draw_poster(canvas, poster)
    canvas.showPage()
    save_canvas(canvas, path)


def _title(poster: Poster) -> str:
    organisation = poster.team.organisation
    return " · ".join(part for part in (organisation.name, organisation.site) if part)


def save_canvas(canvas: Canvas, path: Path) -> None:
    try:
        canvas.save()
    except OSError as exc:
        raise OutputError(
            _("cannot write {file}: {reason}").format(file=path, reason=exc.strerror)
        ) from exc


def write_preview(pdf: Path, png: Path, height_px: int = PREVIEW_HEIGHT_PX) -> None:
    """The poster's first page as a PNG, rendered from the PDF itself so it shows what prints."""
    document = pdfium.PdfDocument(str(pdf))
    try:
        page = document[0]
        scale = height_px / page.get_height()
        image = page.render(scale=scale, draw_annots=False).to_pil()
        # optimize=True took four times as long for a file 1.5 % smaller.
        image.convert("RGB").save(png, format="PNG")
    finally:
        document.close()
