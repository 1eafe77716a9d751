# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The judgements of the maintenance role (runbooks 000, 003, 004 "Maintenance"), as filters:

- ``maintenance_outcome``: one step's evidence (what its modules returned, whether the change was confirmed) added to
  the run's outcome ``{findings, held_back, changes}`` - the findings as checks of the common model, what was held
  back for want of a confirmation, what changed;
- ``ttl_changes``: which tables a TTL plan (dynamodb_ttl_state in check mode) would enable and which disable;
- ``refresh_targets``: after the rotations, which functions to refresh through their alias, with the new version.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.ops.runbooks.plugins.filter.checks import finite_number
from ansible_collections.ops.runbooks.plugins.filter.discovery import resolved_function
from ansible_collections.ops.runbooks.plugins.module_utils import checks
from ansible_collections.ops.runbooks.plugins.plugin_utils.data import returning_data

CONFIRM = "ops_runbooks_confirm=true"
PLANNED = " (planned, check mode)"


def _enabled(item):
    return boolean((item.get("value") or {}).get("enabled", True), strict=False)  # Jinja's bool filter


def ttl_changes(results):
    """``{enable: [items], disable: [items]}`` of a looped dynamodb_ttl_state check-mode run over
    ``maintenance_ttl | dict2items``: the tables whose TTL would change, by direction."""
    if not isinstance(results, list):
        raise AnsibleFilterError("ttl_changes expects the results of the TTL plan (a list)")
    changing = [r["item"] for r in results if isinstance(r, dict) and r.get("changed")]
    return {"enable": [i for i in changing if _enabled(i)], "disable": [i for i in changing if not _enabled(i)]}


def _ttl(evidence, check_mode):
    plan = evidence.get("plan") or []
    wanted = ttl_changes(plan)
    disabling = [i["key"] for i in wanted["disable"]]
    held = disabling if disabling and not evidence.get("allowed") else []
    changing = [i["key"] for i in wanted["enable"] + wanted["disable"]]
    findings = []
    for r in plan:
        key, want = r["item"]["key"], "enabled" if _enabled(r["item"]) else "disabled"
        attribute = r["item"]["value"].get("attribute")
        if key in held:
            status, reason = checks.WARN, "held back: disabling TTL needs %s" % CONFIRM
        else:
            status = checks.PASS
            reason = "TTL on %s %s%s" % (attribute, want, (PLANNED if check_mode else " now") if key in changing else "")
        findings.append(checks.make_check(key, "ttl", status, reason, r.get("previous"),
                                          {"attribute": attribute, "state": want}))
    applied = [] if check_mode else ["ttl %s" % r["item"]["key"] for r in evidence.get("applied") or []
                                     if r.get("changed")]
    return findings, ["TTL of %s" % k for k in held], applied


def _log_retention(evidence, check_mode):
    result = evidence.get("result") or {}
    held_back = list(result.get("held_back") or [])
    findings = []
    for g in result.get("groups") or []:
        was = "%s days" % g["current"] if g.get("current") is not None else "never expire"
        if g["name"] in held_back:
            status, reason = checks.WARN, "held back: %s -> %s days deletes older logs; production needs %s" % (
                was, g["target"], CONFIRM)
        elif g.get("action") == "unchanged":
            status, reason = checks.PASS, "%s days" % g["target"]
        else:
            status, reason = checks.PASS, "%s -> %s days%s" % (was, g["target"], PLANNED if check_mode else "")
        findings.append(checks.make_check(g["name"], "log retention", status, reason, g.get("current"), g["target"]))
    changes = [] if check_mode else ["log retention %s" % g["name"] for g in result.get("groups") or []
                                     if g.get("applied")]
    return findings, ["log retention of %s" % n for n in held_back], changes


def refresh_targets(results, secrets, known=None):
    """The functions a rotation must refresh through their alias: for each rotation that did not fail and has a
    version (``results``: secret_rotate's loop results, ``item`` the position in ``secrets``), each of that secret's
    ``refresh_functions`` (a stack's logical id resolved against ``known``) as ``{function_name, version, target}`` -
    ``version`` the rotation's new version, the value of FORCE_REFRESH (the same on a repeated run: no second
    publish)."""
    if not isinstance(results, list) or not isinstance(secrets, list):
        raise AnsibleFilterError("refresh_targets: give secret_rotate's loop results and the secrets (lists)")
    targets = []
    for result in results:
        if not isinstance(result, dict) or result.get("failed") or result.get("skipped") or not result.get("version"):
            continue
        index = result.get("item")
        if not isinstance(index, int) or not 0 <= index < len(secrets):
            raise AnsibleFilterError("refresh_targets: a result's item %r is no position in the secrets" % (index,))
        entry = secrets[index] or {}
        for name in entry.get("refresh_functions") or []:
            targets.append({"function_name": resolved_function(name, known or []), "version": str(result["version"]),
                            "target": result.get("target") or entry.get("secret_id") or entry.get("parameter_name")})
    return targets


def _secrets(evidence, check_mode):
    findings = []
    for r in evidence.get("results") or []:
        findings.append(checks.make_check(
            r.get("target") or "secret %s" % r.get("item"), "secret rotation",
            checks.FAIL if r.get("failed") else checks.PASS, r.get("msg") or "",
            {"version": r.get("version"), "refreshed": r.get("refreshed") or [],
             "not_refreshed": [n.get("function") for n in r.get("not_refreshed") or []]}))
    refreshes = [r for r in evidence.get("refreshes") or [] if not r.get("skipped")]
    for r in refreshes:  # FORCE_REFRESH published and served by the alias (lambda_config)
        item = r.get("item") or {}
        findings.append(checks.make_check(
            "%s:%s" % (item.get("function_name"), evidence.get("alias")), "secret refresh",
            checks.FAIL if r.get("failed") else checks.PASS,
            "%s (after the rotation of %s)" % (r.get("msg") or "", item.get("target"))))
    held = not evidence.get("allowed")
    if held:
        findings.append(checks.make_check("secrets", "secret rotation", checks.WARN,
                                          "held back: %s" % (evidence.get("message") or "")))
    changes = [] if check_mode else ["rotated %s" % r.get("target") for r in evidence.get("results") or []
                                     if r.get("changed")] + [
        "refreshed %s:%s" % ((r.get("item") or {}).get("function_name"), evidence.get("alias"))
        for r in refreshes if r.get("changed") and not r.get("failed")]
    return findings, ["secret rotations"] if held else [], changes


def _parameter_import(evidence, check_mode):
    plan = evidence.get("plan") or {}
    held = bool(plan.get("changed")) and not evidence.get("allowed")
    findings = []
    for p in plan.get("parameters") or []:
        changing = p.get("action") != "unchanged"
        if held and changing:
            status, reason = checks.WARN, "held back: would be %s; the import needs %s" % (p.get("action"), CONFIRM)
        else:
            status, reason = checks.PASS, "%s%s" % (p.get("action"), PLANNED if check_mode and changing else "")
        findings.append(checks.make_check(p["name"], "parameter import", status, reason, p.get("type")))
    imported = evidence.get("imported") or {}
    changes = [] if check_mode or imported.get("skipped") or not imported else \
        ["parameter restored %s" % p["name"] for p in plan.get("parameters") or [] if p.get("action") != "unchanged"]
    return findings, ["parameter import"] if held else [], changes


def _parameter_export(evidence, check_mode):
    result, path = evidence.get("result") or {}, evidence.get("path")
    count = len(result.get("parameters") or [])
    reason = "%d parameter(s) %s%s%s" % (count, "exported to " if result.get("changed") else "already in ",
                                         result.get("object"), PLANNED if check_mode and result.get("changed") else "")
    changes = ["parameters exported to %s" % result.get("object")] if result.get("changed") and not check_mode else []
    return [checks.make_check(path, "parameter export", checks.PASS, reason, count)], [], changes


def _pct(value, name):
    return finite_number(value, "maintenance_outcome: " + name)


def _postgres(evidence, check_mode):
    database, limits = evidence.get("database"), evidence.get("limits") or {}
    bloat_warn, bloat_max = _pct(limits.get("bloat_warn_pct"), "bloat_warn_pct"), \
        _pct(limits.get("bloat_max_pct"), "bloat_max_pct")
    density_warn, density_min = _pct(limits.get("index_warn_density_pct"), "index_warn_density_pct"), \
        _pct(limits.get("index_min_density_pct"), "index_min_density_pct")
    findings = []
    for t in evidence.get("bloat") or []:
        status, _reason = checks.threshold(t["dead_pct"], "dead tuples", fail_above=bloat_max, warn_above=bloat_warn)
        reason = "dead tuples %s %% of %d rows%s%s" % (
            t["dead_pct"], t["live"] + t["dead"],
            " > %s %%" % checks.format_number(bloat_max) if status == checks.FAIL else
            " > %s %% (warning level)" % checks.format_number(bloat_warn) if status == checks.WARN else "",
            "; vacuumed %s" % t["vacuumed"] if t.get("vacuumed") else "")
        findings.append(checks.make_check("%s/%s" % (database, t["name"]), "postgres bloat", status, reason,
                                          {"live": t["live"], "dead": t["dead"], "dead_pct": t["dead_pct"],
                                           "vacuumed": t.get("vacuumed")}, bloat_warn))
    indexes = evidence.get("indexes") or []
    for i in indexes:
        density = i.get("density")
        if density is None:
            status, reason = checks.PASS, "under 1 MB (%s bytes): too small to judge" % i.get("bytes")
        else:  # density is a lower limit: the emptier the leaf pages, the worse
            status = checks.FAIL if density < density_min else checks.WARN if density < density_warn else checks.PASS
            reason = "leaf pages %s %% full%s" % (
                density, " < %s %%: REINDEX %s" % (checks.format_number(density_min), i.get("table_name"))
                if status == checks.FAIL else " < %s %% (warning level)" % checks.format_number(density_warn)
                if status == checks.WARN else "")
        findings.append(checks.make_check("%s/%s" % (database, i["name"]), "postgres index bloat", status, reason,
                                          {"bytes": i.get("bytes"), "leaf_density_pct": density}, density_warn))
    if not indexes:
        findings.append(checks.make_check(database, "postgres index bloat", checks.SKIPPED,
                                          "no B-tree index, or the pgstattuple extension is not installed in this "
                                          "database"))
    reindex = list(evidence.get("reindex") or [])
    held = reindex if reindex and not evidence.get("allowed") else []
    findings += [checks.make_check("%s/%s" % (database, t), "postgres reindex", checks.WARN,
                                   "held back: REINDEX needs %s" % CONFIRM) for t in held]
    changes = ["reindex %s" % r["item"] for r in evidence.get("reindexed") or [] if not r.get("skipped")]
    return findings, ["REINDEX of %s" % t for t in held], changes


def _checks(evidence, check_mode):  # pylint: disable=unused-argument
    return list(evidence.get("checks") or []), [], []


# runtimes (the role's step of that name, report only) is checks: its evidence is the checks of runtime_checks.
STEPS = {"ttl": _ttl, "log_retention": _log_retention, "secrets": _secrets, "parameter_import": _parameter_import,
         "parameter_export": _parameter_export, "postgres": _postgres, "checks": _checks, "runtimes": _checks}


def maintenance_outcome(outcome, step, evidence, check_mode=False):
    """``outcome`` (``{findings, held_back, changes}``, empty to start) with one step's findings, held-back changes
    and changes added. ``step`` is one of the keys of STEPS (the role's step names, and ``checks`` - the same as
    ``runtimes``); ``evidence`` what that step's tasks registered (see the filter's documentation)."""
    if not isinstance(outcome, dict):
        raise AnsibleFilterError("maintenance_outcome expects the outcome so far ({findings, held_back, changes})")
    if step not in STEPS:
        raise AnsibleFilterError("maintenance_outcome: step %r is not one of %s" % (step, ", ".join(sorted(STEPS))))
    if not isinstance(evidence, dict):
        raise AnsibleFilterError("maintenance_outcome: the evidence of step %s must be a dict" % step)
    try:
        findings, held_back, changes = STEPS[step](evidence, bool(check_mode))
    except (KeyError, TypeError) as e:
        raise AnsibleFilterError("maintenance_outcome: the evidence of step %s lacks %s" % (step, e)) from None
    return {"findings": list(outcome.get("findings") or []) + findings,
            "held_back": list(outcome.get("held_back") or []) + held_back,
            "changes": list(outcome.get("changes") or []) + changes}


class FilterModule:
    def filters(self):
        return returning_data({"maintenance_outcome": maintenance_outcome, "ttl_changes": ttl_changes,
                               "refresh_targets": refresh_targets})
