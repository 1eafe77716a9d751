# -*- coding: utf-8 -*-
"""docs/checks.md is the health check's plan per environment: render each inventory's plan and compare.

The plan is what ``playbooks/daily_health.yml -e health_check_plan_only=true`` prints (roles/health_check/tasks/plan.yml):
for every check whether it runs and each setting by variable name, resolved from the inventory. No AWS call is made.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENVIRONMENTS = ("dev", "staging", "production")
# What runbook 000's "System Health Check" and 004's morning check need to run in every real environment.
MUST_RUN = ("identity", "http", "api", "lambda", "lambda_invoke", "alarms", "dynamodb", "s3", "queues", "logs", "postgres")


# A host in runbook 003's group, added as a second inventory source (the environment's group_vars apply to it).
READINESS_HOST = {"all": {"children": {"data_readiness": {"hosts": {"readiness-1": {
    "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}}}


def plan(env, tmp_dir):
    """``{host: plan}`` of daily_health.yml against the environment, with one data_readiness host."""
    extra = os.path.join(tmp_dir, "readiness.json")
    with open(extra, "w", encoding="utf-8") as fh:
        json.dump(READINESS_HOST, fh)
    proc = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), os.path.join(ROOT, "playbooks", "daily_health.yml"),
         "-i", os.path.join(ROOT, "inventories", env), "-i", extra, "-e", "health_check_plan_only=true"],
        capture_output=True, text=True, check=False, cwd=ROOT,
        env=dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="json",
                 ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".build", "collections")))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    tasks = [t for p in json.loads(proc.stdout)["plays"] for t in p["tasks"]]
    printed = [t for t in tasks if t["task"]["name"].endswith("The checks of this run")]
    return dict((host, answer["health_check_plan"]) for task in printed for host, answer in task["hosts"].items())


def shown(value):
    """A plan value as docs/checks.md writes it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(shown(v) for v in value) if value else "-"
    if value is None or value in ("", {}):
        return "-"
    return str(value)


def documented():
    """``{(check, variable): {env: value}}`` from the table in docs/checks.md."""
    rows = {}
    with open(os.path.join(ROOT, "docs", "checks.md"), encoding="utf-8") as fh:
        for line in fh:
            match = re.match(r"^\| `([\w.]+)` \|[^|]*\| `?(\w+)`? \|(.*)\|$", line.rstrip("\n"))
            if match:
                values = [cell.strip() for cell in match.group(3).split("|")]
                rows[(match.group(1), match.group(2))] = dict(zip(ENVIRONMENTS, values))
    return rows


@pytest.fixture(scope="module")
def host_plans(tmp_path_factory):
    return dict((env, plan(env, str(tmp_path_factory.mktemp(env)))) for env in ENVIRONMENTS)


@pytest.fixture(scope="module")
def plans(host_plans):
    return dict((env, host_plans[env]["localhost"]) for env in ENVIRONMENTS)


def test_the_docs_table_is_each_inventorys_plan(plans, host_plans):
    table = documented()
    rendered = dict(((check, key), dict((env, shown(plans[env][check][key])) for env in ENVIRONMENTS))
                    for check in plans["dev"] for key in plans["dev"][check])
    readiness = dict((env, host_plans[env]["readiness-1"]) for env in ENVIRONMENTS)
    running = [check for check in readiness["dev"] if readiness["dev"][check]["runs"]]
    assert sorted(running) == ["app_log", "host", "http"], running  # runbook 003's checks only, on its host
    rendered.update((("data_readiness." + check, key), dict((env, shown(readiness[env][check][key]))
                                                            for env in ENVIRONMENTS))
                    for check in running for key in readiness["dev"][check])
    assert sorted(table) == sorted(rendered), "rows differ: %s" % sorted(set(table) ^ set(rendered))
    wrong = dict((row, (table[row], rendered[row])) for row in rendered if table[row] != rendered[row])
    assert not wrong, "docs/checks.md says / the inventory gives: %s" % wrong


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_morning_check_runs_in_every_real_environment(plans, env):
    assert [check for check in MUST_RUN if not plans[env][check]["runs"]] == []
    assert plans[env]["http"]["health_check_http_endpoints"] == ["https://api.%s.ai-investment.com/health" % env]
    assert plans[env]["lambda_invoke"]["health_check_invoke_function"] == "ai-investment-health-check"
    assert plans[env]["lambda"]["health_check_lambda_alias"] == env  # runbook 000 "Rollback Procedure"
    assert plans[env]["queues"]["health_check_queue_max_age"] == "15m"
    assert plans[env]["api"]["health_check_api_stage"] == env  # runbook 000 deploys the stage named after it
