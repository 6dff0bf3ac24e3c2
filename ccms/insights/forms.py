"""Forms of the insights pages: they parse and check input; services write."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms

from ccms.insights.coaching import PLAN_METRICS
from ccms.insights.metrics import AGE_GROUP_LABELS, MonthError, parse_month
from ccms.insights.models import ExpenseCategory, PlanStatus, Targets
from ccms.tenancy.models import Classroom


class MonthInput(forms.DateInput):
    input_type = "month"

    def format_value(self, value):
        if isinstance(value, date):
            return f"{value:%Y-%m}"
        return value


class MonthField(forms.Field):
    widget = MonthInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, date):
            return value.replace(day=1)
        try:
            year, number = parse_month(str(value)[:7])
        except MonthError as error:
            raise forms.ValidationError(str(error)) from None
        return date(year, number, 1)


def money_field(label: str, *, required: bool = True, minimum=Decimal(0), **kw):
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=12,
        decimal_places=2,
        min_value=minimum,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        **kw,
    )


class ExpenseForm(forms.Form):
    month = MonthField()
    category = forms.ChoiceField(choices=ExpenseCategory.choices)
    classroom = forms.ModelChoiceField(
        queryset=Classroom.objects.none(),
        required=False,
        help_text="For per-classroom costs (required) and a classroom's own staff.",
    )
    amount = money_field("Amount ($)")
    note = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, provider, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["classroom"].queryset = Classroom.objects.filter(provider=provider)


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=300, help_text="Why the expense changes or goes.")


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Expenses CSV",
        help_text="Columns month (YYYY-MM), category, amount, and classroom_key and note when "
        "needed: the columns of the data bundle's expenses.csv.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 2 MB; split it by year.")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError("Save the file as UTF-8 CSV and upload it again.") from None


class BudgetLineForm(forms.Form):
    category = forms.ChoiceField(choices=ExpenseCategory.choices)
    classroom = forms.ModelChoiceField(queryset=Classroom.objects.none(), required=False)
    annual_amount = money_field("Amount for the year ($)")
    note = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, provider, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["classroom"].queryset = Classroom.objects.filter(provider=provider)


class WageForm(forms.Form):
    user = forms.ChoiceField(label="Staff member")
    hourly_wage = money_field("Hourly wage ($)", minimum=Decimal("0.01"))
    effective_from = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {str(p.pk): p for p in people}
        self.fields["user"].choices = [(str(p.pk), p.get_full_name() or p.email) for p in people]

    def clean_user(self):
        return self.people[self.cleaned_data["user"]]


class NoteForm(forms.Form):
    body = forms.CharField(
        label="Coaching note",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What you discussed, what the director will do, what to check next time.",
    )


PLAN_METRIC_CHOICES = [(key, m.label) for key, m in PLAN_METRICS.items()]


class ActionPlanForm(forms.Form):
    title = forms.CharField(
        max_length=200, help_text="e.g. Collect every family payment by the 10th"
    )
    metric = forms.ChoiceField(label="Figure the plan moves", choices=PLAN_METRIC_CHOICES)
    target = forms.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text="Percentages as percent (97 for 97%); money in dollars; FTE as a number.",
    )
    due_on = forms.DateField(label="Due", widget=forms.DateInput(attrs={"type": "date"}))
    owner = forms.ChoiceField()
    steps = forms.CharField(
        label="Steps",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.owners = {str(u.pk): u for u in owners}
        self.fields["owner"].choices = [(str(u.pk), u.get_full_name() or u.email) for u in owners]

    def clean_owner(self):
        return self.owners[self.cleaned_data["owner"]]

    def clean(self):
        data = super().clean()
        metric, target = data.get("metric"), data.get("target")
        if metric and target is not None and PLAN_METRICS[metric].unit == "percent":
            if not 0 <= target <= 100:
                self.add_error("target", "Give a percentage from 0 to 100.")
            else:
                data["target"] = (target / 100).quantize(Decimal("0.0001"))
        return data


class PlanStatusForm(forms.Form):
    status = forms.ChoiceField(choices=PlanStatus.choices)


def percent_field(label: str, **kw):
    return forms.DecimalField(
        label=label,
        max_digits=6,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
        **kw,
    )


class ScenarioForm(forms.Form):
    """The planner's inputs; each starts at today's value."""

    tuition_change = percent_field(
        "Tuition change (%)",
        min_value=-100,
        max_value=200,
        initial=0,
        help_text="Private-pay prices up (or down) by this much.",
    )
    cca_share = percent_field(
        "Children paid by CCA (% of FTE)",
        min_value=0,
        max_value=100,
        help_text="The share of enrollment the state's Child Care Assistance pays for.",
    )
    cca_revenue_per_child = money_field(
        "Revenue per CCA child ($ a month)",
        help_text="State share and family fee together.",
    )
    staff_change = forms.DecimalField(
        label="Staff added or removed (full-time)",
        max_digits=5,
        decimal_places=2,
        initial=0,
        help_text="Negative to remove.",
    )
    staff_monthly_cost = money_field("Monthly cost of one full-time staff member ($)")
    fixed_change = money_field(
        "Other fixed costs, change per month ($)", minimum=Decimal("-10000000"), initial=0
    )
    variable_change_per_child = money_field(
        "Per-child costs, change per child ($ a month)", minimum=Decimal("-100000"), initial=0
    )

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = groups
        for group in groups:
            self.fields[f"fte_{group}"] = forms.DecimalField(
                label=f"FTE enrolled, {AGE_GROUP_LABELS[group].lower()}",
                max_digits=7,
                decimal_places=2,
                min_value=0,
                widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
            )

    def group_fields(self):
        return [self[f"fte_{g}"] for g in self.groups]

    def other_fields(self):
        return [self[name] for name in self.fields if not name.startswith("fte_")]


class TargetsForm(forms.ModelForm):
    class Meta:
        model = Targets
        fields = [
            "enrollment_green",
            "enrollment_yellow",
            "collection_green",
            "collection_yellow",
            "coverage_margin",
        ]
        help_texts = {
            "enrollment_green": "A ratio: 0.95 is 95% of staffed capacity.",
            "collection_green": "A ratio: 0.98 is 98% of what was billed.",
        }
