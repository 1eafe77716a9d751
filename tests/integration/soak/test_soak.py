# -*- coding: utf-8 -*-
"""Soak: the mutating modules it covers, 10 seeded runs each at 20% faults of every kind on every call (`make soak`).

Not part of `make test`: `make soak` runs it (about two minutes of retries and backoff) and CI runs `make soak`
after `make test`. Every run's end state is checked against what the run should have done; the figures (runs, faults
injected, inconsistent end states, messages lost, duplicates) are printed at the end, for the closing note of a
change that touches the plumbing.
"""
from __future__ import annotations

import collections
import os
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "modules"))

from test_dynamodb_restore import make_table  # noqa: E402  pylint: disable=wrong-import-position
from test_lambda_rollback import alias  # noqa: E402  pylint: disable=wrong-import-position
from test_lambda_rollback import make_function  # noqa: E402  pylint: disable=wrong-import-position
from test_sqs_redrive import dlq_holding  # noqa: E402  pylint: disable=wrong-import-position
from test_sqs_redrive import drain  # noqa: E402  pylint: disable=wrong-import-position

RUNS = 10
RATE = 0.2
FIGURES = collections.defaultdict(collections.Counter)


@pytest.fixture(scope="module", autouse=True)
def report():
    yield
    print("\nsoak figures (rate %.0f%%, %d seeded runs per module):" % (RATE * 100, RUNS))
    for module, figures in sorted(FIGURES.items()):
        print("  %-18s %s" % (module, ", ".join("%s=%d" % kv for kv in sorted(figures.items()))))


def _soak(faults, module, seed):
    faults.configure(rate=RATE, seed=seed, budget=None, ops=None)
    FIGURES[module]["runs"] += 1
    return len(faults.faults_injected())


def _count(faults, module, before, consistent):
    FIGURES[module]["faults"] += len(faults.faults_injected()) - before
    FIGURES[module]["inconsistent"] += 0 if consistent else 1
    faults.configure(rate=0)


@pytest.mark.parametrize("seed", range(RUNS))
def test_soak_dynamodb_backup(aws, faults, run_module_faulty, seed):
    ddb = aws("dynamodb")
    table = make_table(ddb, items=1)[0]
    before = _soak(faults, "dynamodb_backup", seed)
    result = run_module_faulty("dynamodb_backup", {"table_name": table, "force_backup": True, "pitr": "enabled"})
    names = [b["BackupName"] for b in ddb.list_backups(TableName=table)["BackupSummaries"]]
    pitr = ddb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"][
        "PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]
    # Succeeded: exactly one backup and PITR on. Failed (retries spent): at most one backup, and it says so.
    consistent = (len(names) == 1 and pitr == "ENABLED") if not result.get("failed") else len(names) <= 1
    _count(faults, "dynamodb_backup", before, consistent)
    assert consistent, (result.get("msg"), names, pitr)


@pytest.mark.parametrize("seed", range(RUNS))
def test_soak_lambda_rollback(aws, faults, run_module_faulty, seed):
    lam = aws("lambda")
    name = make_function(lam, versions=3)
    before = _soak(faults, "lambda_rollback", seed)
    result = run_module_faulty("lambda_rollback", {"function_name": name, "alias": "live"})
    version = alias(lam, name)[0]
    consistent = version == "2" if not result.get("failed") else version in ("2", "3")
    _count(faults, "lambda_rollback", before, consistent)
    assert consistent, (result.get("msg"), version)


@pytest.mark.parametrize("seed", range(RUNS))
def test_soak_dynamodb_restore(aws, faults, run_module_faulty, seed):
    ddb = aws("dynamodb")
    source, arn = make_table(ddb, items=3, backup=True)
    before = _soak(faults, "dynamodb_restore", seed)
    result = run_module_faulty("dynamodb_restore", {"backup_arn": arn, "target_table_name": source + "-s",
                                                    "verify": {"min_item_count": 3}})
    tables = [t for t in ddb.list_tables()["TableNames"] if t.startswith(source + "-s")]
    consistent = tables == [source + "-s"] if not result.get("failed") else len(tables) <= 1
    _count(faults, "dynamodb_restore", before, consistent)
    assert consistent, (result.get("msg"), tables)


@pytest.mark.parametrize("seed", range(RUNS))
def test_soak_sqs_redrive(aws, faults, run_module_faulty, seed):
    sqs = aws("sqs")
    name, url, dlq_url, sent = dlq_holding(sqs, "soak-", 30)
    before = _soak(faults, "sqs_redrive", seed)
    result = run_module_faulty("sqs_redrive", {"queue": name + "-dlq", "method": "receive_send",
                                               "visibility_timeout": 2, "wait_timeout": 120})
    faults.configure(rate=0)
    if result.get("failed"):
        time.sleep(2.5)  # messages a failed run left hidden reappear after its visibility timeout (2 s)
    arrived, left = collections.Counter(drain(sqs, url)), collections.Counter(drain(sqs, dlq_url))
    lost = len(set(sent) - set(arrived) - set(left))
    FIGURES["sqs_redrive"]["messages_lost"] += lost
    FIGURES["sqs_redrive"]["duplicates"] += sum(arrived.values()) - len(set(arrived))
    consistent = lost == 0 and (bool(result.get("failed")) or not left)
    _count(faults, "sqs_redrive", before, consistent)
    assert consistent, (result.get("msg"), lost, dict(left))
