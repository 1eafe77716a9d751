# -*- coding: utf-8 -*-
"""What the modules register for masking (#30): every environment value read (lambda_config, secret_rotate's refresh)
and the secret value being replaced, JSON members too; short values are not registered (they would blank out
ordinary words of the output), query-string tokens of a URL are hidden and registered."""
from __future__ import annotations

import json

from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import mask_environment
from ansible_collections.ops.runbooks.plugins.module_utils.awslambda import secret_values
from ansible_collections.ops.runbooks.plugins.module_utils.http_probe import redact_url
from ansible_collections.ops.runbooks.plugins.module_utils.http_probe import url_secrets


class FakeModule:
    def __init__(self):
        self.no_log_values = set()


def test_every_environment_value_read_is_registered_but_short_flags():
    module = FakeModule()
    mask_environment(module, {"Environment": {"Variables": {"DB_PASSWORD": "pw-sentinel-1", "LOG_LEVEL": "INFO",
                                                            "CONFIG": json.dumps({"token": "tok-sentinel-2"})}}})
    assert module.no_log_values == {"pw-sentinel-1", "tok-sentinel-2", json.dumps({"token": "tok-sentinel-2"})}
    mask_environment(module, None)  # no configuration read: nothing registered, nothing fails


def test_a_json_secret_registers_each_member_and_the_whole():
    value = json.dumps({"username": "app-user", "password": "pw-sentinel-3", "port": 5432})
    assert set(secret_values(value)) == {value, "app-user", "pw-sentinel-3"}
    assert secret_values(None) == [] and secret_values("short") == []


def test_query_tokens_are_hidden_and_registered_other_parameters_kept():
    url = "https://h/x?api_key=key-sentinel-4&page=2&X-Amz-Signature=sig%2Fsentinel&monkey=banana"
    assert redact_url(url) == "https://h/x?api_key=***&page=2&X-Amz-Signature=***&monkey=banana"
    assert set(url_secrets(url)) == {"key-sentinel-4", "sig/sentinel", "sig%2Fsentinel"}
