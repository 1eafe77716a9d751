# -*- coding: utf-8 -*-
"""A system deployed by CloudFormation into the emulator - a function with its execution role, a table, a queue with
its dead-letter queue, a topic, a log group and a nested stack with a second table - whose names the emulator
generates as AWS does (<stack>-<logical id>-<random>): a test can know them only from the stack, as a user's
discovery does. Used by the resource_discovery and inventory_check tests."""
from __future__ import annotations

import seed

CHILD = """
Resources:
  Sessions:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
"""

PARENT = """
Parameters:
  CodeBucket: {Type: String}
  ChildUrl: {Type: String}
  Generation: {Type: String}
Resources:
  ExecRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: "sts:AssumeRole"}]
  ApiHandler:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt ExecRole.Arn
      Code: {S3Bucket: !Ref CodeBucket, S3Key: code.zip}
      Description: !Ref Generation
  Items:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
  PmDlq:
    Type: AWS::SQS::Queue
  PmQueue:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: {deadLetterTargetArn: !GetAtt PmDlq.Arn, maxReceiveCount: 3}
  Alerts:
    Type: AWS::SNS::Topic
  Logs:
    Type: AWS::Logs::LogGroup
    Properties: {RetentionInDays: 7}
  Nested:
    Type: AWS::CloudFormation::Stack
    Properties: {TemplateURL: !Ref ChildUrl}
"""


def deploy(aws, name, generation="1", bucket_exists=False):
    """The system, as a stack (and its nested one) whose names the emulator generates."""
    s3 = aws("s3")
    bucket = "cfn-" + name.lower()
    if not bucket_exists:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        s3.put_object(Bucket=bucket, Key="code.zip", Body=seed._zip(0))  # pylint: disable=protected-access
        s3.put_object(Bucket=bucket, Key="child.yaml", Body=CHILD.encode())
    params = [{"ParameterKey": "CodeBucket", "ParameterValue": bucket},
              {"ParameterKey": "ChildUrl", "ParameterValue": "https://%s.s3.amazonaws.com/child.yaml" % bucket},
              {"ParameterKey": "Generation", "ParameterValue": generation}]
    cfn = aws("cloudformation")
    cfn.create_stack(StackName=name, TemplateBody=PARENT, Parameters=params, Capabilities=["CAPABILITY_IAM"])
    return cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]


def physical(resources, logical):
    return [r["PhysicalResourceId"] for r in resources if r["LogicalResourceId"] == logical][0]


def remove(aws, name):
    """The stack (CloudFormation deletes what it made) and the bucket of its code: the sandbox as it was."""
    aws("cloudformation").delete_stack(StackName=name)
    bucket = "cfn-" + name.lower()
    for item in aws("s3").list_objects_v2(Bucket=bucket).get("Contents", []):
        aws("s3").delete_object(Bucket=bucket, Key=item["Key"])
    aws("s3").delete_bucket(Bucket=bucket)
