# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ``resource_discovery`` found, and from where: a CloudFormation stack's resources and a tagged resource's ARN
turned into the inventory's kinds (functions, tables, buckets, ...), each name with the sources that named it. No AWS
SDK here: the module makes the calls, this file only reads their answers (unit-tested with plain dicts)."""

from __future__ import annotations

import re

from ansible_collections.amazon.aws.plugins.module_utils.arn import parse_aws_arn

# The kinds a discovery returns, named as the inventory's variables without ``ops_runbooks_`` (ops_runbooks_functions,
# ops_runbooks_tables, ops_runbooks_buckets, ...).
KINDS = ("functions", "tables", "buckets", "queues", "topics", "log_groups", "alarms", "ecs_services", "apis", "roles",
         "kms_keys")

# CloudFormation resource type: (kind, how its PhysicalResourceId names the resource).
_LAST_PATH = re.compile(r"[^/]+$")
STACK_TYPES = {
    "AWS::Lambda::Function": "functions",
    "AWS::DynamoDB::Table": "tables",
    "AWS::DynamoDB::GlobalTable": "tables",
    "AWS::S3::Bucket": "buckets",
    "AWS::SQS::Queue": "queues",  # the queue's URL: its name is the last path segment
    "AWS::SNS::Topic": "topics",  # the topic's ARN
    "AWS::Logs::LogGroup": "log_groups",
    "AWS::CloudWatch::Alarm": "alarms",
    "AWS::CloudWatch::CompositeAlarm": "alarms",
    "AWS::ECS::Service": "ecs_services",  # the service's ARN
    "AWS::ApiGateway::RestApi": "apis",  # the API's id
    "AWS::IAM::Role": "roles",
    "AWS::KMS::Key": "kms_keys",  # the key's id
}
NESTED_STACK = "AWS::CloudFormation::Stack"

# A stack's status (runbook 000 startup: describe-stacks), judged: a stack that works as last deployed passes; one
# changing now, or whose last update failed and was rolled back (it runs the version before), warns; one whose
# creation failed, that is being deleted or is deleted, or that is stuck in a failed rollback fails.
STACK_PASSING = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE")
STACK_FAILING = ("CREATE_FAILED", "ROLLBACK_IN_PROGRESS", "ROLLBACK_FAILED", "ROLLBACK_COMPLETE", "DELETE_IN_PROGRESS",
                 "DELETE_FAILED", "DELETE_COMPLETE", "UPDATE_FAILED", "UPDATE_ROLLBACK_FAILED", "IMPORT_ROLLBACK_FAILED")


def stack_state(status):
    """``(verdict, note)`` of a stack status: ``pass``, ``warn`` or ``fail`` (the strings of the common model) and
    what the status means for an operator (empty for a passing one)."""
    if status in STACK_PASSING:
        return "pass", ""
    if status in STACK_FAILING:
        return "fail", "not a working stack"
    if status in ("UPDATE_ROLLBACK_COMPLETE", "IMPORT_ROLLBACK_COMPLETE"):
        return "warn", "its last update failed and was rolled back"
    if str(status).endswith("_IN_PROGRESS"):
        return "warn", "changing now"
    return "warn", "an unknown status"


LAMBDA_ALIAS = "AWS::Lambda::Alias"


def from_stack_resource(resource):
    """``(kind, value)`` of one ListStackResources summary: a kind of ``KINDS`` and the resource's name (ARN for
    topics and ECS services, id for APIs and KMS keys); ``("stacks", arn)`` for a nested stack, ``("aliases",
    (function, alias))`` for a Lambda alias, ``(None, "<type> <id>")`` for a type discovery does not model, and
    ``(None, None)`` for a resource without a physical id (not created, or deleted)."""
    kind_of = resource.get("ResourceType") or ""
    physical = resource.get("PhysicalResourceId")
    if not physical or resource.get("ResourceStatus", "").startswith("DELETE_COMPLETE"):
        return None, None
    if kind_of == NESTED_STACK:
        return "stacks", physical
    if kind_of == LAMBDA_ALIAS:  # arn:aws:lambda:<region>:<account>:function:<name>:<alias>
        parts = physical.split(":")
        return ("aliases", (parts[6], parts[7])) if len(parts) == 8 else (None, "%s %s" % (kind_of, physical))
    kind = STACK_TYPES.get(kind_of)
    if kind is None:
        return None, "%s %s" % (kind_of, physical)
    if kind == "queues":
        return kind, _LAST_PATH.search(physical.rstrip("/")).group(0)
    return kind, physical


def from_arn(arn):
    """``(kind, value)`` of a tagged resource's ARN (the Resource Groups Tagging API's answer), valued as
    ``from_stack_resource`` values it; ``(None, arn)`` for a type discovery does not model."""
    parts = parse_aws_arn(arn or "")
    if not parts or not parts.get("resource"):
        return None, arn
    service, resource = parts["service"], parts["resource"]
    if service == "lambda" and resource.startswith("function:"):
        parts = resource.split(":")
        return ("functions", parts[1]) if len(parts) == 2 else (None, arn)  # a version or alias ARN is not a function
    prefixed = {("dynamodb", "table/"): "tables", ("logs", "log-group:"): "log_groups",
                ("cloudwatch", "alarm:"): "alarms", ("iam", "role/"): "roles", ("kms", "key/"): "kms_keys",
                ("apigateway", "/restapis/"): "apis"}
    for (svc, start), kind in prefixed.items():
        if service == svc and resource.startswith(start):
            name = resource[len(start):]
            if kind == "tables" and "/" in name:  # a stream, an index, a backup of the table
                return None, arn
            if kind == "log_groups":
                name = name[:-2] if name.endswith(":*") else name
            if kind in ("roles", "apis"):
                if "/" in name.strip("/") and kind == "apis":
                    return None, arn  # a stage or a resource of the API
                name = name.rstrip("/").split("/")[-1]
            return kind, name
    if service == "s3" and "/" not in resource:
        return "buckets", resource
    if service == "sqs":
        return "queues", resource
    if service == "sns" and ":" not in resource:
        return "topics", arn
    if service == "ecs" and resource.startswith("service/"):
        return "ecs_services", arn
    return None, arn


class Found:
    """Every resource found, by kind, with the sources that named it (``"stack agenticai-stack"``, ``"tags"``,
    ``"prefix agenticai"``), in the order first found."""

    def __init__(self):
        self.resources = dict((kind, {}) for kind in KINDS)
        self.aliases = {}
        self.unclassified = {}

    def add(self, kind, value, source):
        if kind == "aliases":
            function, alias = value
            self.aliases.setdefault(function, [])
            if alias not in self.aliases[function]:
                self.aliases[function].append(alias)
            self.add("functions", function, source)
        elif kind in self.resources:
            sources = self.resources[kind].setdefault(value, [])
            if source not in sources:
                sources.append(source)
        elif value:
            self.unclassified.setdefault(value, [])
            if source not in self.unclassified[value]:
                self.unclassified[value].append(source)

    def count(self, source):
        """How many resources ``source`` named (of every kind, unclassified ones too)."""
        named = [s for kind in self.resources.values() for s in kind.values()] + list(self.unclassified.values())
        return len([sources for sources in named if source in sources])

    def names(self, kind):
        return list(self.resources[kind])
