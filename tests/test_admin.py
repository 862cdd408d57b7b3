"""Every model of ours is in the Django admin, named in Chinese, and its list page opens."""

import re

import pytest
from django.apps import apps
from django.contrib import admin

OUR_APPS = ["core", "agencies", "entities", "inspectors", "inspections"]
# Machinery rows that are not business records: kept out of the admin on purpose.
NOT_IN_ADMIN = {"core.audithead", "inspections.taskcounter", "inspections.visittask", "entities.entitytag",
                "inspections.entitylistitem"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def our_models():
    for label in OUR_APPS:
        for model in apps.get_app_config(label).get_models():
            if model._meta.label_lower not in NOT_IN_ADMIN and not model._meta.auto_created:
                yield model


@pytest.mark.parametrize("model", list(our_models()), ids=lambda m: m._meta.label_lower)
def test_each_model_is_registered_with_a_chinese_name(model) -> None:
    assert admin.site.is_registered(model), f"{model._meta.label} is not in the admin"
    assert CJK.search(str(model._meta.verbose_name)), f"{model._meta.label} has no Chinese verbose name"


@pytest.mark.django_db
@pytest.mark.parametrize("model", list(our_models()), ids=lambda m: m._meta.label_lower)
def test_each_admin_list_page_opens(admin_client, model) -> None:
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    assert admin_client.get(url).status_code == 200
