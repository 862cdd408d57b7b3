from django.urls import path, register_converter

from entities import views


class UsccConverter:
    """统一社会信用代码 in a URL: 18 characters of the code alphabet, case-insensitive."""

    regex = "[0-9A-Za-z]{18}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return str(value)


register_converter(UsccConverter, "uscc")

app_name = "entities"
urlpatterns = [
    path("", views.entity_list, name="list"),
    path("directories/", views.directory_list, name="directories"),
    path("directories/new/", views.directory_create, name="directory_create"),
    path("directories/<int:pk>/", views.directory_detail, name="directory"),
    path("directories/<int:pk>/edit/", views.directory_edit, name="directory_edit"),
    path("directories/<int:pk>/apply/", views.directory_apply, name="directory_apply"),
    path("directories/<int:pk>/entries/add/", views.entry_add, name="entry_add"),
    path("directory-entries/<int:pk>/remove/", views.entry_remove, name="entry_remove"),
    path("<uscc:uscc>/", views.entity_detail, name="detail"),
]
