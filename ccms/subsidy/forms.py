"""Forms of the CCA pages."""

from __future__ import annotations

from datetime import date

from django import forms

from ccms.families.models import Child
from ccms.subsidy.models import Authorization, TransportMethod
from ccms.tenancy.forms import ReasonField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY_INPUT = {"inputmode": "decimal", "step": "0.01", "min": "0"}


class AuthorizationForm(forms.ModelForm):
    class Meta:
        model = Authorization
        fields = [
            "child",
            "case_number",
            "start_date",
            "end_date",
            "units_per_period",
            "private_rate",
            "special_needs",
            "age_group_override",
            "fee_level_override",
            "difference_agreement_signed_on",
        ]
        widgets = {
            "start_date": DATE,
            "end_date": DATE,
            "difference_agreement_signed_on": DATE,
            "private_rate": forms.NumberInput(attrs=MONEY_INPUT),
        }

    def __init__(self, *args, provider, editing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.provider = provider
        children = Child.objects.filter(provider=provider).select_related("family")
        self.fields["child"].queryset = children.order_by("last_name", "first_name")
        self.fields["child"].label_from_instance = lambda c: (
            f"{c.last_name}, {c.first_name}"
            + (f" · KinderTrack {c.kindertrack_child_id}" if c.kindertrack_child_id else "")
        )
        self.fields["age_group_override"].choices = [("", "By age on each period's first day")] + [
            c for c in self.fields["age_group_override"].choices if c[0]
        ]
        self.fields["fee_level_override"].choices = [("", "The family's fee level")] + [
            c for c in self.fields["fee_level_override"].choices if c[0]
        ]
        self.fields["case_number"].help_text = "The family's CCA case number; stored encrypted."
        self.fields["age_group_override"].help_text = (
            "Choose one only when the child's record sets the age group (e.g. a child in school "
            "before 6)."
        )
        self.fields["fee_level_override"].help_text = (
            "Choose one only when this authorization's notice gives another level than the "
            "family's."
        )
        if editing:
            self.fields["child"].disabled = True
            self.fields["reason"] = ReasonField()

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The last day must not be before the first day.")
        return data


class CcaSettingsForm(forms.Form):
    effective_from = forms.DateField(
        label="In force from",
        widget=DATE,
        help_text="Periods starting on or after this day use these settings.",
    )
    max_units_per_day = forms.IntegerField(
        label="Maximum units per day",
        min_value=1,
        max_value=5,
        help_text="Half-day units a child may earn in one day (the state's rule is 2).",
    )
    absence_allowance_per_month = forms.IntegerField(
        label="Absence days allowed per month",
        min_value=0,
        max_value=31,
        help_text="The state pays this many absence days a month (4 since October 2023).",
    )
    reason = ReasonField()


class TransportForm(forms.Form):
    method = forms.ChoiceField(
        label="How submissions reach KinderTrack",
        choices=TransportMethod.choices,
        widget=forms.RadioSelect,
    )
    endpoint_url = forms.URLField(
        label="Endpoint URL", required=False, max_length=300, assume_scheme="https"
    )
    token_url = forms.URLField(
        label="Token URL",
        required=False,
        max_length=300,
        assume_scheme="https",
        help_text="For OAuth 2.0 client credentials; leave empty to send the client ID and "
        "secret with each request.",
    )
    client_id = forms.CharField(label="Client ID", required=False, max_length=200)
    client_secret = forms.CharField(
        label="Client secret",
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Stored encrypted and never shown again. Leave empty to keep the saved one.",
    )
    reason = ReasonField()


class SubmitForm(forms.Form):
    """Nothing to fill in: the button confirms."""


class RecallForm(forms.Form):
    reason = ReasonField(
        label="Why is the submission recalled?",
        help_text="Required. Kept with the submission and in the audit trail, e.g. “Missing "
        "check-out on Oct 6 corrected from the paper sign-in sheet”.",
    )


class UploadedForm(forms.Form):
    reference = forms.CharField(
        label="KinderTrack confirmation number",
        required=False,
        max_length=200,
        help_text="If the portal showed one after the upload.",
    )


class PaymentsForm(forms.Form):
    paid_on = forms.DateField(label="Paid on", widget=DATE)
    reference = forms.CharField(
        label="Payment reference",
        required=False,
        max_length=100,
        help_text="The state's warrant or remittance number.",
    )

    def __init__(self, *args, children: list[tuple[Child, object]], today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paid_on"].widget.attrs["max"] = today.isoformat()
        self.today = today
        self.child_fields = []
        for child, billed in children:
            name = f"amount_{child.pk}"
            self.fields[name] = forms.DecimalField(
                label=f"{child.first_name} {child.last_name}",
                required=False,
                min_value=0,
                max_digits=12,
                decimal_places=2,
                widget=forms.NumberInput(attrs=MONEY_INPUT),
                help_text=f"Billed {billed:.2f}" if billed is not None else "Not billed",
            )
            self.child_fields.append((child, name))

    def clean_paid_on(self):
        day = self.cleaned_data["paid_on"]
        if day > self.today:
            raise forms.ValidationError("The payment date is in the future.")
        return day

    def amounts(self) -> list[tuple[Child, object]]:
        return [
            (child, self.cleaned_data[name])
            for child, name in self.child_fields
            if self.cleaned_data.get(name) is not None
        ]

    def clean(self):
        data = super().clean()
        if not self.errors and not self.amounts():
            raise forms.ValidationError("Enter the amount the state paid for at least one child.")
        return data


class PaymentFileForm(forms.Form):
    file = forms.FileField(
        label="Remittance file (CSV)",
        help_text="A header row, then one row per child: kindertrack_child_id (or child_key) "
        "and amount, e.g. 123456,193.00.",
    )
    paid_on = forms.DateField(label="Paid on", widget=DATE)
    reference = forms.CharField(label="Payment reference", required=False, max_length=100)

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["paid_on"].widget.attrs["max"] = today.isoformat()

    def clean_paid_on(self):
        day = self.cleaned_data["paid_on"]
        if day > self.today:
            raise forms.ValidationError("The payment date is in the future.")
        return day

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 2 MB; is it the right file?")
        return upload
