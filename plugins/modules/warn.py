#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: warn
short_description: Show a warning in the play's output
version_added: 0.2.0
description:
  - Adds O(msg) to the task's warnings, which ansible-playbook prints as C([WARNING]) and AWX lists with the job's
    warnings. The roles use it for a step they held back (for example a production change without
    C(ops_runbooks_confirm=true)), so that the run succeeds but nobody misses what it did not do.
  - Runs on the controller; changes nothing.
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  msg:
    description: The warning.
    type: str
    required: true
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: Say what was held back
  ops.runbooks.warn:
    msg: "production: retention of ai-investment-signals held back, it needs -e ops_runbooks_confirm=true"
"""

RETURN = r"""
msg:
  description: The warning.
  returned: always
  type: str
"""
