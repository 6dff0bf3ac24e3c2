from django import forms

from ccms.alliance.models import (
    AllocationRule,
    CostPool,
    MembershipAgreement,
    SharedService,
)
from ccms.tenancy.models import Provider

DATE = forms.DateInput(attrs={"type": "date"})
MONTH = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


class MonthField(forms.DateField):
    """A month picked as YYYY-MM (or a full date), stored as its first day."""

    widget = MONTH

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m", "%Y-%m-%d"])
        kwargs.setdefault("help_text", "The month, as YYYY-MM.")
        super().__init__(**kwargs)

    def clean(self, value):
        day = super().clean(value)
        return day.replace(day=1) if day else day


class JoinForm(forms.Form):
    provider = forms.ModelChoiceField(queryset=Provider.objects.none())
    joined_on = forms.DateField(label="Member from", widget=DATE)

    def __init__(self, *args, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = Provider.objects.filter(alliance=alliance)


class LeaveForm(forms.Form):
    left_on = forms.DateField(label="Last day as a member", widget=DATE)
    reason = forms.CharField(max_length=300, required=False)


class SignForm(forms.Form):
    name = forms.CharField(label="Your full name", max_length=200)
    title = forms.CharField(label="Your title", max_length=120, required=False)
    agree = forms.BooleanField(
        label="I have read the agreement and sign it for our program", required=True
    )


class AgreementForm(forms.ModelForm):
    class Meta:
        model = MembershipAgreement
        fields = ["version", "title", "body", "effective_on"]
        widgets = {"effective_on": DATE, "body": forms.Textarea(attrs={"rows": 10})}


class ServiceForm(forms.ModelForm):
    class Meta:
        model = SharedService
        fields = [
            "name",
            "category",
            "description",
            "delivered_by",
            "standalone_monthly_cost",
            "is_active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class UseForm(forms.Form):
    service = forms.ModelChoiceField(queryset=SharedService.objects.none())
    started_on = forms.DateField(label="From", widget=DATE)

    def __init__(self, *args, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = SharedService.objects.filter(
            alliance=alliance, is_active=True
        )


class PoolForm(forms.ModelForm):
    class Meta:
        model = CostPool
        fields = ["name", "kind", "rule", "service", "is_active"]

    def __init__(self, *args, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.alliance = alliance
        self.fields["service"].queryset = SharedService.objects.filter(alliance=alliance)
        self.fields[
            "rule"
        ].help_text = "How the pool's monthly cost, less its grants, is shared among the members."


class CostForm(forms.Form):
    pool = forms.ModelChoiceField(queryset=CostPool.objects.none())
    month = MonthField()
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0.01)
    description = forms.CharField(max_length=200)

    def __init__(self, *args, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pool"].queryset = CostPool.objects.filter(alliance=alliance, is_active=True)


class GrantForm(CostForm):
    description = None
    funder = forms.CharField(max_length=200)


class MonthForm(forms.Form):
    month = MonthField()


class MemberPaymentForm(forms.Form):
    on = forms.DateField(label="Received on", widget=DATE)
    amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0.01)
    reference = forms.CharField(label="Check or transfer number", max_length=64)


RULE_HELP = {
    AllocationRule.FLAT: "Each member pays the same, prorated by the days it was a member.",
    AllocationRule.PER_FTE: "By full-time-equivalent children enrolled in the month.",
    AllocationRule.BILLED: "By revenue billed in the month (all payers).",
    AllocationRule.COLLECTED: "By revenue collected in the month (all payers).",
    AllocationRule.PER_SERVICE: "Equal shares among the members using the service.",
}
