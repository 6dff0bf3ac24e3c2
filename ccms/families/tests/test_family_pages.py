"""Family and child records through the web pages: what each role may see and change."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ccms.core.models import AuditEvent
from ccms.families.models import AuthorizedPickup, Child, EmergencyContact, Family, Guardian
from ccms.tenancy.models import Role

CUSTODY = "Father may not pick up: court order 2025-CV-118"
MEDICAL = "Inhaler in the blue bag, two puffs"


def guardian_data(**overrides):
    data = {
        "first_name": "Ana",
        "last_name": "Ruiz",
        "relationship": "Mother",
        "phone": "515-555-0101",
        "work_phone": "Hy-Vee, 515-555-0199",
        "email": "ana@example.com",
        "address": "12 Oak St, Ames",
        "is_payer": "on",
        "can_pick_up": "on",
    }
    return {**data, **overrides}


def child_data(family, **overrides):
    data = {
        "family": family.pk,
        "first_name": "Mila",
        "last_name": "Ruiz",
        "birth_date": "2023-04-02",
        "allergies": "",
        "kindertrack_child_id": "",
        "health_care_source": "Story County Pediatrics",
        "file_reviewed_on": "",
        "medical_notes": "",
        "custody_notes": "",
    }
    return {**data, **overrides}


@pytest.fixture
def director(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    return world.a1.users[Role.DIRECTOR]


def test_director_adds_a_family_guardian_contact_and_child_through_the_pages(
    client, world, director
):
    response = client.post(
        "/p/a1/families/new/",
        {"name": "Ruiz family", "phone": "515-555-0100", "email": "", "address": "12 Oak St"},
    )
    family = Family.objects.get(name="Ruiz family")
    assert family.provider == world.a1.provider
    assert response.status_code == 302 and response["Location"] == f"/p/a1/families/{family.pk}/"

    response = client.post(f"/p/a1/families/{family.pk}/guardians/new/", guardian_data())
    assert response.status_code == 302
    guardian = family.guardians.get()
    assert (guardian.work_phone, guardian.is_payer, guardian.provider) == (
        "Hy-Vee, 515-555-0199",
        True,
        world.a1.provider,
    )

    response = client.post(
        f"/p/a1/families/{family.pk}/contacts/new/",
        {"name": "Rosa Ruiz", "relationship": "Grandmother", "phone": "515-555-0177"},
    )
    assert response.status_code == 302
    assert family.emergency_contacts.get().name == "Rosa Ruiz"

    response = client.post("/p/a1/children/new/", child_data(family, medical_notes=MEDICAL))
    child = Child.objects.get(first_name="Mila")
    assert response.status_code == 302 and response["Location"] == f"/p/a1/children/{child.pk}/"
    assert (child.family, child.provider, child.medical_notes) == (
        family,
        world.a1.provider,
        MEDICAL,
    )

    page = client.get(f"/p/a1/families/{family.pk}/").content.decode()
    for text in ("Ruiz family", "Ana Ruiz", "Hy-Vee, 515-555-0199", "Rosa Ruiz", "Mila Ruiz"):
        assert text in page
    created = AuditEvent.objects.filter(actor=director, action="created")
    assert set(created.values_list("object_type", flat=True)) >= {
        "Family",
        "Guardian",
        "Emergency contact",
        "Child",
    }


def test_editing_a_child_needs_a_reason_and_records_it(client, world, director):
    child = world.a1.child
    data = child_data(child.family, first_name=child.first_name, last_name=child.last_name)
    data["birth_date"] = child.birth_date.isoformat()
    data["allergies"] = "Peanuts"
    response = client.post(f"/p/a1/children/{child.pk}/edit/", data)
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    child.refresh_from_db()
    assert child.allergies == ""

    data["reason"] = "Allergist letter received"
    response = client.post(f"/p/a1/children/{child.pk}/edit/", data)
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.allergies == "Peanuts"
    event = AuditEvent.objects.get(object_type="Child", action="updated", object_id=str(child.pk))
    assert event.reason == "Allergist letter received"
    assert event.actor == director
    assert event.changes["allergies"] == ["", "Peanuts"]


def test_editing_a_guardian_needs_a_reason(client, world, director):
    guardian = world.a1.family.guardians.get()
    response = client.post(f"/p/a1/guardians/{guardian.pk}/edit/", guardian_data())
    assert response.status_code == 200
    guardian.refresh_from_db()
    assert guardian.first_name == "Pat"
    response = client.post(
        f"/p/a1/guardians/{guardian.pk}/edit/", guardian_data(reason="Name corrected")
    )
    assert response.status_code == 302
    guardian.refresh_from_db()
    assert guardian.first_name == "Ana"
    assert AuditEvent.objects.get(object_type="Guardian", action="updated").reason == (
        "Name corrected"
    )


def test_kindertrack_child_id_must_be_six_digits(client, world, director):
    response = client.post(
        "/p/a1/children/new/", child_data(world.a1.family, kindertrack_child_id="12345")
    )
    assert response.status_code == 200
    assert "A KinderTrack child ID is 6 digits." in response.content.decode()
    assert not Child.objects.filter(first_name="Mila").exists()


def test_director_manages_the_authorized_pickup_list(client, world, director):
    child = world.a1.child
    response = client.post(
        f"/p/a1/children/{child.pk}/pickups/new/",
        {"name": "Lena Alpha", "relationship": "Aunt", "phone": "515-555-0142", "signed_on": ""},
    )
    assert response.status_code == 302
    pickup = AuthorizedPickup.objects.get(child=child)
    response = client.post(
        f"/p/a1/pickups/{pickup.pk}/edit/",
        {
            "name": "Lena Alpha",
            "relationship": "Aunt",
            "phone": "515-555-0142",
            "signed_on": "2026-01-05",
            "reason": "Mother signed the list",
        },
    )
    assert response.status_code == 302
    pickup.refresh_from_db()
    assert pickup.signed_on == date(2026, 1, 5)
    page = client.get(f"/p/a1/children/{child.pk}/").content.decode()
    assert "Lena Alpha" in page and "Jan 5, 2026" in page

    response = client.post(f"/p/a1/pickups/{pickup.pk}/remove/", {"reason": ""})
    assert response.status_code == 200 and AuthorizedPickup.objects.filter(pk=pickup.pk).exists()
    response = client.post(f"/p/a1/pickups/{pickup.pk}/remove/", {"reason": "Moved away"})
    assert response.status_code == 302
    assert not AuthorizedPickup.objects.filter(pk=pickup.pk).exists()
    removal = AuditEvent.objects.get(object_type="Authorized pickup", action="deleted")
    assert (removal.reason, removal.actor) == ("Moved away", director)


def test_director_edits_and_removes_an_emergency_contact(client, world, director):
    contact = EmergencyContact.objects.create(
        provider=world.a1.provider, family=world.a1.family, name="Gus", phone="1"
    )
    response = client.post(
        f"/p/a1/contacts/{contact.pk}/edit/",
        {"name": "Gus Alpha", "relationship": "Neighbor", "phone": "515-555-0111", "reason": "x"},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.name == "Gus Alpha"
    response = client.post(f"/p/a1/contacts/{contact.pk}/remove/", {"reason": "No longer local"})
    assert response.status_code == 302
    assert not EmergencyContact.objects.filter(pk=contact.pk).exists()


def test_family_search_finds_families_by_guardian_and_child_and_serves_an_htmx_partial(
    client, world, director
):
    page = client.get("/p/a1/families/", {"q": "Pat"}).content.decode()
    assert "Family a1" in page and "Other family a1" not in page
    partial = client.get("/p/a1/families/", {"q": "Othera1"}, headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert "Other family a1" in body and "Family a1<" not in body
    assert "<html" not in body


def test_guardian_sees_only_their_own_family_and_children(client, world):
    client.force_login(world.a1.users[Role.GUARDIAN])
    listing = client.get("/p/a1/families/").content.decode()
    assert "Family a1" in listing and "Other family a1" not in listing
    assert client.get(f"/p/a1/families/{world.a1.family.pk}/").status_code == 200
    assert client.get(f"/p/a1/children/{world.a1.child.pk}/").status_code == 200
    other_family = world.a1.other_child.family
    assert client.get(f"/p/a1/families/{other_family.pk}/").status_code == 404
    assert client.get(f"/p/a1/children/{world.a1.other_child.pk}/").status_code == 404
    assert client.get(f"/p/a1/children/{world.a1.child.pk}/edit/").status_code == 403
    assert client.get("/p/a1/child-files/").status_code == 403


def test_guardian_updates_only_their_own_contact_details(client, world):
    guardian_user = world.a1.users[Role.GUARDIAN]
    client.force_login(guardian_user)
    own = world.a1.family.guardians.get(user=guardian_user)
    other = Guardian.objects.create(
        provider=world.a1.provider, family=world.a1.family, first_name="Sam", last_name="Alpha"
    )
    response = client.post(
        f"/p/a1/guardians/{own.pk}/edit/",
        {
            "phone": "515-555-0123",
            "work_phone": "City of Ames",
            "email": "pat@example.com",
            "address": "1 Elm St",
            "reason": "Moved",
            "first_name": "Hacker",
            "is_payer": "",
        },
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert (own.phone, own.address, own.first_name, own.is_payer) == (
        "515-555-0123",
        "1 Elm St",
        "Pat",
        True,
    )
    assert client.get(f"/p/a1/guardians/{other.pk}/edit/").status_code == 403


def test_staff_see_only_children_and_families_of_their_classrooms(client, world):
    client.force_login(world.a1.users[Role.STAFF])
    assert client.get(f"/p/a1/children/{world.a1.child.pk}/").status_code == 200
    assert client.get(f"/p/a1/children/{world.a1.other_child.pk}/").status_code == 404
    listing = client.get("/p/a1/families/").content.decode()
    assert "Family a1" in listing and "Other family a1" not in listing
    checklist = client.get("/p/a1/child-files/").content.decode()
    assert world.a1.child.first_name in checklist
    assert world.a1.other_child.first_name not in checklist
    assert client.get("/p/a1/families/new/").status_code == 403


def test_consultants_see_no_families_or_children(client, world):
    client.force_login(world.a1.users[Role.CONSULTANT])
    for url in (
        "/p/a1/families/",
        f"/p/a1/families/{world.a1.family.pk}/",
        f"/p/a1/children/{world.a1.child.pk}/",
        "/p/a1/child-files/",
    ):
        assert client.get(url).status_code == 403, url


@pytest.fixture
def noted_child(world):
    child = world.a1.child
    child.custody_notes = CUSTODY
    child.medical_notes = MEDICAL
    child.save()
    return child


def test_custody_notes_are_shown_to_directors_only(client, world, noted_child):
    url = f"/p/a1/children/{noted_child.pk}/"
    client.force_login(world.a1.users[Role.DIRECTOR])
    assert CUSTODY in client.get(url).content.decode()
    assert CUSTODY in client.get(url + "edit/").content.decode()
    others = [
        world.a1.users[Role.STAFF],
        world.a1.users[Role.GUARDIAN],
        world.alliance_users[("alpha", Role.HUB_STAFF)],
        world.alliance_users[("alpha", Role.ALLIANCE_ADMIN)],
    ]
    for user in others:
        client.force_login(user)
        for page in (url, url + "edit/", f"/p/a1/families/{noted_child.family_id}/"):
            body = client.get(page).content.decode()
            assert CUSTODY not in body, (user.email, page)
            assert "Custody notes" not in body, (user.email, page)
        api = client.get("/api/providers/a1/children").content.decode()
        assert CUSTODY not in api


def test_medical_notes_are_shown_to_the_director_and_the_childs_classroom_staff(
    client, world, noted_child
):
    url = f"/p/a1/children/{noted_child.pk}/"
    for user in (world.a1.users[Role.DIRECTOR], world.a1.users[Role.STAFF]):
        client.force_login(user)
        assert MEDICAL in client.get(url).content.decode()
    for user in (
        world.a1.users[Role.GUARDIAN],
        world.alliance_users[("alpha", Role.HUB_STAFF)],
    ):
        client.force_login(user)
        assert MEDICAL not in client.get(url).content.decode()


def test_hub_staff_edit_keeps_the_notes_they_cannot_see(client, world, noted_child):
    client.force_login(world.alliance_users[("alpha", Role.HUB_STAFF)])
    data = child_data(
        noted_child.family,
        first_name="Renamed",
        last_name="Alpha",
        birth_date=noted_child.birth_date.isoformat(),
        medical_notes="overwritten",
        custody_notes="overwritten",
        reason="Spelling",
    )
    response = client.post(f"/p/a1/children/{noted_child.pk}/edit/", data)
    assert response.status_code == 302
    noted_child.refresh_from_db()
    assert noted_child.first_name == "Renamed"
    assert (noted_child.medical_notes, noted_child.custody_notes) == (MEDICAL, CUSTODY)


def test_notes_are_encrypted_at_rest(noted_child):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT medical_notes, custody_notes FROM families_child WHERE id = %s",
            [noted_child.pk],
        )
        medical, custody = cursor.fetchone()
    assert medical and custody
    assert MEDICAL not in medical and "Inhaler" not in medical
    assert CUSTODY not in custody and "court order" not in custody
    noted_child.refresh_from_db()
    assert (noted_child.medical_notes, noted_child.custody_notes) == (MEDICAL, CUSTODY)


def test_another_providers_family_in_the_child_form_is_refused_and_nothing_is_written(
    client, world, director
):
    before = (Child.objects.count(), AuditEvent.objects.count())
    response = client.post("/p/a1/children/new/", child_data(world.b1.family))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    child = world.a1.child
    data = child_data(world.a2.family, first_name="Moved", reason="Sneaky")
    response = client.post(f"/p/a1/children/{child.pk}/edit/", data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    child.refresh_from_db()
    assert child.family == world.a1.family and child.first_name != "Moved"
    assert (Child.objects.count(), AuditEvent.objects.count()) == before


def test_injected_family_or_provider_fields_are_ignored_by_scoped_forms(client, world, director):
    response = client.post(
        f"/p/a1/families/{world.a1.family.pk}/guardians/new/",
        guardian_data(family=world.b1.family.pk, provider=world.b1.provider.pk),
    )
    assert response.status_code == 302
    guardian = Guardian.objects.get(first_name="Ana")
    assert (guardian.family, guardian.provider) == (world.a1.family, world.a1.provider)
    assert not world.b1.family.guardians.filter(first_name="Ana").exists()


def test_child_create_with_another_providers_family_in_the_query_is_404(client, world, director):
    assert client.get(f"/p/a1/children/new/?family={world.b1.family.pk}").status_code == 404


def test_family_list_query_count_does_not_grow_with_the_number_of_families(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])

    def queries_for_list():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/p/a1/families/").status_code == 200
        return len(captured)

    before = queries_for_list()
    for n in range(8):
        family = Family.objects.create(provider=world.a1.provider, name=f"Extra {n}")
        Guardian.objects.create(
            provider=world.a1.provider, family=family, first_name="G", last_name=str(n)
        )
        Child.objects.create(
            provider=world.a1.provider,
            family=family,
            first_name=f"C{n}",
            last_name="X",
            birth_date=date(2022, 1, 1),
        )
    assert queries_for_list() == before
