#!/usr/bin/env bash
# The logic of caulk's GitHub Action (action.yml), kept in a script so it can be tested with a
# real repository and the environment GitHub sets: GITHUB_EVENT_NAME, GITHUB_EVENT_PATH (the
# event payload), GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, GITHUB_WORKSPACE.
#
# It scans what the event brings — a pull request's commits (base..head, fetching the base when
# the checkout is shallow), a push's commits, or the whole history on a schedule — and writes
# GitHub annotations (stdout), a job summary (Markdown table) and a SARIF file. Inputs come as
# INPUT_* variables: CONFIG, BASELINE, ARGS, FAIL_ON_FINDINGS (true), SARIF_FILE (caulk.sarif),
# SCAN (auto | all). CAULK_BIN names the binary (default: caulk on PATH).
set -uo pipefail

caulk=${CAULK_BIN:-caulk}
event=${GITHUB_EVENT_NAME:-}
payload=${GITHUB_EVENT_PATH:-}
sarif=${INPUT_SARIF_FILE:-caulk.sarif}
fail=${INPUT_FAIL_ON_FINDINGS:-true}
mode=${INPUT_SCAN:-auto}
summary=${GITHUB_STEP_SUMMARY:-/dev/null}
output=${GITHUB_OUTPUT:-/dev/null}
cd "${GITHUB_WORKSPACE:-.}" || exit 2

# A field of the event payload, by dotted path ("" when absent).
field() {
  [ -n "$payload" ] && [ -f "$payload" ] || return 0
  python3 - "$payload" "$1" <<'PY'
import json, sys
value = json.load(open(sys.argv[1], encoding="utf-8"))
for key in sys.argv[2].split("."):
    value = value.get(key) if isinstance(value, dict) else None
print(value if isinstance(value, str) else "")
PY
}

# Makes sure commit $1 is present, fetching it (or the full history) from origin when the
# checkout is shallow or lacks it.
have_commit() {
  git cat-file -e "$1^{commit}" 2>/dev/null && return 0
  echo "caulk: fetching $1 (the checkout does not have it)" >&2
  git fetch --no-tags --quiet origin "$1" 2>/dev/null
  git cat-file -e "$1^{commit}" 2>/dev/null && return 0
  if [ "$(git rev-parse --is-shallow-repository 2>/dev/null)" = true ]; then
    git fetch --no-tags --quiet --unshallow origin 2>/dev/null
  fi
  git cat-file -e "$1^{commit}" 2>/dev/null
}

zero=0000000000000000000000000000000000000000
target=()
case "$mode:$event" in
  all:* | *:schedule | *:workflow_dispatch)
    target=(--all)
    ;;
  *:pull_request | *:pull_request_target)
    base=$(field pull_request.base.sha)
    head=$(field pull_request.head.sha)
    if [ -z "$base" ] || [ -z "$head" ]; then
      echo "caulk: the $event payload has no pull_request.base.sha/head.sha" >&2
      exit 2
    fi
    have_commit "$head" || { echo "caulk: cannot fetch the pull request's head $head" >&2; exit 2; }
    have_commit "$base" || { echo "caulk: cannot fetch the pull request's base $base" >&2; exit 2; }
    target=("$base..$head")
    ;;
  *:push)
    before=$(field before)
    after=$(field after)
    [ -n "$after" ] || after=$(git rev-parse HEAD)
    have_commit "$after" || { echo "caulk: cannot fetch the pushed commit $after" >&2; exit 2; }
    if [ -z "$before" ] || [ "$before" = "$zero" ] || ! have_commit "$before"; then
      target=("$after") # a new branch: its whole history
    else
      target=("$before..$after")
    fi
    ;;
  *)
    target=(HEAD)
    ;;
esac

common=(--no-color)
[ -n "${INPUT_CONFIG:-}" ] && common+=(--config "$INPUT_CONFIG")
[ -n "${INPUT_BASELINE:-}" ] && common+=(--baseline "$INPUT_BASELINE")
# shellcheck disable=SC2206 # extra arguments are words, as on a command line
[ -n "${INPUT_ARGS:-}" ] && common+=(${INPUT_ARGS})

echo "caulk: scanning ${target[*]} ($event)" >&2
"$caulk" history "${target[@]}" "${common[@]}" --format sarif -o "$sarif" -q
"$caulk" history "${target[@]}" "${common[@]}" --format markdown -q -o "${RUNNER_TEMP:-/tmp}/caulk-summary.md"
cat "${RUNNER_TEMP:-/tmp}/caulk-summary.md" >> "$summary"
# Annotations on stdout, and the verdict: 0 clean, 1 findings, 2 error.
"$caulk" history "${target[@]}" "${common[@]}" --format github
code=$?

findings=$(python3 - "$sarif" <<'PY'
import json, sys
try:
    runs = json.load(open(sys.argv[1], encoding="utf-8"))["runs"]
    print(sum(1 for r in runs for x in r["results"] if x.get("level") == "error"))
except (OSError, ValueError, KeyError):
    print(0)
PY
)
{
  echo "findings=$findings"
  echo "sarif-file=$sarif"
  echo "exit-code=$code"
} >> "$output"

if [ "$code" -eq 1 ] && [ "$fail" != true ]; then
  echo "caulk: $findings findings; not failing the job (fail-on-findings: $fail)" >&2
  exit 0
fi
exit "$code"
