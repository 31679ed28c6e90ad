#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Class: a request whose framing grows the gateway's memory before any authentication
# (issue 9 item 2). Over TLS without a client certificate, every way of making one
# request longer than its budget (max_header_bytes + max_body_bytes + 64 KiB framing):
# an endless trailer section, an endless chunk extension, many extensions, an endless
# chunk-size line, many tiny chunks (framing overhead), a huge request line or header
# line, many header fields, endless obs-fold continuations. Each must be answered with
# 400/413/431 before 2 MiB went out (the budget is about 1.1 MiB), and the gateway's VmRSS must grow by
# less than 8 MiB (24 under ASan) while the client sends up to 64 MiB. A bearer token in a trailer
# never authenticates (400, the backend never sees the request).
# Fails before the fix: the trailer and chunk-extension cases are never answered, the
# gateway buffers all 64 MiB (RSS +64 MiB and more), and the trailer token gets 200.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../gateway/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

gw_pki
gw_device dev-1
gw_config
gw_start_backend
gw_start

LIMIT=$((64 * 1024 * 1024))
for c in trailer trailer_one_line chunk_ext chunk_ext_many chunk_size tiny_chunks \
  empty_ext_chunks header_line request_line many_headers obs_fold; do
  "$PY" "$HERE/session_client.py" flood "$GW_PORT" "$GW/trust/ca-bundle.pem" "$c" "$LIMIT" \
    "$GW_PID" >"$T/$c.json" || fail "$c: client failed"
  "$PY" - "$T/$c.json" "${ASAN_OPTIONS:+asan}" <<'PY' || fail "$c: $(cat "$T/$c.json")"
import json, sys
d = json.load(open(sys.argv[1]))
# ASan keeps freed blocks in its quarantine and shadows every allocation: more slack.
bound_kb = (24 if sys.argv[2] == "asan" else 8) * 1024
grew = d["rss_peak_kb"] - d["rss_before_kb"]
print(f"{d['case']}: status {d['status']} after {d['sent']} bytes sent, RSS +{grew} kB")
assert d["status"] in (400, 413, 431), "no 400/413/431 answer"
assert d["sent"] <= 2 * 1024 * 1024, "answered late"
assert grew < bound_kb, "RSS grew"
PY
  kill -0 "$GW_PID" || fail "$c: the gateway died"
done
pass "every over-budget framing (trailers, chunk extensions and size lines, tiny chunks, long or many header lines, obs-fold) answered 400/413/431 early, RSS bounded"

TOKEN=$(token_for dev-1)
code=$("$PY" "$HERE/session_client.py" trailer_auth "$GW_PORT" "$GW/trust/ca-bundle.pem" \
  "$DEV/dev-1.crt" "$DEV/dev-1.key" "$TOKEN")
[ "$code" = 400 ] || fail "a bearer token in a trailer got $code, not 400"
expect_status 200 dev_curl dev-1 -H "Authorization: Bearer $TOKEN" "$(URL /api/hello)"
pass "Authorization in a trailer does not authenticate (400); in the header it does"

# A normal chunked upload within the limits still works.
head -c 200000 /dev/zero >"$T/upload"
expect_status 200 dev_curl dev-1 -H "Authorization: Bearer $TOKEN" -H "Transfer-Encoding: chunked" \
  --data-binary @"$T/upload" "$(URL /api/hello)"
pass "a chunked body within max_body_bytes is accepted"
gw_stop
finish
