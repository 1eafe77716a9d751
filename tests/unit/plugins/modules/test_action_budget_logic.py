# -*- coding: utf-8 -*-
"""ops.runbooks.action_budget's window arithmetic and its file store (one controller, locked); the table store runs
against the emulator (tests/integration/modules/test_action_budget.py)."""
from __future__ import annotations

import datetime
import json

from ansible_collections.ops.runbooks.plugins.modules import action_budget

NOW = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.timezone.utc)


def at(minutes_ago):
    return action_budget.stamp(NOW - datetime.timedelta(minutes=minutes_ago))


def test_claims_fit_until_the_limit_and_old_ones_leave_the_window():
    held = [{"id": "a", "at": at(70)}, {"id": "b", "at": at(30)}, {"id": "c", "at": at(10)}]
    granted, now_held, reason, changed = action_budget.plan(held, ["d"], 3, 3600, NOW)
    assert (granted, changed, reason) == (True, True, "") and [c["id"] for c in now_held] == ["b", "c", "d"]
    refused = action_budget.plan(now_held, ["e"], 3, 3600, NOW)
    assert refused[0] is False and refused[3] is False
    assert refused[2] == ("the limit of 3 automatic change(s) per 1h00m is reached (3 held since %s, 1 more asked)"
                          % at(30))


def test_all_claims_of_a_task_or_none():
    granted, held, _reason, changed = action_budget.plan([{"id": "a", "at": at(5)}], ["b", "c", "d"], 3, 3600, NOW)
    assert (granted, changed, [c["id"] for c in held]) == (False, False, ["a"])


def test_a_claim_held_already_is_granted_without_counting_twice():
    held = [{"id": "a", "at": at(5)}, {"id": "b", "at": at(4)}, {"id": "c", "at": at(3)}]
    assert action_budget.plan(held, ["a", "a"], 3, 3600, NOW) == (True, held, "", False)


def test_a_limit_of_zero_refuses_everything_and_no_claim_is_always_granted():
    assert action_budget.plan([], ["a"], 0, 3600, NOW)[0] is False
    assert action_budget.plan([], [], 0, 3600, NOW)[:2] == (True, [])


class Module:
    check_mode = False


def test_the_file_store_keeps_each_key_apart_and_check_mode_writes_nothing(tmp_path):
    path = str(tmp_path / "alarm-actions.json")
    params = {"path": path, "key": "local/alarm-actions", "limit": 1, "claims": ["rollback f"]}
    granted, held, _reason, changed, _stored = action_budget.claim_in_file(Module(), params, 3600)
    assert granted and changed and [c["id"] for c in held] == ["rollback f"]
    other = action_budget.claim_in_file(Module(), dict(params, key="dev/alarm-actions"), 3600)
    assert other[0] and other[3]  # another environment's count
    again = action_budget.claim_in_file(Module(), dict(params, claims=["rollback g"]), 3600)
    assert again[0] is False and "limit of 1" in again[2]
    checking = Module()
    checking.check_mode = True
    planned = action_budget.claim_in_file(checking, dict(params, key="staging/alarm-actions"), 3600)
    assert planned[0] and planned[3]
    stored = json.loads(open(path, encoding="utf-8").read())
    assert sorted(stored) == ["dev/alarm-actions", "local/alarm-actions"]
