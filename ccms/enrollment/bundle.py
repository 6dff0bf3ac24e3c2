"""enrollments.csv of the data bundle: enrollments, and waitlist entries as `waitlisted` rows."""

from decimal import Decimal

from django.utils import timezone

from ccms.core.bundle.base import (
    UNCHANGED,
    BundleFile,
    Choice,
    Date,
    FilePlan,
    Fte,
    ImportPlan,
    Key,
    Money,
    Row,
    report_progress,
)
from ccms.enrollment.models import (
    Enrollment,
    EnrollmentStatus,
    Inquiry,
    InquirySource,
    Stage,
    StageChange,
    TuitionFrequency,
)
from ccms.enrollment.services import sync_current_classroom
from ccms.tenancy.models import Provider

WAITLISTED = "waitlisted"
STATUSES = (EnrollmentStatus.ACTIVE.value, WAITLISTED, EnrollmentStatus.WITHDRAWN.value)
FULL_TIME = Decimal("1.00")
# Columns that describe an enrollment and so stay empty on a waitlisted row.
ENROLLMENT_ONLY = ("end_date", "tuition_amount", "tuition_frequency")


class EnrollmentsFile(BundleFile):
    name = "enrollments.csv"
    columns = (
        Key("child_key", required=True),
        Key("classroom_key", required=True),
        Date("start_date", required=True),
        Date("end_date"),
        Choice("status", default=EnrollmentStatus.ACTIVE.value, choices=STATUSES),
        Fte("fte"),
        Money("tuition_amount"),
        Choice("tuition_frequency", choices=tuple(TuitionFrequency.values)),
    )
    key = ("child_key", "classroom_key", "start_date")
    fields = {
        "end_date": "end_date",
        "status": "status",
        "fte": "fte",
        "tuition_amount": "tuition_amount",
        "tuition_frequency": "tuition_frequency",
    }

    def plan(self, rows: list[Row], job: ImportPlan) -> None:
        if not rows:
            return
        ids, keys = job.existing_provider_ids(), job.provider_keys_by_id()
        enrollments = {
            (keys[e.provider_id], e.child.key, e.classroom.key, e.start_date): e
            for e in Enrollment.objects.filter(provider_id__in=ids).select_related(
                "child", "classroom"
            )
        }
        # A waitlist entry is matched at whatever stage it has reached since: an import never
        # moves an inquiry back through the pipeline.
        inquiries: dict[tuple, Inquiry] = {}
        for inquiry in (
            Inquiry.objects.filter(
                provider_id__in=ids, desired_classroom__isnull=False, desired_start__isnull=False
            )
            .select_related("child", "desired_classroom")
            .order_by("pk")
        ):
            key = (
                keys[inquiry.provider_id],
                inquiry.child.key,
                inquiry.desired_classroom.key,
                inquiry.desired_start,
            )
            inquiries.setdefault(key, inquiry)
        for row in rows:
            found = job.resolve(row, "child_key", "child", defined_in="children.csv")
            if found is None:
                continue
            provider_key, child = found
            found = job.resolve(
                row,
                "classroom_key",
                "classroom",
                defined_in="classrooms.csv",
                provider_key=provider_key,
            )
            if found is None:
                continue
            room = found[1]
            key = (provider_key, child.key, room.key, row.values["start_date"])
            if row.values.get("status") == WAITLISTED:
                _check_waitlisted(row, job)
                inquiry = inquiries.get(key) or Inquiry(
                    provider=job.providers[provider_key],
                    family=child.family,
                    child=child,
                    stage=Stage.WAITLIST,
                    source=InquirySource.IMPORT,
                    desired_classroom=room,
                    desired_start=row.values["start_date"],
                    applied_on=timezone.localdate(),
                )
                job.record(row, inquiry, {})
                continue
            _check_enrollment(row, job)
            enrollment = enrollments.get(key) or Enrollment(
                provider=job.providers[provider_key],
                child=child,
                classroom=room,
                start_date=row.values["start_date"],
            )
            job.record(row, enrollment, self.values(row))

    def write(self, plan: FilePlan, job: ImportPlan, *, actor, reason: str, progress) -> None:
        children = {}
        pending = [row for row in plan.rows if row.action != UNCHANGED]
        for done, row in enumerate(pending, start=1):
            job.save(self.name, row.line, row.instance, actor=actor, reason=reason)
            if isinstance(row.instance, Inquiry):
                StageChange.objects.create(
                    provider_id=row.instance.provider_id,
                    inquiry=row.instance,
                    from_stage="",
                    to_stage=Stage.WAITLIST,
                    at=timezone.now(),
                    by=actor if getattr(actor, "pk", None) else None,
                    note=reason,
                )
            else:
                children[row.instance.child_id] = row.instance.child
            report_progress(progress, f"{self.name}: {done}/{len(pending)} written", done)
        # Child.classroom follows the enrollment in effect, as enroll_child keeps it.
        for child in children.values():
            sync_current_classroom(child, actor)

    def export(self, provider: Provider, warnings: list[str]) -> list[dict]:
        rows = [
            {
                "child_key": e.child.key,
                "classroom_key": e.classroom.key,
                "start_date": e.start_date,
                **self.exported(e),
            }
            for e in Enrollment.objects.filter(provider=provider).select_related(
                "child", "classroom"
            )
        ]
        taken = {(r["child_key"], r["classroom_key"], r["start_date"]) for r in rows}
        waitlist = Inquiry.objects.filter(provider=provider, stage=Stage.WAITLIST).select_related(
            "child", "desired_classroom"
        )
        for inquiry in waitlist.order_by("pk"):
            if inquiry.desired_classroom is None or inquiry.desired_start is None:
                warnings.append(
                    f"{self.name}: the waitlist entry of {inquiry.child} is left out: it has no "
                    "desired classroom or start date. Set both to include it."
                )
                continue
            key = (inquiry.child.key, inquiry.desired_classroom.key, inquiry.desired_start)
            if key in taken:
                warnings.append(
                    f"{self.name}: the waitlist entry of {inquiry.child} is left out: the same "
                    "child, classroom and start date are already in the file."
                )
                continue
            taken.add(key)
            rows.append(
                {
                    "child_key": key[0],
                    "classroom_key": key[1],
                    "start_date": key[2],
                    "status": WAITLISTED,
                }
            )
        return sorted(rows, key=lambda r: (r["child_key"], r["classroom_key"], r["start_date"]))


def _check_waitlisted(row: Row, job: ImportPlan) -> None:
    for column in ENROLLMENT_ONLY:
        if row.values.get(column) not in (None, ""):
            job.error(row, column, "A waitlisted row is not an enrollment yet; leave this empty.")
    if row.values.get("fte", FULL_TIME) != FULL_TIME:
        job.error(row, "fte", "A waitlisted row is not an enrollment yet; leave fte empty.")


def _check_enrollment(row: Row, job: ImportPlan) -> None:
    values = row.values
    start, end = values["start_date"], values.get("end_date")
    if end is not None and end < start:
        job.error(row, "end_date", f"The end date {end} is before the start date {start}.")
    if values.get("status") == EnrollmentStatus.WITHDRAWN and "end_date" in values and not end:
        job.error(row, "end_date", "A withdrawn enrollment needs its end date, the last day.")
    amount, frequency = values.get("tuition_amount"), values.get("tuition_frequency")
    if "tuition_amount" in values and amount is not None and not frequency:
        if "tuition_frequency" in values:
            job.error(row, "tuition_frequency", "Say whether the tuition is weekly or monthly.")
    if frequency and "tuition_amount" in values and amount is None:
        job.error(
            row, "tuition_amount", "Give the tuition amount, or leave both tuition cells empty."
        )


ENROLLMENTS = EnrollmentsFile()
