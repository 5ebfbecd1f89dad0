"""The coordinator's risk dashboard fits every screen, in Chromium: a table that fits 1366 px
with no sideways scroll, one card per state on a phone, nothing clipped and axe clean at
390×844, 768×1024 and 1366×900."""

from __future__ import annotations

from typing import Any

from tests.browser.helpers import (
    in_browser,
    needs_chromium,
    serious_violations,
    sideways_overflow,
    sign_in,
)

pytestmark = needs_chromium

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 768, "height": 1024}
LAPTOP = {"width": 1366, "height": 900}
SCREENS = {"phone": PHONE, "tablet": TABLET, "laptop": LAPTOP}
DEMO_OPEN_AGREEMENTS = 19

# Everything measured in one pass in the page: the rows, the cells, the column headings and
# what each card cell says its column is (its ::before label).
MEASURE = """() => {
  const box = (el) => {
    const r = el.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width};
  };
  const width = document.documentElement.clientWidth;
  const cells = [];
  for (const el of document.querySelectorAll('.risk-group table th, .risk-group table td')) {
    const thead = el.closest('thead');
    // Column headings hidden for screen readers only (in card mode) are not on screen.
    if (thead && thead.getBoundingClientRect().width <= 1) continue;
    cells.push({
      text: el.textContent.trim().replace(/\\s+/g, ' ').slice(0, 40),
      ...box(el),
      scrollWidth: el.scrollWidth,
      clientWidth: el.clientWidth,
    });
  }
  const wraps = [...document.querySelectorAll('.risk-group .table-wrap')].map((el) => ({
    scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, ...box(el),
  }));
  const groups = [...document.querySelectorAll('section.risk-group')].map((section) => {
    const headings = [...section.querySelectorAll('thead th')].map((th) => th.textContent.trim());
    const rows = [...section.querySelectorAll('tbody tr')].map((tr) => {
      const name = tr.querySelector('th a');
      const last = tr.lastElementChild;
      const visible = (el) => el.checkVisibility() && box(el).width > 0;
      return {
        display: getComputedStyle(tr).display,
        ...box(tr),
        name: name.textContent.trim(),
        nameBox: box(name),
        nameVisible: visible(name),
        last: last.textContent.trim(),
        lastBox: box(last),
        lastVisible: visible(last),
        labels: [...tr.querySelectorAll('td')].map((td) => {
          const content = getComputedStyle(td, '::before').content;
          return content === 'none' || content === 'normal' ? '' : content.replace(/^"|"$/g, '');
        }),
      };
    });
    return {width: section.getBoundingClientRect().width, headings, rows};
  });
  return {width, cells, wraps, groups};
}"""


def _problems(seen: dict) -> list[str]:
    """Whatever of the dashboard extends past the viewport or is clipped inside its box."""
    width = seen["width"]
    problems = []
    for cell in seen["cells"]:
        if cell["left"] < -0.5 or cell["right"] > width + 0.5:
            problems.append(f"{cell['text']!r} spans {cell['left']:.0f}–{cell['right']:.0f}px")
        if cell["scrollWidth"] > cell["clientWidth"]:
            problems.append(
                f"{cell['text']!r} is clipped: {cell['scrollWidth']} > {cell['clientWidth']}px"
            )
    for wrap in seen["wraps"]:
        if wrap["scrollWidth"] > wrap["clientWidth"]:
            problems.append(
                f"a table scrolls sideways: {wrap['scrollWidth']}px in {wrap['clientWidth']}px"
            )
    return problems


def _look_at_every_screen(live_server: str) -> dict[str, dict]:
    def steps(chromium: Any) -> dict[str, dict]:
        found: dict[str, dict] = {}
        signed_in = None
        for screen, viewport in SCREENS.items():
            # axe injects a script, which the page's policy rightly forbids: bypass it here.
            context = chromium.new_context(
                viewport=viewport, bypass_csp=True, storage_state=signed_in
            )
            try:
                page = context.new_page()
                if signed_in is None:
                    sign_in(page, live_server, "coordinator@demo.example")
                    signed_in = context.storage_state()
                page.goto(f"{live_server}/dashboard")
                seen = page.evaluate(MEASURE)
                seen["overflow"] = sideways_overflow(page)
                seen["axe"] = serious_violations(page)
                found[screen] = seen
            finally:
                context.close()
        return found

    return in_browser(steps)


def test_the_dashboard_fits_a_phone_a_tablet_and_a_laptop(live_server):
    found = _look_at_every_screen(live_server)
    for screen, seen in found.items():
        rows = [row for group in seen["groups"] for row in group["rows"]]
        assert len(rows) == DEMO_OPEN_AGREEMENTS, screen
        assert seen["overflow"] <= 0, f"{screen}: the page scrolls sideways by {seen['overflow']}px"
        assert _problems(seen) == [], screen
        assert seen["axe"] == [], screen

    # 1366 px: a real table, each state's name and last contact on screen without scrolling.
    laptop = found["laptop"]
    for group in laptop["groups"]:
        assert group["headings"][-1] == "Last contact"
        for row in group["rows"]:
            assert row["display"] == "table-row", row["name"]
            for part in ("name", "last"):
                where = row[f"{part}Box"]
                assert row[f"{part}Visible"], (row["name"], part)
                assert 0 <= where["left"] <= where["right"] <= laptop["width"], (
                    f"{row['name']}: its {part} ({row[part]!r}) is at "
                    f"{where['left']:.0f}–{where['right']:.0f}px of {laptop['width']}px"
                )

    # 390 px: one card per state, as wide as the content, one below the other, every value
    # under its column's name (the cells' labels are the table's headings).
    phone = found["phone"]
    for group in phone["groups"]:
        previous_bottom = None
        for row in group["rows"]:
            assert row["display"] == "block", row["name"]
            assert abs(row["width"] - group["width"]) <= 1, (
                f"{row['name']}: a card {row['width']:.0f}px wide in {group['width']:.0f}px"
            )
            if previous_bottom is not None:
                assert row["top"] >= previous_bottom - 0.5, f"{row['name']} overlaps the card above"
            previous_bottom = row["bottom"]
    for screen in ("phone", "tablet"):
        for group in found[screen]["groups"]:
            for row in group["rows"]:
                if row["display"] != "table-row":
                    assert row["labels"] == group["headings"][1:], (screen, row["name"])
