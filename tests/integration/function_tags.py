# -*- coding: utf-8 -*-
"""A function's tags, read and put back: a rollback records itself in a tag of its function
(``ops.runbooks:rollback:<alias>``, module lambda_rollback), and a test that rolls back a seeded function leaves
its tags as it found them."""
from __future__ import annotations


def tags(lam, name):
    arn = lam.get_function_configuration(FunctionName=name)["FunctionArn"]
    return arn, dict(lam.list_tags(Resource=arn).get("Tags") or {})


def put_back(lam, name, before):
    """The function's tags as ``before`` (``tags()``'s second value): added keys removed, changed ones rewritten."""
    arn, now = tags(lam, name)
    added = [key for key in now if key not in before]
    if added:
        lam.untag_resource(Resource=arn, TagKeys=added)
    changed = dict((key, value) for key, value in before.items() if now.get(key) != value)
    if changed:
        lam.tag_resource(Resource=arn, Tags=changed)
