#!/usr/bin/env python3
"""Generate the benchmark corpus: a tree of realistic ML-repository files with planted secrets.

    python3 benches/gen_corpus.py OUT_DIR [--mb 200] [--seed 1]

Writes OUT_DIR/corpus/ (Python sources, YAML and JSON configs, Jupyter notebooks with base64 plots
and text outputs, training logs) and OUT_DIR/planted.json: one entry per planted secret with its
path (relative to the corpus), first and last line, and kind. Every key is fake (fakekeys.py).
"""
import argparse
import base64
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakekeys as fk  # noqa: E402

WORDS = (
    "model data train eval loss step batch epoch layer token tokenizer embed attention head "
    "hidden dropout optimizer scheduler metric accuracy logits labels config checkpoint dataset "
    "split shard feature vocab prompt sample weight bias grad norm cache device cuda rank world"
).split()


def ident(rng):
    return "_".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))


def py_block(rng):
    a, b, c = ident(rng), ident(rng), ident(rng)
    return f'''

def {a}({b}, {c}=None, max_tokens=512):
    """Compute {a} over {b} (prompt_tokens, attention_mask) for the {c} split."""
    tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")
    prompt_tokens_2, prompt_weights_2 = tokenizer({b}, return_tensors="pt"), None
    {c} = {c} or {{}}
    for step, batch in enumerate({b}):
        logits = model(**batch).logits
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), batch["labels"].view(-1))
        if step % {rng.randint(10, 500)} == 0:
            logger.info("step=%d loss=%.4f lr=%.2e", step, loss.item(), scheduler.get_last_lr()[0])
        {c}["{a}"] = {c}.get("{a}", 0.0) + loss.item()
    identifier_key = obj._identifier_key if hasattr(obj, "_identifier_key") else None
    token = os.environ.get("HF_TOKEN")
    return {c}, identifier_key, token
'''


PY_HEAD = '''"""Training utilities."""
import os
import logging

import torch
import torch.nn.functional as F
from transformers import AutoTokenizer, T5ForConditionalGeneration

logger = logging.getLogger(__name__)
'''


def yaml_file(rng):
    lines = ["experiment:", f"  name: {ident(rng)}-{rng.randint(1, 999)}", "  seed: 42", "model:"]
    for _ in range(rng.randint(40, 120)):
        lines.append(f"  {ident(rng)}: {rng.choice(['true', 'false', str(rng.random()), str(rng.randint(1, 4096)), ident(rng)])}")
    lines += ["tracking:", "  uri: https://mlflow.internal.example.com", "  api_key: ${MLFLOW_TRACKING_TOKEN}", "  max_tokens: 2048"]
    return "\n".join(lines) + "\n"


def vocab_file(rng):
    words = ["password", "token", "secret", "key", "api"] + [ident(rng) for _ in range(3000)]
    return json.dumps({w: i for i, w in enumerate(words)}, indent=2) + "\n"


def log_file(rng, n):
    out = []
    for i in range(n):
        r = rng.random()
        if r < 0.05:
            out.append(f"2026-11-01 12:{i % 60:02d}:{i % 59:02d},{i % 1000:03d} INFO checkpoint saved sha256={rng.getrandbits(256):064x}")
        elif r < 0.08:
            out.append(f"2026-11-01 12:{i % 60:02d}:{i % 59:02d},{i % 1000:03d} DEBUG request_id={rng.getrandbits(128):032x} tokens={rng.randint(1, 9999)}")
        else:
            out.append(
                f"2026-11-01 12:{i % 60:02d}:{i % 59:02d},{i % 1000:03d} INFO step={i} loss={rng.random() * 3:.4f} "
                f"lr={rng.random() * 1e-3:.2e} tokens/s={rng.randint(1000, 90000)} grad_norm={rng.random():.3f}"
            )
    return "\n".join(out) + "\n"


def plots(rng, n):
    """Plots as Jupyter stores them: base64 of a PNG (its signature and header, then compressed
    bytes, here random)."""
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x02\x80\x00\x00\x01\xe0\x08\x06\x00\x00\x00"
    return [base64.b64encode(png + bytes(rng.getrandbits(8) for _ in range(rng.randint(20000, 40000)))).decode() + "\n" for _ in range(n)]


def notebook(rng, images, planted_src=None, planted_out=None, image_share=0.4):
    """A notebook as Jupyter writes it (indent 1, sources as lists of lines)."""
    cells = []
    for i in range(rng.randint(8, 16)):
        src = [f"# {ident(rng)}\n", "import os\n", f"x = train({ident(rng)}, max_tokens=256)\n", "print(x)"]
        outputs = [{"name": "stdout", "output_type": "stream", "text": [f"step {j} loss {rng.random():.4f}\n" for j in range(20)]}]
        if rng.random() < image_share:
            outputs.append(
                {
                    "data": {"image/png": rng.choice(images), "text/plain": ["<Figure size 640x480 with 1 Axes>"]},
                    "metadata": {},
                    "output_type": "display_data",
                }
            )
        cells.append({"cell_type": "code", "execution_count": i + 1, "id": f"{rng.getrandbits(32):08x}", "metadata": {}, "outputs": outputs, "source": src})
    if planted_src is not None:
        cells.insert(rng.randint(0, len(cells)), {"cell_type": "code", "execution_count": 99, "id": "c0ffee00", "metadata": {}, "outputs": [], "source": [planted_src]})
    if planted_out is not None:
        out = {"name": "stdout", "output_type": "stream", "text": ["environ({'HOME': '/root', 'SECRET': " + planted_out + "})\n"]}
        cells.insert(rng.randint(0, len(cells)), {"cell_type": "code", "execution_count": 98, "id": "c0ffee01", "metadata": {}, "outputs": [out], "source": ["print(os.environ)"]})
    nb = {
        "cells": cells,
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


# kind -> (key generator, line template for code/config, notebook source line)
PLANTS = {
    "openai": (fk.openai_project, 'OPENAI_API_KEY = "{k}"'),
    "anthropic": (fk.anthropic, 'client = anthropic.Anthropic(api_key="{k}")'),
    "huggingface": (fk.huggingface, 'login(token="{k}")'),
    "aws-key-id": (fk.aws_key_id, 'AWS_ACCESS_KEY_ID = "{k}"'),
    "aws-secret": (fk.aws_secret, 'aws_secret_access_key = "{k}"'),
    "github": (fk.github, "GITHUB_TOKEN = '{k}'"),
    "google": (fk.google_api, 'genai.configure(api_key="{k}")'),
    "replicate": (fk.replicate, 'os.environ["REPLICATE_API_TOKEN"] = "{k}"'),
    "groq": (fk.groq, 'groq_client = Groq(api_key="{k}")'),
    "password": (fk.password, 'db_password = "{k}"'),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only-notebooks", action="store_true", help="notebooks heavy with plots only")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    root = os.path.join(args.out, "corpus")
    os.makedirs(root, exist_ok=True)
    images = plots(rng, 8)
    planted = []
    total, n, target = 0, 0, args.mb * 1_000_000
    kinds = list(PLANTS)
    while total < target:
        kind = rng.random()
        d = os.path.join(root, f"pkg{n // 200:03d}")
        os.makedirs(d, exist_ok=True)
        every = 5 if args.only_notebooks else 25
        plant = n % every == 0
        pk = kinds[(n // every) % len(kinds)] if plant else None
        key = PLANTS[pk][0](rng) if plant else None
        line = PLANTS[pk][1].format(k=key) if plant else None
        if args.only_notebooks:
            kind = 0.6
        if kind < 0.35:
            name, text = f"{ident(rng)}_{n}.py", PY_HEAD + "".join(py_block(rng) for _ in range(rng.randint(20, 50)))
        elif kind < 0.45:
            name, text = f"config_{n}.yaml", yaml_file(rng)
        elif kind < 0.50:
            name, text = f"vocab_{n}.json", vocab_file(rng)
        elif kind < 0.70:
            in_output = plant and n % (2 * every) == every
            src = line + "\n" if plant and not in_output else None
            out = repr(line) if in_output else None
            share = 0.8 if args.only_notebooks else 0.4
            name, text = f"explore_{n}.ipynb", notebook(rng, images, src, out, share)
        else:
            name, text = f"train_{n}.log", log_file(rng, rng.randint(200, 700))
        rel = os.path.relpath(os.path.join(d, name), root)
        if plant:
            if name.endswith(".ipynb"):
                needle = json.dumps(line + "\n", ensure_ascii=False) if src else json.dumps(key)[1:-1]
                lno = text[: text.index(needle)].count("\n") + 1
            elif name.endswith(".json"):
                field = "password" if pk == "password" else "api_token"
                text = text.rstrip("}\n") + f',\n  "{field}": "{key}"\n}}\n'
                lno = text.count("\n") - 1
            else:
                lines = text.split("\n")
                at = rng.randint(1, len(lines) - 1)
                if name.endswith(".yaml"):
                    lines.insert(at, "secrets_" + line.replace(" = ", ": ", 1).replace("(", "_").replace(")", ""))
                else:
                    lines.insert(at, line)
                text = "\n".join(lines)
                lno = at + 1
            planted.append({"path": rel, "line": lno, "end_line": lno, "kind": pk})
        with open(os.path.join(root, rel), "w") as f:
            f.write(text)
        total += len(text.encode())
        n += 1
    # Private keys, one per 40 packages.
    for i in range(0, n // 200 + 1, 4):
        rel = f"pkg{i:03d}/deploy_id_rsa"
        pem = fk.rsa_pem(rng)
        with open(os.path.join(root, rel), "w") as f:
            f.write(pem)
        planted.append({"path": rel, "line": 1, "end_line": pem.count("\n"), "kind": "private-key"})
    with open(os.path.join(args.out, "planted.json"), "w") as f:
        json.dump(planted, f, indent=1)
    print(f"{n} files, {total / 1e6:.0f} MB, {len(planted)} planted secrets in {root}")


if __name__ == "__main__":
    main()
