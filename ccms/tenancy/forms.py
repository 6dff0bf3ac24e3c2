import zoneinfo

from django import forms

from ccms.enrollment.queries import PRIORITY_RULES
from ccms.tenancy.models import Classroom, Provider, Site
from ccms.tenancy.services import CLASSROOM_FIELDS, PROVIDER_SETTINGS_FIELDS

US_TIMEZONES = sorted(tz for tz in zoneinfo.available_timezones() if tz.startswith("America/"))


class ReasonField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Reason for the change")
        kwargs.setdefault("help_text", "Kept in the audit trail with your name and the time.")
        kwargs.setdefault("max_length", 500)
        super().__init__(**kwargs)


class WaitlistPrioritiesField(forms.MultiValueField):
    """The waitlist order as ranked choices: 1st, 2nd, ... priority; blanks are dropped."""

    RANKS = 4

    def __init__(self, **kwargs):
        choices = [("", "—"), *((key, label) for key, (label, _) in PRIORITY_RULES.items())]
        fields = [forms.ChoiceField(choices=choices, required=False) for _ in range(self.RANKS)]
        widget = forms.MultiWidget(
            [
                forms.Select(choices=choices, attrs={"aria-label": f"Priority {n}"})
                for n in range(1, self.RANKS + 1)
            ]
        )
        kwargs.setdefault(
            "help_text",
            "First, second, third and fourth rule; ties go to whoever joined the waitlist first.",
        )
        super().__init__(fields=fields, widget=widget, require_all_fields=False, **kwargs)
        self.widget.decompress = lambda value: (list(value or []) + [""] * self.RANKS)[: self.RANKS]

    def compress(self, data_list):
        chosen = [key for key in data_list if key]
        if len(chosen) != len(set(chosen)):
            raise forms.ValidationError("Use each priority rule only once.")
        return chosen


class ProviderSettingsForm(forms.ModelForm):
    timezone = forms.ChoiceField(choices=[(tz, tz) for tz in US_TIMEZONES])
    waitlist_priorities = WaitlistPrioritiesField(label="Waitlist priorities", required=False)
    reason = ReasonField()

    class Meta:
        model = Provider
        fields = PROVIDER_SETTINGS_FIELDS
        widgets = {
            "cca_period_anchor": forms.DateInput(attrs={"type": "date"}),
            "public_intro": forms.Textarea(attrs={"rows": 3}),
        }


class ClassroomForm(forms.ModelForm):
    class Meta:
        model = Classroom
        fields = CLASSROOM_FIELDS

    def __init__(self, *args, provider: Provider, with_reason: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.provider = provider
        self.fields["site"].queryset = Site.objects.filter(provider=provider)
        self.fields["site"].empty_label = None
        if with_reason:
            self.fields["reason"] = ReasonField()


class AllianceSecurityForm(forms.Form):
    require_mfa_for_staff = forms.BooleanField(
        required=False,
        label="Require two-factor sign-in for directors and staff",
        help_text="Alliance admins, hub staff, consultants and state viewers always need it.",
    )
