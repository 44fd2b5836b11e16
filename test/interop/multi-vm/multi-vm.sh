#!/usr/bin/env bash
# multi-vm.sh: boots one VM of the shared harness (../shared/interop: its image, lib.sh for
# tap/VM/cleanup, guest-init.sh as /init) with an overlay the caller wrote: its
# etc/pptpi/scenario sources one of our guest scripts (guest-runs.sh: many client calls
# in one boot; guest-servers.sh: several PoPToP instances in one VM), which takes over.
#
#   multi-vm.sh --interop DIR --netns NS --bridge BR --overlay DIR --console FILE
#               --role client|server [--timeout S]
#
#   client: waits for @@DONE (bounded by --timeout), exit 0 when it came.
#   server: prints "@@READY" on stdout once the guest said @@READY (bounded by --timeout),
#           then serves until SIGTERM or the VM stops; exit 0 after serving, 1 if not ready.
# The console goes to --console (at the end, and for a server also right after @@READY).
set -euo pipefail
INTEROP= NETNS= BRIDGE= OVERLAY= CONSOLE= ROLE= TIMEOUT=240
while (($#)); do
  case $1 in
    --interop) INTEROP=$2 ;;
    --netns) NETNS=$2 ;;
    --bridge) BRIDGE=$2 ;;
    --overlay) OVERLAY=$2 ;;
    --console) CONSOLE=$2 ;;
    --role) ROLE=$2 ;;
    --timeout) TIMEOUT=$2 ;;
    *) echo "multi-vm: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
[[ -n $INTEROP && -n $NETNS && -n $BRIDGE && -d $OVERLAY && -n $CONSOLE && $ROLE =~ ^(client|server)$ && $TIMEOUT =~ ^[0-9]+$ ]] \
  || { echo "multi-vm: --interop --netns --bridge --overlay --console --role client|server are required" >&2; exit 2; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PPTPI_NAME=multi-vm-$ROLE
source "$INTEROP/lib.sh"
export PATH="$HERE/qemu-wrap:$PATH"

pptpi_require_root
pptpi_ensure_image
DEADLINE=$((SECONDS + TIMEOUT))
pptpi_netns "$NETNS"
TAP=pptpi-$([[ $ROLE == client ]] && echo m || echo n)$$
pptpi_tap "$NETNS" "$TAP" "$BRIDGE"
pptpi_rundir "multi-$ROLE"
cp -a "$OVERLAY/." "$PPTPI_RUNDIR/overlay/"
cp "$HERE/guest-runs.sh" "$HERE/guest-servers.sh" "$PPTPI_RUNDIR/overlay/etc/pptpi/"
save() { pptpi_console "$PPTPI_RUNDIR" >"$CONSOLE"; }

pptpi_vm_start "$PPTPI_RUNDIR" "$NETNS" "$TAP" "$(pptpi_mac $([[ $ROLE == client ]] && echo 13 || echo 14))"
if [[ $ROLE == client ]]; then
  set +e
  pptpi_wait "$PPTPI_RUNDIR" '@@DONE' "$DEADLINE"
  rc=$?
  set -e
  save
  case $rc in
    0) pptpi_log "done after $(pptpi_since "$PPTPI_VM_T0") s"; exit 0 ;;
    1) pptpi_log "the VM stopped before @@DONE"; pptpi_vm_report "$PPTPI_RUNDIR"; exit 1 ;;
    *) pptpi_log "timeout (${TIMEOUT} s): VM killed"; exit 1 ;;
  esac
fi
set +e
pptpi_wait "$PPTPI_RUNDIR" '@@READY' "$DEADLINE"
rc=$?
set -e
save
if ((rc != 0)); then
  pptpi_log "the servers did not get ready ($([[ $rc == 2 ]] && echo timeout || echo 'VM stopped'))"
  pptpi_vm_report "$PPTPI_RUNDIR"
  exit 1
fi
pptpi_log "ready after $(pptpi_since "$PPTPI_VM_T0") s"
echo "@@READY"
trap 'save; exit 0' TERM INT
while kill -0 "$PPTPI_VM_PID" 2>/dev/null; do sleep 0.5; done
save
