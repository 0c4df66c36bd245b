#!/usr/bin/env bash
# Runs one fuzz target, seeded from the committed corpus and the cabinet conformance suite.
#   bash fuzz/run.sh TARGET [SECONDS]      e.g. bash fuzz/run.sh cab_extract 600
# Needs `cargo install cargo-fuzz`; on stable Rust it works only with RUSTC_BOOTSTRAP=1 (set here).
set -euo pipefail
cd "$(dirname "$0")/.."
target=$1
seconds=${2:-600}
seeds=()
case "$target" in
  cab_*|package_inventory) seeds=(corpus/packages ../shared/conformance/cabs) ;;
  hotpatch|pe_version) seeds=(corpus/binaries corpus/packages) ;;
  log_runs|order_state) seeds=(corpus/logs) ;;
esac
mkdir -p "fuzz/corpus/$target"
# libFuzzer reads seed folders flat: copy seed files in (once).
for s in "${seeds[@]}"; do
  # (-size -1024k: find rounds sizes up to whole units, so -1M would match empty files only)
  [ -d "$s" ] && find "$s" -type f -size -1024k -exec cp -n {} "fuzz/corpus/$target/" \; 2>/dev/null || true
done
RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" "fuzz/corpus/$target" -- \
  -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 -print_final_stats=1
