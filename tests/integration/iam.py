# -*- coding: utf-8 -*-
"""The least-privilege policy a module documents, read from its DOCUMENTATION notes (so docs and proof agree)."""
from __future__ import annotations

import glob
import importlib
import json
import os
import re

import yaml

_ACTION = re.compile(r"C\(([a-z0-9-]+:[A-Za-z0-9*]+)\)")


def documented_actions(module_name, required=True):
    module = importlib.import_module("ansible_collections.ops.runbooks.plugins.modules." + module_name)
    doc = yaml.safe_load(module.DOCUMENTATION)
    notes = [n for n in doc.get("notes", []) if n.startswith("IAM actions")]
    assert notes or not required, "%s documents no IAM actions" % module_name
    actions = []
    for note in notes:
        actions.extend(a for a in _ACTION.findall(note) if a not in actions)
    return actions


def policy(actions):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]}


# Services whose emulated denial does not name the action (S3 answers a bare "Access Denied", as AWS does).
_UNNAMED = ("s3:",)


class ModuleResult(dict):
    """A module's result that knows which module gave it (``run_module_iam``), so that a proof names its module."""

    def __init__(self, module, result):
        super().__init__(result)
        self.module = module


# Where each proof is written (one file per test process; the session of make test-iam sums them up).
PROOFS_ENV = "OPS_RUNBOOKS_IAM_PROOFS"


def _record(module, action):
    directory = os.environ.get(PROOFS_ENV)
    if not directory or not module:
        return
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "proofs-%d.jsonl" % os.getpid()), "a", encoding="utf-8") as out:
        out.write(json.dumps({"module": module, "action": action}) + "\n")


def proven(directory):
    """The (module, action) pairs proven needed by the runs whose files are in ``directory``."""
    found = set()
    for name in glob.glob(os.path.join(directory, "proofs-*.jsonl")):
        with open(name, encoding="utf-8") as lines:
            found.update((p["module"], p["action"]) for p in map(json.loads, lines))
    return found


def every_documented_action(modules_dir):
    """(module, action) for every IAM action every module of ``modules_dir`` documents."""
    names = sorted(os.path.basename(f)[:-3] for f in glob.glob(os.path.join(modules_dir, "*.py"))
                   if not os.path.basename(f).startswith("_"))
    return set((n, a) for n in names for a in documented_actions(n, required=False))


def _names_denial(text, missing):
    """Whether ``text`` shows the denial of ``missing``: the action named, or S3's bare "Access Denied"."""
    if missing.startswith(_UNNAMED):
        return "Access Denied" in text or "AccessDenied" in text
    return "not authorized to perform: %s" % missing in text or "not authorized to perform %s" % missing in text


def assert_denied(result, missing):
    """The module failed because ``missing`` was not allowed: the message names that action (where the emulator
    names actions) - not merely "some access denied", which an unrelated denial would also produce. A proof that
    holds is recorded (module, action) for the coverage of make test-iam."""
    assert result.get("failed") is True, "still works without %s" % missing
    assert _names_denial(result["msg"], missing), (missing, result["msg"])
    _record(getattr(result, "module", None), missing)


def assert_denial_shown(result, missing):
    """The run shows the denial of ``missing`` - in a check's reason, a resource's error or the message: the modules
    that report a denial per resource (a check ``unknown``) instead of failing. Recorded like ``assert_denied``."""
    text = json.dumps(dict(result))
    assert _names_denial(text, missing), (missing, text[:2000])
    _record(getattr(result, "module", None), missing)
