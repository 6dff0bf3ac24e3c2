"""Sign-in: e-mail login, second factor by role and by alliance policy, rate limits, reset."""

import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail

from ccms.conftest import PASSWORD, TEST_TOTP_SECRET
from ccms.tenancy.models import Role
from ccms.tenancy.services import add_user, set_alliance_mfa_policy


def current_code() -> str:
    return format_hotp_value(hotp_value(TEST_TOTP_SECRET, int(time.time()) // 30))


def login(client, email, password=PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_director_signs_in_with_email_and_password(client, world):
    response = login(client, "DIRECTOR@a1.test")
    assert response.status_code == 302
    assert client.get("/").url == "/p/a1/"


def test_hub_staff_must_enter_the_second_factor(client, world):
    response = login(client, "hub_staff@alpha.test")
    assert response.url == "/accounts/2fa/authenticate/"
    assert client.get("/p/a1/").status_code == 302  # not signed in yet
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "123456"})
    assert wrong.status_code == 200 and "Incorrect code" in wrong.content.decode()
    client.post("/accounts/2fa/authenticate/", {"code": current_code()})
    assert client.get("/p/a1/").status_code == 200


@pytest.mark.parametrize(
    "role", [Role.ALLIANCE_ADMIN, Role.HUB_STAFF, Role.CONSULTANT, Role.STATE_VIEWER]
)
def test_roles_that_need_mfa_cannot_reach_data_before_setting_it_up(client, world, role):
    user = add_user(
        email=f"new-{role}@alpha.test", role=role, provider=world.a1.provider, password=PASSWORD
    )
    login(client, user.email)
    response = client.get("/p/a1/")
    assert response.status_code == 302 and response.url == "/accounts/2fa/"
    assert client.get("/api/providers").status_code == 403
    # Setting up the authenticator is allowed, after confirming the password once more.
    assert client.get("/accounts/2fa/totp/activate/").url.startswith("/accounts/reauthenticate/")
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200 and "Authenticator" in page.content.decode()


def test_alliance_can_require_mfa_for_directors_and_staff(client, world):
    director = world.a1.users[Role.DIRECTOR]
    client.force_login(director)
    assert client.get("/p/a1/").status_code == 200
    set_alliance_mfa_policy(alliance=world.alliance_a, required=True, actor=None)
    assert client.get("/p/a1/").url == "/accounts/2fa/"
    # Guardians are never forced, and the other alliance is unaffected.
    client.force_login(world.a1.users[Role.GUARDIAN])
    assert client.get("/p/a1/").status_code == 200
    client.force_login(world.b1.users[Role.DIRECTOR])
    assert client.get("/p/b1/").status_code == 200


def test_alliance_admin_sets_the_policy_from_the_alliance_page(client, world):
    admin = world.alliance_users[("alpha", Role.ALLIANCE_ADMIN)]
    client.force_login(admin)
    response = client.post("/alliance/alpha/", {"require_mfa_for_staff": "on"})
    assert response.status_code == 302
    world.alliance_a.refresh_from_db()
    assert world.alliance_a.require_mfa_for_staff


def test_repeated_failed_logins_are_rate_limited(client, world):
    for _ in range(5):
        login(client, "director@a1.test", "wrong-password")
    response = login(client, "director@a1.test")  # right password, but locked for now
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()


def test_password_reset_sends_a_link(client, world):
    response = client.post("/accounts/password/reset/", {"email": "director@a1.test"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_open_sign_up_is_closed(client, world):
    response = client.get("/accounts/signup/")
    assert "Sign Up Closed" in response.content.decode() or response.status_code == 403
