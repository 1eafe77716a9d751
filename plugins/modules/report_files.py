#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: report_files
short_description: Write a report's files on the controller in one step
version_added: 0.4.0
description:
  - Writes each of O(files) into O(directory) (created when missing) on the controller, atomically (a temporary file
    renamed into place), in the task's own process - no module run, so a report's markdown, JSON and HTML cost one
    step instead of a C(file), C(template) and two C(copy) tasks with their module runs (about 2 s of every report).
  - Used by the C(ops.runbooks.report) and C(ops.runbooks.fleet) roles. Reports are the run's output, not a change
    to the managed system - C(changed) is always false and check mode writes them too (the roles name them plans).
author:
  - ops.runbooks maintainers (@ops-runbooks)
options:
  directory:
    description: Directory of the files on the controller.
    type: path
    required: true
  files:
    description: The files to write.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: File name inside O(directory) (no absolute path, no C(..)).
        type: str
        required: true
      content:
        description: The file's text.
        type: str
        required: true
  mode:
    description:
      - Permissions of every file (octal). Reports name resources, accounts and findings - only the user who runs the
        job reads them by default; a directory made here is 0700.
    type: str
    default: "0600"
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
    details: Writes the files in check mode too; they are the run's output (the report role titles them as plans).
  diff_mode:
    support: none
  platform:
    platforms: all
"""

EXAMPLES = r"""
- name: Write the markdown and the JSON of a report
  ops.runbooks.report_files:
    directory: /var/reports
    files:
      - {path: daily_health-production.md, content: "{{ lookup('ansible.builtin.template', 'report.md.j2') }}"}
      - {path: daily_health-production.json, content: "{{ result | to_nice_json }}"}
"""

RETURN = r"""
paths:
  description: The files written, in the order given.
  returned: always
  type: list
  elements: str
"""
