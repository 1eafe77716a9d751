# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of ops.runbooks.caller_account: STS GetCallerIdentity on the controller (documentation in
plugins/modules/caller_account.py).

The first role of every play asks it whose account the host's credentials reach. As a module run (amazon.aws's
aws_caller_info) that question cost 0.8 s of every play - a process, the module's transfer, boto3's import and a
second call (iam:ListAccountAliases) - for one read; here it is one call from the controller's own process, with the
same connection options (module_defaults of group/ops.runbooks.aws) and the same credential chain.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase

# amazon.aws's connection options and their aliases (module_defaults of the group bring whichever the inventory uses)
_OPTIONS = {
    "region": ("region", "aws_region", "ec2_region"),
    "endpoint_url": ("endpoint_url", "aws_endpoint_url", "ec2_url", "s3_url"),
    "access_key": ("access_key", "aws_access_key_id", "aws_access_key", "ec2_access_key"),
    "secret_key": ("secret_key", "aws_secret_access_key", "aws_secret_key", "ec2_secret_key"),
    "session_token": ("session_token", "aws_session_token", "security_token", "aws_security_token",
                      "access_token"),
    "profile": ("profile", "aws_profile"),
    "validate_certs": ("validate_certs",),
    "aws_ca_bundle": ("aws_ca_bundle",),
}
_IGNORED = ("aws_config", "debug_botocore_endpoint_logs", "assume_role_arn")
TIMEOUTS = {"connect_timeout": 5, "read_timeout": 10}  # a broken endpoint costs seconds, not minutes
ATTEMPTS = 3


def connection(args):
    """The connection options of ``args`` by their canonical names; ValueError naming one given twice."""
    found = {}
    for name, aliases in _OPTIONS.items():
        given = [a for a in aliases if args.get(a) not in (None, "")]
        if len(set(str(args[a]) for a in given)) > 1:
            raise ValueError("%s: given twice, as %s" % (name, " and ".join(given)))
        if given:
            found[name] = args[given[0]]
    unknown = sorted(set(args) - {a for aliases in _OPTIONS.values() for a in aliases} - set(_IGNORED))
    if unknown:
        raise ValueError("unsupported option(s): %s" % ", ".join(unknown))
    return found


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        try:
            options = connection(self._task.args)
        except ValueError as e:
            result.update(failed=True, msg=str(e))
            return result
        try:
            # imported only when asked: the controller needs botocore anyway (amazon.aws's modules run there)
            import botocore.config  # pylint: disable=import-outside-toplevel
            import botocore.session  # pylint: disable=import-outside-toplevel
        except ImportError:
            result.update(failed=True, msg="caller_account needs botocore on the controller")
            return result
        verify = options.get("aws_ca_bundle") or options.get("validate_certs", True)
        if isinstance(verify, str) and verify.lower() in ("false", "no", "0"):
            verify = False
        try:
            session = botocore.session.Session(profile=options.get("profile"))
            client = session.create_client(
                "sts", region_name=options.get("region"), endpoint_url=options.get("endpoint_url"),
                aws_access_key_id=options.get("access_key"), aws_secret_access_key=options.get("secret_key"),
                aws_session_token=options.get("session_token"), verify=verify,
                config=botocore.config.Config(retries={"mode": "standard", "total_max_attempts": ATTEMPTS},
                                              user_agent_extra="ops.runbooks", **TIMEOUTS))
            identity = client.get_caller_identity()
        # botocore's errors and a missing profile alike
        except Exception as e:  # pylint: disable=broad-except
            result.update(failed=True, msg="STS GetCallerIdentity failed: %s" % " ".join(str(e).split()))
            return result
        result.update(changed=False, account=identity.get("Account"), arn=identity.get("Arn"),
                      user_id=identity.get("UserId"))
        return result
