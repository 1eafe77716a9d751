# -*- coding: utf-8 -*-
"""Benchmark: the weekly performance review of a production-size environment - 20 functions, 10 tables, 10 buckets
with a week of history (tests/sandbox/history.py) - two ways, in one run.

(a) the runbooks' shell procedure (runbook 000 "Wöchentliche Wartung" 1): ``aws cloudwatch get-metric-statistics``
    per function and metric (Duration, Invocations, Errors, Throttles, ConcurrentExecutions), per table
    (ConsumedRead/WriteCapacityUnits, ThrottledRequests) and per bucket (BucketSizeBytes, NumberOfObjects) - 150
    CLI calls, the pinned ``awscli`` in .build/bench-venv;
(c) the weekly review's performance part - the ``performance`` role via ansible-playbook (lambda, dynamodb, s3): the
    same metrics in GetMetricData batches and more - every function's configuration and REPORT lines, every table's
    capacity mode - graded, with recommendations and charts, one report (markdown, JSON, HTML);
(d) the whole ``playbooks/weekly_review.yml`` on the same environment (also the DLQs, the cost and the backups, and
    the PostgreSQL review), for scale.

Each method runs BENCH_RUNS times (default 3); medians count, min and max show the spread. Prints a/c (goal >= 5)
and a/d. The emulator answers a batch of hundreds of metric queries slower than CloudWatch does (it scans its
datapoints per query), so (c) and (d) are upper bounds.
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

import history  # noqa: E402  pylint: disable=wrong-import-position
import seed  # noqa: E402  pylint: disable=wrong-import-position
from sandbox import Sandbox  # noqa: E402  pylint: disable=wrong-import-position

sys.path.insert(0, HERE)
from bench_queue_depth import awscli  # noqa: E402  pylint: disable=wrong-import-position
from common import RUNS, report, stats, timed  # noqa: E402  pylint: disable=wrong-import-position

RUN_COUNT = int(os.environ.get("BENCH_RUNS", RUNS))
FUNCTIONS = seed.FUNCTIONS + ["ai-investment-extra-%02d" % i for i in range(20 - len(seed.FUNCTIONS))]
TABLES = list(seed.TABLES) + ["ai-investment-extra-%02d" % i for i in range(10 - len(seed.TABLES))]
BUCKETS = list(seed.BUCKETS) + ["ai-investment-extra-%02d" % i for i in range(10 - len(seed.BUCKETS))]


def grow(box):
    """The seeded environment (6 functions, 5 tables, 5 buckets) grown to production size, with their week."""
    lam, ddb, s3 = box.client("lambda"), box.client("dynamodb"), box.client("s3")
    role = box.client("iam").get_role(RoleName="ai-investment-lambda-exec")["Role"]["Arn"]
    for name in FUNCTIONS[len(seed.FUNCTIONS):]:
        lam.create_function(FunctionName=name, Runtime="python3.11", Role=role, Handler="index.handler",
                            Code={"ZipFile": seed._zip(0)}, Timeout=30, MemorySize=512)  # pylint: disable=protected-access
    for name in TABLES[len(seed.TABLES):]:
        ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    for name in BUCKETS[len(seed.BUCKETS):]:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": box.details()["sandbox_aws_region"]})
    extra_functions = FUNCTIONS[len(seed.FUNCTIONS):]
    history.put_week(box.client("cloudwatch"), extra_functions, TABLES[len(seed.TABLES):], BUCKETS[len(seed.BUCKETS):])
    history.put_report_lines(box.client("logs"), extra_functions)


def method_a(box, _run=0):
    """Runbook 000's weekly review as a shell would run it for every resource: one CLI call per resource and metric."""
    aws = [awscli(), "--endpoint-url", box.endpoint_url]
    env = dict(os.environ, **box.env())
    end = datetime.datetime.now(datetime.timezone.utc)
    window = ["--start-time", (end - datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%S"),
              "--end-time", end.strftime("%Y-%m-%dT%H:%M:%S"), "--period", "3600"]
    calls = []
    for name in FUNCTIONS:
        for metric, statistics in (("Duration", "Average Maximum"), ("Invocations", "Sum"), ("Errors", "Sum"),
                                   ("Throttles", "Sum"), ("ConcurrentExecutions", "Maximum")):
            calls.append(["AWS/Lambda", metric, "Name=FunctionName,Value=" + name, statistics])
    for name in TABLES:
        for metric in ("ConsumedReadCapacityUnits", "ConsumedWriteCapacityUnits", "ThrottledRequests"):
            calls.append(["AWS/DynamoDB", metric, "Name=TableName,Value=" + name, "Sum"])
    for name in BUCKETS:
        for metric, storage in (("BucketSizeBytes", "StandardStorage"), ("NumberOfObjects", "AllStorageTypes")):
            calls.append(["AWS/S3", metric, "Name=BucketName,Value=%s Name=StorageType,Value=%s" % (name, storage),
                          "Average"])
    for namespace, metric, dimensions, statistics in calls:
        subprocess.run(aws + ["cloudwatch", "get-metric-statistics", "--namespace", namespace, "--metric-name", metric,
                              "--dimensions"] + dimensions.split() + window + ["--statistics"] + statistics.split(),
                       env=env, check=True, capture_output=True)
    return len(calls)


def method_c(box, workdir, _run=0):
    path = os.path.join(workdir, "bench.yml")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump([{"name": "bench", "hosts": "localhost", "gather_facts": False, "roles": [{
            "role": "ops.runbooks.performance", "performance_checks": ["lambda", "dynamodb", "s3"],
            "performance_functions": FUNCTIONS, "performance_tables": TABLES, "performance_buckets": BUCKETS,
            "performance_fail_on_failure": False}]}], fh)
    details = os.path.join(workdir, "sandbox.json")
    with open(details, "w", encoding="utf-8") as fh:
        json.dump(box.details(), fh)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), OPS_RUNBOOKS_REPORTS_DIR=workdir)
    start = time.perf_counter()
    subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), path,
                    "-i", os.path.join(ROOT, "inventories", "local"), "-e", "@" + details], env=env, check=True,
                   capture_output=True, cwd=ROOT)
    elapsed = time.perf_counter() - start
    with open(os.path.join(workdir, "performance-local.json"), encoding="utf-8") as fh:
        checks = json.load(fh)["checks"]
    assert len([c for c in checks if c["check"] == "duration"]) == len(FUNCTIONS), "not every function reviewed"
    return elapsed


def method_d(box, workdir, _run=0):
    details = dict(box.details(), ops_runbooks_functions=FUNCTIONS, ops_runbooks_tables=TABLES,
                   ops_runbooks_buckets=BUCKETS, weekly_review_fail_on_failure=False)
    path = os.path.join(workdir, "weekly.json")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(details, fh)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), OPS_RUNBOOKS_REPORTS_DIR=workdir)
    start = time.perf_counter()
    subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
                    os.path.join(ROOT, "playbooks", "weekly_review.yml"), "-i", os.path.join(ROOT, "inventories", "local"),
                    "-e", "@" + path], env=env, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def main():
    with Sandbox() as box, tempfile.TemporaryDirectory() as workdir:
        grow(box)
        awscli()  # installed before timing
        c = stats([method_c(box, workdir) for _run in range(RUN_COUNT)])
        d = stats([method_d(box, workdir) for _run in range(RUN_COUNT)])
        a = timed(method_a, RUN_COUNT, box)
    report("weekly_review", "performance review of %d functions, %d tables, %d buckets over 7 days" % (
        len(FUNCTIONS), len(TABLES), len(BUCKETS)), {
        "(a) the runbook's shell loop: aws cloudwatch get-metric-statistics x 150": a,
        "(c) the weekly review's performance part (role, graded, HTML report)": c,
        "(d) the whole weekly review playbook (+ DLQs, cost, backups, PostgreSQL)": d,
    }, {"a/c": (a["median"] / c["median"], "goal >= 5"), "a/d": (a["median"] / d["median"], "for scale")})
    return 0


if __name__ == "__main__":
    sys.exit(main())
