# -*- coding: utf-8 -*-
"""playbooks/awx_configure.yml without an AWX server (none is reachable here): the playbook runs with stand-in
awx.awx modules that record the arguments they are given, fully templated and looped; each call is then validated
against the real awx.awx module's documentation (``ansible-doc``: option names and aliases, required options,
choices, types), and the objects against each other, the repository and docs/awx.md."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
PLAYBOOK = os.path.join(ROOT, "playbooks", "awx_configure.yml")
ENVIRONMENTS = ["dev", "staging", "production"]

STAND_IN = '''#!/usr/bin/python
import json, os
from ansible.module_utils.basic import AnsibleModule, _load_params
names = [k for k in _load_params() if not k.startswith("_ansible")]
module = AnsibleModule(argument_spec=dict((k, dict(type="raw", no_log=False)) for k in names))
with open(os.environ["AWX_CALLS"], "a") as fh:
    fh.write(json.dumps({"module": "%s", "args": dict((k, module.params[k]) for k in names)}) + "\\n")
module.exit_json(changed=True)
'''


def awx_modules_used():
    with open(PLAYBOOK, encoding="utf-8") as fh:
        return sorted(set(re.findall(r"^\s+(awx\.awx\.[a-z_]+):", fh.read(), re.M)))


def real_collections():
    import ansible_collections.amazon  # noqa: F401  pylint: disable=import-outside-toplevel
    return os.path.dirname(os.path.dirname(ansible_collections.amazon.__path__[0]))


@pytest.fixture(scope="module")
def calls(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("awx")
    modules = tmp / "ansible_collections" / "awx" / "awx" / "plugins" / "modules"
    modules.mkdir(parents=True)
    (tmp / "ansible_collections" / "awx" / "awx" / "MANIFEST.json").write_text(json.dumps(
        {"collection_info": {"namespace": "awx", "name": "awx", "version": "0.0.0"}, "file_manifest_file": {}}))
    for fqcn in awx_modules_used():
        (modules / (fqcn.rsplit(".", 1)[1] + ".py")).write_text(STAND_IN % fqcn)
    record = tmp / "calls.jsonl"
    extra = {"awx_project_scm_url": "https://git.example.com/ops/runbooks.git",
             "awx_execution_environment_image": "registry.example.com/ops-runbooks-ee:1",
             "awx_aws_credentials": {e: "AWS " + e for e in ENVIRONMENTS},
             "awx_pg_passwords": {"production": "not-a-real-password"},
             "awx_failure_webhook_url": "https://hooks.example.com/ops"}
    # the json callback prints every task's whole result, the module's arguments included (what AWX stores as job
    # events): a value without no_log shows there
    env = dict(os.environ, AWX_CALLS=str(record), ANSIBLE_COLLECTIONS_PATH="%s:%s" % (tmp, real_collections()),
               ANSIBLE_NOCOLOR="1", ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")
    env.pop("ANSIBLE_CONFIG", None)
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), PLAYBOOK, "-i", "localhost,", "-c", "local",
                           "-e", json.dumps(extra),
                           "-e", "ansible_python_interpreter=" + sys.executable], capture_output=True, text=True, env=env, cwd=ROOT, check=False,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "not-a-real-password" not in proc.stdout + proc.stderr  # no_log
    assert "hooks.example.com" not in proc.stdout + proc.stderr  # the webhook URL is a credential: no_log
    assert "https://git.example.com/ops/runbooks.git" in proc.stdout  # the callback does print arguments
    return [json.loads(line) for line in record.read_text().splitlines()]


def documentation(fqcn):
    proc = subprocess.run([os.path.join(BIN, "ansible-doc"), "-j", fqcn], capture_output=True, text=True, check=True,
                          env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=real_collections()))
    return json.loads(proc.stdout)[fqcn]["doc"]["options"]


TYPES = {"bool": bool, "list": list, "dict": dict, "str": str, "int": int}


def test_the_syntax_check_passes():
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "--syntax-check", PLAYBOOK], capture_output=True,
                          text=True, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_call_is_valid_for_the_real_awx_module(calls):
    docs = {fqcn: documentation(fqcn) for fqcn in awx_modules_used()}
    assert {c["module"] for c in calls} == set(docs)  # every task ran at least once
    for call in calls:
        options = docs[call["module"]]
        names = {alias: name for name, spec in options.items() for alias in [name] + spec.get("aliases", [])}
        for key, value in call["args"].items():
            assert key in names, "%s: no option %s" % (call["module"], key)
            spec = options[names[key]]
            if spec.get("choices") and value is not None:
                assert value in spec["choices"], (call["module"], key, value)
            wanted = TYPES.get(spec.get("type", "str"))
            assert wanted is None or isinstance(value, wanted), (call["module"], key, type(value).__name__)
        for name, spec in options.items():
            assert not spec.get("required") or name in call["args"], "%s: %s is required" % (call["module"], name)


def by_module(calls, name):
    return [c["args"] for c in calls if c["module"] == "awx.awx." + name]


def test_the_objects_fit_together_and_the_repository(calls):
    project = by_module(calls, "project")[0]["name"]
    inventories = {a["name"] for a in by_module(calls, "inventory")}
    assert inventories == {"ops.runbooks " + e for e in ENVIRONMENTS}
    for source in by_module(calls, "inventory_source"):
        assert source["source_project"] == project and source["inventory"] in inventories
        assert os.path.isfile(os.path.join(ROOT, source["source_path"])), source["source_path"]
    templates = {a["name"]: a for a in by_module(calls, "job_template")}
    for template in templates.values():
        assert template["project"] == project and template["inventory"] in inventories
        assert os.path.isfile(os.path.join(ROOT, template["playbook"])), template["playbook"]
        environment = template["inventory"].split()[-1]
        assert "AWS " + environment in template["credentials"]
        assert template["notification_templates_error"] == ["ops.runbooks failures"]
    assert "PostgreSQL production" in templates["Backup verification (production)"]["credentials"]
    assert all(s["unified_job_template"] in templates for s in by_module(calls, "schedule"))
    assert {s["name"] for s in by_module(calls, "schedule")} >= {"Daily health (%s)" % e for e in ENVIRONMENTS}
    [credential_type] = by_module(calls, "credential_type")
    assert credential_type["injectors"] == {"extra_vars": {"vault_ops_runbooks_pg_password": "{{ password }}"}}


def _inputs_of(playbook):
    """The variables a playbook takes: its own vars and the options of the roles it runs (argument_specs)."""
    with open(os.path.join(ROOT, playbook), encoding="utf-8") as fh:
        text = fh.read()
    inputs = {}
    for play in yaml.safe_load(text):
        inputs.update({k: {} for k in play.get("vars", {}) or {}})
    for role in set(re.findall(r"ops\.runbooks\.([a-z_]+)", text)):
        path = os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml")
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as fh:
                inputs.update(yaml.safe_load(fh)["argument_specs"]["main"]["options"])
    inputs["ops_runbooks_confirm"] = {}
    return inputs


def test_every_survey_question_feeds_an_input_of_its_playbook(calls):
    confirming = 0
    for template in by_module(calls, "job_template"):
        questions = template["survey_spec"]["spec"]
        assert template["survey_enabled"] is bool(questions)
        inputs = _inputs_of(template["playbook"])
        for question in questions:
            assert question["variable"] in inputs, (template["name"], question["variable"])
            assert question["type"] in ("text", "textarea", "password", "integer", "float", "multiplechoice",
                                        "multiselect"), question
            if question["type"] in ("multiplechoice", "multiselect"):
                assert question["choices"] and all(isinstance(c, str) for c in question["choices"]), question
                defaults = str(question.get("default", "")).split("\n")  # multiselect: one choice per line
                assert all(d in [""] + question["choices"] for d in defaults), question
                declared = inputs[question["variable"]].get("choices")
                assert not declared or set(question["choices"]) <= set(declared), (question, declared)
            if question["variable"] == "ops_runbooks_confirm":
                confirming += 1
                assert question["default"] == "false" and question["choices"] == ["false", "true"]
                assert template["ask_job_type_on_launch"] is True  # "check" shows the plan without confirming
    # incident, rollback, table restore, backups, restore, queue ops, troubleshooting, maintenance, performance tuning,
    # lockdown, unlock
    assert confirming == 11 * len(ENVIRONMENTS)


def test_docs_awx_lists_the_same_job_templates():
    with open(os.path.join(ROOT, "playbooks", "vars", "awx_objects.yml"), encoding="utf-8") as fh:
        data = {t["name"]: t["playbook"] for t in yaml.safe_load(fh)["awx_job_templates"]}
    with open(os.path.join(ROOT, "docs", "awx.md"), encoding="utf-8") as fh:
        rows = re.findall(r"^\| ([A-Z][^|]+?)(?: \([^)]*\))? \| `(playbooks/[a-z_]+\.yml)` \|", fh.read(), re.M)
    assert dict(rows) == data
