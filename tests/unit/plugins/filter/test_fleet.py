# -*- coding: utf-8 -*-
"""The fleet summary (plugins/filter/fleet.py): a host's status from its worst check, a host without this report
(its role could not be assumed, it failed before the report, it wrote another report) counts as failed with the
reason, hosts worst first, files beside each other."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ops.runbooks.plugins.filter.fleet import fleet_summary
from ansible_collections.ops.runbooks.plugins.filter.report_html import report_html


def _report(name="daily_health", **counts):
    checks = []
    for status in ("fail", "warn", "unknown", "pass"):
        checks += [{"resource": "r-%s-%d" % (status, i), "check": "c", "status": status, "reason": "why %s" % status}
                   for i in range(counts.get(status, 0))]
    return {"name": name, "path": "/r/%s-x.md" % name, "html_path": "/r/%s-x.html" % name, "checks": checks,
            "summary": {s: str(counts.get(s, 0)) for s in ("pass", "warn", "fail", "unknown", "skipped")}}


ROWS = [
    {"host": "prod-eu", "environment": "prod-eu", "region": "eu-central-1", "account": "333",
     "report": _report(**{"pass": 5})},
    {"host": "dev", "environment": "dev", "region": "eu-central-1", "account": "111",
     "report": _report(**{"pass": 3, "warn": 1, "fail": 2})},
    {"host": "stage", "environment": "stage", "region": "eu-west-1", "account": "222",
     "report": _report(**{"pass": 4, "warn": 2})},
    {"host": "prod-us", "environment": "prod-us", "region": "us-east-1", "account": "",
     "report": {}, "error": "could not assume arn:aws:iam::444:role/x: AccessDenied"},
    {"host": "old", "environment": "old", "region": "", "account": "", "report": _report("queue_check", **{"pass": 1})},
    {"host": "unk", "environment": "unk", "region": "", "account": "", "report": _report(**{"pass": 1, "unknown": 1})},
]


def test_hosts_are_graded_by_their_worst_check_and_ordered_worst_first():
    fleet = fleet_summary(ROWS, "daily_health", "/r/fleet-daily_health.md")
    order = [(h["host"], h["status"]) for h in fleet["hosts"]]
    assert order == [("dev", "fail"), ("old", "fail"), ("prod-us", "fail"), ("stage", "warn"), ("unk", "unknown"),
                     ("prod-eu", "pass")]
    by_host = {h["host"]: h for h in fleet["hosts"]}
    assert by_host["dev"]["worst"] == "r-fail-0 | c: why fail" and by_host["dev"]["fail"] == 2
    assert by_host["dev"]["warn"] == 1 and by_host["dev"]["report"] == "/r/daily_health-x.md"
    assert by_host["stage"]["worst"] == "r-warn-0 | c: why warn"
    assert by_host["prod-eu"]["worst"] == "" and by_host["prod-eu"]["pass"] == 5 and by_host["prod-eu"]["error"] == ""
    # no report of this name: failed, with the reason where one is known
    assert by_host["prod-us"]["worst"].endswith("AccessDenied") and by_host["prod-us"]["report"] == ""
    assert by_host["old"]["worst"].startswith("no report") and by_host["old"]["report"] == ""
    assert fleet["summary"] == {"pass": 1, "warn": 1, "fail": 3, "unknown": 1, "skipped": 0}
    assert [c["resource"] for c in fleet["failed"]] == ["dev", "old", "prod-us"]
    assert fleet["brief"][0] == {"host": "dev", "status": "fail", "worst": "r-fail-0 | c: why fail"}
    assert fleet["text"].startswith("Fleet summary: daily_health, 6 hosts: 1 pass, 1 warn, 3 fail, 1 unknown hosts.")


def test_files_sit_side_by_side_and_check_mode_is_a_plan():
    fleet = fleet_summary(ROWS[:1], "daily_health", "/r/fleet-daily_health-plan.md", html=False, plan=True)
    assert (fleet["path"], fleet["json_path"], fleet["html_path"]) == ("/r/fleet-daily_health-plan.md",
                                                                       "/r/fleet-daily_health-plan.json", "")
    assert fleet["title"].startswith("Plan (check mode, nothing changed): Fleet summary")
    assert fleet_summary(ROWS[:1], "x", "/r/f.md")["html_path"] == "/r/f.html"


def test_the_html_page_lists_every_host_with_its_worst_finding():
    fleet = fleet_summary(ROWS, "daily_health", "/r/fleet-daily_health.md")
    page = report_html(fleet, None, None, "2026-11-23 08:00 UTC", "fleet of 6 hosts", [fleet["table"]])
    root = ET.fromstring(page.split("\n", 1)[1])
    cells = [td.text for td in root.iter("td")]
    assert "prod-us" in cells and "could not assume arn:aws:iam::444:role/x: AccessDenied" in cells
    assert fleet["table"]["rows"][0][:3] == ["FAIL", "dev", "dev"]


@pytest.mark.parametrize("rows, path, message", [
    ({"host": "a"}, "/r/f.md", "give a list"),
    ([{"environment": "a"}], "/r/f.md", "give a list"),
    (ROWS, "/r/f.json", "must end in .md"),
])
def test_bad_input_is_named(rows, path, message):
    with pytest.raises(AnsibleFilterError, match=message):
        fleet_summary(rows, "daily_health", path)


def test_fleet_rows_from_the_hosts_variables():
    from ansible_collections.ops.runbooks.plugins.filter.fleet import fleet_rows
    hostvars = {"a": {"ops_runbooks_environment": "dev", "ops_runbooks_aws_region": "eu-central-1",
                      "fleet_session": {"account": "111111111111"}, "report_result": {"name": "x"}},
                "b": {"fleet_session_error": "AccessDenied: sts:AssumeRole"}}
    assert fleet_rows(["a", "b"], hostvars) == [
        {"host": "a", "environment": "dev", "region": "eu-central-1", "account": "111111111111",
         "report": {"name": "x"}, "error": ""},
        {"host": "b", "environment": "b", "region": "", "account": "", "report": {},
         "error": "AccessDenied: sts:AssumeRole"}]
