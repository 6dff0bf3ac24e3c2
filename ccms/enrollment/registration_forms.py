"""Forms of the public inquiry page and of the enrollment packet a guardian signs."""

from datetime import date, timedelta

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError

from ccms.enrollment.forms import DateInput, DaysField
from ccms.enrollment.models import Stage
from ccms.enrollment.packet import PacketEntries, name_matches_guardian
from ccms.tenancy.models import Classroom

# A family may ask before the baby is born (infant rooms fill early) and up to school age 13.
LATEST_DUE_DATE = timedelta(days=300)
OLDEST_CHILD_YEARS = 13


class PhoneField(forms.CharField):
    """A phone number as people type it; kept in the national format, e.g. (515) 555-0142."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            number = phonenumbers.parse(value, "US")
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_possible_number(number):
            raise ValidationError("Enter a phone number with area code, e.g. 515-555-0142.")
        style = (
            phonenumbers.PhoneNumberFormat.NATIONAL
            if number.country_code == 1
            else phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
        return phonenumbers.format_number(number, style)


YES_NO = [("yes", "Yes"), ("no", "No")]


class PublicInquiryForm(forms.Form):
    """What a family tells a provider when asking about care or applying for a place."""

    intent = forms.ChoiceField(
        label="What would you like to do?",
        choices=[
            (Stage.INQUIRY, "Ask about care or a tour"),
            (Stage.APPLICATION, "Apply now for a place"),
        ],
        initial=Stage.INQUIRY,
        widget=forms.RadioSelect,
    )
    guardian_first_name = forms.CharField(
        max_length=100,
        label="Your first name",
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    guardian_last_name = forms.CharField(
        max_length=100,
        label="Your last name",
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.EmailField(
        label="E-mail",
        help_text="The enrollment packet comes by e-mail.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = PhoneField(required=False)
    child_first_name = forms.CharField(max_length=100, label="Child's first name")
    child_last_name = forms.CharField(max_length=100, label="Child's last name")
    birth_date = forms.DateField(
        widget=DateInput,
        label="Child's birth date",
        help_text="For a baby not born yet, give the due date.",
    )
    desired_start = forms.DateField(widget=DateInput, required=False, label="Start date wanted")
    desired_days = DaysField(label="Days wanted")
    desired_classroom = forms.ModelChoiceField(
        Classroom.objects.none(),
        required=False,
        label="Classroom wanted",
        empty_label="No preference",
    )
    cca_family = forms.TypedChoiceField(
        label="Do you use Iowa Child Care Assistance (CCA), or plan to apply?",
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    message = forms.CharField(
        required=False,
        max_length=2000,
        label="Message",
        help_text="Anything the director should know, e.g. hours or siblings in care.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # A field people never see (hidden by the stylesheet) but form-filling robots do.
    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, provider, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["desired_classroom"].queryset = Classroom.objects.filter(provider=provider)
        self.fields["desired_classroom"].label_from_instance = lambda room: (
            f"{room.name} ({room.ages_served})"
        )

    @property
    def spam(self) -> bool:
        return bool(self.data.get(self.add_prefix("website"), "").strip())

    def clean_birth_date(self):
        born = self.cleaned_data["birth_date"]
        if born > self.today + LATEST_DUE_DATE:
            raise ValidationError("That is too far ahead; give the birth date or the due date.")
        if born <= self.today - timedelta(days=round(OLDEST_CHILD_YEARS * 365.25)):
            raise ValidationError(f"Child care is for children under {OLDEST_CHILD_YEARS}.")
        return born

    def clean_desired_start(self):
        start = self.cleaned_data["desired_start"]
        if start and start < self.today:
            raise ValidationError("The start date cannot be in the past.")
        return start

    def clean(self):
        if self.spam:
            raise ValidationError(
                "Your message was not sent: the form looked automated. Please try again, or "
                "call the provider."
            )
        return super().clean()

    def inquiry_arguments(self) -> dict:
        """The keyword arguments of record_inquiry, from the cleaned form."""
        data = self.cleaned_data
        return {
            "guardian_first_name": data["guardian_first_name"].strip(),
            "guardian_last_name": data["guardian_last_name"].strip(),
            "email": data["email"],
            "phone": data["phone"],
            "child_first_name": data["child_first_name"].strip(),
            "child_last_name": data["child_last_name"].strip(),
            "birth_date": data["birth_date"],
            "desired_start": data["desired_start"],
            "desired_days": data["desired_days"],
            "desired_classroom": data["desired_classroom"],
            "cca_family": data["cca_family"],
            "notes": data["message"].strip(),
            "stage": data["intent"],
        }


class InviteForm(forms.Form):
    email = forms.EmailField(label="Guardian's e-mail")


# --- the enrollment packet ----------------------------------------------------------------


class ChildFileForm(forms.Form):
    allergies = forms.CharField(
        required=False,
        max_length=300,
        help_text="Foods, medicines, insects… Leave empty if none.",
    )
    special_needs = forms.BooleanField(
        required=False, label="My child has special needs (for example an IFSP or IEP)"
    )
    health_care_source = forms.CharField(
        max_length=200,
        label="Regular health care source",
        help_text="The child's doctor or clinic, with its phone number.",
    )
    medical_notes = forms.CharField(
        required=False,
        label="Medical notes",
        help_text="Conditions, medicines, what staff should know. Kept encrypted; only the "
        "director reads them.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class GuardianContactForm(forms.Form):
    relationship = forms.CharField(
        required=False,
        max_length=60,
        label="Your relationship to the child",
        help_text="E.g. mother.",
    )
    address = forms.CharField(
        max_length=300,
        label="Home address",
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    phone = PhoneField(label="Your phone")
    work_phone = forms.CharField(
        required=False,
        max_length=60,
        label="Work contact",
        help_text="Employer and work phone, if you work.",
    )


class PickupForm(forms.Form):
    name = forms.CharField(required=False, max_length=200)
    relationship = forms.CharField(required=False, max_length=60, help_text="E.g. grandmother.")
    phone = PhoneField(required=False)

    def clean(self):
        data = super().clean()
        filled = [name for name in ("name", "relationship", "phone") if data.get(name)]
        if filled and len(filled) < 3 and not self.errors:
            for name in ("name", "relationship", "phone"):
                if not data.get(name):
                    self.add_error(name, "Fill this in, or clear the whole row.")
        return data


class BasePickupFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not self.rows():
            raise ValidationError("List at least one person who may pick your child up.")

    def rows(self) -> list[dict]:
        return [
            {key: form.cleaned_data[key] for key in ("name", "relationship", "phone")}
            for form in self.forms
            if form.cleaned_data.get("name")
        ]


PickupFormSet = forms.formset_factory(
    PickupForm, formset=BasePickupFormSet, extra=3, max_num=3, validate_max=True
)


class EmergencyContactForm(forms.Form):
    name = forms.CharField(max_length=200)
    relationship = forms.CharField(max_length=60, help_text="E.g. neighbour, aunt.")
    phone = PhoneField()


class ConsentForm(forms.Form):
    medical_consent = forms.BooleanField(
        label="I give the medical consent",
        error_messages={"required": "The medical consent is required for care."},
    )
    photo_consent = forms.BooleanField(required=False, label="I give the photo consent (optional)")


class SignatureForm(forms.Form):
    typed_name = forms.CharField(
        max_length=200,
        label="Type your full name",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    agree = forms.BooleanField(
        label="I agree, and sign this packet electronically",
        error_messages={"required": "Check “I agree” to sign."},
    )

    def __init__(self, *args, guardians, **kwargs):
        super().__init__(*args, **kwargs)
        self.guardians = guardians

    def clean_typed_name(self):
        name = " ".join(self.cleaned_data["typed_name"].split())
        if not name_matches_guardian(name, self.guardians):
            raise ValidationError(
                "This name does not match a guardian on file. Type your own full name, as a "
                "guardian of this child."
            )
        return name


class PacketForm:
    """The packet's sections, each a form with its own prefix, validated together."""

    def __init__(self, data=None, *, child, guardian, guardians, pickups, contact):
        self.child_file = ChildFileForm(
            data,
            prefix="child",
            initial={
                "allergies": child.allergies,
                "special_needs": child.special_needs,
                "health_care_source": child.health_care_source,
                "medical_notes": child.medical_notes or "",
            },
        )
        self.guardian = GuardianContactForm(
            data,
            prefix="guardian",
            initial={
                "relationship": getattr(guardian, "relationship", ""),
                "address": getattr(guardian, "address", ""),
                "phone": getattr(guardian, "phone", ""),
                "work_phone": getattr(guardian, "work_phone", ""),
            },
        )
        self.pickups = PickupFormSet(
            data,
            prefix="pickup",
            initial=[
                {"name": p.name, "relationship": p.relationship, "phone": p.phone}
                for p in pickups[:3]
            ],
        )
        self.emergency = EmergencyContactForm(
            data,
            prefix="emergency",
            initial=(
                {"name": contact.name, "relationship": contact.relationship, "phone": contact.phone}
                if contact
                else None
            ),
        )
        self.consents = ConsentForm(data, prefix="consent")
        self.signature = SignatureForm(data, prefix="sign", guardians=guardians)

    @property
    def sections(self):
        return [
            self.child_file,
            self.guardian,
            self.pickups,
            self.emergency,
            self.consents,
            self.signature,
        ]

    def is_valid(self) -> bool:
        return all([section.is_valid() for section in self.sections])

    @property
    def error_count(self) -> int:
        count = 0
        for section in self.sections:
            if isinstance(section, forms.BaseFormSet):
                count += sum(len(f.errors) for f in section.forms)
                count += len(section.non_form_errors())
            else:
                count += len(section.errors)
        return count

    def entries(self) -> PacketEntries:
        child = self.child_file.cleaned_data
        guardian = self.guardian.cleaned_data
        emergency = self.emergency.cleaned_data
        return PacketEntries(
            allergies=child["allergies"].strip(),
            special_needs=child["special_needs"],
            health_care_source=child["health_care_source"].strip(),
            medical_notes=child["medical_notes"].strip(),
            guardian_relationship=guardian["relationship"].strip(),
            guardian_address=guardian["address"].strip(),
            guardian_phone=guardian["phone"],
            guardian_work_phone=guardian["work_phone"].strip(),
            pickups=self.pickups.rows(),
            emergency_name=emergency["name"].strip(),
            emergency_phone=emergency["phone"],
            emergency_relationship=emergency["relationship"].strip(),
            medical_consent=self.consents.cleaned_data["medical_consent"],
            photo_consent=self.consents.cleaned_data["photo_consent"],
        )

    def add_service_error(self, error: ValidationError) -> None:
        """Put an error from complete_packet next to the field it names."""
        targets = {
            "typed_name": self.signature,
            "medical_consent": self.consents,
        }
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                form = targets.get(name, self.signature)
                form.add_error(name if name in form.fields else None, messages)
        else:
            self.signature.add_error(None, error.messages)
