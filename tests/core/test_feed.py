import pytest

from agencies.models import Role
from core.services import feed_post
from tests.factories import DepartmentFactory, person

pytestmark = pytest.mark.django_db


def test_a_post_reaches_each_person_and_counts_as_unread_until_read(client) -> None:
    dept = DepartmentFactory(code="A")
    alice, bob = person("alice", dept, Role.STAFF), person("bob", dept, Role.STAFF)
    assert feed_post(recipients=[alice, bob, alice], title="认领邀请：旅馆业联合抽查") == 2
    client.force_login(alice)
    page = client.get("/feed/").content.decode()
    assert "认领邀请：旅馆业联合抽查" in page
    assert 'aria-label="未读">1<' in page
    client.post("/feed/read/")
    assert 'aria-label="未读"' not in client.get("/feed/").content.decode()
    client.force_login(bob)
    assert 'aria-label="未读">1<' in client.get("/feed/").content.decode()


def test_nobody_reads_another_persons_feed(client) -> None:
    dept = DepartmentFactory(code="A")
    alice, bob = person("alice", dept, Role.STAFF), person("bob", dept, Role.STAFF)
    feed_post(recipients=[alice], title="仅发给甲")
    client.force_login(bob)
    assert "仅发给甲" not in client.get("/feed/").content.decode()
