# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the incident's record and messages: ``ops.runbooks.incident_reopened`` - a resolved incident record
opened again (an alarm that fires again after its OK): open, not resolved, its notifications to be sent again, what
happened before on the timeline; ``ops.runbooks.sns_subject`` - a title as SNS takes a subject (an alarm's name may
be 255 characters, and anything); ``ops.runbooks.cli_extra_vars`` - the variables of a command a report suggests,
as one shell-quoted argument that carries no template."""

from __future__ import annotations

import json
import re
import shlex

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


class FilterModule:
    def filters(self):
        return {"incident_reopened": incident_reopened, "sns_subject": sns_subject, "cli_extra_vars": cli_extra_vars}
