"""CCA in the JSON API: the same services as the pages, with their reasons as 409s."""

import json
from datetime import timedelta

import pytest

from ccms.subsidy.models import Authorization, Submission
from ccms.subsidy.tests.conftest import add_pair
from ccms.tenancy.models import Role


def api(cca, path=""):
    return f"/api/providers/{cca.slug}/cca/{path}"


def post(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def director(client, cca):
    client.force_login(cca.director)
    return client


def test_a_period_reads_with_its_status_and_errors(director, cca):
    add_pair(cca.child, cca.period.end - timedelta(days=1), "08:00", None)
    data = director.get(api(cca, f"periods/{cca.period.slug}")).json()
    assert (data["status"], data["children"], data["submission"]) == ("blocked", 2, None)
    assert [(e["code"], e["blocking"]) for e in data["errors"]] == [("missing_check_out", True)]


def test_a_period_not_starting_a_period_is_refused_with_the_nearest_starts(director, cca):
    day = cca.period.start + timedelta(days=1)
    response = director.get(api(cca, f"periods/{day}"))
    assert response.status_code == 400
    assert f"the nearest period starts are {cca.period.slug}" in response.json()["detail"]


def test_the_feed_in_json_and_csv(director, cca):
    response = director.get(api(cca, f"periods/{cca.period.slug}/feed"))
    assert response.json()["totals"]["state_amount"] == "190.68"
    response = director.get(api(cca, f"periods/{cca.period.slug}/feed?format=csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().count("\n") == 7
    assert director.get(api(cca, f"periods/{cca.period.slug}/feed?format=pdf")).status_code == 400


def test_submit_recall_resubmit_and_pay_through_the_api(director, cca):
    url = api(cca, f"periods/{cca.period.slug}")
    response = director.post(f"{url}/submit")
    assert response.status_code == 201 and response.json()["number"] == 1
    again = director.post(f"{url}/submit")
    assert again.status_code == 409 and "submitted already" in again.json()["detail"]
    assert post(director, f"{url}/recall").status_code == 422
    response = post(director, f"{url}/recall", {"reason": "Corrected a check-out"})
    assert response.json()["status"] == "recalled"
    assert director.post(f"{url}/submit").json()["number"] == 2
    response = post(
        director,
        f"{url}/payments",
        {
            "paid_on": cca.today.isoformat(),
            "reference": "W-77",
            "lines": [
                {"kindertrack_child_id": "100001", "amount": "76.38"},
                {"child_key": cca.other.key, "amount": "114.30"},
            ],
        },
    )
    assert response.status_code == 201 and response.json()["status"] == "reconciled"
    rec = director.get(f"{url}/reconciliation").json()
    assert rec["billed"] == rec["paid"] == "190.68"


def test_payments_naming_no_child_here_are_refused(director, cca, world):
    director.post(api(cca, f"periods/{cca.period.slug}/submit"))
    response = post(
        director,
        api(cca, f"periods/{cca.period.slug}/payments"),
        {"paid_on": cca.today.isoformat(), "lines": [{"child_id": world.b1.child.pk, "amount": 1}]},
    )
    assert response.status_code == 409


def test_authorizations_are_listed_added_and_changed_with_a_reason(director, cca):
    assert len(director.get(api(cca, "authorizations")).json()) == 2
    Authorization.objects.filter(child=cca.child).delete()
    response = post(
        director,
        api(cca, "authorizations"),
        {
            "child_id": cca.child.pk,
            "start_date": cca.today.isoformat(),
            "end_date": (cca.today + timedelta(days=90)).isoformat(),
            "units_per_period": 16,
            "private_rate": "27.00",
            "fee_level_override": "D",
        },
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["fee_level"], created["private_rate"]) == ("D", "27.00")
    url = api(cca, f"authorizations/{created['id']}")
    response = director.patch(url, json.dumps({"units_per_period": 18}), "application/json")
    assert response.status_code == 422
    response = director.patch(
        url, json.dumps({"units_per_period": 18, "reason": "Renewal"}), "application/json"
    )
    assert response.json()["units_per_period"] == 18


def test_pricing_of_a_submitted_period_cannot_be_changed_through_the_api(director, cca):
    director.post(api(cca, f"periods/{cca.period.slug}/submit"))
    response = director.patch(
        api(cca, f"authorizations/{cca.authorization.pk}"),
        json.dumps({"private_rate": "10.00", "reason": "Lower"}),
        "application/json",
    )
    assert (
        response.status_code == 409 and "Recall that submission first" in response.json()["detail"]
    )


def test_the_work_queue_for_hub_staff(client, cca, world):
    add_pair(cca.child, cca.period.end - timedelta(days=1), "08:00", None)
    client.force_login(world.alliance_users[("alpha", Role.HUB_STAFF)])
    items = client.get("/api/alliances/alpha/cca/queue").json()
    assert [(i["severity"], i["kind"], i["provider"]) for i in items][:1] == [
        ("bad", "errors", "a1")
    ]
    client.force_login(cca.director)
    assert client.get("/api/alliances/alpha/cca/queue").status_code == 404


@pytest.mark.parametrize("role", [Role.STAFF, Role.CONSULTANT, Role.GUARDIAN])
def test_other_roles_of_the_provider_are_refused(client, cca, role):
    client.force_login(cca.tenant.users[role])
    assert client.get(api(cca, f"periods/{cca.period.slug}")).status_code == 403
    assert client.post(api(cca, f"periods/{cca.period.slug}/submit")).status_code == 403
    assert not Submission.objects.exists()
