from django.urls import path

from publicity import audit_views, views

app_name = "publicity"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("entities/<str:uscc>/", views.entity, name="entity"),
    path("items/", views.item_lists, name="item_lists"),
    path("items/<str:department>/", views.item_list, name="item_list"),
    path("plans/", views.plans, name="plans"),
    path("plans/<str:code>/", views.plan, name="plan"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<str:code>/", views.task, name="task"),
    path("draws/<str:code>/", views.draw, name="draw"),
    path("draws/<str:code>/<int:iteration>/bundle.json", views.draw_bundle, name="draw_bundle"),
    path("verify/", views.verifier, name="verifier"),
    path("verify/ssj-draw-verifier.html", views.verifier_download, name="verifier_download"),
    path("downloads/", views.downloads, name="downloads"),
    path("objections/<str:public_id>/", views.objection, name="objection"),
    path("audit/", audit_views.audit_heads, name="audit_heads"),
]
