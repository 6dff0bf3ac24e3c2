from functools import wraps

from django.contrib.auth.decorators import login_required

from ccms.core.access import access_alliance, access_provider


def provider_view(permission: str = "provider.view"):
    """Resolve the provider named in the URL (404 if missing or not the user's, 403 if the role
    may not) and pass the view a ProviderAccess instead of the slug."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, provider: str, *args, **kwargs):
            access = access_provider(request.user, provider, permission)
            request.access = access
            return view(request, access, *args, **kwargs)

        return wrapper

    return decorate


def alliance_view(permission: str):
    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, alliance: str, *args, **kwargs):
            access = access_alliance(request.user, alliance, permission)
            request.alliance_access = access
            return view(request, access, *args, **kwargs)

        return wrapper

    return decorate
