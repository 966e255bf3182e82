#!/usr/bin/env bash
# Usage: scripts/docs/offline-agents.sh WORKDIR COMMAND [ARG...]
#
# Runs COMMAND in private mount and network namespaces. In the network namespace no cluster
# daemon is reachable (their IPC sockets are abstract, per network namespace), so nothing
# COMMAND does can reach a running cluster, and the tools run agents themselves instead of
# asking a live pacemaker-fenced (which would run the agent installed outside). In the mount
# namespace this project's agents appear installed
# (ocf:openstack:{NovaEvacuate,NovaCompute,nova-compute-wait} and /usr/sbin/fence_compute),
# so that pcs and crmsh can read their meta-data while they edit a CIB file offline. The
# agents are stand-ins that print the golden meta-data (metadata/*.xml, which the metadata
# tests keep equal to what the built agents print); nothing is installed on the machine and
# the mounts vanish with COMMAND. WORKDIR (an existing directory) holds the stand-ins.
# Needs root (unshare --mount --net).
set -euo pipefail

workdir=${1:?usage: offline-agents.sh WORKDIR COMMAND [ARG...]}
shift
(($#)) || { echo "offline-agents: no command" >&2; exit 2; }
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ocf_dir=/usr/lib/ocf/resource.d

[[ $(id -u) == 0 ]] || { echo "offline-agents: needs root (a private mount namespace)" >&2; exit 2; }
[[ -d $workdir ]] || { echo "offline-agents: no directory $workdir" >&2; exit 2; }

# A stand-in prints its golden meta-data for the meta-data action (OCF) or for any call
# (fence agents read the action from stdin or -o); every other OCF action succeeds.
write_ocf_standin() { # name
  cat >"$workdir/resource.d/openstack/$1" <<STANDIN
#!/bin/sh
case "\$1" in
  meta-data) exec cat '$repo/metadata/$1.xml' ;;
  *) exit 0 ;;
esac
STANDIN
  chmod 0755 "$workdir/resource.d/openstack/$1"
}

mkdir -p "$workdir/original" "$workdir/resource.d/openstack"
for agent in NovaEvacuate NovaCompute nova-compute-wait; do write_ocf_standin "$agent"; done
printf '#!/bin/sh\nexec cat %q\n' "$repo/metadata/fence_compute.xml" >"$workdir/fence_compute"
chmod 0755 "$workdir/fence_compute"

# Inside the namespace: bind each real provider (heartbeat, pacemaker, …) into a new tree
# beside ours, then lay that tree over the real one. Binds, not symlinks: agents source
# files through relative links (heartbeat/.ocf-shellfuncs -> ../../lib/heartbeat/…).
exec unshare --mount --net --propagation private bash -c '
  set -euo pipefail
  workdir=$1 ocf_dir=$2; shift 2
  mount --bind "$ocf_dir" "$workdir/original"
  for provider in "$workdir"/original/*/; do
    name=$(basename "$provider")
    [[ $name == openstack ]] && continue
    mkdir -p "$workdir/resource.d/$name"
    mount --bind "$provider" "$workdir/resource.d/$name"
  done
  mount --rbind "$workdir/resource.d" "$ocf_dir"
  if [[ -e /usr/sbin/fence_compute ]]; then
    mount --bind "$workdir/fence_compute" /usr/sbin/fence_compute
  else
    echo "offline-agents: /usr/sbin/fence_compute is missing (fence-agents not installed?)" >&2
    exit 2
  fi
  exec "$@"
' offline-agents "$workdir" "$ocf_dir" "$@"
