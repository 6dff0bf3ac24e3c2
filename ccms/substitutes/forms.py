from decimal import Decimal

from django import forms

from ccms.substitutes.models import BASELINE_KINDS, Credential, CredentialKind, Substitute
from ccms.tenancy.forms import ReasonField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
MONEY_INPUT = forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "inputmode": "decimal"})


class SubstituteForm(forms.ModelForm):
    class Meta:
        model = Substitute
        fields = ["name", "email", "phone", "hourly_rate", "is_active"]
        widgets = {"hourly_rate": MONEY_INPUT, "phone": forms.TextInput(attrs={"type": "tel"})}
        help_texts = {"email": "Their login: they set a password with “Forgot your password?”."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The e-mail is the login; it is changed on the user's account, not here.
            del self.fields["email"]


class CredentialForm(forms.ModelForm):
    class Meta:
        model = Credential
        fields = ["kind", "number", "issued_on", "expires_on"]
        widgets = {"issued_on": DATE, "expires_on": DATE}


class CoverRequestForm(forms.Form):
    date = forms.DateField(widget=DATE)
    classroom = forms.ModelChoiceField(queryset=None, empty_label=None)
    start = forms.TimeField(label="From", widget=TIME)
    end = forms.TimeField(label="To", widget=TIME)
    required_kinds = forms.MultipleChoiceField(
        label="Required credentials",
        choices=CredentialKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Only substitutes holding all of these, valid on the day, see the request.",
    )
    notes = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Substitutes read this: where to park, whom to ask for. No children's names.",
    )

    def __init__(self, *args, provider, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["classroom"].queryset = provider.classrooms.all()
        if not self.is_bound:
            self.initial.setdefault("date", today)
            self.initial.setdefault("required_kinds", [k.value for k in BASELINE_KINDS])

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", "The cover must end after it starts.")
        return data


class HoursForm(forms.Form):
    hours_worked = forms.DecimalField(
        label="Hours worked",
        min_value=Decimal("0.25"),
        max_value=Decimal("24"),
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
    )
    reason = forms.CharField(
        label="Reason for the correction",
        required=False,
        max_length=300,
        help_text="Needed only when changing hours already billed.",
    )


class CancelForm(forms.Form):
    reason = ReasonField(label="Why is the cover no longer needed?", help_text="")


class SubstituteEditForm(SubstituteForm):
    reason = ReasonField(required=False)
