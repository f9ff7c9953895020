#!/usr/bin/env python3
"""Two caulk binaries side by side: did a change make caulk slower, or change what it finds?

    python3 benches/compare.py --old OLD_BINARY --new target/release/caulk [--rounds 7]

Uses the trees `bash benches/run.sh` generates under benches/out (run it once first, or
benches/gen_corpus.py and gen_repo.py): the mixed ML corpus, the notebooks-only corpus, the
3,001-commit repository (history), and a copy of it with a 3-file change staged. Runs are
interleaved (old, new, new, old, …) after one warm-up each; prints per scenario the median wall
time of each binary, the median per-round ratio new/old, peak RSS, and the number of findings of
each (a speed-up that loses findings shows here).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from bench import run  # noqa: E402


def findings(binary, cmd, cwd):
    out = subprocess.run([binary, *cmd, "--format", "json"], cwd=cwd, capture_output=True)
    try:
        return len(json.loads(out.stdout)["findings"])
    except (ValueError, KeyError):
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--old", required=True)
    ap.add_argument("--new", required=True)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "out"))
    args = ap.parse_args()
    old, new = os.path.abspath(args.old), os.path.abspath(args.new)
    out = os.path.abspath(args.out)
    tmp = tempfile.mkdtemp(prefix="caulk-compare-")
    work = os.path.join(tmp, "staged")
    shutil.copytree(os.path.join(out, "gitrepo", "repo"), work, symlinks=True)
    py = sorted(subprocess.run(["git", "ls-files", "src"], cwd=work, capture_output=True,
                               text=True).stdout.split())[:2]
    for p in py:
        with open(os.path.join(work, p), "a") as f:
            f.write("\n\ndef extra():\n    return 42\n")
    with open(os.path.join(work, "src", "leak.py"), "w") as f:
        f.write("HF_TOKEN = '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'\n")
    subprocess.run(["git", "add", "-A"], cwd=work, check=True)
    scenarios = [
        ("mixed corpus, scan", ["scan", os.path.join(out, "corpus"), "-j", "2"], None),
        ("notebooks, scan", ["scan", os.path.join(out, "notebooks", "corpus"), "-j", "2"], None),
        ("history, 3,001 commits", ["history", "-j", "2"], os.path.join(out, "gitrepo", "repo")),
        ("staged, 3 files", ["staged"], work),
    ]
    print(f"{'scenario':26} {'old ms':>8} {'new ms':>8} {'new/old':>8} {'old MiB':>8} {'new MiB':>8}  findings old/new")
    for name, cmd, cwd in scenarios:
        rounds = args.rounds * (4 if cmd[0] == "staged" else 1)
        t = {"old": [], "new": []}
        rss = {"old": 0.0, "new": 0.0}
        for b in (old, new):
            run([b, *cmd, "-q"], cwd)
        for r in range(rounds):
            order = [("old", old), ("new", new)] if r % 2 == 0 else [("new", new), ("old", old)]
            for label, b in order:
                dt, mem, _ = run([b, *cmd, "-q"], cwd)
                t[label].append(dt)
                rss[label] = max(rss[label], mem)
        ratio = statistics.median(n / o for n, o in zip(t["new"], t["old"]))
        fo, fn = findings(old, cmd, cwd), findings(new, cmd, cwd)
        print(f"{name:26} {statistics.median(t['old']) * 1000:8.1f} {statistics.median(t['new']) * 1000:8.1f} "
              f"{ratio:8.2f} {rss['old']:8.0f} {rss['new']:8.0f}  {fo}/{fn}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
