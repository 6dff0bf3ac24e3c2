"""Hub staff in a real browser: from the subsidy work queue they fix a missing check-out,
submit the period, recall and resubmit it, then record the state's payment and see the period
reconciled. Headless Chromium through Playwright against a live server."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from ccms.core.tests.test_browser import PHONE, current_code, page_at, sign_in  # noqa: F401
from ccms.subsidy.models import Submission, SubmissionLine
from ccms.subsidy.tests.conftest import add_pair

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_with_code(page, email: str) -> None:
    sign_in(page, email)
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.get_by_label("Code").fill(current_code())
    page.get_by_role("button", name=re.compile(r"^Sign in$", re.I)).click()
    page.wait_for_url(lambda url: "/accounts/" not in url)


def test_hub_staff_fix_submit_recall_resubmit_and_reconcile_a_period(page_at, cca):  # noqa: F811
    day = cca.period.end - timedelta(days=1)
    add_pair(cca.child, day, "08:00", None)
    page = page_at()
    page.set_default_timeout(15000)  # a long flow on a shared machine: allow slow moments
    sign_in_with_code(page, "hub_staff@alpha.test")

    # The queue, reached from the header's menu, leads with the error blocking the period.
    page.locator("details.switcher summary").click()
    page.get_by_role("menuitem", name=re.compile("subsidy work queue")).click()
    page.wait_for_url("**/alliance/alpha/subsidy/")
    blocked = page.locator(".queue-item").first
    expect(blocked).to_contain_text(f"{cca.period.label}: 1 error blocks the submission")
    expect(blocked).to_contain_text("Kida1 Alpha: Check-in at 08:00 has no check-out")
    blocked.get_by_role("link", name=re.compile("^Add the check-out")).click()

    # The attendance correction page: the check-out from the paper sheet, with a reason.
    page.wait_for_url(re.compile(r"/p/a1/attendance/presences/\d+/correct/$"))
    page.get_by_label("Checked out").fill(f"{day.isoformat()}T12:00")
    page.get_by_label("Reason for the change").fill("Check-out from the paper sign-out sheet")
    page.get_by_role("button", name="Save correction").click()
    expect(page.get_by_role("status")).to_contain_text("Correction saved")

    # Back in the queue the period is ready; submit it from its page.
    page.goto("/alliance/alpha/subsidy/")
    ready = page.locator(".queue-item", has_text=f"{cca.period.label} is ready to submit")
    ready.get_by_role("link", name=re.compile("^Review and submit")).click()
    page.wait_for_url(f"**/p/a1/cca/periods/{cca.period.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(cca.period.label)
    page.get_by_role("button", name=f"Submit {cca.period.label}").click()
    expect(page.get_by_role("status")).to_contain_text("submitted (submission 1)")
    expect(page.locator("#status-title")).to_contain_text("Submitted")

    # A correction after submission is a recall with a reason, then submission 2.
    page.get_by_role("link", name="Recall to correct…").click()
    page.get_by_role("button", name="Recall submission 1").click()
    expect(page.locator(".errorlist")).to_have_text("This field is required.")
    page.get_by_label("Why is the submission recalled?").fill("Family fee level was wrong")
    page.get_by_role("button", name="Recall submission 1").click()
    expect(page.get_by_role("status")).to_contain_text("Submission 1 recalled")
    page.get_by_role("button", name=f"Submit {cca.period.label}").click()
    expect(page.get_by_role("status")).to_contain_text("submission 2")
    history = page.get_by_role("table", name="Submissions")
    expect(history).to_contain_text("“Family fee level was wrong”")

    # The state pays what was billed: the period is reconciled.
    page.get_by_role("link", name="Reconcile the state's payment").click()
    expect(page.locator("#rec-title")).to_contain_text("Awaiting payment")
    live = Submission.objects.get(status="submitted")
    for line in SubmissionLine.objects.filter(submission=live).select_related("child"):
        page.get_by_label(f"{line.child.first_name} {line.child.last_name}").fill(
            str(line.state_amount)
        )
    page.get_by_label("Payment reference").first.fill("W-20261201")
    page.get_by_role("button", name="Record the payment").click()
    expect(page.get_by_role("status")).to_contain_text("State payment recorded for 2 children")
    expect(page.locator("#rec-title")).to_contain_text("Reconciled")
    page.goto(f"/p/a1/cca/periods/{cca.period.slug}/")
    expect(page.locator("#status-title")).to_contain_text("Reconciled")


def test_the_period_page_fits_a_phone(page_at, cca):  # noqa: F811
    page = page_at(PHONE)
    sign_in(page, "director@a1.test")
    page.wait_for_url(re.compile(r"/p/a1/$"))
    page.goto(f"/p/a1/cca/periods/{cca.period.slug}/")
    expect(page.get_by_role("button", name=f"Submit {cca.period.label}")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.goto("/p/a1/cca/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
