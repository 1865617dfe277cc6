#!/usr/bin/env python3
"""Times and checks `lae train` against the same training in PyTorch on the CPU.

For LAE k=64, EDLAE k=64 (p 0.2, a 2, b 1) and LAE k=784, and for each of a few seeds: lae
writes its initial weights (`lae train --epochs 0 --export-npy DIR`), then trains with --json;
tools/torch_reference.py trains from the same weights, data and hyperparameters (batch 64,
Adam lr 1e-3, the first 5000 training and 1000 test digits, normalised). The two differ only
in their dropout masks and shuffles, so after a fixed number of epochs their test MSE and
diag(B) statistics should agree within the spread that seeds alone cause.

Epoch times are training only on both sides: lae's from the examples per second of its epoch
lines (which leave out the test evaluation), PyTorch's from its epoch timer; the median of the
epochs after the first. PyTorch runs with torch.set_num_threads(--threads) and
OMP_WAIT_POLICY=PASSIVE. This script needs only the standard library; PyTorch runs under
--python (default /usr/bin/python3, Debian's python3-torch).

Usage: tools/compare_torch.py [--lae build/src/cli/lae] [--epochs 5] [--seeds 1,2,3]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = [('lae', 64), ('edlae', 64), ('lae', 784)]
EPOCH_LINE = re.compile(r'^epoch\s+\d+/\d+ .* ([0-9.]+) ex/s$')
METRICS = ['test_mse', 'diag_mean', 'diag_rms_error', 'offdiag_share']


def run(command, env=None):
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.exit('failed (%d): %s\n%s' % (result.returncode, ' '.join(command), result.stderr))
    return result


def later_median(values):
    """Median of the epochs after the first (the first pays for warm-up), or of all."""
    return statistics.median(values[1:] if len(values) > 1 else values)


def lae_run(args, model, k, seed, init_dir):
    common = ['--model', model, '--rank', str(k), '--seed', str(seed), '--batch', '64',
              '--lr', '1e-3', '--train', str(args.train), '--test', str(args.test)]
    run([args.lae, 'train', '-q', '--epochs', '0', '--export-npy', init_dir] + common)
    result = run([args.lae, 'train', '--epochs', str(args.epochs), '--json'] + common)
    report = json.loads(result.stdout)
    rates = [float(m.group(1)) for m in map(EPOCH_LINE.match, result.stderr.splitlines()) if m]
    if len(rates) != args.epochs:
        sys.exit('expected %d epoch lines from lae train, got %d' % (args.epochs, len(rates)))
    out = {name: report['metrics'][name] for name in METRICS}
    out['epoch_seconds'] = later_median([args.train / rate for rate in rates])
    return out


def torch_run(args, model, k, seed, init_dir):
    env = dict(os.environ, OMP_WAIT_POLICY='PASSIVE')
    result = run([args.python, os.path.join(HERE, 'torch_reference.py'), '--model', model,
                  '--rank', str(k), '--seed', str(seed), '--epochs', str(args.epochs),
                  '--batch', '64', '--lr', '1e-3', '--train', str(args.train), '--test',
                  str(args.test), '--threads', str(args.threads), '--init', init_dir], env=env)
    report = json.loads(result.stdout)
    out = {name: report[name] for name in METRICS}
    out['epoch_seconds'] = later_median(report['epoch_seconds'])
    return out


def spread(values):
    return max(values) - min(values)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--lae', default=os.path.join(HERE, '..', 'build', 'src', 'cli', 'lae'))
    parser.add_argument('--python', default='/usr/bin/python3')
    parser.add_argument('--epochs', type=int, default=5)
    parser.add_argument('--seeds', default='1,2,3')
    parser.add_argument('--train', type=int, default=5000)
    parser.add_argument('--test', type=int, default=1000)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--json', action='store_true', help='print one JSON object')
    args = parser.parse_args()
    if args.epochs < 2:
        sys.exit('--epochs must be at least 2 (the first epoch is a warm-up for timing)')
    seeds = [int(s) for s in args.seeds.split(',')]

    rows, all_ok = [], True
    for model, k in MODELS:
        per_seed = {'lae': [], 'torch': []}
        for seed in seeds:
            with tempfile.TemporaryDirectory(prefix='lae-compare-') as init_dir:
                per_seed['lae'].append(lae_run(args, model, k, seed, init_dir))
                per_seed['torch'].append(torch_run(args, model, k, seed, init_dir))
        row = {'model': model, 'k': k, 'seeds': seeds, 'epochs': args.epochs}
        for side in ('lae', 'torch'):
            row[side + '_epoch_seconds'] = statistics.median(
                r['epoch_seconds'] for r in per_seed[side])
        row['torch_over_lae'] = row['torch_epoch_seconds'] / row['lae_epoch_seconds']
        for name in METRICS:
            lae_values = [r[name] for r in per_seed['lae']]
            torch_values = [r[name] for r in per_seed['torch']]
            diff = statistics.mean(lae_values) - statistics.mean(torch_values)
            allowed = max(spread(lae_values), spread(torch_values))
            row[name] = {'lae': statistics.mean(lae_values),
                         'torch': statistics.mean(torch_values), 'difference': diff,
                         'seed_spread': allowed, 'within_spread': abs(diff) <= allowed}
            all_ok = all_ok and abs(diff) <= allowed
        rows.append(row)

    if args.json:
        print(json.dumps({'results': rows, 'parity': all_ok}))
    else:
        print('%d epochs, batch 64, %d train / %d test digits, seeds %s, torch threads %d'
              % (args.epochs, args.train, args.test, args.seeds, args.threads))
        print('%-10s %12s %12s %8s' % ('model', 'lae s/epoch', 'torch s/ep', 'torch/lae'))
        for row in rows:
            name = '%s k=%d' % (row['model'].upper(), row['k'])
            print('%-10s %12.4f %12.4f %8.2f' % (name, row['lae_epoch_seconds'],
                                               row['torch_epoch_seconds'],
                                               row['torch_over_lae']))
        print()
        print('%-10s %-15s %11s %11s %11s %11s  %s' % ('model', 'metric', 'lae', 'torch',
                                                     'lae-torch', 'seed spread', 'parity'))
        for row in rows:
            name = '%s k=%d' % (row['model'].upper(), row['k'])
            for metric in METRICS:
                m = row[metric]
                print('%-10s %-15s %11.6f %11.6f %+11.6f %11.6f  %s'
                      % (name, metric, m['lae'], m['torch'], m['difference'], m['seed_spread'],
                         'ok' if m['within_spread'] else 'OUTSIDE'))
    return 0 if all_ok else 1


if __name__ == '__main__':
    sys.exit(main())
