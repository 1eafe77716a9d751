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
