"""The seat chart's geometry (crm/charts.py): every seat drawn once, in its stance's layer,
as a dot (a zero-length line with round caps), rings as a narrower dot inside a wider one."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from crm.charts import RINGED, STANCE_ORDER, hemicycle

DOT = re.compile(r"M(-?[\d.]+) (-?[\d.]+)h0")


@given(st.lists(st.sampled_from(STANCE_ORDER), max_size=120), st.integers(0, 40))
def test_each_seat_is_one_dot_of_its_stances_layer(stances, vacant):
    chart = hemicycle(stances, len(stances) + vacant)
    drawn = []
    insides = {}
    for layer in chart.layers:
        dots = DOT.findall(layer.path)
        assert len(dots) == layer.path.count("M"), layer.path[:80]
        if layer.key.endswith("-inner"):
            insides[layer.key.removesuffix("-inner")] = (dots, layer.width)
            continue
        # A dot is a little narrower than its seat, so that neighbours never touch.
        assert 0 < layer.width < 2 * chart.seats[0].r
        drawn += [(layer.key, float(y), float(x)) for x, y in dots]
    seats = sorted((s.stance, s.y, s.x) for s in chart.seats)
    assert sorted(drawn) == seats
    # One layer a stance, each stance once, vacant seats their own.
    outer = [layer.key for layer in chart.layers if not layer.key.endswith("-inner")]
    assert len(outer) == len(set(outer))
    assert len(drawn) == len(stances) + vacant
    # Ringed stances: the same dots again, narrower, drawn after (on top of) the outline.
    assert set(insides) == set(outer) & RINGED
    keys = [layer.key for layer in chart.layers]
    for stance, (dots, width) in insides.items():
        outline = next(layer for layer in chart.layers if layer.key == stance)
        assert dots == DOT.findall(outline.path)
        assert 0 < width < outline.width
        assert keys.index(f"{stance}-inner") == keys.index(stance) + 1
