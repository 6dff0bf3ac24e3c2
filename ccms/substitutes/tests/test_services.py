"""Requesting, accepting, cancelling and billing cover through the services."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection

from ccms.alliance.members import membership_of
from ccms.alliance.models import AllianceMember
from ccms.billing import ledger
from ccms.billing.models import EntryKind, LedgerEntry
from ccms.substitutes import services
from ccms.substitutes.models import CoverStatus
from ccms.substitutes.services import AlreadyTaken
from ccms.substitutes.tests.conftest import add_sub, request, worked_shift
from ccms.tenancy.models import Membership, Role

# Requests ----------------------------------------------------------------------------------------


def test_a_request_emails_only_the_qualified_substitutes(pool, django_capture_on_commit_callbacks):
    add_sub(pool.world.alliance_a, "nocpr@sub.test", "No Cpr", kinds=["record_check"])
    add_sub(pool.world.alliance_b, "beta@sub.test", "Beta Sub")
    with django_capture_on_commit_callbacks(execute=True):
        cover = request(pool)
    assert cover.status == CoverStatus.OPEN
    assert sorted(m.to[0] for m in mail.outbox) == ["jordan@sub.test", "maya@sub.test"]
    body = mail.outbox[0].body
    assert "Provider a1" in body and "Toddlers" in body and "Ask for Dana." in body
    # Substitutes see no children: neither name of the classroom's children is in the e-mail.
    assert pool.world.a1.child.first_name not in body


def test_a_provider_that_is_not_a_member_cannot_request_cover(pool):
    AllianceMember.objects.filter(provider=pool.world.a1.provider).delete()
    with pytest.raises(ValidationError, match="is not a member of Alpha Alliance"):
        request(pool)


def test_a_provider_that_left_before_the_day_cannot_request_cover_for_it(pool):
    AllianceMember.objects.filter(provider=pool.world.a1.provider).update(left_on=pool.today)
    assert membership_of(pool.world.a1.provider, pool.today) is not None
    with pytest.raises(ValidationError, match="not a member"):
        request(pool, on=pool.tomorrow)


def test_cover_cannot_be_requested_for_a_past_day(pool):
    with pytest.raises(ValidationError) as error:
        request(pool, on=pool.today - timedelta(days=1))
    assert "today or a later day" in str(error.value)


def test_cover_must_end_after_it_starts(pool):
    with pytest.raises(ValidationError) as error:
        request(pool, start=(12, 0), end=(9, 0))
    assert "end after it starts" in str(error.value)


# Accepting ---------------------------------------------------------------------------------------


def test_the_first_substitute_to_accept_wins_and_the_second_is_told(
    pool, django_capture_on_commit_callbacks
):
    cover = request(pool)
    with django_capture_on_commit_callbacks(execute=True):
        services.accept_cover(cover_id=cover.pk, substitute=pool.jordan, actor=pool.jordan.user)
    with pytest.raises(AlreadyTaken, match="Another substitute accepted this request first"):
        services.accept_cover(cover_id=cover.pk, substitute=pool.maya, actor=pool.maya.user)
    cover.refresh_from_db()
    assert (cover.status, cover.accepted_by, cover.hourly_rate) == (
        CoverStatus.FILLED,
        pool.jordan,
        Decimal("24.00"),
    )
    # The director who asked is told who is coming.
    assert [m.to for m in mail.outbox] == [[pool.world.a1.users["director"].email]]
    assert "Jordan Ellis" in mail.outbox[0].body


def test_accepting_twice_by_the_same_substitute_is_harmless(pool):
    cover = request(pool)
    services.accept_cover(cover_id=cover.pk, substitute=pool.jordan, actor=pool.jordan.user)
    again = services.accept_cover(cover_id=cover.pk, substitute=pool.jordan, actor=pool.jordan.user)
    assert again.accepted_by == pool.jordan


def test_an_unqualified_substitute_cannot_accept(pool):
    cover = request(pool, kinds=["cda"])
    with pytest.raises(ValidationError, match="No Child Development Associate"):
        services.accept_cover(cover_id=cover.pk, substitute=pool.jordan, actor=pool.jordan.user)


def test_a_substitute_cannot_take_two_overlapping_shifts(pool):
    first = request(pool, start=(8, 0), end=(12, 0))
    second = request(pool, tenant=pool.world.a2, start=(11, 0), end=(15, 0))
    services.accept_cover(cover_id=first.pk, substitute=pool.jordan, actor=pool.jordan.user)
    with pytest.raises(ValidationError, match="Already booked at Provider a1"):
        services.accept_cover(cover_id=second.pk, substitute=pool.jordan, actor=pool.jordan.user)


def test_a_substitute_of_another_alliance_cannot_accept(pool):
    cover = request(pool)
    beta = add_sub(pool.world.alliance_b, "beta@sub.test", "Beta Sub")
    with pytest.raises(ValidationError, match="no longer exists"):
        services.accept_cover(cover_id=cover.pk, substitute=beta, actor=beta.user)


def test_a_cancelled_request_cannot_be_accepted_and_the_booked_substitute_is_told(
    pool, django_capture_on_commit_callbacks
):
    cover = request(pool)
    services.accept_cover(cover_id=cover.pk, substitute=pool.jordan, actor=pool.jordan.user)
    director = pool.world.a1.users["director"]
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_cover(cover=cover, actor=director, reason="Staff back")
    assert [m.to for m in mail.outbox] == [["jordan@sub.test"]]
    assert "Staff back" in mail.outbox[0].body
    with pytest.raises(AlreadyTaken, match="cancelled"):
        services.accept_cover(cover_id=cover.pk, substitute=pool.maya, actor=pool.maya.user)


@pytest.mark.django_db(transaction=True)
def test_two_substitutes_accepting_at_the_same_moment_cannot_both_win(world):
    """Two requests race for the row lock; one fills the request, the other is refused."""
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:"):
        pytest.skip("The in-memory SQLite test database is one connection shared by threads.")
    from ccms.substitutes.tests.conftest import Pool, add_member

    for tenant in (world.a1, world.a2):
        add_member(tenant.provider)
    from django.utils import timezone

    pool = Pool(
        world,
        add_sub(world.alliance_a, "jordan@sub.test", "Jordan Ellis"),
        add_sub(world.alliance_a, "maya@sub.test", "Maya Torres"),
        timezone.localdate(),
    )
    cover = request(pool)
    start = threading.Barrier(2)
    results = {}

    def accept(substitute):
        start.wait()
        try:
            services.accept_cover(cover_id=cover.pk, substitute=substitute, actor=substitute.user)
            results[substitute.name] = "won"
        except AlreadyTaken:
            results[substitute.name] = "refused"
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(s,)) for s in (pool.jordan, pool.maya)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == ["refused", "won"]


# Billing -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "hours", "billed"),
    [
        ("24.00", "7.5", "180.00"),
        ("26.50", "3.33", "88.25"),  # 88.245 rounds half up
        ("22.00", "0.25", "5.50"),
        ("19.99", "8", "159.92"),
        ("25.75", "6.67", "171.75"),  # 171.7525
    ],
)
def test_hours_are_billed_to_the_member_as_hours_times_rate_to_the_cent(pool, rate, hours, billed):
    pool.jordan.hourly_rate = Decimal(rate)
    pool.jordan.save()
    cover = worked_shift(pool)
    director = pool.world.a1.users["director"]
    cover = services.confirm_hours(cover=cover, hours=Decimal(hours), actor=director)
    entry = cover.billed_entry
    assert entry.amount == Decimal(billed)
    assert entry.key == f"sub:{cover.pk}" and entry.category == "substitute"
    member = membership_of(pool.world.a1.provider, cover.date)
    assert entry.account == member.account
    assert ledger.balance(member.account) == Decimal(billed)
    assert cover.status == CoverStatus.COMPLETED


def test_confirming_the_same_hours_again_bills_once(pool):
    cover = worked_shift(pool)
    director = pool.world.a1.users["director"]
    services.confirm_hours(cover=cover, hours=Decimal("7.5"), actor=director)
    services.confirm_hours(cover=cover, hours=Decimal("7.50"), actor=director)
    assert LedgerEntry.objects.filter(key__startswith=f"sub:{cover.pk}").count() == 1


def test_corrected_hours_reverse_the_charge_and_bill_the_new_amount(pool):
    cover = worked_shift(pool)
    director = pool.world.a1.users["director"]
    first = services.confirm_hours(cover=cover, hours=Decimal("7.5"), actor=director).billed_entry
    with pytest.raises(ValidationError, match="Say why"):
        services.confirm_hours(cover=cover, hours=Decimal("6"), actor=director)
    cover = services.confirm_hours(
        cover=cover, hours=Decimal("6"), actor=director, reason="Left at 2 p.m."
    )
    account = first.account
    entries = LedgerEntry.objects.filter(account=account).order_by("pk")
    kinds = list(entries.values_list("kind", "amount"))
    assert kinds == [
        (EntryKind.CHARGE, Decimal("180.00")),
        (EntryKind.REVERSAL, Decimal("180.00")),
        (EntryKind.CHARGE, Decimal("144.00")),
    ]
    assert cover.billed_entry.key == f"sub:{cover.pk}:1"
    assert ledger.balance(account) == Decimal("144.00")
    assert cover.hours_worked == Decimal("6")


def test_hours_are_confirmed_only_after_the_day(pool):
    cover = request(pool)
    services.accept_cover(cover_id=cover.pk, substitute=pool.jordan, actor=pool.jordan.user)
    with pytest.raises(ValidationError, match="after the day"):
        services.confirm_hours(
            cover=cover, hours=Decimal("6"), actor=pool.world.a1.users["director"]
        )


def test_an_open_request_has_no_hours_to_confirm(pool):
    cover = request(pool)
    with pytest.raises(ValidationError, match="Only a filled request"):
        services.confirm_hours(
            cover=cover, hours=Decimal("6"), actor=pool.world.a1.users["director"]
        )


def test_the_rate_billed_is_the_one_accepted_at(pool):
    cover = worked_shift(pool)
    pool.jordan.hourly_rate = Decimal("40.00")
    pool.jordan.save()
    cover = services.confirm_hours(
        cover=cover, hours=Decimal("2"), actor=pool.world.a1.users["director"]
    )
    assert cover.billed_entry.amount == Decimal("48.00")


# The pool ----------------------------------------------------------------------------------------


def test_adding_a_substitute_gives_their_login_the_substitute_role(pool):
    membership = Membership.objects.get(user=pool.jordan.user)
    assert (membership.role, membership.alliance) == (Role.SUBSTITUTE, pool.world.alliance_a)
    assert not pool.jordan.user.has_usable_password()


def test_an_existing_user_is_linked_not_duplicated(pool):
    director = pool.world.a1.users["director"]
    sub = services.add_substitute(
        alliance=pool.world.alliance_a,
        name="Director Moonlighting",
        email=director.email.upper(),
        hourly_rate=Decimal("20"),
        actor=None,
    )
    assert sub.user == director
    with pytest.raises(ValidationError, match="already in this alliance's pool"):
        services.add_substitute(
            alliance=pool.world.alliance_a,
            name="Again",
            email=director.email,
            hourly_rate=Decimal("20"),
            actor=None,
        )


def test_a_second_credential_of_a_kind_is_refused(pool):
    with pytest.raises(ValidationError, match="edit it to renew it"):
        services.save_credential(substitute=pool.jordan, kind="cpr", actor=None)
