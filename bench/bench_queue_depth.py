# -*- coding: utf-8 -*-
"""Benchmark: queue depth of 300 queues (each with a DLQ) in the emulator, three ways, in one run.

(a) the seed 004 loop: ``aws sqs get-queue-url`` + ``aws sqs get-queue-attributes`` per queue and per DLQ
    (the ``awscli`` PyPI package, installed into .build/bench-venv so it cannot disturb the pinned botocore);
(b) raw boto3 with a thread pool of 16: the practical limit of reading the same numbers;
(c) ``ops.runbooks.queue_depth`` via ``ansible-playbook`` in one task (prefix selection, DLQs from the redrive
    policy, oldest-age metric, thresholds), and the fixed start-up of a one-task playbook reported separately.

Prints a/c and c/b (goals: a/c >= 30, c/b <= 1.5 plus one task's fixed start-up). Ratios, not seconds, are the
result: they compare methods within the same run on the same machine.
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

QUEUES = int(os.environ.get("BENCH_QUEUES", "300"))
PREFIX = "bench-"
BENCH_VENV = os.path.join(ROOT, ".build", "bench-venv")


def awscli():
    aws = os.path.join(BENCH_VENV, "bin", "aws")
    if not os.path.exists(aws):
        subprocess.run([sys.executable, "-m", "venv", BENCH_VENV], check=True)
        subprocess.run([os.path.join(BENCH_VENV, "bin", "pip"), "install", "-q", "awscli"], check=True)
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


def method_a(box, names):
    """Seed 004: for each queue, two aws CLI calls; the weekly DLQ check does the same for each DLQ."""
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


def method_b(box, names):
    """boto3, 16 threads: URL + attributes of each queue and its DLQ."""
    sqs = box.client("sqs")

    def one(queue):
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]

    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(one, [q for n in names for q in (n, n + "-dlq")]))


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
    total = playbook(box, [task, check], workdir)
    startup = playbook(box, [{"name": "noop", "ansible.builtin.debug": {"msg": "start-up only"}}, check | {
        "ansible.builtin.assert": {"that": ["true"]}}], workdir)
    return total, startup


def main():
    with Sandbox(seed_data=False) as box, tempfile.TemporaryDirectory() as workdir:
        names = create_fleet(box)
        awscli()  # installed before timing
        method_b(box, names)  # warm the emulator once
        start = time.perf_counter()
        method_b(box, names)
        b = time.perf_counter() - start
        c, startup = method_c(box, workdir)
        start = time.perf_counter()
        method_a(box, names)
        a = time.perf_counter() - start
    c_net = c - startup
    print("queue_depth benchmark: %d queues, each with a DLQ (%d queues in all)" % (QUEUES, 2 * QUEUES))
    print("  (a) seed 004 aws CLI loop          %8.2f s" % a)
    print("  (b) boto3, 16 threads (the limit)  %8.2f s" % b)
    print("  (c) queue_depth via ansible-playbook %6.2f s  (of which one-task start-up %.2f s)" % (c, startup))
    print("  a/c = %.1f   (goal >= 30)" % (a / c))
    print("  c/b = %.2f   (c without start-up)/b = %.2f   (goal <= 1.5 + start-up)" % (c / b, c_net / b))
    return 0


if __name__ == "__main__":
    sys.exit(main())
