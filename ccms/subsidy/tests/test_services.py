"""Submitting, locking, recalling and resubmitting a period; authorizations, settings and the
state's tables; what the state paid."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from ccms.attendance import services as attendance
from ccms.core.models import AuditEvent
from ccms.subsidy import queries, services
from ccms.subsidy.models import (
    Authorization,
    RateTable,
    StatePayment,
    Submission,
    SubmissionLine,
    SubmissionStatus,
    TransmissionStatus,
)
from ccms.subsidy.periods import following
from ccms.subsidy.reconcile import Cause, reconcile
from ccms.subsidy.tests.conftest import add_pair, at

D = Decimal


def submit(cca, period=None):
    return services.submit_period(
        provider=cca.provider, period=period or cca.period, actor=cca.director
    )


def test_the_due_period_bills_each_child_by_the_rules(cca):
    result = queries.period_result(cca.provider, cca.period)
    rows = {
        c.record.key: (c.units_billable, c.state_rate, c.family_fee, c.state_amount)
        for c in result.children
    }
    assert rows == {
        cca.child.key: (3, D("25.66"), D("0.60"), D("76.38")),  # 3 x 25.66 - 3 x 0.20
        cca.other.key: (6, D("19.50"), D("2.70"), D("114.30")),  # 6 x 19.50 - 6 x 0.45
    }
    assert result.errors == [] and result.submittable


def test_submitting_stores_the_feed_and_a_line_per_child_and_locks_the_days(cca):
    submission = submit(cca)
    assert (submission.number, submission.status) == (1, SubmissionStatus.SUBMITTED)
    assert submission.state_amount == D("190.68") and submission.units_billable == 9
    assert submission.feed["submission"]["number"] == 1
    assert submission.transmission_status == TransmissionStatus.READY  # file transport
    lines = SubmissionLine.objects.filter(submission=submission)
    assert sorted(line.state_amount for line in lines) == [D("76.38"), D("114.30")]
    presence = cca.child.presences.first()
    with pytest.raises(ValidationError, match="was submitted for CCA .* Recall the submission"):
        attendance.correct_presence(
            presence=presence,
            check_in=presence.check_in,
            check_out=presence.check_out + timedelta(hours=1),
            actor=cca.director,
            reason="Typo",
        )
    with pytest.raises(ValidationError, match="locked"):
        attendance.record_absence(
            child=cca.child, day=cca.period.end, reason="sick", actor=cca.director
        )


def test_a_day_of_a_child_not_in_the_submission_stays_open(cca, world):
    submit(cca)
    Authorization.objects.filter(child=cca.other).delete()
    newcomer = world.a1.child.__class__.objects.create(
        provider=cca.provider,
        family=cca.child.family,
        first_name="New",
        last_name="Alpha",
        birth_date=date(2023, 1, 1),
    )
    attendance.record_absence(child=newcomer, day=cca.days[0], reason="sick", actor=None)


def test_a_period_with_a_missing_check_out_is_refused_with_the_reason(cca):
    add_pair(cca.child, cca.period.end - timedelta(days=1), "08:00", None)
    with pytest.raises(ValidationError) as refused:
        submit(cca)
    assert "1 error to fix before it can be submitted" in str(refused.value)
    assert "has no check-out" in str(refused.value)
    assert not Submission.objects.exists()


def test_a_period_still_in_progress_cannot_be_submitted(cca):
    with pytest.raises(ValidationError, match="submit it from"):
        submit(cca, period=cca.current)


def test_a_period_is_submitted_once_until_recalled(cca):
    submit(cca)
    with pytest.raises(ValidationError, match="submitted already .*recall it with a reason"):
        submit(cca)


def test_recall_needs_a_reason_then_unlocks_and_the_resubmission_takes_the_next_number(cca):
    first = submit(cca)
    with pytest.raises(ValidationError, match="Say why"):
        services.recall_submission(submission=first, actor=cca.director, reason="  ")
    services.recall_submission(
        submission=first, actor=cca.director, reason="Check-out on day 2 was wrong"
    )
    first.refresh_from_db()
    assert first.status == SubmissionStatus.RECALLED and first.recall_reason.startswith("Check")
    presence = cca.child.presences.order_by("service_date").first()
    attendance.correct_presence(
        presence=presence,
        check_in=presence.check_in,
        check_out=at(cca.provider, presence.service_date, "12:40"),  # 310 minutes: 2 units
        actor=cca.director,
        reason="Paper sign-out sheet",
    )
    second = submit(cca)
    assert second.number == 2 and second.feed["submission"]["number"] == 2
    assert second.units_billable == 10
    assert list(
        Submission.objects.filter(provider=cca.provider).values_list("number", "status")
    ) == [(2, "submitted"), (1, "recalled")]
    recall_event = AuditEvent.objects.filter(
        object_type="Submission", reason__startswith="Recalled:"
    ).get()
    assert recall_event.actor == cca.director


def test_the_feed_of_a_submitted_period_is_the_one_sent_even_if_rates_change(cca):
    submission = submit(cca)
    services.add_rate_table(
        effective_from=cca.period.start - timedelta(days=30),
        source="A later table, dated back",
        rates=[
            {**row, "amount": row["amount"] + 1}
            for row in _rates_of(RateTable.objects.get(effective_from=date(2024, 7, 1)))
        ],
    )
    assert queries.period_result(cca.provider, cca.period).state_amount != submission.state_amount
    assert queries.live_submission(cca.provider, cca.period).feed == submission.feed


def _rates_of(table):
    return [
        {
            "provider_type": r.provider_type,
            "age_group": r.age_group,
            "special_needs": r.special_needs,
            "quality_band": r.quality_band,
            "amount": r.amount,
        }
        for r in table.rates.all()
    ]


def test_a_rate_table_is_never_edited_over(db):
    table = RateTable.objects.get(effective_from=date(2024, 7, 1))
    with pytest.raises(ValidationError, match="exists already and is never edited"):
        services.add_rate_table(
            effective_from=date(2024, 7, 1), source="again", rates=_rates_of(table)
        )
    with pytest.raises(ValidationError, match="lacks"):
        services.add_rate_table(
            effective_from=date(2025, 7, 1), source="half", rates=_rates_of(table)[:10]
        )


def test_a_new_rate_table_prices_periods_from_its_date_only(cca):
    table = RateTable.objects.get(effective_from=date(2024, 7, 1))
    services.add_rate_table(
        effective_from=cca.current.start,
        source="2026 rule change",
        rates=[{**row, "amount": D("40.00")} for row in _rates_of(table)],
    )
    assert queries.period_result(cca.provider, cca.period).children[0].table_rate != D("40.00")
    add_pair(cca.child, cca.current.start, "08:00", "09:00")
    current = queries.period_result(cca.provider, cca.current)
    assert current.children[0].table_rate == D("40.00")


def test_the_2024_tables_are_loaded(db):
    table = queries.rate_table_on(date(2024, 7, 1))
    center = {
        (r.age_group, r.special_needs, r.quality_band): r.amount
        for r in table.rates.filter(provider_type="center")
    }
    assert center[("preschool", False, "3-4")] == D("21.50")
    assert center[("infant_toddler", True, "none")] == D("51.94")
    assert queries.rate_table_on(date(2024, 6, 30)) is None
    fees = {f.level: f for f in queries.fee_chart_on(date(2025, 1, 1)).fees.all()}
    assert (fees["A"].one_child, fees["B"].one_child, fees["AA"].one_child) == (
        D("0.00"),
        D("0.20"),
        D("6.45"),
    )
    assert (fees["B"].two_children, fees["B"].three_or_more) == (D("0.45"), D("0.70"))


# Authorizations -------------------------------------------------------------------------------


def test_the_case_number_is_encrypted_at_rest_and_kept_out_of_the_audit_trail(cca):
    services.save_authorization(
        provider=cca.provider,
        actor=cca.director,
        authorization=cca.authorization,
        data={"case_number": "IA-77-1234"},
        reason="Case number from the notice",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT case_number FROM subsidy_authorization WHERE id = %s", [cca.authorization.pk]
        )
        stored = cursor.fetchone()[0]
    assert stored and "IA-77-1234" not in stored
    assert Authorization.objects.get(pk=cca.authorization.pk).case_number == "IA-77-1234"
    event = AuditEvent.objects.filter(object_type="Authorization").order_by("-id").first()
    assert "IA-77-1234" not in str(event.changes)
    assert event.reason == "Case number from the notice"


def test_a_child_has_one_authorization_a_day(cca):
    with pytest.raises(ValidationError, match="already has an authorization"):
        services.save_authorization(
            provider=cca.provider,
            actor=cca.director,
            data={
                "child": cca.child,
                "start_date": cca.today,
                "end_date": cca.today + timedelta(days=30),
                "units_per_period": 10,
                "private_rate": D("30"),
            },
        )


def test_an_authorization_of_another_providers_child_is_refused(cca, world):
    with pytest.raises(ValidationError, match="Choose a child of this provider"):
        services.save_authorization(
            provider=cca.provider,
            actor=cca.director,
            data={
                "child": world.b1.child,
                "start_date": cca.today,
                "end_date": cca.today,
                "units_per_period": 10,
                "private_rate": D("30"),
            },
        )


def test_pricing_of_a_submitted_period_changes_only_after_a_recall(cca):
    submit(cca)
    with pytest.raises(ValidationError, match="Recall that submission first"):
        services.save_authorization(
            provider=cca.provider,
            actor=cca.director,
            authorization=cca.authorization,
            data={"private_rate": D("18.00")},
            reason="New price",
        )
    services.save_authorization(  # the case number and a later end are fine
        provider=cca.provider,
        actor=cca.director,
        authorization=cca.authorization,
        data={"case_number": "X1", "end_date": cca.today + timedelta(days=400)},
        reason="Renewed",
    )


def test_an_edit_needs_a_reason(cca):
    with pytest.raises(ValidationError, match="reason"):
        services.save_authorization(
            provider=cca.provider,
            actor=cca.director,
            authorization=cca.authorization,
            data={"units_per_period": 30},
        )


# Settings ---------------------------------------------------------------------------------------


def test_settings_apply_from_their_date_and_never_to_a_submitted_period(cca):
    submit(cca)
    with pytest.raises(ValidationError, match="is submitted with the settings in force then"):
        services.save_cca_settings(
            provider=cca.provider,
            effective_from=cca.period.start,
            max_units_per_day=3,
            absence_allowance_per_month=4,
            actor=cca.director,
            reason="Try",
        )
    services.save_cca_settings(
        provider=cca.provider,
        effective_from=cca.current.start,
        max_units_per_day=3,
        absence_allowance_per_month=6,
        actor=cca.director,
        reason="State rule",
    )
    assert queries.settings_on(cca.provider, cca.period.end).max_units_per_day == 2
    assert queries.settings_on(cca.provider, cca.current.start).max_units_per_day == 3


def test_http_transport_needs_https_and_credentials(cca):
    with pytest.raises(ValidationError) as refused:
        services.save_transport(
            provider=cca.provider, method="http", actor=cca.director, reason="Go live"
        )
    assert set(refused.value.message_dict) == {"endpoint_url", "client_id", "client_secret"}
    with pytest.raises(ValidationError, match="https"):
        services.save_transport(
            provider=cca.provider,
            method="http",
            actor=cca.director,
            reason="Go live",
            endpoint_url="http://kindertrack.example/feed",
            client_id="id",
            client_secret="secret",
        )
    config = services.save_transport(
        provider=cca.provider,
        method="http",
        actor=cca.director,
        reason="Go live",
        endpoint_url="https://kindertrack.example/feed",
        client_id="id",
        client_secret="s3cret",
    )
    event = AuditEvent.objects.filter(object_type__iexact="cca transport").get()
    assert "s3cret" not in str(event.changes)
    services.save_transport(  # an empty secret keeps the saved one
        provider=cca.provider,
        method="http",
        actor=cca.director,
        reason="New URL",
        endpoint_url="https://kindertrack.example/v2/feed",
        client_id="id",
    )
    config.refresh_from_db()
    assert config.client_secret == "s3cret"


# What the state paid ------------------------------------------------------------------------------


def pay(cca, amounts: dict, paid_on=None):
    lines = [services.PaymentLine(child, D(amount)) for child, amount in amounts.items()]
    return services.record_state_payments(
        provider=cca.provider,
        period=cca.period,
        lines=lines,
        paid_on=paid_on or cca.today,
        actor=cca.director,
        reference="W-1001",
    )


def test_payment_in_full_reconciles_the_period(cca):
    submit(cca)
    assert reconcile(cca.provider, cca.period, today=cca.today).status == "unpaid"
    pay(cca, {cca.child: "76.38", cca.other: "114.30"})
    rec = reconcile(cca.provider, cca.period, today=cca.today)
    assert rec.status == "reconciled" and rec.paid == rec.billed == D("190.68")
    events = AuditEvent.objects.filter(object_type="State payment")
    assert events.count() == 2 and {e.actor for e in events} == {cca.director}
    assert all(e.reason == f"State payment for {cca.period.label}" for e in events)


def test_a_missing_child_and_a_unit_short_are_flagged(cca):
    submit(cca)
    pay(cca, {cca.other: str(D("114.30") - D("19.50"))})
    rec = reconcile(cca.provider, cca.period, today=cca.today)
    causes = {row.child.key: row.cause for row in rec.rows}
    assert causes == {cca.child.key: Cause.MISSING_CHILD, cca.other.key: Cause.UNITS}
    assert rec.status == "differences"


def test_an_unpaid_period_is_overdue_after_ten_business_days(cca):
    submission = submit(cca)
    monday = date(2026, 3, 2)
    Submission.objects.filter(pk=submission.pk).update(
        submitted_at=at(cca.provider, monday, "10:00")
    )
    assert not reconcile(cca.provider, cca.period, today=date(2026, 3, 16)).overdue
    late = reconcile(cca.provider, cca.period, today=date(2026, 3, 17))
    assert late.due_by == date(2026, 3, 16) and late.overdue and late.status == "overdue"


def test_payments_need_a_submitted_period_and_a_past_date(cca):
    with pytest.raises(ValidationError, match="never submitted"):
        pay(cca, {cca.child: "1.00"})
    submit(cca)
    with pytest.raises(ValidationError, match="future"):
        pay(cca, {cca.child: "1.00"}, paid_on=cca.today + timedelta(days=1))
    assert not StatePayment.objects.exists()


def test_a_remittance_file_is_checked_whole_before_anything_is_kept(cca):
    bad = b"kindertrack_child_id,amount,colour\n100001,12.x,blue\n999999,5.00,red\n"
    with pytest.raises(ValidationError) as refused:
        services.parse_state_payments(provider=cca.provider, data=bad)
    assert refused.value.messages == [
        "payments.csv:1: colour: Unknown column; the columns are amount, child_key, "
        "kindertrack_child_id."
    ]
    bad = b"kindertrack_child_id,amount\n100001,12.x\n999999,5.00\n"
    with pytest.raises(ValidationError) as refused:
        services.parse_state_payments(provider=cca.provider, data=bad)
    assert [m.split(": ")[0:2] for m in refused.value.messages] == [
        ["payments.csv:2", "amount"],
        ["payments.csv:3", "kindertrack_child_id"],
    ]
    good = f"child_key,amount\n{cca.child.key},76.38\n".encode()
    lines = services.parse_state_payments(provider=cca.provider, data=good)
    assert [(line.child, line.amount) for line in lines] == [(cca.child, D("76.38"))]


def test_the_next_period_is_computed_from_the_anchor(cca):
    nxt = following(cca.provider, cca.period)
    assert nxt == cca.current and (nxt.start - cca.period.start).days == 14


def test_the_kiosk_checks_several_children_at_once_in_one_query(cca, django_assert_num_queries):
    submit(cca)
    outside = cca.current.start
    with django_assert_num_queries(1):
        services.check_days_open(
            children=[cca.other], days={cca.other.pk: outside}
        )  # another period: open
    with pytest.raises(ValidationError, match="Kida1's attendance .* is locked"):
        services.check_days_open(
            children=[cca.other, cca.child],
            days={cca.other.pk: outside, cca.child.pk: cca.days[0]},
        )
