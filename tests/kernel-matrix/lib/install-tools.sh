#!/usr/bin/env bash
# Installs what the kernel matrix needs on the host, only what is missing.
set -euo pipefail
# nfs-kernel-server, nfs-common, rpcbind: the guests run a loopback NFS server from the host's binaries.
packages=(qemu-system-x86 busybox-static cpio kmod xz-utils e2fsprogs nfs-kernel-server nfs-common rpcbind)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
