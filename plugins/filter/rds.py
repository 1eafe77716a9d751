# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The judgements of runbook 000 "RDS Snapshot Restore", as filters:

- ``rds_restore_plan``: which snapshot to restore (the one named, verified to be an available snapshot of the
  instance, else the newest available one) and what the new instance is made like (the source instance's class,
  subnet group and security groups unless given);
- ``rds_restore_checks``: what the restore did, from the plan, the target as it was before and as it is after, as
  checks of the common model.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.plugin_utils.data import returning_data

VAR = "backup_restore_rds"
RESTORED_FROM = "ops.runbooks:restored-from"  # the tag a restore leaves on the instance it created


def _list(value, name):
    if isinstance(value, dict):  # a registered info result
        value = value.get(name)
    if not isinstance(value or [], list):
        raise AnsibleFilterError("rds_restore_plan: %s: give a list (the info module's %s)" % (name, name))
    return [v for v in value or [] if isinstance(v, dict)]


def rds_restore_plan(snapshots, source, request):
    """``{target, snapshot, snapshot_time, snapshot_type, db_instance_class, db_subnet_group_name, vpc_security_group_ids,
    engine, sources, error}`` for restoring ``request`` (the role's ``backup_restore_rds``), from the instance's
    snapshots (``amazon.aws.rds_snapshot_info``'s ``snapshots``) and the source instance (``amazon.aws.
    rds_instance_info``'s ``instances``, empty when it is gone). ``error`` says what blocks the restore, naming the
    variable; ``sources`` says where each setting comes from (given / the source instance / the snapshot)."""
    if not isinstance(request, dict):
        raise AnsibleFilterError("rds_restore_plan: give %s (a dict)" % VAR)
    instance = request.get("db_instance_identifier") or ""
    plan = {"target": request.get("target_db_instance_identifier") or "", "snapshot": "", "snapshot_time": "",
            "snapshot_type": "", "db_instance_class": "", "db_subnet_group_name": "", "vpc_security_group_ids": [],
            "engine": "", "sources": {}, "error": ""}
    for key in ("db_instance_identifier", "target_db_instance_identifier"):
        if not isinstance(request.get(key), str) or not request.get(key):
            plan["error"] = "%s.%s: give the instance's identifier" % (VAR, key)
            return plan
    own = [s for s in _list(snapshots, "snapshots") if s.get("db_instance_identifier") in (None, instance)]
    available = [s for s in own if s.get("status") == "available"]
    named = request.get("rds_snapshot_identifier") or ""
    if named:
        found = [s for s in own if s.get("db_snapshot_identifier") == named]
        if not found:
            plan["error"] = "%s.rds_snapshot_identifier: %s is no snapshot of %s (its snapshots: %s)" % (
                VAR, named, instance, ", ".join(sorted(s.get("db_snapshot_identifier") or "?" for s in own)) or "none")
            return plan
        if found[0].get("status") != "available":
            plan["error"] = "%s.rds_snapshot_identifier: %s is %s, not available" % (VAR, named, found[0].get("status"))
            return plan
        chosen, plan["sources"]["snapshot"] = found[0], "given"
    elif not available:
        plan["error"] = "no available snapshot of %s (%d snapshot(s) in another state); name one with %s." \
            "rds_snapshot_identifier" % (instance, len(own), VAR)
        return plan
    else:
        chosen = sorted(available, key=lambda s: str(s.get("snapshot_create_time") or ""))[-1]
        plan["sources"]["snapshot"] = "the newest available"
    plan.update(snapshot=chosen.get("db_snapshot_identifier") or "", snapshot_time=str(chosen.get(
        "snapshot_create_time") or ""), snapshot_type=chosen.get("snapshot_type") or "")
    origin = (_list(source, "instances") or [{}])[0]
    settings = (
        ("db_instance_class", origin.get("db_instance_class"), "the source instance"),
        ("db_subnet_group_name", (origin.get("db_subnet_group") or {}).get("db_subnet_group_name"), "the source instance"),
        ("vpc_security_group_ids", [g.get("vpc_security_group_id") for g in origin.get("vpc_security_groups") or []
                                    if isinstance(g, dict) and g.get("vpc_security_group_id")], "the source instance"),
        ("engine", origin.get("engine") or chosen.get("engine"),
         "the source instance" if origin.get("engine") else "the snapshot"),
    )
    for key, found, where in settings:
        given = request.get(key)
        if given not in (None, "", []):
            plan[key], plan["sources"][key] = given, "given"
        elif found:
            plan[key], plan["sources"][key] = found, where
    if not plan["db_instance_class"]:
        plan["error"] = "%s.db_instance_class: %s no longer exists to take its class from; give the class" % (
            VAR, instance)
    return plan


def rds_restore_checks(plan, before, after, changed=False, check_mode=False):
    """The restore's checks: ``restore`` (what was restored from which snapshot, or that the target existed and was
    left untouched - a target the restore itself made earlier, by its tag, is a pass, any other a warning) and,
    after a restore, ``restored instance`` (its class as planned, its state). ``before``/``after``: the target's
    ``rds_instance_info`` ``instances``."""
    if not isinstance(plan, dict):
        raise AnsibleFilterError("rds_restore_checks: give rds_restore_plan's plan")
    before, after = _list(before, "instances"), _list(after, "instances")
    target = plan.get("target") or ""
    made = []
    if before:
        tags = before[0].get("tags") or {}
        source = tags.get(RESTORED_FROM) if isinstance(tags, dict) else None
        if source:
            made.append(checks.make_check(target, "restore", checks.PASS, "exists already, restored from %s by an "
                                          "earlier run - left untouched" % source, source, plan.get("snapshot")))
        else:
            made.append(checks.make_check(target, "restore", checks.WARN, "exists already and was not made by a "
                                          "restore (no %s tag) - a restore never modifies an existing instance; "
                                          "choose another target_db_instance_identifier" % RESTORED_FROM))
        return made
    what = "from snapshot %s (%s, taken %s) as %s%s" % (
        plan.get("snapshot"), plan.get("sources", {}).get("snapshot"), plan.get("snapshot_time") or "?",
        plan.get("db_instance_class"), " in subnet group %s" % plan["db_subnet_group_name"]
        if plan.get("db_subnet_group_name") else "")
    if check_mode:
        return [checks.make_check(target, "restore", checks.SKIPPED, "would restore " + what + " (check mode)")]
    if not after:
        return [checks.make_check(target, "restore", checks.FAIL, "restore %s: the new instance is not there" % what)]
    made.append(checks.make_check(target, "restore", checks.PASS if changed else checks.UNKNOWN,
                                  ("restored " if changed else "no change reported restoring ") + what,
                                  plan.get("snapshot"), plan.get("snapshot")))
    instance = after[0]
    state = instance.get("db_instance_status") or "?"
    good = instance.get("db_instance_class") == plan.get("db_instance_class")
    made.append(checks.make_check(target, "restored instance", checks.PASS if good else checks.FAIL,
                                  "%s, class %s%s" % (state, instance.get("db_instance_class"), "" if good else
                                                      " (planned %s)" % plan.get("db_instance_class")),
                                  instance.get("db_instance_class"), plan.get("db_instance_class")))
    return made


class FilterModule:
    def filters(self):
        return returning_data({"rds_restore_plan": rds_restore_plan, "rds_restore_checks": rds_restore_checks})
