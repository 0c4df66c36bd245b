#!/usr/bin/env bash
# Whole runs against what a user would otherwise do, on the same generated input:
#   kbaudit logs (1 and 2 threads)  vs  rg -c 'extended error code' (1 and 2 threads)
#   kbaudit extract                 vs  cabextract
# Prints a Markdown table (wall time, MB/s, files/s, peak RSS, ratio) for the README.
# Needs: hyperfine, rg, cabextract, GNU time (Debian: apt-get install hyperfine ripgrep cabextract time).
#
#   HOSTS=24000 CAB_MIB=512 WORK=/tmp/kbaudit-bench bash benches/compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
HOSTS=${HOSTS:-24000}
CAB_MIB=${CAB_MIB:-512}
WORK=${WORK:-/tmp/kbaudit-bench}
RUNS=${RUNS:-5}
for tool in hyperfine rg cabextract /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done

cargo build --release --quiet --bin kbaudit --example gen-corpus --example gen-cab
KB=$PWD/target/release/kbaudit
mkdir -p "$WORK"
[ -d "$WORK/share" ] || target/release/examples/gen-corpus --hosts "$HOSTS" --out "$WORK/share"
[ -f "$WORK/big.cab" ] || target/release/examples/gen-cab --mib "$CAB_MIB" --out "$WORK/big.cab"
share_bytes=$(du -sb "$WORK/share" | cut -f1)
share_files=$(find "$WORK/share" -type f | wc -l)
cab_out_bytes=$(cabextract -l "$WORK/big.cab" | awk -F'|' '/\|/ && $1+0>0 {s+=$1} END {print s}')
cab_files=$(cabextract -l "$WORK/big.cab" | awk -F'|' '/\|/ && $1+0>0 {n++} END {print n}')

# Warm the page cache so every tool reads from memory.
find "$WORK/share" -type f -exec cat {} + > /dev/null

hyperfine -w 1 -r "$RUNS" --export-json "$WORK/logs.json" \
  -n "kbaudit logs -j1" "$KB logs -j 1 $WORK/share -o $WORK/out.csv --force" \
  -n "kbaudit logs -j2" "$KB logs -j 2 $WORK/share -o $WORK/out.csv --force" \
  -n "rg -c -j1" "rg -j 1 -c 'extended error code' $WORK/share > /dev/null" \
  -n "rg -c -j2" "rg -j 2 -c 'extended error code' $WORK/share > /dev/null" >&2
hyperfine -w 1 -r "$RUNS" --export-json "$WORK/extract.json" \
  -n "kbaudit extract -j1" "$KB extract -j 1 --force $WORK/big.cab -d $WORK/x-kb" \
  -n "kbaudit extract -j2" "$KB extract -j 2 --force $WORK/big.cab -d $WORK/x-kb" \
  -n "cabextract" "cabextract -q -d $WORK/x-ce $WORK/big.cab" >&2

peak() { /usr/bin/time -f %M bash -c "$1" 2>&1 >/dev/null | tail -1; }
{
  echo "kbaudit logs -j1 $(peak "$KB logs -j 1 $WORK/share -o $WORK/out.csv --force")"
  echo "kbaudit logs -j2 $(peak "$KB logs -j 2 $WORK/share -o $WORK/out.csv --force")"
  echo "rg -c -j1 $(peak "rg -j 1 -c 'extended error code' $WORK/share")"
  echo "rg -c -j2 $(peak "rg -j 2 -c 'extended error code' $WORK/share")"
  echo "kbaudit extract -j1 $(peak "$KB extract -j 1 --force $WORK/big.cab -d $WORK/x-kb")"
  echo "kbaudit extract -j2 $(peak "$KB extract -j 2 --force $WORK/big.cab -d $WORK/x-kb")"
  echo "cabextract $(peak "cabextract -q -d $WORK/x-ce $WORK/big.cab")"
} > "$WORK/peak.txt"

python3 - "$WORK" "$share_bytes" "$share_files" "$cab_out_bytes" "$cab_files" <<'PY'
import json, sys
work, share_bytes, share_files, cab_bytes, cab_files = sys.argv[1], *map(int, sys.argv[2:])
peak = {}
for line in open(f"{work}/peak.txt"):
    name, kib = line.rsplit(" ", 1)
    peak[name] = int(kib) / 1024
def table(path, nbytes, nfiles, baseline):
    rows = {r["command"]: r for r in json.load(open(path))["results"]}
    print("| command | wall time (s) | MB/s | files/s | peak RSS (MiB) | ratio |")
    print("|---|---|---|---|---|---|")
    for name, r in rows.items():
        t = r["mean"]
        base = baseline(name)
        ratio = f"{t / rows[base]['mean']:.2f} × {base}" if base else ""
        print(f"| {name} | {t:.3f} ± {r['stddev']:.3f} | {nbytes / t / 1e6:.0f} | {nfiles / t:.0f} | {peak.get(name, 0):.1f} | {ratio} |")
print(f"Logs: {share_files} files, {share_bytes / 1e6:.0f} MB\n")
table(f"{work}/logs.json", share_bytes, share_files,
      lambda n: {"kbaudit logs -j1": "rg -c -j1", "kbaudit logs -j2": "rg -c -j2"}.get(n))
print(f"\nExtraction: {cab_files} files, {cab_bytes / 1e6:.0f} MB written (MB/s counts output bytes)\n")
table(f"{work}/extract.json", cab_bytes, cab_files,
      lambda n: "cabextract" if n.startswith("kbaudit") else None)
PY
