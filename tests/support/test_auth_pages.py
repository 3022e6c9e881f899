"""Logging in and resetting a forgotten password, as a person does it in the browser."""

import re

import pytest
from django.core import mail

from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


def test_login_page_renders_a_labelled_form(client):
    response = client.get("/login/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username">' in html
    assert '<label for="id_password">' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'href="/password-reset/"' in html


def test_wrong_password_shows_an_error_and_starts_no_session(client):
    agent = AgentFactory()

    response = client.post("/login/", {"username": agent.user.username, "password": "nope"})

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_email_link_sets_a_new_password_that_logs_in(client):
    user = AgentFactory(user__email="alex@staff.example.com").user

    response = client.post("/password-reset/", {"email": "alex@staff.example.com"}, follow=True)
    assert response.status_code == 200
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alex@staff.example.com"]
    link = re.search(r"https?://testserver(/reset/[^/\s]+/[^/\s]+/)", message.body)
    assert link, message.body

    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0]
    assert set_password_url.endswith("/set-password/")
    done = client.post(
        set_password_url,
        {"new_password1": "a-fresh-Passphrase-42", "new_password2": "a-fresh-Passphrase-42"},
        follow=True,
    )
    assert done.redirect_chain[-1][0] == "/reset/done/"

    client.logout()
    fresh = {"username": user.username, "password": "a-fresh-Passphrase-42"}
    assert client.post("/login/", fresh).status_code == 302  # logged in, sent home
    client.logout()
    stale = {"username": user.username, "password": "pw-for-tests-1"}
    assert client.post("/login/", stale).status_code == 200  # the form again, with the error


def test_password_reset_for_an_unknown_address_sends_nothing_and_reveals_nothing(client):
    response = client.post("/password-reset/", {"email": "nobody@example.com"}, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/password-reset/sent/"
    assert mail.outbox == []
