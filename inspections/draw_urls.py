from django.urls import path

from inspections import draw_views as views

app_name = "draws"
urlpatterns = [
    path("tasks/<int:task_id>/draws/", views.task_draws, name="task"),
    path("tasks/<int:task_id>/draws/announce/", views.announce, {"kind": "entities"}, name="announce"),
    path("tasks/<int:task_id>/draws/match/", views.announce, {"kind": "inspectors"}, name="match"),
    path("tasks/<int:task_id>/draws/list/", views.entity_list, name="entity_list"),
    path("tasks/<int:task_id>/draws/fairness/", views.task_fairness, name="task_fairness"),
    path("draws/<int:pk>/", views.draw_detail, name="draw"),
    path("draws/<int:pk>/ceremony/", views.ceremony, name="ceremony"),
    path("draws/<int:pk>/randomness/", views.randomness_entry, name="randomness"),
    path("draws/<int:pk>/status.json", views.draw_status, name="status"),
    path("draws/<int:pk>/evidence.json", views.evidence, name="evidence"),
    path("draws/<int:pk>/evidence-public.json", views.evidence_public, name="evidence_public"),
    path("draws/<int:pk>/redraw-request/", views.redraw_request_create, name="redraw_request_create"),
    path("draws/assignments/<int:pk>/substitute/", views.substitute, name="substitute"),
    path("draws/redraw-requests/", views.redraw_requests, name="redraw_requests"),
    path("draws/redraw-requests/<int:pk>/", views.redraw_request_decide, name="redraw_request"),
    path("draws/fairness/<int:year>/", views.fairness_year, name="fairness_year"),
]
