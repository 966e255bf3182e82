# Shared by scripts/cluster-up, cluster-down, test-cluster and the helpers here: where the
# multi-node lab keeps its state. It reuses the one-node lab's helpers and LOCKS
# (scripts/pcmk-lab/common.sh), so the two labs never run at once: one cluster per machine.
cluster_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$cluster_here/../.." && pwd)
source "$REPO/scripts/pcmk-lab/common.sh"

# Root namespace only: pids, daemon output, timings.
CLUSTER_RUN=${NOVA_HA_CLUSTER_RUN:-/run/nova-ha-cluster}
# Seen by every node (the remotes get a private /run, not a private /var/lib): clouds.yaml,
# each compute's nova.conf and stand-in nova-compute, the BMC password.
CLUSTER_VAR=${NOVA_HA_CLUSTER_VAR:-/var/lib/nova-ha-cluster}
# Bind-mounted in each compute's mount namespace onto its own $CLUSTER_VAR/<node>.
NODE_DIR=$CLUSTER_VAR/node
BRIDGE=br-pcmklab
BRIDGE_ADDR=10.250.0.1
SIM_PORT=${NOVA_HA_CLUSTER_SIM_PORT:-18774}
BMC_BASE_PORT=${NOVA_HA_CLUSTER_BMC_PORT:-16230}
REMOTED=/opt/pcmk-remote/usr/sbin/pacemaker-remoted
CLUSTER_PATH=/usr/sbin:/usr/bin:/sbin:/bin

csay() { printf 'cluster: %s\n' "$*" >&2; }

node_addr() { printf '10.250.0.1%s\n' "${1#compute}"; }
bmc_port() { printf '%s\n' $(( BMC_BASE_PORT + ${1#compute} )); }

# The live pid in pidfile $1 if its process is named $2 (the pcmk-lab rule), else empty.
cluster_pid() { lab_pid "$1" "$2"; }

# The compute's init (pid 1 of its pid namespace) as seen from here, and its pacemaker-remoted.
node_init_pid() {
  local unshare_pid
  unshare_pid=$(cluster_pid "$CLUSTER_RUN/node-$1.pid" unshare)
  [[ -n $unshare_pid ]] && pgrep -P "$unshare_pid" | head -n1
  return 0
}
node_remoted_pid() {
  local init
  init=$(node_init_pid "$1")
  [[ -n $init ]] && pgrep -P "$init" -x pacemaker-remot | head -n1
  return 0
}

# The computes this lab was started with (compute1 … computeN).
lab_computes() { [[ -r $CLUSTER_RUN/computes ]] && cat "$CLUSTER_RUN/computes"; return 0; }

sim_control_url() { printf 'http://%s:%s/_sim\n' "$BRIDGE_ADDR" "$SIM_PORT"; }
