# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading many resources of one kind in one module run: the batched modules (lambda_state, dynamodb_status,
s3_status, lambda_usage) read each resource in a bounded thread pool and end with one check per resource."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.errors import check_range
from ansible_collections.ops.runbooks.plugins.module_utils.errors import ending_on_error

MAX_CONCURRENCY = 32


def read_concurrently(names, read_one, concurrency, parameter):
    """``{name: read_one(name)}`` for the names (duplicates once, the order given), ``concurrency`` at a time.

    ``read_one`` must not raise for one resource's AWS error (it returns that resource's result with the error):
    one resource never hides the others. ``parameter`` names the option in the messages of bad input.
    """
    if not names:
        raise InvalidInput("%s: name at least one" % parameter)
    check_range("concurrency", concurrency, 1, MAX_CONCURRENCY)
    unique = list(dict.fromkeys(names))
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return dict(zip(unique, pool.map(read_one, unique)))


def end_with_checks(module, result, found, failing):
    """End a batched check module: ``checks`` and ``summary`` in the result, failed when a check failed (and
    ``fail_on`` is ``fail``) with ``"<count> <failing>: <reasons>"``."""
    result.update(checks=found, summary=checks.summarize(found, keys=(checks.PASS, checks.WARN, checks.FAIL,
                                                                      checks.UNKNOWN)))
    failed = [c["reason"] for c in found if c["status"] == checks.FAIL]
    checks.end_module(module, result, failed and "%d %s: %s" % (len(failed), failing, "; ".join(failed)))


def run_batched(module, service, option, action, read_one, judge, failing):
    """The whole run of a batched status module: read every resource ``option`` names (``read_one(client, name)``,
    ``concurrency`` at a time) into the result under ``option``, judge each (``judge(name, state)``: its checks), end
    with the checks (failed, naming them, when one fails and ``fail_on`` is ``fail``). ``action`` names what failed
    when the whole read does ("read the functions")."""
    params, result = module.params, dict(changed=False)
    with ending_on_error(module, result, action):
        client = module.retrying_client(service)
        result[option] = read_concurrently(params[option], lambda name: read_one(client, name), params["concurrency"],
                                           option)
    found = [c for name, state in result[option].items() for c in judge(name, state) if c]
    end_with_checks(module, result, found, failing)
