#!/usr/bin/env python3
"""How caulk's time scales with threads, from 1 to the machine's cores.

    python3 benches/scaling.py --caulk BIN [--rounds 5] DIR_OR_REPO...

For each directory, `caulk scan DIR -j N`; for each git repository (a directory holding `.git`),
`caulk history -j N` inside it. Runs of all thread counts are interleaved round by round (the
machines this runs on are shared); reported: the median wall time at each count, and the speed-up
over one thread.
"""
import argparse
import os
import statistics
import tempfile

from bench import run  # noqa: E402  (same folder)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inputs", nargs="+")
    ap.add_argument("--caulk", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    caulk = os.path.abspath(args.caulk)
    cores = os.cpu_count() or 1
    counts = list(range(1, cores + 1))
    out = tempfile.mkdtemp(prefix="caulk-scaling-")
    print(f"{'input':<40} " + " ".join(f"{f'-j {n} s':>9}" for n in counts) + f" {'speed-up':>9}")
    for path in args.inputs:
        path = os.path.abspath(path)
        if os.path.isdir(os.path.join(path, ".git")):
            cmd = lambda n: ([caulk, "history", "-j", str(n), "-q", "--format", "json", "-o", f"{out}/r.json"], path)
            label = f"history {os.path.basename(os.path.dirname(path))}"
        else:
            cmd = lambda n: ([caulk, "scan", path, "-j", str(n), "-q", "--format", "json", "-o", f"{out}/r.json"], None)
            label = f"scan {os.path.relpath(path)}"
        times = {n: [] for n in counts}
        run(*cmd(1))  # warm-up: the page cache
        for r in range(args.rounds):
            for n in counts if r % 2 == 0 else reversed(counts):
                times[n].append(run(*cmd(n))[0])
        med = {n: statistics.median(times[n]) for n in counts}
        print(f"{label[:40]:<40} " + " ".join(f"{med[n]:>9.3f}" for n in counts) + f" {med[1] / med[cores]:>8.2f}x")


if __name__ == "__main__":
    main()
