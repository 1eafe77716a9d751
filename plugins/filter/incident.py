# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the incident's record and messages: ``ops.runbooks.incident_reopened`` - a resolved incident record
opened again (an alarm that fires again after its OK): open, not resolved, its notifications to be sent again, what
happened before on the timeline; ``ops.runbooks.sns_subject`` - a title as SNS takes a subject (an alarm's name may
be 255 characters, and anything); ``ops.runbooks.cli_extra_vars`` - the variables of a command a report suggests,
as one shell-quoted argument that carries no template; ``ops.runbooks.incident_update`` - the record after one step of
the procedure (actions held back with their plan, an action failed, what changed, a notification sent, resolved);
``ops.runbooks.incident_candidates`` - the ids under which the record of an incident may be stored;
``ops.runbooks.incident_open`` - the incident this run continues, reopens or opens, from what was read where records
live; ``ops.runbooks.incident_merged`` - this job's record merged into the one another job stored meanwhile."""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import re
import shlex

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.ops.runbooks.plugins.module_utils import timeutil
from ansible_collections.ops.runbooks.plugins.module_utils.errors import OpsRunbooksError
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


_DATED_ID = re.compile(r"^INC-[0-9]{8}-")


def _instant(at):
    try:
        return datetime.datetime.strptime(str(at), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        raise AnsibleFilterError("the time %r is not ISO 8601 UTC (YYYY-MM-DDTHH:MM:SSZ)" % (at,)) from None


def incident_candidates(incident_id, open_, at):
    """The ids under which the record of ``incident_id`` may be stored: the id itself and, when the run does not open
    (an alarm's OK, ``open_`` false) and the id is dated (``INC-YYYYMMDD-...``), the same incident of the day before
    ``at`` - an alarm that fired before midnight and recovered after resolves the incident it opened."""
    incident_id = str(incident_id or "")
    if not incident_id:
        raise AnsibleFilterError("incident_candidates: the incident has no id (incident_response_id)")
    found = [incident_id]
    if not boolean(open_, strict=False) and _DATED_ID.match(incident_id):
        yesterday = (_instant(at) - datetime.timedelta(days=1)).strftime("%Y%m%d")
        found.append(_DATED_ID.sub("INC-%s-" % yesterday, incident_id))
    return as_data(found)


def _stored(lookups):
    """The first incident_record answer (in candidate order) that found a record."""
    for r in lookups or []:
        if isinstance(r, dict) and not r.get("skipped") and r.get("found"):
            return r
    return None


def _from_file(files):
    """The first slurped record file (in candidate order): (its incident id, the record in it)."""
    for r in files or []:
        if not isinstance(r, dict) or r.get("skipped") or "content" not in r:
            continue
        name = (r.get("item") or {}).get("item") if isinstance(r.get("item"), dict) else r.get("item")
        try:
            record = json.loads(base64.b64decode(r["content"]).decode("utf-8"))["incident"]
        except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
            raise AnsibleFilterError("the record file %s is not an incident report's JSON (no 'incident')"
                                     % r.get("source", name)) from None
        return name, record
    return None, None


def incident_open(incident, lookups, files, at):
    """The incident this run works on, from what was read where records live: ``lookups`` (ops.runbooks.incident_record
    per candidate id, with a record table) and ``files`` (the slurped report JSON per candidate, without one).

    ``incident``: ``id``, ``title``, ``severity``, ``status``, ``environment``, ``report_dir``, ``open`` (false for an
    alarm's OK: continue only) and ``reopen`` (an ALARM: a resolved incident is opened again and notified again).

    Returns ``id``, ``key`` (the table's key), ``path`` (the report directory's record file), ``record`` (the stored
    record, reopened when asked; a new one when nothing is stored; ``None`` when nothing is stored and the run may not
    open one), ``revision`` (the stored record's, 0 for a new one) and ``opened`` (``new``, ``continued``,
    ``reopened`` or ``none``)."""
    if not isinstance(incident, dict):
        raise AnsibleFilterError("incident_open expects the incident's settings (a dict)")
    missing = [k for k in ("id", "title", "severity", "status", "environment", "report_dir") if k not in incident]
    if missing:
        raise AnsibleFilterError("incident_open: the incident's settings lack %s" % ", ".join(missing))
    stored = _stored(lookups)
    file_id, file_record = _from_file(files) if stored is None else (None, None)
    incident_id = str(stored["item"] if stored else file_id or incident["id"])
    environment = str(incident["environment"] or "default")
    found = {"id": incident_id, "key": "%s/%s" % (environment, incident_id),
             "path": "%s/incident-%s-%s.json" % (incident["report_dir"], incident_id, environment),
             "revision": int(stored.get("revision") or 0) if stored else 0}
    previous = stored["record"] if stored else file_record
    if previous is None and not boolean(incident.get("open", True), strict=False):
        return as_data(dict(found, record=None, opened="none"))
    if previous is None:
        severity, title = incident["severity"], incident["title"]
        record = {"id": incident_id, "title": title, "severity": severity, "environment": environment,
                  "opened_at": at, "status": incident["status"], "notified": [], "changes": [], "resolved_at": None,
                  "timeline": [{"at": at, "event": "opened (%s): %s" % (severity, title)}]}
        return as_data(dict(found, record=record, opened="new"))
    if not isinstance(previous, dict):
        raise AnsibleFilterError("incident_open: the stored record of %s is not a record" % found["key"])
    if boolean(incident.get("reopen", False), strict=False) and previous.get("resolved_at") is not None:
        return as_data(dict(found, opened="reopened", record=incident_reopened(
            previous, at, incident["status"], "%s again" % incident["title"])))
    return as_data(dict(found, record=previous, opened="continued"))


def incident_merged(stored, mine):
    """This job's record (``mine``) merged into the one another job stored meanwhile (``stored``): the
    notifications of both, the changes and timeline entries of both (each once, the timeline in time order), this
    job's status, and resolved when either says so."""
    if not isinstance(stored, dict) or not isinstance(mine, dict):
        raise AnsibleFilterError("incident_merged expects two incident records")
    notified = list(stored.get("notified") or [])
    changes, timeline = list(stored.get("changes") or []), list(stored.get("timeline") or [])
    return as_data(dict(
        stored, status=mine.get("status"), resolved_at=mine.get("resolved_at") or stored.get("resolved_at"),
        notified=notified + [s for s in mine.get("notified") or [] if s not in notified],
        changes=changes + [c for c in mine.get("changes") or [] if c not in changes],
        timeline=sorted(timeline + [e for e in mine.get("timeline") or [] if e not in timeline],
                        key=lambda e: str(e.get("at")))))


def _done(results):
    return [r for r in results or [] if isinstance(r, dict) and r.get("changed") and not r.get("failed")]


def _held(record, evidence, at):
    """Actions not run (plan only, or production without confirmation): the plan of the held-back rollback (from
    lambda_rollback in check mode) in the record, and one timeline entry saying so (once per incident)."""
    alias, plan = evidence.get("alias"), []
    not_run = ("plan only (%s)" % (evidence.get("plan_reason") or "incident_response_plan_only")
               if boolean(evidence.get("plan_only"), strict=False)
               else "production needs ops_runbooks_confirm=true (triage and notification only)")
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
            ", ".join(evidence.get("actions") or []), not_run,
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


def _resolved(record, evidence, at):
    """Resolved: the resolution and root cause in the record, and on the timeline."""
    resolution = evidence.get("resolution") or ""
    return dict(record, status="Resolved", resolved_at=at, resolution=resolution,
                root_cause=evidence.get("root_cause") or "", timeline=list(record.get("timeline") or []) + [
                    {"at": at, "event": "resolved: %s" % (resolution or "no resolution given")}])


def _actions(record, evidence, at):
    """The actions' step, once they ran or were held back: ``held`` when they could not act (``may_act`` false: plan
    only, or production without confirmation), else ``changed`` - one record step for both branches."""
    if boolean(evidence.get("may_act"), strict=False):
        return _changed(record, evidence, at)
    return _held(record, evidence, at)


STEPS = {"actions": _actions, "held": _held, "failed": _failed, "changed": _changed, "notified": _notified,
         "resolved": _resolved}


def incident_update(record, step, evidence, at):
    """``record`` after one step of the incident procedure (``held``, ``failed``, ``changed`` - or ``actions``, which
    is ``held`` or ``changed`` by its ``may_act`` - ``notified``), at
    ``at`` (ISO 8601): the plan, the changes and the timeline written in one place, the same way every time
    (``resolved`` too: the resolution and root cause)."""
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


def incident_log_window(record, before, at):
    """The window of a P1's log export (runbook 004 "Export Logs for Analysis"): from ``before`` (a duration, ``1h``)
    before the incident opened to ``at`` (now) at the minute - ``{start_time, end_time}`` (ISO 8601), so that a
    re-run within the minute finds the same export."""
    if not isinstance(record, dict) or not record.get("opened_at"):
        raise AnsibleFilterError("incident_log_window expects an incident record with opened_at")
    try:
        opened = timeutil.parse_timestamp(record["opened_at"], "opened_at")
        start = opened - datetime.timedelta(seconds=timeutil.parse_duration(before, "incident_response_log_export_before"))
        end = timeutil.parse_timestamp(at, "at").replace(second=0, microsecond=0)
    except OpsRunbooksError as e:
        raise AnsibleFilterError(str(e)) from None
    return as_data({"start_time": timeutil.isoformat(min(start, end - datetime.timedelta(minutes=1))),
                    "end_time": timeutil.isoformat(end)})


class FilterModule:
    def filters(self):
        return {"incident_reopened": incident_reopened, "sns_subject": sns_subject, "cli_extra_vars": cli_extra_vars,
                "incident_update": incident_update, "incident_candidates": incident_candidates,
                "incident_open": incident_open, "incident_merged": incident_merged,
                "incident_log_window": incident_log_window}
