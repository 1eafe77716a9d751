#!/usr/bin/env bash
# `make demo`, run inside `sandbox.py run` (the sandbox is up and inventories/local points at it).
# Runs the daily health playbook on the seeded environment (which holds seeded problems: a message in a DLQ,
# an alarm in ALARM), then prints where the reports are. The sandbox is stopped by `run` afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "== daily health against inventories/local (the AWS emulator and PostgreSQL of the sandbox)"
ansible-playbook playbooks/daily_health.yml -i inventories/local -e daily_health_fail_on_failure=false
reports="${OPS_RUNBOOKS_REPORTS_DIR:-$PWD/reports}"
echo
echo "== report: $reports/daily_health-local.md"
cat "$reports/daily_health-local.md"
echo
echo "Reports written to $reports:"
ls -1 "$reports"
