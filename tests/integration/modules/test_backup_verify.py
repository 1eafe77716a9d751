# -*- coding: utf-8 -*-
"""backup_verify against real PostgreSQL (the sandbox's cluster and dumps) and the AWS emulator.

After every PostgreSQL case the cluster is asked which scratch databases exist: none may remain.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid

import psycopg2
import pytest

from iam import assert_denied, documented_actions, policy


@pytest.fixture
def pg(sandbox):
    """Module connection options for the sandbox's PostgreSQL, and a check that no scratch database remains."""
    conn = {"login_host": "127.0.0.1", "login_port": sandbox.pg_port, "login_user": "postgres"}
    yield conn
    assert scratch_databases(sandbox) == [], "a scratch database was left behind"
    assert scratch_databases(sandbox, "role") == [], "a restore role was left behind"


def scratch_databases(sandbox, kind="database"):
    db = psycopg2.connect(dbname="postgres", **sandbox.pg_dsn)
    try:
        with db.cursor() as cur:
            cur.execute("SELECT datname FROM pg_database WHERE datname LIKE 'ops\\_verify\\_%' ORDER BY 1"
                        if kind == "database" else
                        "SELECT rolname FROM pg_roles WHERE rolname LIKE 'ops\\_verify\\_%' ORDER BY 1")
            return [r[0] for r in cur.fetchall()]
    finally:
        db.close()


def pg_dump(sandbox, dbname, target, *options):
    env = dict(os.environ, PGHOST="127.0.0.1", PGPORT=str(sandbox.pg_port), PGUSER="postgres")
    subprocess.run(["pg_dump", *options, "-f", str(target), dbname], env=env, check=True)
    return str(target)


def test_good_custom_dump_passes_with_row_counts(sandbox, pg, run_module):
    result = run_module("backup_verify", dict(pg, postgres=[{
        "path": sandbox.dumps["custom"], "min_rows": {"datasets": 100, "public.users": 15},
        "tables_required": ["quality_checks"], "jobs": 2}]))
    assert not result.get("failed"), result["msg"]
    statuses = {c["check"]: c["status"] for c in result["checks"]}
    assert statuses == {"exists": "pass", "age": "pass", "restore": "pass", "tables restored": "pass",
                        "table public.quality_checks": "pass", "rows public.datasets": "pass", "rows public.users": "pass"}
    [restore] = result["restores"]
    assert restore["format"] == "custom" and restore["jobs"] == 2 and restore["dropped"] is True
    assert restore["row_counts"] == {"public.datasets": 120, "public.quality_checks": 300, "public.users": 15}
    assert restore["database"].startswith("ops_verify_") and len(restore["database"]) == len("ops_verify_") + 8
    assert restore["duration_seconds"] > 0
    assert result["summary"] == {"pass": 7, "warn": 0, "fail": 0, "skipped": 0}
    assert result["changed"] is False


def test_plain_sql_gz_dump_passes(sandbox, pg, run_module):
    result = run_module("backup_verify", dict(pg, postgres=[{"path": sandbox.dumps["plain_gz"],
                                                             "min_rows": {"quality_checks": 300}}]))
    assert not result.get("failed"), result["msg"]
    assert result["restores"][0]["format"] == "plain_gz"
    assert result["restores"][0]["row_counts"]["public.quality_checks"] == 300


def test_directory_format_dump_passes(sandbox, pg, run_module, tmp_path):
    path = pg_dump(sandbox, "ai_data_readiness", tmp_path / "dir", "-Fd", "-j", "2")
    result = run_module("backup_verify", dict(pg, postgres=[{"path": path, "min_rows": {"datasets": 120}}]))
    assert not result.get("failed"), result["msg"]
    assert result["restores"][0]["format"] == "directory"


@pytest.mark.parametrize("which", ["custom", "plain_gz"])
def test_truncated_dump_fails_with_the_tools_error(sandbox, pg, run_module, tmp_path, which):
    source = sandbox.dumps[which]
    truncated = tmp_path / ("truncated-" + os.path.basename(source))
    with open(source, "rb") as fh:
        data = fh.read()
    truncated.write_bytes(data[: len(data) * 2 // 3])
    result = run_module("backup_verify", dict(pg, postgres=[{"path": str(truncated)}]))
    assert result["failed"] is True
    [restore_check] = [c for c in result["checks"] if c["check"] == "restore"]
    assert restore_check["status"] == "fail"
    expected = "pg_restore:" if which == "custom" else "Compressed file ended"
    assert expected in restore_check["reason"], restore_check["reason"]
    assert result["restores"][0]["dropped"] is True


def _restore_check(result):
    return [c for c in result["checks"] if c["check"] in ("restore", "tables restored") and c["status"] == "fail"]


def _first_table_only(sandbox):
    """The sandbox's plain dump cut right before its second CREATE TABLE: every statement in it restores."""
    import gzip
    with gzip.open(sandbox.dumps["plain_gz"], "rb") as fh:
        text = fh.read()
    first = text.index(b"CREATE TABLE")
    return text[:text.index(b"CREATE TABLE", first + 1)]


@pytest.mark.parametrize("case", ["zero_bytes", "empty_gzip", "plain_first_table_only", "gzip_first_table_only",
                                  "fifo", "empty_directory"])
def test_a_dump_that_restores_nothing_or_part_fails(sandbox, pg, run_module, tmp_path, case):
    """Each of these passed as "3 passed" before: a restore that restores no table, or not all of the dump, fails."""
    import gzip
    path = tmp_path / case
    if case == "zero_bytes":
        path.write_bytes(b"")
    elif case == "empty_gzip":
        path = tmp_path / "empty.sql.gz"
        with gzip.open(path, "wb"):
            pass
    elif case == "plain_first_table_only":
        path.write_bytes(_first_table_only(sandbox))
    elif case == "gzip_first_table_only":
        path = tmp_path / "cut.sql.gz"
        with gzip.open(path, "wb") as fh:
            fh.write(_first_table_only(sandbox))
    elif case == "fifo":
        os.mkfifo(path)  # opening it would block the module forever
    else:
        path.mkdir()
    result = run_module("backup_verify", dict(pg, postgres=[{"path": str(path), "max_age": "1d"}]))
    assert result["failed"] is True, result["msg"]
    [failure] = _restore_check(result)
    expected = {"zero_bytes": "empty dump (0 bytes)", "empty_gzip": "the restore restored no table",
                "plain_first_table_only": "incomplete dump", "gzip_first_table_only": "incomplete dump",
                "fifo": "not a regular file or a directory", "empty_directory": "empty dump directory"}[case]
    assert expected in failure["reason"], failure["reason"]


def test_allow_empty_accepts_an_empty_dump(pg, run_module, tmp_path):
    path = tmp_path / "empty.sql"
    path.write_bytes(b"")
    result = run_module("backup_verify", dict(pg, postgres=[{"path": str(path), "allow_empty": True}]))
    assert not result.get("failed"), result["msg"]


def test_custom_dump_restores_every_table_of_its_table_of_contents(sandbox, pg, run_module):
    result = run_module("backup_verify", dict(pg, postgres=[{"path": sandbox.dumps["custom"]}]))
    assert not result.get("failed"), result["msg"]
    [tables] = [c for c in result["checks"] if c["check"] == "tables restored"]
    assert tables["status"] == "pass" and tables["observed"] == tables["expected"] >= 3, tables


@pytest.mark.parametrize("timeout, message", [(-1, "restore_timeout: -1 is out of range"),
                                              (1000000000000, "restore_timeout: 1000000000000 is out of range")])
def test_restore_timeout_is_bounded(sandbox, pg, run_module, timeout, message):
    result = run_module("backup_verify", dict(pg, postgres=[{"path": sandbox.dumps["custom"],
                                                             "restore_timeout": timeout}]))
    assert result["failed"] is True and message in result["msg"], result["msg"]


def test_dump_older_than_max_age_fails(sandbox, pg, run_module, tmp_path):
    old = tmp_path / "old.dump"
    shutil.copy(sandbox.dumps["custom"], old)
    two_days_ago = time.time() - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))
    result = run_module("backup_verify", dict(pg, postgres=[{"path": str(old), "max_age": "1d"}]))
    assert result["failed"] is True
    [age] = [c for c in result["checks"] if c["check"] == "age"]
    assert age["status"] == "fail" and age["reason"].startswith("dump is 2d00h old (max 1d00h)")
    assert [c["status"] for c in result["checks"] if c["check"] == "restore"] == ["pass"]


def test_empty_table_listed_in_min_rows_fails(sandbox, pg, run_module, tmp_path):
    name = "empty_" + uuid.uuid4().hex[:6]
    admin = psycopg2.connect(dbname="postgres", **sandbox.pg_dsn)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("CREATE DATABASE %s" % name)
    admin.close()
    db = psycopg2.connect(dbname=name, **sandbox.pg_dsn)
    with db, db.cursor() as cur:
        cur.execute("CREATE TABLE events (id int)")
        cur.execute("CREATE TABLE things (id int)")
        cur.execute("INSERT INTO things VALUES (1)")
    db.close()
    path = pg_dump(sandbox, name, tmp_path / "empty.dump", "-Fc")
    min_rows = {"events": 1, "things": 1, "missing_table": 0}
    result = run_module("backup_verify", dict(pg, postgres=[{"path": path, "min_rows": min_rows}]))
    assert result["failed"] is True
    rows = {c["check"]: (c["status"], c["reason"]) for c in result["checks"] if c["check"].startswith("rows")}
    assert rows == {
        "rows public.events": ("fail", "0 rows (minimum 1)"),
        "rows public.things": ("pass", "1 rows (minimum 1)"),
        "rows public.missing_table": ("fail", "table public.missing_table missing after restore"),
    }


def test_missing_dump_and_check_mode_skips_restores(sandbox, pg, run_module):
    result = run_module("backup_verify", dict(pg, postgres=[{"path": "/nonexistent/latest.dump"},
                                                            {"path": sandbox.dumps["custom"]}], fail_on="never"),
                        check_mode=True)
    assert not result.get("failed")
    assert [(c["check"], c["status"]) for c in result["checks"]] == [
        ("exists", "fail"), ("exists", "pass"), ("age", "pass"), ("restore", "skipped")]
    assert result["restores"] == [] and result["summary"]["skipped"] == 1


def test_keep_scratch_keeps_it_and_names_it(sandbox, run_module):
    conn = {"login_host": "127.0.0.1", "login_port": sandbox.pg_port, "login_user": "postgres"}
    result = run_module("backup_verify", dict(conn, postgres=[{"path": sandbox.dumps["custom"], "keep_scratch": True}]))
    database = result["restores"][0]["database"]
    assert result["restores"][0]["dropped"] is False and scratch_databases(sandbox) == [database]
    db = psycopg2.connect(dbname="postgres", **sandbox.pg_dsn)
    db.autocommit = True
    with db.cursor() as cur:
        cur.execute("DROP DATABASE %s" % database)
        cur.execute("DROP ROLE %s" % database)  # its restore role, kept with it
    db.close()


def test_dynamodb_checks(run_module, aws):
    ddb = aws("dynamodb")
    result = run_module("backup_verify", {"fail_on": "never", "dynamodb": [
        {"table": "ai-investment-signals", "max_restore_lag": "1d", "max_backup_age": "1d"},
        {"table": "ai-investment-agents-config"},
        {"table": "ai-investment-outcomes", "max_backup_age": "1d"},
        {"table": "no-such-table"},
    ]})
    got = [(c["resource"], c["check"], c["status"]) for c in result["checks"]]
    assert got == [
        ("ai-investment-signals", "pitr", "pass"), ("ai-investment-signals", "restore lag", "pass"),
        ("ai-investment-signals", "backup age", "pass"),
        ("ai-investment-agents-config", "pitr", "fail"),
        ("ai-investment-outcomes", "pitr", "pass"), ("ai-investment-outcomes", "backup age", "fail"),
        ("no-such-table", "table", "fail"),
    ]
    assert result["checks"][5]["reason"] == "no AVAILABLE on-demand backup found"
    # What the checks reported, read against the emulator: the backup named is the seed's, and its age is real.
    signals_backup = result["checks"][2]
    assert signals_backup["observed"] != signals_backup["expected"] == "1d00h"
    assert signals_backup["reason"].startswith("newest AVAILABLE on-demand backup is ")
    assert ddb.list_backups(TableName="ai-investment-signals")["BackupSummaries"], "the seed backup the check saw"
    assert result["checks"][6]["reason"] == "table no-such-table not found" and result["changed"] is False


def test_pitr_not_required_passes_a_table_without_it(run_module):
    """require_pitr: false - a table kept without point-in-time recovery on purpose (a cache) passes, saying so."""
    result = run_module("backup_verify", {"dynamodb": [{"table": "ai-investment-agents-config", "require_pitr": False}]})
    assert not result.get("failed"), result["msg"]
    [check] = result["checks"]
    assert (check["check"], check["status"], check["reason"]) == (
        "pitr", "pass", "point-in-time recovery disabled (not required)")


def test_dynamodb_restore_lag_beyond_rpo_fails(run_module):
    # The emulator keeps LatestRestorableDateTime at the enable time, seconds ago: a 0s RPO is already exceeded.
    time.sleep(1.1)
    result = run_module("backup_verify", {"dynamodb": [{"table": "ai-investment-proposals", "max_restore_lag": "0s"}]})
    assert result["failed"] is True and "restore lag" in result["msg"] and "(RPO 0s)" in result["msg"]


@pytest.mark.localstack
def test_s3_checks(run_module):
    result = run_module("backup_verify", {"fail_on": "never", "s3": [
        {"bucket": "ai-investment-raw-data", "require_replication": True},
        {"bucket": "ai-investment-backtests"},
        {"bucket": "ai-investment-eval", "require_versioning": False},
        {"bucket": "no-such-bucket-here"},
    ]})
    got = [(c["resource"], c["check"], c["status"]) for c in result["checks"]]
    assert got == [
        ("ai-investment-raw-data", "versioning", "pass"), ("ai-investment-raw-data", "replication", "pass"),
        ("ai-investment-raw-data", "encryption", "pass"),
        ("ai-investment-backtests", "versioning", "fail"), ("ai-investment-backtests", "replication", "pass"),
        ("ai-investment-backtests", "encryption", "pass"),
        ("ai-investment-eval", "versioning", "pass"), ("ai-investment-eval", "replication", "pass"),
        ("ai-investment-eval", "encryption", "pass"),
        ("no-such-bucket-here", "bucket", "fail"),
    ]
    assert result["checks"][2]["reason"].startswith("default encryption aws:kms with arn:aws:kms:eu-central-1:")
    assert result["checks"][2]["observed"]["algorithm"] == "aws:kms"
    # ai-investment-eval has no encryption configuration of its own: SSE-S3, as every bucket on AWS since 2023.
    assert result["checks"][8]["reason"].startswith("default encryption SSE-S3 (AES256")
    assert result["checks"][8]["observed"] == {"algorithm": "AES256", "kms_key_id": None}


def test_rds_recent_automated_snapshot_passes(run_module):
    result = run_module("backup_verify", {"rds": [{"db_instance_identifier": "ai-investment-db"}]})
    assert not result.get("failed"), result["msg"]
    [check] = result["checks"]
    assert check["status"] == "pass" and check["check"] == "automated snapshot age"
    missing = run_module("backup_verify", {"rds": [{"db_instance_identifier": "nope-db"}]})
    assert missing["failed"] is True and "DB instance nope-db not found" in missing["msg"]
    manual = run_module("backup_verify", {"rds": [{"db_instance_identifier": "ai-investment-db",
                                                   "snapshot_type": "manual"}]})
    assert manual["failed"] is True and "no available manual snapshot found" in manual["msg"]


@pytest.mark.parametrize("args, message", [
    ({}, "nothing to verify"),
    ({"dynamodb": [{"table": "orders", "max_restore_lag": "soon"}]}, "dynamodb[0].max_restore_lag"),
    ({"rds": [{"db_instance_identifier": "x", "max_snapshot_age": "-1d"}]}, "rds[0].max_snapshot_age"),
    ({"postgres": [{"path": "/x", "jobs": 0}]}, "postgres[0].jobs"),
    ({"postgres": [{"path": "/x", "min_rows": {"t": "lots"}}]}, "postgres[0].min_rows.t"),
    ({"postgres": [{"path": "/x", "max_age": "ancient"}]}, "postgres[0].max_age"),
    ({"postgres": [{"path": "/x"}], "concurrency": 0}, "concurrency: 0 is out of range"),
    ({"postgres": [{"path": "/x"}], "concurrency": 33}, "concurrency: 33 is out of range"),
])
def test_bad_input_fails_clearly(run_module, args, message):
    result = run_module("backup_verify", args)
    assert result["failed"] is True and message in result["msg"], result["msg"]


def test_least_privilege_policy_is_enough_and_each_action_is_needed(iam_sandbox, run_module_iam):
    actions = documented_actions("backup_verify")
    assert set(actions) == {"dynamodb:DescribeContinuousBackups", "dynamodb:ListBackups", "s3:GetBucketVersioning",
                            "s3:GetReplicationConfiguration", "s3:GetEncryptionConfiguration",
                            "rds:DescribeDBInstances", "rds:DescribeDBSnapshots", "kms:DescribeKey"}
    args = {"fail_on": "never",
            "dynamodb": [{"table": "ai-investment-signals", "max_restore_lag": "1d", "max_backup_age": "1d"}],
            "s3": [{"bucket": "ai-investment-raw-data", "require_replication": True,
                    "kms_key_id": "alias/ai-investment-key"}],
            "rds": [{"db_instance_identifier": "ai-investment-db"}]}
    allowed = run_module_iam("backup_verify", args, iam_sandbox.iam_user(policy(actions)))
    assert not allowed.get("failed"), allowed["msg"]
    assert allowed["summary"] == {"pass": 7, "warn": 0, "fail": 0, "skipped": 0}
    for missing in actions:
        denied = run_module_iam("backup_verify", args, iam_sandbox.iam_user(policy(a for a in actions if a != missing)))
        assert_denied(denied, missing)


def _other_ca(tmp_path):
    """A CA certificate that did not sign the sandbox's server certificate."""
    import datetime
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "someone else")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    path = tmp_path / "other-ca.crt"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(path)


@pytest.mark.parametrize("tls", ["require", "verify-full"])
def test_restore_over_tls(sandbox, pg, run_module, tls):
    """The sandbox's PostgreSQL serves TLS with a certificate made at start: the module and pg_restore use it."""
    options = dict(pg, ssl_mode=tls, postgres=[{"path": sandbox.dumps["custom"]}])
    if tls == "verify-full":
        options["ca_cert"] = sandbox.pg_ca_cert
    result = run_module("backup_verify", options)
    assert not result.get("failed"), result["msg"]
    assert result["restores"][0]["row_counts"]["public.datasets"] == 120


def test_verify_full_refuses_a_server_another_ca_did_not_sign(sandbox, pg, run_module, tmp_path):
    result = run_module("backup_verify", dict(pg, ssl_mode="verify-full", ca_cert=_other_ca(tmp_path),
                                              postgres=[{"path": sandbox.dumps["custom"]}]))
    assert result["failed"] is True and "certificate verify failed" in result["msg"], result["msg"]


@pytest.mark.parametrize("options, message", [
    ({"ssl_mode": "verify-full"}, "ca_cert: ssl_mode=verify-full checks"),
    ({"ssl_mode": "verify-ca", "ca_cert": "/nonexistent/ca.crt"}, "ca_cert: /nonexistent/ca.crt is not a file"),
    ({"connect_timeout": 0}, "connect_timeout: 0 is out of range"),
    ({"ssl_mode": "sometimes"}, "ssl_mode"),
])
def test_bad_connection_options(sandbox, pg, run_module, options, message):
    result = run_module("backup_verify", dict(pg, postgres=[{"path": sandbox.dumps["custom"]}], **options))
    assert result["failed"] is True and message in result["msg"], result["msg"]


def test_connection_from_the_pg_environment_variables(sandbox, run_module, monkeypatch):
    """As community.postgresql: without login_* options, PGHOST/PGPORT/PGUSER apply."""
    monkeypatch.setenv("PGHOST", "127.0.0.1")
    monkeypatch.setenv("PGPORT", str(sandbox.pg_port))
    monkeypatch.setenv("PGUSER", "postgres")
    result = run_module("backup_verify", {"postgres": [{"path": sandbox.dumps["custom"]}]})
    assert not result.get("failed"), result["msg"]


@pytest.fixture
def kms_bucket(aws):
    """A bucket encrypting by default with a customer managed KMS key: ``(bucket, key ARN, key id)``."""
    key = aws("kms").create_key(Description="ops-runbooks backup key")["KeyMetadata"]
    bucket = "bv-kms-" + uuid.uuid4().hex[:8]
    s3 = aws("s3")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key["Arn"]}}]})
    return bucket, key["Arn"], key["KeyId"]


@pytest.mark.localstack
def test_encryption_kms_and_the_expected_key(run_module, kms_bucket):
    """What the check asks is KMS vs SSE-S3 and under which key - every bucket is encrypted on AWS since 2023."""
    bucket, key_arn, key_id = kms_bucket
    other_key = key_arn.rsplit("/", 1)[0] + "/00000000-0000-0000-0000-000000000000"
    result = run_module("backup_verify", {"fail_on": "never", "s3": [
        {"bucket": bucket, "require_versioning": False, "kms_key_id": key_arn},
        {"bucket": bucket, "require_versioning": False, "kms_key_id": key_id},
        {"bucket": bucket, "require_versioning": False, "encryption": "kms"},
        {"bucket": bucket, "require_versioning": False, "kms_key_id": other_key},
        {"bucket": "ai-investment-eval", "require_versioning": False, "encryption": "kms"},
        {"bucket": "ai-investment-raw-data", "kms_key_id": key_arn},
        {"bucket": "ai-investment-eval", "require_versioning": False, "encryption": "kms",
         "require_encryption": False},
        {"bucket": "ai-investment-raw-data", "kms_key_id": "alias/ai-investment-key"},  # resolved: the seeded key
        {"bucket": "ai-investment-raw-data", "kms_key_id": "alias/no-such-key"},
    ]})
    got = [(c["status"], c["reason"]) for c in result["checks"] if c["check"] == "encryption"]
    assert [s for s, _reason in got] == ["pass", "pass", "pass", "fail", "fail", "fail", "pass", "pass", "fail"], got
    assert got[3][1] == "default encryption aws:kms with %s, key %s expected" % (key_arn, other_key)
    # moto returns no configuration (the AWS default applies), LocalStack returns SSE-S3 as AWS does.
    assert got[4][1] in ("default encryption SSE-S3 (AES256, AWS's default), KMS expected",
                         "default encryption SSE-S3 (AES256), KMS expected")
    assert got[5][1].endswith(", key %s expected" % key_arn)
    assert got[6][1].endswith("(not checked)")
    assert got[8][1].endswith(", key alias/no-such-key expected")
    assert result["summary"]["fail"] == 4


def test_pg_bin_dir_names_the_tools(sandbox, pg, run_module, tmp_path):
    """pg_bin_dir: the restore runs the tools of that directory; a directory without them fails the restore."""
    from sandbox import pg_bindir
    good = run_module("backup_verify", dict(pg, pg_bin_dir=pg_bindir(), postgres=[{"path": sandbox.dumps["custom"]}]))
    assert not good.get("failed"), good["msg"]
    empty = run_module("backup_verify", dict(pg, pg_bin_dir=str(tmp_path), postgres=[{"path": sandbox.dumps["custom"]}]))
    assert empty["failed"] is True and "pg_restore not found" in empty["msg"], empty["msg"]


def test_restore_in_check_mode_restores_and_drops(sandbox, pg, run_module):
    """restore_in_check_mode: check mode restores too (the scratch database is still dropped: pg asserts it)."""
    skipped = run_module("backup_verify", dict(pg, postgres=[{"path": sandbox.dumps["custom"]}]), check_mode=True)
    assert [c["status"] for c in skipped["checks"] if c["check"] == "restore"] == ["skipped"]
    restored = run_module("backup_verify", dict(pg, restore_in_check_mode=True, maintenance_db="template1",
                                                postgres=[{"path": sandbox.dumps["custom"]}]), check_mode=True)
    assert not restored.get("failed"), restored["msg"]
    assert restored["restores"][0]["row_counts"]["public.datasets"] == 120 and restored["restores"][0]["dropped"]


def _witness_dump(tmp_path, name, wait=1.0):
    """A plain dump whose restore is a witness of the restores running beside it, through a two-phase barrier of
    shared advisory locks (held by the restore's session until it ends; pg_locks is live state, no snapshot):
    it takes lock 4242 and waits until three restores hold it (at most ``wait`` seconds), records the holders, then
    takes lock 4243 and waits until three hold that one too (at most 3 s more) - so none leaves, releasing 4242,
    before all three have seen it held by three. (The last to take 4243 leaves at once: the others may miss it there,
    which costs them those 3 s, never the count.)"""
    path = tmp_path / ("%s.sql" % name)

    def holders(key):
        return "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = %d AND granted" % key

    def barrier(key, seconds):
        return ("SELECT pg_advisory_lock_shared(%d);\nDO $$ BEGIN FOR i IN 1..%d LOOP EXIT WHEN (SELECT count(*) "
                "FROM (%s) h) >= 3; PERFORM pg_sleep(0.1); END LOOP; END $$;\n"
                % (key, int(seconds * 10), holders(key)))

    path.write_text(barrier(4242, wait) + "CREATE TABLE public.seen AS %s;\n" % holders(4242)
                    + barrier(4243, min(wait, 3))
                    + "--\n-- PostgreSQL database dump complete\n--\n")
    return str(path)


@pytest.mark.parametrize("concurrency, seen", [(1, 1), (3, 3)])  # seen: witness restores each sees running
def test_concurrency_restores_dumps_at_the_same_time_and_keeps_their_order(sandbox, pg, run_module, tmp_path,
                                                                           concurrency, seen):
    """Three dumps that each record how many witness restores are running during theirs, after waiting (bounded)
    for three: one after another each sees its own (its wait runs out); with concurrency 3 each sees all three.
    A failing dump does not hide the others, and the checks and restores keep the order given."""
    # one after another the barrier can never be met: 1 s each. At a time it is met as soon as the three restores
    # run - however far apart they start on two busy cores (60 s at most)
    wait = 1 if concurrency == 1 else 60
    dumps = [_witness_dump(tmp_path, "a", wait), _witness_dump(tmp_path, "b", wait), _witness_dump(tmp_path, "c", wait),
             str(tmp_path / "missing.dump"), sandbox.dumps["custom"]]
    result = run_module("backup_verify", dict(pg, concurrency=concurrency, postgres=[{"path": p} for p in dumps]))
    assert not result.get("failed") or result["msg"].startswith("1 backup check(s) failed"), result["msg"]
    assert [r["path"] for r in result["restores"]] == [dumps[0], dumps[1], dumps[2], dumps[4]]  # not the missing one
    assert [c["resource"] for c in result["checks"] if c["check"] == "exists"] == dumps
    witnesses = [r for r in result["restores"] if r["format"] == "plain"]
    # one after another: only its own; three at a time: at least the three witnesses' (they start together)
    assert all(r["row_counts"]["public.seen"] >= seen for r in witnesses), [(r["row_counts"], r["duration_seconds"]) for r in result["restores"]]
    assert concurrency > 1 or all(r["row_counts"]["public.seen"] == 1 for r in witnesses), witnesses
    assert all(r["dropped"] for r in result["restores"])
    assert len({r["database"] for r in result["restores"]}) == 4
    custom = result["restores"][3]
    assert custom["jobs"] == max(1, (os.cpu_count() or 1) // concurrency) and custom["row_counts"]["public.users"] == 15
