import pytest
from django.core.management import CommandError, call_command

from ccms.tenancy.models import Membership, Role, User


def add(*args):
    call_command("user", "add", *args)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--email", "x@y.test", "--role", "wizard", "--provider", "a1"], "Unknown role “wizard”"),
        (["--email", "x@y.test", "--role", "director", "--provider", "nope"], "No provider"),
        (["--email", "director@a1.test", "--role", "staff", "--provider", "a1"], "already exists"),
        (["--email", "not-an-email", "--role", "staff", "--provider", "a1"], "not a valid e-mail"),
        (["--email", "x@y.test", "--role", "director"], "needs a provider"),
        (["--email", "x@y.test", "--role", "state_viewer", "--alliance", "gamma"], "No alliance"),
    ],
)
def test_bad_input_prints_a_clear_error_and_creates_nothing(world, args, message):
    users, memberships = User.objects.count(), Membership.objects.count()
    with pytest.raises(CommandError, match=message):
        add(*args)
    assert (User.objects.count(), Membership.objects.count()) == (users, memberships)


def test_adds_a_director_who_can_sign_in(world, client, capsys):
    add(
        "--email",
        "New.Director@A1.test",
        "--role",
        "director",
        "--provider",
        "a1",
        "--password",
        "correct-horse-battery",
    )
    out = capsys.readouterr().out
    assert "Created new.director@a1.test as Provider director of Provider a1" in out
    user = User.objects.get(email="new.director@a1.test")
    assert user.check_password("correct-horse-battery")
    assert user.memberships.get().provider.slug == "a1"


def test_alliance_roles_attach_to_the_providers_alliance(world):
    add("--email", "admin2@alpha.test", "--role", "alliance_admin", "--provider", "a2")
    membership = User.objects.get(email="admin2@alpha.test").memberships.get()
    assert (membership.alliance.slug, membership.provider) == ("alpha", None)
    assert membership.role == Role.ALLIANCE_ADMIN


def test_every_role_can_be_created(world):
    for role in Role.values:
        add("--email", f"{role}@new.test", "--role", role, "--provider", "a2")
    assert User.objects.filter(email__endswith="@new.test").count() == len(Role.values)
