# -*- coding: utf-8 -*-
"""Real-shaped CloudWatch alarm notifications (what CloudWatch sends to SNS) and the SNS envelope SQS receives, for
the tests of the event source ops.runbooks.alarm_queue (unit and integration)."""
from __future__ import annotations

import json

SINGLE = {
    "AlarmName": "ai-investment-score-errors", "AlarmDescription": "Lambda errors of the score function",
    "AWSAccountId": "123456789012", "AlarmConfigurationUpdatedTimestamp": "2026-11-20T10:00:00.000+0000",
    "NewStateValue": "ALARM", "NewStateReason": "Threshold Crossed: 1 datapoint [7.0 (23/11/26 07:55:00)] was "
    "greater than the threshold (5.0).", "StateChangeTime": "2026-11-23T08:00:00.123+0000",
    "Region": "EU (Frankfurt)", "AlarmArn": "arn:aws:cloudwatch:eu-central-1:123456789012:alarm:ai-investment-score-errors",
    "OldStateValue": "OK", "OKActions": [], "AlarmActions": ["arn:aws:sns:eu-central-1:123456789012:ai-investment-alerts"],
    "InsufficientDataActions": [],
    "Trigger": {"MetricName": "Errors", "Namespace": "AWS/Lambda", "StatisticType": "Statistic", "Statistic": "SUM",
                "Unit": None, "Dimensions": [{"value": "ai-investment-score", "name": "FunctionName"}], "Period": 300,
                "EvaluationPeriods": 1, "DatapointsToAlarm": 1, "ComparisonOperator": "GreaterThanThreshold",
                "Threshold": 5.0, "TreatMissingData": "missing", "EvaluateLowSampleCountPercentile": ""},
}
MATH = dict(SINGLE, AlarmName="ai-investment-score-error-rate", Trigger={
    "Metrics": [
        {"Expression": "100 * errors / invocations", "Id": "rate", "Label": "error rate", "ReturnData": True},
        {"Id": "errors", "ReturnData": False, "MetricStat": {"Metric": {
            "Dimensions": [{"value": "ai-investment-score", "name": "FunctionName"}], "MetricName": "Errors",
            "Namespace": "AWS/Lambda"}, "Period": 300, "Stat": "Sum"}},
        {"Id": "invocations", "ReturnData": False, "MetricStat": {"Metric": {
            "Dimensions": [{"value": "ai-investment-score", "name": "FunctionName"}], "MetricName": "Invocations",
            "Namespace": "AWS/Lambda"}, "Period": 300, "Stat": "Sum"}}],
    "Period": 300, "EvaluationPeriods": 1, "ComparisonOperator": "GreaterThanThreshold", "Threshold": 5.0,
    "TreatMissingData": "notBreaching"})
COMPOSITE = {
    "AlarmName": "ai-investment-api-degraded", "AlarmDescription": "5xx and latency together", "AWSAccountId":
    "123456789012", "NewStateValue": "ALARM", "NewStateReason": "arn:...:alarm:ai-investment-api-5xx transitioned to "
    "ALARM at Monday 23 November, 2026 08:00:00 UTC", "StateChangeTime": "2026-11-23T08:00:05.000+0000",
    "Region": "EU (Frankfurt)", "AlarmArn": "arn:aws:cloudwatch:eu-central-1:123456789012:alarm:ai-investment-api-degraded",
    "OldStateValue": "OK", "AlarmRule": "ALARM(ai-investment-api-5xx) AND ALARM(ai-investment-api-latency)",
    "TriggeringChildren": [{"Arn": "arn:aws:cloudwatch:eu-central-1:123456789012:alarm:ai-investment-api-5xx",
                            "State": {"Value": "ALARM", "Timestamp": "2026-11-23T08:00:00.000+0000"}}],
}


def envelope(message, message_id="0d8f-1"):
    """What SNS puts into the subscribed queue (raw message delivery off)."""
    return json.dumps({"Type": "Notification", "MessageId": message_id,
                       "TopicArn": "arn:aws:sns:eu-central-1:123456789012:ai-investment-alerts",
                       "Subject": 'ALARM: "%s" in EU (Frankfurt)' % message.get("AlarmName"),
                       "Message": json.dumps(message), "Timestamp": "2026-11-23T08:00:01.000Z",
                       "SignatureVersion": "1", "Signature": "x", "SigningCertURL": "https://sns", "UnsubscribeURL": "u"})
