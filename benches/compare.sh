#!/usr/bin/env bash
# Whole runs against what a user would otherwise do, on the same generated input:
#   kbaudit logs -j1/-j2  vs  rg -c 'extended error code' -j1/-j2, on each share size in SIZES,
#     with the floor of this machine: rg -c with a pattern that never matches (walk + read only);
#   kbaudit extract -j1/-j2  vs  cabextract.
# Logs are timed in alternating rounds (each round runs every command once, in turn) and
# reported as medians, so a slow spell of the machine hits every command alike, less the median
# time to start `true` (the harness's own cost); peak RSS comes from GNU time. Prints Markdown tables for the README.
# Needs: rg, cabextract, hyperfine, GNU time, python3 (Debian: apt-get install ripgrep cabextract
# hyperfine time).
#
#   SIZES="2000 24000" ROUNDS=7 PROFILE=clean CAB_MIB=512 WORK=/tmp/kbaudit-bench bash benches/compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"2000 24000"}
ROUNDS=${ROUNDS:-7}
PROFILE=${PROFILE:-clean}
CAB_MIB=${CAB_MIB:-512}
WORK=${WORK:-/tmp/kbaudit-bench}
RUNS=${RUNS:-5}
for tool in hyperfine rg cabextract /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }
done

cargo build --release --quiet --bin kbaudit --example gen-corpus --example gen-cab
KB=$PWD/target/release/kbaudit
mkdir -p "$WORK"
shares=()
for hosts in $SIZES; do
  share=$WORK/share-$PROFILE-$hosts
  [ -d "$share" ] || target/release/examples/gen-corpus --hosts "$hosts" --profile "$PROFILE" --out "$share"
  shares+=("$share")
  # Warm the page cache so every tool reads from memory.
  find "$share" -type f -exec cat {} + > /dev/null
done

python3 - "$KB" "$WORK" "$ROUNDS" "${shares[@]}" <<'PY'
import statistics, subprocess, sys, time
kb, work, rounds, shares = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
def commands(share):
    return {
        "kbaudit logs -j1": [kb, "logs", "-j", "1", "-q", share, "-o", f"{work}/out.csv", "--force"],
        "kbaudit logs -j2": [kb, "logs", "-j", "2", "-q", share, "-o", f"{work}/out.csv", "--force"],
        "rg -c -j1": ["rg", "-j", "1", "-c", "extended error code", share],
        "rg -c -j2": ["rg", "-j", "2", "-c", "extended error code", share],
        "floor: rg -c, no match, -j1": ["rg", "-j", "1", "-c", "zqxjzqxjzq", share],
        "floor: rg -c, no match, -j2": ["rg", "-j", "2", "-c", "zqxjzqxjzq", share],
    }
def run(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start
def peak_mib(cmd):
    out = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True).stderr.strip().splitlines()[-1]
    return int(out) / 1024
for share in shares:
    files = int(subprocess.run(f"find {share} -type f | wc -l", shell=True, capture_output=True, text=True).stdout)
    size = int(subprocess.run(["du", "-sb", share], capture_output=True, text=True).stdout.split()[0])
    cmds = commands(share)
    for cmd in cmds.values():
        run(cmd)
    times = {name: [] for name in cmds}
    spawn = []
    for _ in range(rounds):
        # What starting a process costs from here, taken off every time below.
        spawn.append(run(["true"]))
        for name, cmd in cmds.items():
            times[name].append(run(cmd))
    spawn = statistics.median(spawn)
    median = {name: statistics.median(t) - spawn for name, t in times.items()}
    print(f"\n{share.rsplit('/', 1)[-1]}: {files} files, {size / 1e6:.0f} MB, medians of {rounds} alternating rounds\n")
    print("| command | median (s) | MB/s | peak RSS (MiB) | ÷ rg -c (same -j) | ÷ floor (same -j) |")
    print("|---|---|---|---|---|---|")
    for name, cmd in cmds.items():
        j = name[-3:]
        t = median[name]
        vs_rg = f"{t / median['rg -c ' + j]:.2f}" if name.startswith("kbaudit") else ""
        vs_floor = f"{t / median['floor: rg -c, no match, ' + j]:.2f}" if not name.startswith("floor") else ""
        print(f"| {name} | {t:.3f} | {size / t / 1e6:.0f} | {peak_mib(cmd):.1f} | {vs_rg} | {vs_floor} |")
PY

[ -f "$WORK/big.cab" ] || target/release/examples/gen-cab --mib "$CAB_MIB" --out "$WORK/big.cab"
cab_out_bytes=$(cabextract -l "$WORK/big.cab" | awk -F'|' '/\|/ && $1+0>0 {s+=$1} END {print s}')
cab_files=$(cabextract -l "$WORK/big.cab" | awk -F'|' '/\|/ && $1+0>0 {n++} END {print n}')
hyperfine -w 1 -r "$RUNS" --export-json "$WORK/extract.json" \
  -n "kbaudit extract -j1" "$KB extract -j 1 --force $WORK/big.cab -d $WORK/x-kb" \
  -n "kbaudit extract -j2" "$KB extract -j 2 --force $WORK/big.cab -d $WORK/x-kb" \
  -n "cabextract" "cabextract -q -d $WORK/x-ce $WORK/big.cab" >&2

peak() { /usr/bin/time -f %M bash -c "$1" 2>&1 >/dev/null | tail -1; }
{
  echo "kbaudit extract -j1 $(peak "$KB extract -j 1 --force $WORK/big.cab -d $WORK/x-kb")"
  echo "kbaudit extract -j2 $(peak "$KB extract -j 2 --force $WORK/big.cab -d $WORK/x-kb")"
  echo "cabextract $(peak "cabextract -q -d $WORK/x-ce $WORK/big.cab")"
} > "$WORK/peak.txt"

python3 - "$WORK" "$cab_out_bytes" "$cab_files" <<'PY'
import json, sys
work, cab_bytes, cab_files = sys.argv[1], *map(int, sys.argv[2:])
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
print(f"\nExtraction: {cab_files} files, {cab_bytes / 1e6:.0f} MB written (MB/s counts output bytes)\n")
table(f"{work}/extract.json", cab_bytes, cab_files,
      lambda n: "cabextract" if n.startswith("kbaudit") else None)
PY
