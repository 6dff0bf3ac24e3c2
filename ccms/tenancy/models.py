"""Alliance -> Provider -> Site -> Classroom, the people who sign in, and the roles they hold."""

import uuid
import zoneinfo

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in. The e-mail address is the login."""

    username = None
    email = models.EmailField("e-mail address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self):
        return self.get_full_name() or self.email


class Role(models.TextChoices):
    ALLIANCE_ADMIN = "alliance_admin", "Alliance admin"
    HUB_STAFF = "hub_staff", "Hub staff"
    CONSULTANT = "consultant", "Financial consultant"
    DIRECTOR = "director", "Provider director"
    STAFF = "staff", "Staff / teacher"
    GUARDIAN = "guardian", "Guardian"
    STATE_VIEWER = "state_viewer", "State viewer"
    SUBSTITUTE = "substitute", "Substitute (alliance pool)"


# Roles held across an alliance rather than at one provider.
ALLIANCE_ROLES = {Role.ALLIANCE_ADMIN, Role.STATE_VIEWER, Role.SUBSTITUTE}
# Roles that may be held alliance-wide or for chosen providers.
ALLIANCE_OR_PROVIDER_ROLES = {Role.HUB_STAFF}
# Roles that always sign in with a second factor.
MFA_REQUIRED_ROLES = {Role.ALLIANCE_ADMIN, Role.HUB_STAFF, Role.CONSULTANT, Role.STATE_VIEWER}
# Roles that alliance policy can add to MFA_REQUIRED_ROLES.
STAFF_ROLES = {Role.DIRECTOR, Role.STAFF}


class Alliance(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    require_mfa_for_staff = models.BooleanField(
        "require a second factor for directors and staff",
        default=False,
        help_text="Alliance admins, hub staff, consultants and state viewers always need one.",
    )
    history = HistoricalRecords()

    def __str__(self):
        return self.name


class ProviderKind(models.TextChoices):
    CENTER = "center", "Licensed center"
    CDH_A = "cdh_a", "Child development home, category A"
    CDH_B = "cdh_b", "Child development home, category B"
    CDH_C1 = "cdh_c1", "Child development home, category C1"
    CDH_C = "cdh_c", "Child development home, category C"
    CHILD_CARE_HOME = "child_care_home", "Child care home (non-registered)"
    # The alliance's shared services hub: it bills members through the ledger, holds no children
    # and is no child care provider (see ProviderManager).
    HUB = "hub", "Shared services hub"


# The kinds a child care provider can be (every kind but the hub): for forms and imports.
CHILD_CARE_KINDS = [(value, label) for value, label in ProviderKind.choices if value != "hub"]


class IQ4KLevel(models.TextChoices):
    NONE = "none", "None"
    L1 = "1", "Level 1"
    L2 = "2", "Level 2"
    L3 = "3", "Level 3"
    L4 = "4", "Level 4"
    L5 = "5", "Level 5"


class BillingPeriod(models.TextChoices):
    BIWEEKLY = "biweekly", "Biweekly"
    MONTHLY = "monthly", "Monthly"


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not an IANA time zone name, e.g. America/Chicago.")


slug_validator = RegexValidator(r"^[a-z0-9-]+$", "Use lower-case letters, digits and dashes only.")


def new_key() -> str:
    """A bundle key for rows created in the app rather than imported."""
    return uuid.uuid4().hex[:12]


def default_waitlist_priorities() -> list[str]:
    return ["sibling", "staff_child", "cca_family", "applied_on"]


class ProviderManager(models.Manager):
    """Child care providers only. An alliance's hub is a Provider row so that it can own a
    ledger (members are its payers), but no list, metric, directory or provider page includes it;
    `Provider.all_objects` reaches it, and so do foreign keys."""

    def get_queryset(self):
        return super().get_queryset().exclude(kind=ProviderKind.HUB)


class Provider(models.Model):
    """A licensed center or a child care home: the tenant that owns children's data."""

    alliance = models.ForeignKey(Alliance, on_delete=models.PROTECT, related_name="providers")
    slug = models.SlugField(max_length=60, unique=True, validators=[slug_validator])
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=ProviderKind.choices)
    timezone = models.CharField(
        max_length=64, default="America/Chicago", validators=[validate_timezone]
    )
    iq4k_level = models.CharField(
        "IQ4K level", max_length=4, choices=IQ4KLevel.choices, default=IQ4KLevel.NONE
    )
    kindertrack_provider_id = models.CharField(
        "KinderTrack provider ID",
        max_length=5,
        blank=True,
        validators=[RegexValidator(r"^\d{5}$", "A KinderTrack provider ID is 5 digits.")],
    )
    cca_billing_period = models.CharField(
        "CCA billing period",
        max_length=10,
        choices=BillingPeriod.choices,
        default=BillingPeriod.BIWEEKLY,
    )
    cca_period_anchor = models.DateField(
        "CCA period anchor",
        default="2026-01-04",
        help_text="A date on which a biweekly billing period starts.",
    )
    county = models.CharField(max_length=60, blank=True)
    city = models.CharField(max_length=80, blank=True)
    public_intro = models.TextField(
        "welcome text for families",
        blank=True,
        help_text="Shown on the public inquiry and registration page.",
    )
    waitlist_priorities = models.JSONField(
        default=default_waitlist_priorities,
        blank=True,
        help_text="Waitlist order, most important first; see enrollment.waitlist.PRIORITY_RULES.",
    )
    history = HistoricalRecords()

    objects = ProviderManager()
    all_objects = models.Manager()  # noqa: DJ012 (a manager, not a field)

    class Meta:
        ordering = ["name"]
        default_manager_name = "all_objects"

    def __str__(self):
        return self.name

    @property
    def provider_id(self) -> int:
        """A provider owns itself; lets audit code treat every provider row alike."""
        return self.pk

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Site(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "name"], name="site_name_unique")
        ]

    def __str__(self):
        return self.name


class Classroom(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="classrooms")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="classrooms")
    key = models.CharField(
        max_length=64, default=new_key, help_text="The classroom's key in data bundles."
    )
    name = models.CharField(max_length=120)
    min_age_months = models.PositiveSmallIntegerField(
        "youngest age served (months)", validators=[MaxValueValidator(240)]
    )
    max_age_months = models.PositiveSmallIntegerField(
        "oldest age served (months)", validators=[MaxValueValidator(240)]
    )
    licensed_capacity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    staffed_capacity = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Seats the scheduled qualified staff can cover; empty means licensed capacity.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["min_age_months", "name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "name"], name="classroom_name_unique"),
            models.UniqueConstraint(fields=["provider", "key"], name="classroom_key_unique"),
            models.CheckConstraint(
                condition=models.Q(max_age_months__gte=models.F("min_age_months")),
                name="classroom_age_range_valid",
            ),
        ]
        indexes = [models.Index(fields=["provider", "site"])]

    def __str__(self):
        return self.name

    def clean(self):
        if (
            self.min_age_months is not None
            and self.max_age_months is not None
            and self.max_age_months < self.min_age_months
        ):
            raise ValidationError(
                {"max_age_months": "The oldest age served must not be below the youngest."}
            )
        if self.site_id and self.provider_id and self.site.provider_id != self.provider_id:
            raise ValidationError({"site": "Choose one of this provider's sites."})

    @property
    def ages_served(self) -> str:
        return f"{format_age(self.min_age_months)} to {format_age(self.max_age_months)}"


def format_age(months: int) -> str:
    if months < 24:
        return f"{months} mo"
    years, rest = divmod(months, 12)
    return f"{years} y" if not rest else f"{years} y {rest} mo"


class Membership(models.Model):
    """A role a user holds: alliance-wide (alliance set) or at one provider (provider set)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    alliance = models.ForeignKey(
        Alliance, on_delete=models.CASCADE, related_name="memberships", null=True, blank=True
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="memberships", null=True, blank=True
    )
    classrooms = models.ManyToManyField(
        Classroom, blank=True, related_name="staff_memberships", help_text="For staff: their rooms."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[classrooms])

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(alliance__isnull=False, provider__isnull=True)
                    | models.Q(alliance__isnull=True, provider__isnull=False)
                ),
                name="membership_alliance_xor_provider",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "provider"],
                condition=models.Q(provider__isnull=False),
                name="membership_provider_role_unique",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "alliance"],
                condition=models.Q(alliance__isnull=False),
                name="membership_alliance_role_unique",
            ),
        ]
        indexes = [models.Index(fields=["provider", "role"])]

    def __str__(self):
        where = self.provider or self.alliance
        return f"{self.user} · {self.get_role_display()} · {where}"
