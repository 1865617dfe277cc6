#!/usr/bin/env python3
"""Times `lae solve` against numpy doing the same Gram and solve, in one run.

The problem is DLAE at full rank, B = (G + Λ)⁻¹G with Λ = p/(1−p)·diagMat(diag G) and
G = XᵀX, on all 60,000 Fashion-MNIST training images (Debian's dataset-fashion-mnist) or any
IDX folder, normalised with lae's default constants. numpy computes G in single precision
(X.T @ X, which numpy hands to OpenBLAS's SYRK) and solves in double, as lae does; both
results are compared. Two ratios, each side run --reps times, medians: the computation alone
(lae's own Gram, factorisation and rest timings against numpy's Gram and solve; lae's rest
also scores the solution exactly, which numpy does not), and the whole job (the lae command,
process start and data loading included, against numpy reading, normalising, and solving).

Run with Debian's python3 (python3-numpy); OPENBLAS_NUM_THREADS is left to the machine.
"""
import argparse
import gzip
import json
import os
import statistics
import subprocess
import tempfile
import time

import numpy as np


def read_images(folder, limit):
    for name in ('train-images-idx3-ubyte', 'train-images-idx3-ubyte.gz'):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            data = open(path, 'rb').read()
            if data[:2] == b'\x1f\x8b':
                data = gzip.decompress(data)
            n, rows, cols = (int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(3))
            x = np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, rows * cols)
            return x[:limit] if limit else x
    raise SystemExit(f'no train-images-idx3-ubyte[.gz] in {folder}')


def numpy_whole(folder, limit, p):
    start = time.perf_counter()
    pixels = read_images(folder, limit)
    x = ((pixels.astype(np.float32) / 255.0 - 0.1307) / 0.3081).astype(np.float32)
    numpy_solve(x, p)
    return time.perf_counter() - start


def numpy_solve(x, p):
    start = time.perf_counter()
    g32 = x.T @ x
    gram = time.perf_counter() - start
    g = g32.astype(np.float64)
    a = g + np.diag(p / (1 - p) * np.diag(g))
    b = np.linalg.solve(a, g)
    return b, gram, time.perf_counter() - start


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', default='/usr/share/datasets/fashion-mnist')
    parser.add_argument('--train', type=int, default=0, help='examples (0: all)')
    parser.add_argument('--p', type=float, default=0.2)
    parser.add_argument('--reps', type=int, default=3)
    parser.add_argument('--lae', default=os.path.join(here, '..', 'build', 'src', 'cli', 'lae'))
    args = parser.parse_args()

    pixels = read_images(args.data, args.train)
    n = len(pixels)
    x = ((pixels.astype(np.float32) / 255.0 - 0.1307) / 0.3081).astype(np.float32)

    lae_times, numpy_times, whole_times, inside_times = [], [], [], []
    with tempfile.TemporaryDirectory() as scratch:
        for _ in range(args.reps):
            command = [args.lae, '-q', 'solve', '--data', args.data, '--train', str(n),
                       '--test', '0', '--model', 'dlae', '--rank', 'full', '--no-bias',
                       '--p', str(args.p), '--json', '--export-npy', scratch]
            start = time.perf_counter()
            result = subprocess.run(command, check=True, capture_output=True, text=True)
            lae_times.append(time.perf_counter() - start)
            lae_report = json.loads(result.stdout)
            t = lae_report['timings']
            inside_times.append(t['gram_seconds'] + t['factor_seconds'] + t['rest_seconds'])
            b_np, gram_np, total_np = numpy_solve(x, args.p)
            numpy_times.append(total_np)
            whole_times.append(numpy_whole(args.data, args.train, args.p))
        b_lae = np.load(os.path.join(scratch, 'B.npy')).astype(np.float64)

    difference = np.linalg.norm(b_lae - b_np) / np.linalg.norm(b_np)
    median = statistics.median
    timings = lae_report['timings']
    print(f'DLAE full rank, p = {args.p}, {n} examples of {x.shape[1]} features')
    print(f'computation: lae {median(inside_times):.3f} s (last run: Gram '
          f'{timings["gram_seconds"]:.3f} s, factorisation {timings["factor_seconds"]:.3f} s, '
          f'rest {timings["rest_seconds"]:.3f} s); numpy {median(numpy_times):.3f} s (Gram '
          f'{gram_np:.3f} s); numpy / lae {median(numpy_times) / median(inside_times):.2f}')
    print(f'whole job: lae command {median(lae_times):.3f} s; numpy reading, normalising and '
          f'solving {median(whole_times):.3f} s; numpy / lae '
          f'{median(whole_times) / median(lae_times):.2f}')
    print('(ratios above 1: lae is faster; medians of {} runs)'.format(args.reps))
    print(f'relative difference of B: {difference:.2e}')


if __name__ == '__main__':
    main()
