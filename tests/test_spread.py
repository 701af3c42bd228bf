"""Spreading partner markers: none overlap where the map has room, and free ones stay put."""

from __future__ import annotations

import itertools
import math
import random

from generator.poster.markers import CLEARANCE, Obstacle, spread

RADIUS = 10.0
BOUNDS = (0.0, 0.0, 1200.0, 1600.0)


def overlapping_pairs(points: list[tuple[float, float]], radius: float) -> int:
    return sum(
        1 for a, b in itertools.combinations(points, 2) if math.dist(a, b) < 2 * radius - 1e-6
    )


def crowded_team_points() -> list[tuple[float, float]]:
    """600 partners: 200 at one address, 200 in one street, 200 scattered, as a big city's."""
    scatter = random.Random(16)
    one_address = [(600.0, 800.0)] * 200
    one_street = [(300.0 + scatter.uniform(0, 60), 400.0) for _ in range(200)]
    scattered = [(scatter.uniform(0, 1200), scatter.uniform(0, 1600)) for _ in range(200)]
    return [*one_address, *one_street, *scattered]


def test_a_crowded_map_with_room_keeps_no_overlapping_markers() -> None:
    points = crowded_team_points()
    count = Obstacle(620.0, 780.0, 25.0)

    drawn = spread(points, RADIUS, [count], BOUNDS)

    assert len(drawn) == len(points)
    assert overlapping_pairs(points, RADIUS) > 19_000  # the crowd as it comes
    assert overlapping_pairs(drawn, RADIUS) == 0
    assert all(math.dist((x, y), (count.x, count.y)) >= count.radius + RADIUS for x, y in drawn)
    x0, y0, x1, y1 = BOUNDS
    assert all(
        x0 + RADIUS <= x <= x1 - RADIUS and y0 + RADIUS <= y <= y1 - RADIUS for x, y in drawn
    )


def test_a_crowd_at_one_address_packs_tightly_around_it() -> None:
    drawn = spread([(600.0, 800.0)] * 200, RADIUS, [], BOUNDS)

    farthest = max(math.dist(point, (600.0, 800.0)) for point in drawn)
    # 200 discs packed hexagonally fill a circle of about 8 marker widths' radius.
    assert farthest < 9 * 2 * RADIUS * CLEARANCE
    assert drawn[0] == (600.0, 800.0)
    assert overlapping_pairs(drawn, RADIUS) == 0


def test_markers_with_room_stay_on_their_point_and_the_second_of_a_pair_moves_just_aside() -> None:
    points = [(100.0, 100.0), (500.0, 500.0), (505.0, 500.0), (900.0, 1200.0)]

    drawn = spread(points, RADIUS, [], BOUNDS)

    assert drawn[0] == points[0]
    assert drawn[1] == points[1]
    assert drawn[3] == points[3]
    assert math.dist(drawn[2], points[2]) < 2 * RADIUS * CLEARANCE
    assert math.dist(drawn[1], drawn[2]) >= 2 * RADIUS * CLEARANCE - 1e-6


def test_a_marker_on_an_obstacle_or_past_the_edge_is_moved_onto_the_map_beside_it() -> None:
    count = Obstacle(400.0, 400.0, 30.0)

    drawn = spread([(400.0, 400.0), (-50.0, 800.0)], RADIUS, [count], BOUNDS)

    assert math.dist(drawn[0], (400.0, 400.0)) >= count.radius + RADIUS * CLEARANCE - 1e-6
    assert math.dist(drawn[0], (400.0, 400.0)) < count.radius + 3 * RADIUS * CLEARANCE
    assert drawn[1] == (RADIUS, 800.0)


def test_without_room_every_marker_still_gets_a_place_on_the_map() -> None:
    small = (0.0, 0.0, 100.0, 100.0)

    drawn = spread([(50.0, 50.0)] * 40, RADIUS, [], small)

    assert len(drawn) == 40
    assert all(RADIUS <= x <= 90.0 and RADIUS <= y <= 90.0 for x, y in drawn)
    assert overlapping_pairs(drawn[:9], RADIUS) == 0  # as many as fit stand apart
