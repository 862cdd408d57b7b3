"""Guidance and training sessions for departments (mounted under /oversight/)."""

from django.urls import path

from oversight import guidance_views

urlpatterns = [
    path("guidance/", guidance_views.guidance_list, name="guidance"),
    path("guidance/new/", guidance_views.guidance_create, name="guidance_create"),
    path("guidance/<int:pk>/", guidance_views.guidance_detail, name="guidance_session"),
    path("guidance/<int:pk>/attendance/", guidance_views.guidance_attendance, name="guidance_attendance"),
]
