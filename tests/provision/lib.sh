# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Helpers for the iot-provision integration tests; source after ../lib/common.sh.

# new_home DIR [default-cost]: a root + issuing CA "line1" (tests/lib/pki.sh), with a
# low Argon2id cost unless "default-cost" is given.
new_home() { pki_home "$1" line1 "${2:-low}"; }

# The CA bundle of a home, as `iot-ca export` writes it.
bundle_of() {
  local h=$1 dir=$T/export-$RANDOM
  iot-ca --home "$h" export --out "$dir" >/dev/null 2>"$T/export.err" ||
    fail "iot-ca export: $(cat "$T/export.err")"
  echo "$dir/ca-bundle.pem"
}

# make_csrs N PREFIX DIR: N EC P-256 keys and CSRs (CN PREFIX-0001 …) made with
# python3-cryptography in one process (an independent implementation, and fast).
make_csrs() {
  $PY - "$1" "$2" "$3" <<'PYEOF'
import sys, os
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
n, prefix, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
os.makedirs(out, exist_ok=True)
for i in range(1, n + 1):
    cn = f"{prefix}-{i:04d}"
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
           .sign(key, hashes.SHA256()))
    with open(os.path.join(out, cn + ".csr"), "wb") as f:
        f.write(csr.public_bytes(serialization.Encoding.PEM))
PYEOF
}

# corrupt_csr IN OUT: the same CSR in DER with one bit of its signature flipped.
corrupt_csr() {
  openssl req -in "$1" -outform DER -out "$2.tmp" 2>/dev/null
  $PY - "$2.tmp" "$2" <<'PYEOF'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
d[-5] ^= 0x01
open(sys.argv[2], "wb").write(bytes(d))
PYEOF
  rm -f "$2.tmp"
}

file_mode() { stat -c %a "$1"; }

# sql HOME QUERY: read-only query against the registry.
sql() { sqlite3 -readonly "$1/registry.db" "$2"; }

# widest FILE: the longest line a terminal shows of FILE (a script(1) typescript), where
# a line ends at \r or \n and escape sequences take no columns (script's own "Script
# started/done" lines left out).
widest() {
  $PY - "$1" <<'PYEOF'
import re, sys
text = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
segs = [s for s in re.split(r"[\r\n]", text) if not s.startswith(("Script started", "Script done"))]
print(max((len(s) for s in segs), default=0))
PYEOF
}

# on_tty COLS TYPESCRIPT CMD: runs the shell command CMD with a pseudo-terminal of COLS
# columns as its standard input, output and error (script(1)); the terminal's output
# goes to TYPESCRIPT, flushed as it comes.
on_tty() {
  script -qfec "stty cols $1 rows 24; $3" "$2" >/dev/null
}
