"""The seat chart's geometry (crm/charts.py): every seat drawn once, in its stance's group."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from crm.charts import STANCE_ORDER, hemicycle

CIRCLE = re.compile(r"M(-?[\d.]+) (-?[\d.]+)a([\d.]+) \3 0 1 0 ([\d.]+) 0a\3 \3 0 1 0 -\4 0z")


@given(st.lists(st.sampled_from(STANCE_ORDER), max_size=120), st.integers(0, 40))
def test_each_seat_is_one_circle_of_its_stances_path(stances, vacant):
    chart = hemicycle(stances, len(stances) + vacant)
    drawn = []
    for stance, path in chart.groups:
        circles = CIRCLE.findall(path)
        assert len(circles) == path.count("M"), path[:80]
        for x, y, r, d in circles:
            # Starts at the circle's left edge and spans its diameter.
            assert abs(float(d) - 2 * float(r)) < 0.02
            drawn.append((stance, float(y), float(x) + float(r)))
    seats = sorted((s.stance, s.y, s.x) for s in chart.seats)
    assert len(drawn) == len(seats)
    for (stance, y, x), seat in zip(sorted(drawn), seats, strict=True):
        assert (stance, y) == seat[:2]
        assert abs(x - seat[2]) < 0.02  # the start point is rounded to hundredths
    # One path a stance, each stance once, vacant seats their own.
    labels = [stance for stance, _path in chart.groups]
    assert len(labels) == len(set(labels))
    assert len(drawn) == len(stances) + vacant
