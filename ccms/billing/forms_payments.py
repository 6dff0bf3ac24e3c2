"""Forms of the payment pages: the desk's payment and refund, online payment, the sandbox
checkout, autopay set-up and the bank's return file."""

from decimal import Decimal

from django import forms

from ccms.billing.forms import DATE, MONEY_INPUT, IdempotentForm
from ccms.billing.models import AccountType, Method
from ccms.billing.payments import MANUAL_METHODS
from ccms.families.models import Child

MAX_RETURN_FILE_BYTES = 5 * 1024 * 1024


def money_field(**kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        widget=MONEY_INPUT,
        **kwargs,
    )


class PaymentForm(IdempotentForm):
    amount = money_field(label="Amount received ($)")
    on = forms.DateField(label="Date received", widget=DATE)
    method = forms.ChoiceField(
        choices=[(m.value, m.label) for m in MANUAL_METHODS], widget=forms.RadioSelect
    )
    reference = forms.CharField(
        label="Check or money order number",
        max_length=64,
        required=False,
        help_text="Printed on the receipt; leave empty for cash.",
    )
    child = forms.ModelChoiceField(
        Child.objects.none(),
        required=False,
        label="For child",
        empty_label="The whole account",
        help_text="Only to note it on the receipt: a payment always pays the oldest charges first.",
    )

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        if account.family_id:
            self.fields["child"].queryset = Child.objects.filter(
                provider_id=account.provider_id, family_id=account.family_id
            )
        else:
            del self.fields["child"]

    def clean(self):
        data = super().clean()
        method = data.get("method")
        if method in (Method.CHECK, Method.MONEY_ORDER) and not data.get("reference"):
            self.add_error(
                "reference", "Write the check or money order number: it identifies the payment."
            )
        return data


class RefundForm(IdempotentForm):
    amount = money_field(label="Amount to give back ($)")
    reason = forms.CharField(max_length=300, help_text="Kept with the refund and on the ledger.")


class PayForm(IdempotentForm):
    amount = money_field(label="Amount to pay ($)")

    def __init__(self, *args, balance: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        self.balance = balance
        if balance > 0:
            self.fields["amount"].help_text = f"Up to ${balance:,}, the balance owed."
            self.fields["amount"].widget.attrs["max"] = str(balance)

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if self.balance > 0 and amount > self.balance:
            raise forms.ValidationError(
                f"You owe ${self.balance:,}: pay that amount or less (the balance is the most "
                "you can pay at once)."
            )
        return amount


class CardNumberInput(forms.TextInput):
    """Never writes a card number back into the page (not even after an error)."""

    def format_value(self, value):
        return None


class CardForm(forms.Form):
    """The sandbox's hosted card form. Only the number decides the outcome; none of it is kept
    but the last four digits."""

    name = forms.CharField(label="Name on the card", max_length=22)
    card_number = forms.CharField(
        label="Card number",
        max_length=23,
        widget=CardNumberInput(
            attrs={"autocomplete": "cc-number", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )
    expiry = forms.RegexField(
        label="Expiry (MM/YY)",
        regex=r"^(0[1-9]|1[0-2])\s*/\s*\d{2}$",
        error_messages={"invalid": "Write the expiry date as MM/YY, e.g. 04/29."},
        widget=forms.TextInput(attrs={"autocomplete": "cc-exp", "placeholder": "MM/YY"}),
    )
    cvc = forms.RegexField(
        label="Security code",
        regex=r"^\d{3,4}$",
        error_messages={"invalid": "The security code has 3 or 4 digits (on the back)."},
        widget=CardNumberInput(attrs={"autocomplete": "cc-csc", "inputmode": "numeric"}),
    )


class CardMandateForm(CardForm):
    accepted = forms.BooleanField(label="I accept the authorization above.")


class AchMandateForm(forms.Form):
    holder_name = forms.CharField(
        label="Name on the bank account", max_length=22, help_text="At most 22 characters."
    )
    routing_number = forms.CharField(
        label="Routing number",
        max_length=9,
        help_text="The 9 digits at the bottom left of a check.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    account_number = forms.CharField(
        label="Account number",
        max_length=17,
        widget=CardNumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    account_number_again = forms.CharField(
        label="Account number again",
        max_length=17,
        widget=CardNumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    account_type = forms.ChoiceField(
        label="Account type",
        choices=AccountType.choices,
        initial=AccountType.CHECKING,
        widget=forms.RadioSelect,
    )
    accepted = forms.BooleanField(label="I accept the authorization above.")

    def clean(self):
        data = super().clean()
        first, again = data.get("account_number"), data.get("account_number_again")
        if first and again and first.replace(" ", "") != again.replace(" ", ""):
            self.add_error("account_number_again", "The two account numbers differ.")
        return data


class ReturnFileForm(forms.Form):
    file = forms.FileField(
        label="Return file from the bank",
        help_text="The ACH return file (NACHA format, a .txt or .ach file).",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_RETURN_FILE_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB; is it the right file?")
        raw = upload.read()
        try:
            return raw.decode("ascii")
        except UnicodeDecodeError as error:
            raise forms.ValidationError(
                "This is not an ACH return file: it has characters an ACH file never has."
            ) from error
