"""At the door on a tablet: a guardian checks two siblings in at the kiosk with a PIN, then a
teacher signs in and finds both present on the classroom roster."""

import re
from datetime import date

import pytest

from ccms.attendance import services
from ccms.core.tests.test_browser import page_at, sign_in  # noqa: F401 (fixture)
from ccms.enrollment.models import Enrollment
from ccms.families.models import Child

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 768, "height": 1024}


def test_siblings_checked_in_at_the_kiosk_show_present_on_the_roster(page_at, world):  # noqa: F811
    tenant = world.a1
    sam = Child.objects.create(
        provider=tenant.provider,
        family=tenant.family,
        classroom=tenant.classroom,
        first_name="Sam",
        last_name="Alpha",
        birth_date=date(2023, 9, 1),
    )
    for child in (tenant.child, sam):
        Enrollment.objects.create(
            provider=tenant.provider,
            child=child,
            classroom=tenant.classroom,
            start_date=date(2025, 1, 6),
        )
    services.set_kiosk_pin(guardian=tenant.family.guardians.get(), pin="2468", actor=None)

    # The director opens the kiosk on the tablet by the door.
    kiosk = page_at(TABLET)
    sign_in(kiosk, "director@a1.test")
    kiosk.wait_for_url(re.compile(r"/p/a1/$"))
    kiosk.goto("/p/a1/kiosk/")
    assert kiosk.get_by_role("heading", level=1).inner_text() == "Welcome! Enter your family PIN"
    # No way into the director's pages from the kiosk but the small staff link.
    assert kiosk.get_by_role("navigation").count() == 0

    # A mistyped PIN, by keyboard, is named plainly.
    kiosk.keyboard.type("1111")
    kiosk.keyboard.press("Enter")
    assert kiosk.get_by_role("alert").inner_text() == (
        "That PIN was not recognized. Please try again."
    )

    # The guardian taps the PIN on the pad.
    for digit in "2468":
        kiosk.get_by_role("button", name=digit, exact=True).click()
    assert kiosk.get_by_label("PIN or QR code").input_value() == "2468"
    pad = kiosk.locator(".pinpad button").first.bounding_box()
    assert pad["height"] >= 64 and pad["width"] >= 64  # big enough for a thumb
    kiosk.get_by_role("button", name="Continue").click()

    kiosk.get_by_role("heading", name="Hello, Pat!").wait_for()
    children = kiosk.get_by_role("checkbox")
    assert children.count() == 2
    assert all(children.nth(i).is_checked() for i in range(2))  # all preselected
    kiosk.get_by_role("button", name="Check in").click()
    done = kiosk.get_by_role("heading", level=1)
    done.filter(has_text="Checked in").wait_for()
    assert done.inner_text() == "Checked in: Sam and Kida1"
    # The next family finds the PIN pad again without anyone touching the tablet.
    kiosk.get_by_role("heading", name="Welcome! Enter your family PIN").wait_for(timeout=10000)
    assert kiosk.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    # The back button does not lead a family into the director's pages.
    kiosk.go_back()
    kiosk.wait_for_timeout(300)
    assert kiosk.url.endswith("/p/a1/kiosk/")
    assert kiosk.get_by_role("heading", name="Welcome! Enter your family PIN").is_visible()

    # The teacher of the room signs in on another device and sees both present.
    room = page_at(TABLET)
    sign_in(room, "staff@a1.test")
    room.wait_for_url(re.compile(r"/p/a1/$"))
    room.get_by_role("link", name="Attendance", exact=True).click()
    room.wait_for_url("**/p/a1/attendance/")
    assert room.get_by_role("heading", level=1).inner_text() == "Toddlers"
    for name in ("Kida1 Alpha", "Sam Alpha"):
        row = room.locator(".roster-row", has=room.get_by_text(name, exact=True))
        assert re.search(r"Present since \d{1,2}:\d\d [AP]M", row.inner_text()), name
    assert room.locator(".count-present strong").inner_text() == "2"
