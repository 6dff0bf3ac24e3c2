"""The tabs shown under the header, by role. One line per page; order is display order."""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class Tab:
    label: str
    url_name: str
    permission: str
    # url names (besides url_name) under which this tab shows as current
    also_current: tuple[str, ...] = ()
    guardian_label: str = ""
    # hidden from roles holding this permission (they reach the page another way)
    unless: str = ""
    # every url name starting with this shows the tab as current (a capability's own pages)
    prefix: str = ""


@dataclass(frozen=True)
class Page:
    """A page of an area's own menu (the pills under a tab)."""

    label: str
    url_name: str
    permission: str
    # url names of pages reached from this one (details, forms) that keep it highlighted
    also_current: tuple[str, ...] = ()


def area_menu(request, pages: list[Page], access, arg: str) -> list[dict]:
    """An area's menu for this request: the pages the user may open, the current one marked.
    `access` is the request's provider or alliance access; `arg` the slug its URLs take."""
    current = request.resolver_match.url_name if request.resolver_match else ""
    return [
        {
            "label": page.label,
            "url": reverse(page.url_name, args=[arg]),
            "current": current == page.url_name or current in page.also_current,
        }
        for page in pages
        if access.can(page.permission)
    ]


STAFF_TIME_PAGES = ("staff_schedules", "staff_schedule_edit", "timesheet")
CCA_PAGES = (
    "cca_period",
    "cca_recall",
    "cca_reconcile",
    "cca_authorizations",
    "cca_authorization_create",
    "cca_authorization_edit",
    "cca_settings",
)
REPORT_PAGES = ("report_daily", "report_monthly", "report_late_pickups", "report_no_shows")

PROVIDER_TABS = [
    Tab("Home", "provider_home", "provider.view"),
    Tab(
        "Children",
        "child_list",
        "children.view",
        (
            "child_create",
            "child_detail",
            "child_edit",
            "pickup_create",
            "pickup_edit",
            "pickup_delete",
            "document_upload",
            "document_edit",
            "document_delete",
        ),
        guardian_label="My children",
    ),
    Tab(
        "Families",
        "family_list",
        "children.view",
        (
            "family_create",
            "family_detail",
            "family_edit",
            "guardian_create",
            "guardian_edit",
            "contact_create",
            "contact_edit",
            "contact_delete",
        ),
        guardian_label="My family",
    ),
    Tab("Child files", "compliance_checklist", "child_file.view"),
    Tab(
        "Enrollment",
        "pipeline",
        "enrollment.view",
        (
            "inquiry_create",
            "inquiry_detail",
            "inquiry_enroll",
            "waitlist",
            "enrollment_list",
            "enrollment_withdraw",
            "enrollment_transfer",
            "age_outs",
            "vacancies",
        ),
    ),
    Tab("Vacancies", "vacancies", "vacancies.view", unless="enrollment.view"),
    Tab(
        "Attendance",
        "roster",
        "attendance.view",
        ("presence_correct", "presence_add", "closures", "kiosk_cards", "guardian_pin"),
    ),
    Tab("Check-in", "my_attendance", "attendance.own_children"),
    Tab("Billing", "billing_home", "billing.view", prefix="billing_"),
    Tab("Billing", "billing_mine", "billing.own", prefix="billing_"),
    Tab("Insights", "insights_dashboard", "insights.view", prefix="insights_"),
    Tab("Surveys", "survey_inbox", "surveys.answer", prefix="survey_"),
    Tab("Messages", "comms_provider_messages", "comms.send", prefix="comms_"),
    Tab("Classrooms", "classroom_list", "classrooms.view", ("classroom_create", "classroom_edit")),
    Tab("Ratios", "ratio_board", "ratios.view"),
    Tab("Staff time", "staff_time", "staff_time.clock", STAFF_TIME_PAGES),
    Tab(
        "Staff time", "staff_time", "staff_time.manage", STAFF_TIME_PAGES, unless="staff_time.clock"
    ),
    Tab("Reports", "reports", "attendance.view", REPORT_PAGES),
    Tab("CCA", "cca_home", "subsidy.view", CCA_PAGES),
    Tab("Substitutes", "sub_cover_list", "substitutes.request", prefix="sub_"),
    Tab("Alliance", "membership_home", "membership.view", prefix="membership_"),
    Tab("Settings", "provider_settings", "provider.edit"),
    Tab("Import / export", "provider_import", "provider.edit"),
    Tab("Audit log", "provider_audit", "audit.view"),
]

ALLIANCE_TABS = [
    Tab("Overview", "alliance_home", "alliance.manage"),
    Tab("Shared services", "shared_members", "shared.view", prefix="shared_"),
    Tab("Import providers", "alliance_import", "alliance.manage"),
    Tab("Iron Triangle", "insights_alliance", "insights.alliance", ("insights_targets",)),
    Tab("Statewide figures", "state_home", "alliance.aggregates"),
    Tab("State Iron Triangle", "insights_state", "insights.state"),
    Tab("Subsidy work queue", "subsidy_queue", "subsidy.queue"),
    Tab("Substitutes", "sub_pool", "substitutes.manage", prefix="sub_"),
    Tab("Open requests", "sub_open", "substitutes.work"),
    Tab("My shifts", "sub_shifts", "substitutes.work"),
    Tab("Surveys", "survey_list", "surveys.manage", prefix="survey_"),
    Tab("Communications", "comms_alliance_messages", "comms.manage", prefix="comms_"),
    Tab("Audit log", "alliance_audit", "alliance.audit"),
]


def nav_label(request) -> str:
    """The accessible name of the tab bar: the provider or alliance being viewed."""
    if getattr(request, "access", None) is not None:
        return request.access.provider.name
    if getattr(request, "alliance_access", None) is not None:
        return request.alliance_access.alliance.name
    return ""


def tabs_for(request) -> list[dict]:
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match else ""
    access = getattr(request, "access", None)
    if access is not None:
        tabs, arg, permissions = PROVIDER_TABS, access.provider.slug, access.permissions
        guardian = access.role == "guardian"
    else:
        access = getattr(request, "alliance_access", None)
        if access is None:
            return []
        tabs, arg, permissions = ALLIANCE_TABS, access.alliance.slug, access.permissions
        guardian = False
    return [
        {
            "label": (tab.guardian_label or tab.label) if guardian else tab.label,
            "url": reverse(tab.url_name, args=[arg]),
            "current": current == tab.url_name
            or current in tab.also_current
            or bool(tab.prefix and current.startswith(tab.prefix)),
        }
        for tab in tabs
        if tab.permission in permissions and tab.unless not in permissions
    ]
