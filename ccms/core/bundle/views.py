"""The Import / export page: download a provider's bundle; upload one, see what it would do,
then confirm. Between the two steps the upload waits in a server-side file named by a random
token that only the uploader's session knows."""

import re
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from ccms.core.access import AllianceAccess, ProviderAccess
from ccms.core.bundle import services
from ccms.core.bundle.base import ImportScope
from ccms.core.bundle.forms import BundleUploadForm
from ccms.core.decorators import alliance_view, provider_view

TEMPLATE = "core/bundle_import.html"
SESSION_KEY = "bundle_uploads"
TOKEN = re.compile(r"[0-9a-f]{32}")
# Uploads nobody confirmed are removed after a day.
UPLOAD_MAX_AGE = 24 * 3600


@provider_view("provider.edit")
@require_http_methods(["GET", "POST"])
def provider_import(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    return _import_page(
        request,
        scope=ImportScope(provider=access.provider),
        place=f"provider:{access.provider.pk}",
        here=reverse("provider_import", args=[access.provider.slug]),
        context={"access": access},
    )


@provider_view("provider.edit")
@require_GET
def provider_export(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    bundle = services.export_provider(provider=access.provider)
    response = HttpResponse(services.bundle_zip(bundle), content_type="application/zip")
    filename = f"{access.provider.slug}-{timezone.localdate():%Y-%m-%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@alliance_view("alliance.manage")
@require_http_methods(["GET", "POST"])
def alliance_import(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    return _import_page(
        request,
        scope=ImportScope(alliance=access.alliance),
        place=f"alliance:{access.alliance.pk}",
        here=reverse("alliance_import", args=[access.alliance.slug]),
        context={"alliance_access": access},
    )


def _import_page(
    request: HttpRequest, *, scope: ImportScope, place: str, here: str, context: dict
) -> HttpResponse:
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm(request, scope=scope, place=place, here=here, context=context)
    form = BundleUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["bundle"]
        token, path = _keep_upload(request, place, upload)
        try:
            files = services.read_bundle(path, label=upload.name)
        except services.BundleReadError as error:
            _forget_upload(request, place)
            form.add_error("bundle", str(error))
        else:
            report = services.import_bundle(files=files, scope=scope, dry_run=True)
            if not report.ok or not report.changed:
                _forget_upload(request, place)
            preview = {"report": report, "filename": upload.name, "token": token}
            return render(request, TEMPLATE, {**context, **preview, "form": BundleUploadForm()})
    return render(request, TEMPLATE, {**context, "form": form})


def _confirm(
    request: HttpRequest, *, scope: ImportScope, place: str, here: str, context: dict
) -> HttpResponse:
    upload = request.session.get(SESSION_KEY, {}).get(place)
    token = request.POST.get("token", "")
    path = _upload_path(upload["token"]) if upload and upload["token"] == token else None
    if path is None or not path.is_file():
        _forget_upload(request, place)
        messages.error(request, "That upload has expired or was imported already; upload again.")
        return redirect(here)
    report = services.import_bundle(
        files=services.read_bundle(path, label=upload["name"]),
        scope=scope,
        actor=request.user,
        reason=f"Imported from the data bundle {upload['name']}",
    )
    _forget_upload(request, place)
    if report.written:
        created = sum(f.created for f in report.files)
        updated = sum(f.updated for f in report.files)
        messages.success(
            request,
            f"Imported {upload['name']}: {created} rows created, {updated} updated.",
        )
        return redirect(here)
    # The data changed since the preview and the bundle no longer fits: nothing was written.
    preview = {"report": report, "filename": upload["name"], "form": BundleUploadForm()}
    return render(request, TEMPLATE, {**context, **preview})


def _upload_dir() -> Path:
    return Path(settings.VAR_DIR) / "bundle-uploads"


def _upload_path(token: str) -> Path | None:
    if not TOKEN.fullmatch(token or ""):
        return None
    return _upload_dir() / f"{token}.zip"


def _keep_upload(request: HttpRequest, place: str, upload) -> tuple[str, Path]:
    _forget_upload(request, place)
    folder = _upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - UPLOAD_MAX_AGE
    for old in folder.glob("*.zip"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    path = folder / f"{token}.zip"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    uploads = request.session.get(SESSION_KEY, {})
    uploads[place] = {"token": token, "name": Path(upload.name).name[:200]}
    request.session[SESSION_KEY] = uploads
    return token, path


def _forget_upload(request: HttpRequest, place: str) -> None:
    uploads = request.session.get(SESSION_KEY, {})
    upload = uploads.pop(place, None)
    if upload is None:
        return
    path = _upload_path(upload.get("token", ""))
    if path is not None:
        path.unlink(missing_ok=True)
    request.session[SESSION_KEY] = uploads
