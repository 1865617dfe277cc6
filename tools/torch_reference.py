#!/usr/bin/env python3
"""The reference workflow in PyTorch, for timing and parity checks against lae.

Trains the same linear autoencoder as `lae train` on the CPU: nn.Linear encoder and decoder,
inverted dropout on the input (nn.Dropout), squared errors weighted a on dropped entries and
b on kept ones (weights taken from the sampled mask, not from zeros of the input), the mean
over batch×m entries, Adam, shuffled minibatches with a partial last batch. Prints one JSON
object: seconds of each epoch, final train loss, test MSE and the statistics of diag(B).

With --init DIR (from `lae train --epochs 0 --export-npy DIR`) it starts from lae's initial
weights, so that the two runs differ only in their random masks and shuffles.

Run with Debian's python3 (python3-torch, python3-numpy). Give PyTorch the machine's cores
and OMP_WAIT_POLICY=PASSIVE: spinning OpenMP threads made it 20-80x slower under load.
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch


def read_idx(path):
    for candidate in (path, path + '.gz'):
        if os.path.exists(candidate):
            with open(candidate, 'rb') as f:
                data = f.read()
            if data[:2] == b'\x1f\x8b':
                data = gzip.decompress(data)
            dims = data[3]
            shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(dims)]
            return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)
    raise FileNotFoundError(path)


def load(data_dir, split, count, mean, std):
    images = read_idx(os.path.join(data_dir, split + '-images-idx3-ubyte'))[:count]
    x = images.reshape(len(images), -1).astype(np.float32) / 255.0
    return torch.from_numpy((x - mean) / std)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data', default=os.path.join(here, '..', 'datasets', 'mnist-10k'))
    parser.add_argument('--model', choices=['lae', 'dlae', 'edlae'], default='edlae')
    parser.add_argument('--rank', default='64')
    parser.add_argument('--p', type=float, default=0.2)
    parser.add_argument('--a', type=float, default=2.0)
    parser.add_argument('--b', type=float, default=1.0)
    parser.add_argument('--epochs', type=int, default=3)
    parser.add_argument('--batch', type=int, default=64)
    parser.add_argument('--lr', type=float, default=1e-3)
    parser.add_argument('--train', type=int, default=5000)
    parser.add_argument('--test', type=int, default=1000)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--no-bias', action='store_true')
    parser.add_argument('--init', help='folder of W_enc.npy, b_enc.npy, W_dec.npy, b_dec.npy')
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x_train = load(args.data, 'train', args.train, 0.1307, 0.3081)
    x_test = load(args.data, 't10k', args.test, 0.1307, 0.3081)
    m = x_train.shape[1]
    k = m if args.rank == 'full' else int(args.rank)
    p = 0.0 if args.model == 'lae' else args.p
    a, b = (args.a, args.b) if args.model == 'edlae' else (1.0, 1.0)

    bias = not args.no_bias
    encoder = torch.nn.Linear(m, k, bias=bias)
    decoder = torch.nn.Linear(k, m, bias=bias)
    if args.init:
        with torch.no_grad():
            encoder.weight.copy_(torch.from_numpy(np.load(os.path.join(args.init, 'W_enc.npy'))))
            decoder.weight.copy_(torch.from_numpy(np.load(os.path.join(args.init, 'W_dec.npy'))))
            if bias:
                encoder.bias.copy_(torch.from_numpy(np.load(os.path.join(args.init, 'b_enc.npy'))))
                decoder.bias.copy_(torch.from_numpy(np.load(os.path.join(args.init, 'b_dec.npy'))))
    params = list(encoder.parameters()) + list(decoder.parameters())
    optimizer = torch.optim.Adam(params, lr=args.lr)

    epoch_seconds, train_loss = [], float('nan')
    for _ in range(args.epochs):
        start = time.perf_counter()
        order = torch.randperm(len(x_train))
        total = 0.0
        for first in range(0, len(x_train), args.batch):
            x = x_train[order[first:first + args.batch]]
            if p > 0:
                kept = (torch.rand_like(x) >= p).to(x.dtype)
                z = x * kept / (1.0 - p)
                weight = b * kept + a * (1.0 - kept)
            else:
                z, weight = x, None
            residual = decoder(encoder(z)) - x
            squared = residual * residual if weight is None else weight * residual * residual
            loss = squared.mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(x)
        epoch_seconds.append(time.perf_counter() - start)
        train_loss = total / len(x_train)

    with torch.no_grad():
        test_mse = float(((decoder(encoder(x_test)) - x_test) ** 2).mean())
        product = (encoder.weight.t() @ decoder.weight.t()).double().numpy()
    diag = np.diag(product)
    off = np.sqrt(max(0.0, (product ** 2).sum() - (diag ** 2).sum()) / (product ** 2).sum())
    print(json.dumps({
        'model': args.model, 'k': k, 'p': p, 'a': a, 'b': b, 'threads': args.threads,
        'epoch_seconds': epoch_seconds, 'train_loss': train_loss, 'test_mse': test_mse,
        'diag_mean': float(diag.mean()), 'diag_rms_error': float(np.sqrt(((diag - 1) ** 2).mean())),
        'offdiag_share': float(off),
    }))


if __name__ == '__main__':
    main()
