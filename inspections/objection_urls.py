from django.urls import path

from inspections import objection_views as views

app_name = "objections"
urlpatterns = [
    path("", views.objection_list, name="list"),
    path("<int:pk>/", views.objection_detail, name="detail"),
    path("<int:pk>/decide/", views.objection_decide, name="decide"),
    path("<int:pk>/attachment/", views.objection_attachment, name="attachment"),
]
