"""Geometry for the SVG charts drawn by templates/_macros/charts.html.

The templates draw; this module only computes positions, so the same charts render in
the browser (under a strict Content-Security-Policy: no script, no inline style) and in
WeasyPrint's PDFs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

STANCE_ORDER = (
    "for_ratification",
    "leaning_for",
    "undecided",
    "leaning_against",
    "against_ratification",
    "unknown",
)


@dataclass(frozen=True)
class Seat:
    x: float
    y: float
    r: float
    stance: str


@dataclass(frozen=True)
class Hemicycle:
    width: float
    height: float
    seats: tuple[Seat, ...]
    counts: tuple[tuple[str, int], ...]  # stance → seats, in STANCE_ORDER, zeros left out
    vacant: int

    @property
    def layers(self) -> tuple[SeatLayer, ...]:
        """What to draw, in order: the seats of each stance as one path of dots, and for the
        stances drawn as rings (undecided, unknown, vacant) a second, narrower path of dots
        inside the first. A seat is a zero-length line with round caps, which a browser
        and a PDF draw as a dot of the stroke's width: two numbers a seat where a circle
        takes two arcs, which WeasyPrint turns into Bézier curves one by one (a chart of
        Romania's 345 seats cost a pack a tenth of a second that way)."""
        paths: dict[str, list[str]] = {}
        for seat in self.seats:
            paths.setdefault(seat.stance, []).append(f"M{seat.x} {seat.y}h0")
        radius = self.seats[0].r if self.seats else 0.0
        dot = round(2 * radius * 0.94, 2)  # a hair apart, so neighbours never touch
        hole = round(dot - 2 * max(0.3, radius * 0.24), 2)
        layers: list[SeatLayer] = []
        for stance, dots in paths.items():
            path = " ".join(dots)
            layers.append(SeatLayer(stance, path, dot))
            if stance in RINGED and hole > 0:
                layers.append(SeatLayer(f"{stance}-inner", path, hole))
        return tuple(layers)


# Drawn as rings: a light fill inside a darker outline (undecided), or hollow.
RINGED = frozenset({"undecided", "unknown", "vacant"})


@dataclass(frozen=True)
class SeatLayer:
    key: str  # the stance, or "<stance>-inner" for the inside of a ring
    path: str  # one "M x y h0" subpath a seat
    width: float  # the dots' diameter, in the chart's units


def hemicycle(stances: Sequence[str], total_seats: int | None = None) -> Hemicycle:
    """Seats on concentric half rings, coloured left to right in stance order.

    Vacant seats (total_seats beyond the members given) are drawn as `vacant`.
    """
    order = {s: i for i, s in enumerate(STANCE_ORDER)}
    filled = sorted(stances, key=lambda s: order.get(s, len(order)))
    n = max(total_seats or 0, len(filled))
    labels = [*filled, *(["vacant"] * (n - len(filled)))]
    width, height = 200.0, 104.0
    if n == 0:
        return Hemicycle(width, height, (), (), 0)
    rows = max(1, min(12, round(math.sqrt(n / 4.5))))
    inner, outer = 0.38, 1.0
    radii = [inner + (outer - inner) * (i + 0.5) / rows for i in range(rows)]
    # Seats per ring in proportion to its length, adjusted so they add up to n.
    per_ring = [max(1, round(n * r / sum(radii))) for r in radii]
    while sum(per_ring) > n:
        per_ring[per_ring.index(max(per_ring))] -= 1
    while sum(per_ring) < n:
        per_ring[-1] += 1
    positions: list[tuple[float, float, float]] = []  # angle, x, y
    for radius, count in zip(radii, per_ring, strict=True):
        for k in range(count):
            angle = math.pi * (1 - (k + 0.5) / count) if count > 1 else math.pi / 2
            positions.append((angle, radius * math.cos(angle), radius * math.sin(angle)))
    positions.sort(key=lambda p: -p[0])  # left to right, so stances form wedges
    ring_gap = (outer - inner) / rows
    arc_gap = min(math.pi * r / c for r, c in zip(radii, per_ring, strict=True))
    seat_r = 0.42 * min(ring_gap, arc_gap)
    scale = (width / 2 - 4) / (outer + seat_r)
    cx, cy = width / 2, height - 4
    seats = tuple(
        Seat(round(cx + x * scale, 2), round(cy - y * scale, 2), round(seat_r * scale, 2), label)
        for (_angle, x, y), label in zip(positions, labels, strict=True)
    )
    counts = tuple((s, filled.count(s)) for s in STANCE_ORDER if filled.count(s))
    return Hemicycle(width, height, seats, counts, n - len(filled))


@dataclass(frozen=True)
class Sparkline:
    width: float
    height: float
    points: str  # SVG polyline points
    last: tuple[float, float] | None
    first_value: float | None
    last_value: float | None
    # A value marked across the line (a target), and its height in the drawing.
    guide: float | None = None
    guide_y: float | None = None


def sparkline(
    values: Sequence[tuple[date, float]],
    start: date,
    end: date,
    width: float = 96,
    height: float = 24,
    *,
    guide: float | None = None,
) -> Sparkline:
    """A line of values in [0, 1] over the days from `start` to `end`; `guide` is a value to
    draw across it (a coverage target)."""
    pad = 2.0

    def y_of(value: float) -> float:
        return round(pad + (height - 2 * pad) * (1 - min(max(value, 0.0), 1.0)), 1)

    guide_y = y_of(guide) if guide is not None else None
    if not values:
        return Sparkline(width, height, "", None, None, None, guide, guide_y)
    span = max(1, (end - start).days)

    def point(day: date, value: float) -> tuple[float, float]:
        x = pad + (width - 2 * pad) * min(max((day - start).days / span, 0), 1)
        return round(x, 1), y_of(value)

    pts = [point(day, value) for day, value in values]
    if len(pts) == 1:
        pts.insert(0, (pad, pts[0][1]))
    return Sparkline(
        width,
        height,
        " ".join(f"{x},{y}" for x, y in pts),
        pts[-1],
        values[0][1],
        values[-1][1],
        guide,
        guide_y,
    )


# --- A probability over time, with level bands, dated ticks and marks ---------------------


@dataclass(frozen=True)
class Band:
    """A horizontal stripe of the plot: the values from `low` to `high`, read as `key`."""

    key: str
    low: float
    high: float
    y: float
    height: float


@dataclass(frozen=True)
class Tick:
    x: float
    on: date


@dataclass(frozen=True)
class Marker:
    """A dated event drawn as a vertical line (a held stage) or a point of the line (a
    change), numbered as the list beside the chart numbers it."""

    number: int
    x: float
    y: float
    on: date


@dataclass(frozen=True)
class Timeline:
    width: float
    height: float
    left: float
    top: float
    right: float
    bottom: float
    points: tuple[tuple[float, float], ...]  # one per value, in order
    line: str  # SVG polyline points: the value held until the next one
    bands: tuple[Band, ...]
    months: tuple[Tick, ...]
    levels: tuple[tuple[float, float], ...]  # (y, value) of the value axis' ticks
    events: tuple[Marker, ...]
    marks: tuple[Marker, ...]

    @property
    def plot_width(self) -> float:
        return round(self.right - self.left, 2)


def month_starts(start: date, end: date) -> list[date]:
    """The first days of the months after `start`, up to `end`."""
    days: list[date] = []
    year, month = start.year, start.month
    while True:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        first = date(year, month, 1)
        if first > end:
            return days
        days.append(first)


def timeline(
    values: Sequence[tuple[date, float]],
    start: date,
    end: date,
    *,
    bands: Sequence[tuple[str, float, float]] = (),
    events: Sequence[date] = (),
    marked: Sequence[int] = (),
    width: float = 480,
    height: float = 200,
) -> Timeline:
    """Values in [0, 1] over the days from `start` to `end` (values outside are left out
    by the caller; dates outside are pinned to the edges), drawn as a step line: a
    forecast holds until the next one. `bands` shade value ranges, `events` are dates
    drawn as vertical lines, `marked` the indexes of the values to mark."""
    left, right, top, bottom = 34.0, width - 8.0, 8.0, height - 30.0
    span = max(1, (end - start).days)

    def x_of(day: date) -> float:
        return round(left + (right - left) * min(max((day - start).days / span, 0), 1), 2)

    def y_of(value: float) -> float:
        return round(bottom - (bottom - top) * min(max(value, 0.0), 1.0), 2)

    points = tuple((x_of(day), y_of(value)) for day, value in values)
    steps: list[tuple[float, float]] = []
    for x, y in points:
        if steps and steps[-1][1] != y:
            steps.append((x, steps[-1][1]))
        steps.append((x, y))
    if steps:
        steps.append((x_of(end), steps[-1][1]))  # the last forecast still holds today
    return Timeline(
        width=width,
        height=height,
        left=left,
        top=top,
        right=right,
        bottom=bottom,
        points=points,
        line=" ".join(f"{x},{y}" for x, y in steps),
        bands=tuple(
            Band(key, low, high, y_of(high), round(y_of(low) - y_of(high), 2))
            for key, low, high in bands
            if high > low
        ),
        months=tuple(Tick(x_of(day), day) for day in month_starts(start, end)),
        levels=tuple((y_of(v), v) for v in (0.0, 0.25, 0.5, 0.75, 1.0)),
        events=tuple(
            Marker(n, x_of(day), top, day)
            for n, day in enumerate(sorted(d for d in events if start <= d <= end), 1)
        ),
        marks=tuple(
            Marker(n, points[i][0], points[i][1], values[i][0])
            for n, i in enumerate(sorted(set(marked)), 1)
        ),
    )
