# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The collection's read-only check modules: the C(fail_on) option and the common check model."""

    DOCUMENTATION = r"""
options:
  fail_on:
    description:
      - V(fail) fails the task when a check's status is C(fail); V(never) only reports (the C(checks) result still
        says which checks failed, for a report that runs every check before it judges).
    type: str
    choices: [fail, never]
    default: fail
notes:
  - "Results follow the collection's common check model: the C(checks) list has one entry per check with
    C(resource), C(check), C(status) (C(pass), C(warn), C(fail), C(unknown) or C(skipped)), C(observed),
    C(expected) and C(reason). The C(ops.runbooks.report) role and the C(ops.runbooks.result_to_check) filter
    read it unchanged, so one report can combine the checks of several modules."
  - C(changed) is always false.
"""
