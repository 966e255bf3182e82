# Shared by scripts/pcmk-lab/up and down: where the one-node lab keeps its state, and how
# to tell a process this lab started from one it did not (pidfile + process name).
LAB_DIR=${NOVA_HA_LAB_DIR:-/run/nova-ha-lab}
LAB_NODE=ctl1
COROSYNC_PIDFILE=$LAB_DIR/corosync.pid
PACEMAKERD_PIDFILE=$LAB_DIR/pacemakerd.pid
# A clean environment for the daemons: every agent Pacemaker forks inherits it.
DAEMON_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8)

say() { printf 'pcmk-lab: %s\n' "$*" >&2; }

# The PID in $1 (a pidfile) if that process is alive and is named $2; empty otherwise.
lab_pid() {
  local pidfile=$1 name=$2 pid
  [[ -r $pidfile ]] || return 0
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  [[ -r /proc/$pid/comm && $(</proc/$pid/comm) == "$name" ]] && printf '%s\n' "$pid"
  return 0
}

now_ms() { date +%s%3N; }

# wait_until SECONDS DESCRIPTION COMMAND...: polls every 0.2 s; returns 1 on timeout.
wait_until() {
  local seconds=$1 what=$2; shift 2
  local end=$(( $(now_ms) + seconds * 1000 ))
  until "$@" >/dev/null 2>&1; do
    if (( $(now_ms) >= end )); then say "timed out after ${seconds}s waiting for $what"; return 1; fi
    sleep 0.2
  done
}

# up and down take this lock so two of them never interleave; up calls down while holding
# it, hence the variable that says "this process tree already holds it".
take_state_lock() {
  [[ ${NOVA_HA_LAB_LOCKED:-} == 1 ]] && return 0
  exec 8>"$LAB_DIR.state.lock"
  flock -w 120 8 || { say "another up/down holds $LAB_DIR.state.lock"; exit 1; }
  export NOVA_HA_LAB_LOCKED=1
}
