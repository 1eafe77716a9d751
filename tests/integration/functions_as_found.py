# -*- coding: utf-8 -*-
"""Functions left as a test found them: a playbook run may roll back an alias (and record it in a tag), repoint an
environment variable of ``$LATEST``, publish a version and move the alias to it, or set a reserved concurrency.

``state`` records a function's alias (version, weights, description), ``$LATEST`` configuration (timeout, memory,
variables), reserved concurrency, versions and tags; ``restore`` puts back what changed and deletes the versions
the run published - never one it found. ``as_found(lam, names)`` does both around a block; the playbook tests'
autouse fixture (playbooks/conftest.py) uses it for the seeded functions, a test of another system for its own.
"""
from __future__ import annotations

import contextlib

import function_tags


def state(lam, name, alias):
    current = lam.get_alias(FunctionName=name, Name=alias)
    config = lam.get_function_configuration(FunctionName=name)
    versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]]
    return {"alias": (current["FunctionVersion"],
                      (current.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {},
                      current.get("Description", "")),
            "config": (config["Timeout"], config["MemorySize"], (config.get("Environment") or {}).get("Variables") or {}),
            "reserved": lam.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions"),
            "versions": versions, "tags": function_tags.tags(lam, name)[1]}


def restore(lam, name, alias, before, after):
    if after["alias"] != before["alias"]:
        version, weights, description = before["alias"]
        lam.update_alias(FunctionName=name, Name=alias, FunctionVersion=version, Description=description,
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


@contextlib.contextmanager
def as_found(lam, names, alias="live"):
    """The functions ``names`` (each with the alias ``alias``) as they were before the block, whatever it did."""
    before = dict((name, state(lam, name, alias)) for name in names)
    try:
        yield
    finally:
        for name in names:
            after = state(lam, name, alias)
            if after != before[name]:
                restore(lam, name, alias, before[name], after)
                assert state(lam, name, alias) == before[name], name
