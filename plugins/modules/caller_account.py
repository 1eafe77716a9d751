#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: caller_account
short_description: Whose AWS account the credentials reach (STS GetCallerIdentity), asked from the controller
version_added: 0.5.0
description:
  - The first question of every play (role C(ops.runbooks.fleet)) - production is an account, not a label. One
    GetCallerIdentity call from the controller's own process, with the connection options of
    C(group/ops.runbooks.aws) (module_defaults) and the usual credential chain - no module process (the action plugin
    does the work), so the question costs a tenth of a second rather than a module run.
  - Read only; bounded (5 s to connect, 10 s to read, 3 attempts). Takes amazon.aws's connection options (and their
    aliases) but O(aws_config) and O(debug_botocore_endpoint_logs), which it ignores.
notes:
  - "IAM actions (least privilege): C(sts:GetCallerIdentity) (no policy can deny it)."
author:
  - ops.runbooks maintainers (@ops-runbooks)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
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
    platforms: aws
"""

EXAMPLES = r"""
- name: Whose credentials are these?
  ops.runbooks.caller_account:
  module_defaults:
    group/ops.runbooks.aws: "{{ ops_runbooks_aws_module_defaults }}"
  register: caller
"""

RETURN = r"""
account:
  description: The account of the credentials.
  returned: success
  type: str
  sample: "123456789012"
arn:
  description: The caller's ARN.
  returned: success
  type: str
  sample: arn:aws:sts::123456789012:assumed-role/ops-runbooks/ops-runbooks-production
user_id:
  description: The caller's user id.
  returned: success
  type: str
"""
