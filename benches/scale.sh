#!/usr/bin/env bash
# Whole-run figures for the fleet commands and for scaling out, on a generated share:
#   - `state` against `logs` on the same share (one thread each);
#   - one `logs` run (all cores) against N shards run as N processes, plus the merge, checking
#     that the merged table is byte-identical to the one run's.
# Prints Markdown for the README. Needs hyperfine and GNU time.
#   HOSTS=24000 SHARDS=4 WORK=/tmp/kbaudit-bench bash benches/scale.sh
set -euo pipefail
cd "$(dirname "$0")/.."
HOSTS=${HOSTS:-24000}
SHARDS=${SHARDS:-4}
WORK=${WORK:-/tmp/kbaudit-bench}
RUNS=${RUNS:-5}
for tool in hyperfine /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done
cargo build --release --quiet --bin kbaudit --example gen-corpus
KB=$PWD/target/release/kbaudit
mkdir -p "$WORK"
[ -d "$WORK/share" ] || target/release/examples/gen-corpus --hosts "$HOSTS" --out "$WORK/share"
find "$WORK/share" -type f -exec cat {} + > /dev/null

shards="for k in \$(seq 1 $SHARDS); do $KB logs -j 1 -q $WORK/share --shard \$k/$SHARDS --format jsonl -o $WORK/runs-\$k.jsonl --force & done; wait"
merge="$KB merge -q $WORK/runs-*.jsonl -o $WORK/merged.jsonl --force"
hyperfine -w 1 -r "$RUNS" --export-json "$WORK/scale.json" \
  -n "logs -j1" "$KB logs -j 1 -q $WORK/share -o $WORK/runs.csv --force" \
  -n "state -j1" "$KB state -j 1 -q $WORK/share -o $WORK/state.csv --force" \
  -n "logs (one run)" "$KB logs -q $WORK/share --format jsonl -o $WORK/one.jsonl --force" \
  -n "$SHARDS shards" "bash -c '$shards'" \
  -n "merge" "$merge" \
  -n "$SHARDS shards + merge" "bash -c '$shards; $merge'" >&2
cmp "$WORK/one.jsonl" "$WORK/merged.jsonl" >&2 && echo "merged table identical to one run" >&2

peak() { /usr/bin/time -f %M bash -c "$1" 2>&1 >/dev/null | tail -1; }
{
  echo "logs -j1 $(peak "$KB logs -j 1 -q $WORK/share -o $WORK/runs.csv --force")"
  echo "state -j1 $(peak "$KB state -j 1 -q $WORK/share -o $WORK/state.csv --force")"
  echo "logs (one run) $(peak "$KB logs -q $WORK/share --format jsonl -o $WORK/one.jsonl --force")"
  echo "merge $(peak "$merge")"
} > "$WORK/scale-peak.txt"

python3 - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
peak = {}
for line in open(f"{work}/scale-peak.txt"):
    name, kib = line.rsplit(" ", 1)
    peak[name] = int(kib) / 1024
rows = {r["command"]: r for r in json.load(open(f"{work}/scale.json"))["results"]}
base = {"state -j1": "logs -j1"}
one = rows["logs (one run)"]["mean"]
print("| run | wall time (s) | peak RSS (MiB) | ratio |")
print("|---|---|---|---|")
for name, r in rows.items():
    ratio = ""
    if name in base:
        ratio = f"{r['mean'] / rows[base[name]]['mean']:.2f} × {base[name]}"
    elif name.endswith("shards + merge") or name.endswith("shards"):
        ratio = f"{r['mean'] / one:.2f} × one run"
    mem = f"{peak[name]:.1f}" if name in peak else ""
    print(f"| {name} | {r['mean']:.3f} ± {r['stddev']:.3f} | {mem} | {ratio} |")
PY
