#!/usr/bin/env bash
# A Slurm job array: task K runs shard K of N. Submit, then the reduce step after it:
#   map=$(sbatch --parsable --array=1-8 deploy/slurm.sh)
#   sbatch --dependency=afterok:$map --wrap \
#     "kbaudit merge out/runs-*.jsonl -o out/runs.jsonl --force && kbaudit state --from-runs out/runs.jsonl -o out/state.csv --force"
#SBATCH --job-name=kbaudit-map
#SBATCH --cpus-per-task=2
#SBATCH --mem=1G
set -euo pipefail
N=${SLURM_ARRAY_TASK_COUNT:?run as an array job}
K=${SLURM_ARRAY_TASK_ID:?run as an array job}
SHARE=${SHARE:-/mnt/kblogs}
mkdir -p out
kbaudit logs "$SHARE" --shard "$K/$N" -j "${SLURM_CPUS_PER_TASK:-2}" --format jsonl -q \
  -o "out/runs-$K.jsonl" --force
