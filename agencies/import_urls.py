from django.urls import path

from agencies import import_views

app_name = "imports"
urlpatterns = [
    path("", import_views.home, name="home"),
    path("new/<slug:kind>/", import_views.new, name="new"),
    path("template/<slug:kind>.xlsx", import_views.template, name="template"),
    path("<int:pk>/", import_views.job_detail, name="job"),
    path("<int:pk>/confirm/", import_views.job_confirm, name="confirm"),
    path("<int:pk>/cancel/", import_views.job_cancel, name="cancel"),
    path("<int:pk>/progress.json", import_views.job_progress, name="progress"),
    path("<int:pk>/errors.csv", import_views.job_errors, name="errors"),
]
