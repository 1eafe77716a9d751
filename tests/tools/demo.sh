#!/usr/bin/env bash
# `make demo`, run inside `sandbox.py run` (the sandbox is up and inventories/local points at it).
# 1. Daily health on the seeded environment, which holds real problems (a message in a DLQ, an alarm in ALARM,
#    ERROR and timeout lines in a function's logs): the report shows them first.
# 2. An incident drill: P1 on the score function -> triage, SNS notification, rollback with a health gate, report.
# 3. An alarm drives the runbook: the orchestrator's error alarm fires (the notification CloudWatch sends to the alert
#    topic); ansible-rulebook with the alarm catalogue opens the incident and rolls the function back by itself.
# 4. The weekly review of the seeded week (performance, DLQs, cost, backups): one report with an HTML page of charts.
# The sandbox is stopped by `run` afterwards; the reports stay in ./reports.
set -euo pipefail
cd "$(dirname "$0")/../.."
reports="${OPS_RUNBOOKS_REPORTS_DIR:-$PWD/reports}"
rm -f "$reports"/daily_health-local.* "$reports"/incident-*-local.* "$reports"/weekly_review-local.*

echo "== 1. daily health against inventories/local (the AWS emulator and PostgreSQL of the sandbox)"
ansible-playbook playbooks/daily_health.yml -i inventories/local -e health_check_fail_on_failure=false
echo
echo "== report: $reports/daily_health-local.md"
head -n 12 "$reports/daily_health-local.md"
echo "   ..."

echo
echo "== 2. incident drill: P1 on ai-investment-score (triage, notify, rollback with health gate, report)"
ansible-playbook playbooks/incident.yml -i inventories/local \
  -e incident_response_severity=P1 \
  -e '{"incident_response_title": "Score API returning 5xx", "incident_response_functions": ["ai-investment-score"],
       "incident_response_actions": ["rollback"], "incident_response_rollback_health_check": {"invoke": {}, "retries": 0}}'
echo
incident=$(ls "$reports"/incident-*-score-api-returning-5xx-local.md)
echo "== post-incident report: $incident"
sed -n '/## Timeline/,/## Recent error lines/p' "$incident"

echo
echo "== 3. an alarm drives the runbook: ai-investment-orchestrator-errors fires -> ansible-rulebook -> incident + rollback"
python - <<'PY'
import json, boto3  # the sandbox's endpoint and credentials are in the environment (sandbox.py run)
sns = boto3.client("sns")
topic = next(t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(":ai-investment-alerts"))
name, function = "ai-investment-orchestrator-errors", "ai-investment-orchestrator"
# The alarm goes to ALARM, then CloudWatch notifies (the rulebook's procedure asks CloudWatch before it acts).
boto3.client("cloudwatch").set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="9 errors in 5 minutes")
sns.publish(TopicArn=topic, Subject='ALARM: "%s" in EU (Frankfurt)' % name, Message=json.dumps({
    "AlarmName": name, "AlarmDescription": None, "AWSAccountId": topic.split(":")[4], "NewStateValue": "ALARM",
    "NewStateReason": "Threshold Crossed: 1 datapoint [9.0] was greater than the threshold (5.0).",
    "StateChangeTime": "2026-11-23T08:00:00.000+0000", "Region": "EU (Frankfurt)", "OldStateValue": "OK",
    "AlarmArn": "arn:aws:cloudwatch:%s:%s:alarm:%s" % (topic.split(":")[3], topic.split(":")[4], name),
    "Trigger": {"MetricName": "Errors", "Namespace": "AWS/Lambda", "Statistic": "SUM", "Period": 300,
                "Dimensions": [{"name": "FunctionName", "value": function}], "EvaluationPeriods": 1,
                "ComparisonOperator": "GreaterThanThreshold", "Threshold": 5.0}}))
PY
OPS_RUNBOOKS_REPORTS_DIR="$reports" ops_runbooks_alarm_max_events=1 \
  ansible-rulebook -r ops.runbooks.alarm_response -i inventories/local \
    --vars inventories/shared/runbook_001_alarms.yml -E ops_runbooks_alarm_max_events
echo
alarm_incident=$(ls "$reports"/incident-*-alarm-ai-investment-orchestrator-errors-local.md)
echo "== the alarm's incident: $alarm_incident"
sed -n '/## Timeline/,/## Recent error lines/p' "$alarm_incident"

echo
echo "== 4. weekly review: performance of the week with recommendations, DLQs, cost against the budget, backups"
ansible-playbook playbooks/weekly_review.yml -i inventories/local -e weekly_review_fail_on_failure=false
echo
echo "== weekly review: $reports/weekly_review-local.md"
head -n 16 "$reports/weekly_review-local.md"
echo "   ..."

echo
echo "Reports written to $reports:"
ls -1 "$reports"
echo
echo "Open the weekly review in a browser: $reports/weekly_review-local.html"
