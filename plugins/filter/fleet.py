# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter ``ops.runbooks.fleet_summary``: one report's results of every host of a fleet run, as one summary."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.ops.runbooks.plugins.module_utils.checks import summarize
from ansible_collections.ops.runbooks.plugins.plugin_utils.data import returning_data

STATUS_RANK = {"fail": 0, "warn": 1, "unknown": 2, "pass": 3}
NO_REPORT = "no report: the host failed before writing it (see the job log)"


def _count(summary, status):
    try:
        return int((summary or {}).get(status) or 0)
    except (TypeError, ValueError):
        return 0


def _host(row, report_name):
    report = row.get("report") or {}
    if report.get("name") != report_name:  # the host never wrote this report (or wrote another one earlier)
        report = {}
    counts = {status: _count(report.get("summary"), status) for status in ("pass", "warn", "fail", "unknown")}
    if not report:
        status, worst = "fail", row.get("error") or NO_REPORT
    else:
        status = next((s for s in ("fail", "warn", "unknown") if counts[s]), "pass")
        first = next((c for c in report.get("checks") or [] if c.get("status") in ("fail", "warn", "unknown")), None)
        worst = "%s | %s: %s" % (first.get("resource"), first.get("check"), first.get("reason")) if first else ""
    return dict(counts, host=row.get("host"), environment=row.get("environment") or row.get("host"),
                account=row.get("account") or "", region=row.get("region") or "", status=status, worst=worst,
                report=report.get("path") or "", html=report.get("html_path") or "",
                error=row.get("error") or ("" if report else NO_REPORT))


def fleet_summary(rows, report_name, path, html=True, plan=False):
    """The fleet summary of ``report_name``.

    ``rows`` is one ``{host, environment, region, account, report, error}`` per host of the run, ``report`` the
    host's ``report_result`` (the report role's result) and ``error`` why the host has none (its role could not be
    assumed). A host is ``fail`` when it failed a check or has no report, else ``warn``, ``unknown`` or ``pass`` by
    its worst check. Returns the report role's shape (``title``, ``summary`` by host status, ``checks`` - one per
    host, worst first) for the HTML page, and ``hosts`` (per host: counts, worst finding, report paths), ``brief``,
    ``table``, ``text`` and the file paths (``path``, ``json_path``, ``html_path``).
    """
    if not isinstance(rows, list) or not all(isinstance(r, dict) and r.get("host") for r in rows):
        raise AnsibleFilterError("fleet_summary: give a list of {host, environment, region, account, report, error}")
    if not str(path).endswith(".md"):
        raise AnsibleFilterError("fleet_summary: the path of the markdown summary must end in .md, got %r" % path)
    hosts = sorted((_host(r, report_name) for r in rows), key=lambda h: (STATUS_RANK[h["status"]], h["host"]))
    checks = [{"resource": h["host"], "check": report_name, "status": h["status"],
               "observed": {s: h[s] for s in ("pass", "warn", "fail", "unknown")}, "expected": "no failed check",
               "reason": h["worst"] or "%d checks passed" % h["pass"]} for h in hosts]
    summary = summarize(hosts)  # by host status, counted as every report counts its checks
    title = "%sFleet summary: %s, %d hosts" % ("Plan (check mode, nothing changed): " if plan else "", report_name,
                                               len(hosts))
    columns = ["status", "host", "environment", "account", "region", "pass", "warn", "fail", "unknown",
               "worst finding", "report"]
    table = {"title": "Hosts", "columns": columns,
             "rows": [[h["status"].upper(), h["host"], h["environment"], h["account"] or "-", h["region"] or "-",
                       h["pass"], h["warn"], h["fail"], h["unknown"], h["worst"] or "-", h["report"] or "-"]
                      for h in hosts]}
    text = "%s: %d pass, %d warn, %d fail, %d unknown hosts. %s" % (
        title, summary["pass"], summary["warn"], summary["fail"], summary["unknown"],
        "; ".join("%s %s%s" % (h["host"], h["status"].upper(), (" (" + h["worst"] + ")") if h["worst"] else "")
                  for h in hosts))
    base = str(path)[:-3]
    return {"name": "fleet-" + report_name, "title": title, "summary": summary, "checks": checks,
            "failed": [c for c in checks if c["status"] == "fail"], "hosts": hosts, "table": table, "text": text,
            "brief": [{"host": h["host"], "status": h["status"], "worst": h["worst"]} for h in hosts],
            "path": base + ".md", "json_path": base + ".json", "html_path": base + ".html" if html else ""}


def fleet_rows(names, hostvars):
    """One ``{host, environment, region, account, report, error}`` per host of the play (``ansible_play_hosts_all``)
    from its variables (``hostvars``): what ``fleet_summary`` summarizes."""
    if not isinstance(names, list):
        raise AnsibleFilterError("fleet_rows expects the play's hosts (ansible_play_hosts_all) and hostvars")
    rows = []
    for name in names:
        host = hostvars[name]
        rows.append({"host": name, "environment": host.get("ops_runbooks_environment") or name,
                     "region": host.get("ops_runbooks_aws_region") or "",
                     "account": (host.get("fleet_session") or {}).get("account") or "",
                     "report": host.get("report_result") or {}, "error": host.get("fleet_session_error") or ""})
    return rows


class FilterModule:
    def filters(self):
        return returning_data({"fleet_rows": fleet_rows, "fleet_summary": fleet_summary})
