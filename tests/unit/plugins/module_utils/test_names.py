# -*- coding: utf-8 -*-
"""module_utils/names.py: table, queue, bucket and function names checked as AWS checks them, naming the option."""
from __future__ import annotations

import pytest

from ansible_collections.ops.runbooks.plugins.module_utils.errors import InvalidInput
from ansible_collections.ops.runbooks.plugins.module_utils.names import check_name
from ansible_collections.ops.runbooks.plugins.module_utils.names import check_names


@pytest.mark.parametrize("kind, value", [
    ("table", "ai-investment-signals"), ("table", "a.b_c"),
    ("table", "arn:aws:dynamodb:eu-central-1:123456789012:table/orders"),
    ("queue", "ai-investment-jobs-dlq"), ("queue", "orders.fifo"),
    ("queue", "https://sqs.eu-central-1.amazonaws.com/123456789012/orders"),
    ("queue", "http://127.0.0.1:5000/123456789012/orders"),
    ("queue", "arn:aws:sqs:eu-central-1:123456789012:orders"),
    ("bucket", "ai-investment-raw-data"), ("bucket", "Legacy_Bucket"),
    ("function", "ai-investment-score"), ("function", "arn:aws:lambda:eu-central-1:123456789012:function:score"),
    ("function", "arn:aws:lambda:eu-central-1:123456789012:function:score:live"), ("function", "123456789012:function:f"),
])
def test_names_aws_accepts_pass(kind, value):
    check_name(kind, value, "x")


@pytest.mark.parametrize("kind, value", [
    ("table", "x; DROP TABLE y"), ("table", "ab"), ("table", "a" * 256), ("table", ""),
    ("queue", "a/b"), ("queue", "q" * 81), ("queue", "{{ lookup('pipe', 'id') }}"),
    ("bucket", "a b"), ("bucket", "ab"), ("bucket", "../etc"),
    ("function", "f" * 65), ("function", "score; rm -rf /"), ("function", ""),
])
def test_names_aws_refuses_fail_naming_the_option(kind, value):
    with pytest.raises(InvalidInput, match=r"^where\[1\]\.name: "):
        check_names({"where": [{"name": "ai-investment-x"}, {"name": value}]}, {"where[].name": kind})


def test_options_not_given_are_not_checked():
    check_names({"table_name": None, "functions": None}, {"table_name": "table", "functions[]": "function"})
    with pytest.raises(InvalidInput, match=r"^functions\[0\]: 'a b' is not a valid Lambda function name"):
        check_names({"functions": ["a b"]}, {"functions[]": "function"})


def test_a_suboption_of_a_dict_option():
    check_names({"export_to_s3": {"bucket": "ai-investment-backtests", "prefix": "a/b"}}, {"export_to_s3.bucket": "bucket"})
    with pytest.raises(InvalidInput, match=r"^export_to_s3\.bucket: 'a b' is not a valid S3 bucket name"):
        check_names({"export_to_s3": {"bucket": "a b"}}, {"export_to_s3.bucket": "bucket"})
