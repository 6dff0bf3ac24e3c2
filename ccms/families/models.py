"""Families, their guardians and their children. Every row carries its provider."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from ccms.tenancy.models import Classroom, Provider


class Family(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="families")
    name = models.CharField(max_length=200)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "families"
        indexes = [models.Index(fields=["provider", "name"])]

    def __str__(self):
        return self.name


class Guardian(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="+")
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
    history = HistoricalRecords()

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["provider", "user"])]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    def clean(self):
        if self.family_id and self.family.provider_id != self.provider_id:
            raise ValidationError({"family": "Choose a family of this provider."})


class Child(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="children")
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="children")
    classroom = models.ForeignKey(
        Classroom, null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    birth_date = models.DateField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name_plural = "children"
        indexes = [models.Index(fields=["provider", "classroom"])]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    def clean(self):
        for name in ("family", "classroom"):
            related = getattr(self, name, None)
            if related is not None and related.provider_id != self.provider_id:
                raise ValidationError({name: f"Choose a {name} of this provider."})
