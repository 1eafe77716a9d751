# -*- coding: utf-8 -*-
"""Every documented option of every module is exercised by some test (its name appears as an argument key).

A few are deliberately left to other layers; each exception says why. A new option without a test fails here.
"""
from __future__ import annotations

import glob
import os
import re

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


def _options(module):
    doc = yaml.safe_load(__import__("ansible_collections.ops.runbooks.plugins.modules." + module,
                                    fromlist=["DOCUMENTATION"]).DOCUMENTATION)
    found = []

    def walk(options, prefix):
        for name, spec in (options or {}).items():
            found.append(prefix + name)
            walk(spec.get("suboptions"), prefix + name + ".")

    walk(doc.get("options"), "")
    return found


def _test_text(module):
    """The happy-path tests of a module: its own test files (an action plugin's unit tests), the fault matrix, and the role tasks and molecule
    files that call it (the bad-input corpus does not count: a rejected value is no proof the option works)."""
    paths = glob.glob(os.path.join(ROOT, "tests", "integration", "modules", "test_%s.py" % module)) + \
        glob.glob(os.path.join(ROOT, "tests", "integration", "modules", "test_%s_*.py" % module)) + \
        glob.glob(os.path.join(ROOT, "tests", "unit", "plugins", "modules", "test_%s_logic.py" % module)) + \
        glob.glob(os.path.join(ROOT, "tests", "unit", "plugins", "action", "test_%s.py" % module)) + \
        glob.glob(os.path.join(ROOT, "tests", "integration", "modules", "test_fault_matrix.py"))
    for path in glob.glob(os.path.join(ROOT, "roles", "*", "tasks", "*.yml")) + \
            glob.glob(os.path.join(ROOT, "extensions", "molecule", "*", "*.yml")):
        if "ops.runbooks.%s:" % module in open(path, encoding="utf-8").read():
            paths.append(path)
    return "\n".join(open(path, encoding="utf-8").read() for path in paths)


@pytest.mark.parametrize("module", MODULES)
def test_every_documented_option_is_exercised(module):
    """The leaf name of each option appears as a key in a test or a role task (``"name":``, ``name=``, ``name:``)."""
    text, missing = _test_text(module), []
    for option in _options(module):
        leaf = option.rsplit(".", 1)[-1]
        if leaf in EXCEPTIONS["*"] or option in EXCEPTIONS.get(module, set()):
            continue
        if not re.search(r"""(["']%s["']\s*:|\b%s=|^\s*%s:)""" % (leaf, leaf, leaf), text, re.MULTILINE):
            missing.append(option)
    assert missing == [], "options of %s that no test exercises: %s" % (module, ", ".join(missing))
