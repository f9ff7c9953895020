#!/usr/bin/env python3
"""Import circles between caulk's modules, found by reading the sources (not by eye).

Reads the binary crate's `src/**/*.rs` and every `crates/*/src/**/*.rs`, builds the graph
"module A names module B" from `use crate::b…`, `crate::b::…` anywhere in code, `super::`/`self::`
paths, paths through a declared child module, and paths into another workspace crate
(`caulk_engine::rules::…`). Comments, string and char literals and `#[cfg(test)]` items (the
`mod tests { … }` blocks) are ignored. A file `a.rs` or `a/mod.rs` is module `a`; `a/b.rs` is
`a::b`; `lib.rs` is the crate itself and `main.rs` its binary.

Prints each module with the modules it imports, then every import cycle: each strongly
connected component of more than one module, with its shortest cycle `a → b → c → a` and where
each step of that cycle is written in the sources.

    python3 .ci/imports.py [ROOT]        exit 0 without cycles, 1 with cycles, 2 on bad input
    python3 .ci/imports.py --report      print the same, always exit 0
    python3 .ci/imports.py --selftest    check the fixtures under .ci/imports_fixtures/

Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tomllib
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "imports_fixtures"

# --------------------------------------------------------------------------------------------
# Lexing: Rust source to a list of tokens, without comments and literals.


@dataclass(frozen=True)
class Tok:
    """One token: an identifier/keyword, `::`, or a single punctuation character."""

    text: str
    line: int


def lex(src: str) -> list[Tok]:
    """Tokens of `src`; comments (nested block comments too), strings, raw strings, byte
    strings, char literals and numbers are dropped, lifetimes become nothing."""
    toks: list[Tok] = []
    i, n, line = 0, len(src), 1

    def skip_quoted(j: int) -> int:
        # j is just past an opening `"`; returns the index just past the closing `"`.
        nonlocal line
        while j < n:
            c = src[j]
            if c == "\\":
                if j + 1 < n and src[j + 1] == "\n":
                    line += 1
                j += 2
                continue
            if c == "\n":
                line += 1
            if c == '"':
                return j + 1
            j += 1
        return n

    while i < n:
        c = src[i]
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        elif src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
        elif src.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if src.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif src.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    if src[i] == "\n":
                        line += 1
                    i += 1
        elif c == '"':
            i = skip_quoted(i + 1)
        elif c in "rbc" and _raw_string_at(src, i):
            # r"…", r#"…"#, br"…", cr#"…"#: no escapes, ends at `"` plus as many `#`.
            j = i + 1 if c == "r" else i + 2
            hashes = 0
            while src[j] == "#":
                hashes, j = hashes + 1, j + 1
            end = src.find('"' + "#" * hashes, j + 1)
            end = n if end < 0 else end + 1 + hashes
            line += src.count("\n", i, end)
            i = end
        elif c in "bc" and i + 1 < n and src[i + 1] == '"' and not _ident_char_before(src, i):
            i = skip_quoted(i + 2)
        elif c == "b" and i + 1 < n and src[i + 1] == "'" and not _ident_char_before(src, i):
            i = _skip_char_literal(src, i + 1)
        elif c == "'":
            if i + 2 < n and (src[i + 1] == "\\" or src[i + 2] == "'"):
                i = _skip_char_literal(src, i)
            else:  # a lifetime or a label: 'a, 'static
                i += 1
                while i < n and _is_ident_char(src[i]):
                    i += 1
        elif _is_ident_start(c):
            j = i
            while j < n and _is_ident_char(src[j]):
                j += 1
            if src[i:j] == "r" and j + 1 < n and src[j] == "#" and _is_ident_start(src[j + 1]):
                i = j = j + 1  # a raw identifier, r#type: the name is what follows `r#`
                while j < n and _is_ident_char(src[j]):
                    j += 1
            toks.append(Tok(src[i:j], line))
            i = j
        elif c.isdigit():
            j = i
            while j < n and (_is_ident_char(src[j]) or (src[j] == "." and j + 1 < n and src[j + 1].isdigit())):
                j += 1
            i = j
        elif src.startswith("::", i):
            toks.append(Tok("::", line))
            i += 2
        else:
            toks.append(Tok(c, line))
            i += 1
    return toks


def _is_ident_start(c: str) -> bool:
    return c == "_" or c.isalpha()


def _is_ident_char(c: str) -> bool:
    return c == "_" or c.isalnum()


def _ident_char_before(src: str, i: int) -> bool:
    return i > 0 and _is_ident_char(src[i - 1])


def _raw_string_at(src: str, i: int) -> bool:
    if _ident_char_before(src, i):
        return False
    j = i
    if src[j] in "bc":
        j += 1
        if j >= len(src) or src[j] != "r":
            return False
    elif src[j] != "r":
        return False
    j += 1
    while j < len(src) and src[j] == "#":
        j += 1
    return j < len(src) and src[j] == '"'


def _skip_char_literal(src: str, i: int) -> int:
    # i is at the opening `'`.
    j = i + 1
    if j < len(src) and src[j] == "\\":
        j += 2
    else:
        j += 1
    end = src.find("'", j)
    return len(src) if end < 0 else end + 1


# --------------------------------------------------------------------------------------------
# Dropping `#[cfg(test)]` items.


def _attribute_end(toks: list[Tok], i: int) -> int:
    """Index just past the attribute starting at toks[i] == '#' (outer `#[…]` only)."""
    j = i + 1
    if j < len(toks) and toks[j].text == "!":
        j += 1
    if j >= len(toks) or toks[j].text != "[":
        return i + 1
    depth = 0
    while j < len(toks):
        t = toks[j].text
        if t == "[":
            depth += 1
        elif t == "]":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return j


def _is_cfg_test(toks: list[Tok], i: int, end: int) -> bool:
    return [t.text for t in toks[i:end]] == ["#", "[", "cfg", "(", "test", ")", "]"]


def _item_end(toks: list[Tok], i: int) -> int:
    """Index just past the item starting at toks[i]: its `;` or its closing `}` at depth 0."""
    depth = 0
    j = i
    while j < len(toks):
        t = toks[j].text
        if t in "([":
            depth += 1
        elif t in ")]":
            depth -= 1
        elif t == ";" and depth == 0:
            return j + 1
        elif t == "{" and depth == 0:
            braces = 0
            while j < len(toks):
                if toks[j].text == "{":
                    braces += 1
                elif toks[j].text == "}":
                    braces -= 1
                    if braces == 0:
                        return j + 1
                j += 1
            return j
        j += 1
    return j


def drop_test_items(toks: list[Tok]) -> tuple[list[Tok], set[str]]:
    """Tokens without `#[cfg(test)]` items, and the names of `#[cfg(test)] mod x;` files."""
    out: list[Tok] = []
    test_mods: set[str] = set()
    i = 0
    while i < len(toks):
        if toks[i].text == "#":
            end = _attribute_end(toks, i)
            if _is_cfg_test(toks, i, end):
                j = end
                while j < len(toks) and toks[j].text == "#":  # further attributes
                    j = _attribute_end(toks, j)
                k = j
                while k < len(toks) and toks[k].text in ("pub", "(", ")", "crate", "super", "in", "self"):
                    k += 1
                if k + 2 < len(toks) and toks[k].text == "mod" and toks[k + 2].text == ";":
                    test_mods.add(toks[k + 1].text)
                i = _item_end(toks, j)
                continue
            out.extend(toks[i:end])
            i = end
            continue
        out.append(toks[i])
        i += 1
    return out, test_mods


# --------------------------------------------------------------------------------------------
# Paths named in the code.


@dataclass(frozen=True)
class Use:
    """One path the code names, relative to where it stands (`ctx` is the module path there)."""

    segments: tuple[str, ...]
    ctx: tuple[str, ...]
    line: int


PATH_STARTS = {"crate", "super", "self"}


def _parse_tree(toks: list[Tok], i: int, prefix: tuple[str, ...]) -> tuple[list[tuple[str, ...]], int]:
    """Parse a path (or use tree) at toks[i]; returns the full paths and the index after."""
    segs = list(prefix)
    paths: list[tuple[str, ...]] = []
    while i < len(toks):
        t = toks[i].text
        if t == "{":
            i += 1
            while i < len(toks) and toks[i].text != "}":
                if toks[i].text == ",":
                    i += 1
                    continue
                if toks[i].text == "as":  # `x as y`: y is a local name, not a path
                    i += 2
                    continue
                if toks[i].text == "self":
                    paths.append(tuple(segs))
                    i += 1
                    continue
                sub, j = _parse_tree(toks, i, tuple(segs))
                paths.extend(sub)
                i = max(j, i + 1)
            return paths, i + 1
        if t == "*":
            return [tuple(segs)], i + 1
        if not _is_ident_start(t[0]):
            break
        segs.append(t)
        i += 1
        if i < len(toks) and toks[i].text == "::":
            i += 1
            continue
        break
    return [tuple(segs)], i


def find_paths(toks: list[Tok], file_ctx: tuple[str, ...], starts: set[str]) -> tuple[list[Use], set[str]]:
    """Every path beginning with `crate`/`super`/`self`/a name in `starts`, with the module path
    (file module plus inline `mod x { … }` blocks) it stands in; and the child modules declared."""
    uses: list[Use] = []
    children: set[str] = set()
    stack: list[tuple[str, int]] = []  # inline modules: (name, brace depth at their `{`)
    depth = 0
    i = 0
    while i < len(toks):
        t = toks[i].text
        if t == "{":
            depth += 1
        elif t == "}":
            depth -= 1
            while stack and stack[-1][1] > depth:
                stack.pop()
        elif t == "mod" and i + 2 < len(toks) and _is_ident_start(toks[i + 1].text[0]):
            name, after = toks[i + 1].text, toks[i + 2].text
            if after == ";":
                if not stack:
                    children.add(name)
            elif after == "{":
                stack.append((name, depth + 1))
        prev = toks[i - 1].text if i else ""
        starts_path = (
            i + 1 < len(toks)
            and toks[i + 1].text == "::"
            and prev != "::"
            and (t in PATH_STARTS or t in starts)
        )
        # `pub(in crate::a)` is a visibility, not an import
        if starts_path and prev == "in" and i >= 2 and toks[i - 2].text == "(":
            starts_path = False
        if starts_path:
            ctx = file_ctx + tuple(name for name, _ in stack)
            paths, j = _parse_tree(toks, i, ())
            for p in paths:
                uses.append(Use(p, ctx, toks[i].line))
            i = max(j, i + 1)
            continue
        i += 1
    return uses, children


# --------------------------------------------------------------------------------------------
# Crates, modules and the graph.


@dataclass
class Module:
    """One module file: `crate_name::a::b` is `(crate_name, ("a", "b"))`."""

    crate: str
    path: tuple[str, ...]
    file: Path
    is_bin: bool = False

    @property
    def name(self) -> str:
        base = self.crate + (" (main.rs)" if self.is_bin else "")
        return "::".join((base,) + self.path)


@dataclass
class Graph:
    """Modules by name, and for each import edge the places in the sources that make it."""

    modules: dict[str, Module] = field(default_factory=dict)
    edges: dict[str, dict[str, list[str]]] = field(default_factory=dict)


def crate_name(crate_dir: Path) -> str:
    manifest = crate_dir / "Cargo.toml"
    if manifest.is_file():
        try:
            with manifest.open("rb") as f:
                data = tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            raise SystemExit(f"imports.py: {manifest}: not TOML ({e}); fix the manifest")
        name = data.get("package", {}).get("name")
        if name:
            return name.replace("-", "_")
    return crate_dir.name.replace("-", "_")


def crate_dirs(root: Path) -> list[Path]:
    dirs = []
    if (root / "src").is_dir():
        dirs.append(root)
    crates = root / "crates"
    if crates.is_dir():
        dirs.extend(sorted(d for d in crates.iterdir() if (d / "src").is_dir()))
    return dirs


def module_path(rel: Path) -> tuple[tuple[str, ...], bool] | None:
    """Module path of a file relative to `src/` (None for files that are not modules)."""
    parts = list(rel.with_suffix("").parts)
    if parts[0] == "bin":  # src/bin/*.rs are binaries of their own; not modules of the crate
        return None
    if parts == ["lib"]:
        return (), False
    if parts == ["main"]:
        return (), True
    if parts[-1] == "mod":
        parts.pop()
    return tuple(parts), False


def build_graph(root: Path) -> Graph:
    g = Graph()
    dirs = crate_dirs(root)
    if not dirs:
        raise SystemExit(f"imports.py: {root}: no src/ and no crates/*/src/; give the repository root")
    crates = {crate_name(d): d for d in dirs}
    parsed: list[tuple[Module, list[Use], set[str]]] = []
    excluded: set[Path] = set()
    for cname, cdir in crates.items():
        for file in sorted((cdir / "src").rglob("*.rs")):
            mp = module_path(file.relative_to(cdir / "src"))
            if mp is None:
                continue
            try:
                src = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as e:
                raise SystemExit(f"imports.py: {file}: cannot read ({e}); fix or remove the file")
            toks, test_mods = drop_test_items(lex(src))
            mod = Module(cname, mp[0], file, mp[1])
            # a `#[cfg(test)] mod x;` file is test code: drop it from the graph
            base = file.parent if file.stem in ("mod", "lib", "main") else file.with_suffix("")
            for t in test_mods:
                excluded.update({base / f"{t}.rs", base / t / "mod.rs"})
            uses, children = find_paths(toks, mod.path, set(crates) | _child_names(toks))
            parsed.append((mod, uses, children))
    for mod, _, _ in parsed:
        if mod.file not in excluded:
            g.modules[mod.name] = mod
    lib_modules = {(m.crate, m.path) for m in g.modules.values() if not m.is_bin}
    bin_crates = {m.crate for m in g.modules.values() if m.is_bin}
    for mod, uses, children in parsed:
        if mod.file in excluded:
            continue
        out = g.edges.setdefault(mod.name, {})
        for u in uses:
            target = resolve(u, mod, children, crates, lib_modules, bin_crates)
            if target is None or target == mod.name:
                continue
            rel = mod.file.relative_to(root)
            out.setdefault(target, []).append(f"{rel}:{u.line} {'::'.join(u.segments)}")
    return g


def _child_names(toks: list[Tok]) -> set[str]:
    names = set()
    for i, t in enumerate(toks[:-2]):
        if t.text == "mod" and toks[i + 2].text == ";":
            names.add(toks[i + 1].text)
    return names


def resolve(u: Use, mod: Module, children: set[str], crates: dict[str, Path],
            lib_modules: set[tuple[str, tuple[str, ...]]], bin_crates: set[str]) -> str | None:
    """The module a path names: the longest known module prefix of its absolute form."""
    segs = list(u.segments)
    crate = mod.crate
    if segs[0] == "crate":
        absolute = segs[1:]
        in_bin = mod.is_bin
    elif segs[0] in ("super", "self"):
        ctx = list(u.ctx)
        while segs and segs[0] in ("super", "self"):
            if segs.pop(0) == "super":
                if not ctx:
                    return None  # `super` above the crate root: not valid Rust; ignore
                ctx.pop()
        absolute = ctx + segs
        in_bin = mod.is_bin
    elif segs[0] in children and len(u.ctx) == len(mod.path):
        absolute = list(mod.path) + segs
        in_bin = mod.is_bin
    elif segs[0] in crates:
        crate = segs[0]
        absolute = segs[1:]
        in_bin = False
    else:
        return None
    if in_bin and (crate, ()) in lib_modules:
        # beside a lib.rs, the other files are the library's modules and main.rs declares none
        # of its own (caulk's does not): a `crate::x` there stays in the binary
        return f"{crate} (main.rs)" if crate in bin_crates else None
    for k in range(len(absolute), -1, -1):
        if (crate, tuple(absolute[:k])) in lib_modules:
            return "::".join((crate,) + tuple(absolute[:k]))
    return None


# --------------------------------------------------------------------------------------------
# Cycles.


def strongly_connected(nodes: list[str], edges: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; components in a stable order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    comps: list[list[str]] = []
    counter = 0
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, {}))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(edges.get(w, {})))))
                    advanced = True
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                comps.append(sorted(comp))
    return sorted(comps, key=lambda c: c[0])


def shortest_cycle(comp: list[str], edges: dict[str, dict[str, list[str]]]) -> list[str]:
    """The shortest cycle inside a component (ties: the alphabetically first start and path)."""
    members = set(comp)
    best: list[str] | None = None
    for start in comp:
        prev: dict[str, str] = {}
        queue = deque([start])
        seen = {start}
        found = None
        while queue and found is None:
            v = queue.popleft()
            for w in sorted(edges.get(v, {})):
                if w not in members:
                    continue
                if w == start:
                    found = v
                    break
                if w not in seen:
                    seen.add(w)
                    prev[w] = v
                    queue.append(w)
        if found is None:
            continue
        path = [found]
        while path[-1] != start:
            path.append(prev[path[-1]])
        cycle = list(reversed(path)) + [start]
        if best is None or len(cycle) < len(best):
            best = cycle
    assert best is not None
    return best


# --------------------------------------------------------------------------------------------
# Output.


def report(g: Graph) -> tuple[str, int]:
    """The printed report and the number of cycles (components of more than one module)."""
    names = sorted(g.modules)
    lines = [f"modules: {len(names)}, imports: {sum(len(v) for v in g.edges.values())}", ""]
    for n in names:
        targets = sorted(g.edges.get(n, {}))
        lines.append(f"{n} → {', '.join(targets) if targets else '(nothing)'}")
    comps = [c for c in strongly_connected(names, g.edges) if len(c) > 1]
    lines.append("")
    if not comps:
        lines.append("import cycles: none")
    else:
        lines.append(f"import cycles: {len(comps)}")
        for k, comp in enumerate(comps, 1):
            cycle = shortest_cycle(comp, g.edges)
            lines.append("")
            lines.append(f"cycle {k}: {len(comp)} modules: {', '.join(comp)}")
            lines.append(f"  shortest: {' → '.join(cycle)}")
            for a, b in zip(cycle, cycle[1:]):
                sites = g.edges[a][b]
                more = f" (+{len(sites) - 1} more)" if len(sites) > 1 else ""
                lines.append(f"    {a} → {b}: {sites[0]}{more}")
            members = set(comp)
            inside = [(a, b) for a in comp for b in sorted(g.edges.get(a, {})) if b in members]
            lines.append(f"  imports inside it ({len(inside)}; break the circle by removing some):")
            for a, b in inside:
                sites = g.edges[a][b]
                more = f" (+{len(sites) - 1} more)" if len(sites) > 1 else ""
                lines.append(f"    {a} → {b}: {sites[0]}{more}")
    return "\n".join(lines) + "\n", len(comps)


# --------------------------------------------------------------------------------------------
# Self-test: every fixture's report must equal its expected.txt, and the exit codes hold.


def selftest() -> int:
    failures = 0
    cases = sorted(d for d in FIXTURES.iterdir() if d.is_dir()) if FIXTURES.is_dir() else []
    if len(cases) < 2:
        print(f"selftest: expected at least two fixtures under {FIXTURES}", file=sys.stderr)
        return 1
    for case in cases:
        before = failures
        expected_file = case / "expected.txt"
        want_exit = int((case / "expected_exit").read_text().strip())
        got, cycles = report(build_graph(case))
        if got != expected_file.read_text(encoding="utf-8"):
            failures += 1
            print(f"FAIL {case.name}: the report differs from expected.txt; it is:\n{got}")
        for args, want in (([], want_exit), (["--report"], 0)):
            proc = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), *args, str(case)],
                capture_output=True, text=True,
            )
            if proc.returncode != want or proc.stdout != got:
                failures += 1
                print(f"FAIL {case.name} {' '.join(args)}: exit {proc.returncode}, want {want}; stderr: {proc.stderr}")
        if (cycles > 0) != (want_exit == 1):
            failures += 1
            print(f"FAIL {case.name}: {cycles} cycles but expected exit {want_exit}")
        if failures == before:
            print(f"ok {case.name}: {cycles} cycle(s), exit {want_exit}")
    # bad input: a folder without sources is an error (exit 2), not a clean pass
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), str(FIXTURES / "nonexistent")],
                          capture_output=True, text=True)
    if proc.returncode != 2 or "no src/" not in proc.stderr:
        failures += 1
        print(f"FAIL a missing tree: exit {proc.returncode}, stderr {proc.stderr!r}")
    else:
        print("ok a tree without sources: exit 2")
    # the lexer's hard cases, directly
    toks = [t.text for t in lex('let s = r#"crate::a"#; let c = \'"\'; let l: &\'a str = "x\\"crate::b"; /* /* crate::c */ */ crate::d::e')]
    if toks.count("crate") != 1 or "d" not in toks:
        failures += 1
        print(f"FAIL lexer: {toks}")
    else:
        print("ok lexer: raw strings, char quotes, lifetimes, escaped quotes, nested comments")
    print("selftest:", "FAILED" if failures else "passed")
    return 1 if failures else 0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("root", nargs="?", default=str(HERE.parent), help="repository root (default: this repository)")
    ap.add_argument("--report", action="store_true", help="print the graph and cycles, always exit 0")
    ap.add_argument("--selftest", action="store_true", help="run the fixtures under .ci/imports_fixtures/")
    args = ap.parse_args(argv)
    if args.selftest:
        return selftest()
    text, cycles = report(build_graph(Path(args.root)))
    sys.stdout.write(text)
    if args.report:
        return 0
    return 1 if cycles else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except SystemExit as e:
        if isinstance(e.code, str):
            print(e.code, file=sys.stderr)
            sys.exit(2)
        raise
