from ccms.attendance.models import Presence
from ccms.core.seed import seed_alliance
from ccms.families.models import Child
from ccms.tenancy.models import Provider, Role


def _snapshot():
    return sorted(Child.objects.values_list("key", "first_name", "last_name", "birth_date"))


def test_seed_is_deterministic_by_seed(db):
    first = seed_alliance(providers=3, children=30, months=1, seed=7)
    assert (first.providers, first.children) == (3, 30)
    assert Provider.objects.filter(alliance=first.alliance).count() == 3
    rows = _snapshot()
    presences = Presence.objects.count()
    again = seed_alliance(providers=3, children=30, months=1, seed=7)  # replaces, same data
    assert _snapshot() == rows and Presence.objects.count() == presences
    assert again.attendance_rows == first.attendance_rows


def test_api_check_in_then_check_out(client, world):
    client.force_login(world.a1.users[Role.DIRECTOR])
    url = f"/api/providers/a1/children/{world.a1.child.pk}"
    first = client.post(f"{url}/check-in")
    assert first.status_code == 201 and first.json()["check_out"] is None
    again = client.post(f"{url}/check-in")
    assert again.status_code == 409 and "already checked in" in again.json()["detail"]
    out = client.post(f"{url}/check-out")
    assert out.status_code == 200 and out.json()["check_out"] is not None
    none = client.post(f"{url}/check-out")
    assert none.status_code == 409 and "not checked in" in none.json()["detail"]


def test_api_check_in_for_a_child_outside_the_staff_members_classrooms_is_404(client, world):
    client.force_login(world.a1.users[Role.STAFF])
    assert (
        client.post(f"/api/providers/a1/children/{world.a1.other_child.pk}/check-in").status_code
        == 404
    )
    assert (
        client.post(f"/api/providers/a1/children/{world.a1.child.pk}/check-in").status_code == 201
    )
