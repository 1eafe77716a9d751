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


def test_the_fleet_inventory_gives_every_host_its_own_label_account_and_stage():
    """inventories/fleet: one host per environment/account/region, run on the controller, each reaching its account
    through its own role; the templated settings as a play sees them (ansible's debug over all hosts)."""
    out = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible"), "all:!data_readiness", "-i",
         os.path.join(ROOT, "inventories", "fleet"), "-o", "-m", "ansible.builtin.debug", "-a",
         "msg={{ {'env': ops_runbooks_environment, 'aws': ops_runbooks_aws_module_defaults, 'stage': ops_runbooks_api_stage,"
         " 'url': health_check_http_endpoints[0].url, 'prod': ops_runbooks_production | default(false),"
         " 'role': ops_runbooks_aws_assume_role_arn, 'conn': ansible_connection, 'tables': ops_runbooks_tables,"
         " 'checks': health_check_checks} }}"],
        capture_output=True, text=True, check=True, env=dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg")))
    found = {}
    for line in out.stdout.splitlines():
        host, _sep, rest = line.partition(" | SUCCESS => ")
        found[host] = json.loads(rest)["msg"]
    assert set(found) == {"dev-eu-central-1", "staging-eu-central-1", "production-eu-central-1", "production-us-east-1"}
    assert len({v["env"] for v in found.values()}) == 4  # the label names each host's reports
    assert all(v["env"] == host and v["conn"] == "local" and len(v["tables"]) == 5 for host, v in found.items())
    assert found["production-us-east-1"]["aws"] == {"region": "us-east-1"}  # real AWS: no endpoint, no keys
    assert found["dev-eu-central-1"]["aws"] == {"region": "eu-central-1"}
    assert found["staging-eu-central-1"]["url"] == "https://api.staging.ai-investment.com/health"
    assert sorted(h for h, v in found.items() if v["prod"]) == ["production-eu-central-1", "production-us-east-1"]
    assert all("host" not in v["checks"] and "identity" in v["checks"] for v in found.values())  # not the controller's
    assert all(v["role"].startswith("arn:aws:iam::") and v["role"].endswith(":role/ops-runbooks") for v in found.values())
