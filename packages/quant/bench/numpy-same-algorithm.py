"""The Monte Carlo VaR of packages/quant written the best plain numpy way, for the bench's baseline.

Same computation as monteCarloVar: d 32-bit draws (PCG64's raw 64-bit output read as two 32-bit
words), only the words below the threshold that leaves room for eight standard deviations of the
binomial count kept, 21 more bits drawn for the kept ones (53-bit uniforms), a partition at the two
ranks (no sort), scipy's ndtri on the lowest rank95 + 1 uniforms only, VaR at the ranks and ES as
the mean at or below each. Waits for "run <seed> <repeats>" lines on stdin; answers one JSON line per run
with its thread CPU and wall milliseconds (of all the repeats) and the estimates.
Usage: numpy-same-algorithm.py d rank95 rank99 mean std
"""
import json
import math
import sys
import time

import numpy as np
from scipy.special import ndtri

d, rank95, rank99 = (int(value) for value in sys.argv[1:4])
mean, std = (float(value) for value in sys.argv[4:6])
needed = rank95 + 1


def estimate(seed):
    rng = np.random.default_rng(seed)
    words = rng.bit_generator.random_raw((d + 1) // 2).view(np.uint32)[:d]
    fraction = min(1.0, (needed + 8 * math.sqrt(needed) + 32) / d)
    while True:
        kept = words if fraction >= 1 else words[words < np.uint32(math.floor(fraction * 2**32))]
        if kept.size >= needed:
            break
        fraction = min(1.0, fraction * 2)
    low = rng.integers(0, 2**21, size=kept.size, dtype=np.uint32)
    uniforms = (kept.astype(np.float64) * 2097152.0 + low + 0.5) / 9007199254740992.0
    uniforms = np.partition(uniforms, [rank99, rank95])
    z = ndtri(uniforms[: rank95 + 1])
    return {
        "var95": mean + std * float(z[rank95]),
        "var99": mean + std * float(z[rank99]),
        "es95": mean + std * float(z.mean()),
        "es99": mean + std * float(z[: rank99 + 1].mean()),
    }


print("ready", flush=True)
for line in sys.stdin:
    command, seed, repeats = line.split()
    if command != "run":
        raise SystemExit(f"unknown command {command}")
    cpu, wall = time.thread_time(), time.perf_counter()
    for _ in range(int(repeats)):
        result = estimate(int(seed))
    result["cpuMs"] = (time.thread_time() - cpu) * 1000
    result["wallMs"] = (time.perf_counter() - wall) * 1000
    print(json.dumps(result), flush=True)
