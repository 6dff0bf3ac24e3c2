from django.contrib.auth import authenticate

from ccms.core.demo import DEMO_PASSWORD, demo_logins, load_demo
from ccms.tenancy.models import Alliance, Provider, ProviderKind, Role, User


def test_demo_alliance_has_mixed_providers_and_every_role(db):
    assert load_demo() is True
    alliance = Alliance.objects.get()
    assert alliance.name == "Prairie Shared Services Alliance"
    kinds = set(Provider.objects.values_list("kind", flat=True))
    assert len(Provider.objects.all()) >= 6
    assert ProviderKind.CENTER in kinds and len(kinds) >= 4
    roles = set(User.objects.values_list("memberships__role", flat=True))
    assert roles == set(Role.values)


def test_every_demo_login_works_with_the_demo_password(db):
    load_demo()
    for email, _label, _mfa in demo_logins():
        assert authenticate(email=email, password=DEMO_PASSWORD) is not None, email


def test_loading_the_demo_twice_changes_nothing(db):
    load_demo()
    counts = (Provider.objects.count(), User.objects.count())
    assert load_demo() is False
    assert (Provider.objects.count(), User.objects.count()) == counts
