# -*- coding: utf-8 -*-
"""One daily_health.yml run over a fleet: three accounts in the emulator, each reached by assuming a role in it (the
ops.runbooks.fleet role), checked in parallel (forks), each host's results only in its own report, one fleet summary;
and a fourth host whose role cannot be assumed fails alone while the others finish.

moto keeps resources per account and AssumeRole into another account id returns credentials acting in that account;
tests/sandbox/moto_server.py makes it refuse a role that does not exist there, as AWS does.
"""
from __future__ import annotations

import json
import os
import random
import re
import xml.etree.ElementTree as ET

import boto3
import pytest

pytestmark = pytest.mark.moto_only("accounts are reached through moto's AssumeRole into other account ids")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TABLES = ["fleet-orders", "fleet-signals", "fleet-outcomes"]
BUCKETS = ["fleet-raw", "fleet-curated"]


def _account_id():
    return "%012d" % random.randrange(10 ** 11, 10 ** 12)


def _seed(sandbox, account, missing_table=None):
    """The account's tables and buckets (bucket names are global: suffixed with the account id)."""
    creds = sandbox.assume(account, "ops-runbooks", "fleet-seed")
    session = boto3.session.Session(region_name="eu-central-1", aws_access_key_id=creds["access_key"],
                                    aws_secret_access_key=creds["secret_key"], aws_session_token=creds["session_token"])
    ddb = session.client("dynamodb", endpoint_url=sandbox.endpoint_url)
    for table in TABLES:
        if table == missing_table:
            continue
        ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
        ddb.update_continuous_backups(TableName=table, PointInTimeRecoverySpecification={
            "PointInTimeRecoveryEnabled": True})
    s3 = session.client("s3", endpoint_url=sandbox.endpoint_url)
    for bucket in BUCKETS:
        s3.create_bucket(Bucket="%s-%s" % (bucket, account),
                         CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    return ddb


@pytest.fixture(scope="module")
def fleet(sandbox, tmp_path_factory):
    """A generated fleet inventory: hosts a, b (one table missing), c, and d (its role does not exist)."""
    accounts = {host: _account_id() for host in ("fleet-a", "fleet-b", "fleet-c", "fleet-d")}
    for host in ("fleet-a", "fleet-b", "fleet-c"):
        _seed(sandbox, accounts[host], missing_table="fleet-signals" if host == "fleet-b" else None)
    directory = tmp_path_factory.mktemp("fleet")
    (directory / "group_vars" / "all").mkdir(parents=True)
    hosts = {host: {"ops_runbooks_aws_assume_role_arn": "arn:aws:iam::%s:role/ops-runbooks" % account,
                    "health_check_expected_account": account,
                    "ops_runbooks_buckets": ["%s-%s" % (b, account) for b in BUCKETS]}
             for host, account in accounts.items()}
    (directory / "hosts.json").write_text(json.dumps({"all": {
        "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"},
        "hosts": hosts, "children": {"data_readiness": {"hosts": {}}}}}))
    # inventories/fleet/group_vars/all/main.yml's shape, pointed at the emulator with its default credentials
    (directory / "group_vars" / "all" / "main.json").write_text(json.dumps({
        "ops_runbooks_environment": "{{ inventory_hostname }}",
        "ops_runbooks_aws_region": "eu-central-1",
        "ops_runbooks_aws_module_defaults": {"region": "eu-central-1", "endpoint_url": sandbox.endpoint_url,
                                             "access_key": "testing", "secret_key": "testing"},
        "ops_runbooks_tables": TABLES,
        "health_check_checks": ["identity", "dynamodb", "s3"],
    }))
    return {"inventory": directory, "accounts": accounts}


def test_one_run_checks_every_account_in_parallel_and_isolates_their_results(fleet, run_playbook):
    # -vvv: every task's result and module arguments are printed, as AWX stores them in its job events
    proc = run_playbook("playbooks/daily_health.yml", inventory=fleet["inventory"], forks=4, verbosity=3)
    out = proc.stdout
    assert proc.returncode == 2, out[-4000:]  # b failed a check, d could not be reached
    recap = dict(re.findall(r"^(fleet-[a-d])\s+: ok=\d+\s+changed=\d+\s+unreachable=\d+\s+failed=(\d+)", out, re.M))
    assert recap == {"fleet-a": "0", "fleet-b": "1", "fleet-c": "0", "fleet-d": "1"}, out[-4000:]
    # d fails alone, at the start, with the reason AWS gives
    assert re.search(r"fatal: \[fleet-d\]: FAILED! => .{0,4000}?could not assume arn:aws:iam::%s:role/ops-runbooks: "
                     r".{0,400}?AccessDenied" % fleet["accounts"]["fleet-d"], out, re.S), out[-4000:]
    # the temporary credentials are never shown, even at -vvv: not the session token (moto's start
    # FQoGZXIvYXdzEBYaD), the secret key and the token only as no_log masks them. (The access key id appears in the
    # module arguments amazon.aws prints: AWS treats it as an identifier, as CloudTrail shows it, not a secret.)
    assert "FQoGZXIvYXdzEBYaD" not in out, out[-3000:]
    assert re.findall(r'"(?:secret_key|session_token|aws_secret_access_key|SecretAccessKey|SessionToken)": "([^"]*)"',
                      out) in ([], ["VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"] * len(re.findall(
                          r'"(?:secret_key|session_token|aws_secret_access_key|SecretAccessKey|SessionToken)": "',
                          out)))
    assert out.count('"session_token": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"') >= 3  # it was looked for

    reports = {}
    for host in ("fleet-a", "fleet-b", "fleet-c"):
        result = json.loads((proc.reports / ("daily_health-%s.json" % host)).read_text())
        reports[host] = {(c["resource"], c["check"]): c for c in result["checks"]}
        account = fleet["accounts"][host]
        # each host acted in its own account: the identity check compares the caller's account with its own
        identity = [c for c in result["checks"] if c["check"] == "identity"]
        assert identity and identity[0]["status"] == "pass", identity
        assert identity[0]["observed"] == account, identity
        buckets = {c["resource"] for c in result["checks"] if c["resource"].startswith("fleet-raw")}
        assert buckets == {"fleet-raw-%s" % account}, buckets
    # b's missing table is b's failure only
    failed = {host: sorted(k for k, c in found.items() if c["status"] == "fail") for host, found in reports.items()}
    assert failed["fleet-a"] == [] and failed["fleet-c"] == [], failed
    assert failed["fleet-b"] and all(resource == "fleet-signals" for resource, _check in failed["fleet-b"]), failed
    assert not (proc.reports / "daily_health-fleet-d.json").exists()

    # one fleet summary of all four hosts, worst first
    summary = json.loads((proc.reports / "fleet-daily_health.json").read_text())
    by_host = {h["host"]: h for h in summary["hosts"]}
    assert set(by_host) == {"fleet-a", "fleet-b", "fleet-c", "fleet-d"}
    assert [h["host"] for h in summary["hosts"]][:2] == ["fleet-b", "fleet-d"]
    assert by_host["fleet-a"]["status"] == "pass" and by_host["fleet-c"]["status"] == "pass", by_host
    assert by_host["fleet-b"]["status"] == "fail" and "fleet-signals" in by_host["fleet-b"]["worst"], by_host
    assert by_host["fleet-b"]["account"] == fleet["accounts"]["fleet-b"]
    assert by_host["fleet-b"]["report"].endswith("daily_health-fleet-b.md")
    assert by_host["fleet-d"]["status"] == "fail" and "AccessDenied" in by_host["fleet-d"]["error"], by_host
    assert by_host["fleet-d"]["report"] == ""
    assert summary["summary"]["fail"] == 2 and summary["summary"]["pass"] == 2
    markdown = (proc.reports / "fleet-daily_health.md").read_text()
    assert "| FAIL | fleet-b |" in markdown and "| PASS | fleet-a |" in markdown
    page = (proc.reports / "fleet-daily_health.html").read_text()
    ET.fromstring(page.split("\n", 1)[1])  # well-formed (after the doctype)
    assert "fleet-d" in page and "AccessDenied" in page
    assert re.search(r"Fleet summary: daily_health, 4 hosts: 2 pass, 0 warn, 2 fail", out), out[-3000:]


def test_limit_runs_one_host_and_writes_no_fleet_summary(fleet, run_playbook, tmp_path):
    proc = run_playbook("playbooks/daily_health.yml", inventory=fleet["inventory"],
                        extra_vars={"ops_runbooks_hosts": "fleet-a"}, reports=tmp_path / "one")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert sorted(p.name for p in (tmp_path / "one").iterdir() if p.suffix == ".json") == ["daily_health-fleet-a.json"]


def test_two_hosts_with_one_environment_label_are_refused(fleet, run_playbook, tmp_path):
    proc = run_playbook("playbooks/daily_health.yml", inventory=fleet["inventory"], reports=tmp_path / "same",
                        extra_vars={"ops_runbooks_hosts": "fleet-a:fleet-c", "ops_runbooks_environment": "prod"})
    assert proc.returncode == 2
    assert "Two hosts of this run share an ops_runbooks_environment (prod, prod)" in proc.stdout, proc.stdout[-3000:]
    assert not (tmp_path / "same").exists() or not list((tmp_path / "same").iterdir())
