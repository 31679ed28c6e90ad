#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Independent CRL writer for the gateway tests (python3-cryptography, not our code).

Used for the CRLs our tools must never produce: one signed by a foreign CA, one with
nextUpdate in the past.

  crl_tool.py --ca-cert CA.crt --ca-key CA.key [--revoke HEX ...] [--hours N] [--number N] --out F
"""
import argparse
import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ca-cert", required=True)
    ap.add_argument("--ca-key", required=True)
    ap.add_argument("--revoke", nargs="*", default=[])
    ap.add_argument("--hours", type=float, default=24.0, help="nextUpdate from now; negative = stale")
    ap.add_argument("--number", type=int, default=1, help="CRL Number")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    with open(a.ca_cert, "rb") as f:
        ca = x509.load_pem_x509_certificate(f.read())
    with open(a.ca_key, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    now = datetime.datetime.utcnow()
    b = (x509.CertificateRevocationListBuilder()
         .issuer_name(ca.subject)
         .last_update(now - datetime.timedelta(hours=2) if a.hours < 0 else now - datetime.timedelta(minutes=1))
         .next_update(now + datetime.timedelta(hours=a.hours))
         .add_extension(x509.CRLNumber(a.number), critical=False))
    for s in a.revoke:
        b = b.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(int(s, 16)).revocation_date(now).build())
    crl = b.sign(key, hashes.SHA256())
    with open(a.out, "wb") as f:
        f.write(crl.public_bytes(serialization.Encoding.PEM))


if __name__ == "__main__":
    main()
