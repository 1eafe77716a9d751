# -*- coding: utf-8 -*-
"""Runbook 002's crypto trading system, environment ``test``, in the emulator: Terraform-managed names
``<environment>-crypto-trading-<function>`` (runbook 002 "Viewing Logs"), which inventories/local-crypto-trading
resolves by name prefix (``ops_runbooks_discovery: {name_prefixes: [test-crypto-trading-]}``), never typing them.

Its functions (alias ``live`` on the second of two versions, log groups, an error alarm each), its alert topic, the
orders queue with its DLQ, a DynamoDB table of trades (PITR), the
exchange credentials in Secrets Manager (002 "Managing Secrets"), the Timestream database of market data (002
"Timestream": describe-database) and a week of metrics for the weekly review. Its Redis (ElastiCache) is not here:
the emulator's cluster has no endpoint that answers, and the connectivity probe would only test the emulator.
"""
from __future__ import annotations

import json

import agenticai  # tests/sandbox is on sys.path (sandbox.py)
import history
import seed

ENVIRONMENT = "test"
PREFIX = "%s-crypto-trading-" % ENVIRONMENT
FUNCTIONS = [PREFIX + f for f in ("api", "market-data", "order-executor")]
TABLE = PREFIX + "trades"
SECRET = PREFIX + "exchange-api"
TIMESTREAM_DATABASE = PREFIX + "market-data"
ALIAS = "live"


def deploy(client, region, role_arn):
    """The test environment's resources; returns the function names."""
    lam, logs = client("lambda"), client("logs")
    for name in FUNCTIONS:
        lam.create_function(FunctionName=name, Runtime="python3.11", Role=role_arn, Handler="index.handler",
                            Code={"ZipFile": seed._zip(0)}, Timeout=30, MemorySize=512,  # pylint: disable=protected-access
                            Environment={"Variables": {"TRADES_TABLE": TABLE}}, Tags={"Environment": ENVIRONMENT})
        seed._wait_function(lam, name)  # pylint: disable=protected-access
        version = None
        for build in (1, 2):
            if build > 1:
                lam.update_function_code(FunctionName=name, ZipFile=seed._zip(build))  # pylint: disable=protected-access
                seed._wait_function(lam, name)  # pylint: disable=protected-access
            version = lam.publish_version(FunctionName=name, Description="build %d" % build)["Version"]
        lam.create_alias(FunctionName=name, Name=ALIAS, FunctionVersion=version)
        logs.create_log_group(logGroupName="/aws/lambda/" + name)
    ddb = client("dynamodb")
    ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "trade_id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "trade_id", "AttributeType": "S"}])
    ddb.update_continuous_backups(TableName=TABLE, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    for i in range(6):
        ddb.put_item(TableName=TABLE, Item={"trade_id": {"S": "t-%03d" % i}, "pair": {"S": "BTC-EUR"}})
    sqs = client("sqs")  # the orders queue and its DLQ: the queue checks read the system's own queues, no others
    dlq = sqs.create_queue(QueueName=PREFIX + "orders-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.create_queue(QueueName=PREFIX + "orders", Attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"})})
    client("secretsmanager").create_secret(Name=SECRET, SecretString=json.dumps(
        {"api_key": "sandbox-key-0001", "api_secret": "sandbox-secret-0001"}))
    client("timestream-write").create_database(DatabaseName=TIMESTREAM_DATABASE)
    topic_arn = client("sns").create_topic(Name=PREFIX + "alerts")["TopicArn"]
    cw = client("cloudwatch")
    for name in FUNCTIONS:  # runbook 002 "High Error Rate": an error alarm per function (state OK)
        agenticai.alarm(cw, name + "-errors", "AWS/Lambda", "Errors", "FunctionName", name, 5, topic_arn)
    agenticai.healthy_functions(cw, FUNCTIONS)
    cw.put_metric_data(Namespace="AWS/SQS", MetricData=[
        {"MetricName": "ApproximateAgeOfOldestMessage", "Dimensions": [{"Name": "QueueName", "Value": queue}],
         "Value": 0, "Unit": "Seconds"} for queue in (PREFIX + "orders", PREFIX + "orders-dlq")])
    history.put_week(cw, FUNCTIONS, [TABLE], [])
    history.put_report_lines(logs, FUNCTIONS)
    return FUNCTIONS
