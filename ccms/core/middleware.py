from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from ccms.core.access import requires_mfa

# Paths a signed-in user without a second factor may still reach: sign-in, MFA set-up, assets.
MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/")


def has_second_factor(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


class RequireMFAMiddleware:
    """Users whose role (or alliance policy) needs a second factor must set one up before any
    provider data is shown. allauth then asks for it at every sign-in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
            and requires_mfa(user)
            and not has_second_factor(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": "Set up two-factor authentication before using the API."},
                    status=403,
                )
            messages.warning(
                request,
                "Your role needs two-factor authentication. Set up an authenticator app or a "
                "security key to continue.",
            )
            return redirect(reverse("mfa_index"))
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages shown to a signed-in user hold children's data: never keep them in a shared cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated and not request.path.startswith("/static/"):
            response["Cache-Control"] = "no-store"
        return response
