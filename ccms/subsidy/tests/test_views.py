"""The CCA pages through the HTTP layer: the period page and its errors, submitting, recalling,
the feed download, reconciliation, authorizations, settings, and the hub's work queue."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ccms.subsidy.models import Authorization, StatePayment, Submission, SubmissionStatus
from ccms.subsidy.tests.conftest import add_pair
from ccms.tenancy.models import Role

D = Decimal


def period_url(cca, period=None, page=""):
    period = period or cca.period
    return f"/p/{cca.slug}/cca/periods/{period.slug}/{page}"


@pytest.fixture
def hub(world):
    return world.alliance_users[("alpha", Role.HUB_STAFF)]


def test_the_cca_home_lists_periods_and_the_due_one(client, cca):
    client.force_login(cca.director)
    response = client.get(f"/p/{cca.slug}/cca/")
    page = response.content.decode()
    assert response.status_code == 200
    assert cca.period.label in page and "Due to submit" in page and "Review and submit" in page
    assert 'aria-current="page">CCA</a>' in page  # the provider's CCA tab


def test_the_period_page_shows_each_childs_units_and_amounts(client, cca):
    client.force_login(cca.director)
    page = client.get(period_url(cca)).content.decode()
    assert "Ready to submit" in page
    assert "Kida1 Alpha" in page and "76.38" in page and "114.30" in page
    assert "$190.68" in page


def test_each_error_links_to_the_page_that_corrects_it(client, cca):
    missing = add_pair(cca.child, cca.period.end - timedelta(days=1), "08:00", None)
    cca.provider.kindertrack_provider_id = ""
    cca.provider.save(update_fields=["kindertrack_provider_id"])
    client.force_login(cca.director)
    page = client.get(period_url(cca)).content.decode()
    assert "2 errors to fix before submitting" in page
    assert f'href="/p/a1/attendance/presences/{missing.pk}/correct/">Add the check-out' in page
    assert 'href="/p/a1/settings/">Add the KinderTrack provider ID' in page
    assert "Kida1 Alpha: Check-in at 08:00 has no check-out on" in page
    assert "Submit " + cca.period.label not in page


def test_a_period_in_the_middle_redirects_to_its_first_day(client, cca):
    client.force_login(cca.director)
    day = cca.period.start + timedelta(days=3)
    response = client.get(f"/p/a1/cca/periods/{day}/")
    assert response.status_code == 302 and response["Location"] == period_url(cca)
    assert client.get("/p/a1/cca/periods/not-a-date/").status_code == 404


def test_submit_recall_and_resubmit_through_the_pages(client, cca):
    client.force_login(cca.director)
    response = client.post(period_url(cca, page="submit/"), follow=True)
    page = response.content.decode()
    assert "submitted (submission 1)" in page and "Ready to download" in page
    assert "Recall to correct" in page
    response = client.post(period_url(cca, page="recall/"), {"reason": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    response = client.post(
        period_url(cca, page="recall/"), {"reason": "Wrong check-out on day one"}, follow=True
    )
    assert "Submission 1 recalled" in response.content.decode()
    response = client.post(period_url(cca, page="submit/"), follow=True)
    page = response.content.decode()
    assert "submission 2" in page and "“Wrong check-out on day one”" in page
    assert list(Submission.objects.values_list("number", "status")) == [
        (2, SubmissionStatus.SUBMITTED),
        (1, SubmissionStatus.RECALLED),
    ]


def test_the_file_transport_records_the_upload_with_the_portal_number(client, cca):
    client.force_login(cca.director)
    client.post(period_url(cca, page="submit/"))
    client.post(period_url(cca, page="transmit/"), {"reference": "KT-4471"})
    submission = Submission.objects.get()
    assert (submission.transmission_status, submission.acknowledgement) == ("uploaded", "KT-4471")


def test_a_refused_submission_says_why(client, cca):
    add_pair(cca.other, cca.period.end - timedelta(days=1), "09:00", None)
    client.force_login(cca.director)
    page = client.post(period_url(cca, page="submit/"), follow=True).content.decode()
    assert "1 error to fix before it can be submitted" in page
    assert not Submission.objects.exists()


def test_the_feed_downloads_as_json_and_csv(client, cca):
    client.force_login(cca.director)
    response = client.get(period_url(cca, page="feed/"), {"format": "json"})
    assert response["Content-Type"] == "application/json"
    assert f"cca-feed-a1-{cca.period.slug}.json" in response["Content-Disposition"]
    feed = json.loads(response.content)
    assert feed["submission"] is None and feed["totals"]["state_amount"] == "190.68"
    response = client.get(period_url(cca, page="feed/"), {"format": "csv"})
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("kindertrack_provider_id,kindertrack_child_id,last_name")
    assert len(lines) == 1 + 6  # two children, three days each
    client.post(period_url(cca, page="submit/"))
    response = client.get(period_url(cca, page="feed/"), {"format": "json"})
    assert json.loads(response.content)["submission"]["number"] == 1
    assert "-submission-1.json" in response["Content-Disposition"]
    assert client.get(period_url(cca, page="feed/"), {"format": "xml"}).status_code == 404


def test_recording_the_states_payment_reconciles_the_period(client, cca):
    client.force_login(cca.director)
    client.post(period_url(cca, page="submit/"))
    url = period_url(cca, page="reconcile/")
    assert "Awaiting payment" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "action": "enter",
            "paid_on": cca.today.isoformat(),
            "reference": "W-9",
            f"amount_{cca.child.pk}": "76.38",
            f"amount_{cca.other.pk}": "94.80",  # one unit (19.50) short
        },
        follow=True,
    )
    page = response.content.decode()
    assert "State payment recorded for 2 children" in page
    assert "Differences" in page and "Units differ" in page and "1 unit fewer" in page
    upload = SimpleUploadedFile(
        "remit.csv", b"kindertrack_child_id,amount\n100002,19.50\n", content_type="text/csv"
    )
    response = client.post(
        url,
        {"action": "import", "paid_on": cca.today.isoformat(), "file": upload},
        follow=True,
    )
    assert "Reconciled" in response.content.decode()
    assert StatePayment.objects.count() == 3


def test_a_bad_remittance_file_lists_every_error_and_records_nothing(client, cca):
    client.force_login(cca.director)
    client.post(period_url(cca, page="submit/"))
    upload = SimpleUploadedFile("remit.csv", b"kindertrack_child_id,amount\n999999,abc\n")
    response = client.post(
        period_url(cca, page="reconcile/"),
        {"action": "import", "paid_on": cca.today.isoformat(), "file": upload},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "payments.csv:2: kindertrack_child_id: No child here has the KinderTrack" in page
    assert "payments.csv:2: amount: “abc” is not an amount" in page
    assert not StatePayment.objects.exists()


def test_an_authorization_is_added_and_changed_with_a_reason(client, cca, world):
    Authorization.objects.all().delete()
    client.force_login(cca.director)
    data = {
        "child": cca.child.pk,
        "case_number": "IA-5",
        "start_date": cca.today.isoformat(),
        "end_date": (cca.today + timedelta(days=180)).isoformat(),
        "units_per_period": "18",
        "private_rate": "28.50",
        "fee_level_override": "",
        "age_group_override": "",
    }
    response = client.post("/p/a1/cca/authorizations/new/", data, follow=True)
    assert "Authorization added for Kida1 Alpha" in response.content.decode()
    authorization = Authorization.objects.get()
    assert authorization.private_rate == D("28.50") and authorization.case_number == "IA-5"
    url = f"/p/a1/cca/authorizations/{authorization.pk}/"
    response = client.post(url, {**data, "units_per_period": "20"})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    client.post(url, {**data, "units_per_period": "20", "reason": "Renewed notice"})
    authorization.refresh_from_db()
    assert authorization.units_per_period == 20 and authorization.child == cca.child
    response = client.post(
        "/p/a1/cca/authorizations/new/",
        {**data, "start_date": (cca.today + timedelta(days=10)).isoformat()},
    )
    assert "already has an authorization" in response.content.decode()
    response = client.post("/p/a1/cca/authorizations/new/", {**data, "child": world.b1.child.pk})
    assert "Select a valid choice" in response.content.decode()


def test_the_authorization_list_warns_of_an_ending_authorization(client, cca):
    Authorization.objects.filter(pk=cca.authorization.pk).update(
        end_date=cca.today + timedelta(days=10)
    )
    client.force_login(cca.director)
    page = client.get("/p/a1/cca/authorizations/").content.decode()
    assert "ask the family to renew" in page


def test_settings_and_transport_are_saved_from_the_settings_page(client, cca):
    client.force_login(cca.director)
    url = "/p/a1/cca/settings/"
    page = client.get(url).content.decode()
    assert "25.66" in page and "51.94" in page  # the center's infant/toddler rates
    client.post(
        url,
        {
            "action": "settings",
            "effective_from": cca.current.start.isoformat(),
            "max_units_per_day": "3",
            "absence_allowance_per_month": "4",
            "reason": "New state rule",
        },
    )
    response = client.post(
        url,
        {
            "action": "transport",
            "method": "http",
            "endpoint_url": "http://kindertrack.example/feed",
            "client_id": "abc",
            "client_secret": "xyz",
            "reason": "Go live",
        },
    )
    assert response.status_code == 400 and "https://" in response.content.decode()
    page = client.get(url).content.decode()
    assert "3 units a day" in page


@pytest.mark.parametrize("role", [Role.STAFF, Role.GUARDIAN, Role.CONSULTANT])
def test_staff_guardians_and_consultants_see_no_cca_pages(client, cca, role):
    client.force_login(cca.tenant.users[role])
    for url in ("/p/a1/cca/", period_url(cca), period_url(cca, page="feed/")):
        assert client.get(url).status_code == 403, url
    assert client.post(period_url(cca, page="submit/")).status_code == 403
    assert "/cca/" not in client.get("/p/a1/").content.decode()


def test_hub_staff_work_the_queue_and_fix_the_missing_check_out(client, cca, hub):
    missing = add_pair(cca.child, cca.period.end - timedelta(days=1), "08:00", None)
    Authorization.objects.filter(pk=cca.other_authorization.pk).update(
        end_date=cca.today + timedelta(days=5)
    )
    client.force_login(hub)
    page = client.get("/alliance/alpha/subsidy/").content.decode()
    assert f"{cca.period.label}: 1 error blocks the submission" in page
    correct = f"/p/a1/attendance/presences/{missing.pk}/correct/"
    assert f'href="{correct}"' in page
    assert "Othera1 Beta&#x27;s authorization ends" in page
    assert "Provider b1" not in page
    check_out = f"{(cca.period.end - timedelta(days=1)).isoformat()}T12:00"
    response = client.post(
        correct,
        {
            "check_in": f"{(cca.period.end - timedelta(days=1)).isoformat()}T08:00",
            "check_out": check_out,
            "reason": "Paper sign-out sheet",
        },
    )
    assert response.status_code == 302
    page = client.get("/alliance/alpha/subsidy/").content.decode()
    assert "is ready to submit" in page
    client.post(period_url(cca, page="submit/"))
    assert Submission.objects.get().submitted_by == hub


def test_the_queue_is_for_hub_staff_and_alliance_admins_only(client, cca, world):
    client.force_login(cca.director)
    assert client.get("/alliance/alpha/subsidy/").status_code == 404
    client.force_login(world.alliance_users[("alpha", Role.ALLIANCE_ADMIN)])
    assert client.get("/alliance/alpha/subsidy/").status_code == 200
    client.force_login(world.alliance_users[("alpha", Role.STATE_VIEWER)])
    assert client.get("/alliance/alpha/subsidy/").status_code == 403


def test_the_queue_shows_an_overdue_payment(client, cca, hub):
    from ccms.subsidy.tests.conftest import at

    client.force_login(hub)
    client.post(period_url(cca, page="submit/"))
    Submission.objects.update(submitted_at=at(cca.provider, cca.today - timedelta(days=30), "9:00"))
    page = client.get("/alliance/alpha/subsidy/").content.decode()
    assert "the state&#x27;s payment is late" in page
    assert f'href="{period_url(cca, page="reconcile/")}"' in page
