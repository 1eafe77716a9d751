# -*- coding: utf-8 -*-
"""Benchmark: the daily health of a fleet - 12 environments (inventory hosts), each in an account of its own in the
emulator with the seeded environment (runbook 001's functions, tables, buckets, queues, alarms, logs) - in one run
with ``--forks 12``, against the same run over one of them (issue #15). Both runs assume each host's role
(ops.runbooks.fleet) and write each host's report; the fleet run also writes the fleet summary.

(1) ``daily_health.yml -i <fleet> -e ops_runbooks_hosts=fleet-00``: one environment;
(12) ``daily_health.yml -i <fleet> --forks 12``: twelve environments in parallel.

Goal: (12)/(1) <= 4 on this 2-core machine (one emulator process serves every account: it is shared, as one AWS
region's API is not). BENCH_RUNS runs each (default 3); medians count.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "sandbox"))

import seed  # noqa: E402  pylint: disable=wrong-import-position
from sandbox import Sandbox  # noqa: E402  pylint: disable=wrong-import-position

sys.path.insert(0, HERE)
from common import RUNS, report, stats  # noqa: E402  pylint: disable=wrong-import-position

RUN_COUNT = int(os.environ.get("BENCH_RUNS", RUNS))
HOSTS = 12


def seed_account(box, account):
    """The seeded environment in ``account`` (bucket names are global: suffixed with the account id)."""
    creds = box.assume(account, "ops-runbooks", "bench-seed")
    session = boto3.session.Session(aws_access_key_id=creds["access_key"], aws_secret_access_key=creds["secret_key"],
                                    aws_session_token=creds["session_token"])
    buckets = dict(seed.BUCKETS)
    seed.BUCKETS = {"%s-%s" % (name, account): spec for name, spec in buckets.items()}
    try:
        seed.seed_aws(session, box.endpoint_url, "eu-central-1")
        return list(seed.BUCKETS)
    finally:
        seed.BUCKETS = buckets


def fleet_inventory(box, workdir):
    accounts = ["%012d" % (210000000000 + number) for number in range(HOSTS)]
    hosts = {}
    for number, account in enumerate(accounts):
        hosts["fleet-%02d" % number] = {"ops_runbooks_environment": "fleet-%02d" % number,
                                        "ops_runbooks_aws_assume_role_arn": "arn:aws:iam::%s:role/ops-runbooks" % account,
                                        "ops_runbooks_buckets": seed_account(box, account)}
    path = os.path.join(workdir, "fleet.json")
    with open(path, "w", encoding="utf-8") as fh:  # beside inventories/local: its group_vars apply to these hosts
        json.dump({"fleet": {"hosts": hosts, "vars": {"ansible_connection": "local",
                                                      "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}},
                  fh)
    return path


def daily_health(box, workdir, inventory, hosts):
    reports = tempfile.mkdtemp(dir=workdir)
    path = os.path.join(workdir, "vars.json")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(dict(box.details(), ops_runbooks_hosts=hosts, health_check_fail_on_failure=False), fh)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), OPS_RUNBOOKS_REPORTS_DIR=reports)
    start = time.perf_counter()
    subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
                    os.path.join(ROOT, "playbooks", "daily_health.yml"), "-i", os.path.join(ROOT, "inventories", "local"),
                    "-i", inventory, "-e", "@" + path, "--forks", str(HOSTS)], env=env, check=True, capture_output=True,
                   cwd=ROOT)
    elapsed = time.perf_counter() - start
    written = sorted(name for name in os.listdir(reports) if name.endswith(".json"))
    expected = HOSTS if hosts == "fleet" else 1
    assert len([n for n in written if n.startswith("daily_health-fleet-")]) == expected, written
    assert ("fleet-daily_health.json" in written) == (expected > 1), written
    return elapsed


def main():
    with Sandbox() as box, tempfile.TemporaryDirectory() as workdir:
        inventory = fleet_inventory(box, workdir)
        daily_health(box, workdir, inventory, "fleet-00")  # warm-up (first AWS calls of each account)
        one = stats([daily_health(box, workdir, inventory, "fleet-00") for _run in range(RUN_COUNT)])
        twelve = stats([daily_health(box, workdir, inventory, "fleet") for _run in range(RUN_COUNT)])
    report("fleet", "daily health of %d environments (accounts) with --forks %d against one" % (HOSTS, HOSTS), {
        "(1) daily_health.yml, one environment": one,
        "(12) daily_health.yml, %d environments, --forks %d" % (HOSTS, HOSTS): twelve,
    }, {"12/1": (twelve["median"] / one["median"], "goal <= 4 (2 cores)")})
    return 0


if __name__ == "__main__":
    sys.exit(main())
