#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: resource_discovery
short_description: The resources of a system, from its CloudFormation stacks, its tags and its name prefixes
version_added: 0.5.0
description:
  - Resolves an environment's resources at play start from any mix of CloudFormation stacks (C(ListStackResources),
    nested stacks followed), tags (the Resource Groups Tagging API's C(GetResources)) and name prefixes (the services'
    list calls), into the variables the roles read - named as the inventory's variables without C(ops_runbooks_)
    (RV(functions), RV(tables), RV(buckets), RV(queues), RV(topics), RV(log_groups), RV(alarms), RV(ecs_services),
    RV(apis), RV(roles), RV(kms_keys)), so that names CloudFormation generates (C(agenticai-stack-ApiHandler-X1Y2))
    and changes on every replacement are read from AWS, not typed into an inventory.
  - Completes what it found - each function's aliases and execution role and C(/aws/lambda/<function>) log group,
    each queue's dead-letter queue, each API's name - and says where every resource came from (RV(sources)).
  - Nothing green that checked nothing - one check per source in the collection's common model - a stack that does
    not exist, tags or a prefix that match nothing, and a source or completion AWS would not answer are C(fail)
    checks, never an empty list that downstream checks pass on.
  - Sources are read at the same time (O(concurrency)); every list call is paged.
  - Read-only.
notes:
  - "IAM actions (least privilege): C(cloudformation:DescribeStacks) and C(cloudformation:ListStackResources)
    (O(stacks)), C(tag:GetResources) (O(tags)),
    C(lambda:ListFunctions) (O(name_prefixes), execution roles), C(lambda:ListAliases), C(dynamodb:ListTables),
    C(s3:ListAllMyBuckets), C(sqs:ListQueues), C(sqs:GetQueueUrl), C(sqs:GetQueueAttributes) (dead-letter queues),
    C(sns:ListTopics), C(logs:DescribeLogGroups), C(cloudwatch:DescribeAlarms), C(iam:ListRoles),
    C(apigateway:GET) (API names) - each only for the sources and kinds asked for."
  - ECS services and KMS keys come from stacks and tags only (no name prefix).
  - With O(tags), the Tagging API lists the resources tagged in the region of the call (and S3 buckets, which are
    global); a resource type it does not know is returned in RV(unclassified), not dropped silently.
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  stacks:
    description: CloudFormation stack names or ids; their resources, and those of their nested stacks.
    type: list
    elements: str
    default: []
  tags:
    description:
      - "Tags every resource must carry: C({key: value}) or C({key: [value, ...]}) (any of the values); an empty
        list of values matches any value of the key."
    type: dict
    default: {}
  name_prefixes:
    description: Resources whose names start with one of these (functions, tables, buckets, queues, topics, alarms,
      roles, APIs; log groups named so or C(/aws/lambda/<prefix>...)).
    type: list
    elements: str
    default: []
  kinds:
    description: The kinds to discover and return (the others are left out, with their calls).
    type: list
    elements: str
    choices: [functions, tables, buckets, queues, topics, log_groups, alarms, ecs_services, apis, roles, kms_keys]
    default: [functions, tables, buckets, queues, topics, log_groups, alarms, ecs_services, apis, roles, kms_keys]
  concurrency:
    description: Sources and completions read at the same time (1 to 32).
    type: int
    default: 8
extends_documentation_fragment:
  - ops.runbooks.checks
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Read-only; check mode runs the same reads.
  diff_mode:
    support: none
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: The agenticai system, whose names CloudFormation generates
  ops.runbooks.resource_discovery:
    stacks: [agenticai-stack]
    tags: {Project: agenticai}
  register: discovered

- name: Its functions and tables, for every role of the play
  ansible.builtin.set_fact:
    ops_runbooks_functions: "{{ discovered.functions }}"
    ops_runbooks_tables: "{{ discovered.tables }}"

- name: The queues of a system whose names share a prefix
  ops.runbooks.resource_discovery:
    name_prefixes: [prod-crypto-trading-]
    kinds: [queues]
  register: queues
"""

RETURN = r"""
functions:
  description: Lambda function names.
  returned: always
  type: list
  elements: str
aliases:
  description: Each function's aliases (from its stack, and C(ListAliases)).
  returned: always
  type: dict
  sample: {agenticai-stack-ApiHandler-X1Y2: [live]}
tables:
  description: DynamoDB table names.
  returned: always
  type: list
  elements: str
buckets:
  description: S3 bucket names.
  returned: always
  type: list
  elements: str
queues:
  description: SQS queue names, dead-letter queues included.
  returned: always
  type: list
  elements: str
dead_letter_queues:
  description: Each queue's dead-letter queue (its redrive policy), by name.
  returned: always
  type: dict
  sample: {agenticai-pm-queue: agenticai-pm-dlq}
topics:
  description: SNS topic ARNs.
  returned: always
  type: list
  elements: str
log_groups:
  description: CloudWatch Logs group names, C(/aws/lambda/<function>) of each function included.
  returned: always
  type: list
  elements: str
alarms:
  description: CloudWatch alarm names.
  returned: always
  type: list
  elements: str
ecs_services:
  description: ECS service ARNs.
  returned: always
  type: list
  elements: str
apis:
  description: API Gateway REST APIs, C({id, name}).
  returned: always
  type: list
  elements: dict
roles:
  description: IAM role names, the functions' execution roles included.
  returned: always
  type: list
  elements: str
kms_keys:
  description: KMS key ids.
  returned: always
  type: list
  elements: str
unclassified:
  description: What a source named that is none of the kinds (C(<type> <id>) from a stack, an ARN from the tags).
  returned: always
  type: list
  elements: str
sources:
  description: For each kind, each resource's sources (C(stack <name>), C(tags), C(prefix <prefix>), C(function
    <name>), C(dead-letter queue of <queue>)).
  returned: always
  type: dict
stacks:
  description:
    - Each stack read, C({resources, nested, status}) - the count of its resources, its nested stacks' ids and, for a
      stack of O(stacks), its C(StackStatus).
    - A stack's status is part of its check (runbook 000 startup, C(describe-stacks)) - C(CREATE_COMPLETE),
      C(UPDATE_COMPLETE), C(IMPORT_COMPLETE) pass; changing now or its last update rolled back
      (C(UPDATE_ROLLBACK_COMPLETE)) warns; a failed creation, a failed rollback, a deletion fails.
  returned: always
  type: dict
checks:
  description: One check per source (and per completion that failed) in the common model.
  returned: always
  type: list
  elements: dict
summary:
  description: Counts of the checks by status.
  returned: always
  type: dict
"""

import threading
from concurrent.futures import ThreadPoolExecutor

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.module_utils.batch import MAX_CONCURRENCY
from ansible_collections.ops.runbooks.plugins.module_utils.batch import end_with_checks
from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.common import paginate
from ansible_collections.ops.runbooks.plugins.module_utils.discovery import KINDS
from ansible_collections.ops.runbooks.plugins.module_utils.discovery import Found
from ansible_collections.ops.runbooks.plugins.module_utils.discovery import from_arn
from ansible_collections.ops.runbooks.plugins.module_utils.discovery import from_stack_resource
from ansible_collections.ops.runbooks.plugins.module_utils.discovery import stack_state
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import NotFound
from ansible_collections.ops.runbooks.plugins.module_utils.errors import check_range
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error
from ansible_collections.ops.runbooks.plugins.module_utils.errors import one_line
from ansible_collections.ops.runbooks.plugins.module_utils.sqs import list_queue_urls
from ansible_collections.ops.runbooks.plugins.module_utils.sqs import queue_depth
from ansible_collections.ops.runbooks.plugins.module_utils.sqs import queue_name_from_url
from ansible_collections.ops.runbooks.plugins.module_utils.sqs import resolve_queue_url
from ansible_collections.ops.runbooks.plugins.module_utils.sqs import split_queue_arn

MAX_NESTING = 5  # nested stacks followed this deep


class Discovery:
    """The reads of one run: each returns nothing and records into ``found``; an AWS error becomes a failed check."""

    def __init__(self, module, kinds):
        self.module, self.kinds, self.found = module, kinds, Found()
        self.stacks, self.problems, self.unread, self._clients, self._listed = {}, [], set(), {}, {}
        self._lock, self._locks = threading.Lock(), {}

    def client(self, service):
        if service not in self._clients:
            self._clients[service] = self.module.retrying_client(service)
        return self._clients[service]

    def guarded(self, what, read):
        """``read()``; an AWS error is a failed check naming ``what`` (the other sources go on)."""
        try:
            return read()
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError, NotFound) as e:
            self.unread.add(what.split(" (")[0])
            self.problems.append(checks.make_check(what, "discovery", checks.FAIL, "%s could not be read: %s" % (
                what, one_line(e, 400))))
            return None

    # ---- sources -------------------------------------------------------------------------------------------------
    def stack(self, name):
        source, pending, depth = "stack %s" % name, [name], 0
        described = self.client("cloudformation").describe_stacks(aws_retry=True, StackName=name)["Stacks"]
        status = described[0].get("StackStatus") if described else None
        while pending and depth <= MAX_NESTING:
            current, pending, depth = pending, [], depth + 1
            for stack in current:
                resources = paginate(self.client("cloudformation"), "list_stack_resources",
                                     StackName=stack)["StackResourceSummaries"]
                nested = []
                for resource in resources:
                    kind, value = from_stack_resource(resource)
                    if kind == "stacks":
                        nested.append(value)
                    elif kind in self.kinds or kind == "aliases" and "functions" in self.kinds or kind is None:
                        self.found.add(kind, value, source)
                self.stacks[stack] = {"resources": len(resources), "nested": nested}
                if stack == name:
                    self.stacks[stack]["status"] = status
                pending += nested

    def tagged(self, tags):
        filters = [{"Key": key, "Values": [] if values in (None, "") else
                    [str(v) for v in (values if isinstance(values, list) else [values])]}
                   for key, values in tags.items()]
        for resource in paginate(self.client("resourcegroupstaggingapi"), "get_resources",
                                 TagFilters=filters)["ResourceTagMappingList"]:
            kind, value = from_arn(resource.get("ResourceARN"))
            if kind is None or kind in self.kinds:
                self.found.add(kind, value, "tags")

    def listed(self, what):
        """An account-wide listing, read once per run however many prefixes and completions use it (the sources run
        at the same time: the first reader of a listing fills it under that listing's lock; other listings go on)."""
        reads = {
            "functions": lambda: paginate(self.client("lambda"), "list_functions")["Functions"],
            "tables": lambda: paginate(self.client("dynamodb"), "list_tables")["TableNames"],
            "buckets": lambda: [b["Name"] for b in self.client("s3").list_buckets(aws_retry=True).get("Buckets", [])],
            "topics": lambda: [t["TopicArn"] for t in paginate(self.client("sns"), "list_topics")["Topics"]],
            "roles": lambda: [r["RoleName"] for r in paginate(self.client("iam"), "list_roles")["Roles"]],
            "apis": lambda: paginate(self.client("apigateway"), "get_rest_apis")["items"],
        }
        with self._lock:
            lock = self._locks.setdefault(what, threading.Lock())
        with lock:
            if what not in self._listed:
                self._listed[what] = reads[what]()
            return self._listed[what]

    def prefixed(self, kind, prefix):
        """The resources of ``kind`` whose names start with ``prefix``."""
        if kind == "functions":
            found = [f["FunctionName"] for f in self.listed("functions")]
        elif kind == "queues":
            found = [queue_name_from_url(u) for u in list_queue_urls(self.client("sqs"), prefix)]
        elif kind == "topics":  # an ARN, named by its last part
            found = [a for a in self.listed("topics") if a.rsplit(":", 1)[-1].startswith(prefix)]
        elif kind == "apis":  # an id, named by its name
            found = [a["id"] for a in self.listed("apis") if a.get("name", "").startswith(prefix)]
        elif kind == "log_groups":  # the call matches the prefix: the groups named so, and Lambda's
            found = [g["logGroupName"] for start in (prefix, "/aws/lambda/" + prefix) for g in
                     paginate(self.client("logs"), "describe_log_groups", logGroupNamePrefix=start)["logGroups"]]
        elif kind == "alarms":
            answer = paginate(self.client("cloudwatch"), "describe_alarms", AlarmNamePrefix=prefix)
            found = [a["AlarmName"] for a in answer.get("MetricAlarms", []) + answer.get("CompositeAlarms", [])]
        else:  # tables, buckets, roles
            found = self.listed(kind)
        for value in found:
            if kind in ("topics", "apis", "log_groups") or value.startswith(prefix):
                self.found.add(kind, value, "prefix %s" % prefix)

    # ---- completions ---------------------------------------------------------------------------------------------
    def aliases(self, function):
        for alias in paginate(self.client("lambda"), "list_aliases", FunctionName=function)["Aliases"]:
            self.found.add("aliases", (function, alias["Name"]), "function %s" % function)

    def dead_letter_queue(self, queue):
        """The name of the queue's dead-letter queue (its redrive policy, read by module_utils/sqs), or None."""
        sqs = self.client("sqs")
        target = queue_depth(sqs, resolve_queue_url(sqs, queue))["dlq_arn"]
        return split_queue_arn(target)[1] if target else None

    def execution_roles(self):
        wanted = set(self.found.names("functions"))
        for function in self.listed("functions"):
            if function["FunctionName"] in wanted and function.get("Role"):
                self.found.add("roles", function["Role"].rsplit("/", 1)[-1], "function %s" % function["FunctionName"])

    def api_names(self):
        return dict((api["id"], api.get("name")) for api in self.listed("apis"))


def _checked(params):
    """The sources, validated: (stacks, tags, prefixes) - InvalidInput naming the option otherwise."""
    stacks, tags, prefixes = params["stacks"], params["tags"], params["name_prefixes"]
    if not (stacks or tags or prefixes):
        raise InvalidInput("stacks, tags, name_prefixes: give at least one source to discover from")
    for option, values in (("stacks", stacks), ("name_prefixes", prefixes)):
        for value in values:
            if not isinstance(value, str) or not value.strip():
                raise InvalidInput("%s: an empty name discovers nothing (or everything): %r" % (option, value))
    for key, values in tags.items():
        items = values if isinstance(values, list) else [values]
        if not str(key).strip() or any(isinstance(v, (dict, list)) for v in items):
            raise InvalidInput("tags: %r: a tag is a key with a value or a list of values" % (key,))
    if not params["kinds"]:
        raise InvalidInput("kinds: name at least one kind")
    check_range("concurrency", params["concurrency"], 1, MAX_CONCURRENCY)
    return list(dict.fromkeys(stacks)), tags, list(dict.fromkeys(prefixes))


def _source_checks(found, stacks, tags, prefixes, read):
    """One check per source that was read: how many resources of the kinds asked for it named - none is a failure."""
    made = []

    def count_check(resource, source, named, state=checks.PASS):
        count = found.count(source)
        if not count and source in read.unread:
            return  # the source could not be read: its failed check says why
        verdict = checks.worst([state, checks.PASS if count else checks.FAIL])
        made.append(checks.make_check(resource, "discovery", verdict, "%s: %s" % (
            named, "%d resource(s)" % count if count else "no resource of the kinds asked for"), count))

    for stack in stacks:
        if stack in read.stacks:  # one that could not be read is a failed check of its own (Discovery.guarded)
            nested, status = read.stacks[stack]["nested"], read.stacks[stack].get("status")
            verdict, note = stack_state(status)
            count_check("stack " + stack, "stack " + stack, "stack %s (%s%s)%s" % (
                stack, status, ": " + note if note else "", " and %d nested stack(s)" % len(nested) if nested else ""),
                verdict)
    if tags:
        shown = ", ".join("%s=%s" % (k, v) for k, v in tags.items())
        count_check("tags " + shown, "tags", "tags " + shown)
    for prefix in prefixes:
        count_check("prefix " + prefix, "prefix " + prefix, "prefix " + prefix)
    return made


def discover(module):
    params = module.params
    stacks, tags, prefixes = _checked(params)
    kinds = list(dict.fromkeys(params["kinds"]))
    read = Discovery(module, kinds)
    tasks = [("stack %s" % s, lambda s=s: read.stack(s)) for s in stacks]
    if tags:
        tasks.append(("tags", lambda: read.tagged(tags)))
    tasks += [("prefix %s (%s)" % (p, k), lambda k=k, p=p: read.prefixed(k, p))
              for p in prefixes for k in kinds if k not in ("ecs_services", "kms_keys")]
    with ThreadPoolExecutor(max_workers=params["concurrency"]) as pool:
        list(pool.map(lambda task: read.guarded(task[0], task[1]), tasks))
    # the stacks that could not be read are failed checks already (guarded); a missing stack says so
    found = read.found
    completions = []
    if "functions" in kinds:
        completions += [("aliases of %s" % f, lambda f=f: read.aliases(f)) for f in found.names("functions")]
    if "queues" in kinds:
        dead_letters = {}

        def dead_letter(queue):
            dlq = read.dead_letter_queue(queue)
            if dlq:
                dead_letters[queue] = dlq
        completions += [("dead-letter queue of %s" % q, lambda q=q: dead_letter(q)) for q in found.names("queues")]
    if "roles" in kinds and found.names("functions"):
        completions.append(("execution roles", read.execution_roles))
    api_names = {}
    if "apis" in kinds and found.names("apis"):
        completions.append(("API names", lambda: api_names.update(read.api_names())))
    with ThreadPoolExecutor(max_workers=params["concurrency"]) as pool:
        list(pool.map(lambda task: read.guarded(task[0], task[1]), completions))
    if "queues" in kinds:
        for queue, dlq in sorted(dead_letters.items()):
            found.add("queues", dlq, "dead-letter queue of %s" % queue)
    if "log_groups" in kinds:
        for function in found.names("functions"):
            found.add("log_groups", "/aws/lambda/%s" % function, "function %s" % function)
    result = dict((kind, sorted(found.names(kind)) if kind in kinds else []) for kind in KINDS)
    result.update(
        aliases=dict((f, sorted(a)) for f, a in sorted(found.aliases.items())) if "functions" in kinds else {},
        dead_letter_queues=dict(sorted(dead_letters.items())) if "queues" in kinds else {},
        apis=[{"id": i, "name": api_names.get(i)} for i in sorted(found.names("apis"))] if "apis" in kinds else [],
        unclassified=sorted(found.unclassified),
        sources=dict((kind, dict(sorted(found.resources[kind].items()))) for kind in kinds),
        stacks=read.stacks)
    return result, _source_checks(found, stacks, tags, prefixes, read) + read.problems


ARGUMENT_SPEC = dict(
    stacks=dict(type="list", elements="str", default=[]),
    tags=dict(type="dict", default={}),
    name_prefixes=dict(type="list", elements="str", default=[]),
    kinds=dict(type="list", elements="str", choices=list(KINDS), default=list(KINDS)),
    concurrency=dict(type="int", default=8),
    fail_on=dict(type="str", choices=["fail", "never"], default="fail"),
)


def main():
    module = OpsRunbooksAWSModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    result = dict(changed=False)
    with ending_on_error(module, result, "discover the resources"):
        found, made = discover(module)
        result.update(found)
    end_with_checks(module, result, made, "discovery source(s) failed")


if __name__ == "__main__":
    main()
