"""Check-in and check-out at the kiosk, on the classroom roster and on a guardian's phone;
absences, closures and corrections. Through the HTTP layer where a person would act."""

import threading
from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ccms.attendance import queries, services
from ccms.attendance.models import Absence, Closure, Method, Presence
from ccms.core.dates import provider_today
from ccms.core.models import AuditEvent
from ccms.enrollment.models import Enrollment
from ccms.families.models import AuthorizedPickup, Child, Guardian

HTMX = {"HTTP_HX_REQUEST": "true"}
PIN = "4821"


def enroll(child, classroom=None, days="MTWRF"):
    return Enrollment.objects.create(
        provider=child.provider,
        child=child,
        classroom=classroom or child.classroom,
        start_date=date(2025, 1, 6),
        days=days,
    )


def sibling(tenant, first="Sam", classroom=None):
    child = Child.objects.create(
        provider=tenant.provider,
        family=tenant.family,
        classroom=classroom or tenant.classroom,
        first_name=first,
        last_name="Alpha",
        birth_date=date(2023, 9, 1),
    )
    enroll(child)
    return child


def guardian_of(tenant) -> Guardian:
    return tenant.family.guardians.get()


def minutes_ago(n):
    return timezone.now() - timedelta(minutes=n)


@pytest.fixture
def a1(world):
    """Provider a1 with its first family's child enrolled and the guardian's kiosk PIN set."""
    enroll(world.a1.child)
    enroll(world.a1.other_child)
    services.set_kiosk_pin(guardian=guardian_of(world.a1), pin=PIN, actor=None)
    return world.a1


def kiosk_url(tenant, step=""):
    return f"/p/{tenant.provider.slug}/kiosk/{step}"


def pin_in(client, tenant, pin=PIN):
    return client.post(kiosk_url(tenant, "identify/"), {"pin": pin}, **HTMX)


def step_token(response) -> str:
    return response.context["token"]


# --- check-in and check-out rules -------------------------------------------------------------


def test_check_out_without_check_in_is_refused_with_a_clear_message(client, a1):
    with pytest.raises(ValidationError, match="is not checked in, so cannot be checked out"):
        services.check_out(child=a1.child, actor=None)

    client.force_login(a1.users["staff"])
    name = f"{guardian_of(a1).first_name} {guardian_of(a1).last_name}"
    url = f"/p/a1/attendance/children/{a1.child.pk}/check-out/"
    response = client.post(url, {"who": name}, **HTMX)
    assert response.status_code == 200
    assert "Kida1 is not checked in, so cannot be checked out." in response.content.decode()
    assert not Presence.objects.filter(child=a1.child).exists()


def test_checking_in_twice_is_refused_as_already_checked_in(client, a1):
    services.check_in(child=a1.child, actor=None, at=minutes_ago(5))
    with pytest.raises(ValidationError, match="Kida1 is already checked in."):
        services.check_in(child=a1.child, actor=None)

    client.force_login(a1.users["staff"])
    response = client.post(f"/p/a1/attendance/children/{a1.child.pk}/check-in/", **HTMX)
    assert "Kida1 is already checked in." in response.content.decode()
    assert Presence.objects.filter(child=a1.child).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_check_ins_at_the_same_moment_make_one_presence(world):
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite serialises all writes, so two check-ins can never race there; this runs on "
            "PostgreSQL (DATABASE_URL=postgres://...)."
        )
    child = world.a1.child
    barrier = threading.Barrier(2)
    outcomes = []

    def tap():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            services.check_in(child=Child.objects.get(pk=child.pk), actor=None)
            outcomes.append("checked in")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=tap) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["Kida1 is already checked in.", "checked in"]
    assert Presence.objects.filter(child=child).count() == 1


def test_someone_not_on_the_pickup_list_is_blocked_at_check_out(client, a1):
    AuthorizedPickup.objects.create(
        provider=a1.provider, child=a1.child, name="Grandma Alpha", relationship="Gm", phone="1"
    )
    services.check_in(child=a1.child, actor=None, at=minutes_ago(60))
    client.force_login(a1.users["staff"])
    url = f"/p/a1/attendance/children/{a1.child.pk}/check-out/"

    page = client.get("/p/a1/attendance/").content.decode()
    assert 'value="Pat Alpha"' in page and 'value="Grandma Alpha"' in page

    response = client.post(url, {"who": "__other__", "other": "Rick Stranger"}, **HTMX)
    body = response.content.decode()
    assert "Rick Stranger is not on Kida1&#x27;s authorized pick-up list. Do not release" in body
    assert Presence.objects.get(child=a1.child).check_out is None

    response = client.post(url, {"who": "__other__", "other": "  grandma   ALPHA "}, **HTMX)
    presence = Presence.objects.get(child=a1.child)
    assert presence.check_out is not None and presence.picked_up_by == "grandma   ALPHA"
    assert "checked out at" in response.content.decode()


def test_check_out_needs_someone_named(client, a1):
    services.check_in(child=a1.child, actor=None, at=minutes_ago(60))
    client.force_login(a1.users["staff"])
    response = client.post(f"/p/a1/attendance/children/{a1.child.pk}/check-out/", {}, **HTMX)
    assert "Choose who picks up." in response.content.decode()
    assert Presence.objects.get(child=a1.child).check_out is None


# --- the kiosk --------------------------------------------------------------------------------


def test_a_family_checks_siblings_in_then_out_at_the_kiosk(client, a1):
    sam = sibling(a1)
    client.force_login(a1.users["staff"])
    page = client.get(kiosk_url(a1))
    assert page.status_code == 200 and "Enter your family PIN" in page.content.decode()

    step = pin_in(client, a1)
    body = step.content.decode()
    assert "Hello, Pat!" in body and "Kida1 Alpha" in body and "Sam Alpha" in body
    assert "Othera1" not in body  # another family's child is never offered
    assert body.count('name="children"') == 2 and body.count(" checked>") == 2

    ids = [a1.child.pk, sam.pk]
    done = client.post(
        kiosk_url(a1, "record/"),
        {"token": step_token(step), "action": "in", "children": ids},
        **HTMX,
    )
    assert "Checked in: Sam and Kida1" in done.content.decode()
    pairs = Presence.objects.filter(child_id__in=ids, check_out__isnull=True)
    assert pairs.count() == 2
    for pair in pairs:
        assert pair.check_in_method == Method.KIOSK
        assert pair.dropped_off_by == guardian_of(a1)
        assert pair.checked_in_by == a1.users["staff"]
        assert pair.classroom == a1.classroom
    events = AuditEvent.objects.filter(object_type="Presence", action="created")
    assert events.count() == 2
    assert {e.reason for e in events} == {"Guardian Pat Alpha at the kiosk"}
    assert all(e.actor_label == "staff@a1.test" for e in events)

    step = pin_in(client, a1)
    assert step.content.decode().count("Present since") == 2
    Presence.objects.filter(child_id__in=ids).update(check_in=minutes_ago(90))
    done = client.post(
        kiosk_url(a1, "record/"),
        {"token": step_token(step), "action": "out", "children": ids},
        **HTMX,
    )
    assert "Checked out: Sam and Kida1" in done.content.decode()
    for pair in Presence.objects.filter(child_id__in=ids):
        assert pair.check_out is not None and pair.picked_up_by == "Pat Alpha"
    assert AuditEvent.objects.filter(object_type="Presence", action="updated").count() == 2


def test_the_kiosk_says_which_children_it_did_not_change(client, a1):
    sam = sibling(a1)
    services.check_in(child=sam, actor=None, at=minutes_ago(10))
    client.force_login(a1.users["director"])
    step = pin_in(client, a1)
    done = client.post(
        kiosk_url(a1, "record/"),
        {"token": step_token(step), "action": "in", "children": [a1.child.pk, sam.pk]},
        **HTMX,
    )
    body = done.content.decode()
    assert "Checked in: Kida1" in body and "Sam was not changed" in body

    step = pin_in(client, a1)
    again = client.post(
        kiosk_url(a1, "record/"),
        {"token": step_token(step), "action": "in", "children": [sam.pk]},
        **HTMX,
    )
    assert "Sam is already checked in." in again.content.decode()


def test_a_wrong_pin_gets_a_clear_message(client, a1):
    client.force_login(a1.users["staff"])
    response = pin_in(client, a1, "0000")
    body = response.content.decode()
    assert "That PIN was not recognized. Please try again." in body
    assert 'role="alert"' in body and "Hello" not in body


def test_wrong_pins_are_rate_limited_per_kiosk_session(client, a1):
    client.force_login(a1.users["staff"])
    for attempt in range(5):
        pin_in(client, a1, f"99{attempt:02d}")
    # Even the right PIN waits now, so guessing cannot go on.
    blocked = pin_in(client, a1, PIN).content.decode()
    assert "Too many wrong tries. Please wait" in blocked and "Hello" not in blocked

    session = client.session
    session["kiosk_failures"] = [t - 61 for t in session["kiosk_failures"]]
    session.save()
    assert "Hello, Pat!" in pin_in(client, a1, PIN).content.decode()


def test_the_kiosk_only_takes_children_of_the_family_behind_the_pin(client, a1):
    client.force_login(a1.users["staff"])
    step = pin_in(client, a1)
    response = client.post(
        kiosk_url(a1, "record/"),
        {"token": step_token(step), "action": "in", "children": [a1.other_child.pk]},
        **HTMX,
    )
    assert "Select a valid choice" in response.content.decode()
    assert not Presence.objects.exists()


def test_a_stale_or_forged_kiosk_step_goes_back_to_the_pin_pad(client, a1):
    client.force_login(a1.users["staff"])
    response = client.post(
        kiosk_url(a1, "record/"),
        {"token": "forged", "action": "in", "children": [a1.child.pk]},
        **HTMX,
    )
    assert "please enter your PIN again" in response.content.decode()
    assert not Presence.objects.exists()


def test_the_kiosk_asks_for_a_typed_signature_when_set_to(client, a1):
    client.force_login(a1.users["director"])
    client.get(kiosk_url(a1) + "?signature=on")
    step = pin_in(client, a1)
    assert "Type your full name to sign" in step.content.decode()
    data = {"token": step_token(step), "action": "in", "children": [a1.child.pk]}
    refused = client.post(kiosk_url(a1, "record/"), data, **HTMX)
    assert "Please type your name to sign." in refused.content.decode()
    client.post(kiosk_url(a1, "record/"), {**data, "signature": "Pat Alpha"}, **HTMX)
    assert Presence.objects.get(child=a1.child).signature == "Pat Alpha"


def test_a_guardian_who_may_not_pick_up_cannot_check_out_at_the_kiosk(client, a1):
    Guardian.objects.filter(pk=guardian_of(a1).pk).update(can_pick_up=False)
    services.check_in(child=a1.child, actor=None, at=minutes_ago(60))
    client.force_login(a1.users["staff"])
    step = pin_in(client, a1)
    response = client.post(
        kiosk_url(a1, "record/"),
        {"token": step_token(step), "action": "out", "children": [a1.child.pk]},
        **HTMX,
    )
    assert "not on Kida1&#x27;s authorized pick-up list" in response.content.decode()
    assert Presence.objects.get(child=a1.child).check_out is None


def test_a_qr_card_opens_the_family_at_the_kiosk(client, a1, world):
    guardian = guardian_of(a1)
    code = queries.kiosk_card_code(guardian)
    client.force_login(a1.users["staff"])
    # The tablet's camera opens the card's address ...
    assert "Hello, Pat!" in client.get(kiosk_url(a1) + f"?code={code}").content.decode()
    # ... or a scanner types it into the PIN field.
    typed = f"http://testserver/p/a1/kiosk/?code={code}"
    assert "Hello, Pat!" in pin_in(client, a1, typed).content.decode()

    # A new PIN retires the old card.
    services.set_kiosk_pin(guardian=guardian, pin="7731", actor=None)
    retired = pin_in(client, a1, code).content.decode()
    assert "That QR card was not recognized." in retired

    # Another provider's card means nothing here.
    b1_guardian = guardian_of(world.b1)
    services.set_kiosk_pin(guardian=b1_guardian, pin="5555", actor=None)
    foreign = queries.kiosk_card_code(b1_guardian)
    assert "not recognized" in pin_in(client, a1, foreign).content.decode()


@pytest.mark.parametrize("family_size", [2, 5])
def test_kiosk_check_in_runs_the_same_queries_for_any_family_size(
    client, a1, family_size, django_assert_num_queries
):
    children = [a1.child] + [sibling(a1, f"Kid{n}") for n in range(family_size - 1)]
    client.force_login(a1.users["staff"])

    def record(kids, action):
        step = pin_in(client, a1)
        data = {"token": step_token(step), "action": action, "children": [c.pk for c in kids]}
        with CaptureQueriesContext(connection) as captured:
            response = client.post(kiosk_url(a1, "record/"), data, **HTMX)
        assert "Checked" in response.content.decode()
        return len(captured)

    # A reference family of one child sets the count; any larger family runs exactly as many.
    reference = record([children[0]], "in")
    Presence.objects.all().delete()
    step = pin_in(client, a1)
    data = {"token": step_token(step), "action": "in", "children": [c.pk for c in children]}
    with django_assert_num_queries(reference):
        client.post(kiosk_url(a1, "record/"), data, **HTMX)
    assert Presence.objects.filter(check_out__isnull=True).count() == family_size

    Presence.objects.update(check_in=minutes_ago(30))
    out_one = record([children[0]], "out")
    Presence.objects.filter(child=children[0]).update(check_out=None)
    Presence.objects.update(check_in=minutes_ago(30))
    assert record(children, "out") == out_one


# --- the classroom roster ---------------------------------------------------------------------


def test_staff_see_only_their_classrooms_children_on_the_roster(client, a1):
    staff = a1.users["staff"]  # assigned to Toddlers; other_child is in Preschool
    services.check_in(child=a1.other_child, actor=None, at=minutes_ago(30))
    client.force_login(staff)
    body = client.get("/p/a1/attendance/").content.decode()
    assert "Kida1 Alpha" in body and "Othera1" not in body
    assert client.get(f"/p/a1/attendance/?classroom={a1.other_classroom.pk}").status_code == 404
    for action in ("check-in", "check-out", "absent", "move"):
        url = f"/p/a1/attendance/children/{a1.other_child.pk}/{action}/"
        assert client.post(url, **HTMX).status_code == 404, action


def test_the_director_sees_every_classroom_and_times_in_the_providers_zone(client, a1):
    at = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=7)
    services.check_in(child=a1.other_child, actor=None, at=at)
    client.force_login(a1.users["director"])
    body = client.get("/p/a1/attendance/").content.decode()
    assert "Kida1 Alpha" in body and "Othera1 Beta" in body
    local = timezone.localtime(at, a1.provider.tz)
    assert f"Present since {local:%-I:%M %p}" in body


def test_a_child_checked_in_elsewhere_moves_with_the_presence(client, a1):
    services.check_in(child=a1.child, actor=None, at=minutes_ago(30))
    client.force_login(a1.users["staff"])
    url = f"/p/a1/attendance/children/{a1.child.pk}/move/"
    response = client.post(url, {"classroom": a1.other_classroom.pk}, **HTMX)
    assert "moved to Preschool" in response.content.decode()
    presence = Presence.objects.get(child=a1.child)
    assert presence.classroom == a1.other_classroom
    event = AuditEvent.objects.filter(object_type="Presence", object_id=str(presence.pk)).first()
    assert event.reason == "Moved from Toddlers to Preschool"
    # The Toddlers roster no longer lists the child; the Preschool one does.
    assert "Kida1" not in client.get("/p/a1/attendance/").content.decode()
    client.force_login(a1.users["director"])
    preschool = client.get(f"/p/a1/attendance/?classroom={a1.other_classroom.pk}")
    assert "Kida1 Alpha" in preschool.content.decode()


def test_staff_mark_a_child_absent_and_a_later_check_in_clears_it(client, a1):
    client.force_login(a1.users["staff"])
    url = f"/p/a1/attendance/children/{a1.child.pk}/absent/"
    response = client.post(url, {"reason": "sick", "note": "Fever"}, **HTMX)
    assert "Absent: sick" in response.content.decode()
    absence = Absence.objects.get(child=a1.child)
    assert (absence.reason, absence.note) == ("sick", "Fever")
    assert absence.entered_by == a1.users["staff"]
    client.post(f"/p/a1/attendance/children/{a1.child.pk}/check-in/", **HTMX)
    assert not Absence.objects.filter(child=a1.child).exists()


def test_roster_actions_without_htmx_come_back_to_the_roster_with_a_message(client, a1):
    client.force_login(a1.users["staff"])
    response = client.post(f"/p/a1/attendance/children/{a1.child.pk}/check-in/", follow=True)
    assert response.redirect_chain[-1][0] == "/p/a1/attendance/"
    assert "Kida1 Alpha checked in at" in response.content.decode()


def test_hub_staff_read_the_roster_but_cannot_check_in(client, world, a1):
    from ccms.tenancy.models import Role

    client.force_login(world.alliance_users[("alpha", Role.HUB_STAFF)])
    assert client.get("/p/a1/attendance/").status_code == 200
    url = f"/p/a1/attendance/children/{a1.child.pk}/check-in/"
    assert client.post(url).status_code == 403


@pytest.mark.parametrize(
    "day, days, scheduled",
    [
        (date(2026, 11, 23), "MTWRF", True),  # a Monday
        (date(2026, 11, 26), "MWF", False),  # a Thursday off the schedule
        (date(2026, 11, 26), "R", True),
        (date(2026, 11, 29), "MTWRF", False),  # a Sunday has no letter at all
    ],
)
def test_a_child_is_expected_on_the_weekdays_of_the_enrollment(day, days, scheduled):
    row = queries.ChildDay(
        child=Child(first_name="Ana"),
        day=day,
        presences=[],
        open_presence=None,
        absence=None,
        enrollment=Enrollment(days=days),
    )
    assert row.scheduled is scheduled
    assert row.state == (queries.EXPECTED if scheduled else queries.NOT_SCHEDULED)


# --- the guardian's phone ---------------------------------------------------------------------


def test_guardians_check_their_own_children_in_and_out_from_a_phone(client, a1):
    guardian_user = a1.users["guardian"]
    client.force_login(guardian_user)
    page = client.get("/p/a1/my-attendance/").content.decode()
    assert "Kida1 Alpha" in page and "Othera1" not in page
    client.post(f"/p/a1/my-attendance/children/{a1.child.pk}/check-in/")
    presence = Presence.objects.get(child=a1.child)
    assert presence.check_in_method == Method.PHONE
    assert presence.dropped_off_by == guardian_of(a1)
    Presence.objects.filter(pk=presence.pk).update(check_in=minutes_ago(60))
    response = client.post(f"/p/a1/my-attendance/children/{a1.child.pk}/check-out/", follow=True)
    assert "Kida1 checked out at" in response.content.decode()
    presence.refresh_from_db()
    assert presence.picked_up_by == "Pat Alpha" and presence.check_out_method == Method.PHONE


def test_guardians_cannot_touch_another_familys_child(client, a1):
    client.force_login(a1.users["guardian"])
    for action in ("check-in", "check-out", "absence"):
        url = f"/p/a1/my-attendance/children/{a1.other_child.pk}/{action}/"
        assert client.post(url, {"c0-day": "2030-01-01"}).status_code == 404, action
    assert not Presence.objects.exists() and not Absence.objects.exists()


def test_guardians_report_an_absence_ahead_but_not_in_the_past(client, a1):
    client.force_login(a1.users["guardian"])
    today = provider_today(a1.provider)
    url = f"/p/a1/my-attendance/children/{a1.child.pk}/absence/"
    prefix = f"c{a1.child.pk}"
    ahead = today + timedelta(days=3)
    response = client.post(
        url, {f"{prefix}-day": ahead.isoformat(), f"{prefix}-reason": "vacation"}, follow=True
    )
    assert "Thank you. Kida1 is expected away on" in response.content.decode()
    absence = Absence.objects.get(child=a1.child)
    assert absence.service_date == ahead and absence.entered_by == a1.users["guardian"]

    past = client.post(
        url,
        {f"{prefix}-day": (today - timedelta(days=1)).isoformat(), f"{prefix}-reason": "sick"},
    )
    assert past.status_code == 400
    assert "Report absences for today or a later day." in past.content.decode()


def test_staff_and_directors_have_no_phone_page_and_guardians_no_roster(client, a1):
    client.force_login(a1.users["staff"])
    assert client.get("/p/a1/my-attendance/").status_code == 403
    client.force_login(a1.users["guardian"])
    assert client.get("/p/a1/attendance/").status_code == 403
    assert client.get("/p/a1/kiosk/").status_code == 403


# --- closures ---------------------------------------------------------------------------------


def test_directors_add_closures_and_nobody_checks_in_that_day(client, a1):
    client.force_login(a1.users["director"])
    today = provider_today(a1.provider)
    response = client.post(
        "/p/a1/attendance/closures/", {"day": today.isoformat(), "reason": "Snow day"}, follow=True
    )
    assert "No check-ins that day." in response.content.decode()
    assert Closure.objects.get(provider=a1.provider).reason == "Snow day"
    again = client.post("/p/a1/attendance/closures/", {"day": today.isoformat(), "reason": "Twice"})
    assert "is already closed on" in again.content.decode()

    refused = client.post(f"/p/a1/attendance/children/{a1.child.pk}/check-in/", **HTMX)
    assert "is closed on" in refused.content.decode()
    assert "Closed: Snow day." in client.get("/p/a1/attendance/").content.decode()

    client.force_login(a1.users["staff"])
    assert client.get("/p/a1/attendance/closures/").status_code == 403


# --- corrections ------------------------------------------------------------------------------


def test_a_correction_keeps_the_original_times_in_the_audit_trail(client, a1):
    tz = a1.provider.tz
    day = provider_today(a1.provider) - timedelta(days=1)
    original_in = datetime.combine(day, time(8, 5), tzinfo=tz)
    presence = services.check_in(child=a1.child, actor=None, at=original_in)
    services.check_out(child=a1.child, actor=None, at=original_in.replace(hour=16, minute=30))

    client.force_login(a1.users["staff"])
    url = f"/p/a1/attendance/presences/{presence.pk}/correct/"
    form = {
        "check_in": f"{day.isoformat()}T07:45",
        "check_out": f"{day.isoformat()}T16:30",
        "reason": "Mom signed the paper sheet at 7:45",
    }
    assert "This field is required." in client.post(url, {**form, "reason": ""}).content.decode()
    assert Presence.objects.get(pk=presence.pk).check_in == original_in  # unchanged without one

    page = client.post(url, form, follow=True).content.decode()
    presence.refresh_from_db()
    assert timezone.localtime(presence.check_in, tz).strftime("%H:%M") == "07:45"
    events = AuditEvent.objects.filter(object_type="Presence", object_id=str(presence.pk))
    assert list(events.order_by("at", "id").values_list("action", flat=True)) == [
        "created",
        "updated",
        "updated",
    ]
    correction = events.order_by("-at", "-id").first()
    assert correction.reason == "Mom signed the paper sheet at 7:45"
    assert correction.actor == a1.users["staff"]
    # The page shows the original check-in next to the corrected one.
    assert "8:05 AM" in page and "7:45 AM" in page and "Mom signed the paper sheet" in page


def test_a_missed_pair_is_added_with_a_reason(client, a1):
    client.force_login(a1.users["director"])
    day = provider_today(a1.provider) - timedelta(days=2)
    url = f"/p/a1/attendance/children/{a1.child.pk}/add-pair/"
    response = client.post(
        url,
        {"day": day.isoformat(), "check_in": "09:00", "check_out": "08:00", "reason": "Paper"},
    )
    assert "Check-out must be after the check-in." in response.content.decode()
    client.post(
        url, {"day": day.isoformat(), "check_in": "09:00", "check_out": "15:00", "reason": "Paper"}
    )
    presence = Presence.objects.get(child=a1.child)
    assert presence.service_date == day and presence.check_in_method == Method.CORRECTION
    assert presence.minutes == 360
    event = AuditEvent.objects.get(object_type="Presence", object_id=str(presence.pk))
    assert event.reason == "Paper"


def test_staff_cannot_correct_another_classrooms_presence(client, a1):
    presence = services.check_in(child=a1.other_child, actor=None, at=minutes_ago(30))
    client.force_login(a1.users["staff"])
    assert client.get(f"/p/a1/attendance/presences/{presence.pk}/correct/").status_code == 404
    url = f"/p/a1/attendance/children/{a1.other_child.pk}/add-pair/"
    assert client.get(url).status_code == 404


# --- kiosk PINs and QR cards ------------------------------------------------------------------


def test_directors_set_a_guardians_pin_and_print_the_qr_card(client, world):
    guardian = guardian_of(world.a1)
    client.force_login(world.a1.users["director"])
    url = f"/p/a1/attendance/guardians/{guardian.pk}/pin/"
    assert "4 to 8 digits" in client.post(url, {"pin": "12"}).content.decode()
    response = client.post(url, {"pin": "246810"}, follow=True)
    assert "Kiosk PIN set for Pat Alpha" in response.content.decode()
    assert services.guardian_for_pin(world.a1.provider, "246810") == guardian

    cards = client.get("/p/a1/attendance/kiosk-cards/").content.decode()
    assert f"/p/a1/attendance/guardians/{guardian.pk}/qr.svg" in cards
    image = client.get(f"/p/a1/attendance/guardians/{guardian.pk}/qr.svg")
    assert image["Content-Type"] == "image/svg+xml" and b"<svg" in image.content

    client.force_login(world.a1.users["staff"])
    assert client.post(url, {"pin": "999999"}).status_code == 403
    assert client.get("/p/a1/attendance/kiosk-cards/").status_code == 403


def test_a_guardian_without_a_pin_has_no_qr_card(client, world):
    client.force_login(world.a1.users["director"])
    guardian = guardian_of(world.a1)
    assert client.get(f"/p/a1/attendance/guardians/{guardian.pk}/qr.svg").status_code == 404


def test_staff_see_the_attendance_tab_and_guardians_the_check_in_tab(client, a1):
    client.force_login(a1.users["staff"])
    body = client.get("/p/a1/attendance/").content.decode()
    assert 'href="/p/a1/attendance/" aria-current="page">Attendance</a>' in body
    client.force_login(a1.users["guardian"])
    body = client.get("/p/a1/my-attendance/").content.decode()
    assert 'href="/p/a1/my-attendance/" aria-current="page">Check-in</a>' in body
    assert "/p/a1/attendance/" not in body
