#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Admin endpoints for bans and the never_ban allow-list (issue 15):
#  * GET /admin/bans lists each ban as {address, reason, until, seconds_left};
#  * POST /admin/unban {"address"} lifts one (audited BAN_LIFTED, naming the admin), the
#    client is served again; an address that is not banned -> 404;
#  * both are for admin certificates only (a device certificate -> 403 ADMIN_DENIED);
#  * a client in [rate_limit] never_ban is never banned however often it fails, but is
#    still rate-limited (429) on /auth/token.
# Fails before the fix: the baseline answers 404 on /admin/bans and refuses the
# rate_limit.never_ban key.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"

gw_pki
gw_device dev-1
gw_device op-1 admin
# A slow refill (one token per 100 s): the 7th request below is refused however long
# the six before it take on a loaded machine (at 1/s, six took over a second under load).
GW_FAILURES=3 GW_TOKEN_RATE=0.01 GW_TOKEN_BURST=6 gw_config
sed -i '/^\[rate_limit\]/a never_ban = ["127.0.0.40/32"]' "$GW/gateway.toml"
gw_start_backend
gw_start

from() {  # from ADDR curl-function ARGS...
  local addr=$1 fn=$2
  shift 2
  "$fn" "$@" --interface "$addr"
}

# A client at 127.0.0.30 fails three times: banned.
for _ in 1 2 3; do expect_status 401 from 127.0.0.30 gw_curl -X POST "$(URL /auth/token)"; done
expect_audit IP_BANNED 1
expect_status 000 from 127.0.0.30 gw_curl "$(URL /healthz)"

expect_status 200 from 127.0.0.2 dev_curl op-1 "$(URL /admin/bans)"
"$PY" - "$T/body" <<'PY' || fail "GET /admin/bans: $(cat "$T/body")"
import json, sys, datetime
bans = json.load(open(sys.argv[1]))["bans"]
assert len(bans) == 1, bans
b = bans[0]
assert b["address"] == "127.0.0.30", b
assert "3 failures within 60s" in b["reason"] and "AUTH_NO_CERT" in b["reason"], b
until = datetime.datetime.strptime(b["until"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
left = (until - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
assert 800 < left <= 901 and 800 < b["seconds_left"] <= 900, (left, b)
PY
pass "GET /admin/bans lists the ban with its address, reason and end"

expect_status 403 from 127.0.0.3 dev_curl dev-1 "$(URL /admin/bans)"
expect_status 403 from 127.0.0.3 dev_curl dev-1 -X POST -d '{"address":"127.0.0.30"}' \
  "$(URL /admin/unban)"
expect_audit ADMIN_DENIED 2
pass "a device certificate may neither list nor lift bans (403 ADMIN_DENIED)"

expect_status 400 from 127.0.0.2 dev_curl op-1 -X POST -d '{"address":"nope"}' "$(URL /admin/unban)"
expect_status 404 from 127.0.0.2 dev_curl op-1 -X POST -d '{"address":"127.0.0.31"}' "$(URL /admin/unban)"
expect_status 200 from 127.0.0.2 dev_curl op-1 -X POST -d '{"address":"127.0.0.30"}' "$(URL /admin/unban)"
expect_audit BAN_LIFTED 1
last_audit BAN_LIFTED | grep -q '"outcome":"success".*"remote_ip":"127.0.0.2".*"device_id":"op-1".*ban on 127.0.0.30 lifted by op-1' ||
  fail "BAN_LIFTED: $(last_audit BAN_LIFTED)"
expect_status 200 from 127.0.0.30 gw_curl "$(URL /healthz)"
expect_status 200 from 127.0.0.2 dev_curl op-1 "$(URL /admin/bans)"
grep -q '"bans":\[\]' "$T/body" || fail "ban still listed: $(cat "$T/body")"
# The failure window was reset too: one more failure does not ban again.
expect_status 401 from 127.0.0.30 gw_curl -X POST "$(URL /auth/token)"
expect_status 200 from 127.0.0.30 gw_curl "$(URL /healthz)"
pass "POST /admin/unban lifts the ban (audited), the client is served and starts afresh"

# never_ban: 6 failures (twice the threshold) within the burst, then the bucket is empty.
for _ in 1 2 3 4 5 6; do expect_status 401 from 127.0.0.40 gw_curl -X POST "$(URL /auth/token)"; done
expect_status 429 from 127.0.0.40 gw_curl -X POST "$(URL /auth/token)"
expect_status 200 from 127.0.0.40 gw_curl "$(URL /healthz)"
expect_audit IP_BANNED 1
grep '"event":"IP_BANNED"' "$GW/audit.log" | grep -q 127.0.0.40 && fail "never_ban client banned"
pass "a never_ban client is never banned but still rate-limited"

gw_stop
finish
