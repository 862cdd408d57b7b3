from django.urls import path

from core import views

app_name = "core"
urlpatterns = [
    path("feed/", views.feed, name="feed"),
    path("feed/read/", views.feed_read, name="feed_read"),
    path("healthz/", views.healthz, name="healthz"),
]
