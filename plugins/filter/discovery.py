# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter ``ops.runbooks.inventory_drift``: the inventory's names against what ``ops.runbooks.resource_discovery``
found, both ways - a name the inventory gives that the sources do not hold (stale: a redeploy changed it, or the
resource is gone) and a resource the sources hold that the inventory does not name (no role checks it)."""

from __future__ import annotations

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


class FilterModule:
    def filters(self):
        return returning_data({"inventory_drift": inventory_drift})
