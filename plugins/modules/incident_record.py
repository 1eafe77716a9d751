#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: incident_record
short_description: Read or store an incident record in DynamoDB, with optimistic locking
version_added: 0.1.0
description:
  - Keeps the record of an incident (runbook 004 - id, severity, who was notified, what changed, the timeline) where
    the next job finds it, whichever machine or AWX job directory it runs in - so a second job for the same incident
    continues the record and does not notify twice.
  - Each item holds the record as JSON (attribute C(record)), its C(revision) (1 on the first write, one more on each
    write), C(updated_at), and C(environment) / C(severity) / C(status) copied from the record for queries.
  - Optimistic locking - with O(revision), the write happens only when the stored revision still is that one (V(0) -
    no item yet). Two jobs that read the same revision cannot both write; the second gets a conflict and the stored
    record, re-reads and decides again (the incident role claims a notification this way before sending it).
  - Writing a record equal to the stored one changes nothing (C(changed=false), no write).
  - A notification sent once across jobs - O(claim) adds a name (a severity) to the record's C(notified) list unless it
    is there already, O(release) takes it out again (the claimed notification could not be sent); either reads,
    writes conditionally and, when another job wrote in between, reads again and retries, a bounded number of
    times. Only the task that returns C(claimed=true) sends.
notes:
  - "The table - partition key C(id), type string; nothing else is required (on-demand billing suits it). Create it
    once per account, for example with
    C(aws dynamodb create-table --table-name ai-investment-incidents --attribute-definitions AttributeName=id,AttributeType=S
    --key-schema AttributeName=id,KeyType=HASH --billing-mode PAY_PER_REQUEST)."
  - "IAM actions (least privilege): C(dynamodb:GetItem), C(dynamodb:PutItem) (only with O(state=present)), on the table."
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  table:
    description: Name of the DynamoDB table holding the records.
    type: str
    required: true
  key:
    description: The record's key (its C(id) attribute), for example C(production/INC-20261123-score-api-returning-5xx).
    type: str
    required: true
  state:
    description: V(read) returns the stored record; V(present) stores O(record).
    type: str
    choices: [read, present]
    default: read
  record:
    description:
      - The record to store (with O(state=present), required unless O(claim) or O(release) is given); any
        JSON-serializable mapping.
    type: dict
  revision:
    description:
      - The revision this write is based on (as returned by the read). The write happens only when the stored
        revision is still this one (V(0) - only when there is no record yet). Omitted - the write is unconditional.
    type: int
  on_conflict:
    description:
      - What a conflict (the stored revision is not O(revision)) does - V(fail) fails the task; V(return) returns
        C(conflict=true) with the stored record and revision, for the caller to decide again.
    type: str
    choices: [fail, return]
    default: fail
  claim:
    description:
      - Claim the notification of this name (a severity) - add it to the record's C(notified) list unless it is there
        already (RV(claimed)). Written on O(record) when O(revision) still is the stored revision (so this job's
        timeline is kept), else on the stored record; a lost race is read again and retried.
    type: str
    version_added: 0.5.0
  release:
    description:
      - Give a claimed notification back - take this name out of the stored record's C(notified) list (RV(released)),
        so that the next job sends it; retried as O(claim) is.
    type: str
    version_added: 0.5.0
  wait:
    description: After a write, read the item back (strongly consistent) until it shows the new revision.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for O(wait).
    type: int
    default: 30
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: aws
"""

EXAMPLES = r"""
- name: Read the incident's record (found=false when this is its first job)
  ops.runbooks.incident_record:
    table: ai-investment-incidents
    key: production/INC-20261123-score-api-returning-5xx
  register: stored

- name: Claim the P1 notification - only one job gets claimed=true, whatever the others wrote meanwhile
  ops.runbooks.incident_record:
    table: ai-investment-incidents
    key: production/INC-20261123-score-api-returning-5xx
    state: present
    record: "{{ record }}"
    revision: "{{ stored.revision }}"
    claim: P1
  register: claim

- name: Store a record only if nobody wrote since it was read; on a conflict return the stored one
  ops.runbooks.incident_record:
    table: ai-investment-incidents
    key: production/INC-20261123-score-api-returning-5xx
    state: present
    record: "{{ record }}"
    revision: "{{ stored.revision }}"
    on_conflict: return
"""

RETURN = r"""
key:
  description: The record's key.
  returned: always
  type: str
found:
  description: Whether a record was stored before this task.
  returned: always
  type: bool
record:
  description: The record after the task (the stored one; with O(state=present) the written one, in check mode the
    one that would be written; after a conflict the stored one). Null when there is none.
  returned: always
  type: dict
revision:
  description: The revision of RV(record) (0 - none stored; in check mode the one a write would give).
  returned: always
  type: int
  sample: 3
claimed:
  description: With O(claim), whether this task claimed the notification (false - it was claimed before; send nothing).
  returned: with O(claim)
  type: bool
released:
  description: With O(release), whether the name was taken out of C(notified) (false - it was not in it).
  returned: with O(release)
  type: bool
conflict:
  description: The stored revision was not O(revision), so nothing was written (only with O(on_conflict=return)).
  returned: always
  type: bool
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.ops.runbooks.plugins.module_utils.common import OpsRunbooksAWSModule
from ansible_collections.ops.runbooks.plugins.module_utils.errors import Conflict
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import WaitTimeout
from ansible_collections.ops.runbooks.plugins.module_utils.errors import check_range
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error
from ansible_collections.ops.runbooks.plugins.module_utils.errors import one_line
from ansible_collections.ops.runbooks.plugins.module_utils.records import read
from ansible_collections.ops.runbooks.plugins.module_utils.records import write
from ansible_collections.ops.runbooks.plugins.module_utils.waiting import poll

READ_BACK_SECONDS = 1
CLAIM_ATTEMPTS = 5  # reads and conditional writes of a claim or release before it gives up (a record in a write storm)
MAX_KEY_BYTES = 2048  # DynamoDB's limit for a partition key value

ARGUMENT_SPEC = dict(
    table=dict(type="str", required=True),
    key=dict(type="str", required=True, no_log=False),
    state=dict(type="str", choices=["read", "present"], default="read"),
    record=dict(type="dict"),
    revision=dict(type="int"),
    on_conflict=dict(type="str", choices=["fail", "return"], default="fail"),
    claim=dict(type="str"),
    release=dict(type="str"),
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=30),
)


def toggle_notified(ddb, table, key, params, stored, revision, check_mode):
    """Claim (add) or release (remove) a name of the record's ``notified`` list: ``(done, record, revision)``.

    ``stored`` and ``revision``: what main() read. Based on ``record`` when ``revision`` still is the stored revision,
    else on the stored record; a conditional write
    that loses a race is read again and decided again, at most CLAIM_ATTEMPTS times. A lost answer retried by the
    client meets its own write: the read-back recognizes it."""
    name, adding = (params["claim"], True) if params["claim"] is not None else (params["release"], False)
    given = params["record"] is not None and params["revision"] is not None and params["revision"] == revision
    base = params["record"] if given or stored is None else stored
    for _attempt in range(CLAIM_ATTEMPTS):
        if base is None:
            raise InvalidInput("record: there is no record %s to %s a notification in - give the record"
                               % (key, "claim" if adding else "release"))
        notified = list(base.get("notified") or [])
        if (name in notified) == adding:  # claimed before, or nothing to release
            return False, stored if stored is not None else base, revision
        wanted = dict(base, notified=notified + [name] if adding else [n for n in notified if n != name])
        if check_mode:
            return True, wanted, revision + 1
        if write(ddb, table, key, wanted, revision + 1, revision):
            return True, wanted, revision + 1
        stored, now = read(ddb, table, key)
        if (stored, now) == (wanted, revision + 1):
            return True, wanted, now
        base, revision = stored, now
    raise Conflict("%s: the record %s changed on each of %d attempts - other jobs keep writing it; run again" % (
        "claim" if adding else "release", key, CLAIM_ATTEMPTS))


def check_params(params):
    if not params["table"].strip():
        raise InvalidInput("table: must not be empty")
    if not params["key"].strip():
        raise InvalidInput("key: must not be empty")
    if len(params["key"].encode("utf-8")) > MAX_KEY_BYTES:
        raise InvalidInput("key: %d bytes is longer than a DynamoDB partition key may be (%d)"
                           % (len(params["key"].encode("utf-8")), MAX_KEY_BYTES))
    check_range("revision", params["revision"], 0)
    check_range("wait_timeout", params["wait_timeout"], 0)
    for option in ("claim", "release"):
        if params[option] is not None and not params[option].strip():
            raise InvalidInput("%s: must not be empty" % option)
    if params["record"] is not None:
        try:
            json.dumps(params["record"], sort_keys=True)
        except (TypeError, ValueError) as e:
            raise InvalidInput("record: not JSON-serializable (%s)" % e) from None


def wait_for_revision(ddb, table, key, revision, timeout):
    done, _value, _reads = poll(lambda: (read(ddb, table, key)[1] >= revision, None), READ_BACK_SECONDS,
                                timeout=timeout)
    if not done:
        raise WaitTimeout("wait_timeout: the record %s did not show revision %d after %ds" % (key, revision, timeout))


# Options holding resource names, checked as AWS checks them before any call (module_utils/names.py).
RESOURCE_NAMES = {"table": "table"}


def main():
    module = OpsRunbooksAWSModule(resource_names=RESOURCE_NAMES, argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                                  required_if=[("state", "present", ["record", "claim", "release"], True)],
                                  mutually_exclusive=[("claim", "release")])
    params = module.params
    table, key = params["table"], params["key"]
    ddb = module.retrying_client("dynamodb")
    result = dict(changed=False, key=key, found=False, record=None, revision=0, conflict=False)
    with ending_on_error(module, result, "store the incident record %s in %s" % (key, table)):
        check_params(params)
        # 1. What is stored?
        try:
            stored, revision = read(ddb, table, key)
        except is_boto3_error_code("ValidationException") as e:  # a table made for something else
            raise InvalidInput("table: %s refused the key (its partition key must be the string id): %s"
                               % (table, one_line(e, 200))) from None
        result.update(found=stored is not None, record=stored, revision=revision)
        if params["state"] == "read":
            module.exit_json(**result)
        if params["claim"] is not None or params["release"] is not None:
            before = (result["record"] or {}).get("notified") or []
            done, record, revision = toggle_notified(ddb, table, key, params, stored, revision, module.check_mode)
            result.update(changed=done, record=record, revision=revision,
                          **{"claimed" if params["claim"] is not None else "released": done})
            if module._diff:  # pylint: disable=protected-access
                result["diff"] = dict(before={"notified": before}, after={"notified": (record or {}).get("notified")})
            if done and params["wait"] and not module.check_mode:
                wait_for_revision(ddb, table, key, revision, params["wait_timeout"])
            module.exit_json(**result)

        # 2. Based on what the caller read? Another job may have written since.
        wanted = params["record"]
        based_on = params["revision"]
        if based_on is not None and based_on != revision:
            if params["on_conflict"] == "fail":
                raise Conflict("revision: the record %s is at revision %d, not %d - another job wrote it meanwhile; "
                               "read it again" % (key, revision, based_on))
            result.update(conflict=True)
            module.exit_json(**result)
        if stored == wanted:
            module.exit_json(**result)

        # 3. Plan, diff, check mode.
        result.update(changed=True, record=wanted, revision=revision + 1)
        if module._diff:  # pylint: disable=protected-access
            result["diff"] = dict(before=stored or {}, after=wanted)
        if module.check_mode:
            module.exit_json(**result)

        # 4. Write (conditionally), then read back. A lost answer retried by the client meets its own write: that
        # is no conflict.
        if not write(ddb, table, key, wanted, revision + 1, revision if based_on is not None else None):
            now_stored, now_revision = read(ddb, table, key)
            if (now_stored, now_revision) != (wanted, revision + 1):
                if params["on_conflict"] == "fail":
                    raise Conflict("revision: the record %s moved to revision %d while this task wrote it - another "
                                   "job wrote it meanwhile; read it again" % (key, now_revision))
                result.update(changed=False, conflict=True, record=now_stored, revision=now_revision)
                module.exit_json(**result)
        if params["wait"]:
            wait_for_revision(ddb, table, key, revision + 1, params["wait_timeout"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
