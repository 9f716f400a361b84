#!/bin/bash
# tests/vm/setup.sh - build the Debian 12 guest that `make check-vm` boots.
#
#   tests/vm/setup.sh DIR
#
# Writes into DIR (created; must be outside the source tree):
#   vmlinux | vmlinuz  the guest's own Debian 12 kernel (6.1); vmlinux is the
#                      uncompressed ELF, which qemu boots through the PVH
#                      entry (seconds faster under TCG)
#   initrd.img         busybox + the modules needed to mount /dev/vda
#   root.img           ext4 root: systemd (cgroup v2), user `tester` (uid
#                      1000, lingering so user@1000.service runs, with an
#                      /etc/subuid range for newuidmap), bats, jq,
#                      python3, uidmap and sandrun's runtime libraries, and
#                      vm-guest.service, which runs the host's command
#                      (see run.sh) and powers off
# Root only; needs debootstrap, mkfs.ext4 and a Debian mirror (the host's
# own, or MIRROR).  About two minutes.  run.sh boots root.img with
# snapshot=on, so every boot starts from the same pristine image.
set -euo pipefail

die() {
	echo "setup.sh: $*" >&2
	exit 1
}

[ $# = 1 ] || die "usage: setup.sh DIR"
[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot)"
for c in debootstrap mkfs.ext4 chroot; do
	command -v "$c" >/dev/null || die "$c not found (apt-get install debootstrap e2fsprogs)"
done
out=$1
mirror=${MIRROR:-$(awk '/^URIs:/ { print $2; exit }' \
	/etc/apt/sources.list.d/debian.sources 2>/dev/null || true)}
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
mkdir -p "$out"
work=$(mktemp -d "$out/build.XXXXXX")
trap 'umount "$work/root/proc" 2>/dev/null || true; rm -rf "$work"' EXIT
root=$work/root
t0=$(date +%s)
log() { echo "[setup +$(($(date +%s) - t0))s] $*" >&2; }

pkgs=systemd,systemd-sysv,udev,dbus,dbus-user-session,libpam-systemd
pkgs+=,linux-image-amd64,initramfs-tools,kmod,busybox-static,procps
pkgs+=,python3,bats,bats-assert,bats-support,jq,file,psmisc,iproute2
pkgs+=,libseccomp2,libcjson1,libbsd0,libmd0,uidmap
log "debootstrap bookworm from $mirror"
if ! debootstrap --variant=minbase --include="$pkgs" bookworm "$root" \
	"$mirror" >"$work/debootstrap.log" 2>&1; then
	tail -n 20 "$work/debootstrap.log" >&2
	die "debootstrap failed"
fi

log "configuring the guest"
echo sandrun-vm >"$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 sandrun-vm\n' >"$root/etc/hosts"
echo '/dev/vda / ext4 rw,noatime 0 0' >"$root/etc/fstab"
chroot "$root" useradd -m -u 1000 -s /bin/bash tester
# a subordinate uid range, as Debian's useradd gives a new user when
# /etc/subuid exists: tester's sandboxes get a uid of their own (#16)
grep -q '^tester:' "$root/etc/subuid" 2>/dev/null ||
	chroot "$root" usermod --add-subuids 100000-165535 --add-subgids 100000-165535 tester
chroot "$root" passwd -d root >/dev/null
mkdir -p "$root/var/lib/systemd/linger"
touch "$root/var/lib/systemd/linger/tester"
printf '%s\n' 9p 9pnet_virtio virtio_console \
	>"$root/etc/modules-load.d/sandrun-vm.conf"
install -m 755 "$(dirname "$0")/guest-init.sh" "$root/usr/local/sbin/vm-guest"
cat >"$root/etc/systemd/system/vm-guest.service" <<'UNIT'
[Unit]
Description=sandrun VM test command
After=multi-user.target user@1000.service
Wants=user@1000.service
FailureAction=poweroff-force

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/vm-guest
Environment=HOME=/root LANG=C.UTF-8
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
UNIT
chroot "$root" systemctl enable vm-guest.service >/dev/null 2>&1
# Nothing interactive or periodic; under TCG every unit costs boot time.
chroot "$root" systemctl mask getty.target serial-getty@ttyS0.service \
	getty@tty1.service apt-daily.timer apt-daily-upgrade.timer \
	dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service \
	fstrim.timer systemd-pstore.service modprobe@drm.service \
	modprobe@loop.service modprobe@dm_mod.service modprobe@fuse.service \
	sys-fs-fuse-connections.mount sys-kernel-debug.mount \
	sys-kernel-tracing.mount systemd-binfmt.service \
	proc-sys-fs-binfmt_misc.automount systemd-update-utmp.service \
	systemd-update-utmp-runlevel.service systemd-journal-flush.service \
	systemd-tmpfiles-clean.timer ldconfig.service >/dev/null 2>&1

log "kernel and initramfs"
kver=$(find "$root/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' |
	sort -V | tail -n 1)
cp "$root/boot/vmlinuz-$kver" "$work/vmlinuz"
# Debian's bzImage carries an xz payload; the ELF inside boots via PVH.
python3 - "$root/boot/vmlinuz-$kver" "$work/vmlinux" <<'PY' || true
import lzma, sys
d = open(sys.argv[1], "rb").read()
elf = lzma.LZMADecompressor().decompress(d[d.find(b"\xfd7zXZ\x00"):])
if elf[:4] == b"\x7fELF":
    open(sys.argv[2], "wb").write(elf)
PY
mount -t proc proc "$root/proc"
ird=$work/initramfs
mkdir -p "$ird/bin" "$ird/m" "$ird/dev" "$ird/proc" "$ird/newroot"
cp "$root/bin/busybox" "$ird/bin/busybox"
for m in virtio_pci virtio_blk crc32c_generic ext4; do
	chroot "$root" modprobe -S "$kver" --show-depends "$m" | awk '{ print $2 }'
done | awk '!seen[$0]++' | while read -r ko; do
	cp "$root$ko" "$ird/m/"
	echo "${ko##*/}" >>"$ird/m/order"
done
umount "$root/proc"
cat >"$ird/init" <<'INIT'
#!/bin/busybox sh
b=/bin/busybox
$b mount -t proc proc /proc
$b mount -t devtmpfs devtmpfs /dev
for m in $($b cat /m/order); do $b insmod /m/$m; done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 500 ]; do $b usleep 10000; i=$((i + 1)); done
$b mount -o rw /dev/vda /newroot || $b poweroff -f
$b umount /proc /dev
exec $b switch_root /newroot /sbin/init
INIT
chmod 755 "$ird/init"
(cd "$ird" && find . | "$root/bin/busybox" cpio -o -H newc 2>/dev/null) \
	>"$work/initrd.img"

log "root.img"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
mkfs.ext4 -q -F -L sandrun-vm -E root_owner=0:0 -d "$root" "$work/root.img" 3G
for f in vmlinux vmlinuz initrd.img root.img; do
	[ -e "$work/$f" ] && mv "$work/$f" "$out/$f"
done
log "done: $out"
