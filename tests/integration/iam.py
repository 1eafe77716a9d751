# -*- coding: utf-8 -*-
"""The least-privilege policy a module documents, read from its DOCUMENTATION notes (so docs and proof agree)."""
from __future__ import annotations

import importlib
import re

import yaml

_ACTION = re.compile(r"C\(([a-z0-9-]+:[A-Za-z0-9*]+)\)")


def documented_actions(module_name):
    module = importlib.import_module("ansible_collections.ops.runbooks.plugins.modules." + module_name)
    doc = yaml.safe_load(module.DOCUMENTATION)
    notes = [n for n in doc.get("notes", []) if n.startswith("IAM actions")]
    assert notes, "%s documents no IAM actions" % module_name
    actions = []
    for note in notes:
        actions.extend(a for a in _ACTION.findall(note) if a not in actions)
    return actions


def policy(actions):
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]}


# Services whose emulated denial does not name the action (S3 answers a bare "Access Denied", as AWS does).
_UNNAMED = ("s3:",)


def assert_denied(result, missing):
    """The module failed because ``missing`` was not allowed: the message names that action (where the emulator
    names actions) - not merely "some access denied", which an unrelated denial would also produce."""
    assert result.get("failed") is True, "still works without %s" % missing
    message = result["msg"]
    if missing.startswith(_UNNAMED):
        assert "Access Denied" in message or "AccessDenied" in message, (missing, message)
    else:
        assert "not authorized to perform: %s" % missing in message or \
            "not authorized to perform %s" % missing in message, (missing, message)
