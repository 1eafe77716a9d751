# -*- coding: utf-8 -*-
"""The HTML report (plugins/filter/report_html.py): well-formed (parsed as XML), one <svg> per chart that has data,
each chart carrying its title and series, everything escaped, failures first."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ops.runbooks.plugins.filter import report_html as report

SVG = "{http://www.w3.org/2000/svg}svg"
CHARTS = [
    {"title": "Duration p95 per day (ms)", "kind": "line", "x": ["11-16", "11-17", "11-18"], "y_label": "ms",
     "series": [{"name": "score", "values": [1200, None, 1300]}, {"name": "orchestrator", "values": [20000, 20000, 1]}]},
    {"title": "Cost per service per month", "kind": "stacked_bar", "x": ["2026-09", "2026-10"],
     "series": [{"name": "AWS Lambda", "values": [20.5, 22.4]}, {"name": "S3 & <Other>", "values": [5, 6]}],
     "lines": [{"label": "budget $100", "value": 100}]},
    {"title": "Throttled requests", "kind": "bar", "x": ["11-16"], "series": [{"name": "signals", "values": [None]}]},
    {"title": "Errors", "kind": "bar", "x": ["a", "b"], "series": [{"name": "x", "values": [1, 2]},
                                                                   {"name": "y", "values": [0, 3]}]},
]
RESULT = {"title": "Weekly review: <local>", "summary": {"pass": 1, "warn": 1, "fail": 1, "unknown": 0, "skipped": 0},
          "checks": [{"status": "fail", "resource": "a&b", "check": "c", "reason": "<script>alert(1)</script>"},
                     {"status": "warn", "resource": "w", "check": "c", "reason": "warned"},
                     {"status": "pass", "resource": "p", "check": "c", "reason": "fine"}]}


def parse(page):
    assert page.startswith("<!DOCTYPE html>\n")
    return ET.fromstring(page.split("\n", 1)[1])  # the rest is well-formed XML (XHTML syntax)


def text_of(element):
    return "".join(element.itertext())


def test_every_chart_with_data_is_one_svg_with_its_title_and_series():
    page = report.report_html(RESULT, CHARTS, [], "2026-11-23 05:00 UTC", "local")
    root = parse(page)
    figures = list(root.iter("figure"))
    assert len(figures) == len(CHARTS)
    with_data = [c for c in CHARTS if report.has_data(c)]
    svgs = list(root.iter(SVG))
    assert len(svgs) == len(with_data) == 3
    for spec, svg in zip(with_data, svgs):
        drawn = text_of(svg)
        assert svg.get("aria-label") == spec["title"] and spec["title"] in drawn
        for series in spec["series"]:
            assert series["name"] in drawn, (spec["title"], series["name"])
        for line in spec.get("lines", []):
            assert line["label"] in drawn
    assert "Throttled requests: no data in the window" in text_of(figures[2])
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids)), "element ids repeat between charts"


def test_failures_first_escaped_and_counted():
    root = parse(report.report_html(RESULT, [], [{"resource": "f", "setting": "timeout", "current": 30,
                                                  "recommended": 33, "reason": "p99 <high>"}]))
    assert root.find("head/title").text == "Weekly review: <local>"
    tables = list(root.iter("table"))
    attention = [text_of(td) for td in tables[0].iter("td")]
    assert attention[:4] == ["fail", "a&b", "c", "<script>alert(1)</script>"]  # the text, not markup
    assert "pass" not in attention
    assert [text_of(td) for td in tables[1].iter("td")] == ["f", "timeout", "30", "33", "p99 <high>"]
    counts = [text_of(d) for d in root.iter("div") if d.get("class") == "count"]
    assert counts == ["1fail", "1warn", "0unknown", "1pass", "0skipped"]
    assert not list(root.iter(SVG))  # no charts given, none drawn (matplotlib not even needed)


def test_tables_of_figures():
    root = parse(report.report_html(RESULT, tables=[{"title": "Services", "columns": ["service", "USD"],
                                                     "rows": [["AWS Lambda", "22.44"], ["S3 & co", "7.96"]]}]))
    assert "Services" in [h.text for h in root.iter("h2")]
    assert ["AWS Lambda", "22.44", "S3 & co", "7.96"] == [text_of(td) for td in list(root.iter("table"))[1].iter("td")]


@pytest.mark.parametrize("spec, message", [
    ({"title": "t", "kind": "pie", "x": [], "series": []}, "kind 'pie' is not one of"),
    ({"title": "t", "x": ["a", "b"], "series": [{"name": "s", "values": [1]}]}, "has 1 values for 2 x labels"),
    ("not a spec", "a chart spec is a dict"),
])
def test_bad_chart_specs_are_named(spec, message):
    with pytest.raises(AnsibleFilterError, match=message):
        report.chart_svg(spec)
    with pytest.raises(AnsibleFilterError, match="report_result"):
        report.report_html({"title": "no checks"})
