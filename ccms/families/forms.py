from django import forms
from django.core.validators import FileExtensionValidator

from ccms.core.access import ProviderAccess
from ccms.families import services
from ccms.families.models import (
    AuthorizedPickup,
    Child,
    ChildDocument,
    DocumentKind,
    EmergencyContact,
    Family,
    Guardian,
)
from ccms.tenancy.forms import ReasonField
from ccms.tenancy.models import Classroom

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DOCUMENT_EXTENSIONS = ["pdf", "jpg", "jpeg", "png", "heic", "webp", "tif", "tiff"]
MAX_DOCUMENT_MB = 15


class FamilyForm(forms.ModelForm):
    class Meta:
        model = Family
        fields = services.FAMILY_WRITABLE
        help_texts = {
            "name": "How the family is known here, e.g. “Garcia family”.",
            "monthly_income": "Gross monthly income, for Child Care Assistance eligibility.",
        }

    def __init__(self, *args, access: ProviderAccess, with_reason: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.provider = access.provider
        if not access.can("money.view"):
            for name in services.FAMILY_CCA_FIELDS:
                del self.fields[name]
        if with_reason:
            self.fields["reason"] = ReasonField()


class GuardianForm(forms.ModelForm):
    class Meta:
        model = Guardian
        fields = services.GUARDIAN_FIELDS
        labels = {"is_payer": "Pays for care", "can_pick_up": "May pick up the children"}
        help_texts = {"work_phone": "Employer and work phone, as the child file asks."}

    def __init__(self, *args, family: Family, with_reason: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.provider_id = family.provider_id
        self.instance.family = family
        if with_reason:
            self.fields["reason"] = ReasonField()


class GuardianContactForm(forms.ModelForm):
    """What guardians may change on their own record."""

    class Meta:
        model = Guardian
        fields = services.GUARDIAN_CONTACT_FIELDS
        help_texts = GuardianForm.Meta.help_texts

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"] = ReasonField(initial="Updated my contact details")


class EmergencyContactForm(forms.ModelForm):
    class Meta:
        model = EmergencyContact
        fields = services.EMERGENCY_CONTACT_FIELDS
        help_texts = {"name": "An adult other than the guardians, to call when none answers."}

    def __init__(self, *args, family: Family, with_reason: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.provider_id = family.provider_id
        self.instance.family = family
        if with_reason:
            self.fields["reason"] = ReasonField()


class ChildForm(forms.ModelForm):
    """Child details. The family is chosen from this provider's families only; medical and
    custody notes are fields only for the roles that may read them."""

    class Meta:
        model = Child
        fields = [
            "family",
            *services.CHILD_FIELDS,
            *services.CHILD_MEDICAL_FIELDS,
            *services.CHILD_CUSTODY_FIELDS,
        ]
        widgets = {"birth_date": DATE, "file_reviewed_on": DATE}
        labels = {"special_needs": "Has special needs"}
        help_texts = {
            "allergies": "Leave empty if none. An allergy needs an emergency plan in the file.",
            "kindertrack_child_id": "6 digits, for children with Child Care Assistance.",
            "health_care_source": "The child's doctor or clinic.",
            "medical_notes": "Shown to directors and the staff of the child's classroom.",
        }

    def __init__(self, *args, access: ProviderAccess, with_reason: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.provider = access.provider
        self.fields["family"].queryset = Family.objects.filter(provider=access.provider)
        self.fields["family"].empty_label = None
        if not access.can("medical.view"):
            del self.fields["medical_notes"]
        if not access.can("custody.view"):
            del self.fields["custody_notes"]
        for name in ("medical_notes", "custody_notes"):
            if name in self.fields:
                self.fields[name].widget.attrs["rows"] = 3
        if with_reason:
            self.fields["reason"] = ReasonField()


class AuthorizedPickupForm(forms.ModelForm):
    class Meta:
        model = AuthorizedPickup
        fields = services.PICKUP_FIELDS
        widgets = {"signed_on": DATE}
        labels = {"signed_on": "Signed by a guardian on"}

    def __init__(self, *args, with_reason: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if with_reason:
            self.fields["reason"] = ReasonField()


class DocumentForm(forms.ModelForm):
    """A scanned paper of the child file, with the dates that decide whether it is current."""

    file = forms.FileField(
        validators=[FileExtensionValidator(DOCUMENT_EXTENSIONS)],
        help_text=f"A PDF or photo ({', '.join(DOCUMENT_EXTENSIONS[:5])}), at most "
        f"{MAX_DOCUMENT_MB} MB.",
    )

    class Meta:
        model = ChildDocument
        fields = services.DOCUMENT_FIELDS
        widgets = {"issued_on": DATE, "expires_on": DATE, "reviewed_on": DATE}
        labels = {"issued_on": "Issued or signed on", "reviewed_on": "Reviewed by us on"}
        help_texts = {
            "expires_on": "Leave empty if it does not expire. A yearly health statement "
            "expires one year after it was issued unless you enter a date.",
        }

    def __init__(self, *args, with_file: bool, with_reason: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_file:
            del self.fields["file"]
        if with_reason:
            self.fields["reason"] = ReasonField()

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > MAX_DOCUMENT_MB * 1024 * 1024:
            raise forms.ValidationError(
                f"The file is {file.size / 1024 / 1024:.1f} MB; the limit is {MAX_DOCUMENT_MB} MB."
            )
        return file

    def clean(self):
        data = super().clean()
        issued, expires = data.get("issued_on"), data.get("expires_on")
        if issued and expires and expires < issued:
            self.add_error("expires_on", "The expiry date must not be before the issue date.")
        if data.get("kind") == DocumentKind.HEALTH_STATEMENT and not (issued or expires):
            self.add_error(
                "issued_on", "Enter the date the health statement was issued (it lasts a year)."
            )
        return data


class DeleteForm(forms.Form):
    reason = ReasonField()


class ChecklistFilterForm(forms.Form):
    classroom = forms.ModelChoiceField(
        queryset=Classroom.objects.none(), required=False, empty_label="All classrooms"
    )
    problems = forms.BooleanField(required=False, label="Only files with something to do")

    def __init__(self, *args, classrooms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["classroom"].queryset = classrooms
