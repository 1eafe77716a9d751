# -*- coding: utf-8 -*-
"""Filter ops.runbooks.websocket_diagnosis (runbook 004 P3 "WebSocket Connection Issues")."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.ops.runbooks.plugins.filter.ecs import websocket_diagnosis

# community.aws.ecs_taskdefinition_info answers in snake_case
TD = {"container_definitions": [{"name": "websocket", "port_mappings": [{"container_port": 8080, "protocol": "tcp"}]}]}


def _info(running=2, desired=2, deployments=1, failed=0, events=(), groups=("sg-1",)):
    return {"services": [{"serviceName": "ws", "status": "ACTIVE", "runningCount": running, "desiredCount": desired,
                          "pendingCount": desired - running,
                          "deployments": [{"id": "d-%d" % i, "status": "PRIMARY" if i == 0 else "ACTIVE",
                                           "failedTasks": failed if i == 0 else 0} for i in range(deployments)],
                          "events": [{"message": m} for m in events],
                          "networkConfiguration": {"awsvpcConfiguration": {"securityGroups": list(groups)}}}]}


def _group(port_from=8080, port_to=8080, proto="tcp", cidr="10.0.0.0/16"):
    return {"group_id": "sg-1", "ip_permissions": [{"ip_protocol": proto, "from_port": port_from, "to_port": port_to,
                                                    "ip_ranges": [{"cidr_ip": cidr}]}]}


def _statuses(diagnosis):
    return [(c["check"], c["status"]) for c in diagnosis["findings"]]


def test_a_healthy_service_has_no_plan():
    found = websocket_diagnosis(_info(), "c", "ws", TD, [_group()])
    assert _statuses(found) == [("tasks running", "pass"), ("deployments", "pass"), ("recent events", "pass"),
                                ("security groups", "pass")]
    assert found["plan"] == [] and found["findings"][3]["reason"] == "8080/tcp admitted from 10.0.0.0/16"


def test_too_few_tasks_plans_a_new_deployment_with_the_count_asked_for():
    found = websocket_diagnosis(_info(running=0, desired=1, events=["service ws was unable to place a task"]), "c",
                                "ws", TD, [_group()], [], 2)
    assert ("tasks running", "fail") in _statuses(found) and ("recent events", "warn") in _statuses(found)
    assert found["fixable"] and found["plan"][0]["action"] == "ecs_service_redeploy"
    assert "desired count 1 -> 2" in found["plan"][0]["detail"]


def test_a_port_no_rule_admits_fails_and_the_plan_is_the_rule_not_a_restart():
    found = websocket_diagnosis(_info(), "c", "ws", TD, [_group(port_from=443, port_to=443)])
    assert ("security groups", "fail") in _statuses(found)
    assert not found["fixable"] and found["plan"][0]["action"] == "security group rule (manual)"


@pytest.mark.parametrize("group, admitted", [
    (_group(proto="-1", port_from=None, port_to=None), True),  # all traffic
    (_group(port_from=8000, port_to=9000), True),
    (_group(proto="udp"), False),
    (_group(proto="6"), True),  # protocol by number
])
def test_which_rules_admit_the_port(group, admitted):
    status = dict(_statuses(websocket_diagnosis(_info(), "c", "ws", TD, [group])))["security groups"]
    assert status == ("pass" if admitted else "fail")


def test_what_cannot_be_read_is_unknown_never_pass():
    no_vpc = websocket_diagnosis(_info(groups=()), "c", "ws", TD, [])
    assert dict(_statuses(no_vpc))["security groups"] == "unknown"
    no_ports = websocket_diagnosis(_info(), "c", "ws", {"container_definitions": [{"name": "x"}]}, [_group()])
    assert dict(_statuses(no_ports))["security groups"] == "unknown"
    gone = websocket_diagnosis(_info(), "c", "ws", TD, [])
    assert "sg-1 not found" in gone["findings"][3]["reason"]


def test_a_missing_service_fails_and_plans_nothing():
    found = websocket_diagnosis({"services": []}, "c", "ws")
    assert _statuses(found) == [("service", "fail")] and not found["fixable"]


def test_log_checks_are_taken_as_they_are_and_hostile_event_text_is_data():
    log = {"resource": "/ecs/ws", "check": "log errors", "status": "warn", "reason": "3 ERROR lines"}
    hostile = "{{ lookup('ansible.builtin.pipe', 'id') }} failed"
    found = websocket_diagnosis(_info(events=[hostile]), "c", "ws", TD, [_group()], [log])
    assert found["findings"][-1] is log or found["findings"][-1] == log
    assert hostile in found["findings"][2]["reason"]


def test_bad_input_is_named():
    with pytest.raises(AnsibleFilterError, match="give community.aws.ecs_service_info's result"):
        websocket_diagnosis("x", "c", "ws")
    with pytest.raises(AnsibleFilterError, match="desired_count must be a count"):
        websocket_diagnosis(_info(), "c", "ws", TD, [_group()], [], -1)


def test_the_services_security_groups():
    from ansible_collections.ops.runbooks.plugins.filter.ecs import ecs_security_groups
    assert ecs_security_groups(_info(groups=("sg-1", "sg-2")), "ws") == ["sg-1", "sg-2"]
    assert ecs_security_groups(_info(groups=()), "ws") == [] and ecs_security_groups({"services": []}, "ws") == []
    with pytest.raises(AnsibleFilterError, match="ecs_security_groups: give"):
        ecs_security_groups(None, "ws")
