"""Letters, meeting issues, the discipline view and the assessment (mounted under /oversight/)."""

from django.urls import path

from oversight import assessment_views, letter_views

urlpatterns = [
    path("letters/", letter_views.letter_list, name="letters"),
    path("letters/new/", letter_views.letter_create, name="letter_create"),
    path("letters/<int:pk>/", letter_views.letter_detail, name="letter"),
    path("letters/<int:pk>/edit/", letter_views.letter_edit, name="letter_edit"),
    path("letters/<int:pk>/send/", letter_views.letter_send, name="letter_send"),
    path("letters/<int:pk>/acknowledge/", letter_views.letter_acknowledge, name="letter_acknowledge"),
    path("letters/<int:pk>/items/<int:item_pk>/answer/", letter_views.letter_answer, name="letter_answer"),
    path("letters/<int:pk>/letter.pdf", letter_views.letter_download, name="letter_pdf"),
    path("issues/", letter_views.issue_list, name="issues"),
    path("issues/new/", letter_views.issue_create, name="issue_create"),
    path("issues/<int:pk>/", letter_views.issue_detail, name="issue"),
    path("issues/<int:pk>/comment/", letter_views.issue_comment, name="issue_comment"),
    path("issues/<int:pk>/resolve/", letter_views.issue_resolve, name="issue_resolve"),
    path("issues/<int:pk>/close/", letter_views.issue_close, name="issue_close"),
    path("discipline/changes/", letter_views.discipline_changes, name="discipline_changes"),
    path("assessment/", assessment_views.assessment, name="assessment"),
    path("assessment/weights/", assessment_views.assessment_weights, name="assessment_weights"),
    path("assessment/report.<str:fmt>", assessment_views.assessment_report, name="assessment_report"),
]
