"""Street names along their streets: where every letter goes, planned before anything is drawn.

A name is set straight where its street is straight and letter by letter along gentle curves,
never upside down and never across a sharp bend. Each named street gets a label where one fits,
long streets one every ``repeat`` points; no label touches another label or any box the poster
reserves for its overlays (markers, counts, tags, scale bar ...). Everything here is pure: the
plan is a tuple of labels with their letters and boxes, checked by tests without a canvas.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from shapely import LineString, MultiLineString, clip_by_rect

from generator.map.geometry import Rect
from generator.map.osmdata import RoadClass

Point = tuple[float, float]
# Where a glyph's box starts and ends around its baseline, in parts of the font size: DejaVu's
# descenders reach 0.24 below it and its accents 0.93 above; the label is centred on its street.
DESCENT = 0.24
ASCENT = 0.93
BASELINE_DROP = 0.34
# Where a label may stand across its street, in font sizes: on it, just above it, just below.
SIDES = (0.0, 0.85, -0.85)
CELL = 60.0  # points: the side of a square of the spatial index
# Bends of the data smaller than this part of the font size are smoothed away under a label.
SMOOTHING = 0.3
# A street at least this part of its name's length still gets its name, set straight over it.
SHORT_STREET = 0.6


@dataclass(frozen=True)
class Glyph:
    """One letter: drawn from (x, y) on its baseline, turned ``angle`` degrees anticlockwise."""

    char: str
    x: float
    y: float
    angle: float


@dataclass(frozen=True)
class StreetLabel:
    name: str
    size: float
    glyphs: tuple[Glyph, ...]
    boxes: tuple[Rect, ...]  # one per letter, upright, its halo included

    @property
    def box(self) -> Rect:
        left = min(box.x for box in self.boxes)
        bottom = min(box.y for box in self.boxes)
        right = max(box.right for box in self.boxes)
        top = max(box.top for box in self.boxes)
        return Rect(left, bottom, right - left, top - bottom)


@dataclass(frozen=True)
class LabelRules:
    """Sizes and limits for street labels on one poster, already scaled to its paper."""

    sizes: Mapping[RoadClass, float]
    repeat: float  # points along a street between two of its labels
    halo: float  # points of white around each letter
    max_bend: float  # degrees one bend under a label may turn
    max_total_bend: float  # degrees all bends under a label may turn together
    advance: Callable[[str, float], float]  # width of a text at a size, in points


@dataclass(frozen=True)
class Street:
    """One named street: its parts as lines of page points, and its most important class."""

    name: str
    road_class: RoadClass
    lines: tuple[tuple[Point, ...], ...]


def plan_street_labels(
    streets: Iterable[Street], rules: LabelRules, frame: Rect, reserved: Sequence[Rect]
) -> tuple[StreetLabel, ...]:
    """Labels for as many streets as fit: first one for each street (main roads and long
    streets first), then more along long streets, each at least ``rules.repeat`` apart."""
    taken = BoxIndex()
    for box in reserved:
        taken.add(box)
    ordered = sorted(
        (street for street in streets if street.name.strip()),
        key=lambda street: (-_length(street.lines), _rank(street.road_class), street.name),
    )
    chains = {
        street.name: _chains(street, frame, rules.sizes[street.road_class] * SMOOTHING)
        for street in ordered
    }
    placed: dict[str, list[StreetLabel]] = {}
    for street in ordered:
        label = _first_label(street, chains[street.name], rules, frame, taken)
        if label is not None:
            placed[street.name] = [label]
            _take(taken, label)
    for street in ordered:
        if street.name in placed:
            _more_labels(street, chains[street.name], rules, frame, taken, placed[street.name])
    return tuple(label for street in ordered for label in placed.get(street.name, []))


def _rank(road_class: RoadClass) -> int:
    return list(RoadClass).index(road_class)


def _length(lines: Sequence[Sequence[Point]]) -> float:
    return sum(math.dist(a, b) for line in lines for a, b in itertools.pairwise(line))


class BoxIndex:
    """Boxes on the page, found by the squares of a coarse grid they cover."""

    def __init__(self) -> None:
        self._cells: dict[tuple[int, int], list[Rect]] = {}

    def _keys(self, box: Rect) -> Iterable[tuple[int, int]]:
        for i in range(math.floor(box.x / CELL), math.floor(box.right / CELL) + 1):
            for j in range(math.floor(box.y / CELL), math.floor(box.top / CELL) + 1):
                yield i, j

    def add(self, box: Rect) -> None:
        for key in self._keys(box):
            self._cells.setdefault(key, []).append(box)

    def meeting(self, box: Rect) -> int:
        """How many of the boxes share area with ``box``."""
        cells = self._cells
        found = {
            id(other) for key in self._keys(box) for other in cells.get(key, ()) if box.meets(other)
        }
        return len(found)

    def meets(self, box: Rect) -> bool:
        return any(
            box.meets(other) for key in self._keys(box) for other in self._cells.get(key, ())
        )


def _take(taken: BoxIndex, label: StreetLabel) -> None:
    for box in label.boxes:
        taken.add(box)


class Chain:
    """A run of one street without a junction of its own, with distances along it."""

    def __init__(self, points: Sequence[Point]) -> None:
        self.points = list(points)
        self.along = [0.0]
        for a, b in zip(self.points, self.points[1:], strict=False):
            self.along.append(self.along[-1] + math.dist(a, b))

    @property
    def length(self) -> float:
        return self.along[-1]

    def at(self, distance: float) -> Point:
        """The point ``distance`` points from the start."""
        index = self._segment(distance)
        a, b = self.points[index], self.points[index + 1]
        span = self.along[index + 1] - self.along[index]
        t = 0.0 if span == 0 else (distance - self.along[index]) / span
        return a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t

    def _segment(self, distance: float) -> int:
        low, high = 0, len(self.points) - 2
        while low < high:
            middle = (low + high + 1) // 2
            if self.along[middle] <= distance:
                low = middle
            else:
                high = middle - 1
        return low

    def vertices_between(self, start: float, end: float) -> list[Point]:
        inner = [p for p, d in zip(self.points, self.along, strict=True) if start < d < end]
        return [self.at(start), *inner, self.at(end)]


def _chains(street: Street, frame: Rect, smoothing: float) -> list[Chain]:
    """The street's runs inside the frame: its ways joined into strokes through its own
    junctions, small zigzags of the data smoothed away (by ``smoothing`` points at most)."""
    strokes = [line for line in _strokes(street.lines) if len(line) >= 2]
    if not strokes:
        return []
    lines = MultiLineString([list(line) for line in strokes]).simplify(smoothing)
    clipped = clip_by_rect(lines, frame.x, frame.y, frame.right, frame.top)
    parts = getattr(clipped, "geoms", [clipped])
    chains = [
        Chain([(float(x), float(y)) for x, y in part.coords])
        for part in parts
        if isinstance(part, LineString) and not part.is_empty and part.length > 0
    ]
    return sorted(chains, key=lambda chain: -chain.length)


Node = tuple[float, float]
Edge = frozenset[Node]
# Two ways of one street that meet continue each other when the second turns less than this.
MAX_STROKE_TURN = 50.0


def _strokes(lines: Sequence[Sequence[Point]]) -> list[list[Point]]:
    """Join the street's segments into long strokes: at each junction of the street with
    itself, the two segments that run on most straight are one stroke (dual carriageways,
    squares and ways split at every crossing become a few long runs, not many short ones)."""
    neighbours: dict[Node, list[Node]] = {}
    for line in lines:
        nodes = [(round(x, 2), round(y, 2)) for x, y in line]
        for a, b in itertools.pairwise(nodes):
            if a != b and b not in neighbours.setdefault(a, []):
                neighbours[a].append(b)
                neighbours.setdefault(b, []).append(a)
    partner = _pair_at_junctions(neighbours)
    seen: set[Edge] = set()
    strokes = []
    for a in sorted(neighbours):
        for b in neighbours[a]:
            if frozenset((a, b)) in seen:
                continue
            seen.add(frozenset((a, b)))
            forward = _follow(b, a, partner, seen)
            backward = _follow(a, b, partner, seen)
            strokes.append([*reversed(backward), *forward])
    return strokes


def _pair_at_junctions(neighbours: dict[Node, list[Node]]) -> dict[tuple[Node, Node], Node]:
    """For each node, which neighbour continues the way that came from another neighbour."""
    partner: dict[tuple[Node, Node], Node] = {}
    for node, around in neighbours.items():
        pairs = sorted(
            (_turn_between(a, node, b), a, b)
            for index, a in enumerate(around)
            for b in around[index + 1 :]
        )
        used: set[Node] = set()
        for turn, a, b in pairs:
            if turn <= MAX_STROKE_TURN and a not in used and b not in used:
                used.update((a, b))
                partner[(node, a)] = b
                partner[(node, b)] = a
    return partner


def _turn_between(a: Node, node: Node, b: Node) -> float:
    """Degrees a walker turns going from ``a`` through ``node`` on to ``b``."""
    heading_in = math.atan2(node[1] - a[1], node[0] - a[0])
    heading_out = math.atan2(b[1] - node[1], b[0] - node[0])
    return abs(math.degrees(math.remainder(heading_out - heading_in, 2 * math.pi)))


def _follow(
    node: Node, came_from: Node, partner: dict[tuple[Node, Node], Node], seen: set[Edge]
) -> list[Point]:
    """The nodes from ``node`` on, as long as the stroke continues and is not walked yet."""
    walked = [node]
    while (node, came_from) in partner:
        following = partner[(node, came_from)]
        edge = frozenset((node, following))
        if edge in seen:
            break
        seen.add(edge)
        came_from, node = node, following
        walked.append(node)
    return walked


def _first_label(
    street: Street, chains: list[Chain], rules: LabelRules, frame: Rect, taken: BoxIndex
) -> StreetLabel | None:
    size = rules.sizes[street.road_class]
    width = rules.advance(street.name, size)
    for beside in SIDES:  # on the line first; beside it where overlays take the line
        for chain in chains:
            middle = chain.length / 2
            starts = sorted(_starts(chain, width, size), key=lambda s: abs(s + width / 2 - middle))
            for start in starts:
                label = _label_at(
                    street.name, chain, start, width, size, rules, frame, taken, beside
                )
                if label is not None:
                    return label
    for chain in chains:
        if chain.length >= width * SHORT_STREET:
            label = _short_street_label(street.name, chain, width, size, rules, frame, taken)
            if label is not None:
                return label
    return None


def _short_street_label(
    name: str,
    chain: Chain,
    width: float,
    size: float,
    rules: LabelRules,
    frame: Rect,
    taken: BoxIndex,
) -> StreetLabel | None:
    """A street a little shorter than its name, or a square around its middle: the name set
    straight over its middle, along its general direction (level across a square)."""
    first, last = chain.points[0], chain.points[-1]
    if math.dist(first, last) < chain.length / 3:  # a loop, as around a square
        xs = [x for x, _ in chain.points]
        ys = [y for _, y in chain.points]
        middles = [((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)]
        angle = 0.0
    else:
        middles = [chain.at(chain.length * part) for part in (0.5, 0.35, 0.65)]
        angle = math.atan2(last[1] - first[1], last[0] - first[0])
        if math.cos(angle) < 0 or (math.cos(angle) == 0 and math.sin(angle) < 0):
            angle += math.pi
    half = (math.cos(angle) * width / 2, math.sin(angle) * width / 2)
    for beside in SIDES:
        for x, y in middles:
            start, end = (x - half[0], y - half[1]), (x + half[0], y + half[1])
            glyphs = _straight_glyphs(name, size, start, end, False, rules, beside)
            label = _checked(name, size, glyphs, rules, frame, taken)
            if label is not None:
                return label
    return None


def _more_labels(
    street: Street,
    chains: list[Chain],
    rules: LabelRules,
    frame: Rect,
    taken: BoxIndex,
    placed: list[StreetLabel],
) -> None:
    size = rules.sizes[street.road_class]
    width = rules.advance(street.name, size)
    for chain in chains:
        if chain.length < rules.repeat:
            continue
        for start in _starts(chain, width, size):
            centre = chain.at(start + width / 2)
            if any(math.dist(centre, _centre(label)) < rules.repeat for label in placed):
                continue
            label = _label_at(street.name, chain, start, width, size, rules, frame, taken)
            if label is not None:
                placed.append(label)
                _take(taken, label)


def _centre(label: StreetLabel) -> Point:
    box = label.box
    return box.x + box.width / 2, box.y + box.height / 2


def _starts(chain: Chain, width: float, size: float) -> list[float]:
    """Where a label of ``width`` may start along the chain, a little in from its ends."""
    margin = size * 0.25
    room = chain.length - width - 2 * margin
    if room < 0:
        return []
    steps = max(1, math.ceil(room / size))
    return [margin + room * index / steps for index in range(steps + 1)]


def _label_at(
    name: str,
    chain: Chain,
    start: float,
    width: float,
    size: float,
    rules: LabelRules,
    frame: Rect,
    taken: BoxIndex,
    beside: float = 0.0,
) -> StreetLabel | None:
    end = start + width
    vertices = chain.vertices_between(start, end)
    if not _gentle(vertices, rules):
        return None
    first, last = vertices[0], vertices[-1]
    backwards = last[0] < first[0] or (last[0] == first[0] and last[1] < first[1])
    if _straight(vertices, size):
        glyphs = _straight_glyphs(name, size, first, last, backwards, rules, beside)
    else:
        glyphs = _curved_glyphs(name, size, chain, start, end, backwards, rules, beside)
    return _checked(name, size, glyphs, rules, frame, taken)


def _checked(
    name: str,
    size: float,
    glyphs: tuple[Glyph, ...],
    rules: LabelRules,
    frame: Rect,
    taken: BoxIndex,
) -> StreetLabel | None:
    """The label, if every letter lies inside the frame and clear of everything taken."""
    boxes = tuple(_glyph_box(glyph, size, rules) for glyph in glyphs)
    inside = frame.inset(rules.halo)
    for box in boxes:
        outside = box.x < inside.x or box.right > inside.right
        if outside or box.y < inside.y or box.top > inside.top or taken.meets(box):
            return None
    return StreetLabel(name, size, glyphs, boxes)


def _gentle(vertices: list[Point], rules: LabelRules) -> bool:
    headings = [
        math.atan2(b[1] - a[1], b[0] - a[0])
        for a, b in itertools.pairwise(vertices)
        if math.dist(a, b) > 1e-6
    ]
    total = 0.0
    for before, after in itertools.pairwise(headings):
        turn = abs(math.degrees(math.remainder(after - before, 2 * math.pi)))
        if turn > rules.max_bend:
            return False
        total += turn
    return total <= rules.max_total_bend


def _straight(vertices: list[Point], size: float) -> bool:
    """Whether every point lies within a fifth of the font size of the chord."""
    (x0, y0), (x1, y1) = vertices[0], vertices[-1]
    length = math.dist(vertices[0], vertices[-1])
    if length == 0:
        return True
    return all(
        abs((x1 - x0) * (y0 - y) - (x0 - x) * (y1 - y0)) / length <= size * 0.2 for x, y in vertices
    )


def _straight_glyphs(
    name: str,
    size: float,
    first: Point,
    last: Point,
    backwards: bool,
    rules: LabelRules,
    beside: float = 0.0,
) -> tuple[Glyph, ...]:
    if backwards:
        first, last = last, first
    angle = math.atan2(last[1] - first[1], last[0] - first[0])
    cos, sin = math.cos(angle), math.sin(angle)
    drop = size * (BASELINE_DROP - beside)
    x = first[0] + sin * drop
    y = first[1] - cos * drop
    glyphs = []
    offset = 0.0
    for char in name:
        glyphs.append(Glyph(char, x + cos * offset, y + sin * offset, math.degrees(angle)))
        offset += rules.advance(char, size)
    return tuple(glyphs)


def _curved_glyphs(
    name: str,
    size: float,
    chain: Chain,
    start: float,
    end: float,
    backwards: bool,
    rules: LabelRules,
    beside: float = 0.0,
) -> tuple[Glyph, ...]:
    drop = size * (BASELINE_DROP - beside)

    def along(offset: float) -> Point:
        return chain.at(end - offset if backwards else start + offset)

    glyphs = []
    offset = 0.0
    for char in name:
        advance = rules.advance(char, size)
        head, tail = along(offset), along(offset + advance)
        angle = math.atan2(tail[1] - head[1], tail[0] - head[0])
        cos, sin = math.cos(angle), math.sin(angle)
        glyphs.append(
            Glyph(
                char,
                head[0] + sin * drop,
                head[1] - cos * drop,
                math.degrees(angle),
            )
        )
        offset += advance
    return tuple(glyphs)


def _glyph_box(glyph: Glyph, size: float, rules: LabelRules) -> Rect:
    """The upright box around a turned letter and its halo."""
    advance = rules.advance(glyph.char, size)
    angle = math.radians(glyph.angle)
    cos, sin = math.cos(angle), math.sin(angle)
    corners = [
        (glyph.x + cos * u - sin * v, glyph.y + sin * u + cos * v)
        for u in (0.0, advance)
        for v in (-DESCENT * size, ASCENT * size)
    ]
    xs = [x for x, _ in corners]
    ys = [y for _, y in corners]
    pad = rules.halo
    return Rect(
        min(xs) - pad, min(ys) - pad, max(xs) - min(xs) + 2 * pad, max(ys) - min(ys) + 2 * pad
    )
