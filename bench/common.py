# -*- coding: utf-8 -*-
"""What every benchmark shares: timing several runs, printing medians with their spread, and one JSON line per
benchmark that ``bench/run.py`` collects into ``bench/results.json`` (compared with the previous run there)."""
from __future__ import annotations

import json
import statistics
import time

RUNS = 3  # each method at least this often (BENCH_RUNS overrides); the median counts, min and max show the spread
RESULT_PREFIX = "BENCH-RESULT "


def timed(function, runs, *args):
    """Run ``function(*args, run_number)`` ``runs`` times: ``{median, min, max, runs}`` in seconds."""
    values = []
    for number in range(runs):
        start = time.perf_counter()
        function(*args, number)
        values.append(time.perf_counter() - start)
    return stats(values)


def stats(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "runs": [round(v, 3) for v in values]}


def report(name, description, methods, ratios):
    """Print each method (label: stats) and each ratio (name: (value, goal text)), then the JSON line."""
    print("%s: %s" % (name, description))
    width = max(len(label) for label in methods)
    for label, found in methods.items():
        print("  %-*s  median %8.2f s   (min %.2f, max %.2f, %d runs)" % (
            width, label, found["median"], found["min"], found["max"], len(found["runs"])))
    for ratio, (value, goal) in ratios.items():
        print("  %-28s %7.3f   %s" % (ratio, value, goal))
    print(RESULT_PREFIX + json.dumps({"benchmark": name, "description": description, "methods": methods,
                                      "ratios": dict((k, round(v[0], 3)) for k, v in ratios.items())}), flush=True)
