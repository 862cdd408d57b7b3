from django.urls import URLPattern, URLResolver, include, path

from core import views

app_name = "core"
urlpatterns: list[URLPattern | URLResolver] = [
    path("feed/", views.feed, name="feed"),
    path("feed/read/", views.feed_read, name="feed_read"),
    path("healthz/", views.healthz, name="healthz"),
]
urlpatterns += [path("imports/", include("core.import_urls"))]
