#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: security_audit
short_description: One read-only report of the runbooks' security audit - encryption, keys, roles, credentials, audit trail
version_added: 0.1.0
description:
  - The weekly / monthly audit of runbook 000 "Sicherheitsverfahren" and 004 "Security Monitoring" as checks of the
    collection's common model, each area only where the task names something to audit -
  - O(buckets) - default encryption with the expected KMS key (SSE-S3 where KMS is required is a failure) and the
    public access block fully on.
  - O(tables) - DynamoDB server-side encryption with KMS (the AWS owned default key is a failure).
  - O(kms_keys) - each key enabled, with automatic rotation on.
  - O(roles) - the role's policies - a wildcard action or resource is a warning, an attached policy not in the role's
    C(allowed_policies) a failure.
  - O(credential_report) - IAM's credential report - access keys older than O(access_key_max_age) or unused for as
    long, console users without MFA.
  - O(cloudtrail_events) - CloudTrail events of those names (destructive ones) within O(cloudtrail_window); where
    the endpoint has no LookupEvents (the emulator) the check is C(unknown), never a traceback.
  - O(postgres_allowed_clients) - PostgreSQL sessions grouped by client address, each address inside one of the
    allowed networks (runbook 003).
notes:
  - "IAM actions (least privilege): C(s3:GetEncryptionConfiguration), C(s3:GetBucketPublicAccessBlock),
    C(kms:DescribeKey), C(kms:GetKeyRotationStatus) (O(buckets), O(kms_keys)); C(dynamodb:DescribeTable)
    (O(tables)); C(iam:ListAttachedRolePolicies), C(iam:ListRolePolicies), C(iam:GetRolePolicy), C(iam:GetPolicy),
    C(iam:GetPolicyVersion) (O(roles)); C(iam:GenerateCredentialReport), C(iam:GetCredentialReport)
    (O(credential_report)); C(cloudtrail:LookupEvents) (O(cloudtrail_events))."
  - "Least-privilege proof: C(cloudtrail:LookupEvents), C(iam:GenerateCredentialReport) and
    C(s3:GetBucketPublicAccessBlock) are shown needed with botocore's Stubber (the emulator has no LookupEvents,
    answers the report at once and authorizes GetPublicAccessBlock as C(s3:ListBucket)), not enforced."
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  buckets:
    description: Buckets to audit.
    type: list
    elements: dict
    default: []
    suboptions:
      bucket:
        description: The bucket.
        type: str
        required: true
      kms_key_id:
        description: The KMS key its default encryption must use (id, ARN or alias); empty - any KMS key.
        type: str
  tables:
    description: DynamoDB tables whose encryption must use KMS.
    type: list
    elements: str
    default: []
  kms_keys:
    description: KMS keys (id, ARN or alias) that must be enabled with rotation on.
    type: list
    elements: str
    default: []
  roles:
    description: IAM roles whose policies are audited.
    type: list
    elements: dict
    default: []
    suboptions:
      role_name:
        description: The role.
        type: str
        required: true
      allowed_policies:
        description: Managed policies (names or ARNs) the role may have attached.
        type: list
        elements: str
        default: []
  credential_report:
    description: Audit IAM's credential report (access key age and use, MFA of console users).
    type: bool
    default: false
  access_key_max_age:
    description: Access keys older than this, or unused for this long, fail (C(90d) - runbook 000).
    type: str
    default: 90d
  cloudtrail_events:
    description: CloudTrail event names to look for, for example V(DeleteTable), V(DeleteBucket), V(PutBucketPolicy).
    type: list
    elements: str
    default: []
  cloudtrail_window:
    description: How far back CloudTrail is read.
    type: str
    default: 7d
  postgres_database:
    description: Database whose sessions are audited (the connection options below); empty - no PostgreSQL audit.
    type: str
    default: ""
  postgres_allowed_clients:
    description: Networks (CIDR) the sessions' client addresses must be in; local socket sessions always pass.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - ops.runbooks.checks
  - ops.runbooks.postgres
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Weekly security audit (runbook 000 "Sicherheitsverfahren", 004 "Security Monitoring")
  ops.runbooks.security_audit:
    buckets:
      - {bucket: ai-investment-raw-data, kms_key_id: alias/ai-investment-key}
    tables: [ai-investment-signals]
    kms_keys: [alias/ai-investment-key]
    roles:
      - {role_name: ai-investment-lambda-exec, allowed_policies: [AWSLambdaBasicExecutionRole]}
    credential_report: true
    cloudtrail_events: [DeleteTable, DeleteBucket, PutBucketPolicy, DeleteSecret, ScheduleKeyDeletion]
    fail_on: never
"""

RETURN = r"""
checks:
  description: One check per audited item and aspect (common model).
  returned: always
  type: list
  elements: dict
summary:
  description: Count of checks by status.
  returned: always
  type: dict
"""

import csv
import datetime
import io
import ipaddress

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

try:
    import psycopg2
except ImportError:
    psycopg2 = None  # the PostgreSQL audit says so when it is asked for (postgres.require_psycopg2)

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.s3 import get_s3_bucket_encryption

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.module_utils import postgres
from ansible_collections.ops.runbooks.plugins.module_utils.checks import make_check
from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.common import paginate
from ansible_collections.ops.runbooks.plugins.module_utils.encryption import encryption_check
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error
from ansible_collections.ops.runbooks.plugins.module_utils.errors import one_line
from ansible_collections.ops.runbooks.plugins.module_utils.iam_policy import label
from ansible_collections.ops.runbooks.plugins.module_utils.iam_policy import listed
from ansible_collections.ops.runbooks.plugins.module_utils.iam_policy import statements
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import format_duration
from ansible_collections.ops.runbooks.plugins.module_utils.timeutil import parse_duration
from ansible_collections.ops.runbooks.plugins.module_utils.waiting import poll

ARGUMENT_SPEC = dict(
    buckets=dict(type="list", elements="dict", default=[], options=dict(
        bucket=dict(type="str", required=True), kms_key_id=dict(type="str"))),
    tables=dict(type="list", elements="str", default=[]),
    kms_keys=dict(type="list", elements="str", default=[], no_log=False),
    roles=dict(type="list", elements="dict", default=[], options=dict(
        role_name=dict(type="str", required=True), allowed_policies=dict(type="list", elements="str", default=[]))),
    credential_report=dict(type="bool", default=False),
    access_key_max_age=dict(type="str", default="90d", no_log=False),
    cloudtrail_events=dict(type="list", elements="str", default=[]),
    cloudtrail_window=dict(type="str", default="7d"),
    postgres_database=dict(type="str", default=""),
    postgres_allowed_clients=dict(type="list", elements="str", default=[]),
    fail_on=dict(type="str", choices=["fail", "never"], default="fail"),
    **postgres.POSTGRES_CONNECTION_SPEC
)
BLOCK_SETTINGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


# ---- S3, DynamoDB, KMS ---------------------------------------------------------------------------------------------
def audit_bucket(s3, kms, entry):
    bucket = entry["bucket"]
    # the public access block first: it says at once when there is no such bucket (amazon.aws's encryption helper
    # retries NoSuchBucket for two minutes, as a bucket just made may not show yet)
    try:
        block = s3.get_public_access_block(aws_retry=True, Bucket=bucket)["PublicAccessBlockConfiguration"]
    except is_boto3_error_code("NoSuchPublicAccessBlockConfiguration"):
        block = {}
    except is_boto3_error_code("NoSuchBucket"):
        return [make_check(bucket, "bucket", checks.FAIL, "buckets: bucket %s not found" % bucket, None, "exists")]
    expected = {"encryption": "kms", "kms_key_id": entry["kms_key_id"], "require_encryption": True}
    found = [encryption_check(bucket, get_s3_bucket_encryption(s3, bucket), expected, kms)]
    off = [k for k in BLOCK_SETTINGS if not block.get(k)]
    found.append(make_check(bucket, "public access block", checks.FAIL if off else checks.PASS,
                            "not blocked: %s" % ", ".join(off) if off else "all four settings on", block,
                            dict((k, True) for k in BLOCK_SETTINGS)))
    return found


def audit_table(ddb, table):
    try:
        sse = ddb.describe_table(aws_retry=True, TableName=table)["Table"].get("SSEDescription") or {}
    except is_boto3_error_code("ResourceNotFoundException"):
        return make_check(table, "encryption", checks.FAIL, "table %s not found" % table, None, "KMS")
    kms_on = sse.get("SSEType") == "KMS" and sse.get("Status") in ("ENABLED", "UPDATING")
    return make_check(table, "encryption", checks.PASS if kms_on else checks.FAIL,
                      "SSE with KMS (%s)" % sse.get("KMSMasterKeyArn", "AWS managed key") if kms_on else
                      "encrypted with the AWS owned key, KMS expected", sse or None, "KMS")


def audit_key(kms, key):
    try:
        meta = kms.describe_key(aws_retry=True, KeyId=key)["KeyMetadata"]
    except is_boto3_error_code("NotFoundException"):
        return [make_check(key, "kms key", checks.FAIL, "key %s not found" % key, None, "Enabled")]
    found = [make_check(key, "kms key", checks.PASS if meta.get("KeyState") == "Enabled" else checks.FAIL,
                        "state %s" % meta.get("KeyState"), meta.get("KeyState"), "Enabled")]
    if meta.get("KeyManager") == "CUSTOMER":
        rotating = kms.get_key_rotation_status(aws_retry=True, KeyId=meta["KeyId"]).get("KeyRotationEnabled")
        found.append(make_check(key, "kms rotation", checks.PASS if rotating else checks.FAIL,
                                "automatic rotation %s" % ("on" if rotating else "off"), rotating, True))
    return found


# ---- IAM ----------------------------------------------------------------------------------------------------------
def wildcards(document):
    """Statements of a policy that allow a wildcard action or resource: ["<Sid or n>: <what>"]."""
    found = []
    for index, statement in enumerate(statements(document)):
        if statement.get("Effect") != "Allow":
            continue
        what = [a for a in listed(statement.get("Action")) if a == "*" or a.endswith(":*")] + \
            ["Resource *" for r in listed(statement.get("Resource")) if r == "*"]
        if what:
            found.append("%s: %s" % (label(statement, index), ", ".join(what)))
    return found


def audit_role(iam, entry):
    role = entry["role_name"]
    try:
        attached = paginate(iam, "list_attached_role_policies", RoleName=role).get("AttachedPolicies", [])
    except is_boto3_error_code("NoSuchEntity"):
        return [make_check(role, "role policies", checks.FAIL, "role %s not found" % role, None, None)]
    allowed = set(entry["allowed_policies"])
    extra = [p["PolicyName"] for p in attached if p["PolicyName"] not in allowed and p["PolicyArn"] not in allowed]
    found = [make_check(role, "attached policies", checks.FAIL if extra else checks.PASS,
                        "not allowed: %s" % ", ".join(extra) if extra else "%d attached, all allowed" % len(attached),
                        [p["PolicyName"] for p in attached], sorted(allowed))]
    broad = []
    for policy in attached:
        version = iam.get_policy(aws_retry=True, PolicyArn=policy["PolicyArn"])["Policy"]["DefaultVersionId"]
        document = iam.get_policy_version(aws_retry=True, PolicyArn=policy["PolicyArn"],
                                          VersionId=version)["PolicyVersion"]["Document"]
        broad += ["managed %s %s" % (policy["PolicyName"], w) for w in wildcards(document)]
    for name in paginate(iam, "list_role_policies", RoleName=role).get("PolicyNames", []):
        document = iam.get_role_policy(aws_retry=True, RoleName=role, PolicyName=name)["PolicyDocument"]
        broad += ["inline %s %s" % (name, w) for w in wildcards(document)]
    found.append(make_check(role, "policy wildcards", checks.WARN if broad else checks.PASS,
                            "; ".join(broad) if broad else "no wildcard action or resource", broad, []))
    return found


def credential_report(iam, timeout=60):
    """The credential report as CSV text (generated first, waiting until it is complete)."""
    poll(lambda: (iam.generate_credential_report(aws_retry=True).get("State") == "COMPLETE", None), 2,
         timeout=timeout, attempts=timeout // 2 + 1)
    return iam.get_credential_report(aws_retry=True)["Content"].decode("utf-8")


def _when(value):
    if not value or value in ("N/A", "no_information", "not_supported"):
        return None
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))


def judge_credential_report(text, now, max_age_seconds):
    """Checks from a credential report: per user, access keys older than the limit or unused for as long, and a
    console password without MFA. Pure: unit-tested with backdated reports the emulator cannot produce."""
    found = []
    limit = format_duration(max_age_seconds)
    for row in csv.DictReader(io.StringIO(text)):
        user = row["user"]
        if user == "<root_account>":
            continue
        if row.get("password_enabled") == "true":
            mfa = row.get("mfa_active") == "true"
            found.append(make_check(user, "console mfa", checks.PASS if mfa else checks.FAIL,
                                    "console password with MFA" if mfa else "console password without MFA",
                                    mfa, True))
        for n in ("1", "2"):
            if row.get("access_key_%s_active" % n) != "true":
                continue
            rotated = _when(row.get("access_key_%s_last_rotated" % n))
            used = _when(row.get("access_key_%s_last_used_date" % n)) or rotated
            age = (now - rotated).total_seconds() if rotated else None
            idle = (now - used).total_seconds() if used else None
            problems = []
            if age is not None and age > max_age_seconds:
                problems.append("%s old" % format_duration(age))
            if idle is not None and idle > max_age_seconds:
                problems.append("unused for %s" % format_duration(idle))
            found.append(make_check("%s key %s" % (user, n), "access key", checks.FAIL if problems else checks.PASS,
                                    ("%s (limit %s)" % (", ".join(problems), limit)) if problems else
                                    "%s old, used within %s" % (format_duration(age or 0), limit),
                                    {"age_seconds": age, "idle_seconds": idle}, {"max_seconds": max_age_seconds}))
    return found


# ---- CloudTrail ---------------------------------------------------------------------------------------------------
def judge_events(names, events, window):
    """One check per event name: the events found (who, when) fail; none passes."""
    found = []
    for name in names:
        hits = [e for e in events if e.get("EventName") == name]
        found.append(make_check("cloudtrail", "event %s" % name, checks.FAIL if hits else checks.PASS,
                                ("%d in the last %s: %s" % (len(hits), window, "; ".join(
                                    "%s by %s" % (e.get("EventTime"), e.get("Username", "?")) for e in hits[:5])))
                                if hits else "none in the last %s" % window,
                                len(hits), 0))
    return found


def audit_cloudtrail(trail, names, window_seconds, window):
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=window_seconds)
    events = []
    try:
        for name in names:
            events += paginate(trail, "lookup_events", StartTime=start, LookupAttributes=[
                {"AttributeKey": "EventName", "AttributeValue": name}]).get("Events", [])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        reason = one_line(e, 200)
        return [make_check("cloudtrail", "event %s" % n, checks.UNKNOWN, "LookupEvents unavailable: %s" % reason,
                           None, 0) for n in names]
    return judge_events(names, events, window)


# ---- PostgreSQL ---------------------------------------------------------------------------------------------------
def judge_sessions(rows, networks):
    """One check per client address: inside an allowed network passes (the local socket always does)."""
    found = []
    for address, count in rows:
        if address is None:
            found.append(make_check("local socket", "postgres clients", checks.PASS, "%d session(s)" % count, count, None))
            continue
        ip = ipaddress.ip_address(str(address).split("/", maxsplit=1)[0])
        inside = any(ip in net for net in networks)
        found.append(make_check(str(address).split("/", maxsplit=1)[0], "postgres clients", checks.PASS if inside else checks.FAIL,
                                "%d session(s) %s" % (count, "from an allowed network" if inside else
                                                      "from outside the allowed networks"),
                                count, [str(n) for n in networks]))
    return found


def audit_postgres(params, networks):
    where = "%s/%s" % (params["login_host"] or "local socket", params["postgres_database"])
    try:
        conn = postgres.connect(params, params["postgres_database"])
    except psycopg2.Error as e:
        return [make_check(where, "postgres clients", checks.UNKNOWN, "cannot connect: %s" % one_line(e),
                           None, None)]
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT client_addr, count(*) FROM pg_stat_activity WHERE datname IS NOT NULL "
                        "GROUP BY client_addr ORDER BY count(*) DESC")
            return judge_sessions(cur.fetchall(), networks)
    finally:
        conn.close()


# Options holding resource names, checked as AWS checks them before any call (module_utils/names.py).
RESOURCE_NAMES = {"buckets[].bucket": "bucket", "tables[]": "table"}


def main():
    module = OpsRunbooksAWSModule(resource_names=RESOURCE_NAMES, argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    result = dict(changed=False, checks=[])
    with ending_on_error(module, result, "audit"):
        max_age = parse_duration(params["access_key_max_age"], "access_key_max_age")
        window = parse_duration(params["cloudtrail_window"], "cloudtrail_window")
        try:
            networks = [ipaddress.ip_network(n, strict=False) for n in params["postgres_allowed_clients"]]
        except ValueError as e:
            raise InvalidInput("postgres_allowed_clients: %s" % e) from None
        found = []
        # 1. Encryption at rest: buckets (expected key, public access), tables, the keys themselves.
        if params["buckets"]:
            s3 = module.retrying_client("s3")
            kms_client = module.retrying_client("kms")
            for entry in params["buckets"]:
                found += audit_bucket(s3, lambda: kms_client, entry)
        if params["tables"]:
            ddb = module.retrying_client("dynamodb")
            found += [audit_table(ddb, t) for t in params["tables"]]
        if params["kms_keys"]:
            kms = module.retrying_client("kms")
            for key in params["kms_keys"]:
                found += audit_key(kms, key)
        # 2. Who may do what: the roles' policies, the users' credentials.
        iam = module.retrying_client("iam") if params["roles"] or params["credential_report"] else None
        for entry in params["roles"]:
            found += audit_role(iam, entry)
        if params["credential_report"]:
            found += judge_credential_report(credential_report(iam), datetime.datetime.now(datetime.timezone.utc),
                                             max_age)
        # 3. What happened: destructive events in the audit trail, who is connected to the database.
        if params["cloudtrail_events"]:
            found += audit_cloudtrail(module.retrying_client("cloudtrail"), params["cloudtrail_events"], window,
                                      params["cloudtrail_window"])
        if params["postgres_database"]:
            postgres.validate_connection(params)
            postgres.require_psycopg2(module)
            found += audit_postgres(params, networks)
        result.update(checks=found, summary=checks.summarize(found))
    failed = [c for c in found if c["status"] == checks.FAIL]
    checks.end_module(module, result, failed and "%d audit check(s) failed: %s" % (len(failed), "; ".join(
        "%s | %s | %s" % (c["resource"], c["check"], c["reason"]) for c in failed[:10])))


if __name__ == "__main__":
    main()
