# -*- coding: utf-8 -*-
"""Every mutating module with a fault on its one-shot call: the end state in the emulator is right.

The fault proxy (tests/sandbox/faults.py) sits between the module and the emulator and injects exactly one fault
(``budget=1``) on the named operation: a throttling error, a 503, or ``drop_after`` - the request reaches the
emulator and takes effect, and its answer is lost. Each case asserts that the fault really happened (the proxy's
log), that the task succeeded, and what the emulator holds afterwards: no second backup, restore or copy where
one was meant, no lost message, the alias where it should be. Duplicated messages (at-least-once delivery) are
counted, not failed.
"""
from __future__ import annotations

import collections
import json
import uuid

import pytest

import seed

from test_dynamodb_restore import make_table
from test_dynamodb_ttl_state import make_table as make_ttl_table
from test_lambda_rollback import alias
from test_lambda_rollback import make_function
from test_sqs_redrive import dlq_holding
from test_sqs_redrive import drain

FAULTS = ["throttle", "503", "drop_after"]


def inject(faults, operation, kind):
    faults.configure(rate=1.0, kinds=[kind], ops=[operation], budget=1, seed=1)


def injected(faults, operation):
    return [e["fault"] for e in faults.faults_injected() if e["operation"] == operation]


def reached(faults, operation):
    """How many requests of ``operation`` reached the emulator (a throttle or a 503 answered by the proxy did not; a
    request whose answer was lost after it took effect did)."""
    answered_by_the_proxy = ("throttle", "503", "500", "drop_before")
    return len([e for e in faults.log if e["operation"] == operation and e["fault"] not in answered_by_the_proxy])


@pytest.mark.parametrize("kind", FAULTS)
def test_create_backup_makes_exactly_one_backup(aws, faults, run_module_faulty, kind):
    ddb = aws("dynamodb")
    table = make_table(ddb, items=1)[0]
    inject(faults, "CreateBackup", kind)
    result = run_module_faulty("dynamodb_backup", {"table_name": table, "force_backup": True})
    assert injected(faults, "CreateBackup") == [kind]
    assert not result.get("failed"), result["msg"]
    backups = ddb.list_backups(TableName=table)["BackupSummaries"]
    assert [b["BackupName"] for b in backups] == [result["backups_created"][0]["backup_name"]]


@pytest.mark.parametrize("kind", FAULTS)
def test_restore_from_backup_restores_once(aws, faults, run_module_faulty, kind):
    ddb = aws("dynamodb")
    source, arn = make_table(ddb, items=4, backup=True)
    inject(faults, "RestoreTableFromBackup", kind)
    result = run_module_faulty("dynamodb_restore", {"backup_arn": arn, "target_table_name": source + "-f",
                                                    "verify": {"min_item_count": 4}})
    assert injected(faults, "RestoreTableFromBackup") == [kind]
    assert not result.get("failed"), result["msg"]
    assert ddb.scan(TableName=source + "-f", Select="COUNT")["Count"] == 4
    assert ddb.describe_table(TableName=source + "-f")["Table"]["RestoreSummary"]["SourceBackupArn"] == arn


@pytest.mark.parametrize("kind", FAULTS)
def test_rollback_moves_the_alias_once(aws, faults, run_module_faulty, kind):
    lam = aws("lambda")
    name = make_function(lam, versions=3, weights={"2": 0.1})
    inject(faults, "UpdateAlias", kind)
    result = run_module_faulty("lambda_rollback", {"function_name": name, "alias": "live"})
    assert injected(faults, "UpdateAlias") == [kind]
    assert not result.get("failed"), result["msg"]
    version, weights, description = alias(lam, name)
    arn = lam.get_function_configuration(FunctionName=name)["FunctionArn"]
    assert (version, weights, description) == ("2", {}, "")
    assert "from=3 to=2" in lam.list_tags(Resource=arn)["Tags"]["ops.runbooks:rollback:live"]
    again = run_module_faulty("lambda_rollback", {"function_name": name, "alias": "live"})
    assert again["changed"] is False and alias(lam, name)[0] == "2"  # never two steps


@pytest.mark.parametrize("kind", FAULTS)
def test_reserved_concurrency_is_set(aws, faults, run_module_faulty, kind):
    lam = aws("lambda")
    name = make_function(lam, versions=1)
    inject(faults, "PutFunctionConcurrency", kind)
    result = run_module_faulty("lambda_concurrency", {"function_name": name, "reserved_concurrency": 4})
    assert injected(faults, "PutFunctionConcurrency") == [kind]
    assert not result.get("failed"), result["msg"]
    assert lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 4


@pytest.mark.parametrize("kind", FAULTS)
def test_object_restore_brings_the_content_back(aws, faults, run_module_faulty, kind):
    s3, bucket, key = aws("s3"), "ai-investment-curated-data", "faults/%s.csv" % uuid.uuid4().hex[:8]
    s3.put_object(Bucket=bucket, Key=key, Body=b"the data")
    s3.delete_object(Bucket=bucket, Key=key)
    inject(faults, "CopyObject", kind)
    result = run_module_faulty("s3_object_restore", {"bucket": bucket, "key": key})
    assert injected(faults, "CopyObject") == [kind]
    assert not result.get("failed"), result["msg"]
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"the data"
    listed = s3.list_object_versions(Bucket=bucket, Prefix=key)
    versions = [v["VersionId"] for v in listed.get("Versions", []) if v["Key"] == key]
    assert len(versions) == 2  # the original and one copy: a copy whose answer was lost is not made twice
    assert result["new_version_id"] in versions and result["new_version_id"] != result["restored_version_id"]
    again = run_module_faulty("s3_object_restore", {"bucket": bucket, "key": key})
    assert again["changed"] is False


@pytest.mark.parametrize("operation", ["ReceiveMessage", "SendMessageBatch", "DeleteMessageBatch"])
@pytest.mark.parametrize("kind", FAULTS)
def test_redrive_loses_no_message(aws, faults, run_module_faulty, operation, kind):
    sqs = aws("sqs")
    name, url, dlq_url, sent = dlq_holding(sqs, "fm-", 23)
    inject(faults, operation, kind)
    result = run_module_faulty("sqs_redrive", {"queue": name + "-dlq", "method": "receive_send",
                                               "visibility_timeout": 2, "wait_timeout": 60})
    assert injected(faults, operation) == [kind]
    assert not result.get("failed"), result["msg"]
    assert result["remaining"] == 0
    arrived = collections.Counter(drain(sqs, url))
    assert set(arrived) == set(sent) and drain(sqs, dlq_url) == []  # none lost, the DLQ empty
    duplicates = sum(arrived.values()) - len(sent)
    assert duplicates <= 10  # at most one batch sent twice (a send whose answer was lost)
    if kind != "drop_after" or operation != "SendMessageBatch":
        assert duplicates == 0


@pytest.mark.parametrize("operation", ["UpdateFunctionConfiguration", "UpdateAlias"])
@pytest.mark.parametrize("kind", FAULTS)
def test_lambda_config_changes_once_and_keeps_every_variable(aws, faults, run_module_faulty, operation, kind):
    from test_lambda_config import make_function as make_configured  # pylint: disable=import-outside-toplevel
    lam = aws("lambda")
    name = make_configured(lam, env={"KEEP": "k"})
    inject(faults, operation, kind)
    result = run_module_faulty("lambda_config", {"function_name": name, "timeout": 120, "environment": {"NEW": "n"},
                                                 "alias": "live"})
    assert injected(faults, operation) == [kind]
    assert not result.get("failed"), result["msg"]
    served = lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"]
    config = lam.get_function_configuration(FunctionName=name, Qualifier=served)
    assert served == result["published_version"] and config["Timeout"] == 120
    assert config["Environment"]["Variables"] == {"KEEP": "k", "NEW": "n"}
    again = run_module_faulty("lambda_config", {"function_name": name, "timeout": 120, "environment": {"NEW": "n"},
                                                "alias": "live"})
    assert again["changed"] is False


@pytest.mark.parametrize("kind", FAULTS)
def test_incident_record_claim_lands_once(aws, faults, run_module_faulty, kind):
    """A conditional PutItem whose answer is lost and is retried meets its own write: no false conflict."""
    key = "local/INC-FAULT-" + uuid.uuid4().hex[:8]
    record = {"id": key, "notified": ["P1"], "timeline": []}
    inject(faults, "PutItem", kind)
    result = run_module_faulty("incident_record", {"table": "ops-runbooks-incidents", "key": key, "state": "present",
                                                   "record": record, "revision": 0, "on_conflict": "return"})
    assert injected(faults, "PutItem") == [kind]
    assert not result.get("failed"), result["msg"]
    assert result["conflict"] is False and result["revision"] == 1
    item = aws("dynamodb").get_item(TableName="ops-runbooks-incidents", Key={"id": {"S": key}})["Item"]
    assert item["revision"] == {"N": "1"}


@pytest.mark.parametrize("kind", FAULTS)
def test_incident_record_notification_claim_is_recognized_after_a_lost_answer(aws, faults, run_module_faulty, kind):
    """claim: the conditional PutItem lands, its answer is lost, the retry meets revision 2 - the module reads back its
    own claim: claimed once, not a conflict, not a second write."""
    import json  # pylint: disable=import-outside-toplevel
    key, ddb = "local/INC-CLAIM-" + uuid.uuid4().hex[:8], aws("dynamodb")
    record = {"id": key, "notified": [], "timeline": []}
    run_module_faulty("incident_record", {"table": "ops-runbooks-incidents", "key": key, "state": "present",
                                          "record": record})
    inject(faults, "PutItem", kind)
    result = run_module_faulty("incident_record", {"table": "ops-runbooks-incidents", "key": key, "state": "present",
                                                   "record": record, "revision": 1, "claim": "P1"})
    assert injected(faults, "PutItem") == [kind]
    assert not result.get("failed"), result["msg"]
    assert (result["claimed"], result["revision"]) == (True, 2)
    item = ddb.get_item(TableName="ops-runbooks-incidents", Key={"id": {"S": key}})["Item"]
    assert item["revision"] == {"N": "2"} and json.loads(item["record"]["S"])["notified"] == ["P1"]


@pytest.mark.parametrize("kind", FAULTS)
def test_action_budget_claim_is_recognized_after_a_lost_answer(aws, faults, run_module_faulty, kind):
    """The conditional PutItem of a claim lands, its answer is lost, the client sends it again and meets the new
    revision: the module reads the record again, finds its own claim and reports it made the change - once."""
    import json  # pylint: disable=import-outside-toplevel
    key = "fault-%s/alarm-actions" % uuid.uuid4().hex[:6]
    inject(faults, "PutItem", kind)
    result = run_module_faulty("action_budget", {"table": "ops-runbooks-incidents", "key": key, "limit": 1,
                                                 "claims": ["rollback f"]})
    assert injected(faults, "PutItem") == [kind]
    assert not result.get("failed"), result["msg"]
    assert result["granted"] is True and result["changed"] is True and result["used"] == 1
    ddb = aws("dynamodb")
    item = ddb.get_item(TableName="ops-runbooks-incidents", Key={"id": {"S": key}})["Item"]
    assert [c["id"] for c in json.loads(item["record"]["S"])["claims"]] == ["rollback f"]
    ddb.delete_item(TableName="ops-runbooks-incidents", Key={"id": {"S": key}})


@pytest.mark.parametrize("kind", FAULTS)
def test_secret_rotation_makes_one_new_version(aws, faults, run_module_faulty, kind):
    """PutSecretValue carries one idempotency token per run: a request resent after a lost answer is the same one."""
    import json  # pylint: disable=import-outside-toplevel
    sm, name = aws("secretsmanager"), "fm-" + uuid.uuid4().hex[:8]
    sm.create_secret(Name=name, SecretString=json.dumps({"k": "old-value-1"}))
    inject(faults, "PutSecretValue", kind)
    result = run_module_faulty("secret_rotate", {"secret_id": name, "json_key": "k", "value": "new-value-22"})
    assert injected(faults, "PutSecretValue") == [kind]
    assert not result.get("failed"), result["msg"]
    versions = sm.list_secret_version_ids(SecretId=name)["Versions"]
    assert len(versions) == 2 and json.loads(sm.get_secret_value(SecretId=name)["SecretString"]) == {"k": "new-value-22"}


@pytest.mark.parametrize("kind", FAULTS)
def test_ttl_change_is_sent_once_and_recognized_after_a_lost_answer(aws, faults, run_module_faulty, kind):
    """AWS refuses a second UpdateTimeToLive while the first is in progress (the emulator accepts it): one request
    reaches the emulator, whatever the fault."""
    ddb = aws("dynamodb")
    name = make_ttl_table(ddb)
    inject(faults, "UpdateTimeToLive", kind)
    result = run_module_faulty("dynamodb_ttl_state", {"table_name": name, "attribute_name": "expires_at"})
    assert injected(faults, "UpdateTimeToLive") == [kind]
    assert not result.get("failed"), result["msg"]
    assert reached(faults, "UpdateTimeToLive") == 1
    spec = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert (spec["TimeToLiveStatus"], spec["AttributeName"]) == ("ENABLED", "expires_at")


@pytest.mark.parametrize("kind", FAULTS)
def test_billing_mode_change_is_sent_once_and_recognized_after_a_lost_answer(aws, faults, run_module_faulty, kind):
    """AWS refuses an UpdateTable while the table is UPDATING (the emulator accepts it): one request reaches the
    emulator, whatever the fault."""
    ddb = aws("dynamodb")
    name = "fm-bm-" + uuid.uuid4().hex[:8]
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
    inject(faults, "UpdateTable", kind)
    result = run_module_faulty("dynamodb_billing_mode", {"table_name": name, "billing_mode": "PAY_PER_REQUEST"})
    assert injected(faults, "UpdateTable") == [kind]
    assert not result.get("failed"), result["msg"]
    assert reached(faults, "UpdateTable") == 1
    assert ddb.describe_table(TableName=name)["Table"]["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


@pytest.mark.parametrize("kind", FAULTS)
def test_log_retention_is_set(aws, faults, run_module_faulty, kind):
    """PutRetentionPolicy sets a value: sent again after a lost answer it sets the same one."""
    logs, group = aws("logs"), "/fm-lr-%s/svc" % uuid.uuid4().hex[:8]
    logs.create_log_group(logGroupName=group)
    logs.put_retention_policy(logGroupName=group, retentionInDays=7)
    inject(faults, "PutRetentionPolicy", kind)
    result = run_module_faulty("log_retention", {"rules": [{"prefix": group, "days": 30}]})
    assert injected(faults, "PutRetentionPolicy") == [kind]
    assert not result.get("failed"), result["msg"]
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["retentionInDays"] == 30
    assert run_module_faulty("log_retention", {"rules": [{"prefix": group, "days": 30}]})["changed"] is False


@pytest.fixture
def parameters(aws):
    ssm, s3 = aws("ssm"), aws("s3")
    path, bucket = "/fm-psb-%s/" % uuid.uuid4().hex[:8], "fm-psb-" + uuid.uuid4().hex[:8]
    ssm.put_parameter(Name=path + "db/host", Value="db.internal", Type="String")
    ssm.put_parameter(Name=path + "db/password", Value="s3cret-fm", Type="SecureString", KeyId=seed.KMS_ALIAS)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    return ssm, s3, path, bucket


@pytest.mark.parametrize("kind", FAULTS)
def test_parameter_export_writes_the_object(parameters, faults, run_module_faulty, kind):
    """PutObject replaces the export: sent again after a lost answer it writes the same parameters."""
    ssm, s3, path, bucket = parameters
    args = {"action": "export", "path": path, "bucket": bucket, "key": "p.json", "kms_key_id": seed.KMS_ALIAS}
    inject(faults, "PutObject", kind)
    result = run_module_faulty("parameter_store_backup", args)
    assert injected(faults, "PutObject") == [kind]
    assert not result.get("failed"), result["msg"]
    obj = s3.get_object(Bucket=bucket, Key="p.json")
    assert obj["ServerSideEncryption"] == "aws:kms"
    assert sorted(json.loads(obj["Body"].read())["parameters"]) == [path + "db/host", path + "db/password"]
    assert run_module_faulty("parameter_store_backup", args)["changed"] is False


@pytest.mark.parametrize("kind", FAULTS)
def test_parameter_import_makes_one_version_per_parameter(parameters, faults, run_module_faulty, kind):
    """Every PutParameter with Overwrite makes a version: after a lost answer the module finds its write in place
    and does not write it again."""
    ssm, s3, path, bucket = parameters
    export = {"action": "export", "path": path, "bucket": bucket, "key": "p.json", "kms_key_id": seed.KMS_ALIAS}
    assert run_module_faulty("parameter_store_backup", export)["changed"] is True
    ssm.put_parameter(Name=path + "db/password", Value="changed", Type="SecureString", KeyId=seed.KMS_ALIAS,
                      Overwrite=True)  # version 2
    inject(faults, "PutParameter", kind)
    result = run_module_faulty("parameter_store_backup", {"action": "import", "path": path, "bucket": bucket,
                                                          "key": "p.json"})
    assert injected(faults, "PutParameter") == [kind]
    assert not result.get("failed"), result["msg"]
    assert reached(faults, "PutParameter") == 1
    history = ssm.get_parameter_history(Name=path + "db/password", WithDecryption=True)["Parameters"]
    assert [h["Version"] for h in history] == [1, 2, 3]  # one version for the import, not two
    assert history[-1]["Value"] == "s3cret-fm"


@pytest.mark.parametrize("kind", FAULTS)
def test_restore_to_a_point_in_time_restores_once(aws, faults, run_module_faulty, kind):
    ddb = aws("dynamodb")
    source = make_table(ddb, items=3, pitr=True)[0]
    inject(faults, "RestoreTableToPointInTime", kind)
    result = run_module_faulty("dynamodb_restore", {"source_table_name": source, "target_table_name": source + "-p",
                                                    "use_latest_restorable_time": True,
                                                    "verify": {"min_item_count": 3}})
    assert injected(faults, "RestoreTableToPointInTime") == [kind]
    assert not result.get("failed"), result["msg"]
    assert reached(faults, "RestoreTableToPointInTime") == 1  # a second restore to the same name would fail on AWS
    assert ddb.scan(TableName=source + "-p", Select="COUNT")["Count"] == 3


@pytest.mark.parametrize("kind", FAULTS)
def test_parameter_rotation_makes_one_new_version(aws, faults, run_module_faulty, kind):
    """secret_rotate on a SecureString: every PutParameter with Overwrite makes a version - after a lost answer the
    module finds the new value in place and does not write it again."""
    ssm, name = aws("ssm"), "/fm-rot-%s/key" % uuid.uuid4().hex[:8]
    ssm.put_parameter(Name=name, Value="old-value-1", Type="SecureString", KeyId=seed.KMS_ALIAS)
    inject(faults, "PutParameter", kind)
    result = run_module_faulty("secret_rotate", {"parameter_name": name, "value": "new-value-22"})
    assert injected(faults, "PutParameter") == [kind]
    assert not result.get("failed"), result["msg"]
    assert reached(faults, "PutParameter") == 1
    history = ssm.get_parameter_history(Name=name, WithDecryption=True)["Parameters"]
    assert [h["Version"] for h in history] == [1, 2] and history[-1]["Value"] == "new-value-22"
    assert result["version"] == "2"


@pytest.mark.parametrize("kind", FAULTS)
def test_rotation_refresh_changes_each_function_once_and_keeps_its_variables(aws, faults, run_module_faulty, kind):
    from test_lambda_config import make_function as make_configured  # pylint: disable=import-outside-toplevel
    sm, lam, name = aws("secretsmanager"), aws("lambda"), "fm-rf-" + uuid.uuid4().hex[:8]
    sm.create_secret(Name=name, SecretString="old-value-1")
    function = make_configured(lam, env={"KEEP": "k"})
    inject(faults, "UpdateFunctionConfiguration", kind)
    result = run_module_faulty("secret_rotate", {"secret_id": name, "value": "new-value-22",
                                                 "refresh_functions": [function]})
    assert injected(faults, "UpdateFunctionConfiguration") == [kind]
    assert not result.get("failed"), result["msg"]
    assert result["refreshed"] == [function] and reached(faults, "UpdateFunctionConfiguration") == 1
    variables = lam.get_function_configuration(FunctionName=function)["Environment"]["Variables"]
    assert variables["KEEP"] == "k" and variables["FORCE_REFRESH"]


@pytest.mark.parametrize("kind", FAULTS)
def test_a_published_version_after_a_lost_answer_is_the_one_the_alias_serves(aws, faults, run_module_faulty, kind):
    """PublishVersion: AWS returns the existing version when nothing changed since the last publish, so a request
    resent after a lost answer publishes nothing new; the alias serves the new configuration."""
    from test_lambda_config import make_function as make_configured  # pylint: disable=import-outside-toplevel
    lam = aws("lambda")
    name = make_configured(lam, env={"KEEP": "k"})
    inject(faults, "PublishVersion", kind)
    result = run_module_faulty("lambda_config", {"function_name": name, "timeout": 90, "alias": "live"})
    assert injected(faults, "PublishVersion") == [kind]
    assert not result.get("failed"), result["msg"]
    served = lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"]
    assert served == result["published_version"]
    assert lam.get_function_configuration(FunctionName=name, Qualifier=served)["Timeout"] == 90
