from django.urls import include, path

from ccms.alliance import urls as alliance_urls
from ccms.api.api import api
from ccms.attendance import urls as attendance_urls
from ccms.billing import urls as billing_urls
from ccms.communications import urls as communications_urls
from ccms.core import views as core_views
from ccms.core.bundle import views as bundle
from ccms.enrollment import urls as enrollment_urls
from ccms.families import urls as families_urls
from ccms.insights import urls as insights_urls
from ccms.subsidy import urls as subsidy_urls
from ccms.substitutes import urls as substitutes_urls
from ccms.surveys import urls as survey_urls
from ccms.tenancy import views as tenancy

provider_patterns = [
    path("", tenancy.provider_home, name="provider_home"),
    path("settings/", tenancy.provider_settings, name="provider_settings"),
    path("classrooms/", tenancy.classroom_list, name="classroom_list"),
    path("classrooms/new/", tenancy.classroom_create, name="classroom_create"),
    path("classrooms/<int:classroom_id>/edit/", tenancy.classroom_edit, name="classroom_edit"),
    path("children/", tenancy.child_list, name="child_list"),
    path("audit/", tenancy.provider_audit, name="provider_audit"),
    path("import/", bundle.provider_import, name="provider_import"),
    path("export/", bundle.provider_export, name="provider_export"),
    *families_urls.provider_patterns,
    *enrollment_urls.provider_patterns,
    *attendance_urls.provider_patterns,
    *billing_urls.provider_patterns,
    *subsidy_urls.provider_patterns,
    *insights_urls.provider_patterns,
    *substitutes_urls.provider_patterns,
    *survey_urls.provider_patterns,
    *communications_urls.provider_patterns,
    *alliance_urls.provider_patterns,
]

alliance_patterns = [
    path("", tenancy.alliance_home, name="alliance_home"),
    path("audit/", tenancy.alliance_audit, name="alliance_audit"),
    path("import/", bundle.alliance_import, name="alliance_import"),
    *billing_urls.alliance_patterns,
    *subsidy_urls.alliance_patterns,
    *insights_urls.alliance_patterns,
    *substitutes_urls.alliance_patterns,
    *survey_urls.alliance_patterns,
    *communications_urls.alliance_patterns,
    *alliance_urls.alliance_patterns,
]

urlpatterns = [
    path("", tenancy.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("providers/", tenancy.provider_list, name="provider_list"),
    path("p/<slug:provider>/", include(provider_patterns)),
    path("alliance/<slug:alliance>/", include(alliance_patterns)),
    path("state/<slug:alliance>/", tenancy.state_home, name="state_home"),
    path("state/<slug:alliance>/", include(insights_urls.state_patterns)),
    path("api/", api.urls),
    *enrollment_urls.public_patterns,
    *billing_urls.public_patterns,
    *subsidy_urls.public_patterns,
    *insights_urls.user_patterns,
    *communications_urls.user_patterns,
    *communications_urls.public_patterns,
]

handler403 = "ccms.core.views.permission_denied"
handler404 = "ccms.core.views.page_not_found"
handler500 = "ccms.core.views.server_error"
