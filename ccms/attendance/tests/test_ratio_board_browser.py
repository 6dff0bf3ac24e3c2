"""A director watches the live ratio board while the only teacher of a room with children in it
clocks out on her phone: the board turns that room out of ratio without a reload."""

import re
from importlib import import_module

import pytest
from django.apps import apps
from playwright.sync_api import expect

from ccms.attendance import services
from ccms.attendance.models import RatioRule
from ccms.core.tests.test_browser import DESKTOP, PHONE, page_at, sign_in  # noqa: F401 (fixture)
from ccms.families.models import Child
from ccms.tenancy.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def state_ratio_rules():
    """The state's ratios come from a data migration, and an earlier transactional test's flush
    wipes such rows: load them again when they are missing."""
    if not RatioRule.objects.filter(provider=None).exists():
        import_module("ccms.attendance.migrations.0002_iowa_center_ratios").load(apps, None)


def test_board_shows_a_room_out_of_ratio_when_its_only_teacher_clocks_out(
    page_at,  # noqa: F811
    world,
    state_ratio_rules,
):
    a1 = world.a1
    services.clock_in(provider=a1.provider, user=a1.users[Role.STAFF], classroom=a1.classroom)
    services.check_in(child=a1.child, classroom=a1.classroom)
    second = Child.objects.create(
        provider=a1.provider,
        family=a1.family,
        classroom=a1.classroom,
        first_name="Ivy",
        last_name="Alpha",
        birth_date=a1.child.birth_date,
    )
    services.check_in(child=second, classroom=a1.classroom)

    board = page_at(DESKTOP)
    sign_in(board, "director@a1.test")
    board.wait_for_url(re.compile(r"/p/a1/$"))
    board.goto("/p/a1/ratios/?every=2")
    toddlers = board.locator(
        "article.ratio-card", has=board.get_by_role("heading", name="Toddlers")
    )
    expect(toddlers.locator(".ratio-status")).to_have_text("✓ In ratio")
    expect(toddlers).to_contain_text("staff@a1.test")
    expect(board.locator(".ratio-banner")).to_have_text(re.compile("Every room is in ratio"))
    board.evaluate("window.boardNotReloaded = true")

    phone = page_at(PHONE)
    sign_in(phone, "staff@a1.test")
    phone.wait_for_url(re.compile(r"/p/a1/$"))
    phone.goto("/p/a1/time/")
    phone.get_by_role("button", name="Clock out").click()
    expect(phone.get_by_role("status")).to_contain_text("Toddlers is now out of ratio")

    expect(toddlers.locator(".ratio-status")).to_have_text(
        "✕ Out of ratio: needs 1 more staff", timeout=20_000
    )
    expect(toddlers).to_contain_text("none clocked in")
    expect(board.locator(".ratio-banner")).to_contain_text("1 room out of ratio: Toddlers")
    # Out-of-ratio rooms come first, and screen readers hear the change once.
    first = board.locator("article.ratio-card").first
    expect(first.get_by_role("heading")).to_have_text("Toddlers")
    expect(board.locator("#ratio-announcer")).to_contain_text("1 room out of ratio")
    assert board.evaluate("window.boardNotReloaded") is True
