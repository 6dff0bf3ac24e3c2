from ccms.core.models import AuditEvent
from ccms.tenancy.models import Classroom, Role


def test_classroom_form_shows_inline_errors_and_saves_nothing(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    before = Classroom.objects.count()
    response = client.post(
        "/p/a1/classrooms/new/",
        {
            "site": world.a1.site.pk,
            "name": "",
            "min_age_months": "36",
            "max_age_months": "12",
            "licensed_capacity": "0",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "This field is required." in body
    assert "The oldest age served must not be below the youngest." in body
    assert "Ensure this value is greater than or equal to 1." in body
    assert Classroom.objects.count() == before


def test_site_of_another_provider_is_refused(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    response = client.post(
        "/p/a1/classrooms/new/",
        {
            "site": world.b1.site.pk,
            "name": "Sneaky",
            "min_age_months": "0",
            "max_age_months": "12",
            "licensed_capacity": "4",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Classroom.objects.filter(name="Sneaky").exists()


def test_classroom_edit_is_audited_with_who_what_and_why(client, world):
    director = world.a1.users[Role.DIRECTOR]
    client.force_login(director)
    room = world.a1.classroom
    response = client.post(
        f"/p/a1/classrooms/{room.pk}/edit/",
        {
            "site": world.a1.site.pk,
            "name": room.name,
            "min_age_months": room.min_age_months,
            "max_age_months": room.max_age_months,
            "licensed_capacity": "12",
            "reason": "License amended after the fire inspection",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(object_type="Classroom", action="updated").get()
    assert event.actor == director
    assert event.provider_id == world.a1.provider.pk
    assert event.changes == {"licensed capacity": ["10", "12"]}
    assert event.reason == "License amended after the fire inspection"
    page = client.get("/p/a1/audit/").content.decode()
    assert "License amended after the fire inspection" in page


def test_edit_without_a_reason_is_refused(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    room = world.a1.classroom
    response = client.post(
        f"/p/a1/classrooms/{room.pk}/edit/",
        {
            "site": world.a1.site.pk,
            "name": "Renamed",
            "min_age_months": 12,
            "max_age_months": 35,
            "licensed_capacity": 10,
            "reason": "",
        },
    )
    assert response.status_code == 200
    room.refresh_from_db()
    assert room.name == "Toddlers"


def test_provider_audit_log_shows_only_that_providers_events(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    body = client.get("/p/a1/audit/").content.decode()
    assert world.a1.child.first_name in body
    assert world.a2.child.first_name not in body


def test_alliance_admin_sees_every_members_audit_events(client, world):
    client.force_login(world.alliance_users[("alpha", Role.ALLIANCE_ADMIN)])
    body = client.get("/alliance/alpha/audit/").content.decode()
    assert "Provider a1" in body and "Provider a2" in body and "Provider b1" not in body


def test_provider_settings_change_records_the_reason(client, world):
    director = world.a1.users[Role.DIRECTOR]
    client.force_login(director)
    provider = world.a1.provider
    response = client.post(
        "/p/a1/settings/",
        {
            "name": provider.name,
            "kind": "center",
            "timezone": "America/Chicago",
            "iq4k_level": "3",
            "kindertrack_provider_id": "12345",
            "cca_billing_period": "monthly",
            "cca_period_anchor": "2026-01-04",
            "county": "Polk",
            "city": "Ames",
            "reason": "Rated IQ4K level 3",
        },
    )
    assert response.status_code == 302
    provider.refresh_from_db()
    assert (provider.iq4k_level, provider.kindertrack_provider_id) == ("3", "12345")
    event = AuditEvent.objects.filter(object_type="Provider", action="updated").get()
    assert event.changes["IQ4K level"] == ["none", "3"]
    assert event.reason == "Rated IQ4K level 3"


def test_kindertrack_provider_id_must_be_five_digits(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    response = client.post(
        "/p/a1/settings/",
        {
            "name": "X",
            "kind": "center",
            "timezone": "America/Chicago",
            "iq4k_level": "none",
            "kindertrack_provider_id": "12",
            "cca_billing_period": "monthly",
            "cca_period_anchor": "2026-01-04",
            "reason": "typo",
        },
    )
    assert "A KinderTrack provider ID is 5 digits." in response.content.decode()


def _settings_post(provider, **extra):
    data = {
        "name": provider.name,
        "kind": "center",
        "timezone": "America/Chicago",
        "iq4k_level": "none",
        "cca_billing_period": "monthly",
        "cca_period_anchor": "2026-01-04",
        "reason": "Waitlist policy",
    }
    data.update(extra)
    return data


def test_director_sets_the_waitlist_priority_order(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    provider = world.a1.provider
    response = client.post(
        "/p/a1/settings/",
        _settings_post(
            provider,
            waitlist_priorities_0="cca_family",
            waitlist_priorities_1="sibling",
            waitlist_priorities_2="",
            waitlist_priorities_3="applied_on",
        ),
    )
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.waitlist_priorities == ["cca_family", "sibling", "applied_on"]


def test_a_priority_rule_used_twice_is_refused(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    response = client.post(
        "/p/a1/settings/",
        _settings_post(
            world.a1.provider, waitlist_priorities_0="sibling", waitlist_priorities_1="sibling"
        ),
    )
    assert "Use each priority rule only once." in response.content.decode()


def test_staffed_capacity_is_set_on_the_classroom_form(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    room = world.a1.classroom
    client.post(
        f"/p/a1/classrooms/{room.pk}/edit/",
        {
            "site": world.a1.site.pk,
            "name": room.name,
            "min_age_months": 12,
            "max_age_months": 35,
            "licensed_capacity": 10,
            "staffed_capacity": 7,
            "reason": "Only two teachers scheduled",
        },
    )
    room.refresh_from_db()
    assert room.staffed_capacity == 7
