from django import forms

from ccms.enrollment.models import WEEKDAYS, InquirySource, Stage, TuitionFrequency
from ccms.tenancy.forms import ReasonField
from ccms.tenancy.models import Classroom

DAY_CHOICES = [("M", "Mon"), ("T", "Tue"), ("W", "Wed"), ("R", "Thu"), ("F", "Fri")]


class DaysField(forms.MultipleChoiceField):
    """Weekdays as checkboxes, stored as letters in MTWRF order."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", DAY_CHOICES)
        kwargs.setdefault("initial", list(WEEKDAYS))
        kwargs.setdefault("error_messages", {"required": "Choose at least one day."})
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return list(value) if isinstance(value, str) else value

    def clean(self, value):
        chosen = super().clean(value)
        return "".join(day for day in WEEKDAYS if day in chosen)


class DateInput(forms.DateInput):
    input_type = "date"


class ClassroomChoiceMixin:
    def scope_classrooms(self, provider, *names):
        for name in names:
            self.fields[name].queryset = Classroom.objects.filter(provider=provider)


class InquiryForm(ClassroomChoiceMixin, forms.Form):
    guardian_first_name = forms.CharField(max_length=100, label="Guardian's first name")
    guardian_last_name = forms.CharField(max_length=100, label="Guardian's last name")
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=30, required=False)
    child_first_name = forms.CharField(max_length=100, label="Child's first name")
    child_last_name = forms.CharField(max_length=100, label="Child's last name")
    birth_date = forms.DateField(widget=DateInput, label="Child's birth date")
    desired_start = forms.DateField(widget=DateInput, required=False)
    desired_classroom = forms.ModelChoiceField(Classroom.objects.none(), required=False)
    desired_days = DaysField(label="Days wanted")
    source = forms.ChoiceField(choices=InquirySource.choices, initial=InquirySource.PHONE)
    staff_child = forms.BooleanField(required=False, label="Child of a staff member")
    cca_family = forms.BooleanField(required=False, label="Family uses Child Care Assistance")
    stage = forms.ChoiceField(
        choices=[(s, Stage(s).label) for s in (Stage.INQUIRY, Stage.APPLICATION, Stage.WAITLIST)],
        label="Record as",
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, provider, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope_classrooms(provider, "desired_classroom")

    def clean(self):
        data = super().clean()
        if not data.get("email") and not data.get("phone"):
            raise forms.ValidationError(
                "Give an e-mail address or a phone number to reach the family."
            )
        return data


class MoveForm(forms.Form):
    to_stage = forms.ChoiceField(choices=Stage.choices, widget=forms.HiddenInput)
    note = forms.CharField(max_length=300, required=False)
    tour_at = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        label="Tour date and time",
    )
    offer_expires_on = forms.DateField(required=False, widget=DateInput, label="Offer open until")


class EnrollForm(ClassroomChoiceMixin, forms.Form):
    classroom = forms.ModelChoiceField(Classroom.objects.none())
    start_date = forms.DateField(widget=DateInput)
    days = DaysField()
    daily_start = forms.TimeField(
        required=False, widget=forms.TimeInput(attrs={"type": "time"}), label="Daily drop-off"
    )
    daily_end = forms.TimeField(
        required=False, widget=forms.TimeInput(attrs={"type": "time"}), label="Daily pick-up"
    )
    tuition_amount = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False
    )
    tuition_frequency = forms.ChoiceField(
        choices=[("", "—"), *TuitionFrequency.choices], required=False
    )

    def __init__(self, *args, provider, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope_classrooms(provider, "classroom")

    def clean(self):
        data = super().clean()
        start, end = data.get("daily_start"), data.get("daily_end")
        if (start is None) != (end is None):
            raise forms.ValidationError(
                "Give both the daily drop-off and pick-up time, or neither."
            )
        if start and end and end <= start:
            self.add_error("daily_end", "Pick-up must be after drop-off.")
        if data.get("tuition_amount") is not None and not data.get("tuition_frequency"):
            self.add_error("tuition_frequency", "Say whether the tuition is weekly or monthly.")
        return data


class WithdrawForm(forms.Form):
    last_day = forms.DateField(widget=DateInput, label="Last day in care")
    reason = ReasonField(label="Reason for leaving")


class TransferForm(ClassroomChoiceMixin, forms.Form):
    to_classroom = forms.ModelChoiceField(Classroom.objects.none(), label="Move to classroom")
    on = forms.DateField(widget=DateInput, label="First day in the new classroom")
    reason = ReasonField(initial="Moved up to the next classroom")

    def __init__(self, *args, provider, exclude_classroom, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope_classrooms(provider, "to_classroom")
        self.fields["to_classroom"].queryset = self.fields["to_classroom"].queryset.exclude(
            pk=exclude_classroom.pk
        )
