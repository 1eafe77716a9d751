# -*- coding: utf-8 -*-
"""Inventories: every real environment gets the shared runbook 001 resources and its own connection settings."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _hostvars(env):
    out = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), "-i",
                          os.path.join(ROOT, "inventories", env), "--list"], capture_output=True, text=True, check=True,
                         env=dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg")))
    return json.loads(out.stdout)["_meta"]["hostvars"]["localhost"]


@pytest.mark.parametrize("env", ["dev", "staging", "production"])
def test_real_environments_share_runbook_001_resources_and_keep_their_own_settings(env):
    found = _hostvars(env)
    shared = os.path.join(ROOT, "inventories", "shared", "runbook_001_resources.yml")
    assert os.path.realpath(os.path.join(ROOT, "inventories", env, "group_vars", "all", "resources.yml")) == shared
    assert len(found["ops_runbooks_tables"]) == 5 and found["ops_runbooks_lambda_alias"]
    assert found["ops_runbooks_environment"] == env
    assert "endpoint_url" not in found["ops_runbooks_aws_module_defaults"]  # real AWS: the normal credential chain
    assert bool(found.get("ops_runbooks_production")) is (env == "production")
    assert found["ops_runbooks_confirm"] is False
