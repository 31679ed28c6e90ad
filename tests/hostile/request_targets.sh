#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Request targets (issue 9, item 3; docs/security.md "Request targets and identity
# headers"): every target a backend could normalise into another path is refused with
# 400 on every route, before authentication, and never reaches the backend: dot segments
# raw and percent-encoded in any case, with ';' path parameters, dots-and-spaces
# segments, encoded '/' and '\', raw '\', NUL and control bytes, invalid and double
# percent-encoding, overlong and look-alike UTF-8, absolute-form and asterisk-form.
# Targets sent byte for byte by a raw TLS client (raw_request.py) with a valid token, so
# only the target rule can stop them; ordinary targets still reach the backend as sent.
#
# fails before the fix: /api/%2e%2e/admin/secret, /api/.%2E/x, /api/%252e%252e/x,
# /api/..;/x, /api/a%2fb, /api/a%5cb, /api/%c0%ae%c0%ae/x and absolute-form targets are
# forwarded to the backend (200) by the baseline.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../gateway/lib.sh"
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

gw_pki
gw_device dev-1
gw_config
hostile_backend_start "$T/backend.log"
gw_start
TOK=$(token_for dev-1)
raw() { "$PY" "$HERE/raw_request.py" "$GW_PORT" "$GW/trust/ca-bundle.pem" "$DEV/dev-1.crt" \
  "$DEV/dev-1.key" "$TOK"; }

# One hostile target per line (Python escapes), on /api/* and on the other routes.
cat >"$T/hostile.txt" <<'EOF'
/api/../admin/secret
/api/./x
/api/x/..
/api/%2e%2e/admin/secret
/api/%2E%2E/admin/secret
/api/.%2E/x
/api/%2e./x
/api/%2e/x
/api/x/%2e%2e
/api/..;/admin
/api/.;a=1/x
/api/%2e%2e;jsessionid=1/x
/api/..%3b/admin
/api/.../x
/api/..%20/x
/api/a%2fb
/api/a%2Fb
/api/..%2fadmin
/api/a%5cb
/api/..%5Cadmin
/api/..\\admin
/api/a%00b
/api/a%0d%0aX-Injected:%201
/api/%09x
/api/%7f
/api/%zz
/api/%4
/api/x%
/api/%u002e%u002e/x
/api/%252e%252e/admin
/api/%25%32%65%25%32%65/admin
/api/%252f
/api/%c0%ae%c0%ae/admin
/api/%c0%af
/api/%e0%80%ae
/api/%ed%a0%80
/api/%ff
/api/%ef%bc%8e%ef%bc%8e/admin
/api/caf\xc3\xa9
/api/<script>
/api/x|y
/api/x#frag
/api/x?a=\x7f
http://127.0.0.1/api/../admin
http://127.0.0.1/api/x
*
/admin/%2e%2e/api/x
/admin/revoke%2f..
/auth/token/%2e%2e
/healthz/%2e%2e
/.well-known/%2e%2e/jwks.json
/%2e%2e/api/x
EOF
raw <"$T/hostile.txt" >"$T/hostile.out"
n=0
while IFS=$'\t' read -r status target body; do
  n=$((n + 1))
  [ "$status" = 400 ] || fail "target $target: expected 400, got $status $body"
done <"$T/hostile.out"
[ "$n" -eq "$(grep -cv '^#' "$T/hostile.txt")" ] || fail "only $n answers: $(cat "$T/hostile.out")"
pass "$n hostile targets (dot segments, encodings, controls, forms) -> 400 on every route"

grep -q '"dot segment in the path"' <(grep -F "'/api/%2e%2e/admin/secret'" "$T/hostile.out") ||
  fail "the 400 body does not say why: $(grep -F '%2e%2e/admin/secret' "$T/hostile.out")"
pass "the 400 body names the rule (\"dot segment in the path\")"

[ ! -s "$T/backend.log" ] || fail "the backend saw hostile targets: $(cat "$T/backend.log")"
pass "the backend received none of them"
[ "$(audit_count JWT_OK)" -eq 0 ] || fail "a refused target was authenticated first"
pass "refused before authentication (no JWT_OK audited)"

# Ordinary targets reach the backend byte for byte.
cat >"$T/good.txt" <<'EOF'
/api/x
/api/a.b/c..d/.hidden
/api/caf%C3%A9
/api/x;v=1
/api/%41%25zz
/api/x?a=/../b&c=%2e%2e%2f
EOF
raw <"$T/good.txt" >"$T/good.out"
while IFS=$'\t' read -r status target body; do
  [ "$status" = 200 ] || fail "ordinary target $target: got $status $body"
done <"$T/good.out"
while read -r target; do
  grep -qxF "'$target'" "$T/backend.log" || fail "backend did not see $target as sent: $(cat "$T/backend.log")"
done <"$T/good.txt"
pass "$(wc -l <"$T/good.txt") ordinary targets (dots inside names, UTF-8, ';', a query with ../) reach the backend unchanged"

# curl --path-as-is, as a client would really send them.
for target in '/api/%2e%2e/admin/secret' '/api/.%2E/x' '/api/../admin'; do
  expect_status 400 dev_curl dev-1 --path-as-is -H "Authorization: Bearer $TOK" "$(URL "$target")"
done
pass "curl --path-as-is: the reported spellings -> 400"
finish
