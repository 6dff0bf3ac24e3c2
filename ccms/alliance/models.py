"""The shared services alliance: who is a member and since when, the services the hub offers and
who uses them, the hub's costs by pool and the rule that shares each pool among the members, and
the monthly allocation runs that bill each member through the hub's ledger."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from ccms.billing.models import LedgerEntry, PayerAccount
from ccms.tenancy.models import Alliance, Provider

MONEY = {"max_digits": 12, "decimal_places": 2}


class MembershipAgreement(models.Model):
    """A version of the agreement members sign. A new version is added, never edited over."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="agreements")
    version = models.CharField(max_length=20)
    title = models.CharField(max_length=200, default="Shared services membership agreement")
    body = models.TextField(help_text="The terms members sign.")
    effective_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "version"], name="agreement_version_unique")
        ]

    def __str__(self):
        return f"{self.title} (version {self.version})"


class AllianceMember(models.Model):
    """A provider's membership of its alliance: from when, until when, and the signed agreement.
    A provider that leaves and rejoins has a second row."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="members")
    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="alliance_memberships"
    )
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)
    leave_reason = models.CharField(max_length=300, blank=True)
    agreement = models.ForeignKey(
        MembershipAgreement, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_by_name = models.CharField("signed by", max_length=200, blank=True)
    signed_by_title = models.CharField("signer's title", max_length=120, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The member's account at the hub: its fees, substitute cover and payments.
    account = models.ForeignKey(
        PayerAccount, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["provider__name", "-joined_on"]
        indexes = [models.Index(fields=["alliance", "joined_on"])]

    def __str__(self):
        return f"{self.provider} (member from {self.joined_on})"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    def active_on(self, day) -> bool:
        return self.joined_on <= day and (self.left_on is None or self.left_on >= day)

    def clean(self):
        if self.left_on and self.left_on < self.joined_on:
            raise ValidationError({"left_on": "A member cannot leave before joining."})


class ServiceCategory(models.TextChoices):
    BOOKKEEPING = "bookkeeping", "Bookkeeping"
    BILLING = "billing", "Billing and collections"
    SUBSIDY = "subsidy", "Subsidy (CCA) management"
    ENROLLMENT = "enrollment", "Enrollment and waitlist"
    PAYROLL = "payroll", "Payroll"
    SUBSTITUTES = "substitutes", "Substitute pool"
    PURCHASING = "purchasing", "Bulk purchasing"
    FOOD = "food", "Food program"
    COACHING = "coaching", "Business coaching"
    TRAINING = "training", "Training"
    OTHER = "other", "Other"


class SharedService(models.Model):
    """A service the hub offers its members."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="services")
    category = models.CharField(max_length=20, choices=ServiceCategory.choices)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    delivered_by = models.CharField(
        max_length=200, help_text="Who delivers it: a hub role, a person or a partner."
    )
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    standalone_monthly_cost = models.DecimalField(
        "cost to a provider doing it alone (per month)",
        **MONEY,
        default=Decimal("0.00"),
        validators=[MinValueValidator(0)],
        help_text="What one provider would pay for this on its own; the savings report uses it.",
    )
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "name"], name="service_name_unique")
        ]

    def __str__(self):
        return self.name


class ServiceUse(models.Model):
    """A member uses a service from a date (until a date)."""

    member = models.ForeignKey(AllianceMember, on_delete=models.CASCADE, related_name="uses")
    service = models.ForeignKey(SharedService, on_delete=models.CASCADE, related_name="uses")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["service__name", "started_on"]

    def __str__(self):
        return f"{self.member.provider} uses {self.service} from {self.started_on}"

    @property
    def alliance_id(self) -> int:  # the audit log's owner
        return self.service.alliance_id

    def in_use_on(self, day) -> bool:
        return self.started_on <= day and (self.ended_on is None or self.ended_on >= day)

    def clean(self):
        if self.ended_on and self.ended_on < self.started_on:
            raise ValidationError({"ended_on": "A service cannot end before it starts."})


class PoolKind(models.TextChoices):
    STAFF = "staff", "Hub staff"
    SOFTWARE = "software", "Software"
    RENT = "rent", "Rent and office"
    PURCHASING = "purchasing", "Purchasing"
    OTHER = "other", "Other"


class AllocationRule(models.TextChoices):
    FLAT = "flat", "Flat: equal shares"
    PER_FTE = "per_fte", "Per enrolled FTE in the month"
    BILLED = "billed", "Share of billed revenue"
    COLLECTED = "collected", "Share of collected revenue"
    PER_SERVICE = "per_service", "Members using the service, equal shares"


class CostPool(models.Model):
    """A pool of the hub's costs and the rule that shares it among the members."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="cost_pools")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=15, choices=PoolKind.choices)
    rule = models.CharField(max_length=15, choices=AllocationRule.choices)
    service = models.ForeignKey(
        SharedService,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pools",
        help_text="For the per-service rule: the service whose users share this pool.",
    )
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "name"], name="pool_name_unique")
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.rule == AllocationRule.PER_SERVICE and not self.service_id:
            raise ValidationError({"service": "The per-service rule needs the service it shares."})
        if self.service_id and self.service.alliance_id != self.alliance_id:
            raise ValidationError({"service": "Choose a service of this alliance."})


class PoolCost(models.Model):
    """A cost of the hub in one month, in one pool."""

    pool = models.ForeignKey(CostPool, on_delete=models.CASCADE, related_name="costs")
    month = models.DateField(help_text="The first day of the month.")
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    description = models.CharField(max_length=200)
    history = HistoricalRecords()

    class Meta:
        ordering = ["month", "pool__name", "id"]
        indexes = [models.Index(fields=["pool", "month"])]

    @property
    def alliance_id(self) -> int:  # the audit log's owner
        return self.pool.alliance_id


class GrantOffset(models.Model):
    """A grant that pays part of a pool's cost in one month; members share only the rest."""

    pool = models.ForeignKey(CostPool, on_delete=models.CASCADE, related_name="grants")
    month = models.DateField(help_text="The first day of the month.")
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    funder = models.CharField(max_length=200)
    history = HistoricalRecords()

    class Meta:
        ordering = ["month", "pool__name", "id"]
        indexes = [models.Index(fields=["pool", "month"])]

    @property
    def alliance_id(self) -> int:  # the audit log's owner
        return self.pool.alliance_id


class AllocationRun(models.Model):
    """One month's allocation of the hub's costs, posted to the members' hub accounts. One run per
    alliance and month; running the month again posts nothing new."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="allocations")
    month = models.DateField(help_text="The first day of the month.")
    pooled_cost = models.DecimalField(**MONEY)
    grants = models.DecimalField(**MONEY)
    allocated = models.DecimalField(**MONEY)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "month"], name="allocation_month_unique")
        ]

    def __str__(self):
        return f"Allocation of {self.month:%B %Y}"


class AllocationLine(models.Model):
    """A member's share of one pool in one run, with the basis it was shared by."""

    run = models.ForeignKey(AllocationRun, on_delete=models.CASCADE, related_name="lines")
    member = models.ForeignKey(AllianceMember, on_delete=models.PROTECT, related_name="+")
    pool = models.ForeignKey(CostPool, on_delete=models.PROTECT, related_name="+")
    rule = models.CharField(max_length=15, choices=AllocationRule.choices)
    basis = models.DecimalField(
        max_digits=14, decimal_places=4, help_text="FTE, revenue, days or users the share is by."
    )
    share = models.DecimalField(max_digits=9, decimal_places=6, help_text="Fraction of the pool.")
    amount = models.DecimalField(**MONEY)
    entry = models.ForeignKey(
        LedgerEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["member__provider__name", "pool__name"]
        constraints = [
            models.UniqueConstraint(fields=["run", "member", "pool"], name="allocation_line_unique")
        ]
