#!/bin/bash
# Inside a kernel-matrix guest: a loopback NFS server (the kernel's nfsd) exporting a directory of
# the ext4 scratch disk, mounted over 127.0.0.1 as NFSv3 (type nfs) and NFSv4.2 (type nfs4).
# Prints the mounts as "DIR:TYPE,DIR:TYPE" for XMONITOR_NFS_MOUNTS. Nothing of the host's NFS
# state is touched: /var/lib/nfs and /run are the guest's own tmpfs.
set -euo pipefail
export_dir=/tmp/xm-nfs-export
mkdir -p "$export_dir" /mnt/xm-nfs3 /mnt/xm-nfs4
mount -t tmpfs tmpfs /var/lib/nfs
mkdir -p /var/lib/nfs/rpc_pipefs /var/lib/nfs/v4recovery /var/lib/nfs/sm
touch /var/lib/nfs/etab /var/lib/nfs/rmtab /var/lib/nfs/xtab
modprobe -a nfsd nfs nfsv3 nfsv4 >&2
mountpoint -q /proc/fs/nfsd || mount -t nfsd nfsd /proc/fs/nfsd
rpcbind -w >&2
exportfs -o rw,sync,no_root_squash,no_subtree_check,insecure,fsid=0 "127.0.0.1:$export_dir" >&2
rpc.mountd >&2
rpc.nfsd 4 >&2
mount -t nfs -o vers=3,nolock,proto=tcp 127.0.0.1:"$export_dir" /mnt/xm-nfs3 >&2
mount -t nfs4 -o vers=4.2 127.0.0.1:/ /mnt/xm-nfs4 >&2
echo "/mnt/xm-nfs3:nfs,/mnt/xm-nfs4:nfs4"
