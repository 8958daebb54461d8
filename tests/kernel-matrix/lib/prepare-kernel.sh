#!/usr/bin/env bash
# Fetches, unpacks and caches one Debian 12 kernel for the matrix, and builds the initramfs that
# mounts this machine's root over virtio-9p. Prints the prepared directory (it holds vmlinuz,
# initramfs.cpio.gz, the modules tree and a file "release" with the kernel's release name).
#
#   prepare-kernel.sh 6.1|6.12
#
# The kernel is the newest the Debian archive serves for the series, found through its meta
# package: linux-image-amd64 (Debian 12's stock 6.1) or linux-image-6.12-amd64 (6.12 backport).
# A prepared kernel is reused until the archive serves a newer one.
set -euo pipefail

series=${1:?usage: prepare-kernel.sh 6.1|6.12}
cache=${XMONITOR_KERNEL_CACHE:-/var/cache/xmonitor/kernels}

case "$series" in
  6.1) meta=linux-image-amd64 ;;
  6.12) meta=linux-image-6.12-amd64 ;;
  *) echo "prepare-kernel.sh: unknown kernel series '$series' (6.1 or 6.12)" >&2; exit 2 ;;
esac

# The meta package's candidate depends on exactly one versioned image package.
package=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
if [[ -z "$package" ]]; then
  apt-get update -qq
  package=$(apt-cache depends "$meta" | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
fi
[[ -n "$package" ]] || { echo "prepare-kernel.sh: the archive has no $meta" >&2; exit 1; }
release=${package#linux-image-}
dir="$cache/$release"

if [[ ! -f "$dir/ready" ]]; then
  echo "preparing kernel $release" >&2
  rm -rf "$dir"
  mkdir -p "$dir/deb" "$dir/tree"
  (cd "$dir/deb" && apt-get download -q "$package" >/dev/null 2>&1) \
    || { echo "prepare-kernel.sh: apt-get download $package failed" >&2; exit 1; }
  dpkg-deb -x "$dir"/deb/*.deb "$dir/tree"
  rm -rf "$dir/deb"
  depmod -b "$dir/tree" "$release"
  cp "$dir/tree/boot/vmlinuz-$release" "$dir/vmlinuz"
  echo "$release" > "$dir/release"

  # The initramfs: a static busybox and the modules that reach the root file system (virtio PCI,
  # 9p) and the scratch disk (virtio_blk, ext4), decompressed in load order, then /init.
  initrd="$dir/initramfs"
  mkdir -p "$initrd"/{bin,dev,proc,sys,newroot,modules}
  cp /bin/busybox "$initrd/bin/busybox"
  n=0
  while read -r verb path _; do
    [[ "$verb" == insmod ]] || continue
    name=$(basename "$path"); name=${name%.xz}
    # Dependencies repeat across the modules listed; load each once.
    compgen -G "$initrd/modules/*-$name" >/dev/null && continue
    n=$((n + 1))
    target=$(printf '%s/modules/%02d-%s' "$initrd" "$n" "$name")
    if [[ "$path" == *.xz ]]; then xz -dc "$path" > "$target"; else cp "$path" "$target"; fi
  done < <(modprobe -d "$dir/tree" -S "$release" -a --show-depends virtio_pci 9pnet_virtio 9p virtio_blk ext4)
  cp "$(dirname "$0")/initramfs-init" "$initrd/init"
  chmod +x "$initrd/init"
  (cd "$initrd" && find . | cpio -o -H newc --quiet | gzip -1) > "$dir/initramfs.cpio.gz"
  rm -rf "$initrd"
  touch "$dir/ready"
fi
echo "$dir"
