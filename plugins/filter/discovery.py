# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter ``ops.runbooks.inventory_drift``: the inventory's names against what ``ops.runbooks.resource_discovery``
found, both ways - a name the inventory gives that the sources do not hold (stale: a redeploy changed it, or the
resource is gone) and a resource the sources hold that the inventory does not name (no role checks it)."""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.module_utils.discovery import KINDS
from ansible_collections.ops.runbooks.plugins.plugin_utils.data import returning_data

CHECK = "inventory drift"


def inventory_drift(discovered, declared):
    """Checks of the common model: per kind the inventory declares, each declared name the discovery did not find
    (``fail``), each found resource the inventory does not name (``warn``), and one ``pass`` for the kind when the
    two agree - a kind the inventory names nothing of and the discovery found nothing of is ``skipped``, never a
    pass. ``declared``: ``{kind: [names]}`` (the kinds of ``resource_discovery``, e.g. ``functions``: the inventory's
    ``ops_runbooks_functions``)."""
    if not isinstance(discovered, dict) or not isinstance(declared, dict):
        raise AnsibleFilterError("inventory_drift: give resource_discovery's result and {kind: [names]}")
    unknown = sorted(set(declared) - set(KINDS))
    if unknown:
        raise AnsibleFilterError("inventory_drift: %s: not a kind of resource_discovery (%s)" % (
            ", ".join(unknown), ", ".join(KINDS)))
    made = []
    for kind, names in declared.items():
        if isinstance(names, str) or not isinstance(names or [], list):
            raise AnsibleFilterError("inventory_drift: %s: give a list of names" % kind)
        variable = "ops_runbooks_" + kind
        named, found = list(dict.fromkeys(names or [])), list(discovered.get(kind) or [])
        sources = (discovered.get("sources") or {}).get(kind) or {}
        missing = [n for n in named if n not in found]
        extra = [f for f in found if f not in named]
        made += [checks.make_check(n, CHECK, checks.FAIL, "%s names %s, which the discovery's sources do not hold "
                                   "(renamed by a redeploy, or gone)" % (variable, n), None, "found") for n in missing]
        made += [checks.make_check(f, CHECK, checks.WARN, "%s has %s, which %s does not name: no role checks it" % (
            ", ".join(sources.get(f) or ["the sources"]), f, variable), "found", None) for f in extra]
        if not named and not found:
            made.append(checks.make_check(kind, CHECK, checks.SKIPPED, "%s is empty and the discovery found no %s" % (
                variable, kind.replace("_", " "))))
        elif not missing and not extra:
            made.append(checks.make_check(kind, CHECK, checks.PASS, "the %d %s of %s are the ones discovered" % (
                len(named), kind.replace("_", " "), variable), len(named), len(found)))
    return made


MERGED = ("functions", "tables", "buckets", "log_groups")


def _unique(*lists):
    return list(dict.fromkeys(name for names in lists for name in (names or [])))


def discovered_inventory(discovered, inventory):
    """The inventory variables every role reads, from the inventory's own values and what ``resource_discovery``
    found (``discovered``): the lists are the inventory's names followed by the discovered ones (an explicit list and
    a stack mix); the queues are the discovered queues that are no other queue's dead-letter queue (each queue's
    check reads its DLQ); a single value (the alert topic, the API) is the inventory's, else the one discovered - two
    or more discovered leave it as it is (empty), and ``ambiguous`` says which. ``inventory``: ``{functions, tables,
    buckets, log_groups, queues, alert_topic, api_name}`` (the ``ops_runbooks_`` variables' values)."""
    if not isinstance(discovered, dict) or not isinstance(inventory, dict):
        raise AnsibleFilterError("discovered_inventory: give resource_discovery's result and the inventory's values")
    for kind in MERGED + ("queues",):
        if isinstance(inventory.get(kind), str) or not isinstance(inventory.get(kind) or [], list):
            raise AnsibleFilterError("discovered_inventory: ops_runbooks_%s: give a list of names" % kind)
    result = dict((kind, _unique(inventory.get(kind), discovered.get(kind))) for kind in MERGED)
    dead_letters = set((discovered.get("dead_letter_queues") or {}).values())
    result["queues"] = _unique(inventory.get("queues"), [q for q in discovered.get("queues") or []
                                                         if q not in dead_letters])
    ambiguous = []
    for key, kind, found in (("alert_topic", "topics", discovered.get("topics") or []),
                             ("api_name", "apis", [a.get("name") or a.get("id") for a in discovered.get("apis") or []])):
        result[key] = inventory.get(key) or (found[0] if len(found) == 1 else "")
        if not inventory.get(key) and len(found) > 1:
            ambiguous.append("%s: %d %s discovered (%s); set ops_runbooks_%s" % (
                key, len(found), kind, ", ".join(sorted(found)), key))
    result["ambiguous"] = ambiguous
    return result


SOURCES = {"stacks": list, "tags": dict, "name_prefixes": list}


def discovery_sources(sources):
    """The inventory's ``ops_runbooks_discovery`` as ``resource_discovery`` takes it - ``stacks``, ``tags`` and
    ``name_prefixes``, each present (empty when not given) - and ``named``: whether it names any source at all (the
    one rule for "this inventory discovers its names"). A key that is no source, or a value of the wrong type, is an
    error naming it."""
    if sources in (None, ""):
        sources = {}
    if not isinstance(sources, dict):
        raise AnsibleFilterError("ops_runbooks_discovery: give {stacks: [...], tags: {key: value}, name_prefixes: "
                                 "[...]}, got %s" % type(sources).__name__)
    unknown = sorted(str(k) for k in sources if k not in SOURCES)
    if unknown:
        raise AnsibleFilterError("ops_runbooks_discovery: %s: not a source (%s)" % (
            ", ".join(unknown), ", ".join(SOURCES)))
    result = {}
    for key, kind in SOURCES.items():
        value = sources.get(key) or kind()
        if not isinstance(value, kind):
            raise AnsibleFilterError("ops_runbooks_discovery.%s: give a %s, got %s" % (
                key, "list" if kind is list else "mapping", type(value).__name__))
        result[key] = value
    result["named"] = any(result[key] for key in SOURCES)
    return result


def discovery_failure(discovered):
    """What failed of a discovery, in one line for a stop message (``ops_runbooks_discovery: N source(s) failed -
    reason; reason``), or ``""`` when every source answered."""
    if not isinstance(discovered, dict):
        raise AnsibleFilterError("discovery_failure: give resource_discovery's result")
    reasons = [c.get("reason") or c.get("resource") for c in discovered.get("checks") or []
               if isinstance(c, dict) and c.get("status") == checks.FAIL]
    if discovered.get("failed"):
        reasons.append(discovered.get("msg") or "resource_discovery failed")
    if not reasons:
        return ""
    return "ops_runbooks_discovery: %d source(s) failed - %s" % (len(reasons), "; ".join(str(r) for r in reasons))


def resolved_function(name, known):
    """The function a run names, as the system knows it: ``name`` when it is one of ``known`` (the play's
    ``ops_runbooks_functions``, discovered or typed), else the one known function CloudFormation named after that
    logical id (``<stack>-<name>-<suffix>``: ``ApiHandler`` for ``agenticai-stack-ApiHandler-X1Y2``), else ``name``
    as it is (the module that reads it says whether it exists). Two candidates are an error naming both."""
    if not isinstance(name, str):
        raise AnsibleFilterError("resolved_function: give a function name, got %s" % type(name).__name__)
    if isinstance(known, str) or not isinstance(known or [], list):
        raise AnsibleFilterError("resolved_function: give the known function names as a list")
    if not name or name in (known or []):
        return name
    generated = re.compile(r".+-%s-[A-Za-z0-9]+" % re.escape(name))
    candidates = sorted(k for k in known or [] if isinstance(k, str) and generated.fullmatch(k))
    if len(candidates) > 1:
        raise AnsibleFilterError("%s names %d functions (%s): give the full name" % (
            name, len(candidates), ", ".join(candidates)))
    return candidates[0] if candidates else name


def resolved_functions(entries, known):
    """``entries`` (dicts with ``function_name``, as ``switch_lambda_env``'s) with each ``function_name`` resolved
    by ``resolved_function``; every other key kept."""
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "function_name" in e for e in entries):
        raise AnsibleFilterError("resolved_functions: give a list of entries with a function_name each")
    return [dict(e, function_name=resolved_function(e["function_name"], known)) for e in entries]


class FilterModule:
    def filters(self):
        return returning_data({"inventory_drift": inventory_drift, "discovered_inventory": discovered_inventory,
                               "resolved_function": resolved_function, "resolved_functions": resolved_functions,
                               "discovery_sources": discovery_sources, "discovery_failure": discovery_failure})
