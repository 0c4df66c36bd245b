#!/usr/bin/env bash
# Map/reduce with GNU parallel (or xargs -P) on one machine, or several over ssh.
#   SHARE=/mnt/kblogs N=8 OUT=/tmp/kb bash deploy/parallel.sh
set -euo pipefail
SHARE=${SHARE:?the log share}
N=${N:-4}
OUT=${OUT:-kbaudit-out}
mkdir -p "$OUT"

# Map: one process per shard. Each writes JSONL (the merge keeps the bytes as they are).
seq 1 "$N" | parallel -j "$N" \
  "kbaudit logs '$SHARE' --shard {}/$N --format jsonl -q -o '$OUT/runs-{}.jsonl' --force"
# The same with xargs:
#   seq 1 "$N" | xargs -P "$N" -I{} kbaudit logs "$SHARE" --shard {}/$N --format jsonl -q \
#     -o "$OUT/runs-{}.jsonl" --force
# Several machines over ssh (each mounts the share at the same path):
#   seq 1 "$N" | parallel -S host1,host2 -j 2 \
#     "kbaudit logs /mnt/kblogs --shard {}/$N --format jsonl -q -o /tmp/runs-{}.jsonl --force" \
#     && for h in host1 host2; do scp "$h:/tmp/runs-*.jsonl" "$OUT/"; done

# Reduce: one run table, then the fleet state from it (no log is read again).
kbaudit merge "$OUT"/runs-*.jsonl -o "$OUT/runs.jsonl" --force
kbaudit state --from-runs "$OUT/runs.jsonl" --format jsonl -o "$OUT/state.jsonl" --force \
  ${HOSTS:+--hosts "$HOSTS"} ${BASELINE:+--baseline "$BASELINE"}
echo "$OUT/runs.jsonl $OUT/state.jsonl"
