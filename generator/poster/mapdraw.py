"""Drawing the poster's map from its plan: the base map, then every overlay where the plan put it.

Nothing is placed here (see ``mapplan``): the base map (vector layers and street labels, or
the raster of map tiles) goes under the overlays, the furniture on top.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.colors import Color
from reportlab.pdfbase.pdfdoc import PDFImageXObject
from reportlab.pdfgen.canvas import Canvas

from generator.cartography.drawing import draw_base_layers, draw_street_labels, lines_path
from generator.cartography.mapstyle import load_map_style
from generator.map.basemap import BaseMap
from generator.map.geometry import Rect
from generator.poster.furniture import (
    draw_attribution,
    draw_grid_labels,
    draw_grid_lines,
    draw_north_arrow,
    draw_scale_bar,
)
from generator.poster.layout import PosterLayout
from generator.poster.mapplan import LEADER_DOT, MapPlan, SiteMarker, no_base_map_note
from generator.poster.markers import draw_marker, partner_status
from generator.poster.previous import draw_previous
from generator.poster.scanmarks import draw_scan_marks
from generator.poster.style import PosterStyle

HALO = colors.Color(1, 1, 1, alpha=0.88)
PLAIN_BACKGROUND = colors.HexColor("#EEF1F2")


def draw_map(
    canvas: Canvas,
    plan: MapPlan,
    base: BaseMap,
    layout: PosterLayout,
    style: PosterStyle,
) -> None:
    rect = plan.rect
    canvas.saveState()
    clip = canvas.beginPath()
    clip.rect(rect.x, rect.y, rect.width, rect.height)
    canvas.clipPath(clip, stroke=0, fill=0)
    _draw_background(canvas, plan, base, layout, style)
    draw_grid_lines(canvas, plan.grid, layout)
    _draw_participant_streets(canvas, plan, style)
    _draw_rings(canvas, plan, layout, style)
    draw_previous(canvas, plan.previous, layout, style)
    _draw_participant_tags(canvas, plan, layout, style)
    _draw_partners(canvas, plan, style)
    if plan.site_marker is not None:
        draw_site(canvas, plan.site_marker, layout, style)
    if plan.note is not None:
        _draw_no_base_map_note(canvas, rect, layout, style)
    canvas.restoreState()
    canvas.setStrokeColor(style.text_colour)
    canvas.setLineWidth(layout.points(1.6))
    canvas.rect(rect.x, rect.y, rect.width, rect.height, stroke=1, fill=0)
    draw_grid_labels(canvas, plan.grid, layout, style)
    furniture = plan.furniture
    draw_scale_bar(canvas, furniture.scale_bar, layout, style)
    draw_north_arrow(canvas, furniture.north_arrow, layout, style)
    if furniture.attribution is not None:
        draw_attribution(canvas, furniture.attribution, style)
    draw_scan_marks(canvas, furniture.scan)


def draw_image_file(
    canvas: Canvas, path: Path, x: float, y: float, width: float, height: float
) -> None:
    """Embed an image file as it is (a JPEG is not decoded), once, named after its content.

    ``Canvas.drawImage`` names a file's image after the file's path, and the base map lives
    in a temporary folder: the same map would give different PDF bytes on every run. These
    are drawImage's own steps with a name that only the image decides.
    """
    name = "BaseMap" + hashlib.sha256(path.read_bytes()).hexdigest()[:32]
    document = canvas._doc
    registered = document.getXObjectName(name)
    if document.idToObject.get(registered) is None:
        image = PDFImageXObject(name, str(path))
        image.name = name
        canvas._setXObjects(image)
        document.Reference(image, registered)
        document.addForm(name, image)
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(width, height)
    canvas.doForm(name)
    canvas.restoreState()


def _draw_background(
    canvas: Canvas, plan: MapPlan, base: BaseMap, layout: PosterLayout, style: PosterStyle
) -> None:
    rect = plan.rect
    if base.data is not None:
        map_style = load_map_style(style.templates)
        draw_base_layers(
            canvas,
            base.data,
            plan.frame.projection(plan.view),
            rect,
            map_style,
            paper_scale=layout.scale,
            denominator=plan.furniture.scale_bar.denominator,
            low_ink=base.low_ink,
        )
        draw_street_labels(
            canvas,
            plan.street_labels,
            style.fonts.regular,
            map_style,
            halo=map_style.label_halo(layout.scale),
            low_ink=base.low_ink,
        )
        return
    if base.image is not None:
        draw_image_file(canvas, base.image, rect.x, rect.y, rect.width, rect.height)
        return
    canvas.setFillColor(PLAIN_BACKGROUND)
    canvas.rect(rect.x, rect.y, rect.width, rect.height, stroke=0, fill=1)


def _draw_no_base_map_note(
    canvas: Canvas, rect: Rect, layout: PosterLayout, style: PosterStyle
) -> None:
    box, title, hint = no_base_map_note(rect, layout, style)
    pad = layout.millimetres(5)
    canvas.setFillColor(colors.white)
    canvas.setStrokeColor(style.accent)
    canvas.setLineWidth(layout.points(2))
    canvas.roundRect(box.x, box.y, box.width, box.height, pad, 1, 1)
    title.drawOn(canvas, box.x + pad, box.top - pad - title.height)
    hint.drawOn(canvas, box.x + pad, box.y + pad)


def _draw_rings(canvas: Canvas, plan: MapPlan, layout: PosterLayout, style: PosterStyle) -> None:
    if plan.site is None:
        return
    x, y = plan.site
    size = layout.points(style.size("small"))
    for ring in plan.rings:
        canvas.setStrokeColor(colors.white)
        canvas.setLineWidth(layout.points(6))
        canvas.setDash()
        canvas.circle(x, y, ring.radius, stroke=1, fill=0)
        canvas.setStrokeColor(style.primary)
        canvas.setLineWidth(layout.points(3))
        canvas.setDash(layout.points(14), layout.points(7))
        canvas.circle(x, y, ring.radius, stroke=1, fill=0)
        canvas.setDash()
    for ring in plan.rings:
        tag = ring.tag
        if tag is None:
            continue
        canvas.setFillColor(colors.white)
        canvas.setStrokeColor(style.primary)
        canvas.setLineWidth(layout.points(2))
        canvas.roundRect(tag.x, tag.y, tag.width, tag.height, tag.height / 3, 1, 1)
        canvas.setFillColor(style.primary)
        canvas.setFont(style.fonts.bold, size)
        middle = tag.y + tag.height / 2
        canvas.drawCentredString(tag.x + tag.width / 2, middle - size * 0.36, ring.label)


def participant_tint(style: PosterStyle) -> Color:
    """The participants' colour, half see-through, so the street stays visible under it."""
    colour = style.participants
    return colors.Color(colour.red, colour.green, colour.blue, alpha=0.55)


def _draw_participant_streets(canvas: Canvas, plan: MapPlan, style: PosterStyle) -> None:
    canvas.saveState()
    canvas.setLineCap(1)
    canvas.setLineJoin(1)
    canvas.setStrokeColor(participant_tint(style))
    for mark in plan.participants:
        if not mark.lines:
            continue
        canvas.setLineWidth(mark.width)
        canvas.drawPath(lines_path(canvas, mark.lines), stroke=1, fill=0)
    canvas.restoreState()


def _draw_participant_tags(
    canvas: Canvas, plan: MapPlan, layout: PosterLayout, style: PosterStyle
) -> None:
    for mark in plan.participants:
        tag = mark.tag
        canvas.saveState()
        nearest = (min(max(mark.x, tag.x), tag.right), min(max(mark.y, tag.y), tag.top))
        canvas.setStrokeColor(style.participants)
        canvas.setLineWidth(layout.points(2))
        canvas.line(mark.x, mark.y, *nearest)  # a leader where the tag stands off its street
        canvas.setFillColor(style.participants)
        canvas.circle(mark.x, mark.y, layout.points(5), stroke=0, fill=1)
        canvas.setFillColor(colors.white)
        if mark.merged:
            canvas.setDash(layout.points(6), layout.points(4))
        canvas.roundRect(tag.x, tag.y, tag.width, tag.height, tag.height / 4, 1, 1)
        canvas.setDash()
        canvas.setFillColor(style.text_colour)
        canvas.setFont(style.fonts.bold, mark.size)
        middle = tag.y + tag.height / 2
        canvas.drawCentredString(tag.x + tag.width / 2, middle - mark.size * 0.36, mark.text)
        canvas.restoreState()


def draw_participant_symbol(
    canvas: Canvas,
    x: float,
    y: float,
    length: float,
    merged: bool,
    layout: PosterLayout,
    style: PosterStyle,
) -> None:
    """The key's sample: a tinted street, or the dashed tag of a postcode's streets."""
    canvas.saveState()
    if merged:
        height = length * 0.45
        canvas.setFillColor(colors.white)
        canvas.setStrokeColor(style.participants)
        canvas.setLineWidth(layout.points(2))
        canvas.setDash(layout.points(6), layout.points(4))
        canvas.roundRect(x - length / 2, y - height / 2, length, height, height / 4, 1, 1)
    else:
        canvas.setLineCap(1)
        canvas.setStrokeColor(participant_tint(style))
        canvas.setLineWidth(layout.millimetres(style.size("participant_line_max_mm")) * 0.7)
        canvas.line(x - length / 2, y, x + length / 2, y)
    canvas.restoreState()


def _draw_partners(canvas: Canvas, plan: MapPlan, style: PosterStyle) -> None:
    dot = plan.marker_diameter * LEADER_DOT
    for placed in plan.partners:
        colour = style.kind_colour(placed.partner.kind)
        if placed.drawn_xy != placed.true_xy:
            canvas.setStrokeColor(style.text_colour)
            canvas.setLineWidth(dot * 0.35)
            canvas.line(*placed.true_xy, *placed.drawn_xy)
            canvas.setFillColor(colour)
            canvas.setStrokeColor(colors.white)
            canvas.circle(*placed.true_xy, dot, stroke=1, fill=1)
    for placed in plan.partners:
        draw_marker(
            canvas,
            *placed.drawn_xy,
            plan.marker_diameter,
            style.kind_colour(placed.partner.kind),
            partner_status(placed.partner),
            str(placed.partner.number),
            style.fonts.bold,
            style.kind_letter(placed.partner.kind),
        )


def draw_site(canvas: Canvas, marker: SiteMarker, layout: PosterLayout, style: PosterStyle) -> None:
    x, head_y, radius = marker.x, marker.head_y, marker.head_radius
    tangent = math.degrees(math.acos(radius / (head_y - marker.y)))
    canvas.saveState()
    canvas.setFillColor(style.primary)
    canvas.setStrokeColor(colors.white)
    canvas.setLineWidth(layout.points(3))
    canvas.setLineJoin(1)
    pin = canvas.beginPath()
    pin.moveTo(x, marker.y)
    pin.arcTo(
        x - radius, head_y - radius, x + radius, head_y + radius, -90 + tangent, 360 - 2 * tangent
    )
    pin.close()
    canvas.drawPath(pin, stroke=1, fill=1)
    canvas.setFillColor(colors.white)
    canvas.circle(x, head_y, radius * 0.4, stroke=0, fill=1)
    tag = marker.tag
    canvas.setFillColor(style.primary)
    canvas.setLineWidth(layout.points(2))
    canvas.roundRect(tag.x, tag.y, tag.width, tag.height, tag.height / 4, 1, 1)
    canvas.setFillColor(colors.white)
    canvas.setFont(style.fonts.bold, marker.font_size)
    baseline = marker.tag_middle - marker.font_size * 0.36
    canvas.drawString(tag.x + marker.font_size / 2, baseline, marker.label)
    canvas.restoreState()
