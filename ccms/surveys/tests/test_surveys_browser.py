"""The demo's needs assessment in a real browser: Happy Hands' owner finishes the answers she saved
on a phone (a ranking with a place used twice is sent back with what to fix), and the alliance
admin sees her ranking move bulk purchasing up the ranked priorities."""

import re

import pytest
from playwright.sync_api import expect

from ccms.core.demo import load_demo
from ccms.core.tests.test_browser import DESKTOP, PHONE, page_at  # noqa: F401 (a fixture)
from ccms.insights.tests.test_insights_browser import sign_in
from ccms.subsidy.tests.conftest import rate_tables  # noqa: F401  (the demo needs them)
from ccms.surveys.models import Response

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RANKING = {
    "Bulk purchasing": "1",
    "Staff training": "2",
    "Payroll": "3",
    "Substitute pool": "4",
    "Enrollment and waitlist": "5",
}


def test_a_director_answers_and_the_admin_sees_the_ranked_priorities(page_at):  # noqa: F811
    load_demo()
    page = page_at(PHONE)
    sign_in(page, "owner@happyhands.demo")
    page.goto("/p/happy-hands/")
    nav = page.get_by_role("navigation", name="Happy Hands Home Daycare")
    nav.get_by_role("link", name="Surveys", exact=True).click()
    expect(page.locator(".inbox-row")).to_contain_text("Started")
    page.get_by_role("link", name="Continue").click()

    ranking = page.get_by_role("group", name=re.compile("Rank these shared services"))
    for label, place in RANKING.items():
        ranking.get_by_label(label, exact=True).select_option(place)
    ranking.get_by_label("Payroll", exact=True).select_option("1")  # 1 twice, 3 unused
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("alert")).to_contain_text("Rank each option once: 1 to 5.")
    expect(ranking.get_by_label("Payroll", exact=True)).to_have_attribute("aria-invalid", "true")
    assert not Response.objects.get(provider__slug="happy-hands").is_submitted

    ranking.get_by_label("Payroll", exact=True).select_option("3")
    expect(page.get_by_label("Food program claims")).to_be_checked()  # saved before
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("status")).to_have_text("Thank you: your answers are submitted.")
    expect(page.get_by_text("Submitted on")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    admin = page_at(DESKTOP)
    sign_in(admin, "admin@prairie.demo", code=True)
    admin.goto("/alliance/prairie/surveys/")
    admin.get_by_role("link", name="2026 needs assessment").click()
    expect(admin.locator(".stat .value")).to_have_text("5 of 8")
    admin.get_by_role("navigation", name="This survey").get_by_role(
        "link", name="Priorities"
    ).click()
    ranked = admin.locator(".priority h3")
    expect(ranked).to_have_text(
        [
            re.compile("Substitute pool"),
            re.compile("Payroll"),
            re.compile("Staff training"),
            re.compile("Bulk purchasing"),  # 4th now: Happy Hands put it first
            re.compile("Enrollment and waitlist"),
            re.compile("Food program claims"),
            re.compile("Business coaching"),
            re.compile("Bookkeeping"),
        ]
    )
    first = admin.locator(".priority").first
    expect(first.locator(".score strong")).to_have_text("43")
    first.get_by_text("How this score was computed").click()
    expect(first).to_contain_text("2 × 20 Borda points from 5 rankings = 40")
