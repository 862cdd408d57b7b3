"""The office's dashboard (read by the joint-meeting office and discipline)."""

from django.urls import path

from oversight import dashboard_views as views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("dashboard/tasks/", views.dashboard_tasks, name="dashboard_tasks"),
    path("dashboard/list/<str:kind>/", views.drill, name="dashboard_drill"),
    path("dashboard/export.xlsx", views.export, name="dashboard_export"),
    path("dashboard/liaisons/", views.liaisons, name="dashboard_liaisons"),
]
