#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Checks a certificate's extensions with an independent X.509 implementation
(python3-cryptography). Usage: check_extensions.py PROFILE CERT [ISSUER]
PROFILE: root | issuing | device | server | admin. Exits non-zero naming the problem."""
import sys

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def fail(msg):
    print(f"check_extensions: {sys.argv[2]}: {msg}", file=sys.stderr)
    sys.exit(1)


def ext(cert, cls):
    try:
        return cert.extensions.get_extension_for_class(cls)
    except x509.ExtensionNotFound:
        fail(f"missing {cls.__name__}")


def main():
    profile, path = sys.argv[1], sys.argv[2]
    cert = x509.load_pem_x509_certificate(open(path, "rb").read())
    issuer = x509.load_pem_x509_certificate(open(sys.argv[3], "rb").read()) if len(sys.argv) > 3 else cert
    if cert.version != x509.Version.v3:
        fail("not an X.509 v3 certificate")
    if cert.serial_number <= 0 or cert.serial_number.bit_length() < 128:
        fail(f"serial has {cert.serial_number.bit_length()} bits, want >= 128 and positive")

    bc = ext(cert, x509.BasicConstraints)
    ku = ext(cert, x509.KeyUsage)
    ski = ext(cert, x509.SubjectKeyIdentifier)
    aki = ext(cert, x509.AuthorityKeyIdentifier)
    if ski.critical or aki.critical:
        fail("SKI/AKI must not be critical")
    expected_aki = x509.SubjectKeyIdentifier.from_public_key(issuer.public_key()).digest
    if aki.value.key_identifier != expected_aki:
        fail("AKI does not match the issuer's key")
    if ski.value.digest != x509.SubjectKeyIdentifier.from_public_key(cert.public_key()).digest:
        fail("SKI does not match the subject key")
    if not bc.critical or not ku.critical:
        fail("basicConstraints and keyUsage must be critical")

    names = {e.oid: e.value for e in cert.subject}
    if profile in ("root", "issuing"):
        if not bc.value.ca:
            fail("CA certificate without CA:TRUE")
        if not (ku.value.key_cert_sign and ku.value.crl_sign) or ku.value.digital_signature:
            fail(f"CA keyUsage should be keyCertSign+cRLSign only, got {ku.value}")
        want_len = 0 if profile == "issuing" else None
        if bc.value.path_length != want_len:
            fail(f"pathLen {bc.value.path_length}, want {want_len}")
        return
    if bc.value.ca:
        fail("end-entity certificate with CA:TRUE")
    if not ku.value.digital_signature or ku.value.key_cert_sign or ku.value.crl_sign \
            or ku.value.key_encipherment or ku.value.content_commitment:
        fail(f"keyUsage should be digitalSignature only, got {ku.value}")
    eku = ext(cert, x509.ExtendedKeyUsage)
    want_eku = [ExtendedKeyUsageOID.SERVER_AUTH] if profile == "server" else [ExtendedKeyUsageOID.CLIENT_AUTH]
    if list(eku.value) != want_eku:
        fail(f"EKU {list(eku.value)}, want {want_eku}")
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        san = None
    if profile in ("device", "admin"):
        if san is not None:
            fail("device/admin certificates carry no SAN (a CSR's SAN request must be ignored)")
        want_ou = "IoT Devices" if profile == "device" else "IoT Admins"
        if names.get(NameOID.ORGANIZATIONAL_UNIT_NAME) != want_ou:
            fail(f"OU {names.get(NameOID.ORGANIZATIONAL_UNIT_NAME)!r}, want {want_ou!r}")
        if NameOID.ORGANIZATION_NAME not in names:
            fail("no O in the subject")
    if profile == "server" and san is None:
        fail("server certificate without SAN")
    allowed = {x509.BasicConstraints, x509.KeyUsage, x509.ExtendedKeyUsage,
               x509.SubjectKeyIdentifier, x509.AuthorityKeyIdentifier, x509.SubjectAlternativeName}
    for e in cert.extensions:
        if type(e.value) not in allowed:
            fail(f"unexpected extension {e.oid.dotted_string}")


main()
