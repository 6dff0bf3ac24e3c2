from __future__ import annotations

from django import forms
from django.utils import timezone

from ccms.communications.models import AUDIENCE_ROLES, Stakeholder
from ccms.communications.queries import Owner, audiences_of, stakeholders_of
from ccms.communications.services import MAX_REPLY_LENGTH, PROVIDER_AUDIENCES
from ccms.tenancy.models import CHILD_CARE_KINDS, Provider

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class MessageForm(forms.Form):
    subject = forms.CharField(max_length=200)
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 8}))
    audience = forms.ChoiceField(label="To", required=False)
    in_app = forms.BooleanField(
        label="In-app notice", required=False, help_text="In the recipients' CCMS inbox."
    )
    by_email = forms.BooleanField(label="E-mail", required=False)
    on_news = forms.BooleanField(
        label="Public news page",
        required=False,
        help_text="Anyone can read it on the news page, without signing in.",
    )
    release_at = forms.DateTimeField(
        label="Release time",
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )

    def __init__(self, *args, owner: Owner, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner
        if owner.provider:
            choices = [
                (key, name.format(name=owner.provider.name))
                for key, (name, *_rest) in PROVIDER_AUDIENCES.items()
            ]
        else:
            self.audiences = {str(a.pk): a for a in audiences_of(owner)}
            choices = [(pk, a.name) for pk, a in self.audiences.items()]
        self.fields["audience"].choices = [("", "Nobody (news page only)"), *choices]
        self.fields["release_at"].help_text = (
            f"When it goes out, {owner.tz.key.replace('_', ' ')} time. A time already past "
            "releases it as soon as it is approved."
        )

    def clean_release_at(self):
        # The browser sends a wall-clock time; it means the sender's time zone.
        value = self.cleaned_data["release_at"]
        naive = timezone.make_naive(value) if timezone.is_aware(value) else value
        return timezone.make_aware(naive, self.owner.tz)

    def audience_value(self):
        key = self.cleaned_data.get("audience") or ""
        if not key:
            return None
        return key if self.owner.provider else self.audiences[key]

    def service_data(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in ("subject", "body", "in_app", "by_email", "on_news", "release_at")
        }

    @staticmethod
    def initial_for(message, owner: Owner) -> dict:
        audience = ""
        if message.audience_id:
            audience = str(message.audience_id)
            if owner.provider:
                audience = "families" if message.audience.families else "staff"
        return {
            "subject": message.subject,
            "body": message.body,
            "audience": audience,
            "in_app": message.in_app,
            "by_email": message.by_email,
            "on_news": message.on_news,
            "release_at": timezone.localtime(message.release_at, owner.tz).replace(tzinfo=None),
        }


class StakeholderForm(forms.ModelForm):
    class Meta:
        model = Stakeholder
        fields = ["name", "kind", "email", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class AudienceForm(forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(max_length=300, required=False)
    roles = forms.MultipleChoiceField(
        label="People in these roles",
        choices=AUDIENCE_ROLES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    provider_kinds = forms.MultipleChoiceField(
        label="At providers of these kinds",
        choices=CHILD_CARE_KINDS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every kind.",
    )
    providers = forms.ModelMultipleChoiceField(
        label="Only at these providers",
        queryset=Provider.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every member provider.",
    )
    families = forms.BooleanField(
        label="Families at those providers",
        required=False,
        help_text="Guardians who sign in get an in-app notice; the others an e-mail.",
    )
    stakeholders = forms.ModelMultipleChoiceField(
        label="Stakeholders",
        queryset=Stakeholder.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Reached by e-mail at their contact address.",
    )

    def __init__(self, *args, alliance, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["providers"].queryset = Provider.objects.filter(alliance=alliance)
        self.fields["stakeholders"].queryset = stakeholders_of(alliance)

    @staticmethod
    def initial_for(audience) -> dict:
        return {
            "name": audience.name,
            "description": audience.description,
            "roles": audience.roles,
            "provider_kinds": audience.provider_kinds,
            "providers": list(audience.providers.all()),
            "families": audience.families,
            "stakeholders": list(audience.stakeholders.all()),
        }


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Your reply",
        max_length=MAX_REPLY_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
