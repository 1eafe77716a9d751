# -*- coding: utf-8 -*-
"""module_utils/discovery.py: a stack's resources and a tagged resource's ARN read into the inventory's kinds."""
from __future__ import annotations

import pytest

from ansible_collections.ops.runbooks.plugins.module_utils.discovery import Found, from_arn, from_stack_resource


def _resource(kind, physical, status="CREATE_COMPLETE"):
    return {"ResourceType": kind, "PhysicalResourceId": physical, "ResourceStatus": status}


@pytest.mark.parametrize("kind, physical, expected", [
    ("AWS::Lambda::Function", "stack-ApiHandler-X1", ("functions", "stack-ApiHandler-X1")),
    ("AWS::SQS::Queue", "https://sqs.eu-central-1.amazonaws.com/123456789012/stack-PmQueue-X2",
     ("queues", "stack-PmQueue-X2")),
    ("AWS::SNS::Topic", "arn:aws:sns:eu-central-1:123456789012:stack-Alerts-X3",
     ("topics", "arn:aws:sns:eu-central-1:123456789012:stack-Alerts-X3")),
    ("AWS::CloudFormation::Stack", "arn:aws:cloudformation:eu-central-1:1:stack/child/abc",
     ("stacks", "arn:aws:cloudformation:eu-central-1:1:stack/child/abc")),
    ("AWS::Lambda::Alias", "arn:aws:lambda:eu-central-1:123456789012:function:stack-ApiHandler-X1:live",
     ("aliases", ("stack-ApiHandler-X1", "live"))),
    ("AWS::Lambda::Alias", "not-an-arn", (None, "AWS::Lambda::Alias not-an-arn")),
    ("AWS::EC2::VPC", "vpc-1", (None, "AWS::EC2::VPC vpc-1")),
    ("AWS::DynamoDB::Table", "", (None, None)),
])
def test_a_stack_resource_is_a_kind_and_a_name(kind, physical, expected):
    assert from_stack_resource(_resource(kind, physical)) == expected


def test_a_deleted_stack_resource_is_not_found():
    assert from_stack_resource(_resource("AWS::DynamoDB::Table", "t", "DELETE_COMPLETE")) == (None, None)


@pytest.mark.parametrize("arn, expected", [
    ("arn:aws:lambda:eu-central-1:1:function:f", ("functions", "f")),
    ("arn:aws:lambda:eu-central-1:1:function:f:live", (None, "arn:aws:lambda:eu-central-1:1:function:f:live")),
    ("arn:aws:dynamodb:eu-central-1:1:table/t", ("tables", "t")),
    ("arn:aws:dynamodb:eu-central-1:1:table/t/stream/2026", (None, "arn:aws:dynamodb:eu-central-1:1:table/t/stream/2026")),
    ("arn:aws:s3:::bucket-a", ("buckets", "bucket-a")),
    ("arn:aws:sqs:eu-central-1:1:q", ("queues", "q")),
    ("arn:aws:sns:eu-central-1:1:topic", ("topics", "arn:aws:sns:eu-central-1:1:topic")),
    ("arn:aws:logs:eu-central-1:1:log-group:/aws/lambda/f:*", ("log_groups", "/aws/lambda/f")),
    ("arn:aws:cloudwatch:eu-central-1:1:alarm:a-errors", ("alarms", "a-errors")),
    ("arn:aws:iam::1:role/service-role/exec", ("roles", "exec")),
    ("arn:aws:kms:eu-central-1:1:key/1234-abcd", ("kms_keys", "1234-abcd")),
    ("arn:aws:apigateway:eu-central-1::/restapis/a1b2c3", ("apis", "a1b2c3")),
    ("arn:aws:apigateway:eu-central-1::/restapis/a1b2c3/stages/prod",
     (None, "arn:aws:apigateway:eu-central-1::/restapis/a1b2c3/stages/prod")),
    ("arn:aws:ecs:eu-central-1:1:service/c/s", ("ecs_services", "arn:aws:ecs:eu-central-1:1:service/c/s")),
    ("arn:aws:ec2:eu-central-1:1:instance/i-1", (None, "arn:aws:ec2:eu-central-1:1:instance/i-1")),
    ("garbage", (None, "garbage")),
])
def test_a_tagged_arn_is_a_kind_and_a_name(arn, expected):
    assert from_arn(arn) == expected


def test_found_keeps_every_source_once_and_counts_by_source():
    found = Found()
    found.add("functions", "f", "stack s")
    found.add("functions", "f", "tags")
    found.add("functions", "f", "tags")
    found.add("aliases", ("f", "live"), "stack s")
    found.add("aliases", ("g", "live"), "function g")
    found.add(None, "AWS::EC2::VPC vpc-1", "stack s")
    found.add(None, None, "stack s")
    assert found.resources["functions"] == {"f": ["stack s", "tags"], "g": ["function g"]}
    assert found.aliases == {"f": ["live"], "g": ["live"]}
    assert found.unclassified == {"AWS::EC2::VPC vpc-1": ["stack s"]}
    assert (found.count("stack s"), found.count("tags"), found.count("prefix x")) == (2, 1, 0)
    assert found.names("functions") == ["f", "g"]
