"""families.csv, guardians.csv and children.csv of the data bundle."""

from ccms.core.bundle.base import (
    Boolean,
    BundleFile,
    Choice,
    Date,
    Email,
    ImportPlan,
    Integer,
    Key,
    Money,
    Pattern,
    Row,
    Slug,
    Text,
)
from ccms.families.models import Child, Family, FeeLevel, Guardian
from ccms.tenancy.models import Provider


class FamiliesFile(BundleFile):
    name = "families.csv"
    columns = (
        Slug("provider_key", required=True),
        Key("family_key", required=True),
        Text("name", required=True, max_length=200),
        Email("email"),
        Text("phone", max_length=30),
        Text("address", max_length=300),
        Integer("family_size", minimum=1),
        Money("monthly_income"),
        Choice(
            "cca_fee_level",
            choices=tuple(FeeLevel.values),
            hint="use a CCA fee level from A to Z, or AA",
        ),
    )
    key = ("provider_key", "family_key")
    fields = {
        "name": "name",
        "email": "email",
        "phone": "phone",
        "address": "address",
        "family_size": "family_size",
        "monthly_income": "monthly_income",
        "cca_fee_level": "cca_fee_level",
    }

    def plan(self, rows: list[Row], job: ImportPlan) -> None:
        job.load("family", Family.objects.filter(provider_id__in=job.existing_provider_ids()))
        for row in rows:
            provider = job.provider(row)
            if provider is None:
                continue
            provider_key, key = row.values["provider_key"], row.values["family_key"]
            family = job.find("family", provider_key, key)
            if family is None:
                family = Family(provider=provider, key=key)
                job.register("family", provider_key, key, family)
            job.record(row, family, self.values(row))

    def export(self, provider: Provider, warnings: list[str]) -> list[dict]:
        return [
            {"provider_key": provider.slug, "family_key": family.key, **self.exported(family)}
            for family in Family.objects.filter(provider=provider).order_by("key")
        ]


class GuardiansFile(BundleFile):
    name = "guardians.csv"
    columns = (
        Key("family_key", required=True),
        Key("guardian_key", required=True),
        Text("first_name", required=True, max_length=100),
        Text("last_name", required=True, max_length=100),
        Text("relationship", max_length=60),
        Email("email"),
        Text("phone", max_length=30),
        Boolean("is_payer", default=True),
        Boolean("can_pick_up", default=True),
    )
    key = ("guardian_key",)
    fields = {
        "first_name": "first_name",
        "last_name": "last_name",
        "relationship": "relationship",
        "email": "email",
        "phone": "phone",
        "is_payer": "is_payer",
        "can_pick_up": "can_pick_up",
    }

    def plan(self, rows: list[Row], job: ImportPlan) -> None:
        guardians = Guardian.objects.filter(provider_id__in=job.existing_provider_ids())
        job.load("guardian", guardians.select_related("family"))
        for row in rows:
            found = job.resolve(row, "family_key", "family", defined_in="families.csv")
            if found is None:
                continue
            provider_key, family = found
            key = row.values["guardian_key"]
            guardian = job.find("guardian", provider_key, key)
            if guardian is None:
                guardian = Guardian(provider=job.providers[provider_key], key=key)
                job.register("guardian", provider_key, key, guardian)
            job.record(row, guardian, {"family": family, **self.values(row)})

    def export(self, provider: Provider, warnings: list[str]) -> list[dict]:
        guardians = Guardian.objects.filter(provider=provider).select_related("family")
        return [
            {"family_key": g.family.key, "guardian_key": g.key, **self.exported(g)}
            for g in guardians.order_by("key")
        ]


class ChildrenFile(BundleFile):
    name = "children.csv"
    columns = (
        Key("family_key", required=True),
        Key("child_key", required=True),
        Text("first_name", required=True, max_length=100),
        Text("last_name", required=True, max_length=100),
        Date("birth_date", required=True),
        Boolean("special_needs", default=False),
        Text("allergies", max_length=300),
        Pattern(
            "kindertrack_child_id",
            pattern=r"\d{6}",
            what="KinderTrack child ID",
            hint="it is 6 digits",
        ),
    )
    key = ("child_key",)
    fields = {
        "first_name": "first_name",
        "last_name": "last_name",
        "birth_date": "birth_date",
        "special_needs": "special_needs",
        "allergies": "allergies",
        "kindertrack_child_id": "kindertrack_child_id",
    }

    def plan(self, rows: list[Row], job: ImportPlan) -> None:
        children = Child.objects.filter(provider_id__in=job.existing_provider_ids())
        job.load("child", children.select_related("family", "classroom"))
        for row in rows:
            found = job.resolve(row, "family_key", "family", defined_in="families.csv")
            if found is None:
                continue
            provider_key, family = found
            key = row.values["child_key"]
            child = job.find("child", provider_key, key)
            if child is None:
                child = Child(provider=job.providers[provider_key], key=key)
                job.register("child", provider_key, key, child)
            job.record(row, child, {"family": family, **self.values(row)})

    def export(self, provider: Provider, warnings: list[str]) -> list[dict]:
        children = Child.objects.filter(provider=provider).select_related("family")
        return [
            {"family_key": c.family.key, "child_key": c.key, **self.exported(c)}
            for c in children.order_by("key")
        ]


FAMILIES = FamiliesFile()
GUARDIANS = GuardiansFile()
CHILDREN = ChildrenFile()
