# -*- coding: utf-8 -*-
"""security_audit's judgements on inputs the emulator cannot produce: credential reports with backdated keys (moto
dates every key now), CloudTrail LookupEvents (moto has no LookupEvents - Stubber), client addresses."""
from __future__ import annotations

import datetime
import ipaddress

import boto3
from botocore.stub import Stubber

from ansible_collections.ops.runbooks.plugins.modules import security_audit

NOW = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=datetime.timezone.utc)
HEADER = ("user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
          "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
          "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
          "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
          "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,"
          "cert_2_active,cert_2_last_rotated\n")


def row(user, password, mfa, key1=None, used1=None, key2=None):
    return ",".join([user, "arn:aws:iam::123456789012:user/" + user, "2024-01-01T00:00:00+00:00",
                     password, "N/A", "N/A", "N/A", mfa,
                     "true" if key1 else "false", key1 or "N/A", used1 or "N/A", "N/A", "N/A",
                     "true" if key2 else "false", key2 or "N/A", "N/A", "N/A", "N/A",
                     "false", "N/A", "false", "N/A"]) + "\n"


def test_old_unused_keys_and_console_users_without_mfa_fail():
    report = HEADER + row("<root_account>", "not_supported", "true") + \
        row("deploy", "false", "false", key1="2026-01-01T00:00:00+00:00", used1="2026-11-20T00:00:00+00:00") + \
        row("ci", "false", "false", key1="2026-11-01T00:00:00+00:00", used1="2026-11-22T00:00:00+00:00") + \
        row("forgotten", "false", "false", key1="2026-10-01T00:00:00+00:00") + \
        row("alice", "true", "false") + row("bob", "true", "true")
    found = dict(((c["resource"], c["check"]), c) for c in
                 security_audit.judge_credential_report(report, NOW, 90 * 86400))
    assert found[("deploy key 1", "access key")]["status"] == "fail"
    assert found[("deploy key 1", "access key")]["reason"].startswith("326d")  # old, though used
    assert found[("ci key 1", "access key")]["status"] == "pass"
    assert found[("forgotten key 1", "access key")]["status"] == "pass"  # 53 days, never used: not yet 90
    assert found[("alice", "console mfa")]["status"] == "fail" and found[("bob", "console mfa")]["status"] == "pass"
    assert not any(r == "<root_account>" for r, _c in found)
    idle = HEADER + row("idle", "false", "false", key1="2026-01-01T00:00:00+00:00", used1="2026-02-01T00:00:00+00:00")
    [check] = security_audit.judge_credential_report(idle, NOW, 200 * 86400)
    assert check["status"] == "fail" and check["reason"] == "326d12h old, unused for 295d12h (limit 200d00h)"


def test_destructive_events_found_through_lookup_events_fail():
    """Stubber: the emulator has no LookupEvents; this is the call as AWS answers it."""
    client = boto3.client("cloudtrail", region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(client)
    stub.add_response("lookup_events", {"Events": [{"EventName": "DeleteTable", "Username": "mallory",
                                                    "EventTime": NOW}]})
    stub.add_response("lookup_events", {"Events": []})
    with stub:
        found = security_audit.audit_cloudtrail(client, ["DeleteTable", "PutBucketPolicy"], 7 * 86400, "7d")
    assert [(c["check"], c["status"]) for c in found] == [("event DeleteTable", "fail"), ("event PutBucketPolicy", "pass")]
    assert "by mallory" in found[0]["reason"]


def test_an_unavailable_lookup_is_unknown_not_a_traceback():
    client = boto3.client("cloudtrail", region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(client)
    stub.add_client_error("lookup_events", service_error_code="UnknownOperationException", http_status_code=400)
    with stub:
        found = security_audit.audit_cloudtrail(client, ["DeleteBucket"], 86400, "1d")
    assert found[0]["status"] == "unknown" and found[0]["reason"].startswith("LookupEvents unavailable")


def test_sessions_outside_the_allowed_networks_fail():
    networks = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("127.0.0.1/32")]
    found = security_audit.judge_sessions([(None, 3), ("10.1.2.3", 5), ("192.0.2.7", 1)], networks)
    assert [(c["resource"], c["status"]) for c in found] == [("local socket", "pass"), ("10.1.2.3", "pass"),
                                                             ("192.0.2.7", "fail")]


def test_wildcards_are_named_by_statement():
    document = {"Statement": [{"Sid": "All", "Effect": "Allow", "Action": "*", "Resource": "*"},
                              {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"},
                              {"Effect": "Deny", "Action": "*", "Resource": "*"},
                              {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "arn:aws:dynamodb:*:*:table/t"}]}
    assert security_audit.wildcards(document) == ["All: *, Resource *", "statement 4: dynamodb:*"]


def test_the_credential_report_as_iam_hands_it_out():
    """Stubber: IAM's GenerateCredentialReport / GetCredentialReport (the emulator dates every key now, so a key older
    than 90 days exists only here)."""
    client = boto3.client("iam", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(client)
    stub.add_response("generate_credential_report", {"State": "STARTED"})
    stub.add_response("generate_credential_report", {"State": "COMPLETE"})
    report = HEADER + row("legacy", "false", "false", key1="2026-03-01T00:00:00+00:00",
                          used1="2026-11-01T00:00:00+00:00")
    stub.add_response("get_credential_report", {"Content": report.encode(), "ReportFormat": "text/csv",
                                                "GeneratedTime": NOW})
    with stub:
        text = security_audit.credential_report(client, timeout=10)
    [check] = security_audit.judge_credential_report(text, NOW, 90 * 86400)
    assert check["resource"] == "legacy key 1" and check["status"] == "fail" and check["reason"].startswith("267d")


class _ReportIAM:
    """generate_credential_report answers STARTED twice, then COMPLETE (what IAM does while it builds the report)."""

    def __init__(self, started=2):
        self.states = ["STARTED"] * started + ["COMPLETE"]
        self.generated = 0

    def generate_credential_report(self, aws_retry):  # pylint: disable=unused-argument
        self.generated += 1
        return {"State": self.states[min(self.generated, len(self.states)) - 1]}

    def get_credential_report(self, aws_retry):  # pylint: disable=unused-argument
        return {"Content": b"user,arn\n"}


def test_the_credential_report_is_waited_for_through_the_one_poll(no_backoff_sleep):
    iam = _ReportIAM()
    assert security_audit.credential_report(iam) == "user,arn\n"
    assert iam.generated == 3 and no_backoff_sleep == [2, 2]  # two pauses of the shared poll, no sleep of its own
    slow = _ReportIAM(started=100)
    security_audit.credential_report(slow, timeout=5)  # bounded: 5 s of 2 s pauses, then the report as it is
    assert slow.generated == 3 and no_backoff_sleep[2:] == [2, 2]
