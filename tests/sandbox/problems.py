# -*- coding: utf-8 -*-
"""The known failures of the runbooks, seeded on demand into the sandbox so that the troubleshooting role finds
them: each function creates its own resources under the name it is given (never touching runbook 001's seeded
environment, whose daily health other tests rely on) and returns what it made.

    python tests/sandbox/problems.py <endpoint> <region> <access key> <secret key> <problem> <name>

- ``lambda_timeout``: a function (timeout 30 s, 512 MB, alias ``live``) whose longest runs reach 29.5 s (98 % of
  its timeout; runbook 004 fails above 80 %) and whose log says ``Task timed out``.
- ``dynamodb_throttling``: a PROVISIONED table (5 RCU / 5 WCU) read at its capacity, 15 throttled requests a minute.
- ``api_5xx``: API Gateway datapoints of an API stage at 6 % 5xx (runbook 004 fails above 5 %), and its backing
  function with versions 1-3, alias ``live`` on 3, erroring.
- ``s3_access_denied``: a bucket encrypted with runbook 001's KMS key whose policy denies ``s3:GetObject`` to a
  Lambda execution role, and that role, allowed to read the bucket but not to decrypt with the key.
"""
from __future__ import annotations

import datetime
import json
import os
import sys
import time

import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed import _zip  # noqa: E402  pylint: disable=wrong-import-position

MINUTES_PAST, MINUTES_AHEAD = 15, 60  # as seed.put_metrics: any window of the next hour holds the same data
ROLE_ARN = "arn:aws:iam::123456789012:role/ai-investment-lambda-exec"


def _minutes(now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return [now - datetime.timedelta(minutes=m, seconds=30) for m in range(-MINUTES_AHEAD, MINUTES_PAST)]


def _put(cw, namespace, datums):
    for offset in range(0, len(datums), 40):  # small calls (see seed.put_metrics)
        cw.put_metric_data(Namespace=namespace, MetricData=datums[offset:offset + 40])


def _function(lam, name, versions=1, timeout=30, memory=512):
    lam.create_function(FunctionName=name, Runtime="python3.11", Role=ROLE_ARN, Handler="index.handler",
                        Code={"ZipFile": _zip(0)}, Timeout=timeout, MemorySize=memory,
                        Environment={"Variables": {"TABLE_NAME": "ai-investment-signals", "LOG_LEVEL": "INFO"}})
    version = None
    for build in range(1, versions + 1):
        if build > 1:
            lam.update_function_code(FunctionName=name, ZipFile=_zip(build))
        version = lam.publish_version(FunctionName=name, Description="build %d" % build)["Version"]
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)


def _logs(logs, name, messages):
    group = "/aws/lambda/" + name
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="problem")
    now_ms = int(time.time() * 1000)
    logs.put_log_events(logGroupName=group, logStreamName="problem", logEvents=[
        {"timestamp": now_ms - 60000 + 1000 * i, "message": m} for i, m in enumerate(messages)])


def lambda_timeout(session, endpoint, name):
    lam, cw = session.client("lambda", endpoint_url=endpoint), session.client("cloudwatch", endpoint_url=endpoint)
    _function(lam, name)
    _logs(session.client("logs", endpoint_url=endpoint), name, [
        "START RequestId: 1", "ERROR upstream model call exceeded its deadline",
        "Task timed out after 30.02 seconds", "Task timed out after 30.01 seconds"])
    dims = [{"Name": "FunctionName", "Value": name}]
    _put(cw, "AWS/Lambda", [{"MetricName": "Duration", "Dimensions": dims, "Timestamp": at, "Unit": "Milliseconds",
                             "StatisticValues": {"SampleCount": 10, "Sum": 210000, "Minimum": 9000,
                                                 "Maximum": 29500}} for at in _minutes()])
    return {"function": name, "timeout": 30, "memory_size": 512}


def dynamodb_throttling(session, endpoint, name):
    ddb, cw = session.client("dynamodb", endpoint_url=endpoint), session.client("cloudwatch", endpoint_url=endpoint)
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PROVISIONED", ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
    for i in range(3):
        ddb.put_item(TableName=name, Item={"pk": {"S": "item-%d" % i}})
    dims = [{"Name": "TableName", "Value": name}]
    datums = []
    for at in _minutes():
        datums += [{"MetricName": "ThrottledRequests", "Dimensions": dims, "Timestamp": at, "Value": 15, "Unit": "Count"},
                   {"MetricName": "ReadThrottleEvents", "Dimensions": dims, "Timestamp": at, "Value": 15, "Unit": "Count"},
                   {"MetricName": "ConsumedReadCapacityUnits", "Dimensions": dims, "Timestamp": at, "Value": 294,
                    "Unit": "Count"},
                   {"MetricName": "ConsumedWriteCapacityUnits", "Dimensions": dims, "Timestamp": at, "Value": 60,
                    "Unit": "Count"}]
    _put(cw, "AWS/DynamoDB", datums)
    return {"table": name, "read_capacity": 5, "write_capacity": 5}


def api_5xx(session, endpoint, name, stage="sandbox"):
    lam, cw = session.client("lambda", endpoint_url=endpoint), session.client("cloudwatch", endpoint_url=endpoint)
    function = name + "-handler"
    _function(lam, function, versions=3)
    _logs(session.client("logs", endpoint_url=endpoint), function, ["ERROR KeyError: 'score' in build 3"])
    api = [{"Name": "ApiName", "Value": name}, {"Name": "Stage", "Value": stage}]
    fn = [{"Name": "FunctionName", "Value": function}]
    datums, lambda_datums = [], []
    for at in _minutes():
        for metric, value, unit in (("Count", 200, "Count"), ("5XXError", 12, "Count"), ("4XXError", 2, "Count"),
                                    ("Latency", 900, "Milliseconds")):
            datums.append({"MetricName": metric, "Dimensions": api, "Timestamp": at, "Value": value, "Unit": unit})
        lambda_datums += [{"MetricName": "Errors", "Dimensions": fn, "Timestamp": at, "Value": 12, "Unit": "Count"},
                          {"MetricName": "Invocations", "Dimensions": fn, "Timestamp": at, "Value": 200,
                           "Unit": "Count"}]
    _put(cw, "AWS/ApiGateway", datums)
    _put(cw, "AWS/Lambda", lambda_datums)
    return {"api": name, "stage": stage, "function": function}


def s3_access_denied(session, endpoint, name, region="eu-central-1"):
    s3, iam = session.client("s3", endpoint_url=endpoint), session.client("iam", endpoint_url=endpoint)
    kms = session.client("kms", endpoint_url=endpoint)
    key = kms.describe_key(KeyId="alias/ai-investment-key")["KeyMetadata"]["Arn"]
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}]})
    role = name + "-role"
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    iam.put_role_policy(RoleName=role, PolicyName="read-features", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Sid": "ReadFeatures", "Effect": "Allow",
                                                "Action": ["s3:GetObject", "s3:ListBucket"],
                                                "Resource": ["arn:aws:s3:::%s" % name, "arn:aws:s3:::%s/*" % name]}]}))
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "DenyLambdaReads", "Effect": "Deny", "Principal": {"AWS": role_arn}, "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::%s/*" % name}]}))
    return {"bucket": name, "role_name": role, "role_arn": role_arn, "key_arn": key}


PROBLEMS = {"lambda_timeout": lambda_timeout, "dynamodb_throttling": dynamodb_throttling, "api_5xx": api_5xx,
            "s3_access_denied": s3_access_denied}


def main(argv):
    endpoint, region, access_key, secret_key, problem, name = argv[1:7]
    session = boto3.session.Session(region_name=region, aws_access_key_id=access_key, aws_secret_access_key=secret_key)
    print(json.dumps(PROBLEMS[problem](session, endpoint, name)))


if __name__ == "__main__":
    main(sys.argv)
