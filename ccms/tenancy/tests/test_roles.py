"""What each role sees and may do at its own provider."""

import pytest

from ccms.tenancy.models import Role


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_staff_see_only_their_classrooms_children(client, world):
    body = get(client, world.a1.users[Role.STAFF], "/p/a1/children/").content.decode()
    assert world.a1.child.first_name in body
    assert world.a1.other_child.first_name not in body


def test_guardians_see_only_their_own_children(client, world):
    for url in ("/p/a1/", "/p/a1/children/"):
        body = get(client, world.a1.users[Role.GUARDIAN], url).content.decode()
        assert world.a1.child.first_name in body
        assert world.a1.other_child.first_name not in body


def test_director_sees_every_child(client, world):
    body = get(client, world.a1.users[Role.DIRECTOR], "/p/a1/children/").content.decode()
    assert world.a1.child.first_name in body and world.a1.other_child.first_name in body


@pytest.mark.parametrize(
    "role, url, status",
    [
        (Role.STAFF, "/p/a1/settings/", 403),
        (Role.STAFF, "/p/a1/classrooms/new/", 403),
        (Role.STAFF, "/p/a1/audit/", 403),
        (Role.GUARDIAN, "/p/a1/classrooms/", 403),
        (Role.GUARDIAN, "/p/a1/settings/", 403),
        (Role.CONSULTANT, "/p/a1/children/", 403),
        (Role.CONSULTANT, "/p/a1/classrooms/", 200),
        (Role.DIRECTOR, "/p/a1/audit/", 200),
        (Role.DIRECTOR, "/p/a1/settings/", 200),
    ],
)
def test_role_permissions_at_own_provider(client, world, role, url, status):
    assert get(client, world.a1.users[role], url).status_code == status


def test_alliance_roles_reach_every_member_but_not_other_alliances(client, world):
    hub = world.alliance_users[("alpha", Role.HUB_STAFF)]
    assert get(client, hub, "/p/a1/").status_code == 200
    assert get(client, hub, "/p/a2/").status_code == 200
    assert get(client, hub, "/p/b1/").status_code == 404


def test_state_viewer_sees_aggregates_without_child_names(client, world):
    state = world.alliance_users[("alpha", Role.STATE_VIEWER)]
    response = get(client, state, "/state/alpha/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Polk" in body and "Licensed center" in body
    for child in (world.a1.child, world.a2.child):
        assert child.first_name not in body
    assert get(client, state, "/p/a1/").status_code == 404
    assert get(client, state, "/alliance/alpha/").status_code == 403


def test_user_with_roles_at_two_providers_switches_between_them(client, world):
    from ccms.tenancy.services import grant_role

    director = world.a1.users[Role.DIRECTOR]
    grant_role(user=director, role=Role.DIRECTOR, provider=world.a2.provider)
    client.force_login(director)
    assert client.get("/").url == "/providers/"
    home = client.get("/p/a2/").content.decode()
    assert 'href="/p/a1/"' in home and 'href="/p/a2/"' in home  # the provider switcher
    assert client.get("/p/a1/").status_code == 200


def test_provider_list_shows_only_the_users_providers_and_searches_with_htmx(client, world):
    hub = world.alliance_users[("alpha", Role.HUB_STAFF)]
    client.force_login(hub)
    body = client.get("/providers/").content.decode()
    assert "Provider a1" in body and "Provider a2" in body and "Provider b1" not in body
    partial = client.get("/providers/?q=a2", headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode()
    assert "Provider a2" in partial.content.decode()
    assert "Provider a1" not in partial.content.decode()


def test_api_lists_only_accessible_providers(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    slugs = [p["slug"] for p in client.get("/api/providers").json()]
    assert slugs == ["a1"]
    children = client.get("/api/providers/a1/children").json()
    assert {c["first_name"] for c in children} == {
        world.a1.child.first_name,
        world.a1.other_child.first_name,
    }


def test_api_children_for_staff_are_their_classrooms_only(client, world):
    client.force_login(world.a1.users[Role.STAFF])
    children = client.get("/api/providers/a1/children").json()
    assert [c["first_name"] for c in children] == [world.a1.child.first_name]
