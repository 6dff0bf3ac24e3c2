"""Every write to families, guardians, emergency contacts, children, authorized pick-ups and
child documents. Each is one transaction and leaves an audit entry naming who and why."""

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction

from ccms.core.services import save_audited
from ccms.families.models import (
    AuthorizedPickup,
    Child,
    ChildDocument,
    EmergencyContact,
    Family,
    Guardian,
)
from ccms.tenancy.models import Provider, User

FAMILY_FIELDS = ["name", "email", "phone", "address"]
# What CCA eligibility needs; shown and edited only by roles that see money.
FAMILY_CCA_FIELDS = ["family_size", "monthly_income", "cca_fee_level"]
GUARDIAN_FIELDS = [
    "first_name",
    "last_name",
    "relationship",
    "phone",
    "work_phone",
    "email",
    "address",
    "is_payer",
    "can_pick_up",
]
# What a guardian may change on their own record.
GUARDIAN_CONTACT_FIELDS = ["phone", "work_phone", "email", "address"]
EMERGENCY_CONTACT_FIELDS = ["name", "relationship", "phone"]
CHILD_FIELDS = [
    "first_name",
    "last_name",
    "birth_date",
    "special_needs",
    "allergies",
    "kindertrack_child_id",
    "health_care_source",
    "file_reviewed_on",
]
# Shown to (and so edited by) only the roles that may read them; see the child forms.
CHILD_MEDICAL_FIELDS = ["medical_notes"]
CHILD_CUSTODY_FIELDS = ["custody_notes"]
PICKUP_FIELDS = ["name", "relationship", "phone", "signed_on"]
DOCUMENT_FIELDS = ["kind", "issued_on", "expires_on", "reviewed_on", "note"]

CHILD_WRITABLE = CHILD_FIELDS + CHILD_MEDICAL_FIELDS + CHILD_CUSTODY_FIELDS
FAMILY_WRITABLE = FAMILY_FIELDS + FAMILY_CCA_FIELDS


def _assign(instance: models.Model, data: dict, fields: list[str]) -> None:
    """Copy the given fields that `data` holds; a field the caller's form lacked stays as is."""
    for name in fields:
        if name in data:
            setattr(instance, name, data[name])


def _same_provider(*objects) -> None:
    """Backstop under the scoped forms and loaders: rows of two providers never meet."""
    providers = {getattr(o, "provider_id", None) for o in objects}
    if len(providers) != 1:
        raise ValidationError("These records belong to different providers.")


def _delete_audited(instance: models.Model, *, actor: User, reason: str) -> None:
    instance._history_user = actor
    instance._change_reason = reason
    instance.delete()


@transaction.atomic
def create_family(*, provider: Provider, data: dict, actor: User) -> Family:
    family = Family(provider=provider)
    _assign(family, data, FAMILY_WRITABLE)
    save_audited(family, actor=actor)
    return family


@transaction.atomic
def update_family(*, family: Family, data: dict, actor: User, reason: str) -> Family:
    _assign(family, data, FAMILY_WRITABLE)
    save_audited(family, actor=actor, reason=reason)
    return family


@transaction.atomic
def add_guardian(*, family: Family, data: dict, actor: User) -> Guardian:
    guardian = Guardian(provider_id=family.provider_id, family=family)
    _assign(guardian, data, GUARDIAN_FIELDS)
    save_audited(guardian, actor=actor)
    return guardian


@transaction.atomic
def update_guardian(*, guardian: Guardian, data: dict, actor: User, reason: str) -> Guardian:
    _assign(guardian, data, GUARDIAN_FIELDS)
    save_audited(guardian, actor=actor, reason=reason)
    return guardian


@transaction.atomic
def add_emergency_contact(*, family: Family, data: dict, actor: User) -> EmergencyContact:
    contact = EmergencyContact(provider_id=family.provider_id, family=family)
    _assign(contact, data, EMERGENCY_CONTACT_FIELDS)
    save_audited(contact, actor=actor)
    return contact


@transaction.atomic
def update_emergency_contact(
    *, contact: EmergencyContact, data: dict, actor: User, reason: str
) -> EmergencyContact:
    _assign(contact, data, EMERGENCY_CONTACT_FIELDS)
    save_audited(contact, actor=actor, reason=reason)
    return contact


@transaction.atomic
def remove_emergency_contact(*, contact: EmergencyContact, actor: User, reason: str) -> None:
    _delete_audited(contact, actor=actor, reason=reason)


@transaction.atomic
def add_child(*, family: Family, data: dict, actor: User) -> Child:
    """A child joins a family's record. Placement in a classroom is an enrollment's job."""
    child = Child(provider_id=family.provider_id, family=family)
    _assign(child, data, CHILD_WRITABLE)
    save_audited(child, actor=actor)
    return child


@transaction.atomic
def update_child(*, child: Child, data: dict, actor: User, reason: str) -> Child:
    if "family" in data:
        _same_provider(child, data["family"])
        child.family = data["family"]
    _assign(child, data, CHILD_WRITABLE)
    save_audited(child, actor=actor, reason=reason)
    return child


@transaction.atomic
def add_authorized_pickup(*, child: Child, data: dict, actor: User) -> AuthorizedPickup:
    pickup = AuthorizedPickup(provider_id=child.provider_id, child=child)
    _assign(pickup, data, PICKUP_FIELDS)
    save_audited(pickup, actor=actor)
    return pickup


@transaction.atomic
def update_authorized_pickup(
    *, pickup: AuthorizedPickup, data: dict, actor: User, reason: str
) -> AuthorizedPickup:
    _assign(pickup, data, PICKUP_FIELDS)
    save_audited(pickup, actor=actor, reason=reason)
    return pickup


@transaction.atomic
def remove_authorized_pickup(*, pickup: AuthorizedPickup, actor: User, reason: str) -> None:
    _delete_audited(pickup, actor=actor, reason=reason)


@transaction.atomic
def upload_child_document(
    *, child: Child, file: UploadedFile, data: dict, actor: User
) -> ChildDocument:
    """File a scanned paper in the child's file. Downloads go through an access-checked view."""
    document = ChildDocument(provider_id=child.provider_id, child=child, uploaded_by=actor)
    _assign(document, data, DOCUMENT_FIELDS)
    document.file = file
    try:
        save_audited(document, actor=actor)
    except Exception:
        # The row is rolled back; do not leave its file behind in storage.
        if getattr(document.file, "_committed", False) and document.file.name:
            document.file.storage.delete(document.file.name)
        raise
    return document


@transaction.atomic
def update_child_document(
    *, document: ChildDocument, data: dict, actor: User, reason: str
) -> ChildDocument:
    _assign(document, data, DOCUMENT_FIELDS)
    save_audited(document, actor=actor, reason=reason)
    return document


@transaction.atomic
def remove_child_document(*, document: ChildDocument, actor: User, reason: str) -> None:
    """A paper filed in error (wrong child, wrong kind): the row and, after commit, the file."""
    name, storage = document.file.name, document.file.storage
    _delete_audited(document, actor=actor, reason=reason)
    if name:
        transaction.on_commit(lambda: storage.delete(name))
