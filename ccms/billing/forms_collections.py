"""Forms of the collections pages: payment plans and write-off requests."""

from decimal import Decimal

from django import forms

from ccms.billing.collections import MAX_INSTALLMENTS, money
from ccms.billing.models import Frequency

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY_INPUT = forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "inputmode": "decimal"})


class PaymentPlanForm(forms.Form):
    amount = forms.DecimalField(
        label="Amount to pay off",
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=MONEY_INPUT,
        help_text="Starts at what the account owes today.",
    )
    installments = forms.IntegerField(
        label="Number of installments",
        min_value=1,
        max_value=MAX_INSTALLMENTS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    frequency = forms.ChoiceField(
        label="Installments are paid", choices=Frequency.choices, initial=Frequency.MONTHLY
    )
    first_due = forms.DateField(label="First installment due on", widget=DATE)
    note = forms.CharField(
        label="Note",
        max_length=300,
        required=False,
        help_text="What was agreed, and with whom (kept with the plan).",
    )


class WriteOffForm(forms.Form):
    charge = forms.TypedChoiceField(
        label="Charge to write off",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="Or leave it on “an amount of the balance”: the oldest charges close first.",
    )
    amount = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0.01"), widget=MONEY_INPUT
    )
    reason = forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why it cannot be collected: the director reads this, and the ledger keeps it.",
    )

    def __init__(self, *args, open_charges=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["charge"].choices = [("", "An amount of the balance")] + [
            (
                charge.pk,
                f"{charge.on:%b %-d, %Y} · {charge.description or charge.get_category_display()}"
                f" · {money(left)} open",
            )
            for charge, left in open_charges
        ]
