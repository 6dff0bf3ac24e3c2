"""Families, their guardians and their children, and each child's file. Every row carries its
provider. Custody and medical notes are encrypted at rest and shown to directors only."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from encrypted_fields.fields import EncryptedTextField
from simple_history.models import HistoricalRecords

from ccms.tenancy.models import Classroom, Provider, new_key

key_validator = RegexValidator(r"^[A-Za-z0-9_.-]+$", "Use letters, digits, dot, dash, underscore.")


class FeeLevel(models.TextChoices):
    """Iowa CCA family fee levels, A (no fee) to AA."""

    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"
    E = "E", "E"
    F = "F", "F"
    G = "G", "G"
    H = "H", "H"
    I = "I", "I"  # noqa: E741
    J = "J", "J"
    K = "K", "K"
    L = "L", "L"
    M = "M", "M"
    N = "N", "N"
    O = "O", "O"  # noqa: E741
    P = "P", "P"
    Q = "Q", "Q"
    R = "R", "R"
    S = "S", "S"
    T = "T", "T"
    U = "U", "U"
    V = "V", "V"
    W = "W", "W"
    X = "X", "X"
    Y = "Y", "Y"
    Z = "Z", "Z"
    AA = "AA", "AA"


class ProviderOwned(models.Model):
    """A row of one provider's data, named in bundles by `key` (unique per provider)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64, default=new_key, validators=[key_validator])

    class Meta:
        abstract = True


class Family(ProviderOwned):
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    address = models.CharField(max_length=300, blank=True)
    family_size = models.PositiveSmallIntegerField(null=True, blank=True)
    monthly_income = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    cca_fee_level = models.CharField(
        "CCA fee level", max_length=2, choices=FeeLevel.choices, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "families"
        constraints = [
            models.UniqueConstraint(fields=["provider", "key"], name="family_key_unique")
        ]
        indexes = [models.Index(fields=["provider", "name"])]

    def __str__(self):
        return self.name


class Guardian(ProviderOwned):
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="guardians")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="guardianships",
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    relationship = models.CharField(max_length=60, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    work_phone = models.CharField("work contact", max_length=60, blank=True)
    address = models.CharField(max_length=300, blank=True)
    is_payer = models.BooleanField(default=True)
    can_pick_up = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "key"], name="guardian_key_unique")
        ]
        indexes = [models.Index(fields=["provider", "user"])]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    def clean(self):
        if self.family_id and self.family.provider_id != self.provider_id:
            raise ValidationError({"family": "Choose a family of this provider."})


class Child(ProviderOwned):
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="children")
    classroom = models.ForeignKey(
        Classroom,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        help_text="The classroom of the child's current enrollment; kept by enrollment services.",
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    birth_date = models.DateField()
    special_needs = models.BooleanField(default=False)
    allergies = models.CharField(max_length=300, blank=True)
    kindertrack_child_id = models.CharField(
        "KinderTrack child ID",
        max_length=6,
        blank=True,
        validators=[RegexValidator(r"^\d{6}$", "A KinderTrack child ID is 6 digits.")],
    )
    health_care_source = models.CharField("regular health care source", max_length=200, blank=True)
    medical_notes = EncryptedTextField(blank=True, null=True)
    custody_notes = EncryptedTextField(
        blank=True, null=True, help_text="Court orders and custody arrangements. Directors only."
    )
    file_reviewed_on = models.DateField("child file last reviewed", null=True, blank=True)
    history = HistoricalRecords()
    audit_redacted_fields = {"medical_notes", "custody_notes"}

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name_plural = "children"
        constraints = [models.UniqueConstraint(fields=["provider", "key"], name="child_key_unique")]
        indexes = [models.Index(fields=["provider", "classroom"])]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    def clean(self):
        for name in ("family", "classroom"):
            related = getattr(self, name, None)
            if related is not None and related.provider_id != self.provider_id:
                raise ValidationError({name: f"Choose a {name} of this provider."})


class EmergencyContact(models.Model):
    """Another adult to call in an emergency when no guardian answers."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="emergency_contacts")
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=60, blank=True)
    phone = models.CharField(max_length=30)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["provider", "family"])]

    def __str__(self):
        return self.name


class AuthorizedPickup(models.Model):
    """A person a guardian has authorized in writing to pick up the child."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="authorized_pickups")
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=60)
    phone = models.CharField(max_length=30)
    signed_on = models.DateField(
        null=True, blank=True, help_text="Date a guardian signed the list with this person on it."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["provider", "child"])]

    def __str__(self):
        return self.name


class DocumentKind(models.TextChoices):
    IMMUNIZATION = "immunization", "Immunization certificate"
    PHYSICAL_EXAM = "physical_exam", "Admission physical exam"
    HEALTH_STATEMENT = "health_statement", "Yearly health statement"
    MEDICAL_CONSENT = "medical_consent", "Signed medical consent"
    ALLERGY_PLAN = "allergy_plan", "Allergy emergency plan"
    PICKUP_LIST = "pickup_list", "Signed authorized pick-up list"
    OTHER = "other", "Other"


def document_path(instance, filename):
    return f"providers/{instance.provider_id}/children/{instance.child_id}/{filename}"


class ChildDocument(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    file = models.FileField(upload_to=document_path, blank=True)
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    reviewed_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "-issued_on"]
        indexes = [models.Index(fields=["provider", "child", "kind"])]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.child}"
