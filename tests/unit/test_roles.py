# -*- coding: utf-8 -*-
"""Role interfaces: every default documented in meta/argument_specs.yml (in one of the role's entry points) is the one
defaults/main.yml sets."""
from __future__ import annotations

import glob
import os

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLES = sorted(os.path.basename(os.path.dirname(os.path.dirname(p)))
               for p in glob.glob(os.path.join(ROOT, "roles", "*", "meta", "argument_specs.yml")))


def _load(role, *parts):
    path = os.path.join(ROOT, "roles", role, *parts)
    return (yaml.safe_load(open(path)) or {}) if os.path.exists(path) else {}


def _options(role):
    """The options of all the role's entry points (main, and e.g. fleet's summary), by name."""
    options = {}
    for entry in _load(role, "meta", "argument_specs.yml")["argument_specs"].values():
        for name, option in (entry.get("options") or {}).items():
            assert name not in options, "%s: documented in two entry points" % name
            options[name] = option
    return options


@pytest.mark.parametrize("role", ROLES)
def test_argument_spec_documents_every_default(role):
    options = _options(role)
    defaults = _load(role, "defaults", "main.yml")
    assert sorted(set(defaults) - set(options)) == [], "defaults without an argument spec"
    for name, value in defaults.items():
        templated = isinstance(value, str) and "{{" in value
        if templated or options[name].get("required"):
            assert "default" not in options[name], "%s: a templated default is described, not copied" % name
        else:
            assert options[name].get("default") == value, name
        assert name.startswith(role + "_"), "%s: role variables carry the role's name" % name


@pytest.mark.parametrize("role", ROLES)
def test_choices_admit_the_default(role):
    options = _options(role)
    for name, option in options.items():
        if "choices" in option and "default" in option:
            default = option["default"] if isinstance(option["default"], list) else [option["default"]]
            assert set(default) <= set(option["choices"]), name
