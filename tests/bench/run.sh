#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# iot-gateway side by side with Debian's nginx, in one run, on loopback only.
#   tests/bench/run.sh [--quick] [--rounds N] [--devices N] [--out FILE]
# Builds Release (unless IOTPKI_BIN is set; the load generator from IOTPKI_LOADGEN, else
# build/tests/bench/loadgen), makes a PKI with the project's tools (iot-ca defaults: RSA
# root, EC P-384 issuing CA; N devices enrolled with iot-provision --batch), starts one
# backend (a plain-HTTP nginx), then iot-gateway (threads = 2) and nginx (2 workers) with
# the same server certificate (leaf only), bundle and CRL: TLS 1.3 only, no tickets, no
# session cache. Each scenario runs on both servers alternately (A B A B ..., --rounds, at
# least 3; 1 with --quick):
#   login  a new TLS 1.3 handshake per request + POST /auth/token (nginx: return 200)
#   api    16 keep-alive connections, GET /api/x with a JWT (nginx: proxy_pass), proxied
#   idle   RSS per idle mTLS connection (N open, one GET each; first round only)
# Prints a table (median of the rounds; server CPU per request from /proc/PID/stat of the
# server processes only; the load average) and writes every figure as JSON (--out).
# Exits non-zero when a scenario produced no figure; the values are not judged.
# BENCH_BEFORE_BIN=DIR: also runs DIR/iot-gateway (an older build, e.g. the baseline) as a
# third server "before", with the same files, in the same rounds: before/after ratios.
# BENCH_SCENARIOS="idle": only these scenarios (default "login api idle").
# BENCH_PROFILE=DIR: perf record -g of each server during its first login and api run
# (DIR/<server>-<scenario>.data; read with perf report -i).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
QUICK=0
ROUNDS=3
DEVICES=1000
OUT=""
while [ $# -gt 0 ]; do
  case $1 in
    --quick) QUICK=1 ;;
    --rounds) ROUNDS=$2; shift ;;
    --devices) DEVICES=$2; shift ;;
    --out) OUT=$2; shift ;;
    *) echo "usage: $0 [--quick] [--rounds N] [--devices N] [--out FILE]" >&2; exit 2 ;;
  esac
  shift
done
if [ "$QUICK" = 1 ]; then
  ROUNDS=1 DEVICES=${BENCH_DEVICES:-50} LOGIN_S=${BENCH_LOGIN_S:-2} API_S=${BENCH_API_S:-2} IDLE_N=${BENCH_IDLE_N:-200}
else
  [ "$ROUNDS" -ge 3 ] || { echo "at least 3 rounds (or --quick)" >&2; exit 2; }
  LOGIN_S=${BENCH_LOGIN_S:-8} API_S=${BENCH_API_S:-8} IDLE_N=${BENCH_IDLE_N:-2000}
fi
PY=/usr/bin/python3
SCENARIOS=${BENCH_SCENARIOS:-login api idle}
export SCENARIOS
command -v nginx >/dev/null || { echo "nginx is not installed (scripts/install-deps.sh)" >&2; exit 1; }

if [ -z "${IOTPKI_BIN:-}" ]; then
  echo "== building Release in $REPO/build"
  cmake -S "$REPO" -B "$REPO/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$REPO/build" -j 2 --target iot-ca iot-provision iot-gateway loadgen
  IOTPKI_BIN=$REPO/build/bin
fi
LOADGEN=${IOTPKI_LOADGEN:-$REPO/build/tests/bench/loadgen}
[ -x "$LOADGEN" ] || { echo "no load generator at $LOADGEN" >&2; exit 1; }
export PATH="$IOTPKI_BIN:$PATH"
ulimit -n "$(ulimit -Hn)"

T=$(mktemp -d /tmp/iotpki-bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]:-}"; do if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi; done
  for pid in "${PIDS[@]:-}"; do if [ -n "$pid" ]; then wait "$pid" 2>/dev/null || true; fi; done
  rm -rf "$T"
}
trap cleanup EXIT
port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 1 150); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }
tree() { echo "$1"; pgrep -P "$1" || true; }  # a server's processes (nginx: master + workers)
cpu_ticks() { # utime + stime of the given pids
  local total=0 p
  for p in "$@"; do total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done
  echo "$total"
}
rss_kib() {
  local total=0 p
  for p in "$@"; do total=$((total + $(awk '/^VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0))); done
  echo "$total"
}

echo "== PKI in $T ($DEVICES devices)"
H=$T/pki
mkdir -m 700 "$H"
iot-ca --home "$H" init --cn "Bench Root" --no-passphrase >/dev/null 2>&1
iot-ca --home "$H" intermediate --name line --cn "Bench Issuing" --no-passphrase >/dev/null 2>&1
sed -i -e 's/^t_cost = .*/t_cost = 1/' -e 's/^m_cost_kib = .*/m_cost_kib = 8192/' "$H/iot-pki.toml"
mkdir -p "$T/gw" "$T/dev" "$T/csr" "$T/ng" "$T/be"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/gw/server.key" 2>/dev/null
chmod 600 "$T/gw/server.key"
openssl req -new -key "$T/gw/server.key" -subj /CN=localhost -out "$T/server.csr" 2>/dev/null
iot-ca --home "$H" sign --csr "$T/server.csr" --profile server --san DNS:localhost,IP:127.0.0.1 \
  --out "$T/gw/server.crt" >/dev/null
# The devices' side: their own keys and CSRs (python3-cryptography, not our tools).
$PY - "$DEVICES" "$T/dev" "$T/csr" <<'PYEOF'
import sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
n, keys, csrs = int(sys.argv[1]), sys.argv[2], sys.argv[3]
for i in range(1, n + 1):
    name = f"bench-{i:05d}"
    key = ec.generate_private_key(ec.SECP256R1())
    open(f"{keys}/{name}.key", "wb").write(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
           .sign(key, hashes.SHA256()))
    open(f"{csrs}/{name}.csr", "wb").write(csr.public_bytes(serialization.Encoding.PEM))
PYEOF
seq -f 'bench-%05g' 1 "$DEVICES" >"$T/ids"
iot-provision --home "$H" token --batch "$T/ids" --out "$T/tokens.csv" --ttl 2h --jobs 2 >/dev/null
{ echo "token,csr_path"; tail -n +2 "$T/tokens.csv" | awk -F, -v d="$T/csr" '{print $2 "," d "/" $1 ".csr"}'; } >"$T/manifest.csv"
iot-provision --home "$H" enroll --batch "$T/manifest.csv" --out-dir "$T/enrolled" --jobs 2 >/dev/null 2>&1
mv "$T"/enrolled/*.crt "$T/dev/"
iot-ca --home "$H" export --out "$T/gw/trust" >/dev/null
iot-gateway jwt-key new --dir "$T/gw/jwt" >/dev/null
BUNDLE=$T/gw/trust/ca-bundle.pem

GW_PORT=$(port)
NG_PORT=$(port)
BE_PORT=$(port)
MAX_CONN=$((IDLE_N + 1000))
cat >"$T/gw/gateway.toml" <<TOML
[server]
listen = "127.0.0.1:$GW_PORT"
cert = "server.crt"
key = "server.key"
threads = 2
max_connections = $MAX_CONN
max_connections_per_ip = $MAX_CONN
idle_timeout = "10m"
metrics_listen = ""
[trust]
bundle = "trust/ca-bundle.pem"
crl = "trust/crl.pem"
pins = ["$(openssl x509 -in "$H/root/ca.crt" -noout -fingerprint -sha256 | sed "s/.*=//")"]
[jwt]
keys_dir = "jwt"
[backend]
url = "http://127.0.0.1:$BE_PORT"
pool_size = 16
[rate_limit]
token_rate = 100000
token_burst = 100000
[audit]
path = "audit.log"
TOML
subst() { # subst TEMPLATE OUT DIR PORT
  sed -e "s|@DIR@|$3|g" -e "s|@PORT@|$4|g" -e "s|@WORKERS@|2|g" -e "s|@MAX_CONN@|$MAX_CONN|g" \
    -e "s|@BACKEND_PORT@|$BE_PORT|g" -e "s|@SERVER_CERT@|$T/gw/server.crt|g" \
    -e "s|@SERVER_KEY@|$T/gw/server.key|g" -e "s|@BUNDLE@|$BUNDLE|g" \
    -e "s|@CRL@|$T/gw/trust/crl.pem|g" "$1" >"$2"
}
subst "$REPO/tests/bench/backend.conf.in" "$T/be/nginx.conf" "$T/be" "$BE_PORT"
subst "$REPO/tests/bench/nginx.conf.in" "$T/ng/nginx.conf" "$T/ng" "$NG_PORT"
nginx -c "$T/be/nginx.conf" -e "$T/be/error.log" 2>>"$T/be/stderr" &
PIDS+=($!)
(cd "$T/gw" && exec iot-gateway --config gateway.toml 2>"$T/gateway.err") &
GW_PID=$!
PIDS+=("$GW_PID")
nginx -c "$T/ng/nginx.conf" -e "$T/ng/error.log" 2>>"$T/ng/stderr" &
NG_PID=$!
PIDS+=("$NG_PID")
SERVERS=(gateway)
if [ -n "${BENCH_BEFORE_BIN:-}" ]; then
  cp -a "$T/gw" "$T/gwb"
  rm -f "$T/gwb/audit.log"
  GWB_PORT=$(port)
  sed -i "s/^listen = .*/listen = \"127.0.0.1:$GWB_PORT\"/" "$T/gwb/gateway.toml"
  (cd "$T/gwb" && exec "$BENCH_BEFORE_BIN/iot-gateway" --config gateway.toml 2>"$T/before.err") &
  GWB_PID=$!
  PIDS+=("$GWB_PID")
  wait_port "$GWB_PORT" || { cat "$T/before.err" >&2; exit 1; }
  SERVERS+=(before)
fi
SERVERS+=(nginx)
wait_port "$BE_PORT"
wait_port "$GW_PORT" || { cat "$T/gateway.err" >&2; exit 1; }
wait_port "$NG_PORT" || { cat "$T/ng/stderr" "$T/ng/error.log" >&2; exit 1; }
sleep 0.5
CLK_TCK=$(getconf CLK_TCK)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# A token of the first device, so that nginx receives the same request bytes.
TOKEN=$(curl -sS --max-time 10 --cacert "$BUNDLE" --cert "$T/dev/bench-00001.crt" \
  --key "$T/dev/bench-00001.key" -X POST "https://127.0.0.1:$GW_PORT/auth/token" |
  $PY -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

echo "== openssl speed (the public-key floor of one login)"
openssl speed -seconds 1 ecdhx25519 ecdsap256 ecdsap384 rsa4096 >"$T/speed.txt" 2>/dev/null || true

LG=("$LOADGEN" --ca "$BUNDLE" --certs "$T/dev" --max-certs "$DEVICES" --sources 200)
RESULTS=$T/results.jsonl
: >"$RESULTS"
# run_one SCENARIO SERVER PORT PID: one measurement, one JSON line in $RESULTS.
run_one() {
  local scenario=$1 server=$2 p=$3 pid=$4 out=$T/run.json
  local procs ticks0 ticks1 rss0 rss1 extra=()
  mapfile -t procs < <(tree "$pid")
  if [ "$server" != nginx ] && [ "$scenario" = api ]; then extra=(--bearer auto); fi
  if [ "$server" = nginx ] && [ "$scenario" = api ]; then extra=(--bearer "$TOKEN"); fi
  ticks0=$(cpu_ticks "${procs[@]}")
  rss0=$(rss_kib "${procs[@]}")
  local prof=""
  if [ -n "${BENCH_PROFILE:-}" ] && [ "$scenario" != idle ] && [ ! -e "$BENCH_PROFILE/$server-$scenario.data" ]; then
    mkdir -p "$BENCH_PROFILE"
    perf record -q -F 999 --call-graph dwarf,16384 -o "$BENCH_PROFILE/$server-$scenario.data" -p "$(IFS=,; echo "${procs[*]}")" \
      -- sleep "$((LOGIN_S > 1 ? LOGIN_S - 1 : 1))" >/dev/null 2>&1 &
    prof=$!
  fi
  case $scenario in
    login) "${LG[@]}" --port "$p" --mode login --threads 4 --duration "$LOGIN_S" >"$out" || true ;;
    api) "${LG[@]}" --port "$p" --mode keepalive --connections 16 --path /api/x \
      --duration "$API_S" "${extra[@]}" >"$out" || true ;;
    idle)
      : >"$out"
      "${LG[@]}" --port "$p" --mode idle --threads 4 --connections "$IDLE_N" --duration 120 \
        --hold 120 >"$out" &
      local lg=$!
      for _ in $(seq 1 1200); do [ -s "$out" ] && break; sleep 0.1; done
      sleep 1
      rss1=$(rss_kib "${procs[@]}")
      kill "$lg" 2>/dev/null || true
      wait "$lg" 2>/dev/null || true
      sleep 1 ;;
  esac
  ticks1=$(cpu_ticks "${procs[@]}")
  if [ -n "$prof" ]; then wait "$prof" || true; fi
  $PY - "$out" "$scenario" "$server" "$((ticks1 - ticks0))" "$CLK_TCK" "$rss0" "${rss1:-0}" >>"$RESULTS" <<'PYEOF'
import json, sys
path, scenario, server, ticks, hz, rss0, rss1 = sys.argv[1:]
try:
    d = json.loads(open(path).read().splitlines()[0])
except (IndexError, ValueError):
    d = {"error": "no output"}
d.update(scenario=scenario, server=server, cpu_s=int(ticks) / int(hz))
if scenario == "idle" and d.get("open"):
    d["rss_kib_before"], d["rss_kib_after"] = int(rss0), int(rss1)
    d["rss_bytes_per_conn"] = (int(rss1) - int(rss0)) * 1024 / d["open"]
elif d.get("requests"):
    d["cpu_us_per_req"] = d["cpu_s"] * 1e6 / d["requests"]
print(json.dumps(d))
PYEOF
  tail -n1 "$RESULTS" | $PY -c 'import json,sys; d=json.load(sys.stdin); print("   %-6s %-8s %s" % (d["scenario"], d["server"], {k: d[k] for k in ("rate","open","cpu_us_per_req","rss_bytes_per_conn","errors_total") if k in d}))'
}

for r in $(seq 1 "$ROUNDS"); do
  echo "== round $r of $ROUNDS"
  for scenario in $SCENARIOS; do
    # Idle RSS only in the first round: the allocator keeps what the closed connections
    # freed, so a second round would measure reuse (a few KB), not the cost.
    if [ "$scenario" = idle ] && [ "$r" -gt 1 ]; then continue; fi
    for server in "${SERVERS[@]}"; do
      case $server in
        gateway) run_one "$scenario" gateway "$GW_PORT" "$GW_PID" ;;
        before) run_one "$scenario" before "$GWB_PORT" "$GWB_PID" ;;
        nginx) run_one "$scenario" nginx "$NG_PORT" "$NG_PID" ;;
      esac
    done
  done
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
kill -0 "$GW_PID" || { echo "the gateway died: $(tail -5 "$T/gateway.err")" >&2; exit 1; }

$PY - "$RESULTS" "$T/speed.txt" "$LOAD_START" "$LOAD_END" "$QUICK" "$ROUNDS" "$DEVICES" "${OUT:-}" <<'PYEOF'
import json, os, re, statistics, sys
results, speed, load0, load1, quick, rounds, devices, out = sys.argv[1:]
rows = [json.loads(line) for line in open(results)]
# openssl speed: ops/s of each primitive -> µs per operation.
ops = {}
for line in open(speed):
    m = re.match(r"\s*(\d+) bits ecdh \((X25519)\)\s+\S+s\s+([\d.]+)", line)
    if m: ops["x25519_derive"] = 1e6 / float(m.group(3))
    m = re.match(r"\s*(\d+) bits ecdsa \((nistp256|nistp384)\)\s+\S+s\s+\S+s\s+([\d.]+)\s+([\d.]+)", line)
    if m:
        ops[m.group(2) + "_sign"], ops[m.group(2) + "_verify"] = 1e6 / float(m.group(3)), 1e6 / float(m.group(4))
    m = re.match(r"rsa 4096 bits\s+\S+s\s+\S+s\s+([\d.]+)\s+([\d.]+)", line)
    if m: ops["rsa4096_sign"], ops["rsa4096_verify"] = 1e6 / float(m.group(1)), 1e6 / float(m.group(2))
floor = None
need = ("x25519_derive", "nistp256_sign", "nistp256_verify", "nistp384_verify", "rsa4096_verify")
if all(k in ops for k in need):
    # Server side of one login: X25519 keygen + derive, its CertificateVerify, the
    # device's CertificateVerify, the device certificate (P-384 issuing CA), the issuing
    # CA certificate (RSA-4096 root), the JWT signature (ES256).
    floor = (2 * ops["x25519_derive"] + ops["nistp256_sign"] + ops["nistp256_verify"]
             + ops["nistp384_verify"] + ops["rsa4096_verify"] + ops["nistp256_sign"])
def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None
servers = [x for x in ("gateway", "before", "nginx") if any(r["server"] == x for r in rows)]
summary = {}
for sc in [x for x in ("login", "api", "idle") if x in os.environ["SCENARIOS"].split()]:
    s = {}
    for srv in servers:
        rs = [r for r in rows if r["scenario"] == sc and r["server"] == srv]
        s[srv] = {
            "rounds": len(rs),
            "rate": med([r.get("rate") for r in rs]),
            "p50_us": med([r.get("latency_us", {}).get("p50") for r in rs]),
            "p99_us": med([r.get("latency_us", {}).get("p99") for r in rs]),
            "max_us": med([r.get("latency_us", {}).get("max") for r in rs]),
            "cpu_us_per_req": med([r.get("cpu_us_per_req") for r in rs]),
            "rss_bytes_per_conn": med([r.get("rss_bytes_per_conn") for r in rs]),
            "errors": sum(r.get("errors_total", 0) for r in rs),
        }
    n = [r for r in rows if r["scenario"] == sc and r["server"] == "nginx"]
    for srv in servers[:-1]:
        # ratio per round (the runs of one round are adjacent), then the median
        g = [r for r in rows if r["scenario"] == sc and r["server"] == srv]
        key = "rss_bytes_per_conn" if sc == "idle" else "rate"
        s["ratio" if srv == "gateway" else "ratio_" + srv] = med(
            [a[key] / b[key] for a, b in zip(g, n) if a.get(key) and b.get(key)])
        cpu = [a["cpu_us_per_req"] / b["cpu_us_per_req"] for a, b in zip(g, n)
               if a.get("cpu_us_per_req") and b.get("cpu_us_per_req")]
        if cpu:
            s["cpu_ratio" if srv == "gateway" else "cpu_ratio_" + srv] = med(cpu)
        if sc == "login" and floor and s[srv]["cpu_us_per_req"]:
            s[srv]["cpu_vs_floor"] = s[srv]["cpu_us_per_req"] / floor
    summary[sc] = s
doc = {
    "machine": {"nproc": os.cpu_count(), "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?"),
                "load_start": load0, "load_end": load1, "quick": quick == "1", "rounds": int(rounds), "devices": int(devices)},
    "openssl_us": ops, "login_floor_us": floor, "summary": summary, "runs": rows,
}
f = lambda v, fmt="{:.0f}": "-" if v is None else fmt.format(v)
print()
print(f"machine: {doc['machine']['nproc']} CPUs ({doc['machine']['cpu']}), load average {load0} -> {load1}, {rounds} round(s), {devices} devices")
print(f"public-key floor of one login (openssl speed): {f(floor)} µs")
goals = {"login": "ratio >= 1.0; CPU <= 2.0x floor", "api": "ratio >= 1.0; CPU <= 1.0x nginx", "idle": "ratio <= 1.0"}
print(f"{'scenario':<8} {'server':<8} {'rate or RSS/conn':>17} {'ratio vs nginx':>15} {'p50 µs':>8} {'p99 µs':>8} {'CPU/req µs':>11} {'CPU vs nginx':>13}")
for sc, s in summary.items():
    for srv in servers:
        g = s[srv]
        val = f(g["rss_bytes_per_conn"]) + " B" if sc == "idle" else f(g["rate"]) + "/s"
        ratio = s.get("ratio" if srv == "gateway" else "ratio_" + srv) if srv != "nginx" else None
        cpur = s.get("cpu_ratio" if srv == "gateway" else "cpu_ratio_" + srv) if srv != "nginx" else None
        print(f"{sc:<8} {srv:<8} {val:>17} {f(ratio, '{:.2f}'):>15} {f(g['p50_us']):>8} {f(g['p99_us']):>8} {f(g['cpu_us_per_req']):>11} {f(cpur, '{:.2f}'):>13}")
    print(f"{'':<8} goal: {goals[sc]}")
for srv in servers[:-1]:
    if "cpu_vs_floor" in summary.get("login", {}).get(srv, {}):
        print(f"login: {srv} CPU per login = {summary['login'][srv]['cpu_vs_floor']:.2f}x the public-key floor (goal <= 2.0)")
if out:
    json.dump(doc, open(out, "w"), indent=1)
    print(f"figures: {out}")
missing = [f"{sc}/{srv}" for sc, s in summary.items() for srv in servers
           if s[srv]["rate"] is None and s[srv]["rss_bytes_per_conn"] is None]
if missing:
    print("no figures for: " + ", ".join(missing), file=sys.stderr)
    sys.exit(1)
PYEOF
