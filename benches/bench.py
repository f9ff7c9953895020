#!/usr/bin/env python3
"""Time caulk beside kingfisher and betterleaks on the generated corpus.

    python3 benches/bench.py OUT_DIR --caulk target/release/caulk [--kingfisher BIN]
        [--betterleaks BIN] [--rg BIN] [--rounds 5] [--threads 2] [--tree DIR]

Runs are interleaved (A B C, A B C, ...) at the same thread count, after one warm-up run each
(which also fills the page cache and kingfisher's rule cache). Reports per tool the median wall
time, throughput, peak RSS (from wait4, per child), the median per-round ratio of each peer's time
to caulk's, start-up time on an empty directory (median of 30 runs), and how many planted secrets
(OUT_DIR/planted.json) each tool reported at the right file and line. With `--tree DIR`, a real
tree (no planted secrets) is timed instead; OUT_DIR only holds the reports.

With `--rg`, ripgrep searches the same tree for every keyword of caulk's rule pack (fixed strings,
ASCII case-insensitive, hidden files included, at the same thread count): the floor, the time it
takes only to find where keywords stand, with no rule, decoding or notebook parsing.
"""
import argparse
import glob
import json
import os
import statistics
import subprocess
import tempfile
import time

try:
    import tomllib
except ImportError:  # Python < 3.11: no floor
    tomllib = None

RULES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "rules")


def keywords_file(outdir):
    """Writes every keyword of caulk's rule pack (rules run by path have none), one a line;
    returns the file's path, or None without tomllib."""
    if tomllib is None:
        return None
    kws = set()
    for f in glob.glob(os.path.join(RULES, "*.toml")):
        with open(f, "rb") as fh:
            for rule in tomllib.load(fh).get("rules", []):
                if not rule.get("path"):
                    kws.update(k.lower() for k in rule.get("keywords", []))
    path = os.path.join(outdir, "keywords.txt")
    with open(path, "w") as fh:
        fh.write("\n".join(sorted(kws)) + "\n")
    return path


def rg_floor(rg, kwfile, threads):
    """ripgrep's command for the floor: where the pack's keywords stand, nothing more."""
    return [rg, "--hidden", "-i", "-F", "-f", kwfile, "--count-matches", "-j", str(threads)]


def run(cmd, cwd=None):
    """Runs cmd in cwd; returns (seconds, peak RSS of that child in MiB, exit code)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    return dt, ru.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def tools(args, corpus, outdir):
    j = str(args.threads)
    t = {
        "caulk": (
            [args.caulk, "scan", corpus, "-j", j, "--format", "json", "-o", f"{outdir}/caulk.json"],
            lambda d: [(f["path"], f["line"]) for f in json.load(open(f"{outdir}/caulk.json"))["findings"]],
        )
    }
    if args.kingfisher:
        t["kingfisher"] = (
            [args.kingfisher, "scan", corpus, "--no-validate", "--git-history", "none", "-j", j,
             "--format", "json", "-o", f"{outdir}/kingfisher.json"],
            lambda d: [(f["finding"]["path"], f["finding"]["line"]) for f in json.load(open(f"{outdir}/kingfisher.json"))["findings"]],
        )
    if args.betterleaks:
        t["betterleaks"] = (
            [args.betterleaks, "fs", corpus, "-j", j, "--no-banner", "-o", f"{outdir}/betterleaks.json"],
            lambda d: [(f["location"]["path"], f["location"]["start_line"]) for f in json.load(open(f"{outdir}/betterleaks.json"))["findings"]],
        )
    if args.rg:
        kw = keywords_file(outdir)
        if kw:
            t["ripgrep"] = (rg_floor(args.rg, kw, args.threads) + [corpus], None)
    return t


def recall(found, planted, corpus):
    """Planted secrets reported in their file at a line within their span."""
    by_path = {}
    for path, line in found:
        rel = os.path.relpath(os.path.join(corpus, path) if not os.path.isabs(path) else path, corpus)
        by_path.setdefault(rel, []).append(line)
    hit = 0
    for p in planted:
        lines = by_path.get(p["path"], [])
        if any(p["line"] <= ln <= p["end_line"] + 1 for ln in lines):
            hit += 1
    return hit


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--caulk", required=True)
    ap.add_argument("--kingfisher")
    ap.add_argument("--betterleaks")
    ap.add_argument("--rg", help="ripgrep, for the floor")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tree", help="time this tree (no planted secrets) instead of OUT_DIR/corpus")
    args = ap.parse_args()
    corpus = os.path.abspath(args.tree or os.path.join(args.out, "corpus"))
    planted = [] if args.tree else json.load(open(os.path.join(args.out, "planted.json")))
    size = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(corpus) for f in fs)
    outdir = tempfile.mkdtemp(prefix="caulk-bench-")
    ts = tools(args, corpus, outdir)

    results = {name: {"times": [], "rss": []} for name in ts}
    for name, (cmd, _) in ts.items():  # warm-up: page cache, kingfisher's rule cache
        run(cmd)
    for r in range(args.rounds):
        order = list(ts) if r % 2 == 0 else list(reversed(ts))
        for name in order:
            dt, rss, code = run(ts[name][0])
            results[name]["times"].append(dt)
            results[name]["rss"].append(rss)
            results[name]["code"] = code
    # Per-round ratios to caulk, then their median.
    for name in ts:
        ratios = [t / c for t, c in zip(results[name]["times"], results["caulk"]["times"])]
        results[name]["ratio"] = statistics.median(ratios)

    empty = tempfile.mkdtemp(prefix="caulk-empty-")
    startup_cmds = {
        "caulk": [args.caulk, "scan", empty, "-q"],
        "kingfisher": [args.kingfisher, "scan", empty, "--no-validate", "--git-history", "none"] if args.kingfisher else None,
        "betterleaks": [args.betterleaks, "fs", empty, "--no-banner"] if args.betterleaks else None,
        "ripgrep": rg_floor(args.rg, ts["ripgrep"][0][5], 1) + [empty] if "ripgrep" in ts else None,
    }
    startup = {}
    for _ in range(30):
        for name, cmd in startup_cmds.items():
            if cmd:
                startup.setdefault(name, []).append(run(cmd)[0])

    print(f"corpus: {corpus}  {size / 1e6:.0f} MB, {len(planted)} planted secrets; {args.rounds} rounds, -j {args.threads}")
    print(f"{'tool':<12} {'median s':>9} {'MB/s':>7} {'x caulk':>8} {'peak MiB':>9} {'startup ms':>11} {'planted found':>14}")
    for name, (_, parse) in ts.items():
        med = statistics.median(results[name]["times"])
        found = f"{recall(parse(outdir), planted, corpus)}/{len(planted)}" if parse and planted else "(floor)" if not parse else "-"
        print(
            f"{name:<12} {med:>9.3f} {size / 1e6 / med:>7.0f} {results[name]['ratio']:>8.2f} "
            f"{max(results[name]['rss']):>9.0f} {statistics.median(startup[name]) * 1000:>11.1f} {found:>14}"
        )
    print("x caulk: median over rounds of (tool time / caulk time) in the same round; >1 means caulk is faster")
    if "ripgrep" in ts:
        print(f"caulk / ripgrep floor: {1 / results['ripgrep']['ratio']:.2f} (issue 17's target: <= 2)")


if __name__ == "__main__":
    main()
