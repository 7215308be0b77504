#!/usr/bin/env bash
# A one-node SLURM cluster on 127.0.0.1 from Debian's packages, for the cluster test (tests/workflow/test_slurm_cluster.py).
#   tools/slurm_cluster.sh up DIR     install slurm + munge if missing (root), start munged, slurmctld and slurmd
#                                     with state, spool, logs and pid files in DIR; wait until the node is idle
#   tools/slurm_cluster.sh down DIR   stop the daemons this script started (by their pid files in DIR) and remove
#                                     /etc/slurm/slurm.conf (left in place with slurmctld down, it slows every
#                                     Snakemake call by ~9 s)
# Exit 2 from `up` means "cannot stand a cluster up here" (not root, packages not installable): the test skips.
# The config must live at /etc/slurm/slurm.conf: the plugin's job step clears SLURM_CONF inside jobs.
# Jobs over their --mem are killed (jobacct_gather polls every second, OverMemoryKill): the test's forced
# out-of-memory job relies on it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
action="${1:?usage: slurm_cluster.sh up|down DIR}"
dir="$(mkdir -p "${2:?usage: slurm_cluster.sh up|down DIR}" && cd "$2" && pwd)"
conf=/etc/slurm/slurm.conf

stop_pid_file() {  # stop the process named in a pid file, wait for it to end
  local file="$1" pid
  [[ -s "$file" ]] || return 0
  pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

down() {
  # Jobs still queued or running (a run killed on timeout) are cancelled first, while slurmctld can still do it.
  if [[ -s "$dir/slurmctld.pid" ]] && kill -0 "$(cat "$dir/slurmctld.pid")" 2>/dev/null; then
    timeout 20 scancel --partition=main 2>/dev/null || true
    for _ in $(seq 50); do [[ -z "$(timeout 5 squeue -h -t PD,R,CG 2>/dev/null)" ]] && break; sleep 0.2; done
  fi
  stop_pid_file "$dir/slurmd.pid"
  stop_pid_file "$dir/slurmctld.pid"
  stop_pid_file "$dir/munged.pid"  # only if this script started munged
  # Our config only: a slurm.conf this script did not write is left alone.
  if [[ -f "$conf" ]] && grep -q "^# genorisk test cluster" "$conf"; then rm -f "$conf"; fi
}

up() {
  if [[ "$(id -u)" != 0 ]]; then
    echo "slurm_cluster: needs root (installs packages, starts daemons)" >&2
    exit 2
  fi
  if ! bash "$here/install_system_packages.sh" "$here/slurm-packages.txt" >"$dir/install.log" 2>&1; then
    echo "slurm_cluster: cannot install $(grep -v '^#' "$here/slurm-packages.txt" | xargs) (see $dir/install.log)" >&2
    exit 2
  fi
  if [[ -f "$conf" ]] && ! grep -q "^# genorisk test cluster" "$conf"; then
    echo "slurm_cluster: $conf exists and is not ours; refusing to replace it" >&2
    exit 2
  fi
  if pgrep -x slurmctld >/dev/null || pgrep -x slurmd >/dev/null; then
    echo "slurm_cluster: slurmctld or slurmd already runs on this machine; refusing to start a second one" >&2
    exit 2
  fi
  # munge: reuse a running munged, else start one as the munge user.
  if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    install -d -o munge -g munge -m 0755 /run/munge
    install -d -o munge -g munge -m 0700 /var/log/munge /var/lib/munge
    su -s /bin/sh munge -c "munged --pid-file=/run/munge/genorisk-test.pid"
    cp /run/munge/genorisk-test.pid "$dir/munged.pid"
    for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
    munge -n | unmunge >/dev/null
  fi
  mkdir -p "$dir/state" "$dir/spool" "$dir/log"
  local host node mem
  host="$(hostname -s)"
  node="$(slurmd -C | head -1)"
  mem="$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$node")"
  node="$(sed "s/RealMemory=[0-9]*/RealMemory=$((mem * 9 / 10))/" <<<"$node") NodeAddr=127.0.0.1 State=UNKNOWN"
  mkdir -p /etc/slurm
  cat >"$conf" <<EOF
# genorisk test cluster (tools/slurm_cluster.sh; removed by its 'down')
ClusterName=genorisk-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=1
JobAcctGatherParams=OverMemoryKill
MinJobAge=600
ReturnToService=2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
$node
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  slurmctld -c
  slurmd
  for _ in $(seq 100); do
    if sinfo -h -o %T 2>/dev/null | grep -qx idle; then
      echo "slurm_cluster: up ($host, $(sinfo -h -o '%c CPUs, %m MB'))"
      return 0
    fi
    sleep 0.3
  done
  echo "slurm_cluster: node not idle after 30 s; sinfo: $(sinfo 2>&1 | tail -1)" >&2
  down
  exit 1
}

case "$action" in
  up) up ;;
  down) down ;;
  *) echo "usage: slurm_cluster.sh up|down DIR" >&2; exit 64 ;;
esac
