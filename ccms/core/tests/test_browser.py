"""What a person sees in a real browser: signing in (with and without a second factor), a form
with errors, and keyboard access. Headless Chromium through Playwright against a live server."""

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import expect

from ccms.conftest import PASSWORD, TEST_TOTP_SECRET

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SIGN_IN = re.compile(r"^Sign in$", re.I)


def current_code() -> str:
    return format_hotp_value(hotp_value(TEST_TOTP_SECRET, int(time.time()) // 30))


@pytest.fixture
def page_at(browser, live_server):
    """A fresh browser page of the given size; relative URLs go to the live server."""
    contexts = []

    def open_page(viewport=DESKTOP):
        context = browser.new_context(viewport=viewport, base_url=live_server.url)
        context.set_default_timeout(15000)  # a shared machine has slow moments
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=SIGN_IN).click()


def test_director_signs_in_on_a_phone_and_sees_their_classrooms(page_at, world):
    page = page_at(PHONE)
    sign_in(page, "director@a1.test")
    page.wait_for_url(re.compile(r"/p/a1/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Provider a1")
    expect(page.locator("table tbody th[scope=row]")).to_have_text(["Toddlers", "Preschool"])
    nav = page.get_by_role("navigation", name="Provider a1")
    expect(nav.get_by_role("link", name="Home", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    for tab in ("Children", "Classrooms", "Settings", "Audit log"):
        link = nav.get_by_role("link", name=tab, exact=True)
        link.scroll_into_view_if_needed()  # the tab bar may scroll sideways on a phone
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1, tab
    # The page itself never spills sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    nav.get_by_role("link", name="Classrooms", exact=True).click()
    page.wait_for_url("**/p/a1/classrooms/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Classrooms")


def test_hub_staff_enters_the_authenticator_code_to_reach_providers(page_at, world):
    page = page_at()
    sign_in(page, "hub_staff@alpha.test")
    page.wait_for_url("**/accounts/2fa/authenticate/")
    expect(page.get_by_role("link", name="Provider a1")).to_have_count(0)  # nothing shown yet
    page.get_by_label("Code").fill("123456")
    page.get_by_role("button", name=SIGN_IN).click()
    expect(page.get_by_text("Incorrect code")).to_be_visible()
    page.get_by_label("Code").fill(current_code())
    page.get_by_role("button", name=SIGN_IN).click()
    page.wait_for_url("**/providers/")
    expect(page.get_by_role("heading", name="Your providers")).to_be_visible()
    # Only this alliance's providers are offered.
    expect(page.get_by_role("link", name="Provider b1")).to_have_count(0)
    page.get_by_role("link", name="Provider a2").click()
    page.wait_for_url("**/p/a2/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Provider a2")


def test_add_classroom_shows_errors_inline_then_saves(page_at, world):
    page = page_at()
    sign_in(page, "director@a1.test")
    page.wait_for_url(re.compile(r"/p/a1/$"))
    page.get_by_role("link", name="Add a classroom").first.click()
    page.wait_for_url("**/p/a1/classrooms/new/")

    page.get_by_label("Youngest age served (months)").fill("36")
    page.get_by_label("Oldest age served (months)").fill("24")
    page.get_by_label("Licensed capacity").fill("12")
    page.get_by_role("button", name="Add classroom").click()

    expect(page.get_by_role("alert")).to_have_text("Please fix the 2 highlighted fields below.")
    name = page.locator(".field", has=page.get_by_label("Name", exact=True))
    expect(name.locator(".errorlist")).to_have_text("This field is required.")
    oldest = page.locator(".field", has=page.get_by_label("Oldest age served (months)"))
    expect(oldest.locator(".errorlist")).to_have_text(
        "The oldest age served must not be below the youngest."
    )
    expect(page.get_by_label("Licensed capacity")).to_have_value("12")  # what was typed is kept

    page.get_by_label("Name", exact=True).fill("Pre-K Blue")
    page.get_by_label("Oldest age served (months)").fill("59")
    page.get_by_role("button", name="Add classroom").click()
    page.wait_for_url("**/p/a1/classrooms/")
    expect(page.get_by_role("status")).to_have_text("Classroom “Pre-K Blue” added.")
    row = page.locator("tbody tr", has=page.get_by_role("rowheader", name="Pre-K Blue"))
    expect(row.locator("td[data-label=Ages]")).to_have_text("3 y to 4 y 11 mo")
    expect(row.locator("td[data-label='Licensed capacity']")).to_have_text("12")


def test_skip_link_is_the_first_thing_the_tab_key_reaches(page_at, world):
    page = page_at()
    sign_in(page, "director@a1.test")
    page.wait_for_url(re.compile(r"/p/a1/$"))
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.bounding_box()["x"] < 0  # off-screen until focused
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0  # shown once focused
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
