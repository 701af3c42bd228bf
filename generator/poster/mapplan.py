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
from generator.cartography.streetlabels import BoxIndex, StreetLabel, plan_street_labels
from generator.map.basemap import BaseMap
from generator.map.geometry import MapView, PageFrame, Rect
from generator.map.osmdata import Coord
from generator.map.placing import street_key
from generator.model import LatLon, Partner, Team
from generator.poster.furniture import Furniture, plan_furniture
from generator.poster.layout import PosterLayout
from generator.poster.markers import Obstacle, spread
from generator.poster.previous import PreviousMark, plan_previous
from generator.poster.scanmarks import plan_scan_marks
from generator.poster.style import PosterStyle
from generator.poster.text import para
from generator.privacy import ParticipantSummary

# The site's pin, in parts of its size: the head's radius and the height of its centre
# above the point, which stands on the site.
PIN_HEAD_RADIUS = 0.42
PIN_HEAD_HEIGHT = 0.95
Point = tuple[float, float]
LEADER_DOT = 0.16  # a moved partner's true-place dot: its radius, in marker diameters
TAG_RINGS = 12  # how far out a participant tag may go to find a free place, in tag heights


@dataclass(frozen=True)
class PlacedPartner:
    partner: Partner
    true_xy: tuple[float, float]
    drawn_xy: tuple[float, float]


@dataclass(frozen=True)
class ParticipantMark:
    """Participants of one street, or of one postcode's small streets together.

    A street shown on its own is drawn heavier, in the participants' colour, wider for more
    people; its tag says how many with the unit ("14 deelnemers"), so it is never read as a
    partner's number. A postcode's small streets have a tag with a dashed edge at their centre.
    """

    x: float  # where the street (or the postcode's streets) stands on the map
    y: float
    count: int
    postcode: str | None  # set where small streets are merged per postcode
    text: str
    size: float  # font size of the tag
    tag: Rect
    lines: tuple[tuple[Point, ...], ...]  # the street's lines on the page, to tint
    width: float  # the tint's width in points

    @property
    def merged(self) -> bool:
        return self.postcode is not None


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
    participants: tuple[ParticipantMark, ...]
    rings: tuple[RingTag, ...]
    furniture: Furniture
    note: Rect | None  # the "no base map" note
    street_labels: tuple[StreetLabel, ...]
    previous: tuple[PreviousMark, ...] = ()  # stickers of earlier sessions, at their places
    previous_outside: int = 0  # ... and how many of them fall beyond the map's edge

    def overlay_boxes(self) -> list[Rect]:
        """The box of every overlay the street labels and each other keep clear of."""
        radius = self.marker_diameter / 2
        boxes = [
            Rect(x - radius, y - radius, 2 * radius, 2 * radius)
            for x, y in (placed.drawn_xy for placed in self.partners)
        ]
        boxes.extend(mark.tag for mark in self.participants)
        boxes.extend(ring.tag for ring in self.rings if ring.tag is not None)
        if self.site_marker is not None:
            boxes.extend((self.site_marker.tag, self.site_marker.pin_box))
        boxes.extend(self.furniture.boxes)
        if self.note is not None:
            boxes.append(self.note)
        boxes.extend(mark.box for mark in self.previous)
        return boxes

    def leader_boxes(self) -> list[Rect]:
        """Boxes along each moved partner's leader and over the dot at its true place: the
        participants' tags, placed last, keep clear of them so no count hides a true place."""
        dot = self.marker_diameter * LEADER_DOT
        boxes = []
        for placed in self.partners:
            if placed.drawn_xy == placed.true_xy:
                continue
            (x0, y0), (x1, y1) = placed.true_xy, placed.drawn_xy
            steps = max(1, math.ceil(math.dist(placed.true_xy, placed.drawn_xy) / (2 * dot)))
            for step in range(steps):  # the marker itself already has its box
                x, y = x0 + (x1 - x0) * step / steps, y0 + (y1 - y0) * step / steps
                boxes.append(Rect(x - dot, y - dot, 2 * dot, 2 * dot))
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
    scan = plan_scan_marks(team, view, layout)
    furniture = plan_furniture(rect, view, frame, base.attribution, layout, style, scan)
    note = no_base_map_note(rect, layout, style)[0] if base.is_blank else None
    fixed = [*furniture.boxes, *([] if note is None else [note])]
    true_points = [frame.place(view, _at(partner)) for partner in inside]
    marker = None
    if site is not None:
        # The tag goes where it hides least of what the map shows: partners' true places and
        # the places of the participants' streets.
        data = [
            *true_points,
            *(
                frame.place(view, group.location)
                for group in participants.groups
                if view.contains(group.location)
            ),
        ]
        avoid = [Obstacle(x, y, diameter / 2) for x, y in data]
        marker = site_marker(site, site_size, layout, style, avoid, rect)
    site_boxes = [] if marker is None else [marker.tag, marker.pin_box]
    obstacles = [circle for box in [*fixed, *site_boxes] for circle in _circles_over(box)]
    drawn = spread(true_points, diameter / 2, obstacles, (rect.x, rect.y, rect.right, rect.top))
    placed = tuple(
        PlacedPartner(partner, true_xy, drawn_xy)
        for partner, true_xy, drawn_xy in zip(inside, true_points, drawn, strict=True)
    )
    plan = MapPlan(
        view=view,
        frame=frame,
        rect=rect,
        grid=map_grid(layout, style),
        partners=placed,
        outside=tuple(outside),
        site=site,
        marker_diameter=diameter,
        site_size=site_size,
        site_marker=marker,
        participants=(),
        rings=(),
        furniture=furniture,
        note=note,
        street_labels=(),
    )
    # Each layer keeps clear of all placed before it: ring tags, then street names, then the
    # participants' tags, which may stand off their street on a leader. The stickers of
    # earlier sessions come first: they stand where the group put them.
    plan = _with_previous(plan, team, layout, style)
    plan = _with(plan, rings=_ring_tags(plan, layout, style))
    plan = _with(plan, street_labels=_street_labels(base, plan, layout, style))
    taken = BoxIndex()
    for box in [
        *plan.overlay_boxes(),
        *(b for label in plan.street_labels for b in label.boxes),
        *plan.leader_boxes(),
    ]:
        taken.add(box)
    marks = _participant_marks(participants, base, view, frame, layout, style, taken)
    return _with(plan, participants=marks)


def _with_previous(plan: MapPlan, team: Team, layout: PosterLayout, style: PosterStyle) -> MapPlan:
    """The stickers of earlier sessions; what is drawn over them is the site, the partners'
    markers and the furniture, all placed already."""
    radius = plan.marker_diameter / 2
    drawn_over = [
        Rect(x - radius, y - radius, 2 * radius, 2 * radius)
        for x, y in (placed.drawn_xy for placed in plan.partners)
    ]
    if plan.site_marker is not None:
        drawn_over.extend((plan.site_marker.tag, plan.site_marker.pin_box))
    drawn_over.extend(plan.furniture.boxes)
    if plan.note is not None:
        drawn_over.append(plan.note)
    marks, outside = plan_previous(
        team.previous_stickers, plan.view, plan.frame, plan.rect, drawn_over, layout, style
    )
    return _with(plan, previous=marks, previous_outside=outside)


def map_grid(layout: PosterLayout, style: PosterStyle) -> Grid:
    """The reference grid over the map frame: squares of about grid_cell_mm (at A1)."""
    return make_grid(layout.map_frame, layout.millimetres(style.size("grid_cell_mm")))


def _with(plan: MapPlan, **changes: object) -> MapPlan:
    return dataclasses.replace(plan, **changes)  # type: ignore[arg-type]


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


def circle_meets_rect(circle: Obstacle, rect: Rect) -> bool:
    nearest_x = min(max(circle.x, rect.x), rect.right)
    nearest_y = min(max(circle.y, rect.y), rect.top)
    return math.hypot(circle.x - nearest_x, circle.y - nearest_y) < circle.radius


def participant_text(count: int, postcode: str | None, style: PosterStyle) -> str:
    """ "14 deelnemers", "1 deelnemer", "9000: 4 deelnemers samen": a count with its unit."""
    words = style.wording("map")
    people = words.text("participants_one" if count == 1 else "participants_many", count=count)
    if postcode is None:
        return people
    return words.text("participants_postcode", postcode=postcode, people=people)


def participant_width(count: int, largest: int, layout: PosterLayout, style: PosterStyle) -> float:
    """The tint of a street: wider for more participants (its area grows with the count)."""
    thinnest = layout.millimetres(style.size("participant_line_min_mm"))
    widest = layout.millimetres(style.size("participant_line_max_mm"))
    return thinnest + (widest - thinnest) * math.sqrt(count / max(largest, 1))


def _participant_marks(
    participants: ParticipantSummary,
    base: BaseMap,
    view: MapView,
    frame: PageFrame,
    layout: PosterLayout,
    style: PosterStyle,
    taken: BoxIndex,
) -> tuple[ParticipantMark, ...]:
    """Each street's tint and tag, the tags placed clear of everything placed before them."""
    largest = max((group.count for group in participants.groups), default=1)
    size = layout.points(style.size("small"))
    pad = size * 0.35
    projection = frame.projection(view)
    streets = _street_lines(base)
    marks = []
    for group in participants.groups:
        if not view.contains(group.location):
            continue
        x, y = frame.place(view, group.location)
        text = participant_text(group.count, group.postcode, style)
        width = stringWidth(text, style.fonts.bold, size) + 2 * pad
        height = size + 2 * pad
        tint = participant_width(group.count, largest, layout, style)
        tag = _tag_beside((x, y), width, height, tint / 2 + size * 0.4, taken, frame)
        taken.add(tag)
        lines: tuple[tuple[Point, ...], ...] = ()
        if group.postcode is None and group.street:
            lines = tuple(
                tuple(projection.points(points))
                for points in streets.get(street_key(group.street), [])
            )
        marks.append(
            ParticipantMark(x, y, group.count, group.postcode, text, size, tag, lines, tint)
        )
    return tuple(marks)


def _street_lines(base: BaseMap) -> dict[str, list[tuple[Coord, ...]]]:
    if base.data is None:
        return {}
    return {
        street_key(name): [road.points for road in roads]
        for name, roads in base.data.named_roads().items()
    }


def _tag_beside(
    anchor: tuple[float, float],
    width: float,
    height: float,
    gap: float,
    taken: BoxIndex,
    frame: PageFrame,
) -> Rect:
    """A tag beside its anchor, or further out (a leader joins them), at the first place that
    stays on the map and covers nothing taken before it; else where it covers least."""
    x, y = anchor
    places: list[Rect] = []
    for ring in range(TAG_RINGS):  # ever further out, twelve directions each time
        distance = gap + ring * height * 1.2
        for angle in range(0, 360, 30):
            dx, dy = math.cos(math.radians(angle)), math.sin(math.radians(angle))
            # The tag's nearest edge at ``distance`` from the anchor, in this direction.
            centre_x = x + dx * (distance + width / 2 * abs(dx))
            centre_y = y + dy * (distance + height / 2 * abs(dy))
            places.append(Rect(centre_x - width / 2, centre_y - height / 2, width, height))
    bounds = Rect(frame.x, frame.y, frame.width, frame.height)

    def cost(place: Rect) -> int:
        on_map = (
            bounds.x <= place.x
            and place.right <= bounds.right
            and bounds.y <= place.y
            and place.top <= bounds.top
        )
        return (0 if on_map else 100) + taken.meeting(place)

    return min(places, key=cost)  # the nearest of the least covering places


def _at(partner: Partner) -> LatLon:
    if partner.coordinates is None:
        raise ValueError(f"partner {partner.number} has no coordinates")
    return partner.coordinates


def site_marker(
    site: tuple[float, float],
    size: float,
    layout: PosterLayout,
    style: PosterStyle,
    avoid: list[Obstacle] | None = None,
    bounds: Rect | None = None,
) -> SiteMarker:
    """The pin, with its tag right of the head; left, above or below when that hides fewer
    of the places in ``avoid`` or keeps the tag on the map."""
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
