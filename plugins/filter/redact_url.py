# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter ``ops.runbooks.redact_url``: a URL as it may be shown - without user information and with the values of
secret-named query parameters hidden (the rule of module_utils/http_probe.py, the one http_check applies)."""

from __future__ import annotations

from ansible_collections.ops.runbooks.plugins.module_utils.http_probe import redact_url
from ansible_collections.ops.runbooks.plugins.plugin_utils.data import returning_data


class FilterModule:
    def filters(self):
        return returning_data({"redact_url": redact_url})
