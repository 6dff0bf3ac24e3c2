"""A director takes an inquiry through tour, waitlist and offer to an enrolled child in a real
browser, and the classroom's vacancy figure drops by one."""

import re

import pytest

from ccms.core.tests.test_browser import DESKTOP, page_at, sign_in  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def vacancies_in(page, classroom: str) -> float:
    page.goto("/p/a1/vacancies/")
    row = page.locator("table").first.locator("tr", has=page.locator(f"th:text-is('{classroom}')"))
    return float(row.locator("td[data-label='Vacancies now']").inner_text())


def test_director_takes_an_inquiry_to_an_enrolled_child(page_at, world):  # noqa: F811
    page = page_at(DESKTOP)
    sign_in(page, "director@a1.test")
    page.wait_for_url(re.compile(r"/p/a1/$"))
    before = vacancies_in(page, "Toddlers")

    page.goto("/p/a1/enrollment/")
    page.get_by_role("link", name="Record an inquiry").click()
    page.get_by_label("Guardian's first name").fill("Ana")
    page.get_by_label("Guardian's last name").fill("Lopez")
    page.get_by_label("Phone").fill("515-555-0100")
    page.get_by_label("Child's first name").fill("Mateo")
    page.get_by_label("Child's last name").fill("Lopez")
    page.get_by_label("Child's birth date").fill("2024-06-01")
    page.get_by_label("Desired classroom").select_option(label="Toddlers")
    page.get_by_role("button", name="Save inquiry").click()
    page.wait_for_url(re.compile(r"/enrollment/inquiries/\d+/$"))

    page.get_by_label("Tour date and time").fill("2026-12-03T10:00")
    page.get_by_role("button", name="Move to Tour").click()
    page.get_by_role("button", name="Move to Waitlist").click()
    assert page.get_by_text("Mateo Lopez moved to Waitlist.").is_visible()
    page.get_by_role("button", name="Move to Offer").click()
    page.get_by_role("link", name="Offer accepted: enroll").click()
    page.get_by_label("Start date").fill("2026-11-02")
    page.get_by_role("button", name="Enroll").click()
    page.wait_for_url(re.compile(r"/enrollment/enrollments/$"))
    assert page.get_by_text("Mateo Lopez is enrolled.").is_visible()

    assert vacancies_in(page, "Toddlers") == before - 1
