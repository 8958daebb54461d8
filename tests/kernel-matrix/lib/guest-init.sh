#!/bin/bash
# PID 1 of a kernel-matrix guest, running on the host's root file system (9p): mounts what a
# distribution's init would (proc, sys, dev, tracefs, debugfs, bpffs, cgroups), the kernel's own
# modules at /lib/modules and the ext4 scratch disk at /tmp, runs the job's command, writes its
# exit status to JOB/status and powers off.
#
#   guest-init.sh JOB      (JOB holds "command", a bash script, and "cwd")
job=$1
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LANG=C.UTF-8

poweroff_now() {
  sync
  echo o > /proc/sysrq-trigger
  # PID 1 must not exit (a panic) before the power-off lands; the root is already gone, so no
  # external command can run here.
  for ((;;)); do :; done
}
trap poweroff_now EXIT

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
mount -t bpf bpf /sys/fs/bpf
# cgroup v2 alone, as systemd mounts it on Debian 12 (the host has the hybrid layout, so both
# are tested).
mount -t cgroup2 cgroup2 /sys/fs/cgroup
echo "+memory +cpu +io +pids" > /sys/fs/cgroup/cgroup.subtree_control

release=$(uname -r)
# The guest kernel's modules (veth, loop, nfsd...), bound over the host's (empty) /lib/modules.
mount --bind "$(cat "$job/modules")" /lib/modules

# /tmp and /var/tmp on a real block device: page cache, block I/O and ext4 as a user's machine
# has them (9p bypasses the page cache). The job's directory (a repository clone may live in /tmp)
# is held by a bind mount first and put back at its path on top.
cwd=$(cat "$job/cwd")
mkdir -p /run/xm-cwd /run/xm-scratch
mount --bind "$cwd" /run/xm-cwd
mount -t ext4 /dev/vda /run/xm-scratch
mkdir -p /run/xm-scratch/tmp /run/xm-scratch/var-tmp
mount --bind /run/xm-scratch/tmp /tmp
mount --bind /run/xm-scratch/var-tmp /var/tmp
chmod 1777 /tmp /var/tmp
if [[ ! -d "$cwd" ]]; then
  mkdir -p "$cwd"
  mount --bind /run/xm-cwd "$cwd"
fi
ip link set lo up
hostname "xm-guest-$(echo "$release" | cut -d. -f1-2)"

echo "guest: Linux $release, $(nproc) CPUs, $(awk '/MemTotal/ { print int($2 / 1024) " MiB" }' /proc/meminfo)"
cd "$cwd"
bash "$job/command" < /dev/null
echo $? > "$job/status"
