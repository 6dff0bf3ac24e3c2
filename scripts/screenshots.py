"""Screenshots of the main pages at phone and desktop widths, for docs/screenshots/.

    CCMS_ENV=local .venv/bin/python scripts/screenshots.py [NAME ...]

Loads the demo alliance into a throw-away SQLite database, serves it on 127.0.0.1 on a free
port, signs in through the real forms as the demo users and saves full-page PNGs. Give names
(e.g. `signin director-home`) to take only those. Needs Debian's `chromium`; Playwright never
downloads a browser here.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
DEMO_PASSWORD = "demo"
DEMO_CODE = "000000"


def ccms_command() -> str:
    """The `ccms` console script next to this Python, else the project's virtualenv."""
    found = shutil.which("ccms", path=str(Path(sys.executable).parent))
    return found or str(ROOT / ".venv" / "bin" / "ccms")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"The server stopped (exit code {server.returncode}).")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (local URL)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"The server did not answer at {url} within {timeout:.0f} s.")


# --- what each screenshot shows ------------------------------------------------------------


def sign_in(page: Page, email: str, *, code: bool = False) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    if code:
        page.wait_for_url("**/accounts/2fa/authenticate/")
        page.get_by_label("Code").fill(DEMO_CODE)
        page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)


def signin(page: Page) -> None:
    page.goto("/accounts/login/")


def signin_code(page: Page) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("admin@prairie.demo")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/accounts/2fa/authenticate/")


def director_home(page: Page) -> None:
    sign_in(page, "director@sunrise.demo")
    page.goto("/p/sunrise/")


def alliance_home(page: Page) -> None:
    sign_in(page, "admin@prairie.demo", code=True)
    page.goto("/alliance/prairie/")


def classroom_errors(page: Page) -> None:
    sign_in(page, "director@sunrise.demo")
    page.goto("/p/sunrise/classrooms/new/")
    page.get_by_label("Youngest age served (months)").fill("36")
    page.get_by_label("Oldest age served (months)").fill("24")
    page.get_by_label("Licensed capacity").fill("18")
    page.get_by_role("button", name="Add classroom").click()
    page.get_by_role("alert").wait_for()


def state_home(page: Page) -> None:
    sign_in(page, "state@prairie.demo", code=True)
    page.goto("/state/prairie/")


def guardian_home(page: Page) -> None:
    sign_in(page, "parent@sunrise.demo")
    page.goto("/p/sunrise/")


def subsidy_queue(page: Page) -> None:
    sign_in(page, "hub@prairie.demo", code=True)
    page.goto("/alliance/prairie/subsidy/")


def subsidy_period(page: Page) -> None:
    """The period the demo left with a missing check-out, as the hub opens it."""
    sign_in(page, "hub@prairie.demo", code=True)
    page.goto("/p/sunrise/cca/")
    page.get_by_role("link", name="Fix 1 error").click()
    page.get_by_role("heading", name="Errors and notes").wait_for()


def subsidy_reconcile(page: Page) -> None:
    """The period the state paid a unit short."""
    sign_in(page, "hub@prairie.demo", code=True)
    page.goto("/p/maple-street/cca/")
    page.get_by_role("link", name="Reconcile", exact=True).click()
    page.get_by_role("heading", name="Payments recorded").wait_for()


def insights_dashboard(page: Page) -> None:
    """The director's Iron Triangle: the demo's red provider, last month frozen."""
    sign_in(page, "director@cedarvalley.demo")
    page.goto("/p/cedar-valley/insights/")


def insights_portfolio(page: Page) -> None:
    sign_in(page, "consultant@prairie.demo", code=True)
    page.goto("/insights/")


def insights_coaching(page: Page) -> None:
    sign_in(page, "consultant@prairie.demo", code=True)
    page.goto("/p/little-oaks/insights/coaching/")


def insights_scenario(page: Page) -> None:
    """Five more preschoolers and a 3% tuition rise at Cedar Valley."""
    sign_in(page, "consultant@prairie.demo", code=True)
    page.goto("/p/cedar-valley/insights/scenario/")
    preschool = page.get_by_label("FTE enrolled, preschool")
    preschool.fill(str(float(preschool.input_value()) + 5))
    page.get_by_label("Tuition change (%)").fill("3")
    page.get_by_role("button", name="Show the scenario").click()
    page.get_by_role("heading", name="Today and the scenario, a month").wait_for()


def insights_compare(page: Page) -> None:
    sign_in(page, "director@cedarvalley.demo")
    page.goto("/p/cedar-valley/insights/compare/")


def insights_alliance(page: Page) -> None:
    sign_in(page, "admin@prairie.demo", code=True)
    page.goto("/alliance/prairie/insights/")


def insights_state(page: Page) -> None:
    sign_in(page, "state@prairie.demo", code=True)
    page.goto("/state/prairie/insights/")


def shared_catalog(page: Page) -> None:
    sign_in(page, "admin@prairie.demo", code=True)
    page.goto("/alliance/prairie/shared/services/")


def shared_members(page: Page) -> None:
    sign_in(page, "admin@prairie.demo", code=True)
    page.goto("/alliance/prairie/shared/members/")


def shared_allocation(page: Page) -> None:
    """The month just ended, previewed before the hub posts it."""
    sign_in(page, "hub@prairie.demo", code=True)
    page.goto("/alliance/prairie/shared/allocation/")


def shared_statement(page: Page) -> None:
    """A member's fee statement for the last allocated month, as its director sees it."""
    sign_in(page, "director@sunrise.demo")
    page.goto("/p/sunrise/alliance/")
    page.get_by_role("link", name="Statement for").first.click()


def shared_sign(page: Page) -> None:
    """A member's director reads and signs the membership agreement."""
    sign_in(page, "director@cedarvalley.demo")
    page.goto("/p/cedar-valley/alliance/")


def shared_recovery(page: Page) -> None:
    sign_in(page, "admin@prairie.demo", code=True)
    page.goto("/alliance/prairie/shared/recovery/")


def survey_page(page: Page, link: str) -> None:
    """A page of the demo's needs assessment, as the alliance admin opens it."""
    sign_in(page, "admin@prairie.demo", code=True)
    page.goto("/alliance/prairie/surveys/")
    page.get_by_role("link", name="2026 needs assessment").click()
    page.get_by_role("navigation", name="This survey").get_by_role("link", name=link).click()


def survey_results(page: Page) -> None:
    survey_page(page, "Results")


def survey_priorities(page: Page) -> None:
    survey_page(page, "Priorities")
    page.locator("details.how").first.evaluate("d => d.open = true")


def survey_answer(page: Page) -> None:
    """The survey as Happy Hands' owner continues the answers she saved."""
    sign_in(page, "owner@happyhands.demo")
    page.goto("/p/happy-hands/surveys/")
    page.get_by_role("link", name="Continue").click()


def comms_calendar(page: Page) -> None:
    """The alliance's release calendar: past messages released, tomorrow's approved for 9 a.m."""
    sign_in(page, "admin@prairie.demo", code=True)
    page.goto("/alliance/prairie/comms/calendar/")


def comms_message(page: Page) -> None:
    """A released message with its read count, the directors' replies and the recipients."""
    sign_in(page, "admin@prairie.demo", code=True)
    page.goto("/alliance/prairie/comms/")
    page.get_by_role("link", name="The shared substitute pool opens next month").click()


def comms_inbox(page: Page) -> None:
    sign_in(page, "director@sunrise.demo")
    page.goto("/inbox/")


def insights_report(page: Page) -> bytes:
    """The monthly provider report for the board (a PDF, saved as page images)."""
    sign_in(page, "director@cedarvalley.demo")
    return page.request.get("/p/cedar-valley/insights/report.pdf").body()


def substitutes_pool(page: Page) -> None:
    """The hub's pool: credentials expiring and expired."""
    sign_in(page, "hub@prairie.demo", code=True)
    page.goto("/alliance/prairie/substitutes/")


def substitutes_open(page: Page) -> None:
    """The requests a substitute qualifies for, with Accept."""
    sign_in(page, "sub@prairie.demo")
    page.goto("/alliance/prairie/substitutes/open/")


def substitutes_request(page: Page) -> None:
    """A director asking for cover from a phone at 7 a.m."""
    sign_in(page, "director@sunrise.demo")
    page.goto("/p/sunrise/substitutes/new/")


def substitutes_cover(page: Page) -> None:
    """The director's requests: open, and last week's shift billed."""
    sign_in(page, "director@sunrise.demo")
    page.goto("/p/sunrise/substitutes/")


def substitutes_billed(page: Page) -> None:
    sign_in(page, "director@sunrise.demo")
    page.goto("/p/sunrise/substitutes/")
    page.locator("tr", has_text="Threes").get_by_role("link").first.click()
    page.get_by_text("Billed $").wait_for()


# Documents: the PDF is fetched once and each page saved as an image (pdftoppm, poppler-utils).
DOCUMENTS: dict[str, Callable[[Page], bytes]] = {"insights-report": insights_report}


SHOTS: dict[str, Callable[[Page], None]] = {
    "signin": signin,
    "signin-code": signin_code,
    "director-home": director_home,
    "alliance-home": alliance_home,
    "classroom-errors": classroom_errors,
    "state-home": state_home,
    "guardian-home": guardian_home,
    "subsidy-queue": subsidy_queue,
    "subsidy-period": subsidy_period,
    "subsidy-reconcile": subsidy_reconcile,
    "insights-dashboard": insights_dashboard,
    "insights-portfolio": insights_portfolio,
    "insights-coaching": insights_coaching,
    "insights-scenario": insights_scenario,
    "insights-compare": insights_compare,
    "insights-alliance": insights_alliance,
    "insights-state": insights_state,
    "comms-calendar": comms_calendar,
    "comms-message": comms_message,
    "comms-inbox": comms_inbox,
    "survey-results": survey_results,
    "survey-priorities": survey_priorities,
    "survey-answer": survey_answer,
    "shared-catalog": shared_catalog,
    "shared-members": shared_members,
    "shared-allocation": shared_allocation,
    "shared-statement": shared_statement,
    "shared-recovery": shared_recovery,
    "shared-sign": shared_sign,
    "substitutes-pool": substitutes_pool,
    "substitutes-open": substitutes_open,
    "substitutes-request": substitutes_request,
    "substitutes-cover": substitutes_cover,
    "substitutes-billed": substitutes_billed,
}


def take(base_url: str, names: list[str]) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("Chromium is not installed (apt-get install chromium).")
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
        )
        for name in names:
            if name in DOCUMENTS:
                save_document(browser, base_url, name)
                continue
            for size, viewport in VIEWPORTS.items():
                context = browser.new_context(
                    viewport=viewport, base_url=base_url, device_scale_factor=1
                )
                context.set_default_timeout(10_000)
                page = context.new_page()
                SHOTS[name](page)
                page.wait_for_load_state("networkidle")
                path = OUT / f"{name}-{size}.png"
                page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
                print(f"  {path.relative_to(ROOT)}")
                context.close()
        browser.close()


def save_document(browser, base_url: str, name: str) -> None:
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise SystemExit("pdftoppm is not installed (apt-get install poppler-utils).")
    context = browser.new_context(viewport=VIEWPORTS["desktop"], base_url=base_url)
    context.set_default_timeout(10_000)
    pdf = DOCUMENTS[name](context.new_page())
    context.close()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / f"{name}.pdf"
        source.write_bytes(pdf)
        subprocess.run(  # noqa: S603 (a local tool on our own file)
            [pdftoppm, "-png", "-r", "80", str(source), str(OUT / name)], check=True
        )
    for path in sorted(OUT.glob(f"{name}-*.png")):
        print(f"  {path.relative_to(ROOT)}")


def main() -> None:
    names = sys.argv[1:] or [*SHOTS, *DOCUMENTS]
    unknown = [n for n in names if n not in SHOTS and n not in DOCUMENTS]
    if unknown:
        raise SystemExit(
            f"Unknown screenshot {', '.join(unknown)}; choose from "
            f"{', '.join([*SHOTS, *DOCUMENTS])}."
        )
    with tempfile.TemporaryDirectory(prefix="ccms-screenshots-") as tmp:
        env = {
            **os.environ,
            "CCMS_ENV": "local",
            "CCMS_DEMO_TOTP_CODE": DEMO_CODE,
            "CCMS_VAR_DIR": tmp,
            "DATABASE_URL": f"sqlite:///{Path(tmp) / 'demo.sqlite3'}",
        }
        ccms = ccms_command()
        print("Loading the demo alliance…")
        subprocess.run(  # noqa: S603 (our own console script)
            [ccms, "demo", "--no-serve"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL
        )
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        log = open(Path(tmp) / "server.log", "w")  # noqa: SIM115 (closed below)
        server = subprocess.Popen(  # noqa: S603
            [ccms, "serve", f"127.0.0.1:{port}"], env=env, cwd=ROOT, stdout=log, stderr=log
        )
        try:
            wait_until_up(f"{base_url}/accounts/login/", server)
            print(f"Taking screenshots from {base_url}")
            take(base_url, names)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()


if __name__ == "__main__":
    main()
