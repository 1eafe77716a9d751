# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The health gate after a change to a Lambda alias (module_utils/health.py): the C(health_check) option of
    lambda_rollback and lambda_config."""

    DOCUMENTATION = r"""
options:
  health_check:
    description:
      - Checks run after the change, polled up to O(health_check.retries) more times, O(health_check.delay)
        seconds apart, until all pass. When they still fail, see O(revert_on_failure).
    type: dict
    suboptions:
      invoke:
        description: Invoke the alias synchronously; fails on a C(FunctionError) or a status outside the expected set.
        type: dict
        suboptions:
          payload:
            description: The event to invoke with.
            type: raw
            default: {}
          expected_status:
            description:
              - Allowed statuses of the invocation and, when the response is a JSON object with a C(statusCode)
                (API Gateway proxy style), of that too.
            type: list
            elements: int
            default: [200]
      metric_errors:
        description: The alias's C(Errors) in CloudWatch since the change (at most O(health_check.metric_errors.window) back).
        type: dict
        suboptions:
          max:
            description: Most errors allowed.
            type: int
            default: 0
          window:
            description: How far back to look at most, for example V(5m). Errors before the change never count.
            type: str
            default: 5m
      alarms:
        description: Names of CloudWatch alarms that must not be in ALARM (an unknown name fails the check).
        type: list
        elements: str
        default: []
      url:
        description: An HTTP(S) URL that must answer a GET with 2xx (for example the API's C(/health)).
        type: str
      url_timeout:
        description: Seconds to wait for O(health_check.url).
        type: int
        default: 10
      retries:
        description: How many more times to run the checks after a failed round.
        type: int
        default: 3
      delay:
        description: Seconds between two rounds.
        type: int
        default: 10
"""
