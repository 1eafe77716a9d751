# -*- coding: utf-8 -*-
"""log_retention against the emulator: retentions are read back from the emulator; an invalid value fails clearly
and deletes nothing (amazon.aws.cloudwatchlogs_log_group deletes the group on one)."""
from __future__ import annotations

import uuid

import pytest

from iam import assert_denied, documented_actions, policy

pytestmark = pytest.mark.localstack


def retention(logs, group):
    return logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0].get("retentionInDays")


@pytest.fixture
def groups(aws):
    logs, base = aws("logs"), "/lr-%s/" % uuid.uuid4().hex[:8]
    for name, days in (("svc", 60), ("svc-debug", 14), ("new", None), ("svcX", 60)):
        logs.create_log_group(logGroupName=base + name)
        if days:
            logs.put_retention_policy(logGroupName=base + name, retentionInDays=days)
    return logs, base


def test_longest_prefix_wins_and_deleting_logs_needs_allow_shorten(groups, run_module):
    logs, base = groups
    rules = [{"prefix": base, "days": 90}, {"prefix": base + "svc-debug", "days": 7}]
    planned = run_module("log_retention", {"rules": rules, "allow_shorten": True}, check_mode=True, diff=True)
    assert planned["changed"] is True and retention(logs, base + "svc") == 60  # check mode: nothing set
    actions = dict((g["name"], g["action"]) for g in planned["groups"])
    assert actions == {base + "new": "set", base + "svc": "lengthen", base + "svc-debug": "shorten",
                       base + "svcX": "lengthen"}
    careful = run_module("log_retention", {"rules": rules})
    assert careful["changed"] is True and sorted(careful["held_back"]) == [base + "new", base + "svc-debug"]
    assert retention(logs, base + "svc") == 90 and retention(logs, base + "svc-debug") == 14
    assert retention(logs, base + "new") is None
    allowed = run_module("log_retention", {"rules": rules, "allow_shorten": True})
    assert allowed["held_back"] == [] and retention(logs, base + "svc-debug") == 7 and retention(logs, base + "new") == 90
    assert run_module("log_retention", {"rules": rules, "allow_shorten": True})["changed"] is False


def test_a_prefix_matches_at_a_boundary_only(groups, run_module):
    """#30: the prefix base+svc also matched base+svcX; it takes base+svc and base+svc-debug only."""
    logs, base = groups
    result = run_module("log_retention", {"rules": [{"prefix": base + "svc", "days": 30}], "allow_shorten": True})
    assert sorted(g["name"] for g in result["groups"]) == [base + "svc", base + "svc-debug"]
    assert retention(logs, base + "svcX") == 60 and retention(logs, base + "svc") == 30
    # before the boundary rule (the plain prefix, as describe_log_groups reads it) svcX was shortened to 30


@pytest.mark.parametrize("rules, message", [
    ([{"prefix": "/lr-x/", "days": 45}], "rules.days: 45 for /lr-x/ is not a retention CloudWatch accepts"),
    ([{"prefix": "", "days": 30}], "rules.prefix: must not be empty"),
    ([], "rules: give at least one"),
])
def test_bad_input_deletes_nothing(groups, run_module, rules, message):
    logs, base = groups
    rules = [dict(r, prefix=r["prefix"].replace("/lr-x/", base)) for r in rules]
    result = run_module("log_retention", {"rules": rules, "allow_shorten": True})
    assert result["failed"] is True and message.replace("/lr-x/", base) in result["msg"], result["msg"]
    assert len(logs.describe_log_groups(logGroupNamePrefix=base)["logGroups"]) == 4  # every group still there


@pytest.mark.moto_only("least-privilege proof: the IAM sandbox is moto's")
def test_least_privilege(iam_sandbox, run_module_iam):
    actions = documented_actions("log_retention")
    assert set(actions) == {"logs:DescribeLogGroups", "logs:PutRetentionPolicy"}
    logs, group = iam_sandbox.client("logs"), "/lplr-%s/app" % uuid.uuid4().hex[:8]
    logs.create_log_group(logGroupName=group)
    args = {"rules": [{"prefix": group, "days": 30}], "allow_shorten": True}
    assert run_module_iam("log_retention", args, iam_sandbox.iam_user(policy(actions))).get("changed") is True
    for missing in actions:
        refused = run_module_iam("log_retention", dict(args, rules=[{"prefix": group, "days": 60}]),
                                 iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
        assert_denied(refused, missing)
