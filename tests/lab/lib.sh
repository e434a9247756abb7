# shellcheck shell=bash
# Shared helpers for tests/lab/up and tests/lab/down. Sourced, never run.
# shellcheck source-path=SCRIPTDIR
lab_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(cd "$lab_dir/../.." && pwd)
# shellcheck source=versions.env
. "$lab_dir/versions.env"
reset=${reset:-1}  # set by `up`: 1 = start components from empty data
cache=${BERTH_LAB_CACHE:-$HOME/.cache/berth-lab}
state=${BERTH_LAB_STATE:-$lab_dir/.state}
reference=${BERTH_REFERENCE:-$repo_dir/../shared/reference}
mkdir -p "$state/logs" "$state/pids" "$state/data" "$state/bin"

log() { printf '[lab] %s\n' "$*" >&2; }
die() { printf '[lab] ERROR: %s\n' "$*" >&2; exit 1; }

# running NAME: true when the process recorded for NAME is alive.
running() {
  local pidfile=$state/pids/$1.pid
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

# start NAME CMD...: run CMD in the background, its output in logs/NAME.log.
start() {
  local name=$1; shift
  setsid "$@" >>"$state/logs/$name.log" 2>&1 < /dev/null &
  echo $! >"$state/pids/$name.pid"
}

# stop NAME: TERM, then KILL after 15 s.
stop() {
  local pidfile=$state/pids/$1.pid pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

# wait_for NAME SECONDS CMD...: poll CMD until it succeeds; on timeout show the log tail.
wait_for() {
  local name=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ! running "$name"; then
      tail -n 40 "$state/logs/$name.log" >&2; die "$name exited during start-up (log: $state/logs/$name.log)"
    fi
    if [ $SECONDS -ge $deadline ]; then
      tail -n 40 "$state/logs/$name.log" >&2; die "$name not ready after ${seconds}s (log: $state/logs/$name.log)"
    fi
    sleep 1
  done
}

# port NAME DEFAULT: the port recorded for NAME, else DEFAULT if free, else any free loopback port.
port() {
  local file=$state/ports.env key=$1 default=$2 value
  value=$(sed -n "s/^$key=//p" "$file" 2>/dev/null)
  if [ -z "$value" ]; then
    value=$(python3 - "$default" <<'PY'
import socket, sys
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); return s.getsockname()[1]
    except OSError:
        return None
    finally:
        s.close()
print(free(int(sys.argv[1])) or free(0))
PY
)
    echo "$key=$value" >>"$file"
  fi
  echo "$value"
}

# rss NAME: resident memory of NAME's process tree in MiB.
rss() {
  local pid; pid=$(cat "$state/pids/$1.pid" 2>/dev/null) || { echo "-"; return; }
  ps -o rss= --pid "$pid" --ppid "$pid" 2>/dev/null | awk '{s+=$1} END {printf "%d", s/1024}'
}

# java21: a JDK >= 21 on this machine (Keycloak 26 needs it).
java21() {
  local j v
  for j in "${JAVA21_HOME:-}/bin/java" /usr/lib/jvm/*/bin/java "$(command -v java)"; do
    [ -x "$j" ] || continue
    v=$("$j" -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.specification.version = //p')
    if [ "${v%%.*}" -ge 21 ] 2>/dev/null; then echo "$j"; return 0; fi
  done
  return 1
}

# The components: each defines <name>_up and <name>_down.
# shellcheck source=components/pki.sh
. "$lab_dir/components/pki.sh"
# shellcheck source=components/keycloak.sh
. "$lab_dir/components/keycloak.sh"
# shellcheck source=components/kube.sh
. "$lab_dir/components/kube.sh"
# shellcheck source=components/node.sh
. "$lab_dir/components/node.sh"
# shellcheck source=components/tools.sh
. "$lab_dir/components/tools.sh"
# shellcheck source=components/registry.sh
. "$lab_dir/components/registry.sh"
# shellcheck source=components/harbor.sh
. "$lab_dir/components/harbor.sh"
