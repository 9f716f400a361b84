#!/bin/bash
# tests/vm/check-vm.sh SRCDIR BUILDDIR - `make check-vm`: run the cgroup v2
# suites in a Debian 12 guest (its own 6.1 kernel, systemd, cgroup v2).
#
# The guest image is built once by setup.sh (root, ~2 minutes) and cached
# in $SANDRUN_VM_CACHE (default /var/cache/sandrun-vm for root, else
# ${XDG_CACHE_HOME:-~/.cache}/sandrun-vm), under a key that is a hash of
# setup.sh and guest-init.sh: changing either builds a new image.  The
# host's build is copied in (the guest has the same Debian 12 userland,
# so the host binary runs there) at the same paths, and guest-tests.sh
# runs the suites as root and as a user in a delegated scope.
#
# Exit: non-zero when the guest does not boot, times out (VM_TIMEOUT,
# default 1200 s) or any suite fails.
set -euo pipefail

die() {
	echo "check-vm: $*" >&2
	exit 1
}

[ $# = 2 ] || die "usage: check-vm.sh SRCDIR BUILDDIR"
src=$(cd "$1" && pwd -P)
build=$(cd "$2" && pwd -P)
here=$src/tests/vm
[ -x "$build/src/sandrun" ] || die "$build/src/sandrun: build first"
[ -x "$build/tests/unit/test_cgroup" ] ||
	die "$build/tests/unit/test_cgroup: run make check-vm from the build dir"
if [ "$(id -u)" = 0 ]; then
	cache=${SANDRUN_VM_CACHE:-/var/cache/sandrun-vm}
else
	cache=${SANDRUN_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sandrun-vm}
fi
key=$(cat "$here/setup.sh" "$here/guest-init.sh" | sha256sum | cut -c1-16)
img=$cache/$key
t0=$(date +%s)

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock -w 900 9 || die "another check-vm holds $cache/.lock"
if [ ! -f "$img/root.img" ]; then
	[ "$(id -u)" = 0 ] || die "no guest image in $img; run make check-vm as root once to build it"
	echo "check-vm: building the guest image in $img" >&2
	rm -rf "$img"
	"$here/setup.sh" "$img" || die "setup.sh failed"
	# images of older setup scripts
	find "$cache" -mindepth 1 -maxdepth 1 -type d ! -name "$key" \
		-exec rm -rf {} +
fi
echo "check-vm: guest image $img ready after $(($(date +%s) - t0)) s" >&2

work=$(mktemp -d "${TMPDIR:-/tmp}/check-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT
stage=$work/stage
mkdir -p "$stage$src" "$stage$build/src" "$stage$build/tests/unit"
# The directories on the way keep the host's modes (/tmp stays 1777).
for top in "$src" "$build"; do
	d=$top
	while [ "$d" != / ]; do
		chmod --reference="$d" "$stage$d"
		d=$(dirname "$d")
	done
done
tar -C "$src" --exclude=.git --exclude=autom4te.cache -cf - . |
	tar -C "$stage$src" -xf -
cp "$build/src/sandrun" "$stage$build/src/"
cp "$build/tests/unit/test_cgroup" "$stage$build/tests/unit/"
mkfs.ext4 -q -F -E root_owner=0:0 -d "$stage" "$work/payload.img" 128M
{
	printf 'SRC=%q\nBUILD=%q\n' "$src" "$build"
	cat "$here/guest-tests.sh"
} >"$work/cmd.sh"

rc=0
VM_TIMEOUT=${VM_TIMEOUT:-1200} "$here/run.sh" "$img" "$work/payload.img" \
	"$work/cmd.sh" || rc=$?
echo "check-vm: exit $rc after $(($(date +%s) - t0)) s" >&2
exit "$rc"
