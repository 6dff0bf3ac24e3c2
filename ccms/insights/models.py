"""Costs, targets, frozen monthly figures and the consultant's tools (alerts, coaching notes,
action plans). The figures themselves are computed in `metrics.py`, never stored except in a
month's snapshot."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from ccms.tenancy.models import Alliance, Classroom, Provider

MONEY = {"max_digits": 12, "decimal_places": 2}
RATIO = {
    "max_digits": 5,
    "decimal_places": 4,
    "validators": [MinValueValidator(0), MaxValueValidator(1)],
}


class ExpenseCategory(models.TextChoices):
    """The Provider Cost of Quality structure: who or what an expense is for."""

    PERSONNEL = "personnel", "Personnel"
    PER_CHILD = "per_child", "Per child (food, supplies)"
    PER_CLASSROOM = "per_classroom", "Per classroom"
    SITE = "site", "Site (rent, utilities, insurance)"
    ADMIN = "admin", "Administration"


# Expenses that name a classroom go to its age group; per-classroom ones must name one.
CLASSROOM_CATEGORIES = {ExpenseCategory.PER_CLASSROOM, ExpenseCategory.PERSONNEL}


class ExpenseSource(models.TextChoices):
    ENTERED = "entered", "Entered"
    IMPORTED = "imported", "Imported"
    BUDGET = "budget", "From the yearly budget"
    TIMESHEETS = "timesheets", "From timesheets and wages"


class Expense(models.Model):
    """What a provider spent in a month on one category (and classroom)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first day of the month.")
    category = models.CharField(max_length=15, choices=ExpenseCategory.choices)
    classroom = models.ForeignKey(
        Classroom, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])
    note = models.CharField(max_length=200, blank=True)
    source = models.CharField(
        max_length=12, choices=ExpenseSource.choices, default=ExpenseSource.ENTERED
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["month", "category", "id"]
        indexes = [models.Index(fields=["provider", "month"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="expense_not_negative")
        ]

    def __str__(self):
        return f"{self.get_category_display()} {self.month:%Y-%m}: {self.amount}"

    def clean(self):
        errors = category_errors(self)
        if self.month and self.month.day != 1:
            errors["month"] = "An expense belongs to a month: use the month's first day."
        if errors:
            raise ValidationError(errors)


def category_errors(row) -> dict[str, str]:
    """The rules on an expense's or budget line's category and classroom."""
    errors = {}
    if row.category == ExpenseCategory.PER_CLASSROOM and not row.classroom_id:
        errors["classroom"] = "A per-classroom expense names its classroom."
    elif row.classroom_id and row.category not in CLASSROOM_CATEGORIES:
        errors["classroom"] = "Only per-classroom and personnel expenses name a classroom."
    elif row.classroom_id and row.classroom.provider_id != row.provider_id:
        errors["classroom"] = "Choose a classroom of this provider."
    return errors


class BudgetLine(models.Model):
    """A yearly budget amount; applying the budget spreads it over the year's months."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    category = models.CharField(max_length=15, choices=ExpenseCategory.choices)
    classroom = models.ForeignKey(
        Classroom, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    annual_amount = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])
    note = models.CharField(max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["year", "category", "id"]
        indexes = [models.Index(fields=["provider", "year"])]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "year", "category", "classroom"],
                condition=models.Q(classroom__isnull=False),
                name="budget_line_room_unique",
            ),
            models.UniqueConstraint(
                fields=["provider", "year", "category"],
                condition=models.Q(classroom__isnull=True),
                name="budget_line_unique",
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.get_category_display()}: {self.annual_amount}"

    def clean(self):
        errors = category_errors(self)
        if errors:
            raise ValidationError(errors)


class StaffWage(models.Model):
    """A staff member's hourly wage from a date: prices the hours of their timesheets."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    hourly_wage = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    effective_from = models.DateField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["user_id", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "user", "effective_from"], name="staff_wage_unique"
            )
        ]

    def __str__(self):
        return f"{self.user} {self.hourly_wage}/h from {self.effective_from}"


class Targets(models.Model):
    """The alliance's targets for the status colours (the spec's defaults when none are set)."""

    alliance = models.OneToOneField(Alliance, on_delete=models.CASCADE, related_name="+")
    enrollment_green = models.DecimalField(
        "enrollment efficiency for green", **RATIO, default=Decimal("0.95")
    )
    enrollment_yellow = models.DecimalField(
        "enrollment efficiency for yellow", **RATIO, default=Decimal("0.85")
    )
    collection_green = models.DecimalField(
        "fee collection rate for green", **RATIO, default=Decimal("0.98")
    )
    collection_yellow = models.DecimalField(
        "fee collection rate for yellow", **RATIO, default=Decimal("0.97")
    )
    coverage_margin = models.DecimalField(
        "revenue below cost per child still yellow",
        **RATIO,
        default=Decimal("0.05"),
        help_text="Revenue per child within this share of the cost per child is yellow.",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "targets"

    def clean(self):
        if self.enrollment_yellow > self.enrollment_green:
            raise ValidationError({"enrollment_yellow": "Yellow must not be above green."})
        if self.collection_yellow > self.collection_green:
            raise ValidationError({"collection_yellow": "Yellow must not be above green."})


class MetricSnapshot(models.Model):
    """A provider's figures for a closed month, frozen (as the metrics JSON). A later correction
    of the data adds a new version, a restatement, with the differences; versions are never
    changed."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first day of the month.")
    version = models.PositiveSmallIntegerField(default=1)
    as_of = models.DateField()
    taken_at = models.DateTimeField()
    figures = models.JSONField(help_text="The metrics JSON of the month, as shown.")
    exact = models.JSONField(
        default=dict, help_text="The same figures unrounded, to add frozen months up exactly."
    )
    differences = models.JSONField(
        default=dict, blank=True, help_text="For a restatement: figure -> [before, after]."
    )

    class Meta:
        ordering = ["month", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "month", "version"], name="snapshot_version_unique"
            )
        ]
        indexes = [models.Index(fields=["provider", "month"])]

    def __str__(self):
        return f"{self.provider_id} {self.month:%Y-%m} v{self.version}"

    @property
    def is_restatement(self) -> bool:
        return self.version > 1


class Side(models.TextChoices):
    """The three sides of the Iron Triangle, as the status keys of the metrics."""

    ENROLLMENT = "enrollment", "Full enrollment"
    FEE_COLLECTION = "fee_collection", "Full fee collection"
    COST_COVERAGE = "cost_coverage", "Revenue covers cost per child"


class Alert(models.Model):
    """A side of the triangle turned red in a month (it was not red the month before)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    side = models.CharField(max_length=20, choices=Side.choices)
    value = models.CharField(max_length=120, help_text="The figure as shown, e.g. 81.20%.")
    previous_status = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-month", "side"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "month", "side"], name="one_alert_a_side")
        ]
        indexes = [models.Index(fields=["provider", "acknowledged_at"])]

    def __str__(self):
        return f"{self.get_side_display()} red in {self.month:%Y-%m}"


class CoachingNote(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    month = models.DateField(null=True, blank=True, help_text="The month the note is about.")
    body = models.TextField(max_length=5000)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["provider", "-created_at"])]

    def __str__(self):
        return f"Note of {self.created_at:%Y-%m-%d}"


class PlanStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


class ActionPlan(models.Model):
    """A goal tied to a metric (e.g. the fee collection rate to 97% by March): who owns it, by
    when, and where the figure stood when the plan was made. Progress is read from the metric."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    metric = models.CharField(max_length=40, help_text="A key of insights.plans.PLAN_METRICS.")
    baseline = models.DecimalField(max_digits=14, decimal_places=4)
    target = models.DecimalField(max_digits=14, decimal_places=4)
    due_on = models.DateField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    steps = models.TextField(blank=True, max_length=5000, help_text="What will be done.")
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["status", "due_on", "id"]
        indexes = [models.Index(fields=["provider", "status"])]

    def __str__(self):
        return self.title
