#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# guest.sh: runs as root under systemd in the VM, after the installation was
# copied in (GATTD_INSTALL=meson) or with the Debian packages in /vm/debs to
# install (GATTD_INSTALL=deb). Does what gattd(8) or README.Debian tells a
# Debian user to do, and checks each step.
# Writes /vm/results/result: "ok", or what failed.
set -u
. /vm/guest.env
CONF=$GATTD_CONFIGDIR
EXAMPLES=$GATTD_EXAMPLESDIR
R=/vm/results
passed=0
failed=()

check() {
	local what=$1
	shift
	if "$@"; then
		echo "PASS: $what"
		passed=$((passed + 1))
	else
		echo "FAIL: $what"
		failed+=("$what")
	fi
}
# wait_for SECONDS COMMAND...: true once COMMAND succeeds.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.5
	done
}
prop() { systemctl show -P "$1" gattd.service; }
active() { systemctl -q is-active "$1"; }
on_air() { prop StatusText | grep -q "registered on hci.*, advertising"; }
journal_has() { journalctl -b -u gattd.service | grep -q "$1"; }
step() { echo "---- $*"; }
no_capabilities() { ! grep -E '^Cap(Eff|Bnd|Amb):' "/proc/$1/status" | grep -vq '0000000000000000$'; }
# The configuration directory as installed: gattd.conf and an empty services.d/.
only_gattd_conf() { [ "$(cd "$CONF" && find . | sort | tr '\n' ' ')" = ". ./gattd.conf ./services.d " ]; }

step "$(systemctl --version | head -1); configuration in $CONF; installed by $GATTD_INSTALL"

if [ "$GATTD_INSTALL" = deb ]; then
	step "dpkg -i $(cd /vm/debs && echo *.deb)"
	# man-db's trigger would rebuild its whole index over 9p; not what is tested here.
	rm -f /var/lib/man-db/auto-update
	# A host built as a container image has a policy-rc.d that answers 101 ("do not
	# touch services"); the guest's root is an overlay of it, so it goes here, and the
	# maintainer scripts act as on an installed system.
	rm -f /usr/sbin/policy-rc.d
	check "dpkg -i installs the packages" dpkg -i /vm/debs/*.deb
	check "the postinst created user and group gattd (sysusers.d)" id gattd
	check "gattd.conf is a conffile" sh -c "dpkg-query -W -f='\${Conffiles}' gattd | grep -q '^ $CONF/gattd.conf '"
	check "gattd.service is not enabled: no service yet (README.Debian)" sh -c '! systemctl -q is-enabled gattd.service'
	check "gattd is not started on installation" sh -c '! systemctl -q is-active gattd.service gattd.socket'
else
	step "after meson install, as gattd(8) says: systemd-sysusers, ldconfig, systemctl daemon-reload"
	systemd-sysusers
	# Debian 12's meson does not run ldconfig. Only needed when libdir is outside
	# the loader's default directories (prefix /usr/local), and slow over 9p, so
	# only then.
	if ldd "$(command -v gattctl)" | grep 'not found' >/dev/null; then
		ldconfig
	fi
	systemctl daemon-reload
	check "systemd-sysusers created user and group gattd" id gattd
fi
check "$CONF holds gattd.conf and an empty services.d, nothing else" only_gattd_conf

step "the example services, as an operator adds them: cp $EXAMPLES/services.d/*.conf $CONF/services.d/"
check "the example services are installed in $EXAMPLES/services.d" cp "$EXAMPLES"/services.d/*.conf "$CONF/services.d/"

step "Bluetooth: virtual controllers (btvirt) and the real bluetoothd"
modprobe bluetooth
modprobe hci_vhci
systemd-run --unit=btvirt --quiet btvirt -l3
wait_for 30 sh -c 'btmgmt info | grep -q "^hci"'
systemctl start bluetooth.service
check "bluetooth.service is active" wait_for 30 active bluetooth.service

step "systemctl enable --now gattd (battery/level with Persist=true)"
sed -i 's/^Description=Battery Level$/&\nPersist=true/' "$CONF/services.d/10-battery.conf"
systemctl enable --now gattd.service
check "gattd.service enabled" systemctl -q is-enabled gattd.service
check "gattd.socket enabled too (Also=)" systemctl -q is-enabled gattd.socket
check "gattd.socket started with it (Wants=)" active gattd.socket
check "gattd.service active (READY=1)" wait_for 30 active gattd.service
check "STATUS= says registered and advertising: bluetoothd (root) called gattd's objects" wait_for 60 on_air
echo "status: $(prop StatusText)"
check "gattd serves the socket systemd passed" journal_has "socket passed by systemd"

pid=$(prop MainPID)
step "the sandbox around PID $pid"
grep -E '^(Uid|Gid|Groups|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/$pid/status
check "runs as user gattd" [ "$(ps -o user= -p "$pid")" = gattd ]
check "no capabilities (effective, bounding, ambient)" no_capabilities "$pid"
check "NoNewPrivs" grep -Eq '^NoNewPrivs:\s+1$' /proc/$pid/status
check "a seccomp filter" grep -Eq '^Seccomp:\s+2$' /proc/$pid/status
check "its own network namespace (PrivateNetwork)" [ "$(readlink /proc/$pid/ns/net)" != "$(readlink /proc/1/ns/net)" ]
check "its own user namespace (PrivateUsers)" [ "$(readlink /proc/$pid/ns/user)" != "$(readlink /proc/1/ns/user)" ]
check "its own mount namespace" [ "$(readlink /proc/$pid/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ]
check "socket 0660 gattd:gattd" [ "$(stat -c '%a %U %G' /run/gattd/gattd.sock)" = "660 gattd gattd" ]

step "local clients"
useradd -m -G gattd alice
useradd -m bob
check "gattctl as root" gattctl status
check "gattctl as a member of group gattd" runuser -u alice -- gattctl get battery/level
runuser -u bob -- gattctl status
check "gattctl as anyone else: exit 3 (permission denied)" [ $? -eq 3 ]

step "Persist=true across a restart"
check "set battery/level 42" gattctl set battery/level 42
ls -ln /var/lib/gattd /var/lib/gattd/values
check "state directory 0700 gattd" [ "$(stat -c '%a %U' /var/lib/gattd)" = "700 gattd" ]
check "value file 0600 gattd" [ "$(stat -c '%a %U' /var/lib/gattd/values/battery.level)" = "600 gattd" ]
systemctl restart gattd.service
check "active after systemctl restart" wait_for 30 active gattd.service
check "battery/level restored: 42" [ "$(gattctl get battery/level)" = 42 ]

step "socket activation"
systemctl stop gattd.service
check "gattd.service stopped" sh -c '! systemctl -q is-active gattd.service'
check "gattd.socket still listening" active gattd.socket
check "the socket file survived the stop (RuntimeDirectoryPreserve=)" [ -S /run/gattd/gattd.sock ]
# Served at once, before gattd is on the air: status exits 6 (not on the air) or 0.
check "a client of the idle socket starts gattd and is served" sh -c 'gattctl status; s=$?; [ $s -eq 0 ] || [ $s -eq 6 ]'
check "gattctl wait: on the air after the activation" gattctl wait --timeout 30000
# Activated by the client: active once READY=1 comes (after registration).
check "gattd.service active again" wait_for 30 active gattd.service

step "systemctl reload"
wait_for 60 on_air
pid=$(prop MainPID)
sed -i 's/^LocalName=.*/LocalName=gattd-reloaded/' "$CONF/gattd.conf"
check "systemctl reload gattd succeeds" systemctl reload gattd.service
check "the configuration is applied (generation 2)" wait_for 10 sh -c "gattctl --json status | grep -q '\"generation\":2'"
check "same process" [ "$(prop MainPID)" = "$pid" ]
echo '[Service broken' >"$CONF/services.d/99-broken.conf"
systemctl reload gattd.service
check "an invalid configuration is refused in the journal" wait_for 10 journal_has "reload refused"
check "and the old one keeps running, same process" sh -c "systemctl -q is-active gattd.service && [ \$(systemctl show -P MainPID gattd.service) = $pid ]"
gattctl reload
check "gattctl reload says so: exit 1" [ $? -eq 1 ]

step "an invalid configuration at start: exit 1, no restart loop"
systemctl restart gattd.service
check "failed with status 1" wait_for 15 sh -c '[ "$(systemctl show -P ExecMainStatus gattd.service)" = 1 ] && ! systemctl -q is-active gattd.service'
restarts=$(prop NRestarts)
sleep 4
check "not restarted (RestartPreventExitStatus=)" [ "$(prop NRestarts)" = "$restarts" ]
rm "$CONF/services.d/99-broken.conf"
systemctl reset-failed gattd.service
systemctl start gattd.service
check "starts once the file is fixed" wait_for 30 active gattd.service

step "watchdog and Restart=on-failure"
check "WatchdogUSec=30s" [ "$(prop WatchdogUSec)" = 30s ]
first=$(prop WatchdogTimestampMonotonic)
sleep 17
check "WATCHDOG=1 arrives at half the interval" [ "$(prop WatchdogTimestampMonotonic)" != "$first" ]
restarts=$(prop NRestarts)
kill -SEGV "$(prop MainPID)"
check "a crash is restarted" wait_for 30 sh -c "[ \$(systemctl show -P NRestarts gattd.service) -gt $restarts ] && systemctl -q is-active gattd.service"

step "clean stop"
wait_for 60 on_air
systemctl stop gattd.service
check "stopped with Result=success, status 0" [ "$(prop Result) $(prop ExecMainStatus)" = "success 0" ]
check "gattd unregistered before exiting" journal_has "stopping: unregistering from BlueZ"

step "man pages"
if command -v man >/dev/null; then
	for page in gattd.8 gattctl.1 gattd.conf.5; do
		check "man ${page%.*}(${page##*.}) finds the page" man -w "${page##*.}" "${page%.*}"
	done
else
	echo "man-db is not installed: not looking the pages up"
fi

step "systemd-analyze security gattd.service"
systemctl start gattd.service
systemd-analyze security --no-pager gattd.service >$R/security.txt 2>&1
grep -E '✗|Overall' $R/security.txt

if [ "$GATTD_INSTALL" = deb ]; then
	step "dpkg --purge"
	check "dpkg --purge removes the packages" dpkg --purge $(for deb in /vm/debs/*.deb; do dpkg-deb -f "$deb" Package; done)
	check "gattd stopped on removal (gattd.prerm)" sh -c '! systemctl -q is-active gattd.service gattd.socket'
	check "its state went with the purge" [ ! -e /var/lib/gattd ]
	check "the package's gattd.conf went with the purge" [ ! -e "$CONF/gattd.conf" ]
	check "the operator's service files stay" [ -f "$CONF/services.d/10-battery.conf" ]
fi

journalctl -b --no-pager -o short-monotonic >$R/journal.txt
journalctl -b -u gattd.service --no-pager -o short-monotonic >$R/gattd-journal.txt
echo "RESULT: $passed passed, ${#failed[@]} failed"
if [ ${#failed[@]} -eq 0 ]; then
	echo ok >$R/result
else
	printf '%s; ' "${failed[@]}" | sed 's/; $//' | sed "s/^/${#failed[@]} check(s) failed: /" >$R/result
fi
sync
