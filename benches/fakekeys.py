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


HEX = "0123456789abcdef"


def wandb_legacy(rng):
    return _r(rng, HEX, 40)


def wandb_v1(rng):
    return "wandb_v1_" + _r(rng, ALNUM, 77)


def comet(rng):
    return _r(rng, ALNUM, 25)


def kaggle(rng):
    return _r(rng, HEX, 32)


def mistral(rng):
    return _r(rng, ALNUM, 32)


def cohere(rng):
    return _r(rng, ALNUM, 40)


def together(rng):
    return "tgp_v1_" + _r(rng, URLSAFE, 43)


def fireworks(rng):
    return "fw_" + _r(rng, ALNUM, 24)


def perplexity(rng):
    return "pplx-" + _r(rng, ALNUM, 48)


def xai(rng):
    return "xai-" + _r(rng, ALNUM, 80)


def deepseek(rng):
    return "sk-" + _r(rng, HEX, 32)


def openrouter(rng):
    return "sk-or-v1-" + _r(rng, HEX, 64)


def pinecone(rng):
    return "pcsk_" + _r(rng, ALNUM, 6) + "_" + _r(rng, ALNUM, 63)


def langsmith(rng, kind="pt"):
    return f"lsv2_{kind}_" + _r(rng, HEX, 32) + "_" + _r(rng, HEX, 10)


def gitlab(rng):
    return "glpat-" + _r(rng, URLSAFE, 20)


def slack_bot(rng):
    return f"xoxb-{rng.randint(10**10, 10**11)}-{rng.randint(10**12, 10**13)}-" + _r(rng, ALNUM, 24)


def stripe(rng):
    return "sk_live_" + _r(rng, ALNUM, 99)


def sendgrid(rng):
    return "SG." + _r(rng, URLSAFE, 22) + "." + _r(rng, URLSAFE, 43)


def npm(rng):
    body = _r(rng, ALNUM, 30)
    return f"npm_{body}{_b62(zlib.crc32(body.encode()), 6)}"


def pypi(rng):
    mac = b"\x02\x01\x08pypi.org\x02\x25\x00" + bytes(rng.getrandbits(8) for _ in range(60))
    return "pypi-" + base64.urlsafe_b64encode(mac).decode().rstrip("=")


def dockerhub(rng):
    return "dckr_pat_" + _r(rng, URLSAFE, 27)


def databricks(rng):
    return "dapi" + _r(rng, HEX, 32)


def gcp_oauth_secret(rng):
    return "GOCSPX-" + _r(rng, URLSAFE, 28)


def aws_session(rng):
    return "IQoJb3JpZ2luX2Vj" + _r(rng, ALNUM + "/+", 300)


def bedrock(rng):
    raw = b"BedrockAPIKey-" + _r(rng, ALNUM, 8).encode() + b"-at-123456789012:" + _r(rng, ALNUM, 40).encode()
    return "ABSK" + base64.b64encode(raw).decode()


def azure_storage(rng):
    return base64.b64encode(bytes(rng.getrandbits(8) for _ in range(64))).decode()


def azure_openai(rng):
    return _r(rng, HEX, 32)


def neptune(rng):
    doc = '{"api_address":"https://app.neptune.ai","api_url":"https://app.neptune.ai","api_key":"%s"}' % (
        "-".join(_r(rng, HEX, n) for n in (8, 4, 4, 4, 12)))
    return base64.b64encode(doc.encode()).decode()


def jwt(rng):
    enc = lambda d: base64.urlsafe_b64encode(d.encode()).decode().rstrip("=")
    head = enc('{"alg":"HS256","typ":"JWT"}')
    body = enc('{"sub":"%s","iat":1700000000}' % _r(rng, ALNUM, 12))
    return f"{head}.{body}." + _r(rng, URLSAFE, 43)


if __name__ == "__main__":
    import sys

    rng = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else None)
    for name, fn in list(globals().items()):
        if callable(fn) and not name.startswith("_") and fn.__module__ == "__main__":
            print(f"{name}: {fn(rng)!r}")
