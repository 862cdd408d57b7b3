"""The office's pages: the dashboard (dashboard_urls) and letters, meeting issues, assessment (letter_urls),
guidance and training for departments (guidance_urls)."""

from django.urls import include, path

app_name = "oversight"

urlpatterns: list = [
    path("", include("oversight.dashboard_urls")),
    path("", include("oversight.letter_urls")),
    path("", include("oversight.guidance_urls")),
]
