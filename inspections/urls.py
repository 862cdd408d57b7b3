from django.urls import path

from inspections import views

app_name = "inspections"
urlpatterns = [
    path("items/", views.item_list, name="items"),
    path("items/new/", views.item_edit, name="item_create"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/publish/<int:department_pk>/", views.item_publish, name="item_publish"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/new/", views.plan_edit, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:plan_pk>/batches/new/", views.batch_edit, name="batch_create"),
    path("plans/batches/<int:pk>/edit/", views.batch_edit, name="batch_edit"),
    path("plans/<int:pk>/file/", views.plan_file, name="plan_file"),
    path("plans/<int:pk>/publish/", views.plan_publish, name="plan_publish"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/import/", views.task_import, name="task_import"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/publish/", views.task_publish, name="task_publish"),
    path("tasks/<int:pk>/action/", views.task_action, name="task_action"),
    path("tasks/<int:pk>/claim/", views.task_claim, name="task_claim"),
    path("tasks/<int:pk>/decline/", views.task_decline, name="task_decline"),
]
