from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from agencies import api as agencies_api
from agencies import otp as agencies_otp
from agencies import views as agencies_views
from inspections import api as inspections_api
from inspections import results_api

router = DefaultRouter()
router.register("departments", agencies_api.DepartmentViewSet, basename="department")
router.register("sections", agencies_api.SectionViewSet, basename="section")
router.register("items", inspections_api.ItemViewSet, basename="item")
router.register("plans", inspections_api.PlanViewSet, basename="plan")
router.register("campaigns", inspections_api.CampaignViewSet, basename="campaign")
router.register("tasks", inspections_api.TaskViewSet, basename="task")
router.register("results", results_api.ResultViewSet, basename="result")
router.register("result-slots", results_api.ResultSlotViewSet, basename="result-slot")

admin.site.site_header = admin.site.site_title = str(settings.PROJECT_NAME)

urlpatterns = [
    path("", agencies_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/otp/", agencies_otp.otp_verify, name="otp_verify"),
    path("accounts/otp/setup/", agencies_otp.otp_setup, name="otp_setup"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("api/me/", agencies_api.MeView.as_view(), name="api-me"),
    path("api/public/", include("publicity.api_urls")),
    path("api/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("public/", include("publicity.urls")),
    path("", include("core.urls")),
    path("", include("agencies.urls")),
    path("entities/", include("entities.urls")),
    path("inspectors/", include("inspectors.urls")),
    path("imports/", include("agencies.import_urls")),
    path("objections/", include("inspections.objection_urls")),
    path("oversight/", include("oversight.urls")),
    path("", include("inspections.urls")),
    path("", include("inspections.draw_urls")),
    path("", include("inspections.fieldwork_urls")),
    path("", include("inspections.results_urls")),
]

handler500 = "core.views.server_error"
