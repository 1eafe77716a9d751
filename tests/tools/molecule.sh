#!/usr/bin/env bash
# `make molecule`, run inside one `sandbox.py run`: every scenario of extensions/molecule (or the one named) against
# the same sandbox, one after another. Scenarios create resources of their own or leave the seeded ones as they found
# them, so they do not need a fresh emulator each (a sandbox start is the slowest part of a short scenario).
set -euo pipefail
cd "$(dirname "$0")/../.."
found=0
for scenario in extensions/molecule/${1:-*}/; do
  [ -f "$scenario/molecule.yml" ] || continue
  found=1
  name=$(basename "$scenario")
  echo "-- molecule test -s $name"
  molecule test -s "$name"
done
[ "$found" = 1 ] || echo "no molecule scenario ${1:-}"
