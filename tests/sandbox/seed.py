# -*- coding: utf-8 -*-
"""Seed the emulator and PostgreSQL with one realistic environment.

The resources are those of seed 001 (AI investment system, environment ``local``):
five DynamoDB tables, five S3 buckets, six Lambda functions, SQS queues with DLQs, an SNS
alert topic, CloudWatch alarms with the ObservabilityStack thresholds, and Lambda log groups.
``inventories/local/group_vars/all/main.yml`` names the same resources: keep the two in step.

A few problems are seeded on purpose so that checks have something real to find:
``ai-investment-score-dlq`` holds one message, the ``ai-investment-score-errors`` alarm is in
ALARM, and the score function's log group holds ERROR and ``Task timed out`` lines.
"""
from __future__ import annotations

import datetime
import gzip
import io
import json
import os
import subprocess
import time
import zipfile

import agenticai  # tests/sandbox is on sys.path (sandbox.py)
import crypto_trading
import history

PROJECT = "ai-investment"

TABLES = {
    # name: (pitr, on-demand backup, items)
    "ai-investment-signals": (True, True, 25),
    "ai-investment-proposals": (True, True, 10),
    "ai-investment-outcomes": (True, False, 8),
    "ai-investment-agents-config": (False, False, 4),
    "ai-investment-tracked-entities": (False, True, 12),
}

BUCKETS = {
    # name: (versioning, encryption, replicate to "<name>-backup")
    "ai-investment-raw-data": (True, True, True),
    "ai-investment-curated-data": (True, True, False),
    "ai-investment-features": (True, True, False),
    "ai-investment-backtests": (False, True, False),
    "ai-investment-eval": (False, False, False),
}

FUNCTIONS = [
    "ai-investment-ingest-social",
    "ai-investment-ingest-news",
    "ai-investment-score",
    "ai-investment-orchestrator",
    "ai-investment-evaluation",
    "ai-investment-streaming",
]
FUNCTION_VERSIONS = 3
# Runbook 000's daily check invokes this one (the emulator answers a synchronous invoke with 200, echoing the event).
HEALTH_CHECK_FUNCTION = "ai-investment-health-check"
ALIAS = "live"

QUEUES = ["ai-investment-ingest", "ai-investment-score", "ai-investment-orchestrator"]
QUEUE_MESSAGES = {"ai-investment-ingest": 3}
DLQ_MESSAGES = {"ai-investment-score-dlq": 1}

TOPIC = "ai-investment-alerts"
# The operations tooling's own resources (named outside the system's ai-investment- prefix and the tests' ops-
# prefix, so no check of the system or of a test counts them): the incident records (incident_record,
# ops_runbooks_incident_table) and a queue subscribed to the alert topic, where tests read what was notified (and an
# alarm consumer would read the alarms).
INCIDENT_TABLE = "ops-runbooks-incidents"
ALERT_INBOX = "runbooks-alert-inbox"
# The queue Event-Driven Ansible reads (ops_runbooks_alarm_queue): subscribed to the alert topic with a filter on the
# message body, so that only CloudWatch alarm notifications reach it - not the incidents' own messages on the topic.
ALARM_QUEUE = "runbooks-alarms"
RDS_INSTANCE = "ai-investment-db"  # seed 000 "Backup Verification": aws rds describe-db-instances
ALARM_IN_ALARM = "ai-investment-score-errors"
KMS_ALIAS = "alias/ai-investment-key"

HANDLER = b"""
import json
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"status": "ok"})}
"""


def _zip(version):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("index.py", HANDLER + b"\n# build %d\n" % version)
    return buf.getvalue()


def seed_aws(session, endpoint_url, region, emulator="moto"):
    """Create the environment's AWS resources in the emulator (on LocalStack: its services only, no DynamoDB,
    Lambda or RDS - see sandbox.py)."""

    def client(name):
        return session.client(name, endpoint_url=endpoint_url, region_name=region)

    _seed_s3(client("s3"), client("iam"), region, _seed_kms(client("kms")))
    _seed_sqs(client("sqs"))
    topic_arn = client("sns").create_topic(Name=TOPIC)["TopicArn"]
    _subscribe_inbox(client("sns"), client("sqs"), topic_arn)
    _seed_cloudwatch(client("cloudwatch"), topic_arn)
    put_metrics(client("cloudwatch"))
    _seed_logs(client("logs"))
    if emulator != "moto":
        return
    _subscribe_alarm_queue(client("sns"), client("sqs"), topic_arn)
    _seed_dynamodb(client("dynamodb"))
    client("dynamodb").create_table(TableName=INCIDENT_TABLE, BillingMode="PAY_PER_REQUEST",
                                    KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                    AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    role_arn = _seed_iam(client("iam"))
    _seed_lambda(client("lambda"), role_arn)
    # The weekly and monthly reviews' week of metrics, REPORT lines, months of cost and the budget (history.py).
    history.put_week(client("cloudwatch"), FUNCTIONS, TABLES, BUCKETS)
    history.put_report_lines(client("logs"), FUNCTIONS)
    history.load_cost_results(endpoint_url, history.cost_results())
    history.create_budget(client("budgets"), client("sts").get_caller_identity()["Account"])
    # The emulator takes an automated snapshot when the instance is created.
    client("rds").create_db_instance(DBInstanceIdentifier=RDS_INSTANCE, DBInstanceClass="db.t3.micro", Engine="postgres",
                                     AllocatedStorage=20, MasterUsername="app", MasterUserPassword="sandbox-only-1",
                                     BackupRetentionPeriod=7)
    # Runbook 004's system, by CloudFormation: names generated, known only through discovery (inventories/local-agenticai).
    agenticai.deploy(client, region)
    # Runbook 002's test environment, names by prefix (inventories/local-crypto-trading).
    crypto_trading.deploy(client, region, role_arn)


def _seed_dynamodb(ddb):
    for name, (pitr, backup, items) in TABLES.items():
        ddb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            Tags=[{"Key": "project", "Value": PROJECT}],
        )
        for i in range(items):
            ddb.put_item(TableName=name, Item={"pk": {"S": "item-%03d" % i}, "n": {"N": str(i)}})
        if pitr:
            ddb.update_continuous_backups(
                TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
            )
        if backup:
            ddb.create_backup(TableName=name, BackupName="%s-seed" % name)


def _subscribe_inbox(sns, sqs, topic_arn):
    """Every message on the alert topic also lands, raw, in the inbox queue."""
    url = sqs.create_queue(QueueName=ALERT_INBOX)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                                                "Action": "sqs:SendMessage", "Resource": arn,
                                                "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}}}]})})
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn)


def _subscribe_alarm_queue(sns, sqs, topic_arn):
    """The alarm notifications on the alert topic (and nothing else) land, in their SNS envelope, in the alarm queue
    (the Event-Driven Ansible source ops.runbooks.alarm_queue reads it; docs/alarms.md)."""
    url = sqs.create_queue(QueueName=ALARM_QUEUE, Attributes={"VisibilityTimeout": "120"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                                                "Action": "sqs:SendMessage", "Resource": arn,
                                                "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}}}]})})
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn, Attributes={
        "FilterPolicyScope": "MessageBody", "FilterPolicy": json.dumps({"AlarmName": [{"exists": True}]})})


def _seed_kms(kms):
    """Runbook 001's customer managed key (runbook 000's security audit: describe-key --key-id alias/ai-investment-key),
    with rotation; returns its ARN."""
    key = kms.create_key(Description="ai-investment: encryption for all services (runbook 001)")["KeyMetadata"]
    kms.create_alias(AliasName=KMS_ALIAS, TargetKeyId=key["KeyId"])
    kms.enable_key_rotation(KeyId=key["KeyId"])
    return key["Arn"]


def _seed_s3(s3, iam, region, key_arn):
    location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    for name, (versioning, encryption, replicate) in BUCKETS.items():
        s3.create_bucket(Bucket=name, **location)
        if versioning or replicate:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        if encryption:
            s3.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                                                      "KMSMasterKeyID": key_arn}}]
                },
            )
        s3.put_object(Bucket=name, Key="README.txt", Body=b"seeded by ops.runbooks sandbox\n")
        if replicate:
            backup = name + "-backup"
            s3.create_bucket(Bucket=backup, **location)
            s3.put_bucket_versioning(Bucket=backup, VersioningConfiguration={"Status": "Enabled"})
            role = iam.create_role(
                RoleName="%s-replication" % name,
                AssumeRolePolicyDocument=json.dumps(_trust("s3.amazonaws.com")),
            )["Role"]["Arn"]
            s3.put_bucket_replication(
                Bucket=name,
                ReplicationConfiguration={
                    "Role": role,
                    "Rules": [
                        {
                            "ID": "backup",
                            "Status": "Enabled",
                            "Priority": 1,
                            "Filter": {"Prefix": ""},
                            "DeleteMarkerReplication": {"Status": "Disabled"},
                            "Destination": {"Bucket": "arn:aws:s3:::" + backup},
                        }
                    ],
                },
            )


def _trust(service):
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    }


LOCKDOWN_POLICY = "EmergencyLockdown"  # runbook 000 "Security Incident": attached to the role on lockdown


def _seed_iam(iam):
    """The functions' execution role with the AWS managed basic policy, and the (unattached) lockdown policy."""
    role = iam.create_role(
        RoleName="%s-lambda-exec" % PROJECT, AssumeRolePolicyDocument=json.dumps(_trust("lambda.amazonaws.com"))
    )["Role"]["Arn"]
    iam.attach_role_policy(RoleName="%s-lambda-exec" % PROJECT,
                           PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    iam.create_policy(PolicyName=LOCKDOWN_POLICY, Description="runbook 000: deny writes and deletes during an incident",
                      PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
                          "Sid": "DenyDataChanges", "Effect": "Deny",
                          "Action": ["s3:PutObject", "s3:DeleteObject", "dynamodb:PutItem", "dynamodb:DeleteItem",
                                     "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"], "Resource": "*"}]}))
    return role


def _seed_lambda(lam, role_arn):
    for name in FUNCTIONS:
        lam.create_function(
            FunctionName=name,
            Runtime="python3.11",
            Role=role_arn,
            Handler="index.handler",
            Code={"ZipFile": _zip(0)},
            Timeout=30,
            MemorySize=512,
            Environment={"Variables": {"TABLE_NAME": "ai-investment-signals", "LOG_LEVEL": "INFO"}},
            Tags={"project": PROJECT},
        )
        _wait_function(lam, name)
        version = None
        for build in range(1, FUNCTION_VERSIONS + 1):
            if build > 1:
                lam.update_function_code(FunctionName=name, ZipFile=_zip(build))
                _wait_function(lam, name)
            version = lam.publish_version(FunctionName=name, Description="build %d" % build)["Version"]
        lam.create_alias(FunctionName=name, Name=ALIAS, FunctionVersion=version)
    lam.create_function(FunctionName=HEALTH_CHECK_FUNCTION, Runtime="python3.11", Role=role_arn,
                        Handler="index.handler", Code={"ZipFile": _zip(0)}, Timeout=10, MemorySize=128,
                        Tags={"project": PROJECT})
    _wait_function(lam, HEALTH_CHECK_FUNCTION)


def _wait_function(lam, name, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        config = lam.get_function_configuration(FunctionName=name)
        if config.get("State", "Active") == "Active" and config.get("LastUpdateStatus", "Successful") != "InProgress":
            return
        time.sleep(0.1)
    raise RuntimeError("function %s did not become Active" % name)


def _seed_sqs(sqs):
    for name in QUEUES:
        dlq_name = name + "-dlq"
        dlq_url = sqs.create_queue(QueueName=dlq_name)["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        url = sqs.create_queue(
            QueueName=name,
            Attributes={
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"}),
                "VisibilityTimeout": "60",
            },
        )["QueueUrl"]
        for i in range(QUEUE_MESSAGES.get(name, 0)):
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"seq": i}))
        for i in range(DLQ_MESSAGES.get(dlq_name, 0)):
            sqs.send_message(QueueUrl=dlq_url, MessageBody=json.dumps({"seq": i, "poison": True}))


def _seed_cloudwatch(cw, topic_arn):
    # Thresholds of seed 001, ObservabilityStack: errors > 5 in 5 min, latency > 10 s, throttles > 1.
    for name in FUNCTIONS:
        short = name[len(PROJECT) + 1:]
        for metric, stat, threshold, suffix in (
            ("Errors", "Sum", 5, "errors"),
            ("Duration", "Average", 10000, "latency"),
            ("Throttles", "Sum", 1, "throttles"),
        ):
            cw.put_metric_alarm(
                AlarmName="%s-%s-%s" % (PROJECT, short, suffix),
                Namespace="AWS/Lambda",
                MetricName=metric,
                Dimensions=[{"Name": "FunctionName", "Value": name}],
                Statistic=stat,
                Period=300,
                EvaluationPeriods=1,
                Threshold=threshold,
                ComparisonOperator="GreaterThanThreshold",
                AlarmActions=[topic_arn],
                TreatMissingData="notBreaching",
            )
    for queue in QUEUES:
        cw.put_metric_alarm(
            AlarmName="%s-dlq" % queue,
            Namespace="AWS/SQS",
            MetricName="ApproximateNumberOfMessagesVisible",
            Dimensions=[{"Name": "QueueName", "Value": queue + "-dlq"}],
            Statistic="Maximum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanThreshold",
            AlarmActions=[topic_arn],
        )
    cw.set_alarm_state(AlarmName=ALARM_IN_ALARM, StateValue="ALARM", StateReason="seeded: 7 errors in 5 minutes")


# Metric datapoints, one a minute from METRIC_PAST minutes ago to METRIC_AHEAD minutes ahead (CloudWatch takes
# timestamps up to two hours ahead), so every metric check of the daily health finds data for the next hour (no
# "unknown" for want of a seed) and any 5-minute window holds the same: (invocations a minute, errors a minute
# repeating, average ms, longest ms) per function. In runbook 004's warning bands: the orchestrator's longest run
# is 22 s of its 30 s timeout (73 % > 70 %), the evaluation function's error rate 2.4-3.2 % (> 2 %, 3-4 errors in 5
# minutes: under runbook 001's alarm of > 5).
METRIC_PAST, METRIC_AHEAD = 15, 60
FUNCTION_LOAD = {
    "ai-investment-ingest-news": (40, (0,), 900, 1800),
    "ai-investment-ingest-social": (55, (0,), 700, 1500),
    "ai-investment-score": (120, (0, 0, 0, 0, 1), 1800, 4200),
    "ai-investment-orchestrator": (12, (0,), 9000, 22000),
    "ai-investment-evaluation": (25, (1, 1, 1, 0), 2500, 6000),
    "ai-investment-streaming": (200, (0,), 150, 400),
}
API_NAME, API_STAGE = "ai-investment", "sandbox"  # runbook 001 ApiStack; inventories/local names the stage
API_LOAD = (300, 1, 180)  # requests a minute, 5xx a minute (0.33 %: under runbook 004's warning of 1 %), average ms
OLDEST_MESSAGE_AGE = {"ai-investment-ingest": 120, "ai-investment-score": 30, "ai-investment-orchestrator": 0}


def put_metrics(cw, now=None):
    """Put the seeded datapoints around ``now`` (once per emulator: a second put would double the sums)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    data = []
    for minute in range(-METRIC_AHEAD, METRIC_PAST):
        at = now - datetime.timedelta(minutes=minute, seconds=30)
        for name, (calls, errors, average, longest) in FUNCTION_LOAD.items():
            dims = [{"Name": "FunctionName", "Value": name}]
            data.append(("AWS/Lambda", {"MetricName": "Invocations", "Dimensions": dims, "Timestamp": at,
                                        "Value": calls, "Unit": "Count"}))
            data.append(("AWS/Lambda", {"MetricName": "Errors", "Dimensions": dims, "Timestamp": at,
                                        "Value": errors[minute % len(errors)], "Unit": "Count"}))
            data.append(("AWS/Lambda", {"MetricName": "Throttles", "Dimensions": dims, "Timestamp": at,
                                        "Value": 0, "Unit": "Count"}))
            data.append(("AWS/Lambda", {"MetricName": "ConcurrentExecutions", "Dimensions": dims, "Timestamp": at,
                                        "Value": max(1, calls * average // 60000), "Unit": "Count"}))
            # An average and a maximum: the statistic set of the minute's invocations.
            data.append(("AWS/Lambda", {"MetricName": "Duration", "Dimensions": dims, "Timestamp": at,
                                        "Unit": "Milliseconds", "StatisticValues": {
                                            "SampleCount": calls, "Sum": average * calls,
                                            "Minimum": min(average, 50), "Maximum": longest}}))
        api_dims = [{"Name": "ApiName", "Value": API_NAME}, {"Name": "Stage", "Value": API_STAGE}]
        requests, server_errors, latency = API_LOAD
        for metric, value, unit in (("Count", requests, "Count"), ("5XXError", server_errors, "Count"),
                                    ("4XXError", 0, "Count"), ("Latency", latency, "Milliseconds")):
            data.append(("AWS/ApiGateway", {"MetricName": metric, "Dimensions": api_dims, "Timestamp": at,
                                            "Value": value, "Unit": unit}))
        for table in TABLES:
            table_dims = [{"Name": "TableName", "Value": table}]
            for metric, value in (("ConsumedReadCapacityUnits", 30), ("ConsumedWriteCapacityUnits", 12),
                                  ("ThrottledRequests", 0)):
                data.append(("AWS/DynamoDB", {"MetricName": metric, "Dimensions": table_dims, "Timestamp": at,
                                              "Value": value, "Unit": "Count"}))
        for queue, age in OLDEST_MESSAGE_AGE.items():
            data.append(("AWS/SQS", {"MetricName": "ApproximateAgeOfOldestMessage", "Timestamp": at, "Value": age,
                                     "Dimensions": [{"Name": "QueueName", "Value": queue}], "Unit": "Seconds"}))
    for namespace in ("AWS/Lambda", "AWS/SQS", "AWS/ApiGateway", "AWS/DynamoDB"):
        datums = [d for ns, d in data if ns == namespace]
        # Small calls: botocore gzips a request body above 10 KB, and moto's IAM mode then rejects its signature.
        for offset in range(0, len(datums), 40):
            cw.put_metric_data(Namespace=namespace, MetricData=datums[offset:offset + 40])


def _seed_logs(logs):
    now_ms = int(time.time() * 1000)
    for name in FUNCTIONS:
        group = "/aws/lambda/" + name
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName="seed")
        events = [{"timestamp": now_ms - 60000, "message": "INFO start %s" % name}]
        if name == "ai-investment-score":
            events += [
                {"timestamp": now_ms - 50000, "message": "ERROR model endpoint returned 500"},
                {"timestamp": now_ms - 40000, "message": "Task timed out after 30.03 seconds"},
            ]
        logs.put_log_events(logGroupName=group, logStreamName="seed", logEvents=events)


# PostgreSQL (seed 003: database ai_data_readiness, table datasets, /backups/latest.sql.gz)
PG_DATABASE = "ai_data_readiness"
PG_TABLES = {"datasets": 120, "quality_checks": 300, "users": 15}
SLOW_QUERY = "SELECT count(*) AS quality_report, pg_sleep(1.05) FROM quality_checks"  # mean above 1000 ms


def write_app_log(path):
    """Runbook 003's /var/log/ai-data-readiness/error.log of a quiet morning: INFO lines only (the daily health's
    app_log check of the data-readiness host reads its last 100)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines("2026-12-07 06:%02d:00 INFO batch %d validated\n" % (i % 60, i) for i in range(120))


def seed_postgres(psycopg2, dsn, bindir, backup_dir):
    """Create the application database, fill it, and write a custom-format and a .sql.gz dump."""
    conn = psycopg2.connect(dbname="postgres", **dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("CREATE DATABASE %s" % PG_DATABASE)
    conn.close()
    conn = psycopg2.connect(dbname=PG_DATABASE, **dsn)
    with conn, conn.cursor() as cur:
        cur.execute(
            "CREATE TABLE datasets (id serial PRIMARY KEY, name text NOT NULL, created_at timestamptz DEFAULT now())"
        )
        cur.execute(
            "CREATE TABLE quality_checks (id serial PRIMARY KEY, dataset_id int REFERENCES datasets(id),"
            " score numeric NOT NULL)"
        )
        cur.execute("CREATE TABLE users (id serial PRIMARY KEY, email text UNIQUE NOT NULL)")
        # The maintenance role's index bloat report reads pgstatindex (contrib, shipped with PostgreSQL).
        cur.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        # The performance review's slow queries (runbook 003: pg_stat_statements, mean time above 1000 ms): the
        # server preloads the library (sandbox.py); one statement of the application runs slow once.
        cur.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        cur.execute("INSERT INTO datasets (name) SELECT 'dataset-' || g FROM generate_series(1, %s) g",
                    (PG_TABLES["datasets"],))
        cur.execute(
            "INSERT INTO quality_checks (dataset_id, score) SELECT 1 + g %% %s, random() FROM generate_series(1, %s) g",
            (PG_TABLES["datasets"], PG_TABLES["quality_checks"]),
        )
        cur.execute("INSERT INTO users (email) SELECT 'user' || g || '@example.com' FROM generate_series(1, %s) g",
                    (PG_TABLES["users"],))
    conn.close()
    conn = psycopg2.connect(dbname=PG_DATABASE, **dsn)
    with conn, conn.cursor() as cur:
        cur.execute(SLOW_QUERY)
    conn.close()
    os.makedirs(backup_dir, exist_ok=True)
    env = dict(os.environ, PGHOST=dsn["host"], PGPORT=str(dsn["port"]), PGUSER=dsn["user"])
    custom = os.path.join(backup_dir, "latest.dump")
    subprocess.run([os.path.join(bindir, "pg_dump"), "-Fc", "-f", custom, PG_DATABASE], env=env, check=True)
    plain = subprocess.run([os.path.join(bindir, "pg_dump"), PG_DATABASE], env=env, check=True,
                           stdout=subprocess.PIPE).stdout
    with gzip.open(os.path.join(backup_dir, "latest.sql.gz"), "wb") as fh:
        fh.write(plain)
    return {"custom": custom, "plain_gz": os.path.join(backup_dir, "latest.sql.gz")}
