# -*- coding: utf-8 -*-
"""What the alarm tests share (tests/integration/eda/test_alarm_response.py, playbooks/test_alarm_events.py): the
incident records the incident playbook keeps in the sandbox's table, a function's ``live`` alias, and a fixture that
puts back what a test changed - aliases as seeded, alarms it set back to OK, alarms of its own deleted - because the
other tests of the worker's sandbox read them."""
from __future__ import annotations

import json

import function_tags
import pytest


def alias(sandbox, function):
    return sandbox.client("lambda").get_alias(FunctionName=function, Name="live")["FunctionVersion"]


def records(sandbox):
    items = sandbox.client("dynamodb").scan(TableName="ops-runbooks-incidents")["Items"]
    return [json.loads(i["record"]["S"]) for i in items if i["id"]["S"].startswith("local/INC-")]


def record_of(sandbox, alarm):
    """The incident record of ``alarm`` (its title is ``Alarm <name>``)."""
    [found] = [r for r in records(sandbox) if r.get("title") == "Alarm " + alarm]
    return found


@pytest.fixture
def aliases(sandbox):
    """``keep(*functions)`` - their aliases now (put back afterwards); ``fired`` - alarms to set back to OK;
    ``own(name, function)`` - an error alarm of the test's own in ALARM (deleted afterwards)."""
    lam, saved, fired, created = sandbox.client("lambda"), {}, [], []

    def keep(*functions):
        for function in functions:
            saved.setdefault(function, dict(lam.get_alias(FunctionName=function, Name="live"),
                                            tags=function_tags.tags(lam, function)[1]))
        return [saved[f]["FunctionVersion"] for f in functions]

    def own(name, function):
        sandbox.fire_alarm(name, function)
        created.append(name)

    yield {"keep": keep, "fired": fired, "own": own}
    for function, seeded in saved.items():
        lam.update_alias(FunctionName=function, Name="live", FunctionVersion=seeded["FunctionVersion"],
                         Description=seeded.get("Description", ""))
        function_tags.put_back(lam, function, seeded["tags"])
    for name in fired:
        sandbox.alarm_state(name, "OK")
    if created:
        sandbox.client("cloudwatch").delete_alarms(AlarmNames=created)
