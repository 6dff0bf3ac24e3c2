"""providers.csv and classrooms.csv of the data bundle."""

from datetime import date

from django.utils.text import slugify

from ccms.core.bundle.base import (
    CREATED,
    BundleFile,
    Choice,
    Date,
    FilePlan,
    ImportPlan,
    Integer,
    Key,
    Pattern,
    Row,
    Slug,
    Text,
    TimeZone,
)
from ccms.tenancy.models import (
    CHILD_CARE_KINDS,
    Alliance,
    BillingPeriod,
    Classroom,
    IQ4KLevel,
    Provider,
    Site,
)

# The alliance an import creates when the database has none and the manifest names none.
DEFAULT_ALLIANCE_NAME = "Imported providers"
# The site an import creates for the classrooms of a provider that has none.
DEFAULT_SITE_NAME = "Main"


class ProvidersFile(BundleFile):
    name = "providers.csv"
    required = True
    columns = (
        Slug("provider_key", required=True),
        Text("name", required=True, max_length=200),
        Choice("kind", required=True, choices=tuple(k for k, _ in CHILD_CARE_KINDS)),
        TimeZone("timezone"),
        Choice("iq4k_level", default=IQ4KLevel.NONE, choices=tuple(IQ4KLevel.values)),
        Pattern(
            "kindertrack_provider_id",
            pattern=r"\d{5}",
            what="KinderTrack provider ID",
            hint="it is 5 digits",
        ),
        Choice(
            "cca_billing_period",
            default=BillingPeriod.BIWEEKLY,
            choices=tuple(BillingPeriod.values),
        ),
        Date("cca_period_anchor", default=date(2026, 1, 4)),
    )
    key = ("provider_key",)
    fields = {
        "name": "name",
        "kind": "kind",
        "timezone": "timezone",
        "iq4k_level": "iq4k_level",
        "kindertrack_provider_id": "kindertrack_provider_id",
        "cca_billing_period": "cca_billing_period",
        "cca_period_anchor": "cca_period_anchor",
    }

    def plan(self, rows: list[Row], job: ImportPlan) -> None:
        keys = [row.values["provider_key"] for row in rows]
        existing = {
            p.slug: p for p in Provider.objects.filter(slug__in=keys).select_related("alliance")
        }
        for row in rows:
            key = row.values["provider_key"]
            refusal = job.scope.refuses(key)
            if refusal:
                job.error(row, "provider_key", refusal)
                continue
            provider = existing.get(key)
            if provider is None:
                provider = Provider(slug=key, alliance=_alliance_for_new_providers(job))
            elif not _stays_in_its_alliance(row, job, provider):
                continue
            job.providers[key] = provider
            job.record(row, provider, self.values(row), columns={"slug": "provider_key"})

    def write(self, plan: FilePlan, job: ImportPlan, *, actor, reason: str, progress) -> None:
        if job.alliance is not None and job.alliance._state.adding:
            job.save(self.name, 1, job.alliance, actor=actor, reason=reason)
        super().write(plan, job, actor=actor, reason=reason, progress=progress)

    def export(self, provider: Provider, warnings: list[str]) -> list[dict]:
        return [{"provider_key": provider.slug, **self.exported(provider)}]


def _alliance_for_new_providers(job: ImportPlan) -> Alliance | None:
    """The alliance named in the manifest (created if new); without a name, the only alliance,
    or a new one when there is none. Decided once per import."""
    if "alliance_decided" in job.state:
        return job.alliance
    job.state["alliance_decided"] = True
    if job.scope.alliance is not None:
        job.alliance = job.scope.alliance
        return job.alliance
    name = job.manifest.get("alliance")
    if name:
        named = list(Alliance.objects.filter(name=name)[:2])
        if len(named) > 1:
            job.file_error(
                "manifest.json",
                1,
                "alliance",
                f"Several alliances are named “{name}”; rename all but one of them first.",
            )
        else:
            job.alliance = named[0] if named else Alliance(name=name, slug=_free_slug(name))
        return job.alliance
    alliances = list(Alliance.objects.all()[:2])
    if not alliances:
        job.alliance = Alliance(name=DEFAULT_ALLIANCE_NAME, slug=_free_slug(DEFAULT_ALLIANCE_NAME))
    elif len(alliances) == 1:
        job.alliance = alliances[0]
    else:
        job.file_error(
            "manifest.json",
            1,
            "alliance",
            "Several alliances exist; name the one the new providers join, "
            'e.g. "alliance": "Name of the alliance".',
        )
    return job.alliance


def _stays_in_its_alliance(row: Row, job: ImportPlan, provider: Provider) -> bool:
    """An import updates providers where they are; it never moves one to another alliance."""
    key = provider.slug
    if job.scope.alliance is not None and provider.alliance_id != job.scope.alliance.pk:
        job.error(
            row,
            "provider_key",
            f"The key “{key}” is taken by a provider outside {job.scope.alliance.name}; "
            "choose another provider_key.",
        )
        return False
    named = job.manifest.get("alliance")
    if job.scope.provider is None and named and provider.alliance.name != named:
        job.error(
            row,
            "provider_key",
            f"Provider “{key}” belongs to the alliance “{provider.alliance.name}”, not “{named}” "
            "as manifest.json says; an import does not move providers between alliances.",
        )
        return False
    return True


def _free_slug(name: str) -> str:
    base = slugify(name)[:50] or "alliance"
    slug, n = base, 2
    while Alliance.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


class ClassroomsFile(BundleFile):
    name = "classrooms.csv"
    columns = (
        Slug("provider_key", required=True),
        Key("classroom_key", required=True),
        Text("name", required=True, max_length=120),
        Integer("min_age_months", required=True, maximum=240),
        Integer("max_age_months", required=True, maximum=240),
        Integer("licensed_capacity", required=True, minimum=1),
        Integer("staffed_capacity"),
    )
    key = ("provider_key", "classroom_key")
    fields = {
        "name": "name",
        "min_age_months": "min_age_months",
        "max_age_months": "max_age_months",
        "licensed_capacity": "licensed_capacity",
        "staffed_capacity": "staffed_capacity",
    }

    def plan(self, rows: list[Row], job: ImportPlan) -> None:
        existing = job.load(
            "classroom", Classroom.objects.filter(provider_id__in=job.existing_provider_ids())
        )
        named: dict[tuple[str, str], Row] = {}
        planned: set[int] = set()
        for row in rows:
            provider = job.provider(row)
            if provider is None:
                continue
            provider_key, key = row.values["provider_key"], row.values["classroom_key"]
            room = job.find("classroom", provider_key, key)
            if room is None:
                room = Classroom(provider=provider, key=key, site=_site(job, provider_key))
                job.register("classroom", provider_key, key, room)
            planned.add(id(room))
            _check_ages_and_seats(row, job)
            name = row.values.get("name")
            if name:
                first = named.setdefault((provider_key, name), row)
                if first is not row:
                    job.error(
                        row,
                        "name",
                        f"Line {first.line} names a classroom of {provider_key} “{name}” too; "
                        "classroom names are unique per provider.",
                    )
            job.record(row, room, self.values(row))
        # A classroom the bundle leaves alone keeps its name: no bundle row may take it.
        keys = job.provider_keys_by_id()
        for room in existing:
            row = named.get((keys[room.provider_id], room.name))
            if id(room) not in planned and row is not None:
                job.error(
                    row,
                    "name",
                    f"Provider {keys[room.provider_id]} already has a classroom named "
                    f"“{room.name}” (classroom_key {room.key}); use that key to update it, or "
                    "choose another name.",
                )

    def write(self, plan: FilePlan, job: ImportPlan, *, actor, reason: str, progress) -> None:
        for row in plan.rows:
            site = row.instance.site
            if row.action == CREATED and site._state.adding:
                job.save(self.name, row.line, site, actor=actor, reason=reason)
        super().write(plan, job, actor=actor, reason=reason, progress=progress)

    def export(self, provider: Provider, warnings: list[str]) -> list[dict]:
        rooms = Classroom.objects.filter(provider=provider).order_by("key")
        return [
            {"provider_key": provider.slug, "classroom_key": room.key, **self.exported(room)}
            for room in rooms
        ]


def _site(job: ImportPlan, provider_key: str) -> Site:
    """The site new classrooms go to: the provider's first, or a new one if it has none."""
    sites = job.state.setdefault("sites", {})
    if provider_key not in sites:
        provider = job.providers[provider_key]
        site = None
        if provider.pk is not None:
            site = Site.objects.filter(provider=provider).order_by("pk").first()
        sites[provider_key] = site or Site(provider=provider, name=DEFAULT_SITE_NAME)
    return sites[provider_key]


def _check_ages_and_seats(row: Row, job: ImportPlan) -> None:
    values = row.values
    low, high = values.get("min_age_months"), values.get("max_age_months")
    if low is not None and high is not None and high < low:
        job.error(
            row,
            "max_age_months",
            f"The oldest age served ({high}) is below the youngest ({low}).",
        )
    staffed, licensed = values.get("staffed_capacity"), values.get("licensed_capacity")
    if staffed is not None and licensed is not None and staffed > licensed:
        job.error(
            row,
            "staffed_capacity",
            f"Staffed capacity {staffed} is above the licensed capacity {licensed}; "
            "leave it empty to use the licensed capacity.",
        )


PROVIDERS = ProvidersFile()
CLASSROOMS = ClassroomsFile()
