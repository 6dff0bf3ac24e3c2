"""The pages through HTTP: the director's phone flow, the substitute's pages, the hub's pool, and
who may open what. A substitute sees providers, classrooms, days and times, never a child."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import resolve, reverse

from ccms.core.tests.test_tenant_isolation import ROUTES, fill
from ccms.substitutes import services
from ccms.substitutes.models import CoverRequest, CoverStatus, Credential
from ccms.substitutes.tests.conftest import request, worked_shift
from ccms.tenancy.models import Membership, Role


def sign_in_substitute(client, substitute):
    client.force_login(substitute.user)


# The director ------------------------------------------------------------------------------------


def test_a_director_requests_cover_and_sees_it_listed(client, pool):
    client.force_login(pool.world.a1.users["director"])
    page = client.get(reverse("sub_cover_new", args=["a1"]))
    assert page.status_code == 200 and b"Required credentials" in page.content
    response = client.post(
        reverse("sub_cover_new", args=["a1"]),
        {
            "date": pool.tomorrow.isoformat(),
            "classroom": pool.world.a1.classroom.pk,
            "start": "07:00",
            "end": "12:30",
            "required_kinds": ["cpr", "record_check"],
            "notes": "East door",
        },
    )
    cover = CoverRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("sub_cover_detail", args=["a1", cover.pk])
    assert cover.required_kinds == ["record_check", "cpr"]
    listing = client.get(reverse("sub_cover_list", args=["a1"])).content.decode()
    assert "Waiting for a substitute" in listing and "Toddlers" in listing


def test_a_non_member_sees_why_it_cannot_request_cover(client, pool):
    from ccms.alliance.models import AllianceMember

    AllianceMember.objects.filter(provider=pool.world.a1.provider).delete()
    client.force_login(pool.world.a1.users["director"])
    response = client.post(
        reverse("sub_cover_new", args=["a1"]),
        {
            "date": pool.tomorrow.isoformat(),
            "classroom": pool.world.a1.classroom.pk,
            "start": "07:00",
            "end": "12:30",
        },
    )
    assert response.status_code == 200
    assert "is not a member of Alpha Alliance" in response.content.decode()
    assert not CoverRequest.objects.exists()


def test_the_director_confirms_hours_and_sees_what_was_billed(client, pool):
    cover = worked_shift(pool)
    client.force_login(pool.world.a1.users["director"])
    detail = client.get(reverse("sub_cover_detail", args=["a1", cover.pk])).content.decode()
    assert "Confirm the hours worked" in detail and 'value="7.50"' in detail
    response = client.post(
        reverse("sub_cover_hours", args=["a1", cover.pk]), {"hours_worked": "7.5"}, follow=True
    )
    assert "Billed $180.00" in response.content.decode()
    cover.refresh_from_db()
    assert cover.status == CoverStatus.COMPLETED


def test_a_correction_without_a_reason_is_shown_on_the_form(client, pool):
    cover = worked_shift(pool)
    director = pool.world.a1.users["director"]
    services.confirm_hours(cover=cover, hours=Decimal("7.5"), actor=director)
    client.force_login(director)
    response = client.post(reverse("sub_cover_hours", args=["a1", cover.pk]), {"hours_worked": "6"})
    assert response.status_code == 400
    assert "Say why the hours are corrected." in response.content.decode()


def test_the_director_cancels_a_request(client, pool):
    cover = request(pool)
    client.force_login(pool.world.a1.users["director"])
    response = client.post(
        reverse("sub_cover_cancel", args=["a1", cover.pk]), {"reason": "Teacher is back"}
    )
    assert response.status_code == 302
    cover.refresh_from_db()
    assert cover.status == CoverStatus.CANCELLED


def test_another_providers_request_is_not_found(client, pool):
    cover = request(pool)
    client.force_login(pool.world.a2.users["director"])
    assert client.get(reverse("sub_cover_detail", args=["a2", cover.pk])).status_code == 404
    listing = client.get(reverse("sub_cover_list", args=["a2"])).content.decode()
    assert "Toddlers" not in listing


@pytest.mark.parametrize("role", [Role.STAFF, Role.GUARDIAN, Role.CONSULTANT])
def test_roles_without_the_permission_may_not_request_cover(client, pool, role):
    client.force_login(pool.world.a1.users[role])
    assert client.get(reverse("sub_cover_list", args=["a1"])).status_code == 403
    assert client.post(reverse("sub_cover_new", args=["a1"])).status_code == 403


def test_hub_staff_may_request_cover_for_a_member(client, pool):
    client.force_login(pool.world.alliance_users[("alpha", Role.HUB_STAFF)])
    assert client.get(reverse("sub_cover_list", args=["a1"])).status_code == 200


# The substitute ----------------------------------------------------------------------------------


def test_a_substitute_starts_on_the_open_requests_they_qualify_for(client, pool):
    request(pool)
    request(pool, tenant=pool.world.a2, kinds=["cda"])  # Jordan has no CDA
    sign_in_substitute(client, pool.jordan)
    home = client.get("/")
    assert home["Location"] == reverse("sub_open", args=["alpha"])
    page = client.get(home["Location"]).content.decode()
    assert "Provider a1" in page and "Toddlers" in page and "Ask for Dana." in page
    assert "Provider a2" not in page
    for child in (pool.world.a1.child, pool.world.a1.other_child):
        assert child.first_name not in page


def test_a_substitute_accepts_and_sees_the_shift(client, pool):
    cover = request(pool)
    sign_in_substitute(client, pool.jordan)
    response = client.post(reverse("sub_accept", args=["alpha", cover.pk]), follow=True)
    page = response.content.decode()
    assert "The shift is yours" in page
    assert "Provider a1" in page and pool.world.a1.child.first_name not in page


def test_the_second_substitute_to_accept_is_told_it_is_filled(client, pool):
    cover = request(pool)
    services.accept_cover(cover_id=cover.pk, substitute=pool.jordan, actor=pool.jordan.user)
    sign_in_substitute(client, pool.maya)
    response = client.post(reverse("sub_accept", args=["alpha", cover.pk]), follow=True)
    assert "Another substitute accepted this request first" in response.content.decode()
    cover.refresh_from_db()
    assert cover.accepted_by == pool.jordan


def test_a_substitute_opens_no_provider_page_and_no_other_alliance_page(client, pool):
    """Walk every tenant URL of a1 as alpha's substitute: only their own pages answer."""
    request(pool)
    worked_shift(pool)
    own = {"sub_open", "sub_shifts", "sub_accept"}
    sign_in_substitute(client, pool.jordan)
    secrets = [pool.world.a1.child.first_name, pool.world.a1.other_child.first_name]
    for route in ROUTES:
        url = fill(route, pool.world.a1)
        name = resolve(url).url_name
        response = client.get(url)
        if name in own:
            assert response.status_code in (200, 405), url
        else:
            assert response.status_code in (403, 404, 405), f"{url} -> {response.status_code}"
        assert not any(s in response.content.decode() for s in secrets), url
    assert client.get("/providers/").content.decode().count("Provider a") == 0


def test_a_substitute_without_a_place_in_the_pool_gets_not_found(client, pool):
    user = pool.jordan.user
    pool.jordan.delete()
    assert Membership.objects.filter(user=user, role=Role.SUBSTITUTE).exists()
    client.force_login(user)
    assert client.get(reverse("sub_open", args=["alpha"])).status_code == 404


def test_an_inactive_substitute_sees_no_requests(client, pool):
    request(pool)
    pool.jordan.is_active = False
    pool.jordan.save()
    sign_in_substitute(client, pool.jordan)
    page = client.get(reverse("sub_open", args=["alpha"])).content.decode()
    assert "No open requests for you right now" in page


# The hub -----------------------------------------------------------------------------------------


def test_the_pool_warns_of_credentials_expiring_and_expired(client, pool):
    Credential.objects.filter(substitute=pool.maya, kind="cpr").update(
        expires_on=pool.today + timedelta(days=10)
    )
    Credential.objects.filter(substitute=pool.jordan, kind="first_aid").update(
        expires_on=pool.today - timedelta(days=3)
    )
    client.force_login(pool.world.alliance_users[("alpha", Role.HUB_STAFF)])
    page = client.get(reverse("sub_pool", args=["alpha"])).content.decode()
    assert "Maya Torres" in page and "Jordan Ellis" in page
    assert 'class="badge warn"' in page and "CPR · Expires" in page
    assert 'class="badge bad"' in page and "First aid · Expired" in page


def test_the_hub_adds_a_substitute_and_a_credential(client, pool):
    client.force_login(pool.world.alliance_users[("alpha", Role.HUB_STAFF)])
    response = client.post(
        reverse("sub_new", args=["alpha"]),
        {
            "name": "Sam Okafor",
            "email": "sam@sub.test",
            "phone": "",
            "hourly_rate": "22.00",
            "is_active": "on",
        },
    )
    sam = pool.world.alliance_a.substitutes.get(name="Sam Okafor")
    assert response["Location"] == reverse("sub_edit", args=["alpha", sam.pk])
    response = client.post(
        reverse("sub_credential_new", args=["alpha", sam.pk]),
        {"kind": "cpr", "number": "AHA-1", "issued_on": "2026-01-05", "expires_on": "2028-01-05"},
    )
    assert response.status_code == 302
    assert sam.credentials.get().number == "AHA-1"
    duplicate = client.post(reverse("sub_credential_new", args=["alpha", sam.pk]), {"kind": "cpr"})
    assert "edit it to renew it" in duplicate.content.decode()


def test_the_hub_sees_every_members_requests(client, pool):
    request(pool)
    request(pool, tenant=pool.world.a2)
    client.force_login(pool.world.alliance_users[("alpha", Role.ALLIANCE_ADMIN)])
    page = client.get(reverse("sub_all_requests", args=["alpha"])).content.decode()
    assert "Provider a1" in page and "Provider a2" in page


@pytest.mark.parametrize("role", [Role.STATE_VIEWER])
def test_alliance_roles_without_the_permission_may_not_keep_the_pool(client, pool, role):
    client.force_login(pool.world.alliance_users[("alpha", role)])
    assert client.get(reverse("sub_pool", args=["alpha"])).status_code == 403
    assert client.get(reverse("sub_open", args=["alpha"])).status_code == 403


def test_a_substitute_may_not_keep_the_pool(client, pool):
    sign_in_substitute(client, pool.jordan)
    assert client.get(reverse("sub_pool", args=["alpha"])).status_code == 403
    assert client.get(reverse("sub_edit", args=["alpha", pool.maya.pk])).status_code == 403
