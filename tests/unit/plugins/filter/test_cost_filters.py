# -*- coding: utf-8 -*-
"""Filter ops.runbooks.cost_rows (it was a namespace loop in the cost review role)."""
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.ops.runbooks.plugins.filter.cost import cost_rows


def test_rows_of_a_month():
    services = [{"service": "AWS Lambda", "amount": 12.3456, "share_percent": 61.7, "change_percent": 4.04},
                {"service": "Amazon S3", "amount": 2, "share_percent": 10.0, "change_percent": -12.55},
                {"service": "New", "amount": 0.5, "share_percent": 2.5, "change_percent": None}]
    assert cost_rows(services) == [["AWS Lambda", "12.35", "61.7 %", "+4.0 %"], ["Amazon S3", "2.00", "10.0 %", "-12.6 %"],
                                   ["New", "0.50", "2.5 %", "-"]]
    with pytest.raises(AnsibleFilterError, match="cost_usage's services"):
        cost_rows({"service": "x"})
