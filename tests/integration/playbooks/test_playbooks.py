# -*- coding: utf-8 -*-
"""Playbooks against inventories/local pointed at the sandbox: the chain emulator -> module_defaults -> module -> report."""
from __future__ import annotations

import json


def test_daily_health_reports_the_seeded_problems_and_fails(run_playbook):
    proc = run_playbook("playbooks/daily_health.yml")
    assert proc.returncode != 0, proc.stdout
    assert "2 check(s) failed" in proc.stdout
    report = (proc.reports / "daily_health-local.md").read_text()
    lines = [line for line in report.splitlines() if line.startswith("| ")]
    # failures first: the seeded DLQ message and the seeded alarm
    assert lines[1].startswith("| FAIL | ai-investment-score | queue depth |") and "dlq ai-investment-score-dlq" in lines[1]
    assert lines[2].startswith("| FAIL | cloudwatch | alarms in ALARM | ai-investment-score-errors")
    assert "| PASS | sts | identity | account 123456789012" in report
    result = json.loads((proc.reports / "daily_health-local.json").read_text())
    assert [c["status"] for c in result["checks"]].count("fail") == 2


def test_daily_health_can_report_without_failing(run_playbook):
    proc = run_playbook("playbooks/daily_health.yml", {"daily_health_fail_on_failure": False})
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_queue_check_playbook_judges_the_environment(run_playbook):
    proc = run_playbook("playbooks/queue_check.yml", {"queue_check_thresholds": {"ai-investment-ingest": {"max_visible": 2}}})
    assert proc.returncode != 0
    assert "Queues failed: ai-investment-ingest, ai-investment-score" in proc.stdout
    result = json.loads((proc.reports / "queue_check-local.json").read_text())
    assert {c["resource"]: c["status"] for c in result["checks"]} == {
        "ai-investment-ingest": "fail", "ai-investment-score": "fail", "ai-investment-orchestrator": "unknown"}
