"""Forms of the staff time clock, staff schedules, and the filters of timesheets and reports."""

from datetime import date, timedelta

from django import forms
from django.db.models import Case, IntegerField, Value, When

from ccms.enrollment.forms import DateInput
from ccms.tenancy.models import Classroom, Provider, Role, User

WEEKDAY_CHOICES = [(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"), (4, "Friday")]
# The longest period a timesheet or report covers at once: a quarter, for payroll corrections.
MAX_PERIOD_DAYS = 93


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class ClassroomChoiceField(forms.ModelChoiceField):
    """The provider's classrooms, the user's own first and marked as such."""

    def __init__(self, *, provider: Provider, own_ids=frozenset(), **kwargs):
        rooms = (
            Classroom.objects.filter(provider=provider)
            .annotate(
                own=Case(
                    When(pk__in=list(own_ids), then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            )
            .order_by("own", "min_age_months", "name")
        )
        self.own_ids = own_ids
        super().__init__(rooms, **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.name} (yours)" if obj.pk in self.own_ids else obj.name


def staff_users(provider: Provider):
    """People who work shifts here: staff and directors of the provider."""
    return (
        User.objects.filter(
            memberships__provider=provider, memberships__role__in=[Role.STAFF, Role.DIRECTOR]
        )
        .distinct()
        .order_by("last_name", "first_name", "email")
    )


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.get_full_name()
        return f"{name} ({obj.email})" if name else obj.email


class ClockInForm(forms.Form):
    def __init__(self, *args, provider: Provider, own_ids=frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["classroom"] = ClassroomChoiceField(
            provider=provider,
            own_ids=own_ids,
            required=False,
            empty_label="No classroom (office, kitchen, driving)",
            help_text="Only staff clocked in to a classroom count toward its ratio.",
        )


class MoveForm(forms.Form):
    def __init__(self, *args, provider: Provider, own_ids=frozenset(), exclude=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = ClassroomChoiceField(
            provider=provider, own_ids=own_ids, label="Move to", empty_label=None
        )
        if exclude is not None:
            field.queryset = field.queryset.exclude(pk=exclude)
        self.fields["classroom"] = field


class StaffScheduleForm(forms.Form):
    user = StaffChoiceField(User.objects.none(), label="Staff member")
    classroom = forms.ModelChoiceField(Classroom.objects.none())
    weekday = forms.TypedChoiceField(choices=WEEKDAY_CHOICES, coerce=int, label="Day")
    start = forms.TimeField(widget=TimeInput)
    end = forms.TimeField(widget=TimeInput)

    def __init__(self, *args, provider: Provider, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff_users(provider)
        self.fields["classroom"].queryset = Classroom.objects.filter(provider=provider)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", "The end must be after the start.")
        return data


class PeriodForm(forms.Form):
    """A date range; empty fields take the defaults the view passes."""

    start = forms.DateField(widget=DateInput, required=False, label="From")
    end = forms.DateField(widget=DateInput, required=False, label="To")

    def __init__(self, *args, default_start: date, default_end: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.defaults = {"start": default_start, "end": default_end}

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        data["start"] = data.get("start") or self.defaults["start"]
        data["end"] = data.get("end") or self.defaults["end"]
        if data["end"] < data["start"]:
            raise forms.ValidationError("The end date must not be before the start date.")
        if (data["end"] - data["start"]).days >= MAX_PERIOD_DAYS:
            raise forms.ValidationError(f"Choose at most {MAX_PERIOD_DAYS} days at a time.")
        return data


class TimesheetFilterForm(PeriodForm):
    def __init__(self, *args, provider: Provider | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if provider is not None:
            self.fields["staff"] = StaffChoiceField(
                staff_users(provider), required=False, empty_label="Everyone"
            )


class DayForm(forms.Form):
    date = forms.DateField(widget=DateInput, required=False)

    def __init__(self, *args, default: date, classrooms=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.default = default
        if classrooms is not None:
            self.fields["classroom"] = forms.ModelChoiceField(
                classrooms, required=False, empty_label="All classrooms"
            )

    def clean_date(self):
        return self.cleaned_data.get("date") or self.default


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m")


class MonthForm(forms.Form):
    month = forms.DateField(
        widget=MonthInput, input_formats=["%Y-%m"], required=False, help_text="YYYY-MM"
    )

    def __init__(self, *args, default: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.default = default

    def clean_month(self):
        return (self.cleaned_data.get("month") or self.default).replace(day=1)


def last_days(today: date, days: int) -> tuple[date, date]:
    """The `days` days ending today, today included."""
    return today - timedelta(days=days - 1), today
