"""The map on the poster: the base map raster and every overlay drawn as vectors on top of it.

All positions go through ``PageFrame.place`` with the base map's ``MapView``, so markers, rings
and circles land on the raster's streets whatever zoom the map stage chose.
"""

from __future__ import annotations

import hashlib
import math
import string
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.colors import Color
from reportlab.pdfbase.pdfdoc import PDFImageXObject
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from generator.map.basemap import BaseMap
from generator.map.geometry import MapView, PageFrame
from generator.model import LatLon, Partner, Team
from generator.poster.layout import PosterLayout, Rect
from generator.poster.markers import Obstacle, draw_marker, partner_status, spread
from generator.poster.privacy import ParticipantSummary
from generator.poster.style import PosterStyle
from generator.poster.text import para

HALO = colors.Color(1, 1, 1, alpha=0.88)
# The site's pin, in parts of its size: the head's radius and the height of its centre
# above the point, which stands on the site.
PIN_HEAD_RADIUS = 0.42
PIN_HEAD_HEIGHT = 0.95
GRID_LINE = colors.Color(0.13, 0.13, 0.13, alpha=0.35)
PLAIN_BACKGROUND = colors.HexColor("#EEF1F2")


@dataclass(frozen=True)
class PlacedPartner:
    partner: Partner
    true_xy: tuple[float, float]
    drawn_xy: tuple[float, float]


@dataclass(frozen=True)
class MapPlan:
    """Where everything on the map goes, worked out before drawing."""

    view: MapView
    frame: PageFrame
    rect: Rect
    partners: tuple[PlacedPartner, ...]
    outside: tuple[Partner, ...]  # placed, but beyond the edge of the map
    site: tuple[float, float] | None
    marker_diameter: float
    site_size: float
    site_marker: SiteMarker | None
    postcode_labels: tuple[MapLabel, ...]


@dataclass(frozen=True)
class MapLabel:
    """A few words on a white halo, centred on ``x``, the halo's bottom at ``y``."""

    x: float
    y: float
    text: str
    size: float
    width: float

    @property
    def box(self) -> Rect:
        pad = self.size * 0.25
        return Rect(
            self.x - self.width / 2 - pad, self.y - pad, self.width + 2 * pad, self.size + pad
        )

    def obstacles(self) -> list[Obstacle]:
        """Circles along the label, for the site's tag to keep clear of."""
        middle = self.y + self.size * 0.35
        half = self.width / 2
        return [Obstacle(self.x + offset, middle, self.size * 0.8) for offset in (-half, 0, half)]


def plan_map(
    team: Team,
    base: BaseMap,
    participants: ParticipantSummary,
    layout: PosterLayout,
    style: PosterStyle,
) -> MapPlan:
    rect = layout.map_frame
    frame = rect.as_frame()
    view = base.view
    diameter = layout.millimetres(style.size("marker_diameter_mm"))
    site_size = layout.millimetres(style.size("site_marker_mm"))
    site_point = team.organisation.coordinates
    site = frame.place(view, site_point) if site_point and view.contains(site_point) else None
    inside: list[Partner] = []
    outside: list[Partner] = []
    for partner in team.partners:
        if partner.coordinates is None:
            continue
        (inside if view.contains(partner.coordinates) else outside).append(partner)
    true_points = [frame.place(view, _at(partner)) for partner in inside]
    counts = _count_obstacles(participants, view, frame, layout, style)
    labels = _postcode_labels(participants, view, frame, layout, style, site, site_size)
    marker = None
    if site is not None:
        avoid = [*counts, *(circle for label in labels for circle in label.obstacles())]
        marker = site_marker(site, site_size, layout, style, avoid, rect)
    obstacles = [*([] if marker is None else marker.obstacles()), *counts]
    drawn = spread(true_points, diameter / 2, obstacles, (rect.x, rect.y, rect.right, rect.top))
    placed = tuple(
        PlacedPartner(partner, true_xy, drawn_xy)
        for partner, true_xy, drawn_xy in zip(inside, true_points, drawn, strict=True)
    )
    return MapPlan(
        view, frame, rect, placed, tuple(outside), site, diameter, site_size, marker, labels
    )


def _count_obstacles(
    participants: ParticipantSummary,
    view: MapView,
    frame: PageFrame,
    layout: PosterLayout,
    style: PosterStyle,
) -> list[Obstacle]:
    """The numbers in the participant circles: partner markers move off them, not over them."""
    largest = max((circle.count for circle in participants.circles), default=1)
    obstacles = []
    for circle in participants.circles:
        if view.contains(circle.location):
            x, y = frame.place(view, circle.location)
            size = count_size(participant_diameter(circle.count, largest, layout, style), layout)
            obstacles.append(Obstacle(x, y, size * (0.2 + 0.33 * len(str(circle.count)))))
    return obstacles


def _postcode_labels(
    participants: ParticipantSummary,
    view: MapView,
    frame: PageFrame,
    layout: PosterLayout,
    style: PosterStyle,
    site: tuple[float, float] | None,
    site_size: float,
) -> tuple[MapLabel, ...]:
    """The 'postcode samen' labels: under their circle, else over it or a little aside, where
    the site's pin (drawn last) does not hide them."""
    largest = max((circle.count for circle in participants.circles), default=1)
    size = layout.points(style.size("small"))
    pin = [] if site is None else pin_obstacles(site, site_size)
    labels = []
    for circle in participants.circles:
        if circle.postcode is None or not view.contains(circle.location):
            continue
        x, y = frame.place(view, circle.location)
        radius = participant_diameter(circle.count, largest, layout, style) / 2
        text = postcode_label(circle.postcode, style)
        width = stringWidth(text, style.fonts.regular, size)
        places = [
            MapLabel(x + shift * width, y + rise, text, size, width)
            for shift in (0.0, -0.5, 0.5, -1.0, 1.0)
            for rise in (-radius - size * 1.2, radius + size * 0.45)  # under, over the circle
        ]
        clear = (place for place in places if not _meets_any(pin, place.box))
        labels.append(next(clear, places[0]))
    return tuple(labels)


def _meets_any(circles: list[Obstacle], rect: Rect) -> bool:
    return any(_circle_meets_rect(circle, rect) for circle in circles)


def postcode_label(postcode: str, style: PosterStyle) -> str:
    return style.wording("map").text("participants_postcode", postcode=postcode)


def count_size(diameter: float, layout: PosterLayout) -> float:
    """The font size of the count in a participant circle of this diameter."""
    return max(diameter * 0.36, layout.points(14))


def _at(partner: Partner) -> LatLon:
    if partner.coordinates is None:
        raise ValueError(f"partner {partner.number} has no coordinates")
    return partner.coordinates


def draw_map(
    canvas: Canvas,
    plan: MapPlan,
    base: BaseMap,
    participants: ParticipantSummary,
    layout: PosterLayout,
    style: PosterStyle,
) -> None:
    rect = plan.rect
    canvas.saveState()
    clip = canvas.beginPath()
    clip.rect(rect.x, rect.y, rect.width, rect.height)
    canvas.clipPath(clip, stroke=0, fill=0)
    _draw_background(canvas, base, rect, layout, style)
    _draw_grid_lines(canvas, rect, layout, style)
    _draw_rings(canvas, plan, base, layout, style)
    _draw_participants(canvas, plan, participants, layout, style)
    _draw_partners(canvas, plan, style)
    if plan.site_marker is not None:
        draw_site(canvas, plan.site_marker, layout, style)
    if base.image is None:
        _no_base_map_note(canvas, rect, layout, style)
    canvas.restoreState()
    canvas.setStrokeColor(style.text_colour)
    canvas.setLineWidth(layout.points(1.6))
    canvas.rect(rect.x, rect.y, rect.width, rect.height, stroke=1, fill=0)
    _draw_grid_labels(canvas, rect, layout, style)
    _draw_scale_bar(canvas, plan, layout, style)
    _draw_north_arrow(canvas, rect, layout, style)
    _draw_attribution(canvas, rect, base.attribution, layout, style)


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
    canvas: Canvas, base: BaseMap, rect: Rect, layout: PosterLayout, style: PosterStyle
) -> None:
    if base.image is not None:
        draw_image_file(canvas, base.image, rect.x, rect.y, rect.width, rect.height)
        return
    canvas.setFillColor(PLAIN_BACKGROUND)
    canvas.rect(rect.x, rect.y, rect.width, rect.height, stroke=0, fill=1)


def _note_layout(
    rect: Rect, layout: PosterLayout, style: PosterStyle
) -> tuple[Rect, Paragraph, Paragraph]:
    """The no-tiles note: a tag along the top edge, where it hides no marker near the site."""
    words = style.wording("map")
    width = rect.width * 0.6
    pad = layout.millimetres(5)
    title = para(
        words.text("no_base_map"), style.fonts.bold, layout.points(30), style.accent, "centre"
    )
    hint = para(
        words.text("no_base_map_hint"),
        style.fonts.regular,
        layout.points(20),
        style.text_colour,
        "centre",
    )
    _, title_height = title.wrap(width, rect.height)
    _, hint_height = hint.wrap(width, rect.height)
    height = title_height + hint_height + pad * 2.5
    top = rect.top - layout.millimetres(8)
    box = Rect(rect.x + (rect.width - width) / 2 - pad, top - height, width + 2 * pad, height)
    return box, title, hint


def _no_base_map_note(canvas: Canvas, rect: Rect, layout: PosterLayout, style: PosterStyle) -> None:
    box, title, hint = _note_layout(rect, layout, style)
    pad = layout.millimetres(5)
    canvas.setFillColor(colors.white)
    canvas.setStrokeColor(style.accent)
    canvas.setLineWidth(layout.points(2))
    canvas.roundRect(box.x, box.y, box.width, box.height, pad, 1, 1)
    title.drawOn(canvas, box.x + pad, box.top - pad - title.height)
    hint.drawOn(canvas, box.x + pad, box.y + pad)


def grid_cells(rect: Rect, layout: PosterLayout, style: PosterStyle) -> tuple[int, int]:
    """Columns and rows of the reference grid: near-square cells of about grid_cell_mm."""
    cell = layout.millimetres(style.size("grid_cell_mm"))
    columns = min(26, max(2, round(rect.width / cell)))
    rows = min(99, max(2, round(rect.height / cell)))
    return columns, rows


def _draw_grid_lines(canvas: Canvas, rect: Rect, layout: PosterLayout, style: PosterStyle) -> None:
    columns, rows = grid_cells(rect, layout, style)
    canvas.setStrokeColor(GRID_LINE)
    canvas.setLineWidth(layout.points(1.1))
    for column in range(1, columns):
        x = rect.x + rect.width * column / columns
        canvas.line(x, rect.y, x, rect.top)
    for row in range(1, rows):
        y = rect.top - rect.height * row / rows
        canvas.line(rect.x, y, rect.right, y)


def _draw_grid_labels(canvas: Canvas, rect: Rect, layout: PosterLayout, style: PosterStyle) -> None:
    columns, rows = grid_cells(rect, layout, style)
    size = layout.points(style.size("grid_label"))
    band = layout.grid_band
    canvas.setFillColor(style.muted)
    canvas.setFont(style.fonts.bold, size)
    for column in range(columns):
        letter = string.ascii_uppercase[column]
        x = rect.x + rect.width * (column + 0.5) / columns
        canvas.drawCentredString(x, rect.top + (band - size * 0.72) / 2, letter)
        canvas.drawCentredString(x, rect.y - band + (band - size * 0.72) / 2, letter)
    for row in range(rows):
        y = rect.top - rect.height * (row + 0.5) / rows - size * 0.36
        canvas.drawCentredString(rect.x - band / 2, y, str(row + 1))
        canvas.drawCentredString(rect.right + band / 2, y, str(row + 1))


def _reserved(rect: Rect, base: BaseMap, layout: PosterLayout, style: PosterStyle) -> list[Rect]:
    """Parts of the map that ring labels keep clear of: north arrow, scale bar and
    attribution along the bottom, and the note on a map without tiles."""
    corner = layout.millimetres(28)
    reserved = [
        Rect(rect.right - corner, rect.top - corner, corner, corner),
        Rect(rect.x, rect.y, rect.width, layout.millimetres(26)),
    ]
    if base.image is None:
        reserved.append(_note_layout(rect, layout, style)[0])
    return reserved


def _overlaps(a: Rect, b: Rect) -> bool:
    return a.x < b.right and b.x < a.right and a.y < b.top and b.y < a.top


def _draw_rings(
    canvas: Canvas, plan: MapPlan, base: BaseMap, layout: PosterLayout, style: PosterStyle
) -> None:
    if plan.site is None:
        return
    walking = style.wording("walking")
    speed = walking.number("metres_per_minute")
    per_metre = plan.frame.points_per_metre(plan.view)
    x, y = plan.site
    size = layout.points(style.size("small"))
    reserved = _reserved(plan.rect, base, layout, style)
    for minutes in walking.raw("minutes"):
        radius = float(minutes) * speed * per_metre
        canvas.setStrokeColor(colors.white)
        canvas.setLineWidth(layout.points(6))
        canvas.setDash()
        canvas.circle(x, y, radius, stroke=1, fill=0)
        canvas.setStrokeColor(style.primary)
        canvas.setLineWidth(layout.points(3))
        canvas.setDash(layout.points(14), layout.points(7))
        canvas.circle(x, y, radius, stroke=1, fill=0)
        canvas.setDash()
        label = walking.text("ring_label", minutes=minutes)
        _ring_label(canvas, plan.rect, reserved, x, y, radius, label, size, layout, style)


def _ring_label(
    canvas: Canvas,
    rect: Rect,
    reserved: list[Rect],
    x: float,
    y: float,
    radius: float,
    label: str,
    size: float,
    layout: PosterLayout,
    style: PosterStyle,
) -> None:
    """The ring's minutes in a white tag on the ring, at the first angle that is on the map."""
    width = canvas.stringWidth(label, style.fonts.bold, size) + size
    height = size * 1.5
    for angle in sorted(range(0, 360, 10), key=lambda candidate: (abs(candidate - 60), candidate)):
        lx = x + radius * math.cos(math.radians(angle))
        ly = y + radius * math.sin(math.radians(angle))
        tag = Rect(lx - width / 2, ly - height / 2, width, height)
        on_map = (
            rect.x + width < lx < rect.right - width and rect.y + height < ly < rect.top - height
        )
        if on_map and not any(_overlaps(tag, other) for other in reserved):
            canvas.setFillColor(colors.white)
            canvas.setStrokeColor(style.primary)
            canvas.setLineWidth(layout.points(2))
            canvas.roundRect(lx - width / 2, ly - height / 2, width, height, height / 3, 1, 1)
            canvas.setFillColor(style.primary)
            canvas.setFont(style.fonts.bold, size)
            canvas.drawCentredString(lx, ly - size * 0.36, label)
            return


def participant_diameter(
    count: int, largest: int, layout: PosterLayout, style: PosterStyle
) -> float:
    """Area in proportion to the count, never smaller than a readable number."""
    biggest = layout.millimetres(style.size("participant_max_diameter_mm"))
    smallest = layout.millimetres(style.size("participant_min_diameter_mm"))
    return max(smallest, biggest * math.sqrt(count / max(largest, 1)))


def participant_colour(style: PosterStyle) -> Color:
    """The 'where do participants come from' sticker's colour, so circles and stickers agree."""
    sticker = next((item for item in style.stickers if item.key == "origins"), None)
    return sticker.colour if sticker is not None else style.accent


def draw_participant_circle(
    canvas: Canvas,
    x: float,
    y: float,
    diameter: float,
    count: int,
    merged: bool,
    layout: PosterLayout,
    style: PosterStyle,
) -> None:
    colour = participant_colour(style)
    canvas.saveState()
    canvas.setFillColor(colors.Color(colour.red, colour.green, colour.blue, alpha=0.55))
    canvas.setStrokeColor(style.text_colour)
    canvas.setLineWidth(layout.points(1.8))
    if merged:
        canvas.setDash(layout.points(6), layout.points(4))
    canvas.circle(x, y, diameter / 2, stroke=1, fill=1)
    size = count_size(diameter, layout)
    canvas.setFillColor(style.text_colour)
    canvas.setFont(style.fonts.bold, size)
    canvas.drawCentredString(x, y - size * 0.36, str(count))
    canvas.restoreState()


def _draw_participants(
    canvas: Canvas,
    plan: MapPlan,
    summary: ParticipantSummary,
    layout: PosterLayout,
    style: PosterStyle,
) -> None:
    largest = max((circle.count for circle in summary.circles), default=1)
    for circle in summary.circles:
        if not plan.view.contains(circle.location):
            continue
        x, y = plan.frame.place(plan.view, circle.location)
        diameter = participant_diameter(circle.count, largest, layout, style)
        draw_participant_circle(
            canvas, x, y, diameter, circle.count, circle.postcode is not None, layout, style
        )
    for label in plan.postcode_labels:
        _draw_label(canvas, label, style)


def _draw_label(canvas: Canvas, label: MapLabel, style: PosterStyle) -> None:
    box = label.box
    canvas.setFillColor(HALO)
    canvas.roundRect(box.x, box.y, box.width, box.height, label.size * 0.25, 0, 1)
    canvas.setFillColor(style.text_colour)
    canvas.setFont(style.fonts.regular, label.size)
    canvas.drawCentredString(label.x, label.y + label.size * 0.12, label.text)


def _draw_partners(canvas: Canvas, plan: MapPlan, style: PosterStyle) -> None:
    dot = plan.marker_diameter * 0.16
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
        )


@dataclass(frozen=True)
class SiteMarker:
    """The site's pin (tip on the site) and its 'Wij zijn hier' tag beside or above the head."""

    x: float
    y: float
    size: float
    head_radius: float
    head_y: float
    tag: Rect
    font_size: float
    label: str

    def obstacles(self) -> list[Obstacle]:
        """Circles covering pin and tag, for partner markers to keep clear of."""
        radius = self.tag.height / 2
        along = pin_obstacles((self.x, self.y), self.size)
        steps = max(1, math.ceil(self.tag.width / radius))
        along.extend(
            Obstacle(self.tag.x + self.tag.width * index / steps, self.tag_middle, radius)
            for index in range(steps + 1)
        )
        return along

    @property
    def tag_middle(self) -> float:
        return self.tag.y + self.tag.height / 2


def pin_obstacles(site: tuple[float, float], size: float) -> list[Obstacle]:
    """Circles covering the pin drawn for a site marker of this size: its head and its point."""
    x, y = site
    return [
        Obstacle(x, y + size * 0.95, size * 0.42 * 1.1),
        Obstacle(x, y + size * 0.35, size * 0.3),
    ]


def site_marker(
    site: tuple[float, float],
    size: float,
    layout: PosterLayout,
    style: PosterStyle,
    avoid: list[Obstacle] | None = None,
    bounds: Rect | None = None,
) -> SiteMarker:
    """The pin, with its tag right of the head; left, above or below when that hides fewer
    participant counts and postcode labels (``avoid``) or keeps the tag on the map."""
    x, y = site
    head_radius = size * PIN_HEAD_RADIUS
    head_y = y + size * PIN_HEAD_HEIGHT
    label = style.wording("map").text("site_marker")
    font_size = layout.points(style.size("body")) * 1.1
    width = stringWidth(label, style.fonts.bold, font_size) + font_size
    height = font_size * 1.6
    places = (
        Rect(x + head_radius * 1.3, head_y - height / 2, width, height),  # right: the usual
        Rect(x - head_radius * 1.3 - width, head_y - height / 2, width, height),
        Rect(x - width / 2, head_y + head_radius * 1.3, width, height),
        Rect(x - width / 2, y - height * 1.2, width, height),
    )
    tag = min(places, key=lambda rect: _tag_cost(rect, avoid or [], bounds))
    return SiteMarker(x, y, size, head_radius, head_y, tag, font_size, label)


def _tag_cost(tag: Rect, avoid: list[Obstacle], bounds: Rect | None) -> int:
    """How much a tag here would hide: off the map counts most, then each covered item."""
    off_map = bounds is not None and (
        tag.x < bounds.x or tag.right > bounds.right or tag.y < bounds.y or tag.top > bounds.top
    )
    hidden = sum(1 for obstacle in avoid if _circle_meets_rect(obstacle, tag))
    return hidden + (100 if off_map else 0)


def _circle_meets_rect(circle: Obstacle, rect: Rect) -> bool:
    nearest_x = min(max(circle.x, rect.x), rect.right)
    nearest_y = min(max(circle.y, rect.y), rect.top)
    return math.hypot(circle.x - nearest_x, circle.y - nearest_y) < circle.radius


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


def nice_length(metres: float) -> float:
    """The largest 1, 2 or 5 times a power of ten that is not longer than ``metres``."""
    power = 10 ** math.floor(math.log10(metres))
    return float(max(step * power for step in (1, 2, 5) if step * power <= metres))


def format_metres(value: float, style: PosterStyle) -> str:
    words = style.wording("map")
    if value >= 1000:
        kilometres = f"{value / 1000:g}".replace(".", ",")
        return words.text("kilometres", value=kilometres)
    return words.text("metres", value=f"{value:g}")


def format_denominator(denominator: float) -> str:
    """1:N rounded as on printed maps, with Dutch thousands dots: 4.400, 12.000."""
    step = 100 if denominator < 20000 else 1000
    rounded = round(denominator / step) * step or round(denominator)
    return f"{rounded:,}".replace(",", ".")


def _draw_scale_bar(
    canvas: Canvas, plan: MapPlan, layout: PosterLayout, style: PosterStyle
) -> None:
    per_metre = plan.frame.points_per_metre(plan.view)
    metres = nice_length(plan.rect.width * 0.22 / per_metre)
    length = metres * per_metre
    size = layout.points(style.size("small"))
    pad = layout.millimetres(4)
    bar_height = layout.millimetres(3.2)
    box_width = length + 2 * pad + size * 2
    box_height = pad * 2 + size * 2.6 + bar_height
    left = plan.rect.x + layout.millimetres(5)
    bottom = plan.rect.y + layout.millimetres(5)
    canvas.setFillColor(HALO)
    canvas.roundRect(left, bottom, box_width, box_height, pad, 0, 1)
    bar_x = left + pad + size * 0.6
    bar_y = bottom + pad + size * 1.3
    segments = 4
    canvas.setStrokeColor(style.text_colour)
    canvas.setLineWidth(layout.points(1))
    for index in range(segments):
        canvas.setFillColor(style.text_colour if index % 2 == 0 else colors.white)
        segment = length / segments
        canvas.rect(bar_x + index * segment, bar_y, segment, bar_height, stroke=1, fill=1)
    canvas.setFillColor(style.text_colour)
    canvas.setFont(style.fonts.regular, size)
    canvas.drawCentredString(bar_x, bar_y - size * 1.1, "0")
    canvas.drawCentredString(
        bar_x + length / 2, bar_y - size * 1.1, format_metres(metres / 2, style)
    )
    canvas.drawCentredString(bar_x + length, bar_y - size * 1.1, format_metres(metres, style))
    denominator = format_denominator(plan.frame.scale_denominator(plan.view))
    canvas.setFont(style.fonts.bold, size)
    scale_text = style.wording("map").text("scale", denominator=denominator)
    canvas.drawString(bar_x, bar_y + bar_height + size * 0.5, scale_text)


def _draw_north_arrow(canvas: Canvas, rect: Rect, layout: PosterLayout, style: PosterStyle) -> None:
    """Web Mercator keeps north straight up, so the arrow always points to the top edge."""
    radius = layout.millimetres(11)
    x = rect.right - radius - layout.millimetres(5)
    y = rect.top - radius - layout.millimetres(5)
    canvas.setFillColor(HALO)
    canvas.circle(x, y, radius, stroke=0, fill=1)
    tip, base_y, half = y + radius * 0.45, y - radius * 0.7, radius * 0.32
    canvas.setStrokeColor(style.text_colour)
    canvas.setLineWidth(layout.points(1.2))
    for side, fill in ((-1, style.text_colour), (1, colors.white)):
        arrow = canvas.beginPath()
        arrow.moveTo(x, tip)
        arrow.lineTo(x + side * half, base_y)
        arrow.lineTo(x, base_y + radius * 0.25)
        arrow.close()
        canvas.setFillColor(fill)
        canvas.drawPath(arrow, stroke=1, fill=1)
    size = layout.points(style.size("small"))
    canvas.setFillColor(style.text_colour)
    canvas.setFont(style.fonts.bold, size)
    canvas.drawCentredString(x, tip + size * 0.1, style.wording("map").text("north"))


def _draw_attribution(
    canvas: Canvas, rect: Rect, attribution: str, layout: PosterLayout, style: PosterStyle
) -> None:
    """The licence notice on a near-opaque tag: legible on any map, at any paper size."""
    if not attribution:
        return
    size = max(layout.points(style.size("attribution")), 7.0)
    text = para(attribution, style.fonts.regular, size, style.text_colour, "right")
    pad = size * 0.45
    max_width = rect.width * 0.5
    natural = canvas.stringWidth(attribution, style.fonts.regular, size) + 1
    width = min(max_width, natural)
    _, height = text.wrap(width, rect.height)
    left = rect.right - width - 2 * pad
    canvas.setFillColor(colors.Color(1, 1, 1, alpha=0.92))
    canvas.rect(left, rect.y, width + 2 * pad, height + 2 * pad, stroke=0, fill=1)
    text.drawOn(canvas, left + pad, rect.y + pad)
