"""Forms of the check-in pages: kiosk, classroom roster, guardian's phone, closures, corrections.

Times are typed in the provider's time zone: the views parse and show these forms inside
`timezone.override(provider.tz)`."""

from datetime import date, datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError

from ccms.attendance.models import AbsenceReason
from ccms.tenancy.forms import ReasonField
from ccms.tenancy.models import Classroom

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
OTHER = "__other__"
# How far ahead a guardian may report an absence.
ABSENCE_AHEAD_DAYS = 90


class KioskEntryForm(forms.Form):
    """A PIN typed on the pad, or a QR card's code typed by a scanner."""

    pin = forms.CharField(max_length=600, strip=True)


class KioskRecordForm(forms.Form):
    ACTIONS = [("in", "Check in"), ("out", "Check out")]

    token = forms.CharField(widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=ACTIONS)
    children = forms.TypedMultipleChoiceField(
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one child."},
    )
    signature = forms.CharField(
        label="Type your full name to sign", max_length=200, required=False, strip=True
    )

    def __init__(self, *args, child_ids: list[int], ask_signature: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["children"].choices = [(pk, pk) for pk in child_ids]
        if ask_signature:
            self.fields["signature"].required = True
            self.fields["signature"].error_messages["required"] = "Please type your name to sign."


class PickupForm(forms.Form):
    """Who takes the child home: someone on the list, or a name typed in (checked against it)."""

    who = forms.ChoiceField(label="Picked up by", widget=forms.RadioSelect)
    other = forms.CharField(label="Someone else", max_length=200, required=False, strip=True)

    def __init__(self, *args, names: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["who"].choices = [(n, n) for n in names] + [(OTHER, "Someone else")]
        self.fields["who"].error_messages["required"] = "Choose who picks up."

    def picked_up_by(self) -> str:
        data = self.cleaned_data
        return data["other"] if data["who"] == OTHER else data["who"]

    def clean(self):
        data = super().clean()
        if data.get("who") == OTHER and not data.get("other"):
            raise ValidationError("Type the name of the person picking up.")
        return data


class AbsenceForm(forms.Form):
    reason = forms.ChoiceField(choices=AbsenceReason.choices)
    note = forms.CharField(max_length=300, required=False, strip=True)


class AbsenceAheadForm(AbsenceForm):
    """A guardian reports a day away before it comes."""

    day = forms.DateField(label="Date", widget=DATE)

    field_order = ["day", "reason", "note"]

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["day"].widget.attrs.update(
            min=today.isoformat(), max=(today + timedelta(days=ABSENCE_AHEAD_DAYS)).isoformat()
        )

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day < self.today:
            raise ValidationError("Report absences for today or a later day.")
        if day > self.today + timedelta(days=ABSENCE_AHEAD_DAYS):
            raise ValidationError(f"Report absences up to {ABSENCE_AHEAD_DAYS} days ahead.")
        return day


class MoveForm(forms.Form):
    classroom = forms.ModelChoiceField(queryset=Classroom.objects.none(), label="Move to")

    def __init__(self, *args, provider, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["classroom"].queryset = Classroom.objects.filter(provider=provider).order_by(
            "min_age_months", "name"
        )


class ClosureForm(forms.Form):
    day = forms.DateField(label="Date", widget=DATE)
    reason = forms.CharField(
        max_length=200, help_text="Shown to staff and families, e.g. “Thanksgiving”, “Snow day”."
    )


class CorrectionForm(forms.Form):
    check_in = forms.DateTimeField(label="Checked in", widget=DATETIME)
    check_out = forms.DateTimeField(
        label="Checked out",
        widget=DATETIME,
        required=False,
        help_text="Leave empty while the child is still here.",
    )
    reason = ReasonField(help_text="Required. Kept in the audit trail with the original times.")


class MissedPairForm(forms.Form):
    day = forms.DateField(label="Date", widget=DATE)
    check_in = forms.TimeField(label="Checked in at", widget=TIME)
    check_out = forms.TimeField(label="Checked out at", widget=TIME)
    reason = ReasonField(help_text="Required, e.g. “Paper sign-in sheet; tablet was down”.")

    def moments(self, tz) -> tuple[datetime, datetime]:
        data = self.cleaned_data
        return (
            datetime.combine(data["day"], data["check_in"], tzinfo=tz),
            datetime.combine(data["day"], data["check_out"], tzinfo=tz),
        )


class KioskPinSetForm(forms.Form):
    pin = forms.CharField(
        label="New PIN",
        min_length=4,
        max_length=8,
        help_text="4 to 8 digits. Tell the family; setting a new PIN also replaces their QR card.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
