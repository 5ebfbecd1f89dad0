from tests.conftest import login
from tests.factories import UserFactory


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"


def test_login_and_see_states(client):
    user = UserFactory()
    response = login(client, user.email, "correct horse battery")
    assert response.status_code == 302
    page = client.get("/states")
    assert page.status_code == 200
