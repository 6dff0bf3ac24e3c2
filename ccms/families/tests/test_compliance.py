"""The Iowa child file: each item ok, missing, expired or expiring within 30 days."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ccms.families.compliance import ItemStatus, add_years, child_file
from ccms.families.models import (
    AuthorizedPickup,
    Child,
    ChildDocument,
    EmergencyContact,
    Family,
    Guardian,
)
from ccms.families.queries import with_child_file
from ccms.tenancy.models import Role

TODAY = date(2026, 3, 15)
DAY = timedelta(days=1)


def complete_file(tenant, *, name="Ruiz", birth_date=date(2023, 1, 10), allergies="", today=TODAY):
    """A child whose file holds every item, as of `today`."""
    provider = tenant.provider
    family = Family.objects.create(provider=provider, name=f"{name} family")
    Guardian.objects.create(
        provider=provider,
        family=family,
        first_name="Ana",
        last_name=name,
        phone="515-555-0101",
        work_phone="515-555-0199",
        address="12 Oak St",
    )
    EmergencyContact.objects.create(provider=provider, family=family, name="Rosa", phone="1")
    child = Child.objects.create(
        provider=provider,
        family=family,
        classroom=tenant.classroom,
        first_name="Mila",
        last_name=name,
        birth_date=birth_date,
        allergies=allergies,
        health_care_source="Story County Pediatrics",
    )
    AuthorizedPickup.objects.create(
        provider=provider,
        child=child,
        name="Lena",
        relationship="Aunt",
        phone="2",
        signed_on=today - 200 * DAY,
    )
    kinds = ["medical_consent", "physical_exam", "health_statement", "immunization"]
    if allergies:
        kinds.append("allergy_plan")
    for kind in kinds:
        ChildDocument.objects.create(
            provider=provider, child=child, kind=kind, issued_on=today - 60 * DAY
        )
    return child


def statuses(child) -> dict:
    child = with_child_file(Child.objects.filter(pk=child.pk)).select_related("family").get()
    return {i.key: (i.status, i.on) for i in child_file(child, today=TODAY).items}


def set_document(child, kind, **fields):
    ChildDocument.objects.filter(child=child, kind=kind).update(**fields)


OK = ItemStatus.OK
MISSING = ItemStatus.MISSING
EXPIRED = ItemStatus.EXPIRED
EXPIRING = ItemStatus.EXPIRING


@pytest.mark.parametrize(
    ("change", "key", "expected"),
    [
        pytest.param(lambda c: None, "immunization", (OK, None), id="complete file"),
        pytest.param(
            lambda c: c.documents.all().delete(),
            "medical_consent",
            (MISSING, None),
            id="no consent",
        ),
        pytest.param(
            lambda c: c.documents.filter(kind="physical_exam").delete(),
            "physical_exam",
            (MISSING, None),
            id="no physical exam",
        ),
        pytest.param(
            lambda c: set_document(c, "immunization", expires_on=TODAY - DAY),
            "immunization",
            (EXPIRED, TODAY - DAY),
            id="immunization expired yesterday",
        ),
        pytest.param(
            lambda c: set_document(c, "immunization", expires_on=TODAY),
            "immunization",
            (EXPIRING, TODAY),
            id="immunization valid through today",
        ),
        pytest.param(
            lambda c: set_document(c, "immunization", expires_on=TODAY + 30 * DAY),
            "immunization",
            (EXPIRING, TODAY + 30 * DAY),
            id="immunization expires in 30 days",
        ),
        pytest.param(
            lambda c: set_document(c, "immunization", expires_on=TODAY + 31 * DAY),
            "immunization",
            (OK, TODAY + 31 * DAY),
            id="immunization expires in 31 days",
        ),
        pytest.param(
            lambda c: (
                set_document(c, "immunization", expires_on=TODAY - DAY),
                ChildDocument.objects.create(
                    provider=c.provider, child=c, kind="immunization", expires_on=TODAY + 400 * DAY
                ),
            ),
            "immunization",
            (OK, TODAY + 400 * DAY),
            id="a newer certificate replaces an expired one",
        ),
        pytest.param(
            lambda c: set_document(c, "health_statement", issued_on=TODAY - 366 * DAY),
            "health_statement",
            (EXPIRED, TODAY - DAY),
            id="health statement older than a year",
        ),
        pytest.param(
            lambda c: set_document(c, "health_statement", issued_on=TODAY - 350 * DAY),
            "health_statement",
            (EXPIRING, TODAY + 15 * DAY),
            id="health statement expiring in 15 days",
        ),
        pytest.param(
            lambda c: set_document(
                c, "health_statement", issued_on=TODAY - 400 * DAY, expires_on=TODAY + 90 * DAY
            ),
            "health_statement",
            (OK, TODAY + 90 * DAY),
            id="health statement with its own expiry date",
        ),
        pytest.param(
            lambda c: set_document(c, "health_statement", issued_on=None),
            "health_statement",
            (MISSING, None),
            id="undated health statement",
        ),
        pytest.param(
            lambda c: Child.objects.filter(pk=c.pk).update(health_care_source=""),
            "health_care_source",
            (MISSING, None),
            id="no health care source",
        ),
        pytest.param(
            lambda c: EmergencyContact.objects.filter(family=c.family).delete(),
            "emergency_contact",
            (MISSING, None),
            id="no emergency adult",
        ),
        pytest.param(
            lambda c: Guardian.objects.filter(family=c.family).update(work_phone=""),
            "guardians",
            (MISSING, None),
            id="guardian without work contact",
        ),
        pytest.param(
            lambda c: Guardian.objects.filter(family=c.family).delete(),
            "guardians",
            (MISSING, None),
            id="no guardian",
        ),
        pytest.param(
            lambda c: AuthorizedPickup.objects.filter(child=c).update(signed_on=None),
            "pickup_list",
            (MISSING, None),
            id="pick-up list not signed",
        ),
        pytest.param(
            lambda c: (
                AuthorizedPickup.objects.filter(child=c).delete(),
                ChildDocument.objects.create(provider=c.provider, child=c, kind="pickup_list"),
            ),
            "pickup_list",
            (OK, None),
            id="scanned pick-up list",
        ),
    ],
)
def test_child_file_item(world, change, key, expected):
    child = complete_file(world.a1)
    change(child)
    assert statuses(child)[key] == expected


def test_complete_file_has_every_item_ok(world):
    found = statuses(complete_file(world.a1))
    assert set(found) == {
        "guardians",
        "health_care_source",
        "emergency_contact",
        "medical_consent",
        "physical_exam",
        "health_statement",
        "pickup_list",
        "immunization",
    }
    assert {status for status, _ in found.values()} == {OK}


@pytest.mark.parametrize(
    ("allergies", "expected"),
    [("", None), ("Peanuts", (MISSING, None))],
)
def test_allergy_plan_is_required_only_when_the_child_has_allergies(world, allergies, expected):
    child = complete_file(world.a1)
    Child.objects.filter(pk=child.pk).update(allergies=allergies)
    assert statuses(child).get("allergy_plan") == expected


def test_allergy_plan_on_file_satisfies_the_item(world):
    child = complete_file(world.a1, allergies="Peanuts")
    assert statuses(child)["allergy_plan"] == (OK, None)


@pytest.mark.parametrize(
    ("birth_date", "needs_statement"),
    [
        (date(2021, 3, 16), True),  # turns 5 tomorrow
        (date(2020, 3, 16), True),  # turns 6 tomorrow
        (date(2020, 3, 15), False),  # 6 today
        (date(2018, 1, 1), False),
    ],
)
def test_yearly_health_statement_only_for_children_under_six(world, birth_date, needs_statement):
    child = complete_file(world.a1, birth_date=birth_date)
    ChildDocument.objects.filter(child=child, kind="health_statement").delete()
    found = statuses(child)
    assert ("health_statement" in found) is needs_statement
    if needs_statement:
        assert found["health_statement"] == (MISSING, None)


def test_a_year_after_29_february_is_28_february():
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)


def test_checklist_groups_by_classroom_counts_and_filters(client, world):
    complete_file(world.a1, today=timezone.localdate())
    client.force_login(world.a1.users[Role.DIRECTOR])
    page = client.get("/p/a1/child-files/").content.decode()
    assert "Toddlers" in page and "Preschool" in page
    assert "Alpha, Kida1" in page and "Beta, Othera1" in page  # rows of things to do
    assert "Mila Ruiz" in page  # listed as complete
    assert "Immunization certificate" in page
    filtered = client.get(
        "/p/a1/child-files/", {"classroom": world.a1.other_classroom.pk}
    ).content.decode()
    assert "Beta, Othera1" in filtered and "Alpha, Kida1" not in filtered
    assert "1 / 3" in page  # one of three files complete
    problems = client.get("/p/a1/child-files/", {"problems": "on"}).content.decode()
    assert "Alpha, Kida1" in problems and "Beta, Othera1" in problems
    assert "Mila Ruiz" not in problems


def test_checklist_leaves_out_children_not_placed_in_a_classroom(client, world):
    Child.objects.filter(pk=world.a1.other_child.pk).update(classroom=None)
    client.force_login(world.a1.users[Role.DIRECTOR])
    page = client.get("/p/a1/child-files/").content.decode()
    assert "Alpha, Kida1" in page and "Othera1" not in page


def test_another_providers_classroom_in_the_filter_shows_no_foreign_children(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    response = client.get("/p/a1/child-files/", {"classroom": world.b1.classroom.pk})
    assert response.status_code == 200
    body = response.content.decode()
    assert world.b1.child.first_name not in body


def test_child_page_shows_the_compliance_panel(client, world):
    child = complete_file(world.a1, allergies="Peanuts")
    ChildDocument.objects.filter(child=child, kind="allergy_plan").delete()
    client.force_login(world.a1.users[Role.DIRECTOR])
    page = client.get(f"/p/a1/children/{child.pk}/").content.decode()
    assert "Allergy emergency plan" in page
    assert f"/p/a1/children/{child.pk}/documents/new/?kind=allergy_plan" in page


def _checklist_queries(client, count) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/p/a1/child-files/")
    assert response.status_code == 200
    assert response.content.decode().count("/p/a1/children/") >= count
    return len(queries)


def test_checklist_query_count_does_not_grow_with_the_number_of_children(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    Child.objects.filter(provider=world.a1.provider).delete()
    for n in range(2):
        complete_file(world.a1, name=f"Small{n}")
    with_two = _checklist_queries(client, 2)
    for n in range(8):
        complete_file(world.a1, name=f"Big{n}", allergies="Milk" if n % 2 else "")
    with_ten = _checklist_queries(client, 10)
    assert with_two == with_ten
