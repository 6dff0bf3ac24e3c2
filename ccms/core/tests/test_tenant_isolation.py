"""Every URL pattern and API route, walked as every role of every other provider and alliance:
the answer is 403 or 404, never data, and nothing is written. New URLs are covered automatically;
a URL whose arguments this file cannot fill fails the suite until it is added to URL_ARGUMENTS."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from ccms.core.models import AuditEvent

# URL prefixes that name no tenant: sign-in (allauth), the API schema and docs, and the pages for
# families without an account (a provider's public inquiry page, the packet opened by its token;
# both tested in ccms/enrollment/tests/test_registration.py).
# The card processor's webhook is public and checks its signature instead (ccms/billing/tests/
# test_card.py).
PUBLIC_PREFIXES = (
    "accounts/",
    "api/docs",
    "api/openapi.json",
    "static/",
    "enroll/",
    "packet/",
    "billing/webhooks/",
    # The public news page of each alliance (ccms/communications/tests/test_views.py).
    "news/",
)
# Pages with no tenant in the URL; each lists only what the user may see (tested elsewhere).
UNSCOPED = {
    "",
    "healthz",
    "providers/",
    "api/providers",
    "api/",
    "insights/",
    "inbox/",
    "api/me/inbox",
}

# How to fill each URL argument with an object of the tenant under test.
URL_ARGUMENTS = {
    "provider": lambda t: t.provider.slug,
    "alliance": lambda t: t.provider.alliance.slug,
    "classroom_id": lambda t: t.classroom.pk,
    "child_id": lambda t: t.child.pk,
    "family_id": lambda t: t.family.pk,
    "inquiry_id": lambda t: _inquiry(t).pk,
    "enrollment_id": lambda t: _enrollment(t).pk,
    "guardian_id": lambda t: t.family.guardians.get().pk,
    "contact_id": lambda t: _family_row(t, "EmergencyContact").pk,
    "pickup_id": lambda t: _child_row(t, "AuthorizedPickup").pk,
    "document_id": lambda t: _child_row(t, "ChildDocument").pk,
    "schedule_id": lambda t: _staff_schedule(t).pk,
    "presence_id": lambda t: _presence(t).pk,
    "period": lambda t: "2026-01-04",  # a billing period, named by its first day
    "authorization_id": lambda t: _authorization(t).pk,
    "account_id": lambda t: _payer_account(t).pk,
    "run_id": lambda t: _billing_run(t).pk,
    "entry_id": lambda t: _ledger_entry(t).pk,  # a payment
    "payment_plan_id": lambda t: _payment_plan(t).pk,
    "writeoff_id": lambda t: _write_off_request(t).pk,
    "intent_id": lambda t: _payment_intent(t).pk,
    "batch_id": lambda t: _ach_batch(t).pk,
    "expense_id": lambda t: _insights_expense(t).pk,
    "plan_id": lambda t: _insights_plan(t).pk,
    "alert_id": lambda t: _insights_alert(t).pk,
    "table": lambda t: "summary",  # an insights table to export
    "tuition_plan_id": lambda t: _billing_row(t, "TuitionPlan").pk,
    "fee_id": lambda t: _billing_row(t, "Fee").pk,
    "year": lambda t: 2026,
    "month": lambda t: 1,
    "message_id": lambda t: _comms_message(t).pk,
    "delivery_id": lambda t: _comms_message(t).deliveries.get().pk,  # to its guardian
    "stakeholder_id": lambda t: _comms_alliance_row(t, "Stakeholder").pk,
    "audience_id": lambda t: _comms_alliance_row(t, "Audience").pk,
    "member_id": lambda t: _alliance_member(t).pk,
    "service_id": lambda t: _shared_row(t, "SharedService").pk,
    "pool_id": lambda t: _shared_row(t, "CostPool").pk,
    "cover_id": lambda t: _cover_request(t).pk,
    "substitute_id": lambda t: _substitute(t).pk,
    "credential_id": lambda t: _substitute(t).credentials.get().pk,
    "survey_id": lambda t: _survey(t).pk,
    "question_id": lambda t: _survey(t).questions.get().pk,
    "option_id": lambda t: _survey(t).questions.get().options.first().pk,
}


def _alliance_member(t):
    from ccms.alliance.models import AllianceMember

    return AllianceMember.objects.get_or_create(
        alliance=t.provider.alliance, provider=t.provider, defaults={"joined_on": "2026-01-01"}
    )[0]


def _shared_row(t, model_name):
    from ccms.alliance.models import CostPool, SharedService

    alliance = t.provider.alliance
    if model_name == "SharedService":
        return SharedService.objects.get_or_create(
            alliance=alliance, name="Bookkeeping", defaults={"category": "bookkeeping"}
        )[0]
    return CostPool.objects.get_or_create(
        alliance=alliance, name="Hub staff", defaults={"kind": "staff", "rule": "flat"}
    )[0]


def _comms_message(t):
    """A message of the provider under test, released to its guardian."""
    from datetime import UTC, datetime

    from ccms.communications import services
    from ccms.communications.models import Message

    found = Message.objects.filter(provider=t.provider).first()
    if found:
        return found
    director = t.users["director"]
    message = services.compose_message(
        alliance=t.provider.alliance,
        provider=t.provider,
        author=director,
        audience="families",
        data={
            "subject": "Picture day",
            "body": "Friday.",
            "in_app": True,
            "release_at": datetime(2026, 1, 5, tzinfo=UTC),
        },
    )
    services.approve_message(message=message, actor=director)
    services.release_message(message_id=message.pk, now=datetime(2026, 1, 5, tzinfo=UTC))
    return message


def _comms_alliance_row(t, model_name):
    from ccms.communications.models import Audience, Stakeholder

    alliance = t.provider.alliance
    if model_name == "Stakeholder":
        return Stakeholder.objects.get_or_create(
            alliance=alliance, name="Early Childhood Iowa", defaults={"kind": "agency"}
        )[0]
    return Audience.objects.get_or_create(
        alliance=alliance, provider=None, name="All directors", defaults={"roles": ["director"]}
    )[0]


def _family_row(t, model_name):
    from django.apps import apps

    model = apps.get_model("families", model_name)
    defaults = {"name": "Grandma Alpha", "phone": "515-555-0100"}
    return model.objects.get_or_create(provider=t.provider, family=t.family, defaults=defaults)[0]


def _child_row(t, model_name):
    from django.apps import apps

    model = apps.get_model("families", model_name)
    defaults = {
        "AuthorizedPickup": {"name": "Uncle Alpha", "relationship": "Uncle", "phone": "555"},
        "ChildDocument": {"kind": "immunization"},
    }[model_name]
    return model.objects.get_or_create(provider=t.provider, child=t.child, defaults=defaults)[0]


def _staff_schedule(t):
    from datetime import time

    from ccms.attendance.models import StaffSchedule

    return StaffSchedule.objects.get_or_create(
        provider=t.provider,
        user=t.users["staff"],
        classroom=t.classroom,
        weekday=0,
        defaults={"start": time(7, 0), "end": time(15, 0)},
    )[0]


def _inquiry(t):
    from ccms.enrollment.models import Inquiry

    return Inquiry.objects.get_or_create(
        provider=t.provider, family=t.family, child=t.child, defaults={"stage": "waitlist"}
    )[0]


def _enrollment(t):
    from datetime import date

    from ccms.enrollment.models import Enrollment

    return Enrollment.objects.get_or_create(
        provider=t.provider, child=t.child, classroom=t.classroom, start_date=date(2025, 1, 6)
    )[0]


def _presence(t):
    from datetime import UTC, date, datetime

    from ccms.attendance.models import Presence

    return Presence.objects.get_or_create(
        provider=t.provider,
        child=t.child,
        service_date=date(2026, 1, 5),
        defaults={
            "classroom": t.classroom,
            "check_in": datetime(2026, 1, 5, 14, 0, tzinfo=UTC),
            "check_out": datetime(2026, 1, 5, 22, 0, tzinfo=UTC),
            "check_in_method": "roster",
        },
    )[0]


def _authorization(t):
    from datetime import date
    from decimal import Decimal

    from ccms.subsidy.models import Authorization

    return Authorization.objects.get_or_create(
        provider=t.provider,
        child=t.child,
        start_date=date(2026, 1, 1),
        defaults={
            "end_date": date(2026, 12, 31),
            "units_per_period": 20,
            "private_rate": Decimal("22.00"),
        },
    )[0]


def _payer_account(t):
    from ccms.billing.accounts import family_account

    return family_account(t.family)


def _billing_run(t):
    from datetime import date

    from ccms.billing.models import BillingRun

    return BillingRun.objects.get_or_create(
        provider=t.provider,
        frequency="monthly",
        period_start=date(2026, 1, 1),
        defaults={"period_end": date(2026, 1, 31)},
    )[0]


def _ledger_entry(t):
    from datetime import date

    from ccms.billing import ledger

    return ledger.post_entry(
        _payer_account(t),
        kind="payment",
        amount="10.00",
        on=date(2026, 1, 5),
        method="cash",
        key="isolation:payment",
        actor=None,
    )


def _billing_row(t, model_name):
    from django.apps import apps

    model = apps.get_model("billing", model_name)
    defaults = {
        "TuitionPlan": {"name": "Toddlers", "frequency": "monthly", "amount": 900},
        "Fee": {"kind": "registration", "name": "Registration", "amount": 50},
    }[model_name]
    return model.objects.get_or_create(provider=t.provider, defaults=defaults)[0]


def _payment_intent(t):
    from ccms.billing.processors import card_processor

    return card_processor().create_payment_intent(
        _payer_account(t), "25.00", "isolation:intent", None
    )


def _ach_batch(t):
    from datetime import date

    from ccms.billing.models import AchBatch

    return AchBatch.objects.get_or_create(
        provider=t.provider, effective_date=date(2026, 1, 5), defaults={"file_text": "1"}
    )[0]


def _payment_plan(t):
    from datetime import date

    from ccms.billing.models import PaymentPlan

    return PaymentPlan.objects.get_or_create(
        provider=t.provider,
        account=_payer_account(t),
        defaults={
            "amount": "100.00",
            "installments": 2,
            "frequency": "monthly",
            "first_due": date(2026, 2, 1),
            "created_by": t.users["director"],
        },
    )[0]


def _write_off_request(t):
    from ccms.billing.models import WriteOffRequest

    return WriteOffRequest.objects.get_or_create(
        provider=t.provider,
        account=_payer_account(t),
        defaults={"amount": "10.00", "reason": "Moved away", "requested_by": t.users["director"]},
    )[0]


def _insights_expense(t):
    from datetime import date

    from ccms.insights.models import Expense

    return Expense.objects.get_or_create(
        provider=t.provider, month=date(2026, 1, 1), category="site", defaults={"amount": 100}
    )[0]


def _insights_plan(t):
    from datetime import date

    from django.utils import timezone

    from ccms.insights.models import ActionPlan

    return ActionPlan.objects.get_or_create(
        provider=t.provider,
        title="Collect every payment",
        defaults={
            "metric": "fee_collection_rate.total",
            "baseline": 0,
            "target": "0.98",
            "due_on": date(2027, 3, 31),
            "owner": t.users["director"],
            "created_at": timezone.now(),
        },
    )[0]


def _insights_alert(t):
    from datetime import date

    from django.utils import timezone

    from ccms.insights.models import Alert

    return Alert.objects.get_or_create(
        provider=t.provider,
        month=date(2026, 1, 1),
        side="enrollment",
        defaults={"value": "50%", "created_at": timezone.now()},
    )[0]


def _survey(t):
    """An open survey of the tenant's alliance, sent to the tenant's provider only."""
    from django.utils import timezone

    from ccms.surveys.models import Invitation, Option, Question, Survey

    survey, created = Survey.objects.get_or_create(
        alliance=t.provider.alliance, title="Needs", defaults={"status": "open"}
    )
    if created:
        question = Question.objects.create(survey=survey, kind="ranking", text="Rank these")
        for label in ("Payroll", "Substitutes"):
            Option.objects.create(question=question, label=label)
        Invitation.objects.create(survey=survey, provider=t.provider, sent_at=timezone.now())
    return survey


def _substitute(t):
    """A substitute of the tenant's alliance, with one credential."""
    from ccms.substitutes.models import Credential, Substitute
    from ccms.tenancy.models import User

    slug = t.provider.alliance.slug
    user, _ = User.objects.get_or_create(email=f"substitute@{slug}.isolation.test")
    substitute, created = Substitute.objects.get_or_create(
        alliance=t.provider.alliance,
        user=user,
        defaults={"name": "Sub Alpha", "email": user.email, "hourly_rate": 20},
    )
    if created:
        Credential.objects.create(alliance=substitute.alliance, substitute=substitute, kind="cpr")
    return substitute


def _cover_request(t):
    from datetime import date, time

    from django.utils import timezone

    from ccms.substitutes.models import CoverRequest

    return CoverRequest.objects.get_or_create(
        provider=t.provider,
        classroom=t.classroom,
        date=date(2026, 1, 5),
        defaults={
            "start": time(7, 0),
            "end": time(12, 0),
            "requested_by": t.users["director"],
            "requested_at": timezone.now(),
        },
    )[0]


ARGUMENT = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>|\{(?P<api>[^}:]+)(?::[^}]*)?\}")


def url_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from url_patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route.lstrip("^").rstrip("$")


def tenant_routes():
    routes = []
    for route in url_patterns():
        if route.startswith(PUBLIC_PREFIXES) or route in UNSCOPED:
            continue
        routes.append(route)
    return sorted(set(routes))


def fill(route: str, tenant) -> str:
    def substitute(match):
        name = match.group("name") or match.group("api")
        if name not in URL_ARGUMENTS:
            pytest.fail(f"URL {route!r} has argument {name!r}: add it to URL_ARGUMENTS.")
        return str(URL_ARGUMENTS[name](tenant))

    return "/" + ARGUMENT.sub(substitute, route)


ROUTES = tenant_routes()


def written() -> tuple[int, int]:
    """Every write leaves an audit row or a ledger entry (the ledger is its own trail)."""
    from ccms.billing.models import LedgerEntry

    return AuditEvent.objects.count(), LedgerEntry.objects.count()


def test_every_tenant_route_is_walked():
    # Guards the walker itself: if URL discovery broke, the matrix below would pass vacuously.
    assert "p/<slug:provider>/" in ROUTES
    assert any(r.startswith("api/") and "{provider}" in r or "<provider>" in r for r in ROUTES)
    assert any("<slug:alliance>" in r for r in ROUTES)


@pytest.mark.parametrize("route", ROUTES)
def test_other_tenants_get_no_data(client, world, route):
    target = world.a1
    url = fill(route, target)
    secrets = [target.child.first_name, target.other_child.first_name]
    alliance_route = "alliance>" in route or "{alliance}" in route
    outsiders = (
        world.alliance_outsiders(target.provider.alliance)
        if alliance_route
        else world.outsiders_of(target)
    )
    for outsider in outsiders:
        client.force_login(outsider)
        before = written()
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            # 405 answers a method the route lacks, the same for every tenant: no data either.
            assert response.status_code in (403, 404, 405), (
                f"{outsider.email} {method.upper()} {url} -> {response.status_code}"
            )
            body = response.content.decode()
            assert not any(secret in body for secret in secrets), f"{url} leaked a child name"
        assert written() == before, f"{url} wrote data for {outsider.email}"


@pytest.mark.parametrize("route", [r for r in ROUTES if "_id" in r])
def test_own_provider_url_with_another_providers_object_is_404(client, world, route):
    """The URL names the user's own provider but an object id of another: 404, like missing."""
    director = world.a2.users["director"]
    client.force_login(director)
    url = (
        fill(route, world.a1)
        .replace("/p/a1/", "/p/a2/")
        .replace("/providers/a1/", "/providers/a2/")
    )
    assert client.get(url).status_code in (404, 405)
    assert client.post(url).status_code in (404, 405)


@pytest.mark.parametrize("route", ROUTES)
def test_missing_and_not_yours_answer_alike(client, world, route):
    if "<slug:provider>" not in route and "{provider}" not in route:
        pytest.skip("no provider in this URL")
    client.force_login(world.a2.users["director"])
    not_yours = client.get(fill(route, world.a1))
    missing = client.get(fill(route, world.a1).replace("/a1/", "/no-such-provider/"))
    assert not_yours.status_code == missing.status_code == 404


def test_anonymous_users_are_sent_to_sign_in(client, world):
    for route in ROUTES:
        response = client.get(fill(route, world.a1))
        if route.startswith("api/"):
            # 405 for a GET of a POST-only route: the same for everyone, no data either way.
            assert response.status_code in (401, 405), route
        else:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
