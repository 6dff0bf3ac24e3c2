from ccms.core.access import accessible_providers, alliance_memberships
from ccms.core.navigation import nav_label, tabs_for


def navigation(request):
    """The provider switcher and the alliance links shown in the page header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "switcher_providers": accessible_providers(user).only("slug", "name").order_by("name"),
        "alliance_links": alliance_memberships(user),
        "nav_tabs": tabs_for(request),
        "nav_label": nav_label(request),
    }
