#!/usr/bin/env python3
"""Format-valid, random, fake credentials for caulk's fixtures, rule examples and benchmark corpus.

Each generator follows the provider's documented token shape (prefix, alphabet, length and, where
the format has one, checksum). None of these is, or was ever, a real credential.
"""
import base64
import random
import string
import zlib

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "-_"
B32 = string.ascii_uppercase + "234567"


def _r(rng, alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def _b62(n, width):
    out = ""
    while n:
        n, d = divmod(n, 62)
        out = B62[d] + out
    return out.rjust(width, "0")


def openai_legacy(rng):
    return "sk-" + _r(rng, ALNUM, 20) + "T3BlbkFJ" + _r(rng, ALNUM, 20)


def openai_project(rng, kind="proj"):
    return f"sk-{kind}-" + _r(rng, URLSAFE, 74) + "T3BlbkFJ" + _r(rng, URLSAFE, 74)


def anthropic(rng, kind="api03"):
    return f"sk-ant-{kind}-" + _r(rng, URLSAFE, 93) + "AA"


def huggingface(rng, prefix="hf_"):
    return prefix + _r(rng, string.ascii_letters, 34)


def aws_key_id(rng, prefix="AKIA"):
    return prefix + _r(rng, B32, 16)


def aws_secret(rng):
    return _r(rng, ALNUM + "/+", 40)


def github(rng, prefix="ghp"):
    body = _r(rng, ALNUM, 30)
    return f"{prefix}_{body}{_b62(zlib.crc32(body.encode()), 6)}"


def github_pat(rng):
    return "github_pat_" + _r(rng, ALNUM, 22) + "_" + _r(rng, ALNUM, 59)


def google_api(rng):
    return "AIza" + _r(rng, URLSAFE, 35)


def replicate(rng):
    return "r8_" + _r(rng, ALNUM, 37)


def groq(rng):
    return "gsk_" + _r(rng, ALNUM, 52)


def password(rng):
    return _r(rng, ALNUM, 6) + rng.choice("!#%&*+-") + _r(rng, ALNUM, 9)


def rsa_pem(rng, kind="RSA "):
    der = bytes(rng.getrandbits(8) for _ in range(600))
    b = base64.b64encode(b"\x30\x82\x02\x54\x02\x01\x00" + der).decode()
    lines = [b[i : i + 64] for i in range(0, len(b), 64)]
    return f"-----BEGIN {kind}PRIVATE KEY-----\n" + "\n".join(lines) + f"\n-----END {kind}PRIVATE KEY-----\n"


if __name__ == "__main__":
    import sys

    rng = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else None)
    for name, fn in list(globals().items()):
        if callable(fn) and not name.startswith("_") and fn.__module__ == "__main__":
            print(f"{name}: {fn(rng)!r}")
