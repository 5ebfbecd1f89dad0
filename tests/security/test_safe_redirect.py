"""One check for every `next` parameter: a path on this site, or the page's default."""

from __future__ import annotations

import pytest

from crm.extensions import db
from crm.interactions.models import FollowUpStatus
from crm.web import safe_next
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD, FollowUpFactory, StateFactory, UserFactory, section_member

DEFAULT = "/default"

ELSEWHERE = [
    pytest.param(None, id="none"),
    pytest.param("", id="empty"),
    pytest.param("states", id="relative"),
    pytest.param("https://evil.example/", id="absolute"),
    pytest.param("//evil.example/path", id="scheme-relative"),
    pytest.param("///evil.example", id="three-slashes"),
    pytest.param("/\\evil.example", id="slash-backslash"),
    pytest.param("\\\\evil.example", id="backslashes"),
    pytest.param("/states\\..\\x", id="backslash-inside"),
    pytest.param("javascript:alert(1)", id="javascript"),
    pytest.param("/states\r\nSet-Cookie: planted=1", id="crlf"),
    pytest.param("/states\n", id="lf"),
    pytest.param("/states\r", id="cr"),
    pytest.param("/\t/evil.example", id="tab-browsers-drop"),
    pytest.param("/\u2028/evil.example", id="line-separator"),
    pytest.param("/\u202e/elpmaxe.live", id="right-to-left-override"),
    pytest.param("/%2F%2Fevil.example", id="encoded-slashes"),
    pytest.param("/%2f/evil.example", id="encoded-slash-lower-case"),
    pytest.param("%2F%2Fevil.example", id="encoded-scheme-relative"),
    pytest.param("/%5Cevil.example", id="encoded-backslash"),
    pytest.param("/%0d%0aSet-Cookie:%20planted=1", id="encoded-crlf"),
    pytest.param("/%09/evil.example", id="encoded-tab"),
    pytest.param("/" + "x" * 2001, id="too-long"),
]


@pytest.mark.parametrize("target", ELSEWHERE)
def test_anything_but_a_plain_path_of_ours_goes_to_the_default(target):
    assert safe_next(target, DEFAULT) == DEFAULT


@pytest.mark.parametrize(
    "target",
    [
        "/states",
        "/states/RO?tab=contacts&page=2",
        "/follow-ups?status=open#due",
        "/representatives?q=%C8%99tefan",
        "/states/RO/follow-ups?next=%2Fstates",
    ],
)
def test_a_path_of_ours_is_kept_as_it_is(target):
    assert safe_next(target, DEFAULT) == target


def test_a_follow_up_with_line_breaks_in_next_is_done_and_goes_to_my_follow_ups(app, client):
    """Issue 10: the status was committed, then the Location header failed with a 500."""
    state = StateFactory()
    member = section_member(state)
    follow_up = FollowUpFactory(state=state)
    response = _signed_in_post(
        client, member.email, f"/follow-ups/{follow_up.id}/done", {"next": "/states\r\nX: 1"}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/follow-ups"
    assert "X" not in response.headers
    follow_up = _reload(follow_up)
    assert follow_up.status is FollowUpStatus.DONE


@pytest.mark.parametrize("target", ["//evil.example", "/%2F%2Fevil.example", "/\\evil.example"])
def test_a_follow_up_never_sends_anyone_to_another_host(app, client, target):
    state = StateFactory()
    member = section_member(state)
    follow_up = FollowUpFactory(state=state)

    response = _signed_in_post(
        client, member.email, f"/follow-ups/{follow_up.id}/cancel", {"next": target}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/follow-ups"


def test_a_follow_up_returns_to_the_list_it_was_marked_from(app, client):
    state = StateFactory()
    member = section_member(state)
    follow_up = FollowUpFactory(state=state)
    back = f"/states/{state.iso2}/follow-ups?page=1"

    response = _signed_in_post(
        client, member.email, f"/follow-ups/{follow_up.id}/done", {"next": back}
    )

    assert response.headers["Location"] == back


@pytest.mark.parametrize(
    ("target", "location"),
    [
        pytest.param("/states/RO", "/states/RO", id="a-page-of-ours"),
        pytest.param("//evil.example", "/", id="scheme-relative"),
        pytest.param("/%2F%2Fevil.example", "/", id="encoded"),
        pytest.param("/states\r\nX: 1", "/", id="crlf"),
    ],
)
def test_signing_in_follows_next_only_to_a_page_of_ours(app, client, target, location):
    user = UserFactory()
    page = client.get("/login", query_string={"next": target})
    token = csrf_token(page.get_data(as_text=True))

    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == location


def _signed_in_post(client, email: str, url: str, data: dict):
    login(client, email, PASSWORD)
    return post_form(client, url, data)


def _reload(record):
    db.session.rollback()
    return db.session.get(type(record), record.id)
