from django.urls import path

from agencies import views

app_name = "agencies"
urlpatterns = [
    path("workspace/", views.workspace, name="workspace"),
    path("office/", views.office, name="office"),
    path("assessment/", views.assessment, name="assessment"),
    path("superior/", views.superior, name="superior"),
    path("departments/<int:pk>/", views.department_detail, name="department"),
    path("departments/<int:department_pk>/sections/new/", views.section_edit, name="section_create"),
    path("sections/<int:pk>/edit/", views.section_edit, name="section_edit"),
]
urlpatterns += [
    path("discipline/", views.discipline, name="discipline"),
    path("discipline/audit/verify/", views.audit_verify, name="audit_verify"),
]
