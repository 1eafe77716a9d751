# -*- coding: utf-8 -*-
"""The playbook tests share their worker's sandbox: each test leaves the seeded functions as it found them.

A playbook run may roll back an alias (and record it in a tag), repoint ``TABLE_NAME``, set a reserved concurrency or
publish a version. The autouse fixture below records each seeded function's alias (version, weights, description),
``$LATEST`` configuration, reserved concurrency, versions and tags before a test and puts them back after it, so that no test's
outcome depends on which tests ran before it on the same worker (``--dist loadfile`` places files differently from
run to run).
"""
from __future__ import annotations

import function_tags
import pytest
import seed


def _state(lam, name):
    alias = lam.get_alias(FunctionName=name, Name=seed.ALIAS)
    config = lam.get_function_configuration(FunctionName=name)
    versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]]
    return {"alias": (alias["FunctionVersion"], (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {},
                      alias.get("Description", "")),
            "config": (config["Timeout"], config["MemorySize"], (config.get("Environment") or {}).get("Variables") or {}),
            "reserved": lam.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions"),
            "versions": versions, "tags": function_tags.tags(lam, name)[1]}


def _restore(lam, name, before, after):
    if after["alias"] != before["alias"]:
        version, weights, description = before["alias"]
        lam.update_alias(FunctionName=name, Name=seed.ALIAS, FunctionVersion=version, Description=description,
                         RoutingConfig={"AdditionalVersionWeights": weights})
    if after["config"] != before["config"]:
        timeout, memory, variables = before["config"]
        lam.update_function_configuration(FunctionName=name, Timeout=timeout, MemorySize=memory,
                                          Environment={"Variables": variables})
    if after["reserved"] != before["reserved"]:
        if before["reserved"] is None:
            lam.delete_function_concurrency(FunctionName=name)
        else:
            lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=before["reserved"])
    for version in [v for v in after["versions"] if v not in before["versions"]]:
        lam.delete_function(FunctionName=name, Qualifier=version)
    if after["tags"] != before["tags"]:  # a rollback's record (lambda_rollback: a tag of the function)
        function_tags.put_back(lam, name, before["tags"])


@pytest.fixture(autouse=True)
def seeded_functions_as_found(request):
    if "sandbox" not in request.fixturenames:
        yield
        return
    lam = request.getfixturevalue("sandbox").client("lambda")
    before = dict((name, _state(lam, name)) for name in seed.FUNCTIONS)
    yield
    for name in seed.FUNCTIONS:
        after = _state(lam, name)
        if after != before[name]:
            _restore(lam, name, before[name], after)
            assert _state(lam, name) == before[name], name
