"""Child Care Assistance (CCA): the state's dated rate tables and family fee charts, each
provider's dated CCA settings and transport, children's authorizations, submitted billing periods
with their transmissions, and what the state paid."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from encrypted_fields.fields import EncryptedCharField
from simple_history.models import HistoricalRecords

from ccms.families.models import Child, Family, FeeLevel
from ccms.subsidy.units import AGE_GROUP_LABELS
from ccms.tenancy.models import BillingPeriod, Provider, ProviderKind

MONEY = {"max_digits": 12, "decimal_places": 2}


class RateProviderType(models.TextChoices):
    CENTER = "center", "Licensed center"
    CDH_AB = "cdh_ab", "Child development home, category A or B"
    CDH_C = "cdh_c", "Child development home, category C"
    CHILD_CARE_HOME = "child_care_home", "Non-registered child care home"
    IN_HOME = "in_home", "In-home care"


# Which row of the rate table a provider's license kind reads. No license kind is in-home care
# yet; its rate is loaded so the table is complete.
RATE_TYPE_OF_KIND = {
    ProviderKind.CENTER: RateProviderType.CENTER,
    ProviderKind.CDH_A: RateProviderType.CDH_AB,
    ProviderKind.CDH_B: RateProviderType.CDH_AB,
    ProviderKind.CDH_C1: RateProviderType.CDH_C,
    ProviderKind.CDH_C: RateProviderType.CDH_C,
    ProviderKind.CHILD_CARE_HOME: RateProviderType.CHILD_CARE_HOME,
}


class QualityBand(models.TextChoices):
    """The IQ4K columns of the rate table."""

    NONE = "none", "No IQ4K level"
    LEVEL_1_2 = "1-2", "IQ4K level 1 or 2"
    LEVEL_3_4 = "3-4", "IQ4K level 3 or 4"
    LEVEL_5 = "5", "IQ4K level 5"


QUALITY_BAND_OF_LEVEL = {
    "none": QualityBand.NONE,
    "1": QualityBand.LEVEL_1_2,
    "2": QualityBand.LEVEL_1_2,
    "3": QualityBand.LEVEL_3_4,
    "4": QualityBand.LEVEL_3_4,
    "5": QualityBand.LEVEL_5,
}

AGE_GROUP_CHOICES = [(group.value, label) for group, label in AGE_GROUP_LABELS.items()]


class RateTable(models.Model):
    """The state's maximum rates per half-day unit from a date. A change of rates is a new
    table with a new date; a table in use is never edited."""

    effective_from = models.DateField(unique=True)
    source = models.CharField(max_length=200, help_text="Where the rates come from.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from"]

    def __str__(self):
        return f"CCA rates from {self.effective_from:%Y-%m-%d}"


class Rate(models.Model):
    table = models.ForeignKey(RateTable, on_delete=models.CASCADE, related_name="rates")
    provider_type = models.CharField(max_length=20, choices=RateProviderType.choices)
    age_group = models.CharField(max_length=20, choices=AGE_GROUP_CHOICES)
    special_needs = models.BooleanField(default=False)
    quality_band = models.CharField(max_length=4, choices=QualityBand.choices)
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["provider_type", "age_group", "special_needs", "quality_band"]
        constraints = [
            models.UniqueConstraint(
                fields=["table", "provider_type", "age_group", "special_needs", "quality_band"],
                name="cca_rate_unique",
            )
        ]


class FeeChart(models.Model):
    """The state's family fee chart (co-pay per half-day unit by fee level) from a date."""

    effective_from = models.DateField(unique=True)
    source = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from"]

    def __str__(self):
        return f"CCA family fee chart from {self.effective_from:%Y-%m-%d}"


class FamilyFee(models.Model):
    chart = models.ForeignKey(FeeChart, on_delete=models.CASCADE, related_name="fees")
    level = models.CharField(max_length=2, choices=FeeLevel.choices)
    one_child = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])
    two_children = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])
    three_or_more = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chart", "level"], name="cca_family_fee_unique")
        ]


class CcaSettings(models.Model):
    """A provider's CCA settings from a date. A change adds a row; a period uses the row in
    force on its first day, so a submitted period keeps the settings it was billed with."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    effective_from = models.DateField()
    max_units_per_day = models.PositiveSmallIntegerField(
        "maximum units per day",
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="Half-day units a child may earn in one day (the state's rule is 2).",
    )
    absence_allowance_per_month = models.PositiveSmallIntegerField(
        "absence days allowed per month",
        default=4,
        validators=[MaxValueValidator(31)],
        help_text="Absence days a month the state pays for (4; 6 from Nov 2021 to Sep 2023).",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = "CCA settings"
        verbose_name_plural = "CCA settings"
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "effective_from"], name="cca_settings_date_unique"
            )
        ]

    def __str__(self):
        return f"CCA settings from {self.effective_from:%Y-%m-%d}"


class TransportMethod(models.TextChoices):
    FILE = "file", "File download (uploaded to the KinderTrack portal by hand)"
    HTTP = "http", "HTTP transmission with client credentials"


class CcaTransport(models.Model):
    """How a provider's submitted periods reach KinderTrack. The secret is encrypted at rest and
    never shown again once saved."""

    provider = models.OneToOneField(Provider, on_delete=models.CASCADE, related_name="+")
    method = models.CharField(
        max_length=10, choices=TransportMethod.choices, default=TransportMethod.FILE
    )
    endpoint_url = models.URLField(
        "endpoint URL", max_length=300, blank=True, help_text="Where the feed is POSTed as JSON."
    )
    token_url = models.URLField(
        "token URL",
        max_length=300,
        blank=True,
        help_text="For OAuth 2.0 client credentials; leave empty to send the client ID and "
        "secret with each request (HTTP Basic).",
    )
    client_id = models.CharField("client ID", max_length=200, blank=True)
    client_secret = EncryptedCharField(max_length=500, blank=True, null=True)
    history = HistoricalRecords()
    audit_redacted_fields = {"client_secret"}

    class Meta:
        verbose_name = "CCA transport"

    def __str__(self):
        return self.get_method_display()


class Authorization(models.Model):
    """A child's CCA authorization: the dates, the units a billing period the state pays, and
    what decides the price of a unit."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="cca_authorizations")
    case_number = EncryptedCharField(
        "case number", max_length=40, blank=True, null=True, help_text="The family's CCA case."
    )
    start_date = models.DateField("first day")
    end_date = models.DateField("last day")
    units_per_period = models.PositiveSmallIntegerField(
        "units per billing period",
        validators=[MinValueValidator(1), MaxValueValidator(200)],
        help_text="Half-day units authorized per billing period.",
    )
    special_needs = models.BooleanField(
        "special needs rate", default=False, help_text="The state pays the special-needs rate."
    )
    age_group_override = models.CharField(
        "age group",
        max_length=20,
        choices=AGE_GROUP_CHOICES,
        blank=True,
        help_text="Leave empty to use the child's age on each period's first day.",
    )
    private_rate = models.DecimalField(
        "private-pay rate per unit",
        **MONEY,
        validators=[MinValueValidator(0)],
        help_text="What the provider charges private-pay families for a half-day unit.",
    )
    fee_level_override = models.CharField(
        "family fee level",
        max_length=2,
        choices=FeeLevel.choices,
        blank=True,
        help_text="Leave empty to use the family's fee level.",
    )
    difference_agreement_signed_on = models.DateField(
        "difference agreement signed on",
        null=True,
        blank=True,
        help_text="The day the family agreed in writing to pay the difference to the private rate.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()
    audit_redacted_fields = {"case_number"}

    class Meta:
        ordering = ["child__last_name", "child__first_name", "-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "child", "start_date"], name="cca_authorization_start_unique"
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="cca_authorization_dates_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["provider", "end_date"]),
            models.Index(fields=["provider", "child"]),
        ]

    def __str__(self):
        return f"CCA authorization of {self.child} from {self.start_date:%Y-%m-%d}"

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The last day must not be before the first day."})
        if self.child_id and self.provider_id and self.child.provider_id != self.provider_id:
            raise ValidationError({"child": "Choose a child of this provider."})

    @property
    def fee_level(self) -> str:
        return self.fee_level_override or self.child.family.cca_fee_level


class SubmissionStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    RECALLED = "recalled", "Recalled"


class TransmissionStatus(models.TextChoices):
    READY = "ready", "Ready to download and upload to KinderTrack"
    UPLOADED = "uploaded", "Uploaded to the KinderTrack portal"
    PENDING = "pending", "Waiting to be sent"
    ACKNOWLEDGED = "acknowledged", "Acknowledged by KinderTrack"
    REJECTED = "rejected", "Rejected by KinderTrack"
    FAILED = "failed", "Not delivered"


class Submission(models.Model):
    """A billing period as submitted: the feed as sent, its totals and its transmission. A
    correction recalls it (with a reason) and submits the period again with the next number."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    period_kind = models.CharField(max_length=10, choices=BillingPeriod.choices)
    number = models.PositiveSmallIntegerField(help_text="1 for the first submission, then 2, …")
    status = models.CharField(
        max_length=10, choices=SubmissionStatus.choices, default=SubmissionStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recalled_at = models.DateTimeField(null=True, blank=True)
    recalled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recall_reason = models.TextField(blank=True)
    feed = models.JSONField(help_text="The feed exactly as submitted.")
    units_billable = models.PositiveIntegerField(default=0)
    state_amount = models.DecimalField(**MONEY, default=0)
    family_fee = models.DecimalField(**MONEY, default=0)
    family_difference = models.DecimalField(**MONEY, default=0)
    transport = models.CharField(max_length=10, choices=TransportMethod.choices)
    transmission_status = models.CharField(max_length=12, choices=TransmissionStatus.choices)
    acknowledgement = models.CharField(
        max_length=200, blank=True, help_text="KinderTrack's reference for the submission."
    )
    last_error = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-period_start", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "period_start", "number"], name="cca_submission_number_unique"
            ),
            models.UniqueConstraint(
                fields=["provider", "period_start"],
                condition=Q(status="submitted"),
                name="cca_one_live_submission_per_period",
            ),
        ]
        indexes = [models.Index(fields=["provider", "status", "period_start"])]

    def __str__(self):
        return f"CCA submission {self.number} for {self.period_start:%Y-%m-%d}"

    @property
    def is_live(self) -> bool:
        return self.status == SubmissionStatus.SUBMITTED


class SubmissionLine(models.Model):
    """One child's units and amounts in a submission: what was billed, and the ledger entries
    that billed it."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="lines")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="+")
    authorization = models.ForeignKey(
        Authorization, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kindertrack_child_id = models.CharField(max_length=6, blank=True)
    units_attended = models.PositiveIntegerField()
    units_authorized = models.PositiveIntegerField()
    units_billable = models.PositiveIntegerField()
    private_rate = models.DecimalField(**MONEY)
    table_rate = models.DecimalField(**MONEY)
    state_rate = models.DecimalField(**MONEY)
    fee_per_unit = models.DecimalField(**MONEY, default=0)
    family_fee = models.DecimalField(**MONEY)
    state_amount = models.DecimalField(**MONEY)
    family_difference = models.DecimalField(**MONEY)
    # Ledger entries (ccms.billing) that billed this line, so a recall can reverse them.
    state_entry_id = models.BigIntegerField(null=True, blank=True)
    family_fee_entry_id = models.BigIntegerField(null=True, blank=True)
    difference_entry_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["child__last_name", "child__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "child"], name="cca_line_child_unique")
        ]
        indexes = [models.Index(fields=["provider", "child"])]


class Transmission(models.Model):
    """One attempt to deliver a submission, and what came back."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="transmissions"
    )
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    method = models.CharField(max_length=10, choices=TransportMethod.choices)
    outcome = models.CharField(max_length=12, choices=TransmissionStatus.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    reference = models.CharField(max_length=200, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["provider", "submission"])]


class PaymentSource(models.TextChoices):
    FORM = "form", "Entered"
    IMPORT = "import", "Imported from a file"
    API = "api", "Sent through the API"


class StatePayment(models.Model):
    """What the state paid for one child for one billing period (one remittance line)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    period_start = models.DateField()
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])
    paid_on = models.DateField()
    reference = models.CharField(
        max_length=100, blank=True, help_text="The state's payment or remittance number."
    )
    source = models.CharField(max_length=10, choices=PaymentSource.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now_add=True)
    ledger_entry_id = models.BigIntegerField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["period_start", "paid_on", "id"]
        indexes = [models.Index(fields=["provider", "period_start"])]

    def __str__(self):
        return f"State payment of {self.amount} for {self.child} ({self.period_start:%Y-%m-%d})"
