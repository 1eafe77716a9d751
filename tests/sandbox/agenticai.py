# -*- coding: utf-8 -*-
"""Runbook 004's agenticai system, deployed into the emulator by CloudFormation as the stack ``agenticai-stack``:
its functions' names are generated (``agenticai-stack-ApiHandler-<random>``), so an inventory - and a test - can know
them only through discovery (``ops_runbooks_discovery: {stacks: [agenticai-stack]}``, inventories/local-agenticai).

What 004 names with fixed names keeps them: the queues ``agenticai-{pm,dev,qa,ops}-queue`` with their ``-dlq``, the
table ``agenticai-data`` (TTL attribute ``ttl``), the bucket ``agenticai-generated-code``, the topic
``agenticai-alerts``, the parameters under ``/agenticai``, the ECS service ``agenticai-websocket`` in the cluster
``agenticai-cluster`` (a nested stack). After the stack: each function's alias ``live`` on a published version, the
functions' log groups with 004's 7-day retention, the alarms of 004's threshold table (state OK), a minute of healthy
metrics, and a tag-only resource - the export bucket ``agenticai-backups``, tagged ``Project=agenticai`` and in no
stack. The emulator's CloudFormation has no AWS::CloudWatch::Alarm and no AWS::Lambda::Alias: those are made by API.

``redeploy`` replaces the stack (delete, create): new generated names, the fixed ones unchanged - what a replacement
of the functions does to an inventory typed by hand.
"""
from __future__ import annotations

import json

import history  # tests/sandbox is on sys.path (sandbox.py)
import seed

STACK = "agenticai-stack"
CODE_BUCKET = "agenticai-deploy-artifacts"
FUNCTIONS = ("ApiHandler", "DevAgentWorker")  # logical ids; physical names are generated
AGENTS = ("pm", "dev", "qa", "ops")
TABLE = "agenticai-data"
BUCKET = "agenticai-generated-code"
TAGGED_BUCKET = "agenticai-backups"
TOPIC = "agenticai-alerts"
ALIAS = "live"
TAGS = {"Project": "agenticai"}
PARAMETERS = {"/agenticai/model": "claude", "/agenticai/max-agents": "4"}

REALTIME = """
Resources:
  Cluster:
    Type: AWS::ECS::Cluster
    Properties: {ClusterName: agenticai-cluster}
  TaskDefinition:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: agenticai-websocket
      ContainerDefinitions: [{Name: websocket, Image: agenticai/websocket:latest, Memory: 512}]
  Service:
    Type: AWS::ECS::Service
    Properties:
      ServiceName: agenticai-websocket
      Cluster: !Ref Cluster
      TaskDefinition: !Ref TaskDefinition
      DesiredCount: 1
"""


def _template():
    resources = {
        "ExecRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                    "Action": "sts:AssumeRole"}]}}},
        "Data": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "TableName": TABLE, "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}},
        "GeneratedCode": {"Type": "AWS::S3::Bucket", "Properties": {
            "BucketName": BUCKET, "VersioningConfiguration": {"Status": "Enabled"},
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [
                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}}},
        "Alerts": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": TOPIC}},
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "agenticai-api"}},
        "Realtime": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": {"Ref": "RealtimeUrl"}}},
    }
    for agent in AGENTS:
        title = agent.capitalize()
        resources[title + "Dlq"] = {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "agenticai-%s-dlq" % agent}}
        resources[title + "Queue"] = {"Type": "AWS::SQS::Queue", "Properties": {
            "QueueName": "agenticai-%s-queue" % agent, "VisibilityTimeout": 60,
            "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": [title + "Dlq", "Arn"]}, "maxReceiveCount": 3}}}
    for name, value in PARAMETERS.items():
        logical = "Param" + name.rsplit("/", 1)[-1].replace("-", "").capitalize()
        resources[logical] = {"Type": "AWS::SSM::Parameter",
                              "Properties": {"Name": name, "Type": "String", "Value": value}}
    for function in FUNCTIONS:
        resources[function] = {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "index.handler", "Timeout": 30, "MemorySize": 512,
            "Role": {"Fn::GetAtt": ["ExecRole", "Arn"]},
            "Code": {"S3Bucket": {"Ref": "CodeBucket"}, "S3Key": "code.zip"},
            "Environment": {"Variables": {"DYNAMODB_TABLE_NAME": TABLE}}}}
    return json.dumps({"Parameters": {"CodeBucket": {"Type": "String"}, "RealtimeUrl": {"Type": "String"}},
                       "Resources": resources})


def physical(cfn, logical, stack=STACK):
    for resource in cfn.list_stack_resources(StackName=stack)["StackResourceSummaries"]:
        if resource["LogicalResourceId"] == logical:
            return resource["PhysicalResourceId"]
    raise KeyError(logical)


def functions(cfn):
    """The generated function names, by logical id."""
    return dict((logical, physical(cfn, logical)) for logical in FUNCTIONS)


def deploy(client, region, week=True):
    """The stack and what the emulator's CloudFormation cannot make; returns the generated function names. ``week``:
    also a week of metrics and REPORT lines (the weekly review's; history.py)."""
    s3 = client("s3")
    if CODE_BUCKET not in [b["Name"] for b in s3.list_buckets().get("Buckets", [])]:
        s3.create_bucket(Bucket=CODE_BUCKET, CreateBucketConfiguration={"LocationConstraint": region})
        s3.put_object(Bucket=CODE_BUCKET, Key="code.zip", Body=seed._zip(0))  # pylint: disable=protected-access
        s3.put_object(Bucket=CODE_BUCKET, Key="realtime.yaml", Body=REALTIME.encode())
    cfn = client("cloudformation")
    cfn.create_stack(StackName=STACK, TemplateBody=_template(), Capabilities=["CAPABILITY_IAM"], Tags=[
        {"Key": k, "Value": v} for k, v in TAGS.items()], Parameters=[
        {"ParameterKey": "CodeBucket", "ParameterValue": CODE_BUCKET},
        {"ParameterKey": "RealtimeUrl", "ParameterValue": "https://%s.s3.amazonaws.com/realtime.yaml" % CODE_BUCKET}])
    names = functions(cfn)
    lam, logs, cw = client("lambda"), client("logs"), client("cloudwatch")
    topic_arn = [t["TopicArn"] for t in client("sns").list_topics()["Topics"] if t["TopicArn"].endswith(":" + TOPIC)][0]
    for logical, name in names.items():
        seed._wait_function(lam, name)  # pylint: disable=protected-access
        for build in (1, 2):  # two published builds: the alias live serves the second, a rollback has one to go to
            if build > 1:
                lam.update_function_code(FunctionName=name, ZipFile=seed._zip(build))  # pylint: disable=protected-access
                seed._wait_function(lam, name)  # pylint: disable=protected-access
            version = lam.publish_version(FunctionName=name, Description="agenticai build %d" % build)["Version"]
        lam.create_alias(FunctionName=name, Name=ALIAS, FunctionVersion=version)
        group = "/aws/lambda/" + name
        logs.create_log_group(logGroupName=group)
        logs.put_retention_policy(logGroupName=group, retentionInDays=7)
        _alarms(cw, logical, name, topic_arn)
    ddb = client("dynamodb")
    ddb.update_time_to_live(TableName=TABLE, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
    ddb.update_continuous_backups(TableName=TABLE, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    for i in range(5):
        ddb.put_item(TableName=TABLE, Item={"pk": {"S": "project#%d" % i}, "status": {"S": "done"}})
    if TAGGED_BUCKET not in [b["Name"] for b in s3.list_buckets().get("Buckets", [])]:
        s3.create_bucket(Bucket=TAGGED_BUCKET, CreateBucketConfiguration={"LocationConstraint": region})
        s3.put_bucket_tagging(Bucket=TAGGED_BUCKET, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in TAGS.items()]})
    for agent in AGENTS:
        for queue in ("agenticai-%s-queue" % agent, "agenticai-%s-dlq" % agent):
            alarm(cw, "%s-depth" % queue, "AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue,
                  0 if queue.endswith("-dlq") else 1000, topic_arn)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})  # the template's is not kept
    _healthy_minute(cw, names)
    if week:
        history.put_week(cw, list(names.values()), [TABLE], [BUCKET, TAGGED_BUCKET])
        history.put_report_lines(logs, list(names.values()))
    return names


def redeploy(client, region):
    """Replace the stack: delete it (and what was made beside it for its functions), create it again."""
    remove(client, keep_artifacts=True)
    return deploy(client, region)


def remove(client, keep_artifacts=False):
    cfn, logs, cw = client("cloudformation"), client("logs"), client("cloudwatch")
    names = functions(cfn)
    for name in names.values():
        logs.delete_log_group(logGroupName="/aws/lambda/" + name)
    alarms = [a["AlarmName"] for a in cw.describe_alarms(AlarmNamePrefix="agenticai-")["MetricAlarms"]]
    if alarms:
        cw.delete_alarms(AlarmNames=alarms)
    cfn.delete_stack(StackName=STACK)
    if not keep_artifacts:
        s3 = client("s3")
        for bucket in (CODE_BUCKET, TAGGED_BUCKET):
            for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
                s3.delete_object(Bucket=bucket, Key=item["Key"])
            s3.delete_bucket(Bucket=bucket)


def alarm(cw, name, namespace, metric, dimension, value, threshold, topic_arn, statistic="Sum", period=300):
    cw.put_metric_alarm(AlarmName=name, Namespace=namespace, MetricName=metric, Statistic=statistic, Period=period,
                        EvaluationPeriods=1, Threshold=threshold, ComparisonOperator="GreaterThanThreshold",
                        Dimensions=[{"Name": dimension, "Value": value}], AlarmActions=[topic_arn])
    cw.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="seeded healthy")


def _alarms(cw, logical, name, topic_arn):
    """Runbook 004 "Key Metrics and Thresholds", critical column, per function (named by its logical id: the alarm
    name stays when a redeploy changes the function's)."""
    base = "agenticai-%s" % logical
    alarm(cw, base + "-errors", "AWS/Lambda", "Errors", "FunctionName", name, 5, topic_arn)
    alarm(cw, base + "-concurrency", "AWS/Lambda", "ConcurrentExecutions", "FunctionName", name, 10, topic_arn,
          statistic="Maximum")
    alarm(cw, base + "-duration", "AWS/Lambda", "Duration", "FunctionName", name, 24000, topic_arn,
          statistic="Maximum")  # 80 % of the 30 s timeout


def healthy_functions(cw, functions):
    """A quiet minute of traffic of each function: invocations, no error, short durations."""
    data = []
    for name in functions:
        dims = [{"Name": "FunctionName", "Value": name}]
        data += [{"MetricName": "Invocations", "Dimensions": dims, "Value": 20, "Unit": "Count"},
                 {"MetricName": "Errors", "Dimensions": dims, "Value": 0, "Unit": "Count"},
                 {"MetricName": "Throttles", "Dimensions": dims, "Value": 0, "Unit": "Count"},
                 {"MetricName": "Duration", "Dimensions": dims, "Value": 800, "Unit": "Milliseconds"},
                 {"MetricName": "ConcurrentExecutions", "Dimensions": dims, "Value": 1, "Unit": "Count"}]
    cw.put_metric_data(Namespace="AWS/Lambda", MetricData=data)


def _healthy_minute(cw, names):
    """The functions' quiet minute, the queues' ages and the API's requests without a 5xx."""
    healthy_functions(cw, names.values())
    cw.put_metric_data(Namespace="AWS/SQS", MetricData=[
        {"MetricName": "ApproximateAgeOfOldestMessage", "Dimensions": [{"Name": "QueueName", "Value": queue}],
         "Value": 0, "Unit": "Seconds"} for agent in AGENTS for queue in ("agenticai-%s-queue" % agent,
                                                                          "agenticai-%s-dlq" % agent)])
    api = [{"Name": "ApiName", "Value": "agenticai-api"}]
    cw.put_metric_data(Namespace="AWS/ApiGateway", MetricData=[
        {"MetricName": "Count", "Dimensions": api, "Value": 120, "Unit": "Count"},
        {"MetricName": "5XXError", "Dimensions": api, "Value": 0, "Unit": "Count"}])
