# -*- coding: utf-8 -*-
"""caller_account (an action plugin: it runs in ansible, not as a module process) against the emulator: the account of
the credentials it is given, and no IAM permission needed for it - AWS lets every principal ask who it is."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
pytestmark = pytest.mark.moto_only("least-privilege proof: LocalStack's community edition does not enforce IAM")


def _ask(box, credentials, **more):
    args = dict({"region": "eu-central-1", "endpoint_url": box.endpoint_url,
                 "access_key": credentials["aws_access_key_id"],
                 "secret_key": credentials["aws_secret_access_key"]}, **more)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
               ANSIBLE_STDOUT_CALLBACK="json", ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".build", "collections"))
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible"), "localhost", "-c", "local",
                           "-m", "ops.runbooks.caller_account", "-a", json.dumps(args)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False)
    [host] = [h for p in json.loads(proc.stdout)["plays"] for t in p["tasks"] for h in t["hosts"].values()]
    return host


def test_the_account_of_any_principal_needs_no_permission(iam_sandbox):
    nobody = iam_sandbox.iam_user({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sqs:ListQueues", "Resource": "*"}]})
    answer = _ask(iam_sandbox, nobody)
    assert not answer.get("failed"), answer
    assert answer["account"] == "123456789012" and answer["arn"].startswith("arn:aws:iam::123456789012:user/")


def test_a_clash_of_aliases_is_named_and_a_dead_endpoint_costs_seconds(iam_sandbox):
    clash = _ask(iam_sandbox, iam_sandbox.admin_credentials, aws_access_key_id="other")
    assert clash["failed"] is True and "access_key: given twice" in clash["msg"]
    dead = _ask(iam_sandbox, iam_sandbox.admin_credentials, endpoint_url="http://127.0.0.1:9")
    assert dead["failed"] is True and dead["msg"].startswith("STS GetCallerIdentity failed: Could not connect")
