# -*- coding: utf-8 -*-
"""`make bench`: run every benchmark in bench/ (each prints its methods, medians, spreads and ratios), write them
to bench/results.json, and show how the ratios moved since the run recorded there. Not part of `make test`."""
from __future__ import annotations

import datetime
import glob
import json
import os
import platform
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from common import RESULT_PREFIX  # noqa: E402  pylint: disable=wrong-import-position

RESULTS = os.path.join(HERE, "results.json")


def main():
    previous = {}
    if os.path.exists(RESULTS):
        with open(RESULTS, encoding="utf-8") as fh:
            previous = dict((r["benchmark"], r) for r in json.load(fh).get("results", []))
    status, results = 0, []
    only = os.environ.get("BENCH")  # e.g. BENCH=backup_verify: run that one, keep the others' last results
    for script in sorted(glob.glob(os.path.join(HERE, "bench_*.py"))):
        if only and only not in os.path.basename(script):
            continue
        print("== %s" % os.path.basename(script), flush=True)
        proc = subprocess.Popen([sys.executable, script], stdout=subprocess.PIPE, text=True)
        for line in proc.stdout:
            if line.startswith(RESULT_PREFIX):
                results.append(json.loads(line[len(RESULT_PREFIX):]))
            else:
                print(line, end="", flush=True)
        status |= proc.wait()
    for result in results:
        before = previous.get(result["benchmark"])
        if before:
            print("%s ratios since %s: %s" % (result["benchmark"], previous_when(), ", ".join(
                "%s %s -> %s" % (k, before["ratios"].get(k), v) for k, v in result["ratios"].items())))
    ran = set(r["benchmark"] for r in results)
    results += [r for name, r in sorted(previous.items()) if name not in ran]
    with open(RESULTS, "w", encoding="utf-8") as fh:
        json.dump({"at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                   "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                               "queues": os.environ.get("BENCH_QUEUES"), "runs": os.environ.get("BENCH_RUNS")},
                   "results": results}, fh, indent=2)
        fh.write("\n")
    print("written %s" % os.path.relpath(RESULTS))
    return status


def previous_when():
    with open(RESULTS, encoding="utf-8") as fh:
        return json.load(fh).get("at", "the last run")


if __name__ == "__main__":
    sys.exit(main())
