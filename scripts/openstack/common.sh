# Shared by scripts/openstack-up, scripts/openstack-down, scripts/openstack/compute and
# scripts/test-openstack: where the lab lives, its ports, and the small helpers every step
# uses (bounded waits, pid files, process groups). Sourced, never run.

# Debian's interpreter, explicitly: a python3 earlier on PATH (pyenv here) lacks Debian's
# dist-packages and fails with "No module named keystone".
PY=/usr/bin/python3
OS_HELPERS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# The lab directory: --dir, else NOVA_HA_OPENSTACK_DIR, else this default.
OS_DIR=${NOVA_HA_OPENSTACK_DIR:-/tmp/nova-ha-openstack}
# Kept outside the lab directory so `openstack-down --purge` does not throw it away.
OS_SNAPSHOT_ROOT=${NOVA_HA_OPENSTACK_SNAPSHOT:-/var/tmp/nova-ha-openstack-snapshot}

MYSQL_PORT=3306
RABBIT_PORT=5672
KEYSTONE_PORT=5000
PLACEMENT_PORT=8778
NOVA_PORT=8774
GLANCE_PORT=9292
NEUTRON_PORT=9696

DB_USER=os
DB_PASS=os
ADMIN_PASSWORD=admin
DEMO_PASSWORD=demo
REGION=RegionOne

set_dir() {
  OS_DIR=$(realpath -m "$1")
}

os_paths() {
  RUN=$OS_DIR/run
  LOGS=$OS_DIR/log
  ETC=$OS_DIR/etc
  SOCK=$RUN/mysqld.sock
}
os_paths

say() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

now_ms() { date +%s%3N; }

# wait_for SECONDS WHAT COMMAND...: polls COMMAND every 0.25 s; fails naming WHAT after SECONDS.
wait_for() {
  local limit=$1 what=$2 deadline
  shift 2
  deadline=$(($(now_ms) + limit * 1000))
  until "$@" >/dev/null 2>&1; do
    if (($(now_ms) > deadline)); then
      say "timed out after ${limit}s waiting for $what"
      return 1
    fi
    sleep 0.25
  done
}

# wait_up NAME SECONDS WHAT COMMAND...: wait_for, but gives up at once when the process
# NAME (a pid file in $RUN) has died, and shows the end of its log.
wait_up() {
  local name=$1 limit=$2 what=$3 deadline
  shift 3
  deadline=$(($(now_ms) + limit * 1000))
  until "$@" >/dev/null 2>&1; do
    if [[ -z $(pid_of "$name") ]] || (($(now_ms) > deadline)); then
      [[ -z $(pid_of "$name") ]] && say "$name exited while waiting for $what" || say "timed out after ${limit}s waiting for $what"
      tail -n 25 "$LOGS/$name.log" >&2 || true
      return 1
    fi
    sleep 0.25
  done
}

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# pid_of NAME: the pid in $RUN/NAME.pid when that process is alive, else nothing.
pid_of() {
  local file=$RUN/$1.pid pid
  [[ -r $file ]] || return 0
  pid=$(<"$file")
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 0
  # A pid file outlives its process; the start time tells a recycled pid from ours.
  if [[ -r $RUN/$1.start && $(start_time "$pid") != "$(<"$RUN/$1.start")" ]]; then return 0; fi
  echo "$pid"
}

# start_time PID: the kernel's start time of PID (field 22 of /proc/PID/stat).
start_time() {
  local stat
  stat=$(<"/proc/$1/stat") 2>/dev/null || return 0
  stat=${stat##*) }
  cut -d' ' -f20 <<<"$stat"
}

# alive PID: the process exists and is not a zombie (reaping orphans is up to pid 1, which on
# some machines never does it).
alive() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ -n $state && $state != Z* ]]
}

# spawn NAME COMMAND...: starts COMMAND in its own session (so the whole group, workers and
# children included, can be signalled), output to $LOGS/NAME.log, pid to $RUN/NAME.pid.
spawn() {
  local name=$1
  shift
  setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
  start_time $! >"$RUN/$name.start"
}

# stop_groups SECONDS NAME...: TERM to each named process group, KILL whatever is left after
# SECONDS. Only groups whose leader pid is in our pid files are touched.
stop_groups() {
  local grace=$1 name pid deadline alive
  shift
  local pids=()
  for name in "$@"; do
    pid=$(pid_of "$name")
    [[ -n $pid ]] && pids+=("$pid") && kill -TERM -- "-$pid" 2>/dev/null
  done
  ((${#pids[@]})) || return 0
  deadline=$(($(now_ms) + grace * 1000))
  while :; do
    alive=()
    for pid in "${pids[@]}"; do group_alive "$pid" && alive+=("$pid"); done
    ((${#alive[@]})) || break
    if (($(now_ms) > deadline)); then
      for pid in "${alive[@]}"; do kill -KILL -- "-$pid" 2>/dev/null; done
      say "killed after ${grace}s: process groups ${alive[*]}"
      break
    fi
    sleep 0.2
  done
}

# group_alive PGID: any process left in that process group?
group_alive() {
  ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

# The lab's process groups, from the pid files (leaders still alive or not: a group outlives
# its leader when workers remain).
lab_groups() {
  local file
  for file in "$RUN"/*.pid; do
    [[ -r $file ]] || continue
    [[ $(<"$file") =~ ^[0-9]+$ ]] && echo "$(<"$file")"
  done
}

# Sum of RSS (KiB) of every process in the lab's process groups.
lab_rss_kb() {
  local groups
  groups=$(lab_groups | tr '\n' ' ')
  [[ -n $groups ]] || { echo 0; return; }
  ps -e -o pgid=,rss= | awk -v list="$groups" '
    BEGIN { n = split(list, g, " "); for (i = 1; i <= n; i++) want[g[i]] = 1 }
    want[$1] { sum += $2 } END { print sum + 0 }'
}

mysql_root() { mariadb --no-defaults -S "$SOCK" -uroot "$@"; }

group_gone() { ! group_alive "$1"; }
