import zoneinfo

from django import forms

from ccms.tenancy.models import Classroom, Provider, Site
from ccms.tenancy.services import CLASSROOM_FIELDS, PROVIDER_SETTINGS_FIELDS

US_TIMEZONES = sorted(tz for tz in zoneinfo.available_timezones() if tz.startswith("America/"))


class ReasonField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Reason for the change")
        kwargs.setdefault("help_text", "Kept in the audit trail with your name and the time.")
        kwargs.setdefault("max_length", 500)
        super().__init__(**kwargs)


class ProviderSettingsForm(forms.ModelForm):
    timezone = forms.ChoiceField(choices=[(tz, tz) for tz in US_TIMEZONES])
    reason = ReasonField()

    class Meta:
        model = Provider
        fields = PROVIDER_SETTINGS_FIELDS
        widgets = {"cca_period_anchor": forms.DateInput(attrs={"type": "date"})}


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
