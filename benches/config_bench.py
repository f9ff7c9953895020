#!/usr/bin/env python3
"""What a configuration file costs a hook run: start-up and `caulk staged` with and without one.

    python3 benches/config_bench.py --caulk target/release/caulk [--runs 30]

The configuration is a large realistic one: 5 custom rules (their examples run before every
scan), a global allowlist of 20 globs, 10 regexes and 10 stopwords, per-rule allowlists for 5
rules, and a 2,000-entry baseline. Runs are interleaved (plain, configured, plain, ...); medians
and the median per-pair ratio are reported, since the machines are shared and noisy.
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


def rand(alphabet, n, rng):
    return "".join(rng.choice(alphabet) for _ in range(n))


def config_text(rng):
    lower = string.ascii_lowercase + string.digits
    out = ['baseline = "baseline.json"', "", "[allowlist]"]
    out.append("paths = [" + ", ".join(f'"vendor{i}/**"' for i in range(20)) + "]")
    out.append("regexes = [" + ", ".join(f"'''^test{i}_[a-z]+'''" for i in range(10)) + "]")
    out.append("stopwords = [" + ", ".join(f'"dummy{i}"' for i in range(10)) + "]")
    for rule in ["openai-api-key", "huggingface-token", "groq-api-key", "jwt", "aws-access-key-id"]:
        out += ["", f"[allowlist.rule.{rule}]", 'paths = ["docs/**/*.md", "*.rst"]']
    for i in range(5):
        key = f"corp{i}_" + rand(lower, 32, rng)
        out += [
            "",
            "[[rules]]",
            f'id = "corp{i}-token"',
            f'description = "Corp service {i} token"',
            f'keywords = ["corp{i}_"]',
            f"regex = '''\\bcorp{i}_[a-z0-9]{{32}}\\b'''",
            'remediation = "Revoke it in the corp console."',
            f'examples = [{{ text = "token = {key}", secret = "{key}" }}]',
            f'negative_examples = ["corp{i}_short"]',
        ]
    return "\n".join(out) + "\n"


def baseline_text(rng, n):
    findings = [
        {
            "fingerprint": rand("0123456789abcdef", 32, rng),
            "rule_id": "openai-api-key",
            "path": f"src/module{i}.py",
            "line": i % 300 + 1,
        }
        for i in range(n)
    ]
    return json.dumps({"caulk_baseline": 1, "findings": findings}, indent=2)


def git(cwd, *args):
    subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@example.com", *args],
                   cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--caulk", required=True)
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    caulk = os.path.abspath(args.caulk)
    rng = random.Random(7)
    tmp = tempfile.mkdtemp(prefix="caulk-config-bench-")
    repo = os.path.join(tmp, "repo")
    os.makedirs(os.path.join(repo, "src"))
    for i in range(200):
        with open(os.path.join(repo, "src", f"module{i}.py"), "w") as f:
            f.write("".join(f"def f{j}(x):\n    return x * {j}\n" for j in range(50)))
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "base")
    for i in range(3):
        with open(os.path.join(repo, "src", f"module{i}.py"), "a") as f:
            f.write("\n\ndef extra():\n    return 42\n")
    git(repo, "add", ".")
    cfg = os.path.join(tmp, "caulk.toml")
    with open(cfg, "w") as f:
        f.write(config_text(rng))
    with open(os.path.join(tmp, "baseline.json"), "w") as f:
        f.write(baseline_text(rng, 2000))
    empty = os.path.join(tmp, "empty")
    os.makedirs(empty)

    cases = {
        "start-up, empty dir": (
            [caulk, "scan", empty, "-q", "--no-config"],
            [caulk, "scan", empty, "-q", "--config", cfg],
            None,
        ),
        "staged, 3-file change": (
            [caulk, "staged", "-q", "--no-config"],
            [caulk, "staged", "-q", "--config", cfg],
            repo,
        ),
    }
    print(f"configuration: 5 custom rules, 20 globs, 10 regexes, 10 stopwords, 5 per-rule "
          f"allowlists, 2,000-entry baseline; {args.runs} interleaved runs each")
    print(f"{'case':<24} {'no config ms':>13} {'config ms':>10} {'ratio':>6}")
    for name, (plain, configured, cwd) in cases.items():
        for cmd in (plain, configured):  # warm-up, and a check that both succeed
            dt, _, code = run(cmd, cwd)
            assert code == 0, (cmd, code)
        a, b, ratio = [], [], []
        for _ in range(args.runs):
            x = run(plain, cwd)[0]
            y = run(configured, cwd)[0]
            a.append(x)
            b.append(y)
            ratio.append(y / x)
        print(f"{name:<24} {statistics.median(a) * 1000:>13.1f} {statistics.median(b) * 1000:>10.1f} "
              f"{statistics.median(ratio):>6.2f}")


if __name__ == "__main__":
    main()
