"""The shared test world: alliance A with providers a1 (center) and a2 (home), an outsider
alliance B with provider b1, and a user in every role at each."""

import os
import shutil
from dataclasses import dataclass, field
from datetime import date

import pytest
from allauth.mfa.totp.internal.auth import TOTP

from ccms.families.models import Child, Family, Guardian
from ccms.tenancy import services
from ccms.tenancy.models import MFA_REQUIRED_ROLES, Alliance, Provider, Role

TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PASSWORD = "a-long-test-password-42"
PROVIDER_ROLES = [Role.DIRECTOR, Role.STAFF, Role.GUARDIAN, Role.CONSULTANT]
ALLIANCE_LEVEL_ROLES = [Role.ALLIANCE_ADMIN, Role.HUB_STAFF, Role.STATE_VIEWER]


@dataclass
class Tenant:
    provider: Provider
    site: object
    classroom: object
    other_classroom: object
    family: Family
    child: Child
    other_child: Child
    users: dict = field(default_factory=dict)


@dataclass
class World:
    alliance_a: Alliance
    alliance_b: Alliance
    a1: Tenant
    a2: Tenant
    b1: Tenant
    alliance_users: dict = field(default_factory=dict)  # (alliance slug, role) -> user

    def outsiders_of(self, tenant: Tenant) -> list:
        """Every user who must not see `tenant`'s data: each role at the other providers and
        every alliance-level role of the other alliance."""
        others = [t for t in (self.a1, self.a2, self.b1) if t is not tenant]
        users = [u for t in others for u in t.users.values()]
        other_alliance = "beta" if tenant.provider.alliance.slug == "alpha" else "alpha"
        users += [u for (slug, _), u in self.alliance_users.items() if slug == other_alliance]
        # The state viewer of the same alliance sees aggregates only, never a provider's pages.
        users.append(self.alliance_users[(tenant.provider.alliance.slug, Role.STATE_VIEWER)])
        return users

    def alliance_outsiders(self, alliance: Alliance) -> list:
        """Every user without an alliance-wide role in `alliance`: all provider-level users
        (its own members' too) and every alliance-level user of the other alliance."""
        users = [u for t in (self.a1, self.a2, self.b1) for u in t.users.values()]
        users += [u for (slug, _), u in self.alliance_users.items() if slug != alliance.slug]
        return users


def _user(email, role, *, provider=None, alliance=None, classrooms=()):
    user = services.add_user(
        email=email, role=role, provider=provider, alliance=alliance, password=PASSWORD
    )
    if classrooms:
        user.memberships.get().classrooms.add(*classrooms)
    if role in MFA_REQUIRED_ROLES:
        TOTP.activate(user, TEST_TOTP_SECRET)
    return user


def _tenant(alliance, slug, kind) -> Tenant:
    provider = Provider.objects.create(
        alliance=alliance, slug=slug, name=f"Provider {slug}", kind=kind, county="Polk"
    )
    site = services.create_site(provider=provider, name="Main", actor=None)
    rooms = [
        services.create_classroom(
            provider=provider,
            data={
                "site": site,
                "name": name,
                "min_age_months": low,
                "max_age_months": high,
                "licensed_capacity": 10,
            },
            actor=None,
        )
        for name, low, high in (("Toddlers", 12, 35), ("Preschool", 36, 71))
    ]
    family = Family.objects.create(provider=provider, name=f"Family {slug}")
    other_family = Family.objects.create(provider=provider, name=f"Other family {slug}")
    child = Child.objects.create(
        provider=provider,
        family=family,
        classroom=rooms[0],
        first_name=f"Kid{slug}",
        last_name="Alpha",
        birth_date=date(2024, 5, 1),
    )
    other_child = Child.objects.create(
        provider=provider,
        family=other_family,
        classroom=rooms[1],
        first_name=f"Other{slug}",
        last_name="Beta",
        birth_date=date(2022, 3, 1),
    )
    tenant = Tenant(provider, site, rooms[0], rooms[1], family, child, other_child)
    for role in PROVIDER_ROLES:
        tenant.users[role] = _user(
            f"{role}@{slug}.test",
            role,
            provider=provider,
            classrooms=[rooms[0]] if role == Role.STAFF else (),
        )
    Guardian.objects.create(
        provider=provider,
        family=family,
        user=tenant.users[Role.GUARDIAN],
        first_name="Pat",
        last_name="Alpha",
    )
    return tenant


@pytest.fixture
def world(db) -> World:
    alpha = Alliance.objects.create(name="Alpha Alliance", slug="alpha")
    beta = Alliance.objects.create(name="Beta Alliance", slug="beta")
    w = World(
        alpha,
        beta,
        _tenant(alpha, "a1", "center"),
        _tenant(alpha, "a2", "cdh_b"),
        _tenant(beta, "b1", "center"),
    )
    for alliance in (alpha, beta):
        for role in ALLIANCE_LEVEL_ROLES:
            w.alliance_users[(alliance.slug, role)] = _user(
                f"{role}@{alliance.slug}.test", role, alliance=alliance
            )
    return w


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def browser():
    """Headless Debian Chromium through Playwright. Skipped (with the reason) without Chromium,
    except in CI, where CCMS_REQUIRE_BROWSER=1 turns the skip into a failure."""
    path = chromium_path()
    if path is None:
        message = "Chromium is not installed (apt-get install chromium); browser test skipped."
        if os.environ.get("CCMS_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=path,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def tasks_run_inline(settings):
    """Background tasks run inside the call that queues them, so a test sees their result."""
    settings.TASKS_MODE = "sync"
