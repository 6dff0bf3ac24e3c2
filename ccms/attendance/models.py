"""Children's check-ins and check-outs, absences, closures; staff time; ratio rules."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from ccms.families.models import Child, Guardian
from ccms.tenancy.models import Classroom, Provider


class Method(models.TextChoices):
    KIOSK = "kiosk", "Kiosk"
    ROSTER = "roster", "Classroom roster"
    PHONE = "phone", "Guardian's phone"
    CORRECTION = "correction", "Correction"
    IMPORT = "import", "Imported"


class Presence(models.Model):
    """One check-in/check-out pair. A child may have several a day (before and after school);
    at most one is open at a time, which the database enforces."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="presences")
    classroom = models.ForeignKey(
        Classroom, null=True, on_delete=models.SET_NULL, related_name="presences"
    )
    service_date = models.DateField(help_text="The local day in the provider's time zone.")
    check_in = models.DateTimeField()
    check_out = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dropped_off_by = models.ForeignKey(
        Guardian, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    picked_up_by = models.CharField(
        max_length=200, blank=True, help_text="The guardian or authorized person at pick-up."
    )
    check_in_method = models.CharField(max_length=12, choices=Method.choices)
    check_out_method = models.CharField(max_length=12, choices=Method.choices, blank=True)
    signature = models.CharField(
        max_length=200, blank=True, help_text="Typed name at the kiosk, when the provider asks."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["check_in"]
        indexes = [
            models.Index(fields=["provider", "service_date"]),
            models.Index(fields=["provider", "child", "service_date"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(check_out__isnull=True),
                name="one_open_presence_per_child",
            ),
            models.CheckConstraint(
                condition=Q(check_out__isnull=True) | Q(check_out__gt=F("check_in")),
                name="presence_out_after_in",
            ),
        ]

    def __str__(self):
        return f"{self.child} {self.service_date}"

    @property
    def minutes(self) -> int | None:
        if self.check_out is None:
            return None
        return int((self.check_out - self.check_in).total_seconds() // 60)


class AbsenceReason(models.TextChoices):
    SICK = "sick", "Sick"
    VACATION = "vacation", "Vacation"
    HOLIDAY = "holiday", "Holiday"
    OTHER = "other", "Other"


class Absence(models.Model):
    """A day a scheduled child is away, recorded ahead by a guardian or on the day by staff."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="absences")
    service_date = models.DateField()
    reason = models.CharField(max_length=10, choices=AbsenceReason.choices)
    note = models.CharField(max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["service_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "child", "service_date"], name="one_absence_per_child_day"
            )
        ]
        indexes = [models.Index(fields=["provider", "service_date"])]

    def __str__(self):
        return f"{self.child} absent {self.service_date} ({self.reason})"


class Closure(models.Model):
    """A day the provider is closed (holiday, weather, training)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    service_date = models.DateField()
    reason = models.CharField(max_length=200)
    history = HistoricalRecords()

    class Meta:
        ordering = ["service_date"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "service_date"], name="one_closure_a_day")
        ]

    def __str__(self):
        return f"Closed {self.service_date}: {self.reason}"


class KioskPin(models.Model):
    """A guardian's kiosk PIN, stored hashed like a password; unique within the provider."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    guardian = models.OneToOneField(Guardian, on_delete=models.CASCADE, related_name="kiosk_pin")
    pin_hash = models.CharField(max_length=128)
    lookup = models.CharField(
        max_length=64, help_text="HMAC of the PIN with the provider, to find it without scanning."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "lookup"], name="kiosk_pin_unique")
        ]


class StaffShift(models.Model):
    """A staff member's clock-in to clock-out, in a classroom."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    classroom = models.ForeignKey(
        Classroom, null=True, blank=True, on_delete=models.SET_NULL, related_name="shifts"
    )
    service_date = models.DateField()
    clock_in = models.DateTimeField()
    clock_out = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["clock_in"]
        indexes = [models.Index(fields=["provider", "service_date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "user"],
                condition=Q(clock_out__isnull=True),
                name="one_open_shift_per_user",
            ),
            models.CheckConstraint(
                condition=Q(clock_out__isnull=True) | Q(clock_out__gt=F("clock_in")),
                name="shift_out_after_in",
            ),
        ]


class StaffBreak(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    shift = models.ForeignKey(StaffShift, on_delete=models.CASCADE, related_name="breaks")
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["start"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift"], condition=Q(end__isnull=True), name="one_open_break_per_shift"
            )
        ]


class StaffSchedule(models.Model):
    """Who is scheduled in which classroom on which weekday: feeds staffed capacity and the
    warning before a scheduled departure leaves a room out of ratio."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="schedules")
    weekday = models.PositiveSmallIntegerField(help_text="0 = Monday … 4 = Friday")
    start = models.TimeField()
    end = models.TimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["weekday", "start"]
        indexes = [models.Index(fields=["provider", "classroom", "weekday"])]


class RatioRule(models.Model):
    """Children per staff member for an age band, in force from a date. Rows with no provider
    are the state's defaults (441 IAC 109.8); a provider may add stricter ones of its own."""

    provider = models.ForeignKey(
        Provider, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    min_age_months = models.PositiveSmallIntegerField()
    max_age_months = models.PositiveSmallIntegerField()
    children_per_staff = models.PositiveSmallIntegerField()
    effective_from = models.DateField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["min_age_months", "-effective_from"]
        indexes = [models.Index(fields=["provider", "effective_from"])]

    def __str__(self):
        return f"{self.min_age_months}-{self.max_age_months} mo: 1:{self.children_per_staff}"
