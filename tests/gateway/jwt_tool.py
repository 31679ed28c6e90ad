#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""JWT helper for the gateway tests, built on Python's `jwt` (python3-jwt), an
implementation independent of the gateway's.

  jwt_tool.py verify TOKEN JWKS_FILE [--aud A --iss I]   verify using only the JWKS
  jwt_tool.py claims TOKEN                             print header and payload (unverified)
  jwt_tool.py forge KIND TOKEN [--key PEM] [--jwks F]  print a hostile variant of TOKEN:
      hs256    alg HS256, HMAC keyed with the gateway's public key (PEM) - alg confusion
      none     alg none, empty signature
      rs256    alg RS256, signed by a fresh RSA key, real kid
      expired  ES256 with the real key (--key), exp an hour ago
      future   ES256 with the real key (--key), nbf an hour ahead
      tampered payload changed (sub), original signature kept
      unknown-kid / traversal-kid   kid "nope" / "../../etc/passwd", resigned with --key
      sub      ES256 with the real key (--key), sub replaced by --sub (Python escapes
               allowed: "dev\\r\\nX: y" is a CR/LF)
"""
import argparse
import base64
import hashlib
import hmac
import json
import sys
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def split(token):
    h, p, s = token.split(".")
    return json.loads(unb64(h)), json.loads(unb64(p)), s


def load_key(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def forge(kind, token, key_path, jwks_path, sub=None):
    header, payload, sig = split(token)
    now = int(time.time())
    if kind == "hs256":
        with open(jwks_path) as f:
            jwk = json.load(f)["keys"][0]
        pub = jwt.algorithms.ECAlgorithm.from_jwk(json.dumps(jwk))
        secret = pub.public_bytes(serialization.Encoding.PEM,
                                  serialization.PublicFormat.SubjectPublicKeyInfo)
        h = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": header["kid"]}).encode())
        p = b64(json.dumps(payload).encode())
        mac = hmac.new(secret, f"{h}.{p}".encode(), hashlib.sha256).digest()
        return f"{h}.{p}.{b64(mac)}"
    if kind == "none":
        h = b64(json.dumps({"alg": "none", "typ": "JWT", "kid": header["kid"]}).encode())
        return f"{h}.{b64(json.dumps(payload).encode())}."
    if kind == "rs256":
        k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return jwt.encode(payload, k, algorithm="RS256", headers={"kid": header["kid"]})
    if kind == "tampered":
        payload["sub"] = payload["sub"] + "-x"
        h = token.split(".")[0]
        return f"{h}.{b64(json.dumps(payload).encode())}.{sig}"
    key = load_key(key_path)
    kid = header["kid"]
    if kind == "expired":
        payload.update(iat=now - 7200, nbf=now - 7200, exp=now - 3600)
    elif kind == "future":
        payload.update(iat=now, nbf=now + 3600, exp=now + 7200)
    elif kind == "unknown-kid":
        kid = "nope"
    elif kind == "traversal-kid":
        kid = "../../etc/passwd"
    elif kind == "sub":
        payload["sub"] = sub.encode("latin-1").decode("unicode_escape")
    else:
        sys.exit(f"unknown kind {kind}")
    return jwt.encode(payload, key, algorithm="ES256", headers={"kid": kid, "typ": "JWT"})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd")
    ap.add_argument("args", nargs="*")
    ap.add_argument("--key")
    ap.add_argument("--jwks")
    ap.add_argument("--sub")
    ap.add_argument("--aud", default="iot-api")
    ap.add_argument("--iss", default="iot-gateway")
    a = ap.parse_args()
    if a.cmd == "verify":
        token, jwks_file = a.args
        with open(jwks_file) as f:
            keys = {k["kid"]: k for k in json.load(f)["keys"]}
        kid = jwt.get_unverified_header(token)["kid"]
        key = jwt.PyJWK(keys[kid]).key
        claims = jwt.decode(token, key, algorithms=["ES256"], audience=a.aud, issuer=a.iss,
                            options={"require": ["exp", "iat", "nbf", "jti", "sub"]})
        print(json.dumps(claims))
    elif a.cmd == "claims":
        h, p, _ = split(a.args[0])
        print(json.dumps({"header": h, "payload": p}))
    elif a.cmd == "forge":
        print(forge(a.args[0], a.args[1], a.key, a.jwks, a.sub))
    else:
        sys.exit("usage: see the docstring")


if __name__ == "__main__":
    main()
