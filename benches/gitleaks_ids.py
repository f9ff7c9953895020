#!/usr/bin/env python3
"""Keep docs/coverage.md (the gitleaks-to-caulk rule map) honest.

    python3 benches/gitleaks_ids.py ids GITLEAKS_TOML
    python3 benches/gitleaks_ids.py check GITLEAKS_TOML docs/coverage.md
    python3 benches/gitleaks_ids.py probe GITLEAKS_TOML CAULK_BINARY [--config EXTRA.toml] [--json OUT]
    python3 benches/gitleaks_ids.py examples GITLEAKS_TOML RULES_DIR [--json OUT]

GITLEAKS_TOML is gitleaks' default rule set, `config/gitleaks.toml` in its repository
(`git show v8.30.1:config/gitleaks.toml > gitleaks.toml`).

- `ids` prints its rule ids, one a line.
- `check` lists the gitleaks ids the map's table lacks and the rows it has that gitleaks does not
  (after a gitleaks upgrade: the rows to add or drop).
- `probe` is the evidence behind each row: for every gitleaks rule with a regex it makes a token
  of that rule's shape (from the regex's secret group, random characters of the allowed
  alphabet) and writes it in three places — bare in a call (`log("TOKEN")`), as an exported
  variable named after the rule (`export ADAFRUIT_API_KEY=TOKEN`) and as a quoted Python
  assignment (`adafruit_api_key = "TOKEN"`) — then scans them with the caulk binary and prints,
  per gitleaks id, which caulk rules fired in which place. Path-scoped gitleaks rules (files
  named `*.tf`, `nuget.config`…), and those whose regex makes a poor token (private keys, JWTs,
  GitHub's fine-grained tokens), get a hand-made sample file instead (`file=`); `*.p12` files are
  listed as `path-scoped` for a person to judge.
  Tokens are random and never printed (only rule ids are).
- `examples` is the same question asked the other way round: which caulk rules (in RULES_DIR,
  caulk's `rules/`) have an example whose secret the gitleaks rule also reports. gitleaks'
  regexes are often looser than a provider's format (a Slack webhook's path as any 43 to 56
  characters), so a random token of gitleaks' shape may miss a caulk rule that finds every
  real one; a caulk example gitleaks matches shows both rules are after the same token.
"""
import json
import os
import random
import re
import re._parser as sre  # noqa: the stdlib's regex parser, to walk a pattern's tree
import string
import subprocess
import sys
import tempfile
import tomllib

ALNUM = string.ascii_letters + string.digits


def load_rules(path):
    with open(path, "rb") as f:
        return tomllib.load(f)["rules"]


def to_python(rx):
    """Go RE2 syntax → what Python's parser takes (flags do not matter for generating)."""
    rx = rx.replace("[[:alnum:]]", "[A-Za-z0-9]").replace("\\z", "\\Z")
    rx = re.sub(r"\(\?[is]+\)", "", rx)  # (?i) mid-pattern: Python refuses it
    rx = re.sub(r"\(\?-?[is]+:", "(?:", rx)
    return rx


def charset(items):
    chars, negate = set(), False
    for op, av in items:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            chars.add(chr(av))
        elif op is sre.RANGE:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        elif op is sre.CATEGORY:
            if av is sre.CATEGORY_DIGIT:
                chars.update(string.digits)
            elif av is sre.CATEGORY_WORD:
                chars.update(ALNUM + "_")
            elif av is sre.CATEGORY_SPACE:
                chars.add(" ")
    if negate:
        chars = set(ALNUM) - chars
    # Real tokens are mostly letters and digits: prefer them when the class allows them.
    alnum = sorted(c for c in chars if c in ALNUM)
    return alnum or sorted(chars) or ["a"]


def gen(tree, rng, variant=0):
    """One string the pattern matches; `variant` picks which alternative of each `|` to take."""
    out = []
    for op, av in tree:
        if op is sre.LITERAL:
            out.append(chr(av))
        elif op is sre.NOT_LITERAL:
            out.append("a" if chr(av) != "a" else "b")
        elif op is sre.ANY:
            out.append(".")  # an unescaped `.` is most often a host name's dot
        elif op is sre.IN:
            out.append(rng.choice(charset(av)))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            lo, hi, sub = av
            # Short of the maximum: real tokens sit near the low end of wide ranges ({50,1000}).
            n = lo + 8 if hi is sre.MAXREPEAT else lo + min((hi - lo) // 2, 8 + (hi - lo) // 6)
            out.extend(gen(sub, rng, variant) for _ in range(n))
        elif op is sre.SUBPATTERN:
            out.append(gen(av[-1], rng, variant))
        elif op is sre.BRANCH:
            out.append(gen(av[1][variant % len(av[1])], rng, variant))
        # AT, ASSERT, ASSERT_NOT, GROUPREF: nothing to emit
    return "".join(out)


def find_group(tree, gid):
    for op, av in tree:
        if op is sre.SUBPATTERN:
            if av[0] == gid:
                return av[-1]
            found = find_group(av[-1], gid)
            if found is not None:
                return found
        elif op is sre.BRANCH:
            for alt in av[1]:
                found = find_group(alt, gid)
                if found is not None:
                    return found
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            found = find_group(av[2], gid)
            if found is not None:
                return found
    return None


def branches(tree):
    """The most alternatives any `|` in the pattern has: how many variants to make."""
    most = 1
    for op, av in tree:
        if op is sre.BRANCH:
            most = max(most, len(av[1]), *(branches(a) for a in av[1]))
        elif op is sre.SUBPATTERN:
            most = max(most, branches(av[-1]))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            most = max(most, branches(av[2]))
    return most


def samples(rule, rng):
    """Tokens the gitleaks rule would report (its secret group), one per alternative form."""
    rx = rule.get("regex")
    if not rx:
        return []
    tree = sre.parse(to_python(rx))
    group = find_group(tree, rule.get("secretGroup", 1))
    # A rule with no secret group of its own may capture a fragment (`([a-z0-9]{4}-)`): then
    # the token is the whole match.
    if group is not None and "secretGroup" not in rule and len(gen(group, rng)) < 8:
        group = None
    part = group if group is not None else tree
    toks = [gen(part, rng, v) for v in range(min(branches(part), 6))]
    return list(dict.fromkeys(toks))


def rand(n, alphabet=ALNUM, rng=random):
    return "".join(rng.choice(alphabet) for _ in range(n))


def b64(data, url=False):
    import base64

    enc = base64.urlsafe_b64encode if url else base64.b64encode
    return enc(data.encode() if isinstance(data, str) else data).decode().rstrip("=" if url else "")


def special(rid, rng):
    """Hand-made samples, as files (name, text), for rules whose regex is no good generator:
    structured tokens gitleaks matches loosely, and rules scoped to a file name."""
    if rid == "private-key":
        pem = subprocess.run(
            ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
            capture_output=True, text=True,
        ).stdout
        return [("key.txt", pem)] if pem else None
    if rid in ("jwt", "jwt-base64"):
        head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}), url=True)
        body = b64(json.dumps({"sub": rand(12, rng=rng), "iat": 1764000000}), url=True)
        tok = f"{head}.{body}.{rand(43, ALNUM + '-_', rng)}"
        return [("a.py", f'log("{tok if rid == "jwt" else b64(tok)}")\n')]
    if rid == "github-fine-grained-pat":
        return [("a.py", f'log("github_pat_{rand(22, rng=rng)}_{rand(59, rng=rng)}")\n')]
    if rid == "kubernetes-secret-yaml":
        value = b64(rand(20, rng=rng))
        text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\n"
        return [("secret.yaml", text + f"data:\n  password: {value}\n")]
    if rid == "curl-auth-header":
        tok = rand(40, rng=rng)
        return [("a.sh", f'curl -H "Authorization: Bearer {tok}" https://api.example.com/v1\n')]
    if rid == "curl-auth-user":
        return [("a.sh", f"curl -u deploy:{rand(16, rng=rng)} https://ci.example.com/api\n")]
    if rid == "sidekiq-sensitive-url":
        cred = f"{rand(8, '0123456789abcdef', rng)}:{rand(8, '0123456789abcdef', rng)}"
        return [("Gemfile", f'source "https://{cred}@gems.contribsys.com/" do\n')]
    if rid == "freemius-secret-key":
        return [("freemius.php", f"$fs = fs_dynamic_init(array('secret_key' => 'sk_{rand(29, rng=rng)}'));\n")]
    if rid == "hashicorp-tf-password":
        return [("main.tf", f'  administrator_login_password = "{rand(16, rng=rng)}"\n')]
    if rid == "nuget-config-password":
        text = f'<add key="ClearTextPassword" value="{rand(16, rng=rng)}" />\n'
        return [("nuget.config", "<configuration>\n<packageSourceCredentials>\n<feed>\n" + text)]
    return None


ROUNDS = 3


def probe(gl_rules, binary, config):
    """{gitleaks id: {place: [caulk rule ids]}}; an id ends in `?` when that rule fired on some
    of the ROUNDS random tokens only (a filter judged the others: a run of one letter, an
    identifier-like shape)."""
    rng = random.Random(15)
    places = {
        "bare": ("{id}.py", 'log("{tok}")\n'),
        "export": ("{id}.sh", "export {NAME}={tok}\n"),
        "assign": ("{id}_a.py", '{name} = "{tok}"\n'),
    }
    result, where, hits = {}, {}, {}

    def put(path, text, rid, key):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        where[os.path.realpath(path)] = (rid, key)
        result[rid][key] = []

    with tempfile.TemporaryDirectory() as tmp:
        for rnd in range(ROUNDS):
            for rule in gl_rules:
                rid = rule["id"]
                files = special(rid, rng)
                if files:
                    result.setdefault(rid, {})
                    for name, text in files:
                        put(os.path.join(tmp, f"r{rnd}", "special", rid, name), text, rid, "file")
                    continue
                if "path" in rule:
                    result[rid] = "path-scoped"
                    continue
                toks = samples(rule, rng)
                if not toks:
                    result[rid] = "no-sample"
                    continue
                name = re.sub(r"[^a-z0-9]+", "_", rid.lower())
                result.setdefault(rid, {})
                for v, tok in enumerate(toks):
                    for place, (fname, text) in places.items():
                        key = f"{place}{v}" if len(toks) > 1 else place
                        path = os.path.join(tmp, f"r{rnd}", key, fname.format(id=rid))
                        put(path, text.format(tok=tok, NAME=name.upper(), name=name), rid, key)
        cmd = [binary, "scan", tmp, "--format", "json"]
        cmd += ["--config", config] if config else ["--no-config"]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode == 2:
            sys.exit(f"caulk failed: {out.stderr.strip()}")
        seen = set()
        for f in json.loads(out.stdout)["findings"]:
            path = os.path.realpath(f["path"])
            if (path, f["rule_id"]) in seen:
                continue
            seen.add((path, f["rule_id"]))
            rid, key = where[path]
            hits[(rid, key, f["rule_id"])] = hits.get((rid, key, f["rule_id"]), 0) + 1
    for (rid, key, rule_id), n in sorted(hits.items()):
        result[rid][key].append(rule_id if n == ROUNDS else rule_id + "?")
    return result


def to_python_matching(rx):
    """Go RE2 → Python for matching: a `(?i)` anywhere makes the whole pattern case-blind (a
    little looser than gitleaks, never stricter)."""
    flags = re.I if "(?i)" in rx else 0
    rx = rx.replace("[[:alnum:]]", "[A-Za-z0-9]").replace("\\z", "\\Z").replace("(?i)", "")
    return re.compile(rx, flags)


def examples(gl_rules, rules_dir):
    """{gitleaks id: [caulk rule ids]}: caulk rules with an example whose secret the gitleaks
    rule's match (its secret group, or the whole match) contains."""
    caulk = []
    for name in sorted(os.listdir(rules_dir)):
        if name.endswith(".toml"):
            with open(os.path.join(rules_dir, name), "rb") as f:
                caulk += tomllib.load(f).get("rules", [])
    out = {}
    for rule in gl_rules:
        if not rule.get("regex") or "path" in rule:
            continue
        rx = to_python_matching(rule["regex"])
        group = rule.get("secretGroup", 1 if rx.groups else 0)
        found = []
        for c in caulk:
            if c.get("generic"):
                continue
            for ex in c.get("examples", []):
                secret = ex.get("secret")
                if not secret:
                    continue
                for m in rx.finditer(ex["text"]):
                    got = m.group(group) if group <= rx.groups else m.group(0)
                    if "secretGroup" not in rule and len(got or "") < 8:
                        got = m.group(0)  # a fragment group (`([a-z0-9]{4}-)`): the whole match
                    if got and secret in got and c["id"] not in found:
                        found.append(c["id"])
        out[rule["id"]] = found
    return out


def table_ids(md_path):
    ids = []
    with open(md_path) as f:
        for line in f:
            m = re.match(r"^\|\s*`([a-z0-9-]+)`\s*\|", line)
            if m:
                ids.append(m.group(1))
    return ids


def main(argv):
    if len(argv) < 2 or argv[0] not in ("ids", "check", "probe", "examples"):
        sys.exit(__doc__)
    gl_rules = load_rules(argv[1])
    if argv[0] == "ids":
        print("\n".join(r["id"] for r in gl_rules))
    elif argv[0] == "check":
        gl = [r["id"] for r in gl_rules]
        rows = table_ids(argv[2])
        print(f"gitleaks ids: {len(gl)}, table rows: {len(rows)}")
        for i in sorted(set(gl) - set(rows)):
            print(f"missing row: {i}")
        for i in sorted(set(rows) - set(gl)):
            print(f"row not in gitleaks: {i}")
        for i in sorted({i for i in rows if rows.count(i) > 1}):
            print(f"duplicate row: {i}")
    elif argv[0] == "examples":
        res = examples(gl_rules, argv[2])
        if "--json" in argv:
            with open(argv[argv.index("--json") + 1], "w") as f:
                json.dump(res, f, indent=1)
        for rid, ids in res.items():
            print(f"{rid}: {','.join(ids) or '-'}")
    else:
        config = argv[argv.index("--config") + 1] if "--config" in argv else None
        res = probe(gl_rules, argv[2], config)
        if "--json" in argv:
            with open(argv[argv.index("--json") + 1], "w") as f:
                json.dump(res, f, indent=1)
        for rid, r in res.items():
            if isinstance(r, str):
                print(f"{rid}: {r}")
            else:
                print(f"{rid}: " + "; ".join(f"{p}={','.join(v) or '-'}" for p, v in r.items()))


if __name__ == "__main__":
    main(sys.argv[1:])
