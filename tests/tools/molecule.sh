#!/usr/bin/env bash
# `make molecule`, run inside one `sandbox.py run`: every scenario of extensions/molecule (or those named:
# SCENARIO="queue_ops security") against the same sandbox, one after another. Scenarios create resources of their own
# or leave the seeded ones as they found them, so they do not need a fresh emulator each (a sandbox start is the
# slowest part of a short scenario). A named scenario that does not exist fails: a run of nothing is no pass.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$#" -gt 0 ] || set -- '*'
for pattern in "$@"; do
  found=0
  for scenario in extensions/molecule/$pattern/; do
    [ -f "$scenario/molecule.yml" ] || continue
    found=1
    name=$(basename "$scenario")
    echo "-- molecule test -s $name"
    molecule test -s "$name"
  done
  [ "$found" = 1 ] || { echo "no molecule scenario $pattern (extensions/molecule)" >&2; exit 1; }
done
