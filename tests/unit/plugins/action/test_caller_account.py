# -*- coding: utf-8 -*-
"""ops.runbooks.caller_account (action plugin): amazon.aws's connection options and aliases taken as module_defaults
bring them, a clash or an unknown option named; the call itself runs against the emulator in every playbook test
(role fleet) and is faulted in tests/integration/playbooks/test_production_is_an_account.py."""
from __future__ import annotations

import pytest

from ansible_collections.ops.runbooks.plugins.action.caller_account import connection


def test_the_inventorys_module_defaults_are_taken_by_their_canonical_names():
    assert connection({"region": "eu-central-1", "endpoint_url": "http://127.0.0.1:5000", "aws_access_key_id": "a",
                       "aws_secret_access_key": "s", "security_token": "t", "aws_profile": "p",
                       "debug_botocore_endpoint_logs": False}) == {
        "region": "eu-central-1", "endpoint_url": "http://127.0.0.1:5000", "access_key": "a", "secret_key": "s",
        "session_token": "t", "profile": "p"}


@pytest.mark.parametrize("args, message", [
    ({"access_key": "a", "aws_access_key_id": "b"}, "access_key: given twice, as access_key and aws_access_key_id"),
    ({"region": "eu-central-1", "colour": "red"}, "unsupported option(s): colour"),
])
def test_a_clash_or_an_unknown_option_is_named(args, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        connection(args)
