from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from publicity import api

app_name = "publicapi"
router = SimpleRouter()
router.register("results", api.ResultViewSet, basename="public-results")
router.register("tasks", api.TaskViewSet, basename="public-tasks")
router.register("draws", api.DrawViewSet, basename="public-draws")
router.register("plans", api.PlanViewSet, basename="public-plans")
router.register("item-lists", api.ItemListViewSet, basename="public-item-lists")

urlpatterns = [
    path("", api.MetaView.as_view(), name="root"),
    path("downloads/", api.DownloadListView.as_view(), name="downloads"),
    re_path(r"^downloads/results-(?P<year>\d{4})-(?P<department>[\w\-]{1,32})\.(?P<fmt>csv|json)$",
            api.DownloadView.as_view(), name="download"),
    *router.urls,
]
