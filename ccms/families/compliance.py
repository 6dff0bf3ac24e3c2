"""The Iowa child file (441 IAC 120.9; centers alike): what each child's file must hold, and
whether it does today.

One implementation for every page that shows it. It reads only the child's prefetched family
(guardians, emergency contacts), authorized pick-ups and documents, so a checklist of any number
of children costs the same few queries (see queries.with_child_file).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models

from ccms.families.models import Child, ChildDocument, DocumentKind

# An item expiring within this many days is flagged ahead of time.
EXPIRING_WITHIN_DAYS = 30
# The yearly health statement is needed for children under this age.
HEALTH_STATEMENT_UNDER_YEARS = 6


class ItemStatus(models.TextChoices):
    OK = "ok", "OK"
    MISSING = "missing", "Missing"
    EXPIRED = "expired", "Expired"
    EXPIRING = "expiring", "Expiring soon"


@dataclass(frozen=True)
class FileItem:
    key: str
    label: str
    status: ItemStatus
    # The expiry date for expired and expiring items (and for items that are ok but expire).
    on: date | None = None
    detail: str = ""

    @property
    def is_problem(self) -> bool:
        return self.status != ItemStatus.OK

    @property
    def badge(self) -> str:
        return {"ok": "good", "expiring": "warn"}.get(self.status, "bad")

    @property
    def summary(self) -> str:
        """The item's state in words, e.g. "expired Mar 3, 2026"."""
        if self.status == ItemStatus.EXPIRED:
            return f"expired {self.on:%b} {self.on.day}, {self.on:%Y}"
        if self.status == ItemStatus.EXPIRING:
            return f"expires {self.on:%b} {self.on.day}, {self.on:%Y}"
        return str(self.status.label).lower()


@dataclass(frozen=True)
class ChildFile:
    child: Child
    items: list[FileItem]

    def _with(self, status: ItemStatus) -> list[FileItem]:
        return [i for i in self.items if i.status == status]

    @property
    def problems(self) -> list[FileItem]:
        return [i for i in self.items if i.is_problem]

    @property
    def missing(self) -> list[FileItem]:
        return self._with(ItemStatus.MISSING)

    @property
    def expired(self) -> list[FileItem]:
        return self._with(ItemStatus.EXPIRED)

    @property
    def expiring(self) -> list[FileItem]:
        return self._with(ItemStatus.EXPIRING)

    @property
    def complete(self) -> bool:
        """Nothing missing or expired; items expiring soon still count as complete."""
        return not self.missing and not self.expired

    @property
    def badge(self) -> str:
        return "good" if not self.problems else "warn" if self.complete else "bad"

    @property
    def summary(self) -> str:
        parts = [
            f"{len(items)} {word}"
            for items, word in (
                (self.missing, "missing"),
                (self.expired, "expired"),
                (self.expiring, "expiring"),
            )
            if items
        ]
        return ", ".join(parts) if parts else "Complete"


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def age_in_years(birth_date: date, today: date) -> int:
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - before_birthday


def document_expiry(document: ChildDocument) -> date | None:
    """The last day a document is valid: its own expiry date, else for the yearly health
    statement one year after it was issued; None when it does not expire."""
    if document.expires_on:
        return document.expires_on
    if document.kind == DocumentKind.HEALTH_STATEMENT and document.issued_on:
        return add_years(document.issued_on, 1)
    return None


def expiry_status(expires: date | None, today: date) -> ItemStatus:
    """A document is valid through its expiry date and flagged within 30 days of it."""
    if expires is None:
        return ItemStatus.OK
    if expires < today:
        return ItemStatus.EXPIRED
    if expires <= today + timedelta(days=EXPIRING_WITHIN_DAYS):
        return ItemStatus.EXPIRING
    return ItemStatus.OK


def _best(documents: list[ChildDocument]) -> ChildDocument | None:
    """Of several documents of one kind, the one valid longest (no expiry beats any date)."""
    return max(documents, key=lambda d: document_expiry(d) or date.max, default=None)


def _document_item(key: str, label: str, documents: list[ChildDocument], today: date) -> FileItem:
    best = _best(documents)
    if best is None:
        return FileItem(key, label, ItemStatus.MISSING)
    if best.kind == DocumentKind.HEALTH_STATEMENT and document_expiry(best) is None:
        return FileItem(key, label, ItemStatus.MISSING, detail="no issue date recorded")
    expires = document_expiry(best)
    return FileItem(key, label, expiry_status(expires, today), on=expires)


def _guardians_item(child: Child) -> FileItem:
    label = "Guardians with address, phone and work contact"
    guardians = list(child.family.guardians.all())
    if not guardians:
        return FileItem("guardians", label, ItemStatus.MISSING, detail="no guardian recorded")
    gaps = []
    for g in guardians:
        lacking = [
            name
            for name, value in (
                ("address", g.address),
                ("phone", g.phone),
                ("work contact", g.work_phone),
            )
            if not value.strip()
        ]
        if lacking:
            gaps.append(f"{g.first_name} {g.last_name}: no {', '.join(lacking)}")
    if gaps:
        return FileItem("guardians", label, ItemStatus.MISSING, detail="; ".join(gaps))
    return FileItem("guardians", label, ItemStatus.OK)


def child_file(child: Child, *, today: date) -> ChildFile:
    """Every child-file item for one child, as of `today` (the provider's local date)."""
    by_kind: dict[str, list[ChildDocument]] = {}
    for document in child.documents.all():
        by_kind.setdefault(document.kind, []).append(document)

    def document_item(key: str, kind: DocumentKind) -> FileItem:
        return _document_item(key, str(kind.label), by_kind.get(kind, []), today)

    items = [
        _guardians_item(child),
        FileItem(
            "health_care_source",
            "Regular health care source",
            ItemStatus.OK if child.health_care_source.strip() else ItemStatus.MISSING,
        ),
        FileItem(
            "emergency_contact",
            "Another emergency adult",
            ItemStatus.OK if child.family.emergency_contacts.all() else ItemStatus.MISSING,
        ),
        document_item("medical_consent", DocumentKind.MEDICAL_CONSENT),
        document_item("physical_exam", DocumentKind.PHYSICAL_EXAM),
    ]
    if age_in_years(child.birth_date, today) < HEALTH_STATEMENT_UNDER_YEARS:
        items.append(document_item("health_statement", DocumentKind.HEALTH_STATEMENT))
    items.append(_pickup_item(child, by_kind.get(DocumentKind.PICKUP_LIST, []), today))
    items.append(document_item("immunization", DocumentKind.IMMUNIZATION))
    if child.allergies.strip():
        items.append(document_item("allergy_plan", DocumentKind.ALLERGY_PLAN))
    return ChildFile(child, items)


def _pickup_item(child: Child, lists: list[ChildDocument], today: date) -> FileItem:
    """A signed list is either people on record with the date a guardian signed, or a scan."""
    label = str(DocumentKind.PICKUP_LIST.label)
    if any(p.signed_on for p in child.authorized_pickups.all()):
        return FileItem("pickup_list", label, ItemStatus.OK)
    item = _document_item("pickup_list", label, lists, today)
    if item.status == ItemStatus.MISSING and child.authorized_pickups.all():
        return FileItem("pickup_list", label, ItemStatus.MISSING, detail="no signed date")
    return item


def checklist(children, *, today: date) -> list[ChildFile]:
    return [child_file(c, today=today) for c in children]


@dataclass
class ClassroomSummary:
    name: str
    pk: int | None
    files: list[ChildFile]

    @property
    def children(self) -> int:
        return len(self.files)

    @property
    def complete(self) -> int:
        return sum(f.complete for f in self.files)

    @property
    def missing(self) -> int:
        return sum(len(f.missing) for f in self.files)

    @property
    def expired(self) -> int:
        return sum(len(f.expired) for f in self.files)

    @property
    def expiring(self) -> int:
        return sum(len(f.expiring) for f in self.files)

    @property
    def complete_percent(self) -> int:
        return round(100 * self.complete / self.children) if self.children else 100

    @property
    def to_do(self) -> list[ChildFile]:
        """Files with anything missing, expired or expiring."""
        return [f for f in self.files if f.problems]

    @property
    def done(self) -> list[ChildFile]:
        return [f for f in self.files if not f.problems]


def by_classroom(files: list[ChildFile]) -> list[ClassroomSummary]:
    """Files grouped by classroom (youngest rooms first), children not placed last."""
    groups: dict[int | None, ClassroomSummary] = {}
    ordered = sorted(
        files,
        key=lambda f: (
            f.child.classroom is None,
            f.child.classroom.min_age_months if f.child.classroom else 0,
            f.child.classroom.name if f.child.classroom else "",
            f.child.last_name,
            f.child.first_name,
        ),
    )
    for f in ordered:
        room = f.child.classroom
        key = room.pk if room else None
        if key not in groups:
            groups[key] = ClassroomSummary(room.name if room else "Not placed", key, [])
        groups[key].files.append(f)
    return list(groups.values())


def totals(files: list[ChildFile]) -> dict:
    return {
        "children": len(files),
        "complete": sum(f.complete for f in files),
        "missing": sum(len(f.missing) for f in files),
        "expired": sum(len(f.expired) for f in files),
        "expiring": sum(len(f.expiring) for f in files),
        "complete_percent": round(100 * sum(f.complete for f in files) / len(files))
        if files
        else 100,
    }
