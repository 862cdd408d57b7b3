from django.urls import path

from inspections import results_views as views

app_name = "results"
urlpatterns = [
    path("results/", views.worklist, name="worklist"),
    path("results/review/", views.review_queue, name="review"),
    path("results/export/", views.export, name="export"),
    path("results/visits/<int:visit_pk>/tasks/<int:task_pk>/", views.visit_entry, name="visit"),
    path("results/visits/<int:visit_pk>/tasks/<int:task_pk>/items/<int:item_pk>/", views.item_entry, name="entry"),
    path("results/<int:pk>/", views.result_detail, name="detail"),
    path("results/<int:pk>/review/", views.result_review, name="review_decide"),
    path("results/<int:pk>/follow-ups/", views.follow_up_create, name="follow_up_create"),
    path("results/files/<int:pk>/", views.attachment_download, name="attachment"),
    path("tasks/<int:pk>/results/", views.task_results, name="task"),
    path("follow-ups/", views.follow_up_list, name="follow_ups"),
    path("follow-ups/<int:pk>/", views.follow_up_detail, name="follow_up"),
    path("cases/", views.case_list, name="cases"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/sweep/", views.case_sweep, name="case_sweep"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("history/", views.history, name="history"),
]
