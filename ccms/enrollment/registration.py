"""Pages for families without an account: a provider's public inquiry and application page, and
the enrollment packet opened from an e-mailed link. Plus the staff action that sends the link."""

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ccms.core.access import ProviderAccess
from ccms.core.decorators import provider_view
from ccms.core.forms import show_validation_error
from ccms.enrollment import packet
from ccms.enrollment.models import Inquiry, InquirySource, PacketInvitation, Stage
from ccms.enrollment.registration_forms import InviteForm, PacketForm, PublicInquiryForm
from ccms.enrollment.services import record_inquiry
from ccms.tenancy.models import Provider

# Public form posts per client address per hour; enough for a family fixing typos, not a robot.
PUBLIC_POSTS_PER_HOUR = 10
RATE_WINDOW_SECONDS = 3600
# The session remembers which packet this browser just signed, to show it once after signing.
SIGNED_SESSION_KEY = "packet_just_signed"


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"  # noqa: S104 (a placeholder, not a bind)


def _over_rate_limit(request: HttpRequest) -> bool:
    """Count this post against the client's hourly allowance (a fixed window in the cache)."""
    key = f"public-inquiry:{_client_ip(request)}"
    cache.add(key, 0, RATE_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RATE_WINDOW_SECONDS)
        count = 1
    return count > PUBLIC_POSTS_PER_HOUR


def _public_provider(slug: str) -> Provider:
    return get_object_or_404(Provider.objects.select_related("alliance"), slug=slug)


@require_http_methods(["GET", "POST"])
def public_enroll(request: HttpRequest, provider: str) -> HttpResponse:
    """A provider's page for families: who they are, their classrooms, and the inquiry form."""
    provider_obj = _public_provider(provider)
    today = packet.local_today(provider_obj)
    data = request.POST if request.method == "POST" else None
    form = PublicInquiryForm(data, provider=provider_obj, today=today)
    status = 200
    if request.method == "POST":
        if _over_rate_limit(request):
            return render(
                request,
                "enrollment/public/limited.html",
                {"provider": provider_obj, "minutes": RATE_WINDOW_SECONDS // 60},
                status=429,
            )
        if form.is_valid():
            try:
                arguments = form.inquiry_arguments()
                record_inquiry(
                    provider=provider_obj, source=InquirySource.WEB, actor=None, **arguments
                )
            except ValidationError as error:
                show_validation_error(form, error)
            else:
                url = reverse("public_enroll_thanks", args=[provider_obj.slug])
                applied = arguments["stage"] == Stage.APPLICATION
                return redirect(f"{url}?applied=1" if applied else url)
        status = 400
    context = {
        "provider": provider_obj,
        "classrooms": provider_obj.classrooms.order_by("min_age_months", "name"),
        "form": form,
    }
    return render(request, "enrollment/public/enroll.html", context, status=status)


@require_GET
def public_enroll_thanks(request: HttpRequest, provider: str) -> HttpResponse:
    provider_obj = _public_provider(provider)
    context = {"provider": provider_obj, "applied": request.GET.get("applied") == "1"}
    return render(request, "enrollment/public/thanks.html", context)


# --- the staff side: sending the packet link ----------------------------------------------


def _inquiry(access: ProviderAccess, inquiry_id: int) -> Inquiry:
    return get_object_or_404(
        Inquiry.objects.select_related("child", "family", "provider"),
        pk=inquiry_id,
        provider=access.provider,
    )


@provider_view("provider.edit")
def packet_invite(request: HttpRequest, access: ProviderAccess, inquiry_id: int) -> HttpResponse:
    """Send the guardian a link to the enrollment packet (POST). Answers htmx with the panel."""
    inquiry = _inquiry(access, inquiry_id)
    # Checked after loading the inquiry, so another provider's id is a 404 whatever the method.
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = InviteForm(request.POST)
    sent_to = ""
    if form.is_valid():
        try:
            packet.invite_guardian_to_packet(
                inquiry=inquiry,
                email=form.cleaned_data["email"],
                actor=request.user,
                base_url=request.build_absolute_uri("/"),
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            sent_to = form.cleaned_data["email"]
    error = " ".join(e for errors in form.errors.values() for e in errors)
    if request.htmx:
        context = {"access": access, "inquiry": inquiry, "invite_error": error, "sent_to": sent_to}
        return render(request, "enrollment/packet/_invite_panel.html", context)
    if sent_to:
        messages.success(request, f"Enrollment packet link sent to {sent_to}.")
    else:
        messages.error(request, f"The link was not sent: {error}")
    return redirect("inquiry_detail", access.provider.slug, inquiry.pk)


@provider_view("provider.edit")
def packet_signatures(
    request: HttpRequest, access: ProviderAccess, inquiry_id: int
) -> HttpResponse:
    """The signed packets of an inquiry: the exact text, who typed which name, when, from where."""
    inquiry = _inquiry(access, inquiry_id)
    invitations = (
        inquiry.invitations.filter(completed_at__isnull=False)
        .select_related("signature")
        .order_by("-completed_at")
    )
    signatures = []
    for invitation in invitations:
        signature = invitation.signature
        signature.intact = packet.document_version(signature.document_text) == (
            signature.document_version
        )
        signatures.append(signature)
    context = {"access": access, "inquiry": inquiry, "signatures": signatures}
    return render(request, "enrollment/packet/signatures.html", context)


# --- the guardian's packet ----------------------------------------------------------------


def _invitation(token: str) -> PacketInvitation:
    return get_object_or_404(
        PacketInvitation.objects.select_related(
            "provider",
            "inquiry__provider",
            "inquiry__child",
            "inquiry__family",
            "inquiry__desired_classroom",
        ),
        token=token,
    )


def _closed(request: HttpRequest, invitation: PacketInvitation, message: str) -> HttpResponse:
    context = {"provider": invitation.provider, "message": message}
    return render(request, "enrollment/packet/closed.html", context, status=410)


def _no_index(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def packet_form(request: HttpRequest, token: str) -> HttpResponse:
    """The packet, on one page built for a phone. The token in the link is the credential."""
    invitation = _invitation(token)
    if packet.invitation_state(invitation) != "open":
        return _no_index(_closed(request, invitation, packet.closed_message(invitation)))
    inquiry = invitation.inquiry
    child = inquiry.child
    guardians = list(inquiry.family.guardians.all())
    guardian = packet.primary_guardian(inquiry, invitation.email)
    forms = PacketForm(
        request.POST if request.method == "POST" else None,
        child=child,
        guardian=guardian,
        guardians=guardians,
        pickups=list(child.authorized_pickups.all()),
        contact=inquiry.family.emergency_contacts.first(),
    )
    if request.method == "POST" and forms.is_valid():
        try:
            packet.complete_packet(
                invitation=invitation,
                entries=forms.entries(),
                typed_name=forms.signature.cleaned_data["typed_name"],
                ip_address=_client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        except packet.PacketClosed as closed:
            return _no_index(_closed(request, invitation, str(closed)))
        except ValidationError as error:
            forms.add_service_error(error)
        else:
            request.session[SIGNED_SESSION_KEY] = invitation.pk
            return redirect("packet_signed", token)
    provider = invitation.provider
    context = {
        "provider": provider,
        "invitation": invitation,
        "inquiry": inquiry,
        "child": child,
        "guardian": guardian,
        "packet": forms,
        "expires_on": timezone.localtime(invitation.expires_at, provider.tz).date(),
        "medical_consent_text": packet.medical_consent_text(provider, child),
        "photo_consent_text": packet.photo_consent_text(provider, child),
        "tuition_text": packet.tuition_agreement_text(inquiry),
        "signature_statement": packet.SIGNATURE_STATEMENT,
    }
    status = 400 if request.method == "POST" else 200
    return _no_index(render(request, "enrollment/packet/form.html", context, status=status))


@never_cache
@require_GET
def packet_signed(request: HttpRequest, token: str) -> HttpResponse:
    """The confirmation, with the signed text, shown once to the browser that signed."""
    invitation = _invitation(token)
    if packet.invitation_state(invitation) == "open":
        return redirect("packet", token)
    if invitation.completed_at is None or request.session.get(SIGNED_SESSION_KEY) != invitation.pk:
        return _no_index(_closed(request, invitation, packet.closed_message(invitation)))
    signature = invitation.signature
    provider = invitation.provider
    context = {
        "provider": provider,
        "child": invitation.inquiry.child,
        "signature": signature,
        "signed_on": timezone.localtime(signature.signed_at, provider.tz),
    }
    return _no_index(render(request, "enrollment/packet/signed.html", context))
