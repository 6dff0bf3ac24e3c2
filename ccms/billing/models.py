"""Prices, payers and the ledger.

The ledger is append-only: a LedgerEntry is never updated or deleted (the model refuses it, and on
PostgreSQL a trigger refuses it too). A correction is a reversal that points at the entry it
reverses. A balance is the sum of `effect` over an account's entries."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from encrypted_fields.fields import EncryptedCharField
from simple_history.models import HistoricalRecords

from ccms.families.models import Child, Family, Guardian
from ccms.tenancy.models import Classroom, Provider

MONEY = {"max_digits": 12, "decimal_places": 2}
PERCENT = {
    "max_digits": 5,
    "decimal_places": 2,
    "validators": [MinValueValidator(0), MaxValueValidator(100)],
}
ein_validator = RegexValidator(r"^\d{2}-\d{7}$", "Write the EIN as 12-3456789.")
routing_validator = RegexValidator(r"^\d{9}$", "A routing number has 9 digits.")


class Frequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"


class PayerType(models.TextChoices):
    """The payer types of the Iron Triangle metrics."""

    FAMILY = "family", "Family"
    CCA = "cca", "Child Care Assistance"
    OTHER = "other", "Other"


class AccountKind(models.TextChoices):
    FAMILY = "family", "Family"
    GUARDIAN = "guardian", "Guardian (own share)"
    CCA = "cca", "Child Care Assistance (state)"
    EMPLOYER = "employer", "Employer"
    SCHOLARSHIP = "scholarship", "Scholarship"
    OTHER = "other", "Other third party"
    # A member provider's account at its alliance's hub (the hub's ledger only).
    MEMBER = "member", "Alliance member"


PAYER_TYPE_OF_KIND = {
    AccountKind.FAMILY: PayerType.FAMILY,
    AccountKind.GUARDIAN: PayerType.FAMILY,
    AccountKind.CCA: PayerType.CCA,
    AccountKind.EMPLOYER: PayerType.OTHER,
    AccountKind.SCHOLARSHIP: PayerType.OTHER,
    AccountKind.OTHER: PayerType.OTHER,
    AccountKind.MEMBER: PayerType.OTHER,
}


class BillingSettings(models.Model):
    """A provider's prices, policies and payment set-up (one row per provider)."""

    provider = models.OneToOneField(
        Provider, on_delete=models.CASCADE, related_name="billing_settings"
    )
    billing_frequency = models.CharField(
        max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    due_days = models.PositiveSmallIntegerField(
        "days to pay", default=10, help_text="A charge is due this many days after its date."
    )
    late_payment_fee = models.DecimalField(**MONEY, default=Decimal("0.00"))
    late_payment_grace_days = models.PositiveSmallIntegerField(default=5)
    late_pickup_fee_per_minute = models.DecimalField(**MONEY, default=Decimal("1.00"))
    late_pickup_grace_minutes = models.PositiveSmallIntegerField(default=5)
    nsf_fee = models.DecimalField("returned payment (NSF) fee", **MONEY, default=Decimal("30.00"))
    sibling_discount_percent = models.DecimalField(**PERCENT, default=Decimal("0"))
    staff_discount_percent = models.DecimalField(**PERCENT, default=Decimal("0"))
    reminder_days = models.CharField(
        max_length=60,
        default="7,14,30",
        validators=[RegexValidator(r"^\d+(,\d+)*$", "Write days overdue as 7,14,30.")],
        help_text="Days past due on which a reminder is e-mailed.",
    )
    legal_name = models.CharField(max_length=200, blank=True)
    ein = models.CharField("EIN", max_length=10, blank=True, validators=[ein_validator])
    remit_address = models.CharField("address", max_length=300, blank=True)
    # ACH origination (the provider's bank)
    ach_company_name = models.CharField("ACH company name", max_length=16, blank=True)
    ach_company_id = models.CharField(
        "ACH company ID",
        max_length=10,
        blank=True,
        validators=[RegexValidator(r"^[0-9A-Za-z ]{10}$", "The company ID has 10 characters.")],
    )
    ach_bank_name = models.CharField("bank name", max_length=23, blank=True)
    ach_odfi_routing = models.CharField(
        "bank routing number", max_length=9, blank=True, validators=[routing_validator]
    )
    ach_settlement_account = EncryptedCharField(
        "provider's deposit account number", max_length=17, blank=True, null=True
    )
    card_webhook_secret = EncryptedCharField(max_length=100, blank=True, null=True)
    gl_accounts = models.JSONField(
        "general-ledger accounts", default=dict, blank=True, help_text="Item -> account name."
    )
    history = HistoricalRecords()
    audit_redacted_fields = {"ach_settlement_account", "card_webhook_secret"}

    def __str__(self):
        return f"Billing settings of {self.provider}"

    @property
    def reminder_steps(self) -> list[int]:
        return sorted({int(d) for d in self.reminder_days.split(",") if d})


class TuitionPlan(models.Model):
    """A price for a classroom or an age range and a schedule. An enrollment's own tuition amount,
    when set, wins over the plans."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=120)
    classroom = models.ForeignKey(
        Classroom, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    min_age_months = models.PositiveSmallIntegerField(default=0)
    max_age_months = models.PositiveSmallIntegerField(default=216)
    days_per_week = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="Empty: any schedule.",
    )
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["min_age_months", "name"]
        indexes = [models.Index(fields=["provider", "is_active"])]

    def __str__(self):
        return self.name

    def clean(self):
        if self.max_age_months < self.min_age_months:
            raise ValidationError(
                {"max_age_months": "The oldest age must not be under the youngest."}
            )
        if self.classroom_id and self.classroom.provider_id != self.provider_id:
            raise ValidationError({"classroom": "Choose a classroom of this provider."})


class FeeKind(models.TextChoices):
    REGISTRATION = "registration", "Registration"
    SUPPLY = "supply", "Supply"
    DEPOSIT = "deposit", "Deposit"
    ACTIVITY = "activity", "Activity"
    OTHER = "other", "Other"


class FeeTiming(models.TextChoices):
    ENROLLMENT = "enrollment", "Once per child, on the first bill"
    ANNUAL = "annual", "Once per child each calendar year"
    MANUAL = "manual", "Only when charged by hand"


class Fee(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=15, choices=FeeKind.choices)
    name = models.CharField(max_length=120)
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    timing = models.CharField(max_length=12, choices=FeeTiming.choices, default=FeeTiming.MANUAL)
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self):
        return f"{self.name} ({self.amount})"


class PayerAccount(models.Model):
    """One payer's account at a provider: its balance, statements and payments are its own."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=AccountKind.choices)
    name = models.CharField(max_length=200)
    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, null=True, blank=True, related_name="payer_accounts"
    )
    guardian = models.ForeignKey(
        Guardian, on_delete=models.PROTECT, null=True, blank=True, related_name="payer_accounts"
    )
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["provider", "kind"])]
        constraints = [
            models.UniqueConstraint(
                fields=["provider"],
                condition=models.Q(kind="cca"),
                name="one_cca_account_per_provider",
            ),
            models.UniqueConstraint(
                fields=["family"],
                condition=models.Q(kind="family"),
                name="one_family_account_per_family",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def payer_type(self) -> str:
        return PAYER_TYPE_OF_KIND[self.kind]

    def clean(self):
        if self.kind in (AccountKind.FAMILY, AccountKind.GUARDIAN) and not self.family_id:
            raise ValidationError({"family": "A family or guardian account names its family."})
        if self.kind == AccountKind.GUARDIAN and not self.guardian_id:
            raise ValidationError({"guardian": "Choose the guardian who pays this share."})
        if self.guardian_id and self.guardian.family_id != self.family_id:
            raise ValidationError({"guardian": "Choose a guardian of this family."})
        if self.family_id and self.family.provider_id != self.provider_id:
            raise ValidationError({"family": "Choose a family of this provider."})


class ChildBilling(models.Model):
    """How one child is billed, beyond the enrollment's price."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    child = models.OneToOneField(Child, on_delete=models.CASCADE, related_name="billing")
    staff_discount = models.BooleanField("child of a staff member (staff discount)", default=False)
    history = HistoricalRecords()


class BillingSplit(models.Model):
    """A payer's share of a child's charges: a fixed amount of each period's tuition, or a
    percentage of what remains. A child with no splits is billed to the family account."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="billing_splits")
    account = models.ForeignKey(PayerAccount, on_delete=models.PROTECT, related_name="splits")
    percent = models.DecimalField(**PERCENT, null=True, blank=True)
    fixed_amount = models.DecimalField(
        **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal("0.01"))]
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["child", "account"], name="one_split_per_payer"),
            models.CheckConstraint(
                condition=models.Q(percent__isnull=True, fixed_amount__isnull=False)
                | models.Q(percent__isnull=False, fixed_amount__isnull=True),
                name="split_percent_xor_fixed",
            ),
        ]

    def __str__(self):
        share = f"{self.percent}%" if self.percent is not None else f"${self.fixed_amount}"
        return f"{self.account} pays {share}"


class EntryKind(models.TextChoices):
    CHARGE = "charge", "Charge"
    PAYMENT = "payment", "Payment"
    CREDIT = "credit", "Credit"
    REFUND = "refund", "Refund"
    WRITE_OFF = "write_off", "Write-off"
    REVERSAL = "reversal", "Reversal"


# + raises what the payer owes, - lowers it. A reversal has the opposite sign of what it reverses.
SIGN = {
    EntryKind.CHARGE: 1,
    EntryKind.REFUND: 1,
    EntryKind.PAYMENT: -1,
    EntryKind.CREDIT: -1,
    EntryKind.WRITE_OFF: -1,
}
DEBIT_KINDS = (EntryKind.CHARGE, EntryKind.REFUND)
CREDIT_KINDS = (EntryKind.PAYMENT, EntryKind.CREDIT, EntryKind.WRITE_OFF)


class Category(models.TextChoices):
    TUITION = "tuition", "Tuition"
    REGISTRATION = "registration", "Registration fee"
    SUPPLY = "supply", "Supply fee"
    DEPOSIT = "deposit", "Deposit"
    ACTIVITY = "activity", "Activity fee"
    LATE_PICKUP = "late_pickup", "Late pick-up fee"
    LATE_PAYMENT = "late_payment", "Late payment fee"
    NSF = "nsf", "Returned payment fee"
    CCA = "cca", "CCA state share"
    CCA_FAMILY_FEE = "cca_family_fee", "CCA family fee"
    CCA_DIFFERENCE = "cca_difference", "CCA rate difference"
    DISCOUNT = "discount", "Discount"
    # A member's charges at the alliance hub.
    SHARED_SERVICES = "shared_services", "Shared services fee"
    SUBSTITUTE = "substitute", "Substitute cover"
    OTHER = "other", "Other"


class Method(models.TextChoices):
    CASH = "cash", "Cash"
    CHECK = "check", "Check"
    MONEY_ORDER = "money_order", "Money order"
    CARD_PRESENT = "card_present", "Card (in person)"
    CARD = "card", "Card (online)"
    ACH = "ach", "Bank debit (ACH)"
    STATE = "state", "State payment"
    OTHER = "other", "Other"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Ledger entries are never updated; post a reversal instead.")

    def delete(self):
        raise TypeError("Ledger entries are never deleted; post a reversal instead.")


class LedgerEntry(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(PayerAccount, on_delete=models.PROTECT, related_name="entries")
    family = models.ForeignKey(
        Family, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    child = models.ForeignKey(
        Child, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=EntryKind.choices)
    category = models.CharField(max_length=20, choices=Category.choices, blank=True)
    on = models.DateField("date")
    due_on = models.DateField(null=True, blank=True)
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    effect = models.DecimalField(**MONEY, help_text="Signed change to the balance owed.")
    description = models.CharField(max_length=300, blank=True)
    # The idempotency key: posting the same key twice posts once.
    key = models.CharField(max_length=200)
    reference = models.CharField(max_length=64, blank=True)
    method = models.CharField(max_length=15, choices=Method.choices, blank=True)
    receipt_number = models.CharField(max_length=40, blank=True)
    applies_to = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="applications"
    )
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    billing_run = models.ForeignKey(
        "BillingRun", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["on", "id"]
        verbose_name_plural = "ledger entries"
        indexes = [
            models.Index(fields=["provider", "account", "on"]),
            models.Index(fields=["provider", "on"]),
            models.Index(fields=["provider", "family"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["provider", "key"], name="ledger_key_unique"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="ledger_amount_positive"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} on {self.on}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise TypeError("Ledger entries are never updated; post a reversal instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Ledger entries are never deleted; post a reversal instead.")

    @property
    def payer_type(self) -> str:
        return self.account.payer_type


class RunStatus(models.TextChoices):
    PREVIEW = "preview", "Previewed"
    QUEUED = "queued", "Queued"
    POSTING = "posting", "Posting"
    POSTED = "posted", "Posted"
    FAILED = "failed", "Failed"


class BillingRun(models.Model):
    """The period's charges for every enrolled child. Posting the same period again posts only
    what is missing (each line has its own idempotency key)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.PREVIEW)
    lines_total = models.PositiveIntegerField(default=0)
    lines_done = models.PositiveIntegerField(default=0)
    lines_posted = models.PositiveIntegerField(default=0)
    amount_posted = models.DecimalField(**MONEY, default=Decimal("0.00"))
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "frequency", "period_start"], name="one_run_per_period"
            )
        ]

    def __str__(self):
        return f"{self.get_frequency_display()} billing {self.period_start}-{self.period_end}"

    @property
    def progress_percent(self) -> int:
        return int(100 * self.lines_done / self.lines_total) if self.lines_total else 100


class WriteOffStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the director"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class WriteOffRequest(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(PayerAccount, on_delete=models.PROTECT, related_name="+")
    charge = models.ForeignKey(
        LedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    reason = models.CharField(max_length=300)
    status = models.CharField(
        max_length=10, choices=WriteOffStatus.choices, default=WriteOffStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    entry = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-requested_at"]


class PaymentPlan(models.Model):
    """An agreed schedule for paying off a balance; while it is kept, no late fees or reminders."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(PayerAccount, on_delete=models.PROTECT, related_name="plans")
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    installments = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    first_due = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]


class Reminder(models.Model):
    """A reminder e-mailed for an overdue charge at one step of the schedule (sent once)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(PayerAccount, on_delete=models.CASCADE, related_name="reminders")
    charge = models.ForeignKey(LedgerEntry, on_delete=models.CASCADE, related_name="+")
    days_overdue = models.PositiveSmallIntegerField()
    sent_to = models.EmailField(blank=True)
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["charge", "days_overdue"], name="one_reminder_per_step")
        ]


class AutopayMethod(models.TextChoices):
    ACH = "ach", "Bank debit (ACH)"
    CARD = "card", "Card"


class AccountType(models.TextChoices):
    CHECKING = "checking", "Checking"
    SAVINGS = "savings", "Savings"


class AutopayMandate(models.Model):
    """A payer's standing authorization to debit their bank account or card for the balance."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(PayerAccount, on_delete=models.PROTECT, related_name="mandates")
    method = models.CharField(max_length=5, choices=AutopayMethod.choices)
    holder_name = models.CharField(max_length=22)
    routing_number = models.CharField(max_length=9, blank=True, validators=[routing_validator])
    bank_account_number = EncryptedCharField(max_length=17, blank=True, null=True)
    bank_account_type = models.CharField(
        max_length=10, choices=AccountType.choices, default=AccountType.CHECKING
    )
    card_token = EncryptedCharField(max_length=100, blank=True, null=True)
    last4 = models.CharField(max_length=4, blank=True)
    authorization_text = models.TextField()
    authorized_at = models.DateTimeField()
    authorized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    authorized_ip = models.GenericIPAddressField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["bank_account_number", "card_token"])

    class Meta:
        ordering = ["-authorized_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(is_active=True),
                name="one_active_mandate_per_account",
            )
        ]


class AchBatch(models.Model):
    """One NACHA file of autopay debits, to upload to the provider's bank."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    effective_date = models.DateField()
    file_id_modifier = models.CharField(max_length=1, default="A")
    entry_count = models.PositiveIntegerField(default=0)
    total = models.DecimalField(**MONEY, default=Decimal("0.00"))
    file_text = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "effective_date", "file_id_modifier"], name="ach_file_unique"
            )
        ]


class AchEntry(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    batch = models.ForeignKey(AchBatch, on_delete=models.CASCADE, related_name="entries")
    mandate = models.ForeignKey(AutopayMandate, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(PayerAccount, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(**MONEY)
    trace_number = models.CharField(max_length=15)
    payment = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="+")
    return_code = models.CharField(max_length=3, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "trace_number"], name="ach_trace_unique")
        ]


class IntentStatus(models.TextChoices):
    REQUIRES_PAYMENT = "requires_payment_method", "Waiting for the card"
    PROCESSING = "processing", "Processing"
    SUCCEEDED = "succeeded", "Paid"
    FAILED = "failed", "Declined"
    CANCELED = "canceled", "Canceled"


class PaymentIntent(models.Model):
    """A card payment in flight at the card processor; the payment is posted when the processor's
    signed webhook says it succeeded."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(PayerAccount, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    processor_id = models.CharField(max_length=100, unique=True)
    client_secret = models.CharField(max_length=200, blank=True)
    idempotency_key = models.CharField(max_length=200)
    status = models.CharField(
        max_length=30, choices=IntentStatus.choices, default=IntentStatus.REQUIRES_PAYMENT
    )
    last4 = models.CharField(max_length=4, blank=True)
    failure_message = models.CharField(max_length=300, blank=True)
    payment = models.OneToOneField(
        LedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "idempotency_key"], name="intent_idempotency_unique"
            )
        ]


class WebhookEvent(models.Model):
    """Every processor event received, once (a redelivered event changes nothing)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(max_length=100)
    type = models.CharField(max_length=60)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once")
        ]
