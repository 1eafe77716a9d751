# -*- coding: utf-8 -*-
"""Every documented option of every module is exercised by some test (its name appears as an argument key).

A few are deliberately left to other layers; each exception says why. A new option without a test fails here.
"""
from __future__ import annotations

import ast
import glob
import os

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
MODULES = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(ROOT, "plugins", "modules", "*.py")))

# Options shared through doc fragments or set for every run by the test harness, and deliberate exceptions.
EXCEPTIONS = {
    # The AWS connection options of amazon.aws's fragments: every integration test passes them (run_module).
    "*": {"access_key", "secret_key", "endpoint_url", "region", "profile", "session_token", "aws_ca_bundle",
          "aws_config", "debug_botocore_endpoint_logs", "validate_certs", "assume_role_arn"},
    "warn": set(),
}


def _documentation(module):
    return yaml.safe_load(__import__("ansible_collections.ops.runbooks.plugins.modules." + module,
                                     fromlist=["DOCUMENTATION"]).DOCUMENTATION)


def _fragment_options(name):
    """The options of one of this collection's doc fragments (``ops.runbooks.<file>[.<variable>]``)."""
    parts = name.split(".")[2:]
    fragment = __import__("ansible_collections.ops.runbooks.plugins.doc_fragments." + parts[0],
                          fromlist=["ModuleDocFragment"]).ModuleDocFragment
    text = getattr(fragment, parts[1].upper()) if len(parts) > 1 else fragment.DOCUMENTATION
    return yaml.safe_load(text).get("options") or {}


def _options(module):
    """Every documented option by its path (``metrics.no_data``), the collection's doc-fragment options included
    (amazon.aws's connection fragments are the harness's, EXCEPTIONS["*"])."""
    doc = _documentation(module)
    options = dict(doc.get("options") or {})
    for name in doc.get("extends_documentation_fragment") or []:
        if name.startswith("ops.runbooks."):
            options.update(_fragment_options(name))
    found = []

    def walk(level, prefix):
        for name, spec in (level or {}).items():
            found.append(prefix + name)
            walk(spec.get("suboptions"), prefix + name + ".")

    walk(options, "")
    return found


def _paths_of(node):
    """The key paths a Python expression writes: a dict literal's keys, ``dict(x, key=...)``'s keywords, each
    key's own keys below it (through lists)."""
    if isinstance(node, ast.Dict):
        found = set()
        for key, value in zip(node.keys, node.values):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                found.add(key.value)
                found.update(key.value + "." + p for p in _paths_of(value))
        return found
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        found = set()
        for keyword in node.keywords:
            if keyword.arg:
                found.add(keyword.arg)
                found.update(keyword.arg + "." + p for p in _paths_of(keyword.value))
        for arg in node.args:
            found.update(_paths_of(arg))
        return found
    if isinstance(node, (ast.List, ast.Tuple)):
        return set(p for element in node.elts for p in _paths_of(element))
    return set()


def _yaml_paths(value):
    if isinstance(value, dict):
        return set(k for k in value if isinstance(k, str)) | set(
            "%s.%s" % (k, p) for k, v in value.items() if isinstance(k, str) for p in _yaml_paths(v))
    if isinstance(value, list):
        return set(p for v in value for p in _yaml_paths(v))
    return set()


def _module_calls(value, module):
    """The arguments of every task in ``value`` (a YAML document) that calls the module."""
    if isinstance(value, dict):
        for key, sub in value.items():
            if key == "ops.runbooks.%s" % module and isinstance(sub, dict):
                yield sub
            else:
                yield from _module_calls(sub, module)
    elif isinstance(value, list):
        for sub in value:
            yield from _module_calls(sub, module)


def _test_paths(module):
    """The option paths the happy-path tests of a module pass: its own test files (and its unit tests), the fault
    matrix and the soak, and the role tasks and molecule files that call it (the bad-input corpus does not count:
    a rejected value is no proof the option works). Python: every dict literal's key paths; YAML: the paths of the
    arguments of each task calling the module."""
    python = glob.glob(os.path.join(ROOT, "tests", "integration", "modules", "test_%s.py" % module)) + \
        glob.glob(os.path.join(ROOT, "tests", "integration", "modules", "test_%s_*.py" % module)) + \
        glob.glob(os.path.join(ROOT, "tests", "unit", "plugins", "modules", "test_%s_logic.py" % module)) + \
        glob.glob(os.path.join(ROOT, "tests", "unit", "plugins", "action", "test_%s.py" % module)) + \
        glob.glob(os.path.join(ROOT, "tests", "integration", "modules", "test_fault_matrix.py")) + \
        glob.glob(os.path.join(ROOT, "tests", "integration", "soak", "test_soak.py"))
    found = set()
    for path in python:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            found.update(_paths_of(node))
    for path in glob.glob(os.path.join(ROOT, "roles", "*", "tasks", "*.yml")) + \
            glob.glob(os.path.join(ROOT, "extensions", "molecule", "*", "*.yml")):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if "ops.runbooks.%s:" % module in text:
            for call in _module_calls(yaml.safe_load(text), module):
                found.update(_yaml_paths(call))
    return found


@pytest.mark.parametrize("module", MODULES)
def test_every_documented_option_is_exercised(module):
    """Each option's whole path (``metrics.no_data``: a key no_data inside metrics) appears in a test's arguments
    or a role task's arguments for the module."""
    passed, missing = _test_paths(module), []
    for option in _options(module):
        if option.rsplit(".", 1)[-1] in EXCEPTIONS["*"] and "." not in option or option in EXCEPTIONS.get(module, set()):
            continue
        if option not in passed:
            missing.append(option)
    assert missing == [], "options of %s that no test exercises: %s" % (module, ", ".join(missing))


def test_the_paths_are_read_from_python_and_yaml():
    tree = ast.parse("run({'metrics': [{'no_data': 'pass'}], 'fail_on': 'never'}, dict(args, wait=True))")
    assert set().union(*(_paths_of(n) for n in ast.walk(tree))) >= {"metrics", "metrics.no_data", "fail_on", "wait"}
    assert _yaml_paths({"metrics": [{"period": 60}]}) == {"metrics", "metrics.period"}
    assert "fail_on" in _options("lambda_state")  # from the doc fragment ops.runbooks.checks
