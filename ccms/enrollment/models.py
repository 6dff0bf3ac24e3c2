"""From first inquiry to a child enrolled in a classroom, and the seats left over."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords

from ccms.families.models import Child, Family
from ccms.tenancy.models import Classroom, Provider

WEEKDAYS = "MTWRF"  # Monday to Friday, one letter each (R = Thursday)
days_validator = RegexValidator(r"^M?T?W?R?F?$", "Days are letters from MTWRF, in that order.")


class Stage(models.TextChoices):
    INQUIRY = "inquiry", "Inquiry"
    TOUR = "tour", "Tour"
    APPLICATION = "application", "Application"
    WAITLIST = "waitlist", "Waitlist"
    OFFER = "offer", "Offer"
    ENROLLED = "enrolled", "Enrolled"
    WITHDRAWN = "withdrawn", "Withdrawn"
    CLOSED = "closed", "Closed"


# Where an inquiry may go from each stage. "closed" ends a lead that did not become a child
# in care; "withdrawn" ends care.
STAGE_MOVES: dict[str, set[str]] = {
    Stage.INQUIRY: {Stage.TOUR, Stage.APPLICATION, Stage.WAITLIST, Stage.CLOSED},
    Stage.TOUR: {Stage.APPLICATION, Stage.WAITLIST, Stage.CLOSED},
    Stage.APPLICATION: {Stage.WAITLIST, Stage.OFFER, Stage.CLOSED},
    Stage.WAITLIST: {Stage.OFFER, Stage.CLOSED},
    Stage.OFFER: {Stage.ENROLLED, Stage.WAITLIST, Stage.CLOSED},
    Stage.ENROLLED: {Stage.WITHDRAWN},
    Stage.WITHDRAWN: set(),
    Stage.CLOSED: {Stage.INQUIRY},
}


class InquirySource(models.TextChoices):
    WEB = "web", "Online form"
    PHONE = "phone", "Phone"
    WALK_IN = "walk_in", "Walk-in"
    REFERRAL = "referral", "Referral"
    IMPORT = "import", "Imported"


class Inquiry(models.Model):
    """One child's way from first contact to care: the enrollment pipeline."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="inquiries")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="inquiries")
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.INQUIRY)
    source = models.CharField(max_length=10, choices=InquirySource.choices, default="phone")
    desired_classroom = models.ForeignKey(
        Classroom, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    desired_start = models.DateField(null=True, blank=True)
    desired_days = models.CharField(
        max_length=5, default=WEEKDAYS, blank=True, validators=[days_validator]
    )
    staff_child = models.BooleanField("child of a staff member", default=False)
    cca_family = models.BooleanField("CCA family", default=False)
    applied_on = models.DateField(null=True, blank=True)
    tour_at = models.DateTimeField(null=True, blank=True)
    offer_expires_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    stage_changed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "inquiries"
        indexes = [models.Index(fields=["provider", "stage"])]

    def __str__(self):
        return f"{self.child} ({self.get_stage_display()})"


class StageChange(models.Model):
    """Who moved an inquiry from one stage to the next, and when."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=12, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=12, choices=Stage.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["provider", "inquiry"])]


class TuitionFrequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Enrollment(models.Model):
    """A child's place in a classroom from start_date to end_date (inclusive; open if empty)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="enrollments")
    classroom = models.ForeignKey(Classroom, on_delete=models.PROTECT, related_name="enrollments")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ACTIVE
    )
    days = models.CharField(max_length=5, default=WEEKDAYS, validators=[days_validator])
    daily_start = models.TimeField(null=True, blank=True)
    daily_end = models.TimeField(null=True, blank=True)
    fte = models.DecimalField(
        "FTE",
        max_digits=3,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("1.00"))],
    )
    tuition_amount = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    tuition_frequency = models.CharField(
        max_length=10, choices=TuitionFrequency.choices, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["start_date", "id"]
        indexes = [
            models.Index(fields=["provider", "classroom", "start_date"]),
            models.Index(fields=["provider", "child"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="enrollment_dates_ordered",
            ),
            models.UniqueConstraint(
                fields=["provider", "child", "classroom", "start_date"],
                name="enrollment_unique_start",
            ),
        ]

    def __str__(self):
        return f"{self.child} in {self.classroom} from {self.start_date}"

    def clean(self):
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The end date must not be before the start."})
        for name in ("child", "classroom"):
            related = getattr(self, name, None)
            if related is not None and related.provider_id != self.provider_id:
                raise ValidationError({name: f"Choose a {name} of this provider."})


class VacancyConfirmation(models.Model):
    """A director confirmed the vacancy figures (the state counts a provider as reporting when
    this happened in the last 60 days)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    confirmed_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    figures = models.JSONField(default=dict, help_text="Vacancies per classroom as confirmed.")

    class Meta:
        ordering = ["-confirmed_at"]
        indexes = [models.Index(fields=["provider", "-confirmed_at"])]


class PacketInvitation(models.Model):
    """A link sent to a guardian to complete and sign the enrollment packet."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    token = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["provider", "inquiry"])]


class PacketSignature(models.Model):
    """An electronic signature: the typed name, the time, the IP and the exact text signed."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    invitation = models.OneToOneField(
        PacketInvitation, on_delete=models.PROTECT, related_name="signature"
    )
    typed_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField()
    user_agent = models.CharField(max_length=300, blank=True)
    document_version = models.CharField(
        max_length=64, help_text="SHA-256 of the document text as shown when signing."
    )
    document_text = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["provider"])]
