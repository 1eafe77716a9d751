# -*- coding: utf-8 -*-
"""Filter ops.runbooks.account_verdict: production is an account, not a label; an account nobody verified guards
destructive steps as production does (fail closed); a declared account STS contradicts stops the host."""
from __future__ import annotations

import pytest

from ansible_collections.ops.runbooks.plugins.filter.account import account_verdict

CALLER = {"changed": False, "account": "123456789012", "arn": "arn:aws:iam::123456789012:user/ops"}


def test_a_declared_account_sts_confirms_is_known_and_not_production():
    verdict = account_verdict(CALLER, declared="123456789012", environment="staging")
    assert (verdict["known"], verdict["production"], verdict["guarded"], verdict["mismatch"]) == (True, False, False, False)
    assert verdict["reason"] == "staging is account 123456789012 (verified with STS), not production"


def test_a_production_account_is_production_whatever_the_label():
    verdict = account_verdict(CALLER, declared="123456789012", environment="staging",
                              production_accounts=["123456789012"])
    assert verdict["production"] and verdict["guarded"] and verdict["known"]
    assert verdict["reason"] == "staging is production (account 123456789012 is in ops_runbooks_production_accounts)"


@pytest.mark.parametrize("environment", ["production", "prod", "PRODUCTION", "production-eu-central-1", "prod_us"])
def test_an_environment_named_production_is_production(environment):
    assert account_verdict(CALLER, declared="123456789012", environment=environment)["production"]


@pytest.mark.parametrize("environment", ["staging", "preprod", "products", "dev"])
def test_other_names_are_not(environment):
    assert not account_verdict(CALLER, declared="123456789012", environment=environment)["production"]


def test_the_label_still_makes_production():
    verdict = account_verdict(CALLER, declared="123456789012", environment="blue", label="true")
    assert verdict["production"] and "ops_runbooks_production" in verdict["reason"]


@pytest.mark.parametrize("caller, declared, why", [
    (CALLER, "", "no ops_runbooks_aws_account_id in its inventory (STS: 123456789012)"),
    ({"failed": True, "msg": "Unable to locate credentials"}, "123456789012", "STS gave no answer (Unable to locate credentials)"),
    ({"skipped": True}, "123456789012", "STS gave no answer"),
    (None, None, "no ops_runbooks_aws_account_id"),
])
def test_an_account_nobody_verified_is_guarded(caller, declared, why):
    verdict = account_verdict(caller, declared=declared, environment="dev")
    assert not verdict["known"] and verdict["guarded"] and not verdict["production"] and not verdict["mismatch"]
    assert why in verdict["reason"] and verdict["reason"].startswith("the account of dev is not verified")


def test_a_declared_account_sts_contradicts_is_a_mismatch_naming_both():
    verdict = account_verdict(CALLER, declared="999999999999", environment="staging")
    assert verdict["mismatch"] and verdict["guarded"] and not verdict["known"]
    assert verdict["reason"] == ("staging declares account 999999999999 but its credentials are of account "
                                 "123456789012: stopping this host before anything runs")


def test_the_role_of_a_fleet_host_declares_its_account():
    role = "arn:aws:iam::123456789012:role/ops-runbooks"
    assert account_verdict(CALLER, environment="dev-eu", role_arn=role)["known"]
    assert account_verdict(dict(CALLER, account="222222222222"), environment="dev-eu", role_arn=role)["mismatch"]
    both = account_verdict(CALLER, declared="222222222222", environment="dev-eu", role_arn=role)
    assert both["mismatch"] and "assumes a role of account 123456789012" in both["reason"]


def test_a_declared_id_that_is_no_account_id_is_refused():
    with pytest.raises(ValueError, match="ops_runbooks_aws_account_id of dev must be a 12-digit AWS account id"):
        account_verdict(CALLER, declared="12345", environment="dev")
