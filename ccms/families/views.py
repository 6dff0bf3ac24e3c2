"""Family and child pages: family records, child details, authorized pick-ups, the child file's
documents and the child-file checklist. Views load objects through queries.access_*, which scope
them to the provider in the URL and to what the role may see, and write through services."""

import mimetypes
from pathlib import PurePath

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from ccms.core.access import ProviderAccess
from ccms.core.decorators import provider_view
from ccms.families import compliance, queries, services
from ccms.families.forms import (
    AuthorizedPickupForm,
    ChecklistFilterForm,
    ChildForm,
    DeleteForm,
    DocumentForm,
    EmergencyContactForm,
    FamilyForm,
    GuardianContactForm,
    GuardianForm,
)
from ccms.families.models import Child, Family


def provider_today(access: ProviderAccess):
    return timezone.localdate(timezone=access.provider.tz)


def _family_url(access: ProviderAccess, family: Family):
    return redirect("family_detail", provider=access.provider.slug, family_id=family.pk)


def _child_url(access: ProviderAccess, child: Child):
    return redirect("child_detail", provider=access.provider.slug, child_id=child.pk)


def _form_page(request, access, form, *, title, intro="", back, submit, multipart=False):
    return render(
        request,
        "families/form.html",
        {
            "access": access,
            "form": form,
            "title": title,
            "intro": intro,
            "back": back,
            "submit": submit,
            "multipart": multipart,
        },
    )


# --- families -------------------------------------------------------------------------------


@provider_view("children.view")
def family_list(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    page = Paginator(queries.family_search(access, q), 25).get_page(request.GET.get("page"))
    template = "families/_family_rows.html" if request.htmx else "families/family_list.html"
    return render(request, template, {"access": access, "page": page, "q": q})


@provider_view("families.edit")
@require_http_methods(["GET", "POST"])
def family_create(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    form = FamilyForm(request.POST or None, access=access, with_reason=False)
    if request.method == "POST" and form.is_valid():
        family = services.create_family(
            provider=access.provider, data=form.cleaned_data, actor=request.user
        )
        messages.success(request, f"“{family.name}” added. Add the guardians next.")
        return _family_url(access, family)
    return _form_page(
        request,
        access,
        form,
        title="Add a family",
        intro="The household: its guardians, emergency contacts and children follow.",
        back=reverse("family_list", args=[access.provider.slug]),
        submit="Add family",
    )


@provider_view("children.view")
def family_detail(request: HttpRequest, access: ProviderAccess, family_id: int) -> HttpResponse:
    family = queries.access_family(access, family_id)
    children = queries.with_child_file(
        queries.visible_children(access).filter(family=family).order_by("birth_date")
    )
    today = provider_today(access)
    context = {
        "access": access,
        "family": family,
        "guardians": family.guardians.all(),
        "contacts": family.emergency_contacts.all(),
        "files": compliance.checklist(children, today=today),
        "can_edit": access.can("families.edit"),
        "show_cca": access.can("money.view")
        and bool(family.family_size or family.monthly_income is not None or family.cca_fee_level),
    }
    return render(request, "families/family_detail.html", context)


@provider_view("families.edit")
@require_http_methods(["GET", "POST"])
def family_edit(request: HttpRequest, access: ProviderAccess, family_id: int) -> HttpResponse:
    family = queries.access_family(access, family_id)
    form = FamilyForm(request.POST or None, instance=family, access=access, with_reason=True)
    if request.method == "POST" and form.is_valid():
        services.update_family(
            family=family,
            data=form.cleaned_data,
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, f"“{family.name}” saved.")
        return _family_url(access, family)
    return _form_page(
        request,
        access,
        form,
        title=f"Edit {family.name}",
        back=reverse("family_detail", args=[access.provider.slug, family.pk]),
        submit="Save changes",
    )


# --- guardians and emergency contacts ---------------------------------------------------------


@provider_view("families.edit")
@require_http_methods(["GET", "POST"])
def guardian_create(request: HttpRequest, access: ProviderAccess, family_id: int) -> HttpResponse:
    family = queries.access_family(access, family_id)
    form = GuardianForm(request.POST or None, family=family, with_reason=False)
    if request.method == "POST" and form.is_valid():
        guardian = services.add_guardian(family=family, data=form.cleaned_data, actor=request.user)
        messages.success(request, f"{guardian} added to {family.name}.")
        return _family_url(access, family)
    return _form_page(
        request,
        access,
        form,
        title=f"Add a guardian to {family.name}",
        intro="The child file needs each guardian's address, phone and work contact.",
        back=reverse("family_detail", args=[access.provider.slug, family.pk]),
        submit="Add guardian",
    )


@provider_view("children.view")
@require_http_methods(["GET", "POST"])
def guardian_edit(request: HttpRequest, access: ProviderAccess, guardian_id: int) -> HttpResponse:
    """Staff who edit families change everything; a guardian only their own contact details."""
    guardian = queries.access_guardian(access, guardian_id)
    if access.can("families.edit"):
        form = GuardianForm(
            request.POST or None, instance=guardian, family=guardian.family, with_reason=True
        )
    elif guardian.user_id == access.user.pk:
        form = GuardianContactForm(request.POST or None, instance=guardian)
    else:
        raise PermissionDenied("You may change only your own contact details.")
    if request.method == "POST" and form.is_valid():
        services.update_guardian(
            guardian=guardian,
            data=form.cleaned_data,
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, f"{guardian} saved.")
        return _family_url(access, guardian.family)
    return _form_page(
        request,
        access,
        form,
        title=f"Edit {guardian}",
        back=reverse("family_detail", args=[access.provider.slug, guardian.family_id]),
        submit="Save changes",
    )


@provider_view("families.edit")
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest, access: ProviderAccess, family_id: int) -> HttpResponse:
    family = queries.access_family(access, family_id)
    form = EmergencyContactForm(request.POST or None, family=family, with_reason=False)
    if request.method == "POST" and form.is_valid():
        contact = services.add_emergency_contact(
            family=family, data=form.cleaned_data, actor=request.user
        )
        messages.success(request, f"{contact} added as an emergency contact.")
        return _family_url(access, family)
    return _form_page(
        request,
        access,
        form,
        title=f"Add an emergency contact for {family.name}",
        back=reverse("family_detail", args=[access.provider.slug, family.pk]),
        submit="Add contact",
    )


@provider_view("families.edit")
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, access: ProviderAccess, contact_id: int) -> HttpResponse:
    contact = queries.access_emergency_contact(access, contact_id)
    form = EmergencyContactForm(
        request.POST or None, instance=contact, family=contact.family, with_reason=True
    )
    if request.method == "POST" and form.is_valid():
        services.update_emergency_contact(
            contact=contact,
            data=form.cleaned_data,
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, f"{contact} saved.")
        return _family_url(access, contact.family)
    return _form_page(
        request,
        access,
        form,
        title=f"Edit emergency contact {contact}",
        back=reverse("family_detail", args=[access.provider.slug, contact.family_id]),
        submit="Save changes",
    )


@provider_view("families.edit")
@require_http_methods(["GET", "POST"])
def contact_delete(request: HttpRequest, access: ProviderAccess, contact_id: int) -> HttpResponse:
    contact = queries.access_emergency_contact(access, contact_id)
    form = DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.remove_emergency_contact(
            contact=contact, actor=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, f"{contact} is no longer an emergency contact.")
        return _family_url(access, contact.family)
    return _form_page(
        request,
        access,
        form,
        title=f"Remove emergency contact {contact}",
        intro=f"{contact} will no longer be called in an emergency for {contact.family.name}.",
        back=reverse("family_detail", args=[access.provider.slug, contact.family_id]),
        submit="Remove contact",
    )


# --- children ---------------------------------------------------------------------------------


@provider_view("families.edit")
@require_http_methods(["GET", "POST"])
def child_create(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    initial = {}
    family_id = request.GET.get("family", "")
    if family_id.isdigit():
        initial["family"] = queries.access_family(access, int(family_id))
    form = ChildForm(request.POST or None, initial=initial, access=access, with_reason=False)
    if request.method == "POST" and form.is_valid():
        child = services.add_child(
            family=form.cleaned_data["family"], data=form.cleaned_data, actor=request.user
        )
        messages.success(request, f"{child} added. Place the child in a classroom by enrolling.")
        return _child_url(access, child)
    back = (
        reverse("family_detail", args=[access.provider.slug, initial["family"].pk])
        if initial
        else reverse("family_list", args=[access.provider.slug])
    )
    return _form_page(
        request,
        access,
        form,
        title="Add a child",
        intro="The child's details for the child file.",
        back=back,
        submit="Add child",
    )


@provider_view("children.view")
def child_detail(request: HttpRequest, access: ProviderAccess, child_id: int) -> HttpResponse:
    child = queries.access_child(access, child_id, with_file=True)
    today = provider_today(access)
    documents = [
        {
            "document": d,
            "expires": compliance.document_expiry(d),
            "status": compliance.expiry_status(compliance.document_expiry(d), today),
        }
        for d in child.documents.all()
    ]
    context = {
        "access": access,
        "child": child,
        "age": compliance.age_in_years(child.birth_date, today),
        "file": compliance.child_file(child, today=today),
        "guardians": child.family.guardians.all(),
        "pickups": child.authorized_pickups.all(),
        "documents": documents,
        "can_edit": access.can("families.edit"),
        "show_medical": access.can("medical.view"),
        "show_custody": access.can("custody.view"),
        "show_documents": access.can("child_file.view"),
    }
    return render(request, "families/child_detail.html", context)


@provider_view("families.edit")
@require_http_methods(["GET", "POST"])
def child_edit(request: HttpRequest, access: ProviderAccess, child_id: int) -> HttpResponse:
    child = queries.access_child(access, child_id)
    form = ChildForm(request.POST or None, instance=child, access=access, with_reason=True)
    if request.method == "POST" and form.is_valid():
        services.update_child(
            child=child,
            data=form.cleaned_data,
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, f"{child} saved.")
        return _child_url(access, child)
    return _form_page(
        request,
        access,
        form,
        title=f"Edit {child}",
        back=reverse("child_detail", args=[access.provider.slug, child.pk]),
        submit="Save changes",
    )


# --- authorized pick-ups -----------------------------------------------------------------------


@provider_view("families.edit")
@require_http_methods(["GET", "POST"])
def pickup_create(request: HttpRequest, access: ProviderAccess, child_id: int) -> HttpResponse:
    child = queries.access_child(access, child_id)
    form = AuthorizedPickupForm(request.POST or None, with_reason=False)
    if request.method == "POST" and form.is_valid():
        pickup = services.add_authorized_pickup(
            child=child, data=form.cleaned_data, actor=request.user
        )
        messages.success(request, f"{pickup} may now pick up {child.first_name}.")
        return _child_url(access, child)
    return _form_page(
        request,
        access,
        form,
        title=f"Authorize a pick-up for {child}",
        intro="Someone a guardian has named in writing. Enter the date they signed the list.",
        back=reverse("child_detail", args=[access.provider.slug, child.pk]),
        submit="Add person",
    )


@provider_view("families.edit")
@require_http_methods(["GET", "POST"])
def pickup_edit(request: HttpRequest, access: ProviderAccess, pickup_id: int) -> HttpResponse:
    pickup = queries.access_pickup(access, pickup_id)
    form = AuthorizedPickupForm(request.POST or None, instance=pickup, with_reason=True)
    if request.method == "POST" and form.is_valid():
        services.update_authorized_pickup(
            pickup=pickup,
            data=form.cleaned_data,
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, f"{pickup} saved.")
        return _child_url(access, pickup.child)
    return _form_page(
        request,
        access,
        form,
        title=f"Edit authorized pick-up {pickup}",
        back=reverse("child_detail", args=[access.provider.slug, pickup.child_id]),
        submit="Save changes",
    )


@provider_view("families.edit")
@require_http_methods(["GET", "POST"])
def pickup_delete(request: HttpRequest, access: ProviderAccess, pickup_id: int) -> HttpResponse:
    pickup = queries.access_pickup(access, pickup_id)
    form = DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.remove_authorized_pickup(
            pickup=pickup, actor=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, f"{pickup} may no longer pick up {pickup.child.first_name}.")
        return _child_url(access, pickup.child)
    return _form_page(
        request,
        access,
        form,
        title=f"Remove {pickup} from the pick-up list",
        intro=f"{pickup} will no longer be allowed to pick up {pickup.child}.",
        back=reverse("child_detail", args=[access.provider.slug, pickup.child_id]),
        submit="Remove from list",
    )


# --- documents --------------------------------------------------------------------------------


@provider_view("families.edit")
@require_http_methods(["GET", "POST"])
def document_upload(request: HttpRequest, access: ProviderAccess, child_id: int) -> HttpResponse:
    child = queries.access_child(access, child_id)
    form = DocumentForm(
        request.POST or None,
        request.FILES or None,
        initial={"kind": request.GET.get("kind", "")},
        with_file=True,
        with_reason=False,
    )
    if request.method == "POST" and form.is_valid():
        document = services.upload_child_document(
            child=child,
            file=form.cleaned_data["file"],
            data=form.cleaned_data,
            actor=request.user,
        )
        messages.success(request, f"{document.get_kind_display()} filed for {child}.")
        return _child_url(access, child)
    return _form_page(
        request,
        access,
        form,
        title=f"Add a document to {child}'s file",
        back=reverse("child_detail", args=[access.provider.slug, child.pk]),
        submit="Upload document",
        multipart=True,
    )


@provider_view("families.edit")
@require_http_methods(["GET", "POST"])
def document_edit(request: HttpRequest, access: ProviderAccess, document_id: int) -> HttpResponse:
    document = queries.access_document(access, document_id)
    form = DocumentForm(request.POST or None, instance=document, with_file=False, with_reason=True)
    if request.method == "POST" and form.is_valid():
        services.update_child_document(
            document=document,
            data=form.cleaned_data,
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, f"{document.get_kind_display()} saved.")
        return _child_url(access, document.child)
    return _form_page(
        request,
        access,
        form,
        title=f"Edit {document}",
        intro="Correct the dates, or record that you reviewed the document.",
        back=reverse("child_detail", args=[access.provider.slug, document.child_id]),
        submit="Save changes",
    )


@provider_view("families.edit")
@require_http_methods(["GET", "POST"])
def document_delete(request: HttpRequest, access: ProviderAccess, document_id: int) -> HttpResponse:
    document = queries.access_document(access, document_id)
    form = DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.remove_child_document(
            document=document, actor=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, f"{document} removed.")
        return _child_url(access, document.child)
    return _form_page(
        request,
        access,
        form,
        title=f"Remove {document}",
        intro="For a paper filed in error, e.g. for the wrong child. The file is deleted.",
        back=reverse("child_detail", args=[access.provider.slug, document.child_id]),
        submit="Remove document",
    )


@provider_view("child_file.view")
def document_download(
    request: HttpRequest, access: ProviderAccess, document_id: int
) -> FileResponse:
    """Documents are served only through here, never from a public media URL."""
    document = queries.access_document(access, document_id)
    if not document.file:
        raise Http404("This document has no file.")
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file of this document is missing from storage.") from None
    name = PurePath(document.file.name).name
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)


# --- the child-file checklist ------------------------------------------------------------------


@provider_view("child_file.view")
def compliance_checklist(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    classrooms = queries.visible_classrooms(access)
    form = ChecklistFilterForm(request.GET or None, classrooms=classrooms)
    # Children in care, i.e. placed in a classroom; inquiries and waitlisted children are not.
    children = queries.visible_children(access).filter(classroom__isnull=False)
    only_problems = False
    if form.is_valid():
        if form.cleaned_data["classroom"]:
            children = children.filter(classroom=form.cleaned_data["classroom"])
        only_problems = form.cleaned_data["problems"]
    today = provider_today(access)
    files = compliance.checklist(queries.with_child_file(children), today=today)
    shown = [f for f in files if f.problems] if only_problems else files
    context = {
        "access": access,
        "form": form,
        "today": today,
        "totals": compliance.totals(files),
        "summary": compliance.by_classroom(files),
        "rooms": compliance.by_classroom(shown),
        "only_problems": only_problems,
    }
    return render(request, "families/compliance_checklist.html", context)
