# -*- coding: utf-8 -*-
"""Jobs run exactly as AWX runs them: ``ansible_runner.run()`` on a private data directory whose ``project/`` is a
fresh copy of the repository (no ``.build``, nothing linked), with collections installed only by
``ansible-galaxy collection install -r collections/requirements.yml`` (the project update) into the job's
``requirements_collections``; credentials in ``env/envvars``, survey answers - strings - in ``env/extravars``.

Galaxy is not reachable here: the dependencies (amazon.aws, community.aws, community.postgresql) are resolved,
offline, from the collections of the ``ansible`` package - the role the execution environment's image plays in AWX.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid

import pytest
import seed

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BIN = os.path.dirname(sys.executable)

ansible_runner = pytest.importorskip("ansible_runner")

pytestmark = pytest.mark.moto_only("the jobs run the full playbooks (Lambda, DynamoDB, RDS): moto's services")


def _image_collections():
    """Where the ``ansible`` package keeps its collections: stands in for the EE image's collections."""
    import ansible_collections.amazon  # noqa: F401  pylint: disable=import-outside-toplevel
    return os.path.dirname(os.path.dirname(ansible_collections.amazon.__path__[0]))


def _clean_env():
    env = dict(os.environ)
    for key in ("ANSIBLE_CONFIG", "ANSIBLE_COLLECTIONS_PATH", "PYTHONPATH", "OPS_RUNBOOKS_REPORTS_DIR"):
        env.pop(key, None)
    return env


@pytest.fixture(scope="module")
def project_update(tmp_path_factory):
    """AWX's project update: the repository's files (as a clone has them) and the collections its
    requirements file installs."""
    base = tmp_path_factory.mktemp("awx-project")
    project, collections = base / "project", base / "requirements_collections"
    project.mkdir()
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.split(b"\0")
    subprocess.run(["cp", "--parents", "-t", str(project)] + [f.decode() for f in files if f], cwd=ROOT, check=True)
    for path in (".build", "inventories/local/group_vars/all/sandbox.yml", "reports"):
        assert not (project / path).exists(), path  # nothing pre-linked, no sandbox state
    env = dict(_clean_env(), ANSIBLE_COLLECTIONS_PATH=_image_collections())
    proc = subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "-r",
                           "collections/requirements.yml", "-p", str(collections), "--offline"],
                          cwd=project, env=env, capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (collections / "ansible_collections" / "ops" / "runbooks" / "roles" / "health_check").is_dir()
    return project, collections


@pytest.fixture
def job(sandbox, project_update, tmp_path, monkeypatch):
    """Run one playbook as an AWX job in a fresh private data directory; returns (runner, artifact_data, pdd)."""
    project, collections = project_update
    monkeypatch.setenv("PATH", BIN + os.pathsep + os.environ["PATH"])  # the EE's ansible-playbook

    def run(playbook, survey=None, check=False):
        pdd = tmp_path / ("job-" + uuid.uuid4().hex[:8])
        (pdd / "env").mkdir(parents=True)
        os.symlink(project, pdd / "project")
        shutil.copytree(collections, pdd / "requirements_collections", symlinks=True)
        details = {k: v for k, v in sandbox.details().items()
                   if k not in ("sandbox_aws_access_key", "sandbox_aws_secret_key", "sandbox_reports_dir")}
        # Survey answers arrive as strings; the connection to the sandbox stands in for the inventory's real one.
        (pdd / "env" / "extravars").write_text(json.dumps(dict(details, **(survey or {}))))
        creds = sandbox.admin_credentials
        (pdd / "env" / "envvars").write_text(json.dumps({
            "AWS_ACCESS_KEY_ID": creds["aws_access_key_id"], "AWS_SECRET_ACCESS_KEY": creds["aws_secret_access_key"],
            "ANSIBLE_COLLECTIONS_PATH": "%s:%s" % (pdd / "requirements_collections", _image_collections()),
            "ANSIBLE_NOCOLOR": "1"}))
        runner = ansible_runner.run(private_data_dir=str(pdd), playbook=playbook,
                                    inventory=str(project / "inventories" / "local"), quiet=True,
                                    cmdline="--check" if check else None, envvars=None,
                                    extravars=None, timeout=600)
        [stats] = [e["event_data"] for e in runner.events if e.get("event") == "playbook_on_stats"]
        runner.output = runner.stdout.read()
        return runner, stats.get("artifact_data", {}), pdd

    return run


def test_a_read_only_job_finds_the_roles_fails_on_the_seeded_problems_and_keeps_its_results(job):
    runner, artifacts, pdd = job("playbooks/daily_health.yml", {"health_check_fail_on_failure": "true"})
    assert "was not found" not in runner.output, runner.output[-2000:]
    assert runner.status == "failed" and runner.rc == 2, runner.output[-2000:]
    assert runner.stats["changed"] == {} and runner.stats["failures"] == {"localhost": 1}  # read only: changed=0
    report = artifacts["ops_runbooks_reports"]["daily_health"]
    assert report["summary"]["fail"] == 3 and report["plan"] is False
    assert {(f["resource"], f["check"]) for f in report["failed"]} >= {("cloudwatch", "alarms in ALARM")}
    assert any(f["reason"].startswith("ai-investment-score-errors in ALARM (of ") for f in report["failed"])
    # The reports went to the job's own directory (the artifact dir), not a path beside the inventory.
    assert report["path"].startswith(str(pdd / "artifacts")), report["path"]
    assert os.path.isfile(report["path"]) and os.path.isfile(report["json_path"])
    assert "3 check(s) failed: cloudwatch | alarms in ALARM | ai-investment-score-errors in ALARM (of " in runner.output


def test_a_check_mode_job_writes_a_plan_report(job):
    runner, artifacts, _pdd = job("playbooks/daily_health.yml", {"health_check_fail_on_failure": "false"},
                                  check=True)
    assert runner.status == "successful" and runner.stats["changed"] == {}, runner.output[-2000:]
    report = artifacts["ops_runbooks_reports"]["daily_health"]
    assert report["plan"] is True and report["path"].endswith("daily_health-local-plan.md")
    with open(report["path"], encoding="utf-8") as fh:
        assert fh.readline().startswith("# Plan (check mode, nothing changed): ")


def test_two_incident_jobs_in_fresh_directories_notify_once(sandbox, job):
    sqs, sns = sandbox.client("sqs"), sandbox.client("sns")
    url = sqs.create_queue(QueueName="awx-inbox-" + uuid.uuid4().hex[:6])["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = [t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(":" + seed.TOPIC)][0]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    title = "AWX job %s" % uuid.uuid4().hex[:6]
    survey = {"incident_response_severity": "P1", "incident_response_title": title, "incident_response_resolve": "false",
              "ops_runbooks_confirm": "false"}
    first, first_artifacts, first_dir = job("playbooks/incident.yml", survey)
    second, second_artifacts, second_dir = job("playbooks/incident.yml", survey)
    assert first.status == "successful" and second.status == "successful", first.output[-1500:] + second.output[-1500:]
    assert first_dir != second_dir
    messages = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60).get("Messages", [])
        if not got:
            break
        messages += [json.loads(m["Body"])["Message"] for m in got]
    assert len([m for m in messages if title in m]) == 1, messages
    assert first_artifacts["ops_runbooks_incident"]["notified_now"] == ["P1"]
    assert second_artifacts["ops_runbooks_incident"]["notified_now"] == []
    assert second_artifacts["ops_runbooks_incident"]["record"]["notified"] == ["P1"]
    assert second_artifacts["ops_runbooks_incident"]["stored_in"] == "dynamodb:" + seed.INCIDENT_TABLE


def _nobody_can_run_python():
    if os.geteuid() != 0 or not shutil.which("runuser"):
        return "not root: the jobs above already ran as a non-root user"
    probe = subprocess.run(["runuser", "-u", "nobody", "--", sys.executable, "-c", "import ansible_runner"],
                           capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return "this machine's Python is not readable by another user (%s)" % probe.stderr.strip()[:120]
    return None


@pytest.mark.skipif(_nobody_can_run_python() is not None, reason=str(_nobody_can_run_python()))
def test_a_job_as_a_non_root_user_writes_its_reports(sandbox, project_update, tmp_path):
    """AWX's EE runs jobs as a non-root user: the reports land in the job's directory, never in /reports."""
    pdd = tmp_path / "job-nobody"
    (pdd / "env").mkdir(parents=True)
    shutil.copytree(project_update[0], pdd / "project", symlinks=True)
    shutil.copytree(project_update[1], pdd / "requirements_collections", symlinks=True)
    (pdd / "env" / "extravars").write_text(json.dumps(dict(sandbox.details(), health_check_fail_on_failure="false")))
    (pdd / "env" / "envvars").write_text(json.dumps({"ANSIBLE_COLLECTIONS_PATH": "%s:%s" % (
        pdd / "requirements_collections", _image_collections())}))
    subprocess.run(["chown", "-R", "nobody", str(tmp_path)], check=True)
    code = ("import ansible_runner, sys; r = ansible_runner.run(private_data_dir=%r, playbook='playbooks/daily_health.yml',"
            " inventory=%r, quiet=True); sys.exit(0 if r.status == 'successful' else 1)"
            % (str(pdd), str(pdd / "project" / "inventories" / "local")))
    env = dict(_clean_env(), PATH=BIN + os.pathsep + os.environ["PATH"])
    proc = subprocess.run(["runuser", "-u", "nobody", "--", sys.executable, "-c", code], capture_output=True,
                          text=True, env=env, check=False, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert list((pdd / "artifacts").glob("*/reports/daily_health-local.md"))


def test_an_alarm_launched_job_in_production_changes_nothing_evaluates_nothing_and_holds_the_plan(sandbox, job,
                                                                                                  tmp_path):
    """The EDA controller's launch (extensions/eda/rulebooks/alarm_response_aap.yml): the rule's job_args rendered
    by ansible-rulebook from the event the source makes (CloudWatch's alarm, every string inert), plus ansible_eda
    and the confirm question's default - all extra vars, as AWX passes them with ALLOW_JINJA_IN_EXTRA_VARS=always
    (plain extra vars: the worst case). The alarm is real, its name and description carry Jinja: nothing is
    evaluated. Production (the inventory's flag) without ops_runbooks_alarm_actions: the incident is opened and
    notified, the record holds the rollback plan, the job's role alarm asked CloudWatch itself."""
    import yaml  # pylint: disable=import-outside-toplevel
    from ansible_rulebook.util import substitute_variables  # pylint: disable=import-outside-toplevel
    from ansible_collections.ops.runbooks.plugins.module_utils import alarms  # pylint: disable=import-outside-toplevel

    with open(os.path.join(ROOT, "extensions", "eda", "rulebooks", "alarm_response_aap.yml"), encoding="utf-8") as fh:
        [rule] = [r for r in yaml.safe_load(fh)[0]["rules"] if r["name"] == "Error rate or 5xx alarm - incident"]
    with open(os.path.join(ROOT, "inventories", "shared", "runbook_001_alarms.yml"), encoding="utf-8") as fh:
        catalogue = yaml.safe_load(fh)["ops_runbooks_alarm_catalogue"]
    marker = tmp_path / "evaluated"
    hostile = "{{ lookup('ansible.builtin.pipe', 'touch %s') }}" % marker
    # a function no other test rolls back, and an alarm (runbook 004's error rate) with an incident of its own
    function, name = "ai-investment-ingest-social", "ai-investment-ingest-social-%s-error-rate" % hostile
    sandbox.fire_alarm(name, dimensions={"FunctionName": function}, description=hostile, reason=hostile)
    try:
        notification = {"AlarmName": name, "NewStateValue": "ALARM", "OldStateValue": "OK", "NewStateReason": hostile,
                        "AWSAccountId": "123456789012", "StateChangeTime": "2026-11-23T08:00:00.000+0000",
                        "AlarmArn": "arn:aws:cloudwatch:eu-central-1:123456789012:alarm:" + name,
                        "Trigger": {"MetricName": "Errors", "Namespace": "AWS/Lambda", "Statistic": "SUM",
                                    "Dimensions": [{"name": "FunctionName", "value": hostile}], "Threshold": 5.0}}
        claim = alarms.parse_message(json.dumps(notification))
        found = sandbox.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
        described = alarms.describe(found, "123456789012", "eu-central-1")
        assert alarms.screen(claim, described, "123456789012", "eu-central-1", raw_delivery=True) == ("ok", "")
        event = alarms.event_of(claim, described, alarms.classify(described, catalogue))
        extra = substitute_variables(rule["action"]["run_job_template"]["job_args"]["extra_vars"], {"event": event})
        assert extra["incident_response_resolve"] == "false" and "incident_response_functions" not in extra
        before = sandbox.client("lambda").get_alias(FunctionName=function, Name="live")["FunctionVersion"]
        runner, artifacts, _pdd = job("playbooks/incident.yml", dict(
            extra, ansible_eda={"event": event, "rule": rule["name"]}, ops_runbooks_confirm="false",
            ops_runbooks_production=True, ops_runbooks_alarm_raw_delivery=True))
        assert runner.status == "successful", runner.output[-2000:]
        assert not marker.exists()
        assert sandbox.client("lambda").get_alias(FunctionName=function, Name="live")["FunctionVersion"] == before
        incident = artifacts["ops_runbooks_incident"]
        assert incident["held_back"] == ["rollback"] and incident["changes"] == [] and incident["notified_now"] == ["P2"]
        assert [(p["resource"], p["from"], p["to"]) for p in incident["record"]["plan"]] == [
            (function + ":live", before, str(int(before) - 1))]
    finally:
        sandbox.client("cloudwatch").delete_alarms(AlarmNames=[name])
    assert not marker.exists()


@pytest.mark.parametrize("shape", ["forged recovery", "forged name"])
def test_an_alarm_launched_job_of_a_forged_event_changes_and_resolves_nothing(sandbox, job, shape):
    """The AAP rule's launch of an event CloudWatch does not confirm - an OK while the alarm is in ALARM (the seeded
    score alarm, with its incident open), an alarm the account does not have: the job's role alarm asks CloudWatch
    itself and ends the host; nothing is resolved, opened, rolled back or sent."""
    import yaml  # pylint: disable=import-outside-toplevel
    from ansible_rulebook.util import substitute_variables  # pylint: disable=import-outside-toplevel
    from ansible_collections.ops.runbooks.plugins.module_utils import alarms  # pylint: disable=import-outside-toplevel

    name = "ai-investment-score-errors" if shape == "forged recovery" else "ai-investment-forged-errors"
    state = "OK" if shape == "forged recovery" else "ALARM"
    with open(os.path.join(ROOT, "extensions", "eda", "rulebooks", "alarm_response_aap.yml"), encoding="utf-8") as fh:
        [rule] = [r for r in yaml.safe_load(fh)[0]["rules"]
                  if r["name"] == ("Alarm back to OK - resolve the incident" if state == "OK" else
                                   "Error rate or 5xx alarm - incident")]
    event = alarms.inert({"alarm": {"name": name, "state": state, "previous_state": "ALARM" if state == "OK" else "OK",
                                    "account": "123456789012", "region": "eu-central-1", "at": "2026-11-23T08:00:00.000Z",
                                    "reason": "forged", "episode": "2026-11-23T08:00:00.000Z",
                                    "arn": "arn:aws:cloudwatch:eu-central-1:123456789012:alarm:" + name},
                          "sns": {"topic_arn": "arn:aws:sns:eu-central-1:123456789012:ai-investment-alerts"},
                          "delivery": "sns", "runbook": {"procedure": "incident", "severity": "P2"}})
    extra = substitute_variables(rule["action"]["run_job_template"]["job_args"]["extra_vars"], {"event": event})
    lam, ddb = sandbox.client("lambda"), sandbox.client("dynamodb")
    before = lam.get_alias(FunctionName="ai-investment-score", Name="live")["FunctionVersion"]
    records_before = ddb.scan(TableName="ops-runbooks-incidents")["Items"]
    runner, _artifacts, _pdd = job("playbooks/incident.yml", dict(
        extra, ansible_eda={"event": event, "rule": rule["name"]}, ops_runbooks_confirm="false"))
    assert runner.status == "successful", runner.output[-2000:]
    assert "nothing runs here" in runner.output
    assert lam.get_alias(FunctionName="ai-investment-score", Name="live")["FunctionVersion"] == before
    assert sorted(json.dumps(i, sort_keys=True) for i in ddb.scan(TableName="ops-runbooks-incidents")["Items"]) == \
        sorted(json.dumps(i, sort_keys=True) for i in records_before)  # no record written, resolved or opened
