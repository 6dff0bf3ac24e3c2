"""The demo's Iron Triangle story in a real browser: the consultant sees a red provider first,
opens it, writes a coaching note and an action plan, runs a scenario; the provider's director
sees the same figures. Headless Chromium through Playwright against a live server."""

import re
import time
from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.utils import timezone
from playwright.sync_api import expect

from ccms.core.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, load_demo
from ccms.core.tests.test_browser import DESKTOP, PHONE, page_at  # noqa: F401 (a fixture)
from ccms.insights.models import ActionPlan, CoachingNote
from ccms.subsidy.tests.conftest import rate_tables  # noqa: F401  (the demo needs them)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIGN_IN = re.compile(r"^Sign in$", re.I)


def sign_in(page, email: str, *, code: bool = False) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name=SIGN_IN).click()
    if code:
        page.wait_for_url("**/accounts/2fa/authenticate/")
        now = int(time.time()) // 30
        page.get_by_label("Code").fill(format_hotp_value(hotp_value(DEMO_TOTP_SECRET, now)))
        page.get_by_role("button", name=SIGN_IN).click()
    page.wait_for_url(lambda url: "/accounts/" not in url)


def headline_figures(page) -> list[str]:
    return page.locator(".side-value strong").all_inner_texts()


def test_a_consultant_acts_on_a_red_provider_and_the_director_sees_the_same(page_at):  # noqa: F811
    load_demo()
    page = page_at(DESKTOP)
    page.set_default_timeout(15000)
    sign_in(page, "consultant@prairie.demo", code=True)

    # Every assigned provider on one screen, riskiest first: Cedar Valley, all red.
    page.wait_for_url("**/insights/")
    first = page.locator(".portfolio-row").first
    expect(first.get_by_role("heading", level=2)).to_have_text("Cedar Valley Kids Center")
    expect(first.locator(".status-badge.bad")).to_have_count(3)
    expect(first.get_by_text("Act now").first).to_be_visible()
    expect(page.locator(".portfolio-row")).to_have_count(3)  # only the assigned providers

    first.get_by_role("link", name="Cedar Valley Kids Center").click()
    page.wait_for_url("**/p/cedar-valley/insights/**")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Iron Triangle")
    consultant_sees = headline_figures(page)
    assert len(consultant_sees) == 3
    expect(page.locator(".side.bad")).to_have_count(3)
    expect(page.get_by_role("img", name=re.compile("Enrollment and vacancies"))).to_be_visible()

    # A coaching note and an action plan tied to enrollment efficiency.
    page.get_by_role("navigation", name="Insights").get_by_role("link", name="Coaching").click()
    page.get_by_label("Coaching note", exact=True).fill(
        "Half the seats are empty: start a waitlist push."
    )
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_role("status")).to_have_text("Coaching note saved.")
    expect(page.get_by_text("Half the seats are empty: start a waitlist push.")).to_be_visible()
    page.get_by_label("Title", exact=True).fill("Fill the preschool room")
    page.get_by_label("Figure the plan moves").select_option(
        label="Enrollment efficiency (staffed)"
    )
    page.get_by_label("Target", exact=True).fill("60")
    page.get_by_label("Due", exact=True).fill(
        (timezone.localdate() + timedelta(days=90)).isoformat()
    )
    page.get_by_label("Owner", exact=True).select_option(label="Director")
    page.get_by_role("button", name="Add action plan").click()
    expect(page.get_by_role("status")).to_have_text("Action plan “Fill the preschool room” added.")
    plan = page.locator(".plan", has=page.get_by_role("heading", name="Fill the preschool room"))
    expect(plan.get_by_role("progressbar")).to_be_visible()
    expect(plan).to_contain_text("→ target 60.00%")
    assert ActionPlan.objects.filter(provider__slug="cedar-valley").count() == 1
    assert CoachingNote.objects.filter(provider__slug="cedar-valley").count() == 1

    # A scenario: five more preschoolers and a 3% tuition rise.
    page.get_by_role("link", name="Scenario planner").click()
    preschool = page.get_by_label("FTE enrolled, preschool")
    preschool.fill(str(float(preschool.input_value()) + 5))
    page.get_by_label("Tuition change (%)").fill("3")
    page.get_by_role("button", name="Show the scenario").click()
    results = page.locator("#scenario-results")
    expect(results.get_by_role("heading", name="Today and the scenario, a month")).to_be_visible()
    net = results.locator("tr", has=page.get_by_role("rowheader", name="Net income"))
    expect(net.locator("td").nth(2)).to_contain_text("better")

    # The director of Cedar Valley sees the same figures, and the consultant's note.
    director = page_at(PHONE)
    director.set_default_timeout(15000)
    sign_in(director, "director@cedarvalley.demo")
    director.goto("/p/cedar-valley/insights/")
    assert headline_figures(director) == consultant_sees
    assert director.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    director.goto("/p/cedar-valley/insights/coaching/")
    expect(director.get_by_text("Half the seats are empty: start a waitlist push.")).to_be_visible()
    expect(director.get_by_role("heading", name="Fill the preschool room")).to_be_visible()
    expect(director.get_by_role("button", name="Add action plan")).to_have_count(0)
