"""The placement plan of the poster's map: every mark and label with its box, before drawing.

Partners, the site's pin and tag, participant counts, postcode labels, the walking rings' tags,
the furniture (scale bar, north arrow, attribution) and the base map's street labels are placed
here once, each keeping clear of what was placed before it. ``mapdraw`` only follows the plan,
and tests check the plan without a canvas. All positions go through the base map's ``MapView``,
so marks land on the streets whatever zoom the map stage chose.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph

from generator.cartography import streets_on_page
from generator.cartography.grid import Grid, make_grid
from generator.cartography.mapstyle import load_map_style
from generator.cartography.streetlabels import StreetLabel, plan_street_labels
from generator.map.basemap import BaseMap
from generator.map.geometry import MapView, PageFrame, Rect
from generator.model import LatLon, Partner, Team
from generator.poster.furniture import Furniture, plan_furniture
from generator.poster.layout import PosterLayout
from generator.poster.markers import Obstacle, spread
from generator.poster.style import PosterStyle
from generator.poster.text import para
from generator.privacy import ParticipantSummary

# The site's pin, in parts of its size: the head's radius and the height of its centre
# above the point, which stands on the site.
PIN_HEAD_RADIUS = 0.42
PIN_HEAD_HEIGHT = 0.95


@dataclass(frozen=True)
class PlacedPartner:
    partner: Partner
    true_xy: tuple[float, float]
    drawn_xy: tuple[float, float]


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


@dataclass(frozen=True)
class ParticipantCircle:
    """Participants of one street (or merged per postcode), as a circle with its count."""

    x: float
    y: float
    diameter: float
    count: int
    postcode: str | None  # set where small streets are merged per postcode
    count_size: float  # the count's font size

    @property
    def merged(self) -> bool:
        return self.postcode is not None

    @property
    def count_box(self) -> Rect:
        size = self.count_size
        width = size * (0.2 + 0.6 * len(str(self.count)))
        return Rect(self.x - width / 2, self.y - size * 0.45, width, size * 0.9)


@dataclass(frozen=True)
class RingTag:
    """A walking ring around the site and, where one fits, the tag with its minutes."""

    minutes: int
    radius: float
    label: str
    tag: Rect | None


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

    @property
    def pin_box(self) -> Rect:
        radius = self.head_radius * 1.1
        return Rect(self.x - radius, self.y, 2 * radius, self.head_y + radius - self.y)


@dataclass(frozen=True)
class MapPlan:
    """Where everything on the map goes, worked out before drawing."""

    view: MapView
    frame: PageFrame
    rect: Rect
    grid: Grid
    partners: tuple[PlacedPartner, ...]
    outside: tuple[Partner, ...]  # placed, but beyond the edge of the map
    site: tuple[float, float] | None
    marker_diameter: float
    site_size: float
    site_marker: SiteMarker | None
    circles: tuple[ParticipantCircle, ...]
    postcode_labels: tuple[MapLabel, ...]
    rings: tuple[RingTag, ...]
    furniture: Furniture
    note: Rect | None  # the "no base map" note
    street_labels: tuple[StreetLabel, ...]

    def overlay_boxes(self) -> list[Rect]:
        """The box of every overlay the street labels and each other keep clear of."""
        radius = self.marker_diameter / 2
        boxes = [
            Rect(x - radius, y - radius, 2 * radius, 2 * radius)
            for x, y in (placed.drawn_xy for placed in self.partners)
        ]
        boxes.extend(circle.count_box for circle in self.circles)
        boxes.extend(label.box for label in self.postcode_labels)
        boxes.extend(ring.tag for ring in self.rings if ring.tag is not None)
        if self.site_marker is not None:
            boxes.extend((self.site_marker.tag, self.site_marker.pin_box))
        boxes.extend(self.furniture.boxes)
        if self.note is not None:
            boxes.append(self.note)
        return boxes


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
    circles = _participant_circles(participants, view, frame, layout, style)
    labels = _postcode_labels(circles, layout, style, site, site_size)
    furniture = plan_furniture(rect, view, frame, base.attribution, layout, style)
    note = no_base_map_note(rect, layout, style)[0] if base.is_blank else None
    fixed = [*furniture.boxes, *([] if note is None else [note])]
    marker = None
    if site is not None:
        avoid = [
            *(_circle_of(circle.count_box) for circle in circles),
            *(circle for label in labels for circle in label.obstacles()),
        ]
        marker = site_marker(site, site_size, layout, style, avoid, rect)
    true_points = [frame.place(view, _at(partner)) for partner in inside]
    obstacles = [
        *([] if marker is None else marker.obstacles()),
        *(_circle_of(circle.count_box) for circle in circles),
        *(circle for box in fixed for circle in _circles_over(box)),
    ]
    drawn = spread(true_points, diameter / 2, obstacles, (rect.x, rect.y, rect.right, rect.top))
    placed = tuple(
        PlacedPartner(partner, true_xy, drawn_xy)
        for partner, true_xy, drawn_xy in zip(inside, true_points, drawn, strict=True)
    )
    plan = MapPlan(
        view=view,
        frame=frame,
        rect=rect,
        grid=make_grid(rect, layout.millimetres(style.size("grid_cell_mm"))),
        partners=placed,
        outside=tuple(outside),
        site=site,
        marker_diameter=diameter,
        site_size=site_size,
        site_marker=marker,
        circles=circles,
        postcode_labels=labels,
        rings=(),
        furniture=furniture,
        note=note,
        street_labels=(),
    )
    rings = _ring_tags(plan, layout, style)
    plan = _with(plan, rings=rings)
    return _with(plan, street_labels=_street_labels(base, plan, layout, style))


def _with(plan: MapPlan, **changes: object) -> MapPlan:
    return dataclasses.replace(plan, **changes)  # type: ignore[arg-type]


def _circle_of(box: Rect) -> Obstacle:
    return Obstacle(box.x + box.width / 2, box.y + box.height / 2, max(box.width, box.height) / 2)


def _circles_over(box: Rect) -> list[Obstacle]:
    """Circles that together cover a box, for the marker spreading to keep clear of it."""
    radius = min(box.width, box.height) / 2 * math.sqrt(2)
    steps_x = max(1, math.ceil(box.width / (radius * 1.2)))
    steps_y = max(1, math.ceil(box.height / (radius * 1.2)))
    return [
        Obstacle(
            box.x + box.width * (i + 0.5) / steps_x,
            box.y + box.height * (j + 0.5) / steps_y,
            radius,
        )
        for i in range(steps_x)
        for j in range(steps_y)
    ]


def count_size(diameter: float, layout: PosterLayout) -> float:
    """The font size of the count in a participant circle of this diameter."""
    return max(diameter * 0.36, layout.points(14))


def participant_diameter(
    count: int, largest: int, layout: PosterLayout, style: PosterStyle
) -> float:
    """Area in proportion to the count, never smaller than a readable number."""
    biggest = layout.millimetres(style.size("participant_max_diameter_mm"))
    smallest = layout.millimetres(style.size("participant_min_diameter_mm"))
    return max(smallest, biggest * math.sqrt(count / max(largest, 1)))


def _participant_circles(
    participants: ParticipantSummary,
    view: MapView,
    frame: PageFrame,
    layout: PosterLayout,
    style: PosterStyle,
) -> tuple[ParticipantCircle, ...]:
    largest = max((circle.count for circle in participants.circles), default=1)
    placed = []
    for circle in participants.circles:
        if view.contains(circle.location):
            x, y = frame.place(view, circle.location)
            diameter = participant_diameter(circle.count, largest, layout, style)
            placed.append(
                ParticipantCircle(
                    x, y, diameter, circle.count, circle.postcode, count_size(diameter, layout)
                )
            )
    return tuple(placed)


def _postcode_labels(
    circles: tuple[ParticipantCircle, ...],
    layout: PosterLayout,
    style: PosterStyle,
    site: tuple[float, float] | None,
    site_size: float,
) -> tuple[MapLabel, ...]:
    """The 'postcode samen' labels: under their circle, else over it or a little aside, where
    the site's pin (drawn last) does not hide them."""
    size = layout.points(style.size("small"))
    pin = [] if site is None else pin_obstacles(site, site_size)
    labels = []
    for circle in circles:
        if circle.postcode is None:
            continue
        text = postcode_label(circle.postcode, style)
        width = stringWidth(text, style.fonts.regular, size)
        radius = circle.diameter / 2
        places = [
            MapLabel(circle.x + shift * width, circle.y + rise, text, size, width)
            for shift in (0.0, -0.5, 0.5, -1.0, 1.0)
            for rise in (-radius - size * 1.2, radius + size * 0.45)  # under, over the circle
        ]
        clear = (place for place in places if not _meets_any(pin, place.box))
        labels.append(next(clear, places[0]))
    return tuple(labels)


def _meets_any(circles: list[Obstacle], rect: Rect) -> bool:
    return any(circle_meets_rect(circle, rect) for circle in circles)


def circle_meets_rect(circle: Obstacle, rect: Rect) -> bool:
    nearest_x = min(max(circle.x, rect.x), rect.right)
    nearest_y = min(max(circle.y, rect.y), rect.top)
    return math.hypot(circle.x - nearest_x, circle.y - nearest_y) < circle.radius


def postcode_label(postcode: str, style: PosterStyle) -> str:
    return style.wording("map").text("participants_postcode", postcode=postcode)


def _at(partner: Partner) -> LatLon:
    if partner.coordinates is None:
        raise ValueError(f"partner {partner.number} has no coordinates")
    return partner.coordinates


def pin_obstacles(site: tuple[float, float], size: float) -> list[Obstacle]:
    """Circles covering the pin drawn for a site marker of this size: its head and its point."""
    x, y = site
    return [
        Obstacle(x, y + size * PIN_HEAD_HEIGHT, size * PIN_HEAD_RADIUS * 1.1),
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
    hidden = sum(1 for obstacle in avoid if circle_meets_rect(obstacle, tag))
    return hidden + (100 if off_map else 0)


def _ring_tags(plan: MapPlan, layout: PosterLayout, style: PosterStyle) -> tuple[RingTag, ...]:
    """Each walking ring's minutes in a tag on the ring, at the first angle (from 60 degrees
    round) where the tag is on the map and hides nothing placed so far."""
    if plan.site is None:
        return ()
    walking = style.wording("walking")
    speed = walking.number("metres_per_minute")
    per_metre = plan.frame.points_per_metre(plan.view)
    x, y = plan.site
    size = layout.points(style.size("small"))
    rect = plan.rect
    taken = plan.overlay_boxes()
    rings = []
    for minutes in walking.raw("minutes"):
        radius = float(minutes) * speed * per_metre
        label = walking.text("ring_label", minutes=minutes)
        width = stringWidth(label, style.fonts.bold, size) + size
        height = size * 1.5
        tag = None
        for angle in sorted(range(0, 360, 10), key=lambda a: (abs(a - 60), a)):
            lx = x + radius * math.cos(math.radians(angle))
            ly = y + radius * math.sin(math.radians(angle))
            candidate = Rect(lx - width / 2, ly - height / 2, width, height)
            on_map = (
                rect.x + width < lx < rect.right - width
                and rect.y + height < ly < rect.top - height
            )
            if on_map and not any(candidate.meets(other) for other in taken):
                tag = candidate
                taken.append(candidate)
                break
        rings.append(RingTag(int(minutes), radius, label, tag))
    return tuple(rings)


def _street_labels(
    base: BaseMap, plan: MapPlan, layout: PosterLayout, style: PosterStyle
) -> tuple[StreetLabel, ...]:
    """Street names of a vector base map, clear of every overlay placed before them."""
    if base.data is None:
        return ()
    font = style.fonts.regular
    rules = load_map_style(style.templates).label_rules(
        layout.scale, lambda text, size: stringWidth(text, font, size)
    )
    streets = streets_on_page(base.data, plan.frame.projection(plan.view))
    return plan_street_labels(streets, rules, plan.rect, plan.overlay_boxes())


def no_base_map_note(
    rect: Rect, layout: PosterLayout, style: PosterStyle
) -> tuple[Rect, Paragraph, Paragraph]:
    """The note on a map without a base map: a tag along the top edge, clear of the site."""
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
