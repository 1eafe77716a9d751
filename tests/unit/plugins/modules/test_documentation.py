# -*- coding: utf-8 -*-
"""Every module's DOCUMENTATION, EXAMPLES and RETURN parse as YAML, and name their IAM actions."""
from __future__ import annotations

import glob
import importlib
import os

import pytest
import yaml

MODULES = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "..", "plugins", "modules", "*.py")) if not p.endswith("__init__.py"))


@pytest.mark.parametrize("name", MODULES)
def test_documentation_parses_and_lists_iam_actions(name):
    module = importlib.import_module("ansible_collections.ops.runbooks.plugins.modules." + name)
    doc = yaml.safe_load(module.DOCUMENTATION)
    yaml.safe_load(module.EXAMPLES)
    returns = yaml.safe_load(module.RETURN)
    assert doc["module"] == name
    # a ": " inside a plain YAML scalar silently turns a sentence into a mapping: every description is text
    _assert_text(doc["description"], "description")
    for option, spec in _options(doc.get("options", {})):
        _assert_text(spec.get("description"), option)
    if _is_aws(doc):
        assert any(n.startswith("IAM actions (least privilege):") for n in doc["notes"])
    for key, spec in _returns(returns):
        assert set(spec) <= {"description", "returned", "type", "elements", "contains", "sample"}, (key, spec)
        _assert_text(spec.get("description"), key)


def test_every_module_is_in_the_aws_action_group():
    root = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..")
    with open(os.path.join(root, "meta", "runtime.yml"), encoding="utf-8") as fh:
        group = yaml.safe_load(fh)["action_groups"]["aws"]
    aws_modules = [m for m in MODULES if _is_aws(yaml.safe_load(importlib.import_module(
        "ansible_collections.ops.runbooks.plugins.modules." + m).DOCUMENTATION))]
    assert sorted(m for m in group if isinstance(m, str)) == aws_modules


def _assert_text(value, where):
    for item in value if isinstance(value, list) else [value]:
        assert isinstance(item, str), "%s: description item is %r, not text" % (where, item)


def _options(options, prefix=""):
    for name, spec in options.items():
        yield prefix + name, spec
        yield from _options(spec.get("suboptions", {}), prefix + name + ".")


def _returns(returns, prefix=""):
    for name, spec in returns.items():
        yield prefix + name, spec
        yield from _returns(spec.get("contains") or {}, prefix + name + ".")


def _is_aws(doc):
    return "amazon.aws.common.modules" in doc.get("extends_documentation_fragment", [])
