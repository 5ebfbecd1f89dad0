"""After a failed save, an error summary at the top of the form takes the focus and links to
each field in error (the GOV.UK pattern), with no script."""

from __future__ import annotations

from bs4 import BeautifulSoup

from tests.conftest import csrf_token, sign_in


def _post(client, url: str, data: dict) -> tuple[int, BeautifulSoup]:
    token = csrf_token(client.get(url).get_data(as_text=True))
    response = client.post(url, data={**data, "csrf_token": token})
    return response.status_code, BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _log_a_contact(client, world, fields: dict) -> tuple[int, BeautifulSoup]:
    """The home member sends the new-contact form, with no date, and `fields`."""
    sign_in(client, world.member)
    base = {
        "occurred_at": "",
        "kind": "meeting",
        "representatives": str(world.home.reps[0].id),
        "summary": "Met",
        "confidentiality": "normal",
    }
    url = f"/states/{world.home.state.iso2}/interactions/new"
    return _post(client, url, base | fields)


def test_a_failed_save_puts_a_focused_summary_first_with_links_to_the_fields(client, world):
    sign_in(client, world.member)
    url = f"/follow-ups/new?state={world.home.state.iso2}"
    status, soup = _post(client, url, {"title": "", "due_on": "2099-01-01"})
    assert status == 422
    summary = soup.select_one("main .error-summary")
    assert summary["role"] == "alert"
    assert summary["tabindex"] == "-1"
    assert summary.has_attr("autofocus")
    # Before the form, and the only thing on the page that takes the focus by itself.
    assert summary.find_next("form") is not None
    assert len(soup.select("[autofocus]")) == 1
    links = {a["href"]: a.get_text(" ", strip=True) for a in summary.select("a")}
    assert links == {
        "#title": "Say what is to be done.",
        "#due_on": "That due date is more than five years away.",
    }
    for href in links:
        assert soup.find(id=href[1:]).name in ("input", "select", "textarea")
    assert "Nothing was saved" in summary.get_text()


def test_errors_inside_a_list_of_entries_link_to_their_own_fields(client, world):
    status, soup = _log_a_contact(
        client, world, {"follow_ups-0-title": "", "follow_ups-0-due_on": "not a date"}
    )
    assert status == 422
    summary = soup.select_one("main .error-summary[autofocus]")
    hrefs = [a["href"] for a in summary.select("a")]
    assert "#occurred_at" in hrefs
    assert any(h.startswith("#follow_ups-0-") for h in hrefs), hrefs
    for href in hrefs:
        assert soup.find(id=href[1:]) is not None, href


def test_a_form_shown_for_the_first_time_has_no_summary(client, world):
    sign_in(client, world.member)
    soup = BeautifulSoup(
        client.get(f"/follow-ups/new?state={world.home.state.iso2}").get_data(as_text=True),
        "html.parser",
    )
    assert soup.select(".error-summary") == []
    assert soup.select("[autofocus]") == []


def test_a_conflict_puts_its_box_first_and_gives_it_the_focus(client, world):
    from tests.parliament.helpers import form_values

    sign_in(client, world.member)
    url = f"/representatives/{world.home.reps[0].id}/edit"
    first_tab, second_tab = form_values(client, url), form_values(client, url)
    assert client.post(url, data=first_tab | {"notes": "From tab one"}).status_code == 302
    response = client.post(url, data=second_tab | {"notes": "From tab two"})
    assert response.status_code == 409
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    box = soup.select_one("main .error-summary.conflict")
    assert box["tabindex"] == "-1"
    assert box.has_attr("autofocus")
    assert box.find_next("form") is not None
    assert soup.select("[autofocus]") == [box]


def test_the_summary_lists_the_errors_in_the_order_of_the_page(client, world):
    status, soup = _log_a_contact(
        client, world, {"do_not_contact_reason": "A reason without the tick", "summary": ""}
    )
    assert status == 422
    hrefs = [a["href"] for a in soup.select("main .error-summary a")]
    fields = ["#occurred_at", "#do_not_contact_confirmed", "#summary"]  # as on the page
    assert [h for h in hrefs if h in fields] == fields
