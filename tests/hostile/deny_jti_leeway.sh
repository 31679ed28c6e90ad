#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Class: a deny-list entry must outlive what it denies (issue 9 item 8). jwt::validate
# accepts a token until exp + leeway, so a denied jti stays denied until then: at run
# time, after a restart, and whatever purging happens when other jtis are added.
# Fails before the fix: the entry stopped denying at exp, so between exp and
# exp + leeway the denied token was served again (200).
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../gateway/lib.sh"

gw_pki
gw_device dev-1
gw_device op-1 admin
GW_TTL=3s gw_config
sed -i 's/^leeway = .*/leeway = "12s"/' "$GW/gateway.toml"
gw_start_backend
gw_start

TOK=$(token_for dev-1)
read -r JTI EXP < <("$PY" "$GWT_SRC/jwt_tool.py" claims "$TOK" |
  "$PY" -c 'import json,sys; p=json.load(sys.stdin)["payload"]; print(p["jti"], p["exp"])')
expect_status 200 dev_curl dev-1 -H "Authorization: Bearer $TOK" "$(URL /api/x)"
expect_status 200 dev_curl op-1 -X POST -d "{\"jti\":\"$JTI\",\"exp\":$EXP}" "$(URL /admin/deny-jti)"
expect_invalid_token JWT_REVOKED dev_curl dev-1 -H "Authorization: Bearer $TOK" "$(URL /api/x)"
pass "a denied jti is refused before its exp"

# Past exp, inside the leeway: the token still validates, so the deny must still hold.
while [ "$(date +%s)" -le $((EXP + 1)) ]; do sleep 0.2; done
expect_invalid_token JWT_REVOKED dev_curl dev-1 -H "Authorization: Bearer $TOK" "$(URL /api/x)"
# Adding another jti purges old entries: not this one, its exp + leeway is still ahead.
expect_status 200 dev_curl op-1 -X POST -d "{\"jti\":\"other\",\"exp\":$((EXP + 3600))}" "$(URL /admin/deny-jti)"
expect_invalid_token JWT_REVOKED dev_curl dev-1 -H "Authorization: Bearer $TOK" "$(URL /api/x)"
pass "past exp but inside the leeway the denied jti is still refused (JWT_REVOKED), also after a purge"

gw_stop
gw_start
[ "$(date +%s)" -lt $((EXP + 11)) ] || fail "test too slow: leeway already over"
expect_invalid_token JWT_REVOKED dev_curl dev-1 -H "Authorization: Bearer $TOK" "$(URL /api/x)"
pass "after a restart, still inside the leeway: still refused"

while [ "$(date +%s)" -le $((EXP + 12)) ]; do sleep 0.2; done
expect_invalid_token JWT_EXPIRED dev_curl dev-1 -H "Authorization: Bearer $TOK" "$(URL /api/x)"
expect_status 200 dev_curl dev-1 -H "Authorization: Bearer $(token_for dev-1)" "$(URL /api/x)"
pass "past exp + leeway the token is simply expired; a new token works"
gw_stop
finish
