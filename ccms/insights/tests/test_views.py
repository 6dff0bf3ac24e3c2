"""The insights pages through the HTTP layer: who sees and does what, the same figures for
everyone, forms with their errors, reports and exports."""

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from ccms.billing.accounts import family_account
from ccms.billing.ledger import post_entry
from ccms.enrollment.models import Enrollment
from ccms.insights import metrics, queries
from ccms.insights.models import ActionPlan, Alert, CoachingNote, Expense, MetricSnapshot
from ccms.tenancy.models import Role

LAST_MONTH = metrics.shift_month(timezone.localdate().replace(day=1), -1)


@pytest.fixture
def a1(world):
    """a1 with a child enrolled, a charge, a payment and costs in last month."""
    t = world.a1
    Enrollment.objects.create(
        provider=t.provider, child=t.child, classroom=t.classroom, start_date=date(2025, 1, 6)
    )
    account = family_account(t.family)
    post_entry(
        account,
        kind="charge",
        amount=Decimal("1200.00"),
        on=LAST_MONTH,
        key="c",
        actor=None,
        child=t.child,
    )
    post_entry(
        account, kind="payment", amount=Decimal("1100.00"), on=LAST_MONTH, key="p", actor=None
    )
    Expense.objects.create(
        provider=t.provider, month=LAST_MONTH, category="site", amount=Decimal("1500.00")
    )
    return t


def url(name, *args, **query):
    text = reverse(name, args=args)
    return text + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def page(client, user, address, status=200):
    client.force_login(user)
    response = client.get(address)
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


def figures_shown(html: str) -> list[str]:
    """The headline figures of the three sides, as the page writes them."""
    return re.findall(r'<p class="side-value"><strong>([^<]+)</strong>', html)


def test_the_director_sees_the_three_sides_with_status_words_and_charts(client, a1):
    html = page(client, a1.users[Role.DIRECTOR], url("insights_dashboard", "a1"))
    assert "Iron Triangle, " + LAST_MONTH.strftime("%B %Y") in html
    for title in ("Full enrollment", "Full fee collection", "Revenue covers cost per child"):
        assert title in html
    assert figures_shown(html) == ["5.00%", "91.67%", "$1,200.00"]
    assert "Act now" in html and "✕" in html  # the status in words and a mark, not colour
    assert html.count('role="img"') >= 6 and "Break-even enrollment" in html
    assert "The figures as a table" in html
    assert MetricSnapshot.objects.filter(provider=a1.provider, month=LAST_MONTH).exists()


def test_director_and_consultant_see_the_same_figures_as_the_api(client, a1):
    address = url("insights_dashboard", "a1", month=f"{LAST_MONTH:%Y-%m}")
    director = figures_shown(page(client, a1.users[Role.DIRECTOR], address))
    consultant = figures_shown(page(client, a1.users[Role.CONSULTANT], address))
    assert director == consultant
    client.force_login(a1.users[Role.CONSULTANT])
    _, last = metrics.month_bounds(LAST_MONTH.year, LAST_MONTH.month)
    data = client.get(f"/api/providers/a1/metrics?month={LAST_MONTH:%Y-%m}&as_of={last}").json()
    assert director[1] == f"{Decimal(data['fee_collection_rate']['total']) * 100:.2f}%"


@pytest.mark.parametrize("role", [Role.STAFF, Role.GUARDIAN])
def test_staff_and_guardians_get_no_insights(client, a1, role):
    page(client, a1.users[role], url("insights_dashboard", "a1"), status=403)
    html = page(client, a1.users[role], url("provider_home", "a1"))
    assert "insights/" not in html


def test_a_bad_or_future_month_falls_back_to_the_last_closed_month(client, a1):
    for month in ("2026-13", "nonsense", "2999-01"):
        html = page(client, a1.users[Role.DIRECTOR], url("insights_dashboard", "a1", month=month))
        assert LAST_MONTH.strftime("%B %Y") in html


def test_a_corrected_month_offers_a_restatement(client, a1):
    director = a1.users[Role.DIRECTOR]
    page(client, director, url("insights_dashboard", "a1"))  # freezes last month
    Expense.objects.create(
        provider=a1.provider, month=LAST_MONTH, category="admin", amount=Decimal("300.00")
    )
    html = page(client, director, url("insights_dashboard", "a1"))
    assert "changed since it was frozen" in html and "1500.00 → 1800.00 (+300.00)" in html
    response = client.post(url("insights_restate", "a1"), {"month": f"{LAST_MONTH:%Y-%m}"})
    assert response.status_code == 302
    html = page(client, director, url("insights_dashboard", "a1"))
    assert "Restatements" in html and "restated" in html
    assert "changed since it was frozen" not in html


# Costs -------------------------------------------------------------------------------------------


def test_the_director_adds_changes_and_removes_an_expense(client, a1):
    director = a1.users[Role.DIRECTOR]
    client.force_login(director)
    month = f"{LAST_MONTH:%Y-%m}"
    response = client.post(
        url("insights_costs", "a1", month=month),
        {"month": month, "category": "per_classroom", "amount": "250", "note": "Art"},
    )
    assert response.status_code == 200 and "names its classroom" in response.content.decode()
    response = client.post(
        url("insights_costs", "a1", month=month),
        {
            "month": month,
            "category": "per_classroom",
            "classroom": a1.classroom.pk,
            "amount": "250",
            "note": "Art",
        },
    )
    assert response.status_code == 302
    expense = Expense.objects.get(category="per_classroom")
    edit = url("insights_expense_edit", "a1", expense.pk)
    response = client.post(
        edit,
        {
            "month": month,
            "category": "per_classroom",
            "classroom": a1.classroom.pk,
            "amount": "275",
            "note": "Art",
            "reason": "Invoice",
        },
    )
    assert response.status_code == 302
    expense.refresh_from_db()
    assert expense.amount == Decimal("275.00")
    assert client.post(edit, {"delete": "1", "reason": ""}).status_code == 200  # needs a reason
    assert client.post(edit, {"delete": "1", "reason": "Duplicate"}).status_code == 302
    assert not Expense.objects.filter(pk=expense.pk).exists()


def test_an_upload_lists_every_error(client, a1):
    client.force_login(a1.users[Role.DIRECTOR])
    upload = io.BytesIO(b"month,category,amount\n2026-13,site,10\n2026-10,rent,x\n")
    upload.name = "costs.csv"
    response = client.post(url("insights_costs", "a1"), {"upload": "1", "file": upload})
    html = response.content.decode()
    assert "Nothing was imported" in html
    assert "Line 2: month" in html and "Line 3: category" in html and "Line 3: amount" in html


def test_the_consultant_reads_costs_but_may_not_change_them(client, a1):
    consultant = a1.users[Role.CONSULTANT]
    html = page(client, consultant, url("insights_costs", "a1", month=f"{LAST_MONTH:%Y-%m}"))
    assert "$1,500.00" in html and "Add an expense" not in html
    response = client.post(url("insights_costs", "a1"), {"amount": "1", "category": "site"})
    assert response.status_code == 403
    expense = Expense.objects.get()
    assert client.get(url("insights_expense_edit", "a1", expense.pk)).status_code == 403


def test_budget_and_staff_cost_pages(client, a1):
    director = a1.users[Role.DIRECTOR]
    client.force_login(director)
    year = LAST_MONTH.year
    response = client.post(
        url("insights_budget", "a1", year=year),
        {"year": year, "category": "admin", "annual_amount": "1200"},
    )
    assert response.status_code == 302
    response = client.post(url("insights_budget", "a1", year=year), {"year": year, "apply": "1"})
    assert response.status_code == 302
    assert Expense.objects.filter(source="budget", category="admin").count() == 12
    html = page(client, director, url("insights_staff_costs", "a1"))
    assert "Hourly wages" in html
    response = client.post(
        url("insights_staff_costs", "a1"),
        {"user": a1.users[Role.STAFF].pk, "hourly_wage": "15.50", "effective_from": "2026-01-01"},
    )
    assert response.status_code == 302


# Coaching ----------------------------------------------------------------------------------------


def test_the_consultant_writes_a_note_and_an_action_plan(client, a1):
    consultant = a1.users[Role.CONSULTANT]
    client.force_login(consultant)
    response = client.post(url("insights_note_add", "a1"), {"body": "Call the Alpha family."})
    assert response.status_code == 302
    due = (timezone.localdate() + timedelta(days=90)).isoformat()
    plan = {
        "title": "Collect in full",
        "metric": "fee_collection_rate.total",
        "target": "98",
        "due_on": due,
        "owner": a1.users[Role.DIRECTOR].pk,
        "steps": "Reminders",
    }
    response = client.post(url("insights_plan_add", "a1"), {**plan, "target": "120"})
    assert response.status_code == 400 and "from 0 to 100" in response.content.decode()
    assert client.post(url("insights_plan_add", "a1"), plan).status_code == 302
    made = ActionPlan.objects.get()
    assert made.target == Decimal("0.9800") and made.baseline == Decimal("0.9167")
    html = page(client, a1.users[Role.DIRECTOR], url("insights_coaching", "a1"))
    assert "Call the Alpha family." in html and "Collect in full" in html
    assert "91.67% → target 98.00%" in html
    assert "New action plan" not in html  # directors read the plans; consultants write them
    client.force_login(consultant)
    response = client.post(url("insights_plan_status", "a1", made.pk), {"status": "done"})
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.status == "done"


def test_a_director_may_not_write_coaching_notes(client, a1):
    client.force_login(a1.users[Role.DIRECTOR])
    assert client.post(url("insights_note_add", "a1"), {"body": "x"}).status_code == 403
    assert not CoachingNote.objects.exists()


def test_an_alert_is_acknowledged(client, a1):
    alert = Alert.objects.create(
        provider=a1.provider,
        month=LAST_MONTH,
        side="enrollment",
        value="5%",
        created_at=timezone.now(),
    )
    html = page(client, a1.users[Role.CONSULTANT], url("insights_coaching", "a1"))
    assert "Full enrollment" in html and "turned red" in html
    response = client.post(url("insights_alert_ack", "a1", alert.pk))
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == a1.users[Role.CONSULTANT]


# The scenario planner ----------------------------------------------------------------------------


def test_the_scenario_planner_shows_today_and_the_scenario(client, a1):
    consultant = a1.users[Role.CONSULTANT]
    html = page(client, consultant, url("insights_scenario", "a1"))
    assert "FTE enrolled, infant / toddler" in html and "Scenario</th>" not in html
    query = {
        "month": f"{LAST_MONTH:%Y-%m}",
        "tuition_change": "10",
        "cca_share": "0",
        "cca_revenue_per_child": "0",
        "staff_change": "0",
        "staff_monthly_cost": "3000",
        "fixed_change": "0",
        "variable_change_per_child": "0",
        "fte_infant_toddler": "2",
        "fte_preschool": "0",
    }
    html = page(client, consultant, url("insights_scenario", "a1", **query))
    assert "Today and the scenario" in html
    assert "$1,200.00" in html and "$2,640.00" in html  # 2 children at 1200 + 10%
    response = client.get(url("insights_scenario", "a1", **query), HTTP_HX_REQUEST="true")
    partial = response.content.decode()
    assert partial.lstrip().startswith('<section id="scenario-results"')
    bad = page(client, consultant, url("insights_scenario", "a1", **{**query, "cca_share": "150"}))
    assert "Ensure this value is less than or equal to 100" in bad


# Comparing, the portfolio, the alliance and the state --------------------------------------------


def test_a_director_compares_with_the_alliance_and_others_stay_anonymous(client, a1):
    html = page(client, a1.users[Role.DIRECTOR], url("insights_compare", "a1"))
    assert "Provider a1" in html and "Provider a2" not in html
    assert "Provider A" in html and "Alliance median" in html


def test_the_consultant_portfolio_lists_only_their_providers_riskiest_first(client, a1, world):
    consultant = a1.users[Role.CONSULTANT]
    html = page(client, consultant, "/insights/")
    assert "Provider a1" in html and "Provider a2" not in html and "Provider b1" not in html
    hub = world.alliance_users[("alpha", Role.HUB_STAFF)]
    providers = queries.insight_providers(hub)
    assert {p.slug for p in providers} == {"a1", "a2"}
    rows = queries.portfolio(providers, LAST_MONTH)
    assert rows[0].risk >= rows[1].risk
    html = page(client, a1.users[Role.STAFF], "/insights/")
    assert "No providers to show" in html


def test_a_consultant_with_several_providers_starts_from_the_portfolio(client, world):
    from ccms.tenancy import services

    consultant = world.a1.users[Role.CONSULTANT]
    services.grant_role(user=consultant, role=Role.CONSULTANT, provider=world.a2.provider)
    client.force_login(consultant)
    assert client.get("/")["Location"] == "/insights/"


def test_the_alliance_page_names_every_provider_for_the_admin(client, a1, world):
    admin = world.alliance_users[("alpha", Role.ALLIANCE_ADMIN)]
    html = page(client, admin, url("insights_alliance", "alpha"))
    assert "Provider a1" in html and "Provider a2" in html and "Provider b1" not in html
    page(client, world.alliance_users[("alpha", Role.HUB_STAFF)], url("insights_alliance", "alpha"))
    page(
        client,
        world.alliance_users[("alpha", Role.STATE_VIEWER)],
        url("insights_alliance", "alpha"),
        403,
    )
    client.force_login(admin)
    response = client.get(url("insights_alliance_export", "alpha", "providers", format="csv"))
    assert response.status_code == 200 and b"Alliance total" in response.content


def test_targets_are_checked_and_saved(client, world):
    admin = world.alliance_users[("alpha", Role.ALLIANCE_ADMIN)]
    client.force_login(admin)
    values = {
        "enrollment_green": "0.90",
        "enrollment_yellow": "0.95",
        "collection_green": "0.98",
        "collection_yellow": "0.97",
        "coverage_margin": "0.05",
    }
    response = client.post(url("insights_targets", "alpha"), values)
    assert "Yellow must not be above green" in response.content.decode()
    response = client.post(url("insights_targets", "alpha"), {**values, "enrollment_yellow": "0.8"})
    assert response.status_code == 302
    hub = world.alliance_users[("alpha", Role.HUB_STAFF)]
    page(client, hub, url("insights_targets", "alpha"), 403)


def test_the_state_sees_aggregates_and_never_a_child_or_family(client, a1, world):
    viewer = world.alliance_users[("alpha", Role.STATE_VIEWER)]
    html = page(client, viewer, url("insights_state", "alpha"))
    assert "Vacancies by county and age group" in html and "Polk" in html
    for secret in (a1.child.first_name, a1.other_child.first_name, a1.family.name, "Provider a1"):
        assert secret not in html
    client.force_login(viewer)
    response = client.get(url("insights_state_export", "alpha", "by_county", format="xlsx"))
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["by_county"]
    assert client.get(url("insights_state_export", "alpha", "children")).status_code == 404
    assert client.get(url("insights_dashboard", "a1")).status_code == 404


# Reports and exports -----------------------------------------------------------------------------


def test_the_monthly_report_pdf_and_every_table_as_csv_and_excel(client, a1):
    client.force_login(a1.users[Role.DIRECTOR])
    response = client.get(url("insights_report_pdf", "a1", month=f"{LAST_MONTH:%Y-%m}"))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and len(response.content) > 3000
    csv_text = client.get(url("insights_export", "a1", "summary")).content.decode()
    assert csv_text.startswith("Figure,Value") and "Fee collection rate,91.67%" in csv_text
    workbook = client.get(url("insights_export", "a1", "all"))
    sheets = load_workbook(io.BytesIO(workbook.content))
    assert sheets.sheetnames == [
        "summary",
        "age_groups",
        "classrooms",
        "aging",
        "trend",
        "expenses",
    ]
    summary = {row[0]: row[1] for row in sheets["summary"].iter_rows(min_row=2, values_only=True)}
    # numbers stay numbers in Excel, so a sheet can add them up
    assert summary["Billed, total"] == 1200
    assert summary["Fee collection rate"] == pytest.approx(0.9167)
    assert client.get(url("insights_export", "a1", "nothing")).status_code == 404
    html = page(client, a1.users[Role.CONSULTANT], url("insights_reports", "a1"))
    assert "Monthly report (PDF)" in html
