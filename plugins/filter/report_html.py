# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters ``ops.runbooks.chart_svg`` and ``ops.runbooks.report_html``: a report people look at.

``chart_svg`` draws one chart spec with matplotlib as SVG (text kept as text, ids unique per chart, no XML prolog, so
several embed in one page); ``report_html`` writes the whole report as one self-contained, well-formed HTML file:
title, the counts by status, the failures first, the recommendations, the charts, then every check.

A chart spec: ``{title, kind: line|bar|stacked_bar, x: [labels], series: [{name, values}], y_label,
lines: [{label, value}]}`` (``lines`` are horizontal reference lines such as a budget). A chart without any value
is not drawn: the report says "no data" in its place.
"""

from __future__ import annotations

import html
import io
import os
import re
import tempfile

from ansible.errors import AnsibleFilterError

from ansible_collections.ops.runbooks.plugins.plugin_utils.private_dir import own_private_dir

STATUS_COLORS = {"fail": "#c62828", "warn": "#ef6c00", "unknown": "#6a1b9a", "pass": "#2e7d32", "skipped": "#757575"}
STATUS_ORDER = ("fail", "warn", "unknown", "pass", "skipped")
KINDS = ("line", "bar", "stacked_bar")

_PYPLOT = None


def _pyplot():
    """matplotlib's pyplot on the file-only Agg backend (imported once, on first use: a report without charts
    never loads it). Its font cache goes to a writable place even where HOME is not (an AWX job)."""
    global _PYPLOT  # pylint: disable=global-statement
    if _PYPLOT is None:
        if not os.environ.get("MPLCONFIGDIR") and not os.access(os.path.expanduser("~"), os.W_OK):
            # a private directory of this user (another user could have made the fixed name first), else a new one
            shared = os.path.join(tempfile.gettempdir(), "ops-runbooks-matplotlib-%d" % os.getuid())
            os.environ["MPLCONFIGDIR"] = own_private_dir(shared) or tempfile.mkdtemp(prefix="ops-runbooks-matplotlib-")
        try:
            import matplotlib
        except ImportError:
            raise AnsibleFilterError("chart_svg needs matplotlib on the controller (pip install matplotlib; the "
                                     "collection's requirements-runtime.txt lists it)") from None
        matplotlib.use("Agg")
        from matplotlib import pyplot
        _PYPLOT = pyplot
    return _PYPLOT


def has_data(spec):
    return any(v is not None for s in spec.get("series") or [] for v in s.get("values") or [])


def _check_spec(spec):
    if not isinstance(spec, dict):
        raise AnsibleFilterError("chart_svg: a chart spec is a dict, got %r" % (spec,))
    if spec.get("kind", "line") not in KINDS:
        raise AnsibleFilterError("chart_svg: kind %r is not one of %s" % (spec.get("kind"), ", ".join(KINDS)))
    x = spec.get("x") or []
    for series in spec.get("series") or []:
        if len(series.get("values") or []) != len(x):
            raise AnsibleFilterError("chart_svg: series %r of chart %r has %d values for %d x labels" % (
                series.get("name"), spec.get("title"), len(series.get("values") or []), len(x)))


def chart_svg(spec, chart_id="chart"):
    """One chart as an ``<svg>`` element (string)."""
    _check_spec(spec)
    pyplot = _pyplot()
    x = [str(label) for label in spec.get("x") or []]
    series = spec.get("series") or []
    kind = spec.get("kind", "line")
    with pyplot.rc_context({"svg.fonttype": "none", "svg.hashsalt": str(chart_id), "font.size": 9}):
        figure, axes = pyplot.subplots(figsize=(7.2, 3.4))
        try:
            positions = list(range(len(x)))
            if kind == "line":
                for s in series:
                    values = [float("nan") if v is None else float(v) for v in s["values"]]
                    axes.plot(positions, values, marker="o", markersize=3, linewidth=1.6, label=s["name"])
            elif kind == "stacked_bar":
                bottom = [0.0] * len(x)
                for s in series:
                    values = [0.0 if v is None else float(v) for v in s["values"]]
                    axes.bar(positions, values, bottom=bottom, label=s["name"], width=0.6)
                    bottom = [b + v for b, v in zip(bottom, values)]
            else:
                width = 0.8 / max(1, len(series))
                for i, s in enumerate(series):
                    values = [0.0 if v is None else float(v) for v in s["values"]]
                    axes.bar([p - 0.4 + width * (i + 0.5) for p in positions], values, width=width, label=s["name"])
            for line in spec.get("lines") or []:
                axes.axhline(float(line["value"]), linestyle="--", linewidth=1.2, color="#c62828", label=line["label"])
            axes.set_xticks(positions)
            axes.set_xticklabels(x, rotation=0 if len(x) <= 8 else 45)
            axes.set_title(spec.get("title", ""))
            if spec.get("y_label"):
                axes.set_ylabel(spec["y_label"])
            axes.grid(axis="y", alpha=0.3)
            axes.spines[["top", "right"]].set_visible(False)
            axes.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=8)
            figure.tight_layout()
            out = io.StringIO()
            figure.savefig(out, format="svg")
        finally:
            pyplot.close(figure)
    svg = out.getvalue()
    svg = svg[svg.index("<svg"):]  # no XML declaration or DOCTYPE inside an HTML page
    # matplotlib numbers its ids per figure (figure_1, patch_1, ...): prefix them, and what refers to them, with the
    # chart's id so that several charts in one page keep their ids unique.
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", str(chart_id)) + "-"
    svg = re.sub(r'\bid="([^"]+)"', lambda m: 'id="%s%s"' % (prefix, m.group(1)), svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: "url(#%s%s)" % (prefix, m.group(1)), svg)
    svg = re.sub(r'href="#([^"]+)"', lambda m: 'href="#%s%s"' % (prefix, m.group(1)), svg)
    svg = re.sub(r"<svg ", '<svg role="img" aria-label="%s" ' % html.escape(spec.get("title", ""), quote=True), svg,
                 count=1)
    return svg


_CSS = """
body{font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;margin:2rem auto;max-width:1280px;
color:#212121;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #e0e0e0}
.meta{color:#616161;font-size:.9rem}
.counts{display:flex;gap:.6rem;margin:1rem 0}
.count{border-radius:6px;padding:.5rem .9rem;color:#fff;font-weight:600;min-width:5rem;text-align:center}
.count span{display:block;font-size:1.4rem}
table{border-collapse:collapse;width:100%;font-size:.88rem}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #eeeeee;vertical-align:top}
th{background:#fafafa}
.status{font-weight:700;text-transform:uppercase;font-size:.78rem;white-space:nowrap}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:1rem}
figure{margin:0;border:1px solid #eeeeee;border-radius:6px;padding:.5rem}
figure svg{width:100%;height:auto}
.nodata{color:#757575;font-style:italic;padding:1rem}
"""


def _e(value):
    return html.escape("" if value is None else str(value), quote=True)


def _checks_table(rows):
    out = ["<table><thead><tr><th>status</th><th>resource</th><th>check</th><th>reason</th></tr></thead><tbody>"]
    for c in rows:
        out.append('<tr><td class="status" style="color:%s">%s</td><td>%s</td><td>%s</td><td>%s</td></tr>' % (
            STATUS_COLORS.get(c.get("status"), "#212121"), _e(c.get("status")), _e(c.get("resource")),
            _e(c.get("check")), _e(c.get("reason"))))
    out.append("</tbody></table>")
    return "".join(out)


def report_html(report, charts=None, recommendations=None, generated=None, environment=None, tables=None):
    """The whole report page. ``report`` is the report role's ``report_result`` (title, summary, checks - failures
    first); ``charts`` chart specs; ``recommendations`` ``{resource, setting, current, recommended, reason}``;
    ``tables`` ``{title, columns, rows}`` of figures."""
    if not isinstance(report, dict) or "checks" not in report:
        raise AnsibleFilterError("report_html: give the report role's report_result (title, summary, checks)")
    checks = list(report.get("checks") or [])
    summary = report.get("summary") or {}
    title = report.get("title") or "Report"
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8"/>',
             '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
             "<title>%s</title><style>%s</style></head><body>" % (_e(title), _CSS),
             "<h1>%s</h1>" % _e(title),
             '<p class="meta">%s%s%d checks</p>' % ("environment %s &#183; " % _e(environment) if environment else "",
                                                    "generated %s &#183; " % _e(generated) if generated else "",
                                                    len(checks)),
             '<div class="counts">']
    for status in STATUS_ORDER:
        parts.append('<div class="count" style="background:%s"><span>%s</span>%s</div>' % (
            STATUS_COLORS[status], _e(summary.get(status, sum(1 for c in checks if c.get("status") == status))),
            status))
    parts.append("</div>")
    attention = [c for c in checks if c.get("status") in ("fail", "warn", "unknown")]
    parts.append("<h2>Needs attention (%d)</h2>" % len(attention))
    parts.append(_checks_table(attention) if attention else '<p class="nodata">Nothing failed or warned.</p>')
    if recommendations:
        parts.append("<h2>Recommendations (%d) - not applied</h2>" % len(recommendations))
        parts.append("<table><thead><tr><th>resource</th><th>setting</th><th>now</th><th>recommended</th>"
                     "<th>why</th></tr></thead><tbody>")
        for r in recommendations:
            parts.append("<tr><td>%s</td><td>%s</td><td>%s</td><td><b>%s</b></td><td>%s</td></tr>" % (
                _e(r.get("resource")), _e(r.get("setting")), _e(r.get("current") if r.get("current") is not None
                                                                else "-"),
                _e(r.get("recommended")), _e(r.get("reason"))))
        parts.append("</tbody></table>")
    for table in tables or []:
        parts.append("<h2>%s</h2><table><thead><tr>%s</tr></thead><tbody>" % (
            _e(table.get("title")), "".join("<th>%s</th>" % _e(c) for c in table.get("columns") or [])))
        for row in table.get("rows") or []:
            parts.append("<tr>%s</tr>" % "".join("<td>%s</td>" % _e(cell) for cell in row))
        parts.append("</tbody></table>")
    if charts:
        parts.append('<h2>Trends</h2><div class="charts">')
        for index, spec in enumerate(charts):
            if has_data(spec):
                parts.append('<figure class="chart">%s</figure>' % chart_svg(spec, "chart%d" % index))
            else:
                parts.append('<figure class="chart"><p class="nodata">%s: no data in the window</p></figure>'
                             % _e(spec.get("title")))
        parts.append("</div>")
    parts.append("<h2>All checks (%d)</h2>" % len(checks))
    parts.append(_checks_table(checks))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


class FilterModule:
    def filters(self):
        return {"chart_svg": chart_svg, "report_html": report_html}
