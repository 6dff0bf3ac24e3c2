"""The alliance's substitute pool: substitutes and their credentials, and members' requests for
cover of a classroom on a day, accepted by a qualified substitute and billed to the member
through the hub's ledger."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from ccms.billing.models import LedgerEntry
from ccms.tenancy.models import Alliance, Classroom, Provider

MONEY = {"max_digits": 12, "decimal_places": 2}


class CredentialKind(models.TextChoices):
    """What Iowa asks of people counted in a classroom's ratio (441 IAC 109.7, 110.10), and the
    qualifications some rooms want on top."""

    RECORD_CHECK = "record_check", "Record check (criminal, child abuse, sex offender)"
    MANDATORY_REPORTER = "mandatory_reporter", "Mandatory reporter training (child abuse)"
    CPR = "cpr", "CPR (infant, child and adult)"
    FIRST_AID = "first_aid", "First aid"
    HEALTH_SAFETY = "health_safety", "Health and safety training (Essentials / preservice)"
    UNIVERSAL_PRECAUTIONS = "universal_precautions", "Universal precautions"
    SAFE_SLEEP = "safe_sleep", "Safe sleep (infant rooms)"
    CDA = "cda", "Child Development Associate (CDA)"
    TEACHER_LICENSE = "teacher_license", "Teacher license"


# Short names for badges and cards.
SHORT_LABELS = {
    CredentialKind.RECORD_CHECK: "Record check",
    CredentialKind.MANDATORY_REPORTER: "Mandatory reporter",
    CredentialKind.CPR: "CPR",
    CredentialKind.FIRST_AID: "First aid",
    CredentialKind.HEALTH_SAFETY: "Health and safety",
    CredentialKind.UNIVERSAL_PRECAUTIONS: "Universal precautions",
    CredentialKind.SAFE_SLEEP: "Safe sleep",
    CredentialKind.CDA: "CDA",
    CredentialKind.TEACHER_LICENSE: "Teacher license",
}

# What a request asks for unless the director changes it: what anyone in a ratio must hold.
BASELINE_KINDS = [
    CredentialKind.RECORD_CHECK,
    CredentialKind.MANDATORY_REPORTER,
    CredentialKind.CPR,
    CredentialKind.FIRST_AID,
]
# A credential that expires within this many days shows a warning in the pool.
EXPIRY_WARNING_DAYS = 30


class Substitute(models.Model):
    """A person in the alliance's pool. They sign in (Role.SUBSTITUTE) to accept requests."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="substitutes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="substitute_profiles"
    )
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField("e-mail address")
    hourly_rate = models.DecimalField(
        "hourly rate billed to members",
        **MONEY,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="What a member pays the hub for an hour of this substitute's cover.",
    )
    is_active = models.BooleanField(
        "active", default=True, help_text="Only active substitutes see and accept requests."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "user"], name="substitute_user_unique"),
            models.CheckConstraint(
                condition=models.Q(hourly_rate__gt=0), name="substitute_rate_positive"
            ),
        ]

    def __str__(self):
        return self.name


class Credential(models.Model):
    """A substitute's credential of one kind; renewing it updates the row (its history keeps
    the earlier dates)."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="+")
    substitute = models.ForeignKey(Substitute, on_delete=models.CASCADE, related_name="credentials")
    kind = models.CharField(max_length=30, choices=CredentialKind.choices)
    number = models.CharField("certificate or record number", max_length=80, blank=True)
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(
        null=True, blank=True, help_text="Leave empty for a credential that does not expire."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(fields=["substitute", "kind"], name="credential_kind_unique")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.substitute}"

    def clean(self):
        if self.issued_on and self.expires_on and self.expires_on < self.issued_on:
            raise ValidationError({"expires_on": "A credential cannot expire before it is issued."})
        if self.substitute_id and self.alliance_id != self.substitute.alliance_id:
            raise ValidationError("A credential belongs to its substitute's alliance.")

    @property
    def short_label(self) -> str:
        return SHORT_LABELS.get(self.kind, self.kind)

    def valid_on(self, day) -> bool:
        return (self.issued_on is None or self.issued_on <= day) and (
            self.expires_on is None or self.expires_on >= day
        )


class CoverStatus(models.TextChoices):
    OPEN = "open", "Open"
    FILLED = "filled", "Filled"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class CoverRequest(models.Model):
    """A member's request for a substitute in one classroom on one day, from and to local times
    in the provider's time zone. Substitutes see the provider, classroom, day, times and notes,
    never a child."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="cover_requests")
    classroom = models.ForeignKey(Classroom, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    start = models.TimeField("from")
    end = models.TimeField("to")
    required_kinds = models.JSONField(
        "required credentials", default=list, blank=True, help_text="CredentialKind values."
    )
    notes = models.CharField(
        max_length=500,
        blank=True,
        help_text="Substitutes read this: where to park, whom to ask for. No children's names.",
    )
    status = models.CharField(max_length=10, choices=CoverStatus.choices, default=CoverStatus.OPEN)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        Substitute, on_delete=models.PROTECT, null=True, blank=True, related_name="shifts"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    # The substitute's rate when they accepted: later changes to the pool do not reprice it.
    hourly_rate = models.DecimalField(**MONEY, null=True, blank=True)
    hours_worked = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal("24"))],
    )
    billed_entry = models.ForeignKey(
        LedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # How many times the hours were corrected after billing; names each new charge's key.
    corrections = models.PositiveSmallIntegerField(default=0)
    cancel_reason = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "start", "id"]
        indexes = [
            models.Index(fields=["provider", "date"]),
            models.Index(fields=["status", "date"]),
            models.Index(fields=["accepted_by", "date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="cover_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.classroom} at {self.provider}, {self.date:%a %b} {self.date.day}"

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.date, self.start, tzinfo=self.provider.tz)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.date, self.end, tzinfo=self.provider.tz)

    @property
    def scheduled_hours(self) -> Decimal:
        seconds = (self.ends_at - self.starts_at).total_seconds()
        return (Decimal(int(seconds)) / 3600).quantize(Decimal("0.01"))

    @property
    def required_labels(self) -> list[str]:
        return [SHORT_LABELS.get(kind, kind) for kind in self.required_kinds]

    def overlaps(self, other: CoverRequest) -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at

    def clean(self):
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValidationError({"end": "The cover must end after it starts (same day)."})
        if (
            self.classroom_id
            and self.provider_id
            and self.classroom.provider_id != self.provider_id
        ):
            raise ValidationError({"classroom": "Choose one of this provider's classrooms."})
        unknown = set(self.required_kinds or []) - set(CredentialKind.values)
        if unknown:
            raise ValidationError({"required_kinds": f"Unknown credential: {', '.join(unknown)}."})
