#!/usr/bin/env bash
# Boots a Debian 12 kernel under QEMU with this machine's root file system shared in over
# virtio-9p and an ext4 scratch disk at /tmp, runs a command there as root, prints its output and
# exits with its status (124 when it timed out, 125 when the guest never reported a status).
#
#   tests/kernel-matrix/vm.sh [--kernel 6.1|6.12] [--timeout SECONDS] [--memory MiB] [--cpus N]
#                             [--disk MiB] [--] COMMAND [ARG...]
#
# The command runs through bash in the current directory. Defaults: --kernel 6.12, --timeout 1800,
# --memory 4096, --cpus 2, --disk 2048. Run as root (QEMU's 9p passthrough needs it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

series=6.12 timeout=1800 memory=4096 cpus=2 disk=2048
while (($#)); do
  case "$1" in
    --kernel) series=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --memory) memory=$2; shift 2 ;;
    --cpus) cpus=$2; shift 2 ;;
    --disk) disk=$2; shift 2 ;;
    --) shift; break ;;
    -*) echo "vm.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
(($#)) || { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[[ $EUID -eq 0 ]] || { echo "vm.sh: run as root (9p passthrough of / needs it)" >&2; exit 2; }

bash "$here/lib/install-tools.sh"
kernel=$(bash "$here/lib/prepare-kernel.sh" "$series")
cache=$(dirname "$kernel")

# The guest binds its kernel's modules over /lib/modules; Debian systems have the directory.
mkdir -p /lib/modules

mkdir -p "$cache/jobs"
job=$(mktemp -d "$cache/jobs/job.XXXXXX")
trap 'rm -rf "$job"' EXIT
printf '%q ' "$@" > "$job/command"
pwd > "$job/cwd"
echo "$kernel/tree/lib/modules" > "$job/modules"
truncate -s "${disk}M" "$job/disk.img"
mkfs.ext4 -q -F -L xm-scratch "$job/disk.img"

# KVM when the machine offers it, else TCG (multi-threaded; about 4 s to a .NET program's start).
accel=(-accel tcg,thread=multi,tb-size=512)
if [[ -w /dev/kvm ]] && grep -qw -e vmx -e svm /proc/cpuinfo; then
  accel=(-accel kvm "${accel[@]}")
fi

# A kernel that locks up panics (softlockup_panic, every CPU's backtrace on the console) and the
# guest stops there (panic=-1 with -no-reboot) instead of idling into the timeout.
status=0
timeout --kill-after=10 "$timeout" qemu-system-x86_64 \
  -machine q35 -cpu max -smp "$cpus" -m "$memory" "${accel[@]}" \
  -nodefaults -nographic -no-reboot -serial stdio -monitor none \
  -kernel "$kernel/vmlinuz" -initrd "$kernel/initramfs.cpio.gz" \
  -append "console=ttyS0 quiet loglevel=4 panic=-1 softlockup_panic=1 softlockup_all_cpu_backtrace=1 xm.init=$here/lib/guest-init.sh xm.job=$job" \
  -fsdev local,id=hostroot,path=/,security_model=passthrough,multidevs=remap \
  -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
  -drive file="$job/disk.img",if=virtio,format=raw,cache.writeback=off,cache.no-flush=on \
  < /dev/null | sed -u 's/\r$//' || status=$?

if [[ -f "$job/status" ]]; then
  exit "$(cat "$job/status")"
fi
if ((status == 124)); then
  echo "vm.sh: the guest ($series) did not finish within ${timeout}s" >&2
  exit 124
fi
echo "vm.sh: the guest ($series) stopped without reporting a status (qemu exit $status)" >&2
exit 125
