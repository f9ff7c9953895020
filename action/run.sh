#!/usr/bin/env bash
# The logic of caulk's GitHub Action (action.yml), kept in a script so it can be tested with a
# real repository and the environment GitHub sets: GITHUB_EVENT_NAME, GITHUB_EVENT_PATH (the
# event payload), GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, GITHUB_WORKSPACE.
#
# It scans what the event brings — a pull request's commits (base..head), a push's commits
# (before..after; a new branch: the commits not on the default branch), or the whole history on
# a schedule — and fetches what that needs itself, so a default depth-1 `actions/checkout` is
# enough: the base and head commits by sha, then deeper history until the base is reachable and
# no commit of the range is cut off at a shallow graft (a graft would blame everything in its
# tree on the first commit the checkout happens to have). When the range still cannot be read,
# the job fails (exit 2) with an `::error::` and a summary saying the scan did not run — never
# "no secrets".
#
# caulk runs once: the text report in the job log, coloured (`--color always`: a CI log is no
# terminal), GitHub annotations (`--report github=…`, printed after it, since GitHub reads
# workflow commands from stdout), the job summary (`--report markdown=…`, a Markdown table) and
# a SARIF file (`--report sarif=…`) and an HTML page for the artifact (`--report html=…`) come
# from the same scan. Inputs come as INPUT_* variables: CONFIG, BASELINE, ARGS, FAIL_ON_FINDINGS
# (true), SARIF_FILE (caulk.sarif), HTML_FILE (caulk.html), SCAN (auto | all), COLOR (always |
# auto | never). CAULK_BIN names the binary (default: caulk on PATH). Exit: 0
# clean, 1 findings (0 with fail-on-findings false), 2 the scan did not run.
set -uo pipefail

caulk=${CAULK_BIN:-caulk}
event=${GITHUB_EVENT_NAME:-}
payload=${GITHUB_EVENT_PATH:-}
sarif=${INPUT_SARIF_FILE:-caulk.sarif}
html=${INPUT_HTML_FILE:-caulk.html}
fail=${INPUT_FAIL_ON_FINDINGS:-true}
mode=${INPUT_SCAN:-auto}
summary=${GITHUB_STEP_SUMMARY:-/dev/null}
output=${GITHUB_OUTPUT:-/dev/null}
markdown=${RUNNER_TEMP:-/tmp}/caulk-summary.md
annotations=${RUNNER_TEMP:-/tmp}/caulk-annotations.txt

# Fails the job: the scan did not run (or did not finish), said on the log as an error
# annotation, in the job summary and in the outputs. Never "no secrets".
fail_closed() {
  local msg="$1" escaped
  escaped=${msg//'%'/'%25'}
  escaped=${escaped//$'\r'/'%0D'}
  escaped=${escaped//$'\n'/'%0A'}
  echo "::error title=caulk: the scan did not run::$escaped"
  echo "caulk: $msg" >&2
  printf '### ⚠️ caulk: the scan did not run\n\n%s\n' "$msg" >> "$summary"
  {
    echo "findings="
    echo "sarif-file="
    echo "html-file="
    echo "exit-code=2"
  } >> "$output"
  exit 2
}

cd "${GITHUB_WORKSPACE:-.}" || fail_closed "cannot enter the workspace ${GITHUB_WORKSPACE:-.}"
git rev-parse --git-dir > /dev/null 2>&1 \
  || fail_closed "$(pwd) is not a git repository: run actions/checkout before caulk"

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

is_shallow() {
  [ "$(git rev-parse --is-shallow-repository 2> /dev/null)" = true ]
}

fetch() {
  git -c protocol.version=2 fetch --no-tags --quiet origin "$@"
}

# Makes sure commit $1 is present, fetching it by sha from origin (only that commit when the
# checkout is shallow: deepen_range fetches the history it needs).
have_commit() {
  git cat-file -e "$1^{commit}" 2> /dev/null && return 0
  echo "caulk: fetching $1 (the checkout does not have it)" >&2
  if is_shallow; then
    fetch --depth=1 "$1"
  else
    fetch "$1"
  fi
  git cat-file -e "$1^{commit}" 2> /dev/null
}

# True when `caulk history $1..$2` reads the real history: the repository is complete, or the
# base is reachable from the head (a merge base) and no commit of the range is a shallow graft
# (whose parents, and so whose real changes, are missing).
range_complete() {
  is_shallow || return 0
  git merge-base "$1" "$2" > /dev/null 2>&1 || return 1
  no_graft_in "$1..$2"
}

# True when no commit that `git rev-list ARGS` lists is a shallow graft.
no_graft_in() {
  local grafts list
  grafts=$(git rev-parse --git-path shallow)
  [ -s "$grafts" ] || return 0
  list=$(git rev-list "$@") || return 1
  ! grep -qxFf "$grafts" <<< "$list"
}

# Fetches history for both ends of $1..$2 until range_complete: deeper by 50, 200, 1000
# commits, then all of it. Fails when the remote cannot give it.
deepen_range() {
  local n
  for n in 50 200 1000; do
    range_complete "$1" "$2" && return 0
    echo "caulk: the checkout is shallow; fetching $n more commits of history" >&2
    fetch --deepen="$n" "$1" "$2" || return 1
  done
  range_complete "$1" "$2" && return 0
  if is_shallow; then
    echo "caulk: fetching the full history" >&2
    fetch --unshallow "$1" "$2" || fetch --unshallow || return 1
  fi
  range_complete "$1" "$2"
}

# Fetches the whole history of the commits $@ (`--all`: of every branch and tag), then checks
# that none of it is cut off at a graft.
full_history() {
  local refs=("$@")
  [ "$1" = --all ] && refs=('+refs/heads/*:refs/remotes/origin/*' '+refs/tags/*:refs/tags/*')
  if is_shallow; then
    echo "caulk: the checkout is shallow; fetching the full history" >&2
    fetch --unshallow "${refs[@]}" || return 1
  elif [ "$1" = --all ]; then
    fetch "${refs[@]}" || return 1
  fi
  no_graft_in "$@"
}

zero=0000000000000000000000000000000000000000
target=()
case "$mode:$event" in
  all:* | *:schedule | *:workflow_dispatch)
    full_history --all || fail_closed "cannot fetch the repository's full history from origin \
(every ref's history is scanned); check the remote, or use actions/checkout with fetch-depth: 0"
    target=(--all)
    ;;
  *:pull_request | *:pull_request_target)
    base=$(field pull_request.base.sha)
    head=$(field pull_request.head.sha)
    if [ -z "$base" ] || [ -z "$head" ]; then
      fail_closed "the $event payload has no pull_request.base.sha/head.sha"
    fi
    have_commit "$head" || fail_closed "cannot fetch the pull request's head $head from origin"
    have_commit "$base" || fail_closed "cannot fetch the pull request's base $base from origin"
    deepen_range "$base" "$head" || fail_closed "cannot read the pull request's commits \
$base..$head: the checkout is shallow and origin did not give the history between them; \
use actions/checkout with fetch-depth: 0"
    target=("$base..$head")
    ;;
  *:push)
    before=$(field before)
    after=$(field after)
    [ -n "$after" ] || after=$(git rev-parse HEAD)
    have_commit "$after" || fail_closed "cannot fetch the pushed commit $after from origin"
    base=""
    if [ -n "$before" ] && [ "$before" != "$zero" ] && have_commit "$before"; then
      base=$before
    else
      # A new branch (or a force push whose old tip is gone): the commits not on the default
      # branch, or the branch's whole history when it is the default branch.
      default=$(field repository.default_branch)
      depth=()
      is_shallow && depth=(--depth=1)
      if [ -n "$default" ] && [ "$(field ref)" != "refs/heads/$default" ] \
        && fetch "${depth[@]}" "+refs/heads/$default:refs/remotes/origin/$default"; then
        base=$(git rev-parse --verify --quiet "refs/remotes/origin/$default^{commit}")
      fi
    fi
    if [ -n "$base" ]; then
      deepen_range "$base" "$after" || fail_closed "cannot read the pushed commits \
$base..$after: the checkout is shallow and origin did not give the history between them; \
use actions/checkout with fetch-depth: 0"
      target=("$base..$after")
    else
      full_history "$after" || fail_closed "cannot fetch the full history of $after from origin (a new \
branch is scanned whole); use actions/checkout with fetch-depth: 0"
      target=("$after")
    fi
    ;;
  *)
    full_history "$(git rev-parse HEAD)" || fail_closed "cannot fetch the full history of HEAD from origin; use \
actions/checkout with fetch-depth: 0"
    target=(HEAD)
    ;;
esac

common=(--color "${INPUT_COLOR:-always}")
[ -n "${INPUT_CONFIG:-}" ] && common+=(--config "$INPUT_CONFIG")
[ -n "${INPUT_BASELINE:-}" ] && common+=(--baseline "$INPUT_BASELINE")
# shellcheck disable=SC2206 # extra arguments are words, as on a command line
[ -n "${INPUT_ARGS:-}" ] && common+=(${INPUT_ARGS})

echo "caulk: scanning ${target[*]} ($event)" >&2
rm -f "$sarif" "$markdown" "$annotations" "$html"
# One scan: the coloured text report on stdout; annotations, the summary, the SARIF file and the
# HTML page from the same findings.
"$caulk" history "${target[@]}" "${common[@]}" --report "github=$annotations" \
  --report "sarif=$sarif" --report "markdown=$markdown" --report "html=$html"
code=$?

case "$code" in
  0 | 1) ;;
  *) fail_closed "caulk history ${target[*]} failed (exit $code; its message is above): nothing was \
judged, so the job fails" ;;
esac
[ -f "$sarif" ] && [ -f "$markdown" ] && [ -f "$annotations" ] && [ -f "$html" ] \
  || fail_closed "caulk exited $code but did not write its reports ($sarif, $markdown, $annotations, $html)"
cat "$annotations"
cat "$markdown" >> "$summary"

findings=$(python3 - "$sarif" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1], encoding="utf-8"))["runs"]
print(sum(1 for r in runs for x in r["results"] if x.get("level") == "error"))
PY
) || fail_closed "$sarif: caulk's SARIF report could not be read"
{
  echo "findings=$findings"
  echo "sarif-file=$sarif"
  echo "html-file=$html"
  echo "exit-code=$code"
} >> "$output"

if [ "$code" -eq 1 ] && [ "$fail" != true ]; then
  echo "caulk: $findings findings; not failing the job (fail-on-findings: $fail)" >&2
  exit 0
fi
exit "$code"
