#!/usr/bin/env bash
# Precision on real code: scan the unpacked sources of popular ML-stack packages from PyPI
# (which should hold no live secrets) and list every finding for triage.
#   bash benches/precision.sh            # downloads into benches/out/precision, scans, prints findings
# The package list is fixed so the counts are reproducible (versions: the newest PyPI serves; the
# script prints them). Notebooks come from packages that ship test and documentation notebooks.
set -euo pipefail
cd "$(dirname "$0")/.."
out=benches/out/precision
mkdir -p "$out/dl" "$out/src"
# Wheels of the ML stack (their code, as installed), and source archives of packages that ship
# test and documentation notebooks (pure Python: no build needed to download them).
wheels=(
  transformers datasets huggingface_hub accelerate diffusers peft sentence-transformers
  openai anthropic cohere langchain-core mlflow-skinny wandb scikit-learn pandas requests
  boto3 lightning evaluate safetensors
  litellm llama-index-core dspy langchain-community qdrant-client pinecone
)
sdists=(nbconvert nbformat jupytext papermill nbclient)
have() { ls "$out/dl" | grep -qi "^${1//-/[-_]}-"; }
for p in "${wheels[@]}"; do
  have "$p" || pip download --quiet --no-deps --only-binary :all: -d "$out/dl" "$p"
done
for p in "${sdists[@]}"; do
  have "$p" || pip download --quiet --no-deps --no-binary "$p" -d "$out/dl" "$p"
done
for f in "$out"/dl/*; do
  name=$(basename "$f")
  [ -d "$out/src/$name" ] && continue
  mkdir -p "$out/src/$name"
  case "$f" in
    *.tar.gz) tar -xzf "$f" -C "$out/src/$name" ;;
    *.zip|*.whl) python3 -m zipfile -e "$f" "$out/src/$name" ;;
  esac
done
cargo build --release --locked --quiet
ls "$out/dl" | sed 's/^/  /'
# CAULK=/path/to/other/caulk bash benches/precision.sh  compares another build on the same sources.
caulk=${CAULK:-./target/release/caulk}
notebooks=$(find "$out/src" -name '*.ipynb' | wc -l)
echo "$(find "$out/src" -type f | wc -l) files, $notebooks notebooks, $(du -sh "$out/src" | cut -f1)"
"$caulk" scan "$out/src" --no-ignore --format json -o "$out/findings.json" -q || true
python3 - "$out/findings.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(d["summary"])
for f in d["findings"]:
    print(f'{f["confidence"]:<6} {f["rule_id"]:<28} {f["path"]}:{f["line"]}  {f["snippet"][:110]}')
PY
