#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Class: a ban that only applies to new connections (issue 9 item 6). With
# failure_threshold = 10, a client that keeps its connections open must lose them when
# it is banned, whatever route earned the ban: bad JWTs on /api/*, no certificate on
# /auth/token, a non-admin certificate on /admin/revoke. For each, from its own
# 127.0.0.x address: at most 10 requests are served on the attacking keep-alive
# connection, which is then closed; two idle keep-alive connections of the same address
# (one used for /healthz, one for /auth/token) are closed too, and no later request on
# any of them is served. Another address is still served; IP_BANNED is audited once per
# banned address.
# Fails before the fix: all 40 requests are served on the attacking connection and the
# idle connections stay open and keep being served.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../gateway/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

gw_pki
gw_device dev-1
GW_FAILURES=10 gw_config
gw_start_backend
gw_start

attack() {  # attack SRC METHOD PATH AUTH
  "$PY" "$HERE/session_client.py" ban "$GW_PORT" "$GW/trust/ca-bundle.pem" "$DEV/dev-1.crt" \
    "$DEV/dev-1.key" "$1" "$2" "$3" "$4" 40 >"$T/ban.json" || fail "ban client failed"
  "$PY" - "$T/ban.json" "$2 $3" <<'PY' || fail "$2 $3 from $1: $(cat "$T/ban.json")"
import json, sys
d = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]}: {d['served']} served ({set(d['statuses'])}), then closed; "
      f"idle connections closed {d['idle_closed']}")
assert d["served"] <= 10, "requests served after the ban"
assert all(s in (401, 403) for s in d["statuses"]), "unexpected statuses"
assert not d["served_after"], "a request after the ban was served"
assert all(d["idle_closed"]), "an idle connection of the banned address stayed open"
assert not any(d["idle_served_after"]), "an idle connection was served after the ban"
PY
}

attack 127.0.0.5 GET /api/hello not.a.jwt
pass "bad JWTs on /api/*: the ban closes the attacking and the idle connections"
attack 127.0.0.6 POST /auth/token nocert
pass "no certificate on /auth/token: the ban closes the attacking and the idle connections"
attack 127.0.0.7 POST /admin/revoke -
pass "a device certificate on /admin/revoke: the ban closes the attacking and the idle connections"

expect_status 200 dev_curl dev-1 --interface 127.0.0.8 -X POST "$(URL /auth/token)"
pass "another address is still served"
expect_audit IP_BANNED 3
for ip in 127.0.0.5 127.0.0.6 127.0.0.7; do
  n=$(grep '"event":"IP_BANNED"' "$GW/audit.log" | grep -c "\"remote_ip\":\"$ip\"" || true)
  [ "$n" -eq 1 ] || fail "IP_BANNED for $ip audited $n times"
done
pass "IP_BANNED audited once per banned address"
gw_stop
finish
