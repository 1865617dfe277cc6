#!/bin/sh
# Times an epoch of LAE k=64, EDLAE k=64 and LAE k=784 (batch 64, 5000 digits) with lae on
# its default device and GEMM backend and, where /usr/bin/python3 has torch, with
# tools/torch_reference.py in the same run, and prints both and their ratio.
#
# An epoch's time is training only (lae: examples per second of its epoch lines; PyTorch: its
# epoch timer), the median of the epochs after the first. Not a parity check: see
# tools/compare_torch.py for that. Usage: tools/bench_train.sh [LAE] [EPOCHS]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
lae=${1:-$here/../build/src/cli/lae}
epochs=${2:-4}
train=5000
torch_python=/usr/bin/python3

if [ ! -x "$lae" ]; then
    echo "bench_train.sh: $lae is not an executable; build first (ninja -C build)" >&2
    exit 2
fi
have_torch=0
if [ -x "$torch_python" ] && "$torch_python" -c 'import torch' 2>/dev/null; then
    have_torch=1
else
    echo "bench_train.sh: $torch_python has no torch; timing lae only" >&2
fi

# Median of the numbers on stdin after the first.
median_after_first() {
    sort_input=$(tail -n +2 | sort -g)
    printf '%s\n' "$sort_input" | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "nan"; exit }
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

printf '%-10s %12s %12s %9s\n' model 'lae s/epoch' 'torch s/ep' 'torch/lae'
for spec in lae:64 edlae:64 lae:784; do
    model=${spec%%:*}
    k=${spec#*:}
    lae_seconds=$("$lae" train --model "$model" --rank "$k" --epochs "$epochs" --batch 64 \
                      --train "$train" --test 0 2>/dev/null |
                  awk -v n="$train" '/^epoch/ { print n / $(NF - 1) }' | median_after_first)
    torch_seconds=nan
    ratio=nan
    if [ "$have_torch" = 1 ]; then
        torch_seconds=$(OMP_WAIT_POLICY=PASSIVE "$torch_python" "$here/torch_reference.py" \
                            --model "$model" --rank "$k" --epochs "$epochs" --batch 64 \
                            --train "$train" --test 1 --threads 2 |
                        "$torch_python" -c 'import json, sys
for s in json.load(sys.stdin)["epoch_seconds"]: print(s)' | median_after_first)
        ratio=$(awk -v t="$torch_seconds" -v l="$lae_seconds" 'BEGIN { printf "%.2f", t / l }')
    fi
    printf '%-10s %12.4f %12.4f %9s\n' "$(echo "$model" | tr a-z A-Z) k=$k" "$lae_seconds" \
        "$torch_seconds" "$ratio"
done
