# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the incident's record and messages: ``ops.runbooks.incident_reopened`` - a resolved incident record
opened again (an alarm that fires again after its OK): open, not resolved, its notifications to be sent again, what
happened before on the timeline; ``ops.runbooks.sns_subject`` - a title as SNS takes a subject (an alarm's name may
be 255 characters, and anything); ``ops.runbooks.cli_extra_vars`` - the variables of a command a report suggests,
as one shell-quoted argument that carries no template; ``ops.runbooks.incident_update`` - the record after one step of
the procedure (actions held back with their plan, an action failed, what changed, a notification sent)."""

from __future__ import annotations

import json
import re
import shlex

from ansible.errors import AnsibleFilterError

from ansible_collections.ops.runbooks.plugins.plugin_utils.data import as_data

SNS_SUBJECT_MAX = 100  # SNS: ASCII, no line breaks or control characters, at most 100 characters
_NOT_SUBJECT = re.compile(r"[^\x20-\x7e]+")


def _braceless(value):
    if isinstance(value, str):
        return value.replace("{", "(").replace("}", ")")
    if isinstance(value, dict):
        return {_braceless(k): _braceless(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_braceless(v) for v in value]
    return value


def cli_extra_vars(variables):
    """``variables`` as one shell-quoted ``-e`` argument of a command a report suggests: JSON, every ``{`` and ``}`` of
    a string written ``(`` and ``)`` - Ansible templates extra vars, so a title carrying an alarm's name must not
    carry a template into the command a person runs - and quoted for the shell."""
    return as_data(shlex.quote(json.dumps(_braceless(variables), sort_keys=True)))


def sns_subject(text):
    """``text`` as an SNS subject: every run of non-ASCII or control characters one space, at most 100 characters
    (cut with "...")."""
    subject = " ".join(_NOT_SUBJECT.sub(" ", str(text)).split())
    return as_data(subject if len(subject) <= SNS_SUBJECT_MAX else subject[:SNS_SUBJECT_MAX - 3].rstrip() + "...")


def incident_reopened(record, at, status, why):
    """``record`` reopened at ``at`` (ISO 8601) with ``status``; unchanged when it is not resolved."""
    if not isinstance(record, dict):
        raise ValueError("incident_reopened expects an incident record, got %s" % type(record).__name__)
    if record.get("resolved_at") is None:
        return record
    return as_data(dict(record, status=status, resolved_at=None, resolution="", root_cause="", notified=[],
                        timeline=list(record.get("timeline") or []) + [
                            {"at": at, "event": "reopened (resolved at %s): %s" % (record["resolved_at"], why)}]))


def _done(results):
    return [r for r in results or [] if isinstance(r, dict) and r.get("changed") and not r.get("failed")]


def _held(record, evidence, at):
    """Actions not run (plan only, or production without confirmation): the plan of the held-back rollback (from
    lambda_rollback in check mode) in the record, and one timeline entry saying so (once per incident)."""
    alias, plan = evidence.get("alias"), []
    for r in evidence.get("plan_results") or []:
        if not isinstance(r, dict) or r.get("skipped"):
            continue
        resource = "%s:%s" % (r.get("item"), alias)
        if r.get("changed") and not r.get("failed"):
            before, after = r["previous"]["version"], r["current"]["version"]
            plan.append({"action": "rollback", "resource": resource, "from": before, "to": after,
                         "summary": "roll back %s from %s to %s" % (resource, before, after)})
        else:
            plan.append({"action": "rollback", "resource": resource, "from": None, "to": None,
                         "summary": "%s: %s" % (resource, r.get("msg") or "nothing to roll back")})
    updated = dict(record, plan=plan) if plan else dict(record)
    timeline = list(record.get("timeline") or [])
    if not any(" not run, " in str(e.get("event", "")) for e in timeline):
        timeline.append({"at": at, "event": "actions %s not run, %s%s" % (
            ", ".join(evidence.get("actions") or []), evidence.get("not_run") or "",
            ": plan %s" % "; ".join(p["summary"] for p in plan) if plan else "")})
    return dict(updated, timeline=timeline)


def _failed(record, evidence, at):
    """An action that failed: its messages on the timeline (the play fails after the report is written)."""
    result = evidence.get("result") or {}
    failed = [r for r in (result.get("results") or [result]) if isinstance(r, dict) and r.get("failed")]
    return dict(record, timeline=list(record.get("timeline") or []) + [
        {"at": at, "event": "action failed: %s" % "; ".join(str(r.get("msg")) for r in failed)}])


def _changed(record, evidence, at):
    """What the actions changed, from and to: the record's changes and a timeline entry each."""
    alias, changes, events = evidence.get("alias"), [], []
    for r in _done(evidence.get("rollbacks")):
        resource, before, after = "%s:%s" % (r["item"], alias), r["previous"]["version"], r["current"]["version"]
        changes.append({"action": "rollback", "resource": resource, "from": before, "to": after, "at": at})
        events.append({"at": at, "event": "rolled back %s from %s to %s" % (resource, before, after)})
    for r in [r for r in evidence.get("scaling") or [] if isinstance(r, dict) and r.get("changed")]:
        function = r["item"]["key"]
        changes.append({"action": "reserved concurrency", "resource": function, "from": r.get("previous"),
                        "to": r.get("current"), "at": at})
        events.append({"at": at, "event": "reserved concurrency of %s from %s to %s" % (
            function, r.get("previous"), r.get("current"))})
    return dict(record, changes=list(record.get("changes") or []) + changes,
                timeline=list(record.get("timeline") or []) + events)


def _notified(record, evidence, at):
    """A notification sent: its severity in ``notified`` and on the timeline, with the message id."""
    severity, notified = evidence.get("severity"), list(record.get("notified") or [])
    return dict(record, notified=notified + ([severity] if severity not in notified else []),
                timeline=list(record.get("timeline") or []) + [{"at": at, "event": "notified [%s] on %s (message %s)" % (
                    severity, evidence.get("topic"), evidence.get("message_id") or "?")}])


STEPS = {"held": _held, "failed": _failed, "changed": _changed, "notified": _notified}


def incident_update(record, step, evidence, at):
    """``record`` after one step of the incident procedure (``held``, ``failed``, ``changed``, ``notified``), at
    ``at`` (ISO 8601): the plan, the changes and the timeline written in one place, the same way every time."""
    if not isinstance(record, dict):
        raise AnsibleFilterError("incident_update expects an incident record, got %s" % type(record).__name__)
    if step not in STEPS:
        raise AnsibleFilterError("incident_update: step %r is not one of %s" % (step, ", ".join(sorted(STEPS))))
    if not isinstance(evidence, dict):
        raise AnsibleFilterError("incident_update: the evidence of step %s must be a dict" % step)
    try:
        return as_data(STEPS[step](record, evidence, at))
    except (KeyError, TypeError) as e:
        raise AnsibleFilterError("incident_update: the evidence of step %s lacks %s" % (step, e)) from None


class FilterModule:
    def filters(self):
        return {"incident_reopened": incident_reopened, "sns_subject": sns_subject, "cli_extra_vars": cli_extra_vars,
                "incident_update": incident_update}
