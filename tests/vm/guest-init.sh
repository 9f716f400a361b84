#!/bin/bash
# vm-guest - run the host's command once the guest has booted, then power
# off.  Installed by tests/vm/setup.sh as /usr/local/sbin/vm-guest and
# started by vm-guest.service; tests/vm/run.sh is the host side.
#
# The host shares a control directory over virtio-9p (tag vmctl): `cmd` is
# the command (a bash script), `rc` receives its exit status.  A second
# disk (/dev/vdb, ext4), when present, holds files to copy to the same
# absolute paths in the guest (the build and the test suites).  stdout and
# stderr go to the virtio-serial ports vm.stdout and vm.stderr, which the
# host streams.
ctl=/run/vmctl
mkdir -p "$ctl"
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 vmctl "$ctl"; then
	echo "vm-guest: cannot mount the control directory" >/dev/console
	exec systemctl poweroff -ff
fi
if [ -b /dev/vdb ]; then
	mkdir -p /mnt/payload
	mount -o ro /dev/vdb /mnt/payload && cp -a /mnt/payload/. / &&
		umount /mnt/payload
	rm -rf /lost+found
fi
out=/dev/virtio-ports/vm.stdout
err=/dev/virtio-ports/vm.stderr
for _ in $(seq 200); do
	[ -e $out ] && [ -e $err ] && break
	sleep 0.02
done
[ -e $out ] || out=$ctl/stdout
[ -e $err ] || err=$ctl/stderr
cd /root || exit 1
bash "$ctl/cmd" </dev/null >"$out" 2>"$err"
echo $? >"$ctl/rc.tmp" && mv "$ctl/rc.tmp" "$ctl/rc"
# The root disk is a throwaway snapshot: no orderly shutdown needed.
exec systemctl poweroff -ff
