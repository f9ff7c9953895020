#!/usr/bin/env python3
"""Generate a git repository for the git benchmarks with `git fast-import`:

    python3 benches/gen_repo.py OUT_DIR [--files 5000] [--commits 3000] [--notebooks 0] [--seed 7]

An initial commit of FILES source and config files (and NOTEBOOKS Jupyter notebooks with plots),
then COMMITS commits that each change one to three files (with notebooks, half of them also
re-run a notebook: new outputs, new plots); some commits add a fake secret (in a notebook's
output, as `print(os.environ)` leaves it, one time in three when there are notebooks), and some
of those secrets are deleted again later (history scanners must still report them). Writes
OUT_DIR/repo (a checkout) and OUT_DIR/planted.json (commit index, path, line, kind of each
planted secret).
"""
import argparse
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakekeys as fk  # noqa: E402
from gen_corpus import PLANTS, ident, notebook, plots, py_block, yaml_file  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--commits", type=int, default=3000)
    ap.add_argument("--notebooks", type=int, default=0)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    repo = os.path.join(args.out, "repo")
    os.makedirs(repo, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)

    files = {}
    for i in range(args.files):
        d = f"src/pkg{i // 100:03d}"
        if i % 5 == 0:
            files[f"configs/exp{i:05d}.yaml"] = yaml_file(rng)
        else:
            files[f"{d}/{ident(rng)}_{i}.py"] = "".join(py_block(rng) for _ in range(rng.randint(2, 6)))

    images = plots(rng, 24) if args.notebooks else []
    books = [f"notebooks/explore_{i:04d}.ipynb" for i in range(args.notebooks)]
    for b in books:
        files[b] = notebook(rng, images)

    stream = []
    mark = [0]

    def blob(text):
        mark[0] += 1
        data = text.encode()
        stream.append(b"blob\nmark :%d\ndata %d\n" % (mark[0], len(data)) + data + b"\n")
        return mark[0]

    t0 = 1_700_000_000

    def commit(i, msg, changes):
        ms = [(path, blob(text) if text is not None else None) for path, text in changes]
        data = msg.encode()
        head = b"commit refs/heads/main\ncommitter Bench <bench@example.com> %d +0000\ndata %d\n" % (t0 + i * 60, len(data)) + data + b"\n"
        body = b"".join(b"M 100644 :%d %s\n" % (m, p.encode()) if m else b"D %s\n" % p.encode() for p, m in ms)
        stream.append(head + body + b"\n")

    commit(0, "initial import", sorted(files.items()))
    planted = []
    live = {}  # path -> commit index of a secret that is still there
    paths = sorted(files)
    kinds = list(PLANTS)
    for c in range(1, args.commits + 1):
        changes = []
        for _ in range(rng.randint(1, 3)):
            p = rng.choice(paths)
            if p.endswith(".ipynb"):
                continue  # notebooks change by running them again
            files[p] = files[p] + ("\n" + py_block(rng) if p.endswith(".py") else f"  {ident(rng)}: {rng.randint(1, 99)}\n")
            changes.append((p, files[p]))
        if books and rng.random() < 0.5:  # a notebook run again: new outputs
            b = rng.choice(books)
            files[b] = notebook(rng, images)
            changes.append((b, files[b]))
        if c % 30 == 0 and books and c % 90 == 0:  # a secret printed in a notebook's output
            kind = kinds[(c // 30) % len(kinds)]
            key = PLANTS[kind][0](rng)
            p = f"notebooks/debug_{c}.ipynb"
            files[p] = notebook(rng, images, None, repr(PLANTS[kind][1].format(k=key)))
            needle = json.dumps(key)[1:-1]
            line = files[p][: files[p].index(needle)].count("\n") + 1
            paths.append(p)
            changes.append((p, files[p]))
            planted.append({"commit": c, "path": p, "line": line, "kind": kind})
            live[p] = c
        elif c % 30 == 0:  # plant a secret in a new file
            kind = kinds[(c // 30) % len(kinds)]
            key = PLANTS[kind][0](rng)
            p = f"scripts/run_{c}.py"
            files[p] = f"import os\n{PLANTS[kind][1].format(k=key)}\n"
            paths.append(p)
            changes.append((p, files[p]))
            planted.append({"commit": c, "path": p, "line": 2, "kind": kind})
            live[p] = c
        elif c % 45 == 0 and live:  # delete a planted secret again
            p = sorted(live)[0]
            del live[p]
            files[p] = notebook(rng, images) if p.endswith(".ipynb") else "import os\nKEY = os.environ['KEY']\n"
            changes.append((p, files[p]))
        commit(c, f"change {c}: {ident(rng)}", changes)

    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=b"".join(stream), check=True)
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=repo, check=True)
    with open(os.path.join(args.out, "planted.json"), "w") as f:
        json.dump(planted, f, indent=1)
    print(f"{repo}: {args.files} files, {args.notebooks} notebooks, {args.commits + 1} commits, {len(planted)} planted secrets ({len(planted) - len(live)} deleted later)")


if __name__ == "__main__":
    main()
