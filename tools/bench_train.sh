#!/bin/sh
# Times an epoch of LAE k=64, EDLAE k=64 and LAE k=784 (batch 64, 5000 digits) with lae on
# its default device and GEMM backend and, where /usr/bin/python3 has torch, with
# tools/torch_reference.py in the same run, and prints both and their ratio.
#
# An epoch's time is training only (lae: examples per second of its epoch lines; PyTorch: its
# epoch timer), over the epochs after the first of each run. The two programs take turns,
# ROUNDS times each, so that a burst of load from elsewhere on a shared machine falls on both;
# the medians and the minima over all rounds are printed, with the ratio of each. Not a parity
# check: see tools/compare_torch.py for that. Usage: tools/bench_train.sh [LAE] [EPOCHS] [ROUNDS]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
lae=${1:-$here/../build/src/cli/lae}
epochs=${2:-4}
rounds=${3:-3}
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

# "median min" of the numbers on stdin.
median_min() {
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "nan nan"; exit }
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        print m, v[1] }'
}

lae_epochs() { # MODEL K: seconds of each epoch after the first
    "$lae" train --model "$1" --rank "$2" --epochs "$epochs" --batch 64 --train "$train" \
        --test 0 2>/dev/null | awk -v n="$train" '/^epoch/ { print n / $(NF - 1) }' |
        tail -n +2
}

torch_epochs() { # MODEL K
    OMP_WAIT_POLICY=PASSIVE "$torch_python" "$here/torch_reference.py" --model "$1" \
        --rank "$2" --epochs "$epochs" --batch 64 --train "$train" --test 1 --threads 2 |
        "$torch_python" -c 'import json, sys
for s in json.load(sys.stdin)["epoch_seconds"][1:]: print(s)'
}

printf '%-10s %22s %22s %15s\n' model 'lae s/epoch (med min)' 'torch s/ep (med min)' \
    'torch/lae (med min)'
for spec in lae:64 edlae:64 lae:784; do
    model=${spec%%:*}
    k=${spec#*:}
    lae_all=""
    torch_all=""
    round=0
    while [ "$round" -lt "$rounds" ]; do
        lae_all="$lae_all $(lae_epochs "$model" "$k")"
        if [ "$have_torch" = 1 ]; then
            torch_all="$torch_all $(torch_epochs "$model" "$k")"
        fi
        round=$((round + 1))
    done
    set -- $(printf '%s\n' $lae_all | median_min)
    lae_med=$1 lae_min=$2
    torch_med=nan torch_min=nan ratio_med=nan ratio_min=nan
    if [ "$have_torch" = 1 ]; then
        set -- $(printf '%s\n' $torch_all | median_min)
        torch_med=$1 torch_min=$2
        ratio_med=$(awk -v t="$torch_med" -v l="$lae_med" 'BEGIN { printf "%.2f", t / l }')
        ratio_min=$(awk -v t="$torch_min" -v l="$lae_min" 'BEGIN { printf "%.2f", t / l }')
    fi
    printf '%-10s %10.4f %10.4f  %10.4f %10.4f  %7s %7s\n' \
        "$(echo "$model" | tr a-z A-Z) k=$k" "$lae_med" "$lae_min" "$torch_med" "$torch_min" \
        "$ratio_med" "$ratio_min"
done
