#!/bin/sh
# causeway-gateway-stop.sh: drain this Envoy gateway before the service manager stops it.
#
# Run it as systemd's ExecStop (before Envoy gets SIGTERM) or as the DaemonSet's preStop hook:
#   1. POST /healthcheck/fail on Envoy's admin: the gateway's health listener (healthPort, GET /healthz)
#      answers 503, and Envoy adds `Connection: close` / sends GOAWAY on its HTTP connections.
#   2. wait --fail-seconds, long enough for the external load balancer to see the failing checks
#      (its unhealthy threshold x interval, plus one interval) and stop sending new connections.
#   3. POST /drain_listeners?graceful: Envoy keeps serving and accepting for its --drain-time-s, then
#      closes its listeners (it does not exit: the service manager stops it afterwards).
#   4. wait --drain-seconds (set it to Envoy's --drain-time-s), exit 0.
# Needs a POSIX sh and curl or wget. Exit status: 0 drained; 1 Envoy's admin refused a call; 2 usage;
# 3 the admin is unreachable (Envoy is not running, or not on that address). See docs/drain.md.
set -u

PROG=causeway-gateway-stop
ADMIN=${CAUSEWAY_ENVOY_ADMIN:-127.0.0.1:9901}
FAIL_SECONDS=20
DRAIN_SECONDS=30
TIMEOUT=5

usage() {
  cat <<EOF
Usage: $PROG [--admin HOST:PORT] [--fail-seconds N] [--drain-seconds N]

Drains the local Envoy gateway before it is stopped (systemd ExecStop, Kubernetes preStop):
fails its health check, waits for the load balancer to notice, then drains its listeners.

  --admin HOST:PORT    Envoy's admin address (default \$CAUSEWAY_ENVOY_ADMIN, else 127.0.0.1:9901)
  --fail-seconds N     wait after failing the health check, for the load balancer to take the gateway
                       out of rotation (default 20: 3 failed checks at a 5 s interval, plus one)
  --drain-seconds N    wait after starting the graceful listener drain; match Envoy's --drain-time-s
                       (default 30)
  -h, --help           this help
EOF
}

die() {
  code=$1
  shift
  printf '%s: %s\n' "$PROG" "$*" >&2
  exit "$code"
}

seconds() {
  case $2 in
    '' | *[!0-9]*) die 2 "$1 needs a whole number of seconds, got '$2' (see --help)" ;;
  esac
}

while [ $# -gt 0 ]; do
  case $1 in
    --admin) [ $# -ge 2 ] || die 2 "--admin needs HOST:PORT"; ADMIN=$2; shift 2 ;;
    --admin=*) ADMIN=${1#*=}; shift ;;
    --fail-seconds) [ $# -ge 2 ] || die 2 "--fail-seconds needs a value"; FAIL_SECONDS=$2; shift 2 ;;
    --fail-seconds=*) FAIL_SECONDS=${1#*=}; shift ;;
    --drain-seconds) [ $# -ge 2 ] || die 2 "--drain-seconds needs a value"; DRAIN_SECONDS=$2; shift 2 ;;
    --drain-seconds=*) DRAIN_SECONDS=${1#*=}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die 2 "unknown argument '$1' (see --help)" ;;
  esac
done
seconds --fail-seconds "$FAIL_SECONDS"
seconds --drain-seconds "$DRAIN_SECONDS"
case $ADMIN in
  *:*) ;;
  *) die 2 "--admin must be HOST:PORT, got '$ADMIN'" ;;
esac
BASE="http://$ADMIN"

if command -v curl >/dev/null 2>&1; then
  CLIENT=curl
elif command -v wget >/dev/null 2>&1; then
  CLIENT=wget
else
  die 2 "needs curl or wget"
fi

# post PATH: POSTs to Envoy's admin; exits 3 when it is unreachable, 1 when it answers an error.
post() {
  if [ "$CLIENT" = curl ]; then
    out=$(curl -sS -f -X POST --max-time "$TIMEOUT" "$BASE$1" 2>&1)
    rc=$?
    case $rc in
      0) return 0 ;;
      6 | 7 | 28) die 3 "cannot reach Envoy's admin at $BASE (is Envoy running with that admin address?): $out" ;;
      *) die 1 "Envoy's admin refused POST $1: $out" ;;
    esac
  else
    out=$(wget -q -O - --post-data= -T "$TIMEOUT" "$BASE$1" 2>&1)
    rc=$?
    case $rc in
      0) return 0 ;;
      8) die 1 "Envoy's admin refused POST $1: $out" ;;
      *) die 3 "cannot reach Envoy's admin at $BASE (is Envoy running with that admin address?): $out" ;;
    esac
  fi
}

log() {
  printf '%s: %s\n' "$PROG" "$*"
}

post /healthcheck/fail
log "health check failed on purpose; waiting ${FAIL_SECONDS}s for the load balancer to notice"
sleep "$FAIL_SECONDS"
post '/drain_listeners?graceful'
log "draining listeners; waiting ${DRAIN_SECONDS}s"
sleep "$DRAIN_SECONDS"
log "drained"
exit 0
