#!/usr/bin/env python3
"""Runs `lae bench --quick --json` on small sizes and checks its output's shape.

Usage: check_bench_json.py LAE [PNG]

Exits non-zero unless the command exits 0 and prints one valid JSON object with the expected
keys: settings, and for each device its peak and results, every result with a known status,
every section present, and no GEMM reported as timed with an error above the tolerance. No
figure is compared with any speed: the machine that runs the tests may be slow or busy.
"""
import json
import os
import subprocess
import sys


def fail(message):
    print('FAIL: ' + message)
    sys.exit(1)


def main():
    lae = sys.argv[1]
    png = sys.argv[2] if len(sys.argv) > 2 else None
    command = [lae, 'bench', '--quick', '--json', '--reps', '2', '--gram-rows', '200',
               '--train', '256']
    if png:
        command += ['--png', png]
    result = subprocess.run(command, capture_output=True, text=True)
    sys.stderr.write(result.stderr)
    if result.returncode != 0:
        fail('lae bench exited with %d' % result.returncode)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError as error:
        fail('stdout is not JSON: %s\n%s' % (error, result.stdout[:2000]))
    print('ok: valid JSON')

    for key in ('command', 'lae_version', 'settings', 'devices'):
        if key not in report:
            fail('missing top-level key %r' % key)
    if report['command'] != 'bench':
        fail('command is %r' % report['command'])
    for key in ('reps', 'quick', 'batch', 'train_examples', 'gram_rows', 'cold'):
        if key not in report['settings']:
            fail('missing settings key %r' % key)
    if report['settings']['gram_rows'] != 200 or report['settings']['reps'] != 2:
        fail('settings do not echo the flags: %r' % report['settings'])
    if not report['devices']:
        fail('no device')
    print('ok: top-level keys and settings')

    sections = {'compile', 'peak', 'launch', 'gemm', 'train', 'solve'}
    result_keys = {'section', 'name', 'label', 'backend', 'k', 'status', 'reason', 'seconds',
                   'flops', 'gflops', 'fraction_of_peak', 'max_error'}
    for device in report['devices']:
        for key in ('index', 'name', 'type', 'driver', 'status', 'peak_gflops', 'results'):
            if key not in device:
                fail('device lacks %r' % key)
        if device['status'] != 'ok':
            fail('device %s not measured: %s' % (device['name'], device['error']))
        seen = {r['section'] for r in device['results']}
        if seen != sections:
            fail('device %s has sections %s, expected %s' % (device['name'], sorted(seen),
                                                             sorted(sections)))
        for r in device['results']:
            missing = result_keys - set(r)
            if missing:
                fail('result %s lacks %s' % (r.get('name'), sorted(missing)))
            if r['status'] not in ('ok', 'skipped', 'wrong', 'failed'):
                fail('result %s has status %r' % (r['name'], r['status']))
            if r['status'] == 'failed':
                fail('%s %s %s failed: %s' % (r['section'], r['name'], r['backend'],
                                              r['reason']))
            if r['section'] == 'gemm':
                for key in ('rows', 'cols', 'inner', 'trans_a', 'trans_b'):
                    if key not in r['shape']:
                        fail('gemm result lacks shape key %r' % key)
                if r['status'] == 'ok' and not (r['max_error'] <= 1e-4):
                    fail('gemm %s timed with error %r' % (r['label'], r['max_error']))
                if r['status'] == 'wrong' and r['seconds']['count'] != 0:
                    fail('a wrong backend was timed')
            if r['status'] == 'ok' and r['section'] != 'peak' and r['seconds']['count'] < 1:
                fail('%s %s is ok without a time' % (r['section'], r['name']))
        gemms = [r for r in device['results'] if r['section'] == 'gemm']
        if len(gemms) != 33:
            fail('expected 11 shapes × 3 backends, got %d GEMM results' % len(gemms))
        print('ok: device %s: %d results' % (device['name'], len(device['results'])))

    if png:
        with open(png, 'rb') as f:
            if f.read(8) != b'\x89PNG\r\n\x1a\n':
                fail('%s is not a PNG' % png)
        os.unlink(png)
        print('ok: PNG written')


if __name__ == '__main__':
    main()
