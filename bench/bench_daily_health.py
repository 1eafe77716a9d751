# -*- coding: utf-8 -*-
"""Benchmark: the daily health of a production-size environment - 20 functions, 10 tables, 10 buckets - three ways,
and the new way at the seeded size, in one run (issue #15).

(a) the runbooks' shell procedure (runbook 000 "Daily Health Check", 004 "Morning Health Check") for the same
    resource checks: ``aws lambda get-function`` and ``aws cloudwatch get-metric-statistics`` (Errors, Throttles,
    Duration) per function, ``aws dynamodb describe-table`` per table, ``aws s3api list-objects-v2 --max-items 1`` per
    bucket - the pinned ``awscli`` in .build/bench-venv;
(b) ``playbooks/daily_health.yml`` as it was before the batched checks (commit 5f7ea5f, one module start per function,
    table and bucket), from a git worktree;
(c) ``playbooks/daily_health.yml`` now (lambda_state, dynamodb_status, s3_status: one module run per resource kind);
(c0) the same at the seeded size (6 functions, 5 tables, 5 buckets).

Each method runs BENCH_RUNS times (default 3); medians count. Goals (issue #15): a/c >= 5, b/c >= 3, c/c0 <= 1.5.
"""
from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "sandbox"))

import seed  # noqa: E402  pylint: disable=wrong-import-position
from sandbox import Sandbox  # noqa: E402  pylint: disable=wrong-import-position

sys.path.insert(0, HERE)
from bench_queue_depth import awscli  # noqa: E402  pylint: disable=wrong-import-position
from bench_weekly_review import BUCKETS, FUNCTIONS, TABLES, grow  # noqa: E402  pylint: disable=wrong-import-position
from common import RUNS, report, stats, timed  # noqa: E402  pylint: disable=wrong-import-position

RUN_COUNT = int(os.environ.get("BENCH_RUNS", RUNS))
BEFORE = "5f7ea5f"  # the last commit with one module start per resource in the health_check role


def method_a(box, _run=0):
    """The shell procedure: one CLI call per resource and check."""
    aws = [awscli(), "--endpoint-url", box.endpoint_url]
    env = dict(os.environ, **box.env())
    end = datetime.datetime.now(datetime.timezone.utc)
    window = ["--start-time", (end - datetime.timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M:%S"),
              "--end-time", end.strftime("%Y-%m-%dT%H:%M:%S"), "--period", "300"]
    calls = []
    for name in FUNCTIONS:
        calls.append(["lambda", "get-function", "--function-name", name])
        for metric, statistic in (("Errors", "Sum"), ("Throttles", "Sum"), ("Duration", "Average")):
            calls.append(["cloudwatch", "get-metric-statistics", "--namespace", "AWS/Lambda", "--metric-name", metric,
                          "--dimensions", "Name=FunctionName,Value=" + name, "--statistics", statistic] + window)
    calls += [["dynamodb", "describe-table", "--table-name", name] for name in TABLES]
    calls += [["s3api", "list-objects-v2", "--bucket", name, "--max-items", "1"] for name in BUCKETS]
    for call in calls:
        subprocess.run(aws + call, env=env, check=True, capture_output=True)
    return len(calls)


def daily_health(box, workdir, collections, size, tree=ROOT):
    """One run of ``tree``'s playbooks/daily_health.yml (the collection at ``collections``) at ``size``."""
    functions, tables, buckets = size
    extra = dict(box.details(), ops_runbooks_functions=functions, ops_runbooks_tables=tables,
                 ops_runbooks_buckets=buckets, health_check_fail_on_failure=False)
    path = os.path.join(workdir, "vars.json")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(extra, fh)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), OPS_RUNBOOKS_REPORTS_DIR=workdir,
               ANSIBLE_COLLECTIONS_PATH=collections, PYTHONPATH=collections)
    start = time.perf_counter()
    subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
                    os.path.join(tree, "playbooks", "daily_health.yml"), "-i", os.path.join(ROOT, "inventories", "local"),
                    "-e", "@" + path], env=env, check=True, capture_output=True, cwd=ROOT)
    elapsed = time.perf_counter() - start
    with open(os.path.join(workdir, "daily_health-local.json"), encoding="utf-8") as fh:
        found = json.load(fh)["checks"]
    assert len([c for c in found if c["check"] == "lambda state"]) == len(functions), "not every function checked"
    return elapsed


def old_collection(workdir):
    """The collection as it was at BEFORE, in a git worktree, as a collections path."""
    tree = os.path.join(workdir, "before")
    subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", "-f", tree, BEFORE], check=True,
                   capture_output=True)
    path = os.path.join(workdir, "before-collections")
    os.makedirs(os.path.join(path, "ansible_collections", "ops"))
    os.symlink(tree, os.path.join(path, "ansible_collections", "ops", "runbooks"))
    return tree, path


def main():
    now = os.path.join(ROOT, ".build", "collections")
    production = (FUNCTIONS, TABLES, BUCKETS)
    seeded = (seed.FUNCTIONS, list(seed.TABLES), list(seed.BUCKETS))
    with Sandbox() as box, tempfile.TemporaryDirectory() as workdir:
        tree, before = old_collection(workdir)
        try:
            grow(box)
            awscli()  # installed before timing
            c0 = stats([daily_health(box, workdir, now, seeded) for _run in range(RUN_COUNT)])
            c = stats([daily_health(box, workdir, now, production) for _run in range(RUN_COUNT)])
            b = stats([daily_health(box, workdir, before, production, tree) for _run in range(RUN_COUNT)])
            a = timed(method_a, RUN_COUNT, box)
        finally:
            subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", tree], check=False, capture_output=True)
    report("daily_health", "daily health of %d functions, %d tables, %d buckets" % tuple(len(x) for x in production), {
        "(a) the runbooks' shell procedure: aws CLI per resource": a,
        "(b) daily_health.yml before (a module start per resource)": b,
        "(c) daily_health.yml now (one module run per resource kind)": c,
        "(c0) the same at the seeded size (6, 5, 5)": c0,
    }, {"a/c": (a["median"] / c["median"], "goal >= 5"), "b/c": (b["median"] / c["median"], "goal >= 3"),
        "c/c0": (c["median"] / c0["median"], "goal <= 1.5")})
    return 0


if __name__ == "__main__":
    sys.exit(main())
