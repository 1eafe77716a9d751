# -*- coding: utf-8 -*-
"""`make bench`: run every benchmark in bench/ (each prints its ratios). Not part of `make test`."""
from __future__ import annotations

import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

if __name__ == "__main__":
    status = 0
    for script in sorted(glob.glob(os.path.join(HERE, "bench_*.py"))):
        print("== %s" % os.path.basename(script), flush=True)
        status |= subprocess.call([sys.executable, script])
    sys.exit(status)
