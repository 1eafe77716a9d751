#!/usr/bin/env bash
# `make demo`, run inside `sandbox.py run` (the sandbox is up and inventories/local points at it).
# 1. Daily health on the seeded environment, which holds real problems (a message in a DLQ, an alarm in ALARM,
#    ERROR and timeout lines in a function's logs): the report shows them first.
# 2. An incident drill: P1 on the score function -> triage, SNS notification, rollback with a health gate, report.
# 3. The weekly review of the seeded week (performance, DLQs, cost, backups): one report with an HTML page of charts.
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
incident=$(ls "$reports"/incident-*-local.md)
echo "== post-incident report: $incident"
sed -n '/## Timeline/,/## Recent error lines/p' "$incident"

echo
echo "== 3. weekly review: performance of the week with recommendations, DLQs, cost against the budget, backups"
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
