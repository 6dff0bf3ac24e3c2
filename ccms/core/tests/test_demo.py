"""The demo alliance, loaded once (it is the slowest fixture there is) and checked whole."""

from decimal import Decimal

from django.contrib.auth import authenticate

from ccms.billing import ledger, nacha
from ccms.billing.models import AchBatch, PayerAccount
from ccms.core.demo import DEMO_PASSWORD, demo_logins, load_demo
from ccms.tenancy.models import Alliance, Provider, ProviderKind, Role, User


def test_the_demo_alliance_loads_once_with_every_role_and_a_billing_story(db):
    assert load_demo() is True
    alliance = Alliance.objects.get()
    assert alliance.name == "Prairie Shared Services Alliance"
    kinds = set(Provider.objects.values_list("kind", flat=True))
    assert len(Provider.objects.all()) >= 6
    assert ProviderKind.CENTER in kinds and len(kinds) >= 4
    roles = set(User.objects.values_list("memberships__role", flat=True))
    assert roles == set(Role.values)

    # Every demo login works with the demo password.
    for email, _label, _mfa in demo_logins():
        assert authenticate(email=email, password=DEMO_PASSWORD) is not None, email

    # The Garcias' bill is split between two households, each with this month's share open.
    maria, luis = (
        PayerAccount.objects.get(provider__slug="sunrise", name=name)
        for name in ("Maria Garcia", "Luis Garcia")
    )
    assert ledger.balance(maria) > 0 and ledger.balance(luis) > 0
    assert ledger.balance(maria) / (ledger.balance(maria) + ledger.balance(luis)) == Decimal("0.6")
    # Today's autopay run made a NACHA file that passes the structural check.
    batch = AchBatch.objects.get()
    assert batch.entry_count > 0 and nacha.check(batch.file_text) == []

    # Loading it again changes nothing.
    counts = (Provider.objects.count(), User.objects.count())
    assert load_demo() is False
    assert (Provider.objects.count(), User.objects.count()) == counts
