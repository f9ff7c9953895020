#!/usr/bin/env python3
"""Bounded work on hostile bytes: each case must finish in seconds, in memory bounded by the
largest file, with the right findings.

    python3 benches/hostile.py --caulk target/release/caulk [--rounds 3] [--out DIR]

Cases (generated under DIR, default a temporary folder):
  long-line      one 50 MB line of minified JavaScript with a keyword every few hundred bytes
                 and 2,000 fake keys in it
  many-lines     2 million short lines, 1,000 keys
  key-like-runs  50 MB of runs that look like keys but never end as one: `AKIA` + 1 MB of
                 uppercase, `sk-` + 1 MB of base64 characters, `hf_` + 1 MB of letters, a 10 MB
                 base64 line, `ghp_` runs without a checksum
  big-blob       one 100 MB text file (one key at its end), scanned with --max-file-size 0
  empty-files    100,000 empty files in 100 folders
  deep-notebook  a notebook nested 100,000 levels deep (read as text, said on stderr)
  million-cells  a 240 MB notebook of a million small code cells, each with a stream output,
                 1,000 keys in sources (scanned with --max-file-size 0; peak RSS must stay well
                 under 1 GB, about 3x the file at most)
  git-big-blob   a repository whose history holds one 300 MiB text blob (over the default
                 256 MiB limit), scanned with `caulk history`: the blob's size comes from its
                 header, so it is skipped without being inflated
  stdin-zero     `caulk scan - --max-file-size 10MiB < /dev/zero`: standard input is read in
                 windows up to the limit, then the scan stops with exit 2 (it used to read all
                 of /dev/zero into memory until the OOM killer came)
Prints per case: median wall time, peak RSS of the caulk process, findings, exit code.
"""
import argparse
import json
import os
import random
import statistics
import string
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from bench import run  # noqa: E402

B64 = string.ascii_letters + string.digits + "+/"
ALNUM = string.ascii_letters + string.digits


def key(rng, prefix, alphabet, n):
    return prefix + "".join(rng.choice(alphabet) for _ in range(n))


def hf(rng):
    return key(rng, "hf_", ALNUM, 34)


def gen(out, rng):
    os.makedirs(out, exist_ok=True)
    cases = {}

    d = os.path.join(out, "long-line")
    os.makedirs(d, exist_ok=True)
    parts, size = [], 0
    keys = 0
    while size < 50 * 2**20:
        if keys < 2000 and rng.random() < 0.02:
            s = f'var t{size}={{token:"{hf(rng)}"}};'
            keys += 1
        else:
            s = f"function f{size}(a,b){{return a.token||b.secret_key||'password'+a}};"
        parts.append(s)
        size += len(s)
    with open(os.path.join(d, "bundle.min.js"), "w") as f:
        f.write("".join(parts))
    cases["long-line"] = (d, [], keys)

    d = os.path.join(out, "many-lines")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "train.log"), "w") as f:
        keys = 0
        for i in range(2_000_000):
            if i % 2000 == 0:
                f.write(f"step {i} HF_TOKEN={hf(rng)}\n")
                keys += 1
            else:
                f.write(f"step {i} loss=0.{i % 997}\n")
    cases["many-lines"] = (d, [], keys)

    d = os.path.join(out, "key-like-runs")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "runs.txt"), "w") as f:
        for _ in range(8):
            f.write("AKIA" + "".join(rng.choice(string.ascii_uppercase) for _ in range(2**20)) + "\n")
            f.write("sk-" + "".join(rng.choice(B64) for _ in range(2**20)) + "\n")
            f.write("hf_" + "".join(rng.choice(string.ascii_letters) for _ in range(2**20)) + "\n")
            f.write("ghp_" + "".join(rng.choice(ALNUM) for _ in range(36)) + " " * 10 + "\n")
            f.write("token=" + "".join(rng.choice(B64) for _ in range(2**20)) + "\n")
        f.write("data:" + "".join(rng.choice(B64) for _ in range(10 * 2**20)) + "\n")
    cases["key-like-runs"] = (d, [], None)

    d = os.path.join(out, "big-blob")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "dump.sql"), "w") as f:
        line = "INSERT INTO t VALUES (1, 'some text value', 3.14159);\n"
        f.write(line * (100 * 2**20 // len(line)))
        f.write(f"-- HF_TOKEN={hf(rng)}\n")
    cases["big-blob"] = (d, ["--max-file-size", "0"], 1)

    d = os.path.join(out, "empty-files")
    for i in range(100):
        sub = os.path.join(d, f"d{i}")
        os.makedirs(sub, exist_ok=True)
        for j in range(1000):
            open(os.path.join(sub, f"f{j}.py"), "w").close()
    cases["empty-files"] = (d, [], 0)

    d = os.path.join(out, "deep-notebook")
    os.makedirs(d, exist_ok=True)
    depth = 100_000
    nb = '{"cells": [], "metadata": {"x": ' + "[" * depth + "]" * depth + "}, " + \
        f'"nbformat": 4, "nbformat_minor": 5, "k": "{hf(rng)}"}}'
    with open(os.path.join(d, "deep.ipynb"), "w") as f:
        f.write(nb)
    cases["deep-notebook"] = (d, [], 1)

    # million-cells: Jupyter's layout (one-space indent, sorted keys), written in blocks.
    d = os.path.join(out, "million-cells")
    os.makedirs(d, exist_ok=True)
    cell = ('  {\n   "cell_type": "code",\n   "execution_count": %d,\n   "id": "c%07d",\n'
            '   "metadata": {},\n   "outputs": [\n    {\n     "name": "stdout",\n'
            '     "output_type": "stream",\n     "text": [\n      "step %d\\n"\n     ]\n    }\n'
            '   ],\n   "source": [\n    "%s"\n   ]\n  }')
    n, keys = 1_000_000, 0
    with open(os.path.join(d, "cells.ipynb"), "w") as f:
        f.write('{\n "cells": [\n')
        for start in range(0, n, 10_000):
            block = []
            for i in range(start, start + 10_000):
                if i % 1000 == 0:
                    src = f"HF_TOKEN = '{hf(rng)}'"
                    keys += 1
                else:
                    src = f"x = {i}"
                block.append(cell % (i, i, i, src))
            f.write(("" if start == 0 else ",\n") + ",\n".join(block))
        f.write('\n ],\n "metadata": {},\n "nbformat": 4,\n "nbformat_minor": 5\n}\n')
    cases["million-cells"] = (d, ["--max-file-size", "0"], keys)
    # git cases (names start with "git-"): `caulk history` run inside the repository.
    d = os.path.join(out, "git-big-blob")
    os.makedirs(d, exist_ok=True)
    git = ["git", "-c", "user.name=b", "-c", "user.email=b@example.com", "-C", d]
    subprocess.run([*git, "init", "-q"], check=True)
    with open(os.path.join(d, "dump.sql"), "w") as f:
        line = "INSERT INTO t VALUES (1, 'some text value', 3.14159);\n"
        block = line * (2**20 // len(line))
        for _ in range(300):
            f.write(block)
        f.write(f"-- HF_TOKEN={hf(rng)}\n")
    subprocess.run([*git, "add", "dump.sql"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "dump"], check=True)
    os.remove(os.path.join(d, "dump.sql"))  # only the blob in .git remains
    subprocess.run([*git, "commit", "-q", "-am", "drop the dump"], check=True)
    cases["git-big-blob"] = (d, [], 0)
    # stdin-zero: no files; main() pipes /dev/zero in.
    d = os.path.join(out, "stdin-zero")
    os.makedirs(d, exist_ok=True)
    cases["stdin-zero"] = (d, ["--max-file-size", "10MiB"], 0)
    return cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--caulk", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out")
    ap.add_argument("--only", action="append", help="run only this case (repeatable)")
    ap.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if os.sep in args.caulk:  # the git cases run inside their repository
        args.caulk = os.path.abspath(args.caulk)
    out = args.out or tempfile.mkdtemp(prefix="caulk-hostile-")
    manifest = os.path.join(out, "cases.json")
    if args.generate_only:
        cases = gen(out, random.Random(3))
        with open(manifest, "w") as f:
            json.dump(cases, f)
        return
    if not os.path.exists(manifest):
        # In a child process: a child of this one inherits its peak RSS (ru_maxrss counts the
        # memory before exec), so the generator's strings must never live here.
        subprocess.run([sys.executable, __file__, "--caulk", args.caulk, "--out", out,
                        "--generate-only"], check=True)
    cases = json.load(open(manifest))
    print(f"{'case':<15} {'MB':>6} {'median s':>9} {'peak MiB':>9} {'findings':>9} {'want':>6} {'exit':>5}")
    for name, (d, extra, want) in cases.items():
        if args.only and name not in args.only:
            continue
        mb = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(d) for f in fs) / 2**20
        report = os.path.join(out, f"{name}.json")
        cmd = [args.caulk, "scan", d, "-q", "--format", "json", "-o", report, *extra]
        cwd = None
        if name.startswith("git-"):  # MB is then the repository's size on disk
            cmd = [args.caulk, "history", "-q", "--format", "json", "-o", report, *extra]
            cwd = d
        if name.startswith("stdin-"):  # `exec`: the shell becomes caulk, whose RSS is measured
            cmd = ["sh", "-c", 'exec "$0" scan - -q --format json -o "$1" "$2" "$3" < /dev/zero',
                   args.caulk, report, *extra]
        times, rss, code = [], [], None
        for _ in range(args.rounds):
            dt, mem, code = run(cmd, cwd=cwd)
            times.append(dt)
            rss.append(mem)
        found = len(json.load(open(report))["findings"])
        print(f"{name:<15} {mb:>6.0f} {statistics.median(times):>9.2f} {max(rss):>9.0f} {found:>9} "
              f"{'' if want is None else want:>6} {code:>5}")


if __name__ == "__main__":
    main()
