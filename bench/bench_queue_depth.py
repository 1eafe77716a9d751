# -*- coding: utf-8 -*-
"""Benchmark: queue depth of 300 queues (each with a DLQ) in the emulator, three ways, in one run.

(a) the runbook as written (runbook 004): ``aws sqs get-queue-url`` + ``aws sqs get-queue-attributes`` per queue
    and per DLQ (the ``awscli`` PyPI package, pinned, installed into .build/bench-venv so it cannot disturb the
    pinned botocore);
(b) the limit: raw boto3 doing the module's own work - ListQueues by prefix (all pages) and GetQueueAttributes of
    every queue listed, 16 threads;
(c) ``ops.runbooks.queue_depth`` via ``ansible-playbook`` in one task (prefix selection, DLQs from the redrive
    policy, oldest-age metric, thresholds); the fixed start-up of a one-task playbook is measured separately.

Each method runs BENCH_RUNS times (default 3); medians count, min and max show the spread. Prints a/c (goal >= 30)
and c/b (goal <= 1.5 plus one task's start-up). BENCH_QUEUES sets the fleet size (default 300).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "sandbox"))

from sandbox import Sandbox  # noqa: E402  pylint: disable=wrong-import-position

sys.path.insert(0, HERE)
from common import RUNS, report, stats, timed  # noqa: E402  pylint: disable=wrong-import-position

QUEUES = int(os.environ.get("BENCH_QUEUES", "300"))
PREFIX = "bench-"
BENCH_VENV = os.path.join(ROOT, ".build", "bench-venv")
AWSCLI = "awscli==1.46.2"  # pinned: (a) must run the same CLI each time
RUN_COUNT = int(os.environ.get("BENCH_RUNS", RUNS))


def awscli():
    aws = os.path.join(BENCH_VENV, "bin", "aws")
    if not os.path.exists(aws):
        subprocess.run([sys.executable, "-m", "venv", BENCH_VENV], check=True)
        subprocess.run([os.path.join(BENCH_VENV, "bin", "pip"), "install", "-q", AWSCLI], check=True)
    return aws


def create_fleet(box):
    sqs = box.client("sqs")

    def one(i):
        name = "%s%03d" % (PREFIX, i)
        dlq = sqs.create_queue(QueueName=name + "-dlq")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sqs.create_queue(QueueName=name, Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": "3"})})
        return name

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(QUEUES)))


def method_a(box, names, _run=0):
    """Runbook 004 as written: for each queue, two aws CLI calls; the weekly DLQ check does the same per DLQ."""
    aws = awscli()
    env = dict(os.environ, **box.env())
    attrs = "ApproximateNumberOfMessages ApproximateNumberOfMessagesNotVisible ApproximateNumberOfMessagesDelayed"
    aws = [aws, "--endpoint-url", box.endpoint_url]  # this awscli v1 ignores AWS_ENDPOINT_URL
    for name in names:
        for queue in (name, name + "-dlq"):
            get_url = aws + ["sqs", "get-queue-url", "--queue-name", queue, "--query", "QueueUrl", "--output", "text"]
            url = subprocess.run(get_url, env=env, check=True, capture_output=True, text=True).stdout.strip()
            subprocess.run(aws + ["sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names"]
                           + attrs.split(), env=env, check=True, capture_output=True)


def method_b(box, names, _run=0):
    """The module's own reads in raw boto3, 16 threads: ListQueues by prefix (all pages), attributes of each."""
    sqs = box.client("sqs")
    urls = [u for page in sqs.get_paginator("list_queues").paginate(QueueNamePrefix=PREFIX, MaxResults=1000)
            for u in page.get("QueueUrls", [])]
    assert len(urls) == 2 * len(names), len(urls)

    def one(url):
        return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]

    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(one, urls))


def playbook(box, tasks, workdir):
    path = os.path.join(workdir, "bench.yml")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump([{"name": "bench", "hosts": "localhost", "gather_facts": False, "tasks": tasks}], fh)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"))
    details = box.details()
    start = time.perf_counter()
    subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), path,
                    "-i", "localhost,", "-c", "local", "-e", "ansible_python_interpreter=" + sys.executable,
                    "-e", json.dumps(details)], env=env, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def method_c(box, workdir):
    task = {"name": "depth", "ops.runbooks.queue_depth": {
        "queue_name_prefix": PREFIX, "max_visible": 1000, "fail_on": "never",
        "endpoint_url": "{{ sandbox_aws_endpoint_url }}", "region": "{{ sandbox_aws_region }}",
        "access_key": "{{ sandbox_aws_access_key }}", "secret_key": "{{ sandbox_aws_secret_key }}"},
        "register": "r"}
    check = {"name": "check", "ansible.builtin.assert": {"that": ["r.queues | length == %d" % QUEUES]}}
    return playbook(box, [task, check], workdir)


def startup(box, workdir):
    noop = {"name": "noop", "ansible.builtin.debug": {"msg": "start-up only"}}
    return playbook(box, [noop, {"name": "check", "ansible.builtin.assert": {"that": ["true"]}}], workdir)


def main():
    with Sandbox(seed_data=False) as box, tempfile.TemporaryDirectory() as workdir:
        names = create_fleet(box)
        awscli()  # installed before timing
        method_b(box, names)  # warm the emulator once
        b = timed(method_b, RUN_COUNT, box, names)
        c = stats([method_c(box, workdir) for _run in range(RUN_COUNT)])
        s = stats([startup(box, workdir) for _run in range(RUN_COUNT)])
        a = timed(method_a, RUN_COUNT, box, names)
    c_net = c["median"] - s["median"]
    report("queue_depth", "%d queues, each with a DLQ (%d queues in all)" % (QUEUES, 2 * QUEUES), {
        "(a) the runbook as written: aws CLI loop": a,
        "(b) the limit: boto3 ListQueues + attributes, 16 threads": b,
        "(c) queue_depth via ansible-playbook": c,
        "    one-task playbook start-up": s,
    }, {
        "a/c": (a["median"] / c["median"], "goal >= 30"),
        "c/b": (c["median"] / b["median"], "goal <= 1.5 plus the start-up"),
        "(c - start-up)/b": (c_net / b["median"], "goal <= 1.5"),
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
