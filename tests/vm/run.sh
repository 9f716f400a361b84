#!/bin/bash
# tests/vm/run.sh - boot the guest built by setup.sh, run one command in
# it, stream its output, power off.
#
#   tests/vm/run.sh IMAGEDIR PAYLOAD SCRIPT
#
# IMAGEDIR holds vmlinux (or vmlinuz), initrd.img and root.img; root.img is
# booted with snapshot=on, so it is never changed.  PAYLOAD is an ext4
# image whose files the guest copies to the same absolute paths before
# running (or - for none).  SCRIPT is a bash script run as root in the
# guest (guest-init.sh); its stdout and stderr are ours, its exit status
# is ours.
#
# Exit: the script's status; 124 when VM_TIMEOUT (seconds, default 900)
# ran out; 125 when the guest gave no status (it did not boot: the end of
# its console is printed).  Never waits longer than VM_TIMEOUT + 10 s.
#
# Acceleration: KVM when /dev/kvm is usable and not PVM (kvm_pvm runs
# only PVM guest kernels; a stock kernel hangs there), else TCG.
# VM_ACCEL=kvm|tcg overrides.  VM_MEM (MiB, 2048), VM_CPUS (2).
set -uo pipefail

die() {
	echo "run.sh: $*" >&2
	exit 125
}

[ $# = 3 ] || die "usage: run.sh IMAGEDIR PAYLOAD SCRIPT"
img=$1
payload=$2
script=$3
for f in initrd.img root.img; do
	[ -e "$img/$f" ] || die "$img/$f missing (run setup.sh)"
done
[ "$payload" = - ] || [ -f "$payload" ] || die "$payload: no such file"
[ -f "$script" ] || die "$script: no such file"
command -v qemu-system-x86_64 >/dev/null ||
	die "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"

kernel=$img/vmlinux
[ -e "$kernel" ] || kernel=$img/vmlinuz
accel=${VM_ACCEL:-}
if [ -z "$accel" ]; then
	if [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ]; then
		accel=kvm
	else
		accel=tcg
	fi
fi
if [ "$accel" = kvm ]; then
	machine=(-accel kvm -cpu host)
	append=
else
	machine=(-accel "tcg,thread=multi,tb-size=256" -cpu max)
	append=tsc=reliable	# the hpet clocksource is slow under TCG
fi
echo "run.sh: booting with $accel" >&2

ctl=$(mktemp -d "${TMPDIR:-/tmp}/sandrun-vm.XXXXXX")
trap 'rm -rf "$ctl"' EXIT
cp "$script" "$ctl/cmd"
mkfifo "$ctl/out" "$ctl/err"
cat "$ctl/out" &
cat_out=$!
cat "$ctl/err" >&2 &
cat_err=$!
# Hold the write ends so the readers see EOF only when we close them.
exec 5>"$ctl/out" 6>"$ctl/err"

q() { printf '%s' "${1//,/,,}"; }	# commas in qemu option values
args=(
	-nodefaults -no-user-config -display none -no-reboot
	-machine q35 "${machine[@]}" -smp "${VM_CPUS:-2}" -m "${VM_MEM:-2048}"
	-kernel "$kernel" -initrd "$img/initrd.img"
	-append "root=/dev/vda rw console=ttyS0 $append mitigations=off quiet loglevel=3 systemd.show_status=false fsck.mode=skip panic=-1"
	-drive "file=$(q "$img/root.img"),if=virtio,format=raw,snapshot=on,cache=unsafe"
	-virtfs "local,path=$(q "$ctl"),mount_tag=vmctl,security_model=none"
	-device virtio-serial-pci
	-chardev "file,id=vout,path=$(q "$ctl/out"),append=on"
	-device "virtserialport,chardev=vout,name=vm.stdout"
	-chardev "file,id=verr,path=$(q "$ctl/err"),append=on"
	-device "virtserialport,chardev=verr,name=vm.stderr"
	-device virtio-rng-pci -nic none
	-serial "file:$ctl/console.log"
)
[ "$payload" = - ] ||
	args+=(-drive "file=$(q "$payload"),if=virtio,format=raw,readonly=on")

timeout -k 10 "${VM_TIMEOUT:-900}" qemu-system-x86_64 "${args[@]}" \
	</dev/null 5>&- 6>&- &
qpid=$!
trap 'kill -TERM $qpid 2>/dev/null' INT TERM HUP
while :; do
	wait $qpid
	qrc=$?
	kill -0 $qpid 2>/dev/null || break
done
exec 5>&- 6>&-
wait $cat_out $cat_err
if [ -f "$ctl/rc" ]; then
	rc=$(cat "$ctl/rc")
	[ -f "$ctl/stdout" ] && cat "$ctl/stdout"
	[ -f "$ctl/stderr" ] && cat "$ctl/stderr" >&2
elif [ "$qrc" = 124 ]; then
	echo "run.sh: the guest ran out of time (${VM_TIMEOUT:-900} s); console tail:" >&2
	tail -n 30 "$ctl/console.log" >&2
	rc=124
else
	echo "run.sh: no exit status from the guest (qemu exit $qrc); console tail:" >&2
	tail -n 30 "$ctl/console.log" >&2
	rc=125
fi
exit "$rc"
