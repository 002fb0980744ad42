#!/bin/busybox sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# init.sh: PID 1 of the test VM's initramfs (busybox). Mounts the host's root
# read-only over 9p, a writable 9p share for results, and runs the guest
# program (named in /vm.env, written by run-vm) chrooted into the host root.
# The VM powers off when the guest program ends, whatever happened.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
. /vm.env

fail() {
	echo "vm-init: $*"
	echo "VM-INIT-FAILED" >/dev/console
	poweroff -f
}

# Module order comes from modules.dep (run-vm wrote /modules.order); a failed
# insmod is retried once the rest are in, in case a dependency came late.
for pass in 1 2 3; do
	left=
	while read -r ko; do
		name=$(basename "$ko" .ko)
		grep -q "^${name//-/_} " /proc/modules && continue
		insmod "/modules/$ko" 2>/dev/null || left=1
	done </modules.order
	[ -z "$left" ] && break
done

# 9p: msize raised from the 8 KiB default (reads over TCG are slow enough);
# cache=loose on the read-only root only: nothing there changes under us.
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /newroot ||
	fail "cannot mount the host root over 9p"
for d in tmp run var/lib/bluetooth; do
	mount -t tmpfs -o mode=0755 tmpfs "/newroot/$d" || fail "cannot mount tmpfs on /$d"
done
# A source tree or build directory under /tmp or /run on the host: share it again.
for share in $VM_EXTRA_SHARES; do
	mkdir -p "/newroot${share#*:}"
	mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose "${share%%:*}" "/newroot${share#*:}" ||
		fail "cannot mount ${share#*:} over 9p"
done
mkdir -p /newroot/tmp/results
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 results /newroot/tmp/results ||
	fail "cannot mount the results share"
mount -t proc proc /newroot/proc
mount -t sysfs sysfs /newroot/sys
mount -t devtmpfs devtmpfs /newroot/dev
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts devpts /newroot/dev/pts
mount -t tmpfs tmpfs /newroot/dev/shm
hostname "${VM_HOSTNAME:-gattd-vm}"

# The kernel autoloads modules (AF_ALG sockets for btvirt, cmac/ecb for SMP) by
# running its modprobe helper in this initramfs's root: hand it to the host's.
mkdir -p /sbin
printf '#!/bin/sh\nexec chroot /newroot /sbin/modprobe "$@"\n' >/sbin/modprobe
chmod 755 /sbin/modprobe
echo /sbin/modprobe >/proc/sys/kernel/modprobe

# The guest program's exit code is also written by the guest itself; this line is
# the fallback when it dies before it can.
chroot /newroot /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
	/usr/bin/python3 -X faulthandler $VM_GUEST $VM_GUEST_ARGS </dev/console >/dev/console 2>&1
echo "VM-GUEST-EXIT $?" >/dev/console
sync
poweroff -f
