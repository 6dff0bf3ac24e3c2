from decimal import Decimal

from django import forms

from ccms.billing.models import (
    AccountKind,
    BillingSettings,
    Category,
    Fee,
    Frequency,
    PayerAccount,
    TuitionPlan,
)
from ccms.tenancy.models import Classroom

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY_INPUT = forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "inputmode": "decimal"})


class IdempotentForm(forms.Form):
    """A posting form carries its own idempotency key, made when the form is shown: submitting
    it twice (a double tap, a retry after a timeout) posts once."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            import uuid

            self.initial["idempotency_key"] = f"form:{uuid.uuid4()}"


class SettingsForm(forms.ModelForm):
    class Meta:
        model = BillingSettings
        fields = [
            "billing_frequency",
            "due_days",
            "late_payment_fee",
            "late_payment_grace_days",
            "late_pickup_fee_per_minute",
            "late_pickup_grace_minutes",
            "nsf_fee",
            "sibling_discount_percent",
            "staff_discount_percent",
            "reminder_days",
            "legal_name",
            "ein",
            "remit_address",
            "ach_company_name",
            "ach_company_id",
            "ach_bank_name",
            "ach_odfi_routing",
            "ach_settlement_account",
        ]
        labels = {
            "late_payment_fee": "Late payment fee (0 for none)",
            "late_pickup_fee_per_minute": "Late pick-up fee per minute (0 for none)",
            "sibling_discount_percent": "Sibling discount %",
            "staff_discount_percent": "Staff discount %",
            "legal_name": "Legal name (on statements)",
        }
        widgets = {"ach_settlement_account": forms.PasswordInput(render_value=False)}
        help_texts = {
            "late_payment_grace_days": "Days after the due date before the late fee is charged.",
            "late_pickup_grace_minutes": "Minutes after the authorized pick-up time not charged.",
            "sibling_discount_percent": "Off each child's tuition but the family's dearest.",
            "ein": "Printed on year-end tax statements for the dependent care credit.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        on_file = self.instance.ach_settlement_account if self.instance.pk else ""
        self.account_on_file = on_file or ""
        if on_file:
            self.fields[
                "ach_settlement_account"
            ].help_text = f"On file: the account ending {on_file[-4:]}. Leave empty to keep it."

    def clean_ach_settlement_account(self):
        """The account number is never shown again; an empty field keeps the one on file."""
        entered = (self.cleaned_data.get("ach_settlement_account") or "").replace(" ", "")
        if entered and not entered.isdigit():
            raise forms.ValidationError("An account number has digits only.")
        return entered or self.account_on_file


class TuitionPlanForm(forms.ModelForm):
    class Meta:
        model = TuitionPlan
        fields = [
            "name",
            "classroom",
            "min_age_months",
            "max_age_months",
            "days_per_week",
            "frequency",
            "amount",
            "is_active",
        ]
        labels = {"min_age_months": "From age (months)", "max_age_months": "To age (months)"}

    def __init__(self, *args, provider, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.provider = provider
        self.fields["classroom"].queryset = Classroom.objects.filter(provider=provider)
        self.fields["classroom"].empty_label = "Any classroom"


class FeeForm(forms.ModelForm):
    class Meta:
        model = Fee
        fields = ["kind", "name", "amount", "timing", "is_active"]

    def __init__(self, *args, provider, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.provider = provider


class PayerAccountForm(forms.ModelForm):
    class Meta:
        model = PayerAccount
        fields = ["kind", "name", "family", "guardian", "email", "address"]
        help_texts = {
            "guardian": "For a guardian's own share (parents in separate households).",
        }

    def __init__(self, *args, provider, **kwargs):
        super().__init__(*args, **kwargs)
        from ccms.families.models import Family, Guardian

        self.instance.provider = provider
        self.fields["kind"].choices = [
            c
            for c in AccountKind.choices
            if c[0] not in (AccountKind.FAMILY, AccountKind.CCA, AccountKind.MEMBER)
        ]
        self.fields["family"].queryset = Family.objects.filter(provider=provider)
        self.fields["guardian"].queryset = Guardian.objects.filter(provider=provider)


class SplitForm(forms.Form):
    account = forms.ModelChoiceField(queryset=PayerAccount.objects.none(), label="Payer")
    percent = forms.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0.01"), max_value=100, required=False
    )
    fixed_amount = forms.DecimalField(
        label="or a fixed amount per period",
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
    )

    def __init__(self, *args, provider, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = PayerAccount.objects.filter(
            provider=provider, is_active=True
        ).exclude(kind=AccountKind.FAMILY)

    def clean(self):
        data = super().clean()
        if (data.get("percent") is None) == (data.get("fixed_amount") is None):
            raise forms.ValidationError("Give either a percentage or a fixed amount, not both.")
        return data


class StaffDiscountForm(forms.Form):
    staff_discount = forms.BooleanField(
        label="Child of a staff member (staff discount)", required=False
    )


class ChargeForm(IdempotentForm):
    category = forms.ChoiceField(
        choices=[
            (c.value, c.label)
            for c in Category
            if c not in (Category.CCA, Category.CCA_FAMILY_FEE, Category.CCA_DIFFERENCE)
        ]
    )
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    on = forms.DateField(label="Date", widget=DATE)
    description = forms.CharField(max_length=300)


class CreditForm(IdempotentForm):
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    on = forms.DateField(label="Date", widget=DATE)
    description = forms.CharField(max_length=300, help_text="Why the payer is credited.")


class ReverseForm(forms.Form):
    reason = forms.CharField(
        max_length=300, help_text="Kept with the reversal in the ledger for good."
    )


class RunForm(forms.Form):
    period_start = forms.DateField(label="First day of the period", widget=DATE)
    frequency = forms.ChoiceField(choices=Frequency.choices)
