#!/usr/bin/env python3
"""Times `lae solve` against numpy doing the same Gram and solve, in one run.

The problem is DLAE at full rank, B = (G + Λ)⁻¹G with Λ = p/(1−p)·diagMat(diag G) and
G = XᵀX, on all 60,000 Fashion-MNIST training images (Debian's dataset-fashion-mnist) or any
IDX folder, normalised with lae's default constants. numpy computes G in single precision
(X.T @ X, which OpenBLAS runs as a GEMM) and solves in double, as lae does; both results are
compared. Each side runs --reps times; medians are printed with their ratio.

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

    lae_times, numpy_times = [], []
    with tempfile.TemporaryDirectory() as scratch:
        for _ in range(args.reps):
            command = [args.lae, '-q', 'solve', '--data', args.data, '--train', str(n),
                       '--test', '0', '--model', 'dlae', '--rank', 'full', '--no-bias',
                       '--p', str(args.p), '--json', '--export-npy', scratch]
            start = time.perf_counter()
            result = subprocess.run(command, check=True, capture_output=True, text=True)
            lae_times.append(time.perf_counter() - start)
            lae_report = json.loads(result.stdout)
            b_np, gram_np, total_np = numpy_solve(x, args.p)
            numpy_times.append(total_np)
        b_lae = np.load(os.path.join(scratch, 'B.npy')).astype(np.float64)

    difference = np.linalg.norm(b_lae - b_np) / np.linalg.norm(b_np)
    lae_median, numpy_median = statistics.median(lae_times), statistics.median(numpy_times)
    timings = lae_report['timings']
    print(f'DLAE full rank, p = {args.p}, {n} examples of {x.shape[1]} features')
    print(f'lae solve (whole command, data loading included): {lae_median:.3f} s median of '
          f'{args.reps}; inside: Gram {timings["gram_seconds"]:.3f} s, factorisation '
          f'{timings["factor_seconds"]:.3f} s, rest {timings["rest_seconds"]:.3f} s')
    print(f'numpy (Gram and solve only, data already in memory): {numpy_median:.3f} s median; '
          f'Gram {gram_np:.3f} s')
    print(f'ratio numpy / lae: {numpy_median / lae_median:.2f} (above 1: lae is faster)')
    print(f'relative difference of B: {difference:.2e}')


if __name__ == '__main__':
    main()
