from django.urls import path

from inspections import fieldwork_views as views

app_name = "fieldwork"
urlpatterns = [
    path("tasks/<int:task_id>/visits/", views.task_visits, name="task_visits"),
    path("tasks/<int:task_id>/follow-up-visits/", views.task_feedback, name="task_feedback"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("visits/<int:pk>/team/build/", views.team_build, name="team_build"),
    path("visits/<int:pk>/team/add/", views.member_add, name="member_add"),
    path("visits/<int:pk>/team/chief/", views.chief_join, name="chief_join"),
    path("visits/<int:pk>/sheet/", views.visit_sheet, name="sheet"),
    path("visits/<int:pk>/notice/", views.notice_view, name="notice"),
    path("visits/<int:pk>/notice/issue/", views.notice_issue, name="notice_issue"),
    path("visits/<int:pk>/notice/delivery/", views.notice_delivery, name="notice_delivery"),
    path("visits/<int:pk>/notice/date/", views.notice_date, name="notice_date"),
    path("visits/<int:pk>/notice/dates/", views.notice_dates, name="notice_dates"),
    path("visits/<int:pk>/notice.pdf", views.notice_pdf, name="notice_pdf"),
    path("team-members/<int:pk>/leader/", views.member_leader, name="member_leader"),
    path("team-members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("trainings/", views.training_list, name="trainings"),
    path("trainings/<int:pk>/", views.training_detail, name="training"),
    path("trainings/<int:pk>/invite/", views.training_invite, name="training_invite"),
    path("follow-up-visits/", views.feedback_summary, name="feedback_summary"),
    path("n/<str:token>/", views.public_notice, name="public_notice"),
    path("n/<str:token>/avoidance/", views.public_avoidance, name="public_avoidance"),
    path("n/<str:token>/notice.pdf", views.public_notice_pdf, name="public_notice_pdf"),
]
