# -*- coding: utf-8 -*-
"""The reports of a run against one system's sandbox inventory (inventories/local-<system>), read by its tests."""
from __future__ import annotations

import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def inventory(name):
    return os.path.join(ROOT, "inventories", name)


def report(proc, name, environment):
    """The JSON report ``<name>-<environment>.json`` of a run."""
    return json.loads((proc.reports / ("%s-%s.json" % (name, environment))).read_text())


def statuses(found):
    """``{(resource, check): status}`` of a report."""
    return dict(((c["resource"], c["check"]), c["status"]) for c in found["checks"])
