"""COPY for bulk rows (egov.core.db): values come back as written; instances get their ids (h17)."""
from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from egov.core.db import copy_insert, copy_insert_objects
from egov.core.models import JobRun, Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

AWKWARD = "tab\there, new\nline, cr\r, back\\slash \\N, Tiếng Việt, \\t literally"


def test_copy_insert_keeps_every_character_and_json(db):
    user = UserFactory()
    params = {"s": AWKWARD, "n": 3, "nested": {"ok": True, "none": None}, "list": ["a\tb"]}
    copy_insert(Notification, [{"user_id": user.pk, "unit_id": None, "kind": "k", "text": AWKWARD,
                                "message_code": "", "message_params": params, "object_type": "",
                                "object_id": None, "created_at": timezone.now(), "read_at": None,
                                "emailed_at": None}])
    note = Notification.objects.get(user=user)
    assert note.text == AWKWARD and note.message_params == params and note.unit_id is None and note.read_at is None


def test_copy_insert_objects_gives_each_instance_its_id_and_its_own_values(db):
    at = timezone.now() - datetime.timedelta(minutes=5)
    objs = [JobRun(name=f"job-{i}\t{AWKWARD}", finished_at=at, succeeded=i % 2 == 0, runtime_ms=i) for i in range(50)]
    assert copy_insert_objects(JobRun, objs) is objs
    assert all(o.pk is not None and not o._state.adding for o in objs)
    stored = {r.pk: r for r in JobRun.objects.all()}
    assert len(stored) == 50
    for o in objs:
        r = stored[o.pk]
        assert (r.name, r.succeeded, r.runtime_ms, r.finished_at) == (o.name, o.succeeded, o.runtime_ms, at)
    # Later inserts by the ORM do not collide with the ids taken from the sequence.
    extra = JobRun.objects.create(name="after", finished_at=at)
    assert extra.pk not in stored


def test_copy_insert_columns_repeating_values_encode_each_value_right(db):
    """A batch repeats most values down a column (encoded once, then looked up): rows keep their own."""
    from egov.core.db import _copy_column

    users = [UserFactory() for _ in range(3)]
    at = timezone.now()
    rows = [{"user_id": users[i % 3].pk, "unit_id": None, "kind": "k", "text": AWKWARD if i % 4 else f"own {i}",
             "message_code": "", "message_params": {"i": i}, "object_type": "dispatch",
             "object_id": i if i % 5 else None, "created_at": at, "read_at": None if i % 2 else at,
             "emailed_at": None} for i in range(40)]
    copy_insert(Notification, rows)
    stored = sorted(Notification.objects.values_list("message_params", "user_id", "text", "object_id", "read_at"),
                    key=lambda r: r[0]["i"])
    assert [(p["i"], u, t, o, r) for p, u, t, o, r in stored] == [
        (r["message_params"]["i"], r["user_id"], r["text"], r["object_id"], r["read_at"]) for r in rows]
    # Equal in a set, not in COPY text: a column mixing booleans and numbers is encoded value by value.
    assert _copy_column([True, 1, 1, 1, True]) == ["t", "1", "1", "1", "t"]
    assert _copy_column([None, None, None, 0]) == [r"\N", r"\N", r"\N", "0"]
