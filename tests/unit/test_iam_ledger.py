# -*- coding: utf-8 -*-
"""The IAM ledger (tests/integration/iam_proofs.yml): every Stubber proof it names is a test that exists, and no
module is listed under an action it does not document (make test-iam checks the rest: what was proven)."""
from __future__ import annotations

import os
import re

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LEDGER = os.path.join(ROOT, "tests", "integration", "iam_proofs.yml")
_ACTION = re.compile(r"C\(([a-z0-9-]+:[A-Za-z0-9*]+)\)")


def _documented(module):
    with open(os.path.join(ROOT, "plugins", "modules", module + ".py"), encoding="utf-8") as f:
        source = f.read()
    notes = yaml.safe_load(source.split('DOCUMENTATION = r"""', 1)[1].split('"""', 1)[0]).get("notes", [])
    return set(a for n in notes if n.startswith("IAM actions") for a in _ACTION.findall(n))


def test_every_stubber_proof_names_a_test_that_exists():
    with open(LEDGER, encoding="utf-8") as f:
        ledger = yaml.safe_load(f)
    for module, proofs in ledger["stubber"].items():
        for action, test in proofs.items():
            path, name = test.split("::")
            with open(os.path.join(ROOT, "tests", "unit", "plugins", "modules", path), encoding="utf-8") as f:
                assert re.search(r"^def %s\(" % re.escape(name), f.read(), re.M), (module, action, test)


def test_every_listed_action_is_documented_by_its_module():
    with open(LEDGER, encoding="utf-8") as f:
        ledger = yaml.safe_load(f)
    for part in ("stubber", "aws_side", "unproven"):
        for module, actions in ledger[part].items():
            assert set(actions) <= _documented(module), (part, module, sorted(set(actions) - _documented(module)))
