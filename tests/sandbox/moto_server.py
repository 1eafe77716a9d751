# -*- coding: utf-8 -*-
"""Start moto in server mode with the settings the sandbox needs.

Lambda must run in non-Docker mode *before* any function is created: switching it later
through ``/moto-api/config`` moves Lambda to another backend and existing functions vanish.
Usage: python moto_server.py PORT [HEALTH_PORT]

With HEALTH_PORT, the same process also serves ``GET /health`` on 127.0.0.1:HEALTH_PORT (200, ``{"status": "ok"}``):
the application health endpoint of the runbooks (000's API ``/health``, 003's ``http://localhost:8000/health``) for
the health checks, living exactly as long as the emulator. ``GET /api/health`` answers the same until a test asks
it to fail: ``POST /api/health?status=500`` makes it answer 500 (``{"status": "error"}``), ``?status=200`` heals it.
``GET /lambda-code/<account>/<region>/<function>/<version>`` serves a function version's deployment package: the
address GetFunction answers as ``Code.Location`` (patch 8 below).
"""
from __future__ import annotations

import http.server
import json
import math
import re
import sys
import threading
from xml.sax.saxutils import escape

from moto.awslambda import models as lambda_models
from moto.awslambda_simple import models as lambda_simple_models
from moto.cloudwatch import models as cloudwatch_models
from moto.core.config import default_user_config
from moto.core.exceptions import AWSError
from moto.core.responses import BaseResponse
from moto.iam import access_control
from moto.iam.models import iam_backends
from moto.s3 import exceptions as s3_exceptions
from moto.s3 import responses as s3_responses
from moto.sts.exceptions import STSClientError
from moto.sts.responses import TokenResponse
from moto.xray import models as xray_models
from moto.server import main

default_user_config["lambda"] = {"use_docker": False}

_ORIGINAL_IAM_REQUEST_INIT = access_control.IAMRequestBase.__init__


# Services whose SigV4 signing name differs from the IAM action prefix AWS uses.
_IAM_PREFIX = {"monitoring": "cloudwatch", "tagging": "tag"}
# API operations whose IAM action has another name (moto uses the operation name).
# SQS batch operations are authorized by the single action (AWS: "permissions for SendMessageBatch ... are the
# same as for SendMessage").
_IAM_ACTION = {
    "lambda:Invoke": "lambda:InvokeFunction",
    "sqs:SendMessageBatch": "sqs:SendMessage",
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
    # AWS Budgets authorizes its read calls as one action, and its changes as another.
    "budgets:DescribeBudgets": "budgets:ViewBudget",
    "budgets:DescribeBudget": "budgets:ViewBudget",
    "budgets:DescribeNotificationsForBudget": "budgets:ViewBudget",
    "budgets:CreateBudget": "budgets:ModifyBudget",
    "budgets:CreateNotification": "budgets:ModifyBudget",
    # X-Ray's REST paths: moto names the action after the path (/TraceSummaries).
    "xray:TraceSummaries": "xray:GetTraceSummaries",
}


def _iam_request_init(self, *args, **kwargs):
    """Work around two moto 5.2 gaps in IAM-enforcing mode.

    1. moto names the IAM action after the signing name and the API operation (``monitoring:GetMetricData``,
       ``lambda:Invoke``, ``apigateway:GetRestApis``) where AWS uses the IAM names (``cloudwatch:GetMetricData``,
       ``lambda:InvokeFunction``, ``apigateway:GET``): policies written for AWS would not match.

    2. For REST-style GET/HEAD/DELETE requests (Lambda's GetAlias, ListVersionsByFunction, ...) moto
    signs ``BaseResponse.data`` (a dict it filled from the request headers) as the request body,
    while the client signed an empty body, so every such call fails with SignatureDoesNotMatch.
    A body-less request is signed here with an empty body, as the client did.
    """
    _ORIGINAL_IAM_REQUEST_INIT(self, *args, **kwargs)
    service, _sep, action = self._action.partition(":")  # pylint: disable=protected-access
    name = "%s:%s" % (_IAM_PREFIX.get(service, service), action)
    if service == "apigateway":  # API Gateway's management API is authorized by HTTP verb: apigateway:GET, ...
        name = "apigateway:%s" % self._method  # pylint: disable=protected-access
    self._action = _IAM_ACTION.get(name, name)  # pylint: disable=protected-access
    if (self._method in ("GET", "HEAD", "DELETE") and not self._body  # pylint: disable=protected-access
            and not isinstance(self, access_control.S3IAMRequest)):  # S3 signs correctly and needs its data dict
        self._data = b""  # pylint: disable=protected-access


access_control.IAMRequestBase.__init__ = _iam_request_init

# 3. moto's S3 action map has no entry for the ?replication and ?encryption subresources, so their calls are
#    authorized as s3:ListBucket / s3:CreateBucket; AWS authorizes them as these actions.
s3_responses.ACTION_MAP["BUCKET"]["GET"].update(
    replication="GetReplicationConfiguration", encryption="GetEncryptionConfiguration")
s3_responses.ACTION_MAP["BUCKET"]["PUT"].update(
    replication="PutReplicationConfiguration", encryption="PutEncryptionConfiguration")

# 4. An action moto does not implement ends in a bare HTML "500 Internal Server Error", which a client cannot tell from
#    a real server fault. Answer it as a service error with the code NotImplemented (HTTP 501), in the service's own
#    protocol, so that a module can decide "not supported here" by the error code and never by a bare 5xx.
_ORIGINAL_CALL_ACTION = BaseResponse.call_action


def _call_action(self):
    try:
        return _ORIGINAL_CALL_ACTION(self)
    except NotImplementedError as e:
        message = escape(str(e))
        if "json" in (self.headers.get("Content-Type") or ""):  # JSON protocols (SQS, DynamoDB, Logs, ...)
            return 501, {"Content-Type": "application/x-amz-json-1.0", "x-amzn-ErrorType": "NotImplemented",
                         "x-amzn-query-error": "NotImplemented;Sender"}, \
                json.dumps({"__type": "NotImplemented", "message": str(e)})
        return 501, {"Content-Type": "text/xml"}, (
            "<ErrorResponse><Error><Type>Sender</Type><Code>NotImplemented</Code><Message>%s</Message></Error>"
            "</ErrorResponse>" % message)


BaseResponse.call_action = _call_action


# 5. moto's GetMetricData answers the five plain statistics only; a percentile such as p95 comes back empty. CloudWatch
#    computes percentiles from the raw values a metric was put with (Value, or Values/Counts), so do the same here:
#    nearest rank over the period's raw values (datapoints put as StatisticValues carry none, as in CloudWatch: such
#    a period has no datapoint in the answer - _without_gaps below).
_ORIGINAL_STATISTIC = cloudwatch_models.Statistics.get_statistics_for_type
_PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d+)?)$")


def _statistic(self, stat):
    found = _PERCENTILE.match(stat or "")
    if not found:
        return _ORIGINAL_STATISTIC(self, stat)
    values = sorted(self.metric_single_values_list)
    if not values:
        return None
    rank = max(1, math.ceil(float(found.group(1)) / 100.0 * len(values)))
    return values[min(rank, len(values)) - 1]


cloudwatch_models.Statistics.get_statistics_for_type = _statistic

# 6. moto's GetMetricData scans every datapoint of the window once per query and period: a batch of hundreds of
#    queries over a seeded week (the reviews') takes seconds per call where CloudWatch takes one. Answer a batch one
#    metric (namespace and name) at a time, each seeing only its own datapoints - the same answers, a fraction of
#    the scanning. Batches with metric math go to moto as they are.
_ORIGINAL_METRIC_DATA = cloudwatch_models.CloudWatchBackend.get_metric_data
_ORIGINAL_ALL_METRICS = cloudwatch_models.CloudWatchBackend.get_all_metrics
_ONLY = threading.local()


def _all_metrics(self):
    found = _ORIGINAL_ALL_METRICS(self)
    only = getattr(_ONLY, "metric", None)
    return found if only is None else [md for md in found if (md.namespace, md.name) == only]


def _metric_data(self, queries, start_time, end_time, scan_by="TimestampAscending"):
    if any("MetricStat" not in q for q in queries):
        return _ORIGINAL_METRIC_DATA(self, queries, start_time, end_time, scan_by)
    groups = {}
    for query in queries:
        metric = query["MetricStat"]["Metric"]
        groups.setdefault((metric["Namespace"], metric["MetricName"]), []).append(query)
    answers = {}
    for metric, group in groups.items():
        _ONLY.metric = metric
        try:
            answers.update((a["id"], a) for a in _ORIGINAL_METRIC_DATA(self, group, start_time, end_time, scan_by))
        finally:
            _ONLY.metric = None
    return [_without_gaps(answers[q["Id"]]) for q in queries if q["Id"] in answers]


def _without_gaps(answer):
    """A period whose percentile cannot be computed (its datapoints were put as StatisticValues, without raw values)
    has no datapoint in CloudWatch's answer; moto would put a None there and fail to serialize it (HTTP 500)."""
    values = answer.get("values")
    if values is None or all(v is not None for v in values):
        return answer
    kept = [(t, v) for t, v in zip(answer["timestamps"], values) if v is not None]
    return dict(answer, timestamps=[t for t, _v in kept], values=[v for _t, v in kept])


cloudwatch_models.CloudWatchBackend.get_all_metrics = _all_metrics
cloudwatch_models.CloudWatchBackend.get_metric_data = _metric_data


# 7. moto's AssumeRole succeeds for any role ARN, existing or not ("the role does not need to exist"). AWS refuses a
#    role that does not exist in its account with AccessDenied - the answer a fleet run gets for a host whose role
#    was never created (or was removed). Refuse it the same way; create the role in its account first (the header
#    x-moto-account-id addresses another account: tests/sandbox/sandbox.py Sandbox.account_client).
_ORIGINAL_ASSUME_ROLE = TokenResponse.assume_role


def _assume_role(self):
    role_arn = self._get_param("RoleArn") or ""  # pylint: disable=protected-access
    parts = role_arn.split(":")
    if len(parts) == 6 and parts[5].startswith("role/"):
        account, name = parts[4], parts[5].rsplit("/", 1)[-1]
        roles = iam_backends[account][parts[1] or "aws"].roles.values() if account in iam_backends else []
        if not any(role.name == name for role in roles):
            raise STSClientError("AccessDenied", "User: arn:aws:iam::%s:user/moto is not authorized to perform: "
                                 "sts:AssumeRole on resource: %s" % (self.current_account, role_arn))
    return _ORIGINAL_ASSUME_ROLE(self)


TokenResponse.assume_role = _assume_role


# 8. moto's GetFunction answers Code.Location with an address on AWS's S3 (awslambda-<region>-tasks.s3...amazonaws.com)
#    that serves nothing here, and the sandbox sends no traffic off 127.0.0.1. Lambda answers a presigned URL from
#    which the function's deployment package downloads; answer one on this process's health server instead
#    (GET /lambda-code/<account>/<region>/<function>/<version>), serving the bytes moto keeps for that version. Only
#    with HEALTH_PORT; an image function keeps its ImageUri.
_ORIGINAL_GET_CODE = lambda_models.LambdaFunction.get_code
_CODE_PORT = []


def _get_code(self):
    answer = _ORIGINAL_GET_CODE(self)
    if _CODE_PORT and (answer.get("Code") or {}).get("RepositoryType") == "S3" and getattr(self, "code_bytes", None):
        answer["Code"]["Location"] = "http://127.0.0.1:%d/lambda-code/%s/%s/%s/%s" % (
            _CODE_PORT[0], self.account_id, self.region, self.function_name, self.version)
    return answer


lambda_models.LambdaFunction.get_code = _get_code


def _code_of(path):
    """The deployment package of ``/lambda-code/<account>/<region>/<function>/<version>``, or None."""
    parts = path.split("/")
    if len(parts) != 6 or parts[1] != "lambda-code":
        return None
    account, region, function, version = parts[2:]
    try:  # Lambda without Docker lives in the awslambda_simple backend (see the top of this file)
        found = lambda_simple_models.lambda_simple_backends[account][region].get_function(function, version)
    except Exception:  # pylint: disable=broad-except  # moto's not-found errors: answered 404
        return None
    return getattr(found, "code_bytes", None) or None


# 10. moto's GetBucketReplication answers every rule with the filter Prefix "" and DeleteMarkerReplication Disabled,
#     whatever was put: a module that keeps the other rules of a bucket would rewrite them with that answer, and a
#     rule read back never equals the one written. Answer what was put, as S3 does.
def _get_bucket_replication(self):
    self.data["Action"] = "GetBucketReplication"
    replication = self.backend.get_bucket_replication(self.bucket_name)
    if not replication:
        raise s3_exceptions.ReplicationConfigurationNotFoundError(bucket_name=self.bucket_name)
    rules = []
    for rule in replication["Rule"]:
        kept = rule.get("Filter") if isinstance(rule.get("Filter"), dict) else {}
        marker = rule.get("DeleteMarkerReplication") if isinstance(rule.get("DeleteMarkerReplication"), dict) else {}
        rules.append({"ID": rule["ID"], "Priority": rule["Priority"], "Status": rule["Status"],
                      "DeleteMarkerReplication": {"Status": marker.get("Status") or "Disabled"},
                      "Filter": {"Prefix": kept.get("Prefix") or ""}, "Destination": rule["Destination"]})
    return self.serialized(s3_responses.ActionResult({"ReplicationConfiguration": {
        "Role": replication["Role"], "Rules": rules}}))


s3_responses.S3Response.get_bucket_replication = _get_bucket_replication


# 9. moto's GetTraceSummaries with a FilterExpression (every query of the runbooks has one) answers a 500
#    InternalFailure "Not implemented yet" - a server fault a client retries for its whole budget. Answer it as the
#    NotImplemented of patch 4 (HTTP 501, not retried), so that a module reports "not supported here" at once.
_ORIGINAL_TRACE_SUMMARY = xray_models.XRayBackend.get_trace_summary


def _trace_summary(self, start_time, end_time, filter_expression=None):
    if filter_expression is not None:
        raise AWSError("GetTraceSummaries with a FilterExpression is not implemented by moto",
                       exception_type="NotImplemented", status=501)
    return _ORIGINAL_TRACE_SUMMARY(self, start_time, end_time, filter_expression)


xray_models.XRayBackend.get_trace_summary = _trace_summary


class _Health(http.server.BaseHTTPRequestHandler):
    api_status = 200  # what GET /api/health answers; POST /api/health?status=N sets it (200 or 500)

    def do_GET(self):  # noqa: N802  pylint: disable=invalid-name
        path = self.path.split("?")[0]
        if path == "/health":
            self._answer(200, {"status": "ok"})
        elif path == "/api/health":
            status = _Health.api_status
            self._answer(status, {"status": "ok" if status == 200 else "error"})
        elif _code_of(path) is not None:
            self._send(200, "application/zip", _code_of(path))
        else:
            self._answer(404, {"error": "not found"})

    def do_POST(self):  # noqa: N802  pylint: disable=invalid-name
        path, _sep, query = self.path.partition("?")
        wanted = dict(part.split("=", 1) for part in query.split("&") if "=" in part).get("status")
        if path != "/api/health" or wanted not in ("200", "500"):
            self._answer(400, {"error": "POST /api/health?status=200|500"})
            return
        _Health.api_status = int(wanted)
        self._answer(200, {"api_status": _Health.api_status})

    def _answer(self, status, document):
        self._send(status, "application/json", json.dumps(document).encode())

    def _send(self, status, content_type, body):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # pylint: disable=arguments-differ
        pass


if __name__ == "__main__":
    if len(sys.argv) > 2:
        health = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), _Health)
        _CODE_PORT.append(int(sys.argv[2]))
        threading.Thread(target=health.serve_forever, daemon=True).start()
    main(["-H", "127.0.0.1", "-p", sys.argv[1]])
