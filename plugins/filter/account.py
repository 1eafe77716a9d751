# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter ``ops.runbooks.account_verdict``: whose account a host's credentials reach, and whether that makes it
production - the one rule behind every confirmation guard (role ops.runbooks.confirm) and the alarm's default.

Production is an account, not a label: a host is production when its caller account (STS) is in
``ops_runbooks_production_accounts``, when its environment is named production or prod (``production``,
``prod-eu``, ...), or when its inventory says so (``ops_runbooks_production``). Its account is *known* only when the
inventory declares it (``ops_runbooks_aws_account_id``, or the account of the role it assumes) and STS answers the
same; where it is not known, destructive steps need confirmation as in production (fail closed). A declared account
that STS contradicts is a ``mismatch``: the host stops before anything runs.
"""

from __future__ import annotations

import re

from ansible_collections.ops.runbooks.plugins.plugin_utils.data import returning_data

_ACCOUNT = re.compile(r"^[0-9]{12}$")
_PRODUCTION_NAME = re.compile(r"^(production|prod)([-_.].*)?$", re.IGNORECASE)


def _account_of(value):
    text = str(value).strip() if value is not None else ""
    return text if _ACCOUNT.match(text) else None


def _role_account(role_arn):
    parts = str(role_arn or "").split(":")
    return _account_of(parts[4]) if len(parts) > 4 else None


def _truthy(value):
    return value is True or str(value).strip().lower() in ("true", "yes", "1", "on")


def account_verdict(caller, declared=None, environment=None, label=False, production_accounts=None, role_arn=None):
    """The verdict on a host's account.

    ``caller``: the result of ``amazon.aws.aws_caller_info`` (its ``account``; a failed or skipped result, or None:
    STS gave no answer) or an account id. ``declared``: ``ops_runbooks_aws_account_id``; ``role_arn``: the role the
    host assumes (its account is declared too). Returns ``id`` (the caller's account or None), ``declared``,
    ``known``, ``mismatch``, ``production``, ``guarded`` (production or not known: destructive steps need
    confirmation) and ``reason`` (one sentence naming the environment and the accounts)."""
    if isinstance(caller, dict):  # a failed call registered with failed_when: false is not "failed" any more
        answered = not caller.get("failed") and not caller.get("skipped")
        caller_id = _account_of(caller.get("account")) if answered else None
        error = caller.get("msg") if caller_id is None and not caller.get("skipped") else None
    else:
        caller_id, error = _account_of(caller), None
    env = str(environment or "this environment")
    if declared not in (None, "") and _account_of(declared) is None:
        raise ValueError("ops_runbooks_aws_account_id of %s must be a 12-digit AWS account id, got %r" % (env, declared))
    declared_id, from_role = _account_of(declared), _role_account(role_arn)
    if declared_id and from_role and declared_id != from_role:
        return dict(id=caller_id, declared=declared_id, known=False, mismatch=True, production=True, guarded=True,
                    reason="%s declares account %s (ops_runbooks_aws_account_id) but assumes a role of account %s"
                           % (env, declared_id, from_role))
    declared_id = declared_id or from_role
    listed = {a for a in (_account_of(x) for x in (production_accounts or [])) if a}
    mismatch = bool(declared_id and caller_id and declared_id != caller_id)
    why = []
    if (caller_id and caller_id in listed) or (declared_id and declared_id in listed):
        why.append("account %s is in ops_runbooks_production_accounts" % (caller_id if caller_id in listed else declared_id))
    if _PRODUCTION_NAME.match(env):
        why.append("its name")
    if _truthy(label):
        why.append("ops_runbooks_production")
    known = bool(declared_id and caller_id and not mismatch)
    if mismatch:
        reason = ("%s declares account %s but its credentials are of account %s: stopping this host before anything "
                  "runs" % (env, declared_id, caller_id))
    elif why:
        reason = "%s is production (%s)" % (env, ", ".join(why))
    elif not declared_id:
        reason = ("the account of %s is not verified: no ops_runbooks_aws_account_id in its inventory%s"
                  % (env, " (STS: %s)" % caller_id if caller_id else ""))
    elif not caller_id:
        reason = "the account of %s is not verified: STS gave no answer%s" % (env, " (%s)" % error if error else "")
    else:
        reason = "%s is account %s (verified with STS), not production" % (env, caller_id)
    production = bool(why) or mismatch
    return dict(id=caller_id, declared=declared_id, known=known, mismatch=mismatch, production=production,
                guarded=production or not known, reason=reason)


class FilterModule:
    def filters(self):
        return returning_data({"account_verdict": account_verdict})
