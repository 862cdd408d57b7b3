from django.urls import path

from inspectors import views

app_name = "inspectors"
urlpatterns = [
    path("", views.inspector_list, name="list"),
    path("<int:pk>/", views.inspector_detail, name="detail"),
    path("<int:pk>/edit/", views.inspector_edit, name="edit"),
    path("<int:pk>/leaves/add/", views.leave_add, name="leave_add"),
    path("leaves/<int:pk>/remove/", views.leave_remove, name="leave_remove"),
    path("<int:pk>/conflicts/new/", views.conflict_declare, name="conflict_declare"),
    path("conflicts/", views.conflict_list, name="conflicts"),
    path("conflicts/<int:pk>/decide/", views.conflict_decide, name="conflict_decide"),
]
