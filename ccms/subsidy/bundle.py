"""cca_authorizations.csv of the data bundle: each subsidized child's CCA authorization, matched
by the child and its first day."""

from collections import defaultdict
from datetime import date

from django.core.exceptions import ValidationError

from ccms.core.bundle.base import (
    BundleFile,
    Date,
    ImportPlan,
    Integer,
    Key,
    Money,
    Row,
)
from ccms.subsidy.models import Authorization
from ccms.subsidy.services import refuse_changing_submitted
from ccms.tenancy.models import Provider


class AuthorizationsFile(BundleFile):
    name = "cca_authorizations.csv"
    columns = (
        Key("child_key", required=True),
        Date("start_date", required=True),
        Date("end_date", required=True),
        Integer("units_per_period", required=True, minimum=1, maximum=200),
        Money("private_rate", required=True),
        Date("difference_agreement_signed_on"),
    )
    # A child has one authorization a day, so the child and the first day name a row.
    key = ("child_key", "start_date")
    fields = {
        "start_date": "start_date",
        "end_date": "end_date",
        "units_per_period": "units_per_period",
        "private_rate": "private_rate",
        "difference_agreement_signed_on": "difference_agreement_signed_on",
    }

    def plan(self, rows: list[Row], job: ImportPlan) -> None:
        if not rows:
            return
        stored: dict[tuple[int, date], Authorization] = {
            (a.child_id, a.start_date): a
            for a in Authorization.objects.filter(provider_id__in=job.existing_provider_ids())
        }
        named: dict[tuple[str, str], list[tuple[Row, date, date]]] = defaultdict(list)
        children = {}
        for row in rows:
            found = job.resolve(row, "child_key", "child", defined_in="children.csv")
            start, end = row.values.get("start_date"), row.values.get("end_date")
            if found is None or start is None:
                continue
            provider_key, child = found
            if end is not None and end < start:
                job.error(
                    row,
                    "end_date",
                    f"The last day {end} is before the first day {start}; dates are inclusive.",
                )
                continue
            authorization = stored.get((child.pk, start)) if child.pk else None
            if authorization is None:
                authorization = Authorization(
                    provider=job.providers[provider_key],
                    child=child,
                    special_needs=child.special_needs,
                )
            else:
                self._check_submitted(row, authorization, job)
            job.record(row, authorization, self.values(row))
            if end is not None:
                named[(provider_key, child.key)].append((row, start, end))
                children[(provider_key, child.key)] = child
        for place, entries in named.items():
            self._check_overlaps(entries, children[place], stored, job)

    def _check_submitted(self, row: Row, authorization: Authorization, job: ImportPlan) -> None:
        try:
            refuse_changing_submitted(authorization, self.values(row))
        except ValidationError as error:
            job.error(row, "start_date", " ".join(error.messages))

    def _check_overlaps(self, entries, child, stored, job: ImportPlan) -> None:
        """A child has one authorization a day: the file's rows of the child may not overlap
        each other, nor an authorization stored for the child that the file does not list."""
        entries.sort(key=lambda e: e[1])
        listed = {start for _, start, _ in entries}
        others = [
            a
            for (child_id, start), a in stored.items()
            if child.pk is not None and child_id == child.pk and start not in listed
        ]
        for index, (row, start, end) in enumerate(entries):
            earlier = next(
                ((r, s, e) for r, s, e in entries[:index] if s <= end and start <= e), None
            )
            if earlier is not None:
                job.error(
                    row,
                    "start_date",
                    f"Overlaps line {earlier[0].line} ({earlier[1]} to {earlier[2]}); a child has "
                    "one authorization a day.",
                )
                continue
            clash = next((a for a in others if a.start_date <= end and start <= a.end_date), None)
            if clash is not None:
                job.error(
                    row,
                    "start_date",
                    f"Overlaps the authorization stored for {child.key} from {clash.start_date} "
                    f"to {clash.end_date}, which this file does not list; a child has one "
                    "authorization a day. Change its dates in the app, or list it here.",
                )

    def export(self, provider: Provider, warnings: list[str]) -> list[dict]:
        authorizations = Authorization.objects.filter(provider=provider).select_related("child")
        rows, not_held = [], defaultdict(int)
        for a in authorizations:
            rows.append({"child_key": a.child.key, **self.exported(a)})
            if a.case_number:
                not_held["a case number"] += 1
            if a.special_needs != a.child.special_needs:
                not_held["a special-needs rate unlike the child's record"] += 1
            if a.age_group_override:
                not_held["a chosen age group"] += 1
            if a.fee_level_override:
                not_held["a fee level of its own"] += 1
        for what, count in not_held.items():
            warnings.append(
                f"{self.name}: {count} authorization{'s' if count != 1 else ''} "
                f"{'have' if count != 1 else 'has'} {what}, which the file has no column for; "
                "an import into an empty database leaves it out."
            )
        return sorted(rows, key=lambda r: (r["child_key"], r["start_date"]))


CCA_AUTHORIZATIONS = AuthorizationsFile()
