"""The public pages: no login, read only publication records, Chinese with English available."""

import json

import pytest
from django.test import Client

from core.services import publication_withdraw
from inspections.services import task_transition
from tests.publicity.data import NAME, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(django_capture_on_commit_callbacks):
    return build(django_capture_on_commit_callbacks)


@pytest.fixture
def anon() -> Client:
    return Client()


def test_the_home_page_lists_what_was_published_without_login(anon, data) -> None:
    page = anon.get("/public/").content.decode()
    assert data.task.title in page and NAME in page and "市场监管局" in page
    assert 'lang="zh-hans"' in page


def test_an_entity_is_found_by_a_two_character_fragment_and_by_its_code(anon, data) -> None:
    by_name = anon.get("/public/search/", {"q": "青禾"}).content.decode()
    assert NAME in by_name and f"/public/entities/{data.uscc}/" in by_name
    by_code = anon.get("/public/search/", {"q": data.uscc.lower()}).content.decode()
    assert NAME in by_code
    assert NAME not in anon.get("/public/search/", {"q": "禾青"}).content.decode()


def test_a_one_character_search_is_refused_with_a_message(anon, data) -> None:
    page = anon.get("/public/search/", {"q": "禾"}).content.decode()
    assert "至少输入两个字" in page


def test_search_filters_by_department_year_category_and_street(anon, data) -> None:
    base = {"q": "青禾"}
    for params, found in [
        ({"department": "SCJG"}, True), ({"department": "XF"}, False), ({"year": "2026"}, True), ({"year": "2025"}, False),
        ({"category": "no_problem"}, True), ({"category": "refused"}, False),
        ({"street": "370113001"}, True), ({"street": "370113009"}, False),
    ]:
        page = anon.get("/public/search/", {**base, **params}).content.decode()
        assert (NAME in page) is found, params
    page = anon.get("/public/search/").content.decode()
    assert "文昌街道" in page  # street names come from the public code table of divisions (seeded)


def test_the_entity_page_shows_the_published_fields_and_links_the_draw(anon, data) -> None:
    page = anon.get(f"/public/entities/{data.uscc}/").content.decode()
    for text in (NAME, data.uscc, "未发现问题", data.task.code, "食品经营者抽查", "营业执照（登记证）规范使用情况的检查",
                 "2026-12-03", "市场监管局", f"/public/draws/{data.task.code}/"):
        assert text in page, text
    assert anon.get("/public/entities/91370113000000000X/").status_code == 404
    assert anon.get("/public/entities/not-a-code/").status_code == 404


def test_a_withdrawn_result_leaves_the_public_site_and_a_correction_shows_its_history(anon, data) -> None:
    record = data.result_record
    corrected = {**record.payload, "检查结果": ["发现问题已责令改正"]}
    from core.services import publication_write

    publication_write(kind="result", public_id=record.public_id, payload=corrected, department_code="SCJG",
                      year=record.year, street=record.street, category="corrected",
                      filter_keys={**record.filter_keys, "categories": ["corrected"]})
    page = anon.get(f"/public/entities/{data.uscc}/").content.decode()
    assert "发现问题已责令改正" in page and "历史版本" in page and "未发现问题" in page
    publication_withdraw(public_id=record.public_id, reason="依法撤回")
    assert anon.get(f"/public/entities/{data.uscc}/").status_code == 404
    assert NAME not in anon.get("/public/search/", {"q": "青禾"}).content.decode()


def test_a_cached_page_changes_as_soon_as_something_is_published(anon, data) -> None:
    first = anon.get("/public/tasks/").content.decode()
    assert "第二批抽查" not in first
    from inspections.services import task_publish
    from tests.inspections.factories import make_task

    task = make_task(user=data.clerk, department=data.department, items=[data.task.task_items.first().item],
                     title="第二批抽查", filters={"regions": ["370113001"]})
    task_publish(task=task, user=data.clerk)
    assert "第二批抽查" in anon.get("/public/tasks/").content.decode()


def test_cached_pages_carry_each_visitors_own_csrf_token(data) -> None:
    one, two = Client(), Client()
    first, second = one.get("/public/"), two.get("/public/")
    assert "PUBLICITYCSRFPLACEHOLDER" not in first.content.decode() + second.content.decode()
    token_one, token_two = one.cookies["csrftoken"].value, two.cookies["csrftoken"].value
    assert token_one != token_two
    # Each visitor can switch the language with the form of the (cached) page it received.
    switch = one.post("/i18n/setlang/", {"language": "en", "next": "/public/"}, HTTP_X_CSRFTOKEN=token_one)
    assert switch.status_code == 302


def test_english_is_available(data) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get("/public/").content.decode()
    assert 'lang="en"' in page


def test_item_lists_plans_and_tasks_are_listed_by_department(anon, data) -> None:
    assert "市场监管局" in anon.get("/public/items/").content.decode()
    items = anon.get("/public/items/SCJG/").content.decode()
    assert "营业执照（登记证）规范使用情况的检查" in items
    plans = anon.get("/public/plans/", {"department": "SCJG", "year": "2026"}).content.decode()
    assert "2026年度双随机抽查工作计划" in plans
    assert "第一批" in anon.get(f"/public/plans/{data.plan_code}/").content.decode()
    tasks = anon.get("/public/tasks/", {"department": "SCJG"}).content.decode()
    assert data.task.title in tasks
    assert data.task.title not in anon.get("/public/tasks/", {"department": "XF"}).content.decode()
    task_page = anon.get(f"/public/tasks/{data.task.code}/").content.decode()
    assert NAME in task_page and "抽查结果公告" in task_page


def test_the_draw_page_shows_announcement_randomness_selection_and_the_bundle(anon, data) -> None:
    page = anon.get(f"/public/draws/{data.task.code}/").content.decode()
    announcement = data.draw.announcement
    for text in (announcement["commitment_hash_hex"], announcement["frame_hash_hex"], data.draw.one_time_code_hex,
                 data.uscc, "verify-draw.js", "public-draw.js"):
        assert text in page, text
    assert "<script>" not in page  # CSP: no inline scripts, data travels as application/json
    bundle = anon.get(f"/public/draws/{data.task.code}/1/bundle.json")
    assert bundle.status_code == 200 and bundle["Content-Type"].startswith("application/json")
    body = json.loads(bundle.content)
    assert body["format"] == "draw-evidence/1" and body["announcement"] == announcement
    from inspections import draw as engine

    assert engine.verify_bundle(body, announcement).ok


def test_the_draw_page_names_exclusion_rules_and_strata_in_words(anon, data) -> None:
    from entities.models import EntityType

    page = anon.get(f"/public/draws/{data.task.code}/").content.decode()
    for words in ("非存续状态（注销、吊销、撤销、迁出）", "本年度已就同一事项检查过", "本季度已被任务以外的部门检查过"):
        assert words in page, words
    public = [s["key"] for s in data.draw.frame.summary["strata"] if not s["private"]]
    assert public and all(key.startswith("type:") for key in public)
    for key in public:  # e.g. type:individual -> 个体工商户, beside the code itself
        assert str(dict(EntityType.choices)[key[5:]]) in page and key in page


def test_a_secret_tasks_list_is_public_only_once_its_inspection_started(anon, django_capture_on_commit_callbacks) -> None:
    data = build(django_capture_on_commit_callbacks, secret=True)
    task = data.secret_task
    page = anon.get(f"/public/draws/{task.code}/").content.decode()
    assert task.code in page and "检查开始后公布" in page
    assert not any(u in page for u in data.secret_usccs)
    assert anon.get(f"/public/draws/{task.code}/1/bundle.json").status_code == 404
    from inspections.models import Task

    Task.objects.filter(pk=task.pk).update(status="inspectors_matched")
    task.refresh_from_db()
    task_transition(task=task, action="start_inspection", user=data.clerk)
    page = anon.get(f"/public/draws/{task.code}/").content.decode()
    assert all(u in page for u in data.secret_usccs)
    assert anon.get(f"/public/draws/{task.code}/1/bundle.json").status_code == 200


def test_the_standalone_verifier_is_a_download_that_inlines_the_one_algorithm_file(anon, data) -> None:
    response = anon.get("/public/verify/ssj-draw-verifier.html")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert not response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    from django.conf import settings

    algorithm = (settings.BASE_DIR / "static" / "js" / "verify-draw.js").read_text()
    assert algorithm.replace("</script", "<\\/script") in body and "/*INLINE:" not in body


def test_public_pages_need_no_login_but_staff_pages_still_do(anon, data) -> None:
    for url in ("/public/", "/public/search/", f"/public/entities/{data.uscc}/", f"/public/draws/{data.task.code}/",
                "/public/items/", "/public/plans/", "/public/tasks/", "/public/downloads/", "/public/verify/"):
        assert anon.get(url).status_code == 200, url
    assert anon.get("/objections/").status_code == 302
