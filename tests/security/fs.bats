#!/usr/bin/env bats
# SECURITY.md section A: filesystem.

load sec_helpers

setup() {
	require_userns
	canaries_setup
}

teardown() {
	canaries_teardown
}

@test "A1 write through read-only binds: EROFS/EACCES, host files unchanged" {
	local os_py before
	os_py=$(/usr/bin/python3 -c 'import os; print(os.__file__)')
	before=$(sha256sum "$os_py" /etc/passwd /etc/ld.so.cache "$SANDRUN" /usr/bin/python3 | sha256sum)
	probe write_ro
	status_is ok
	hasnt '^WRITABLE'
	has "DENIED $os_py EACCES"
	has "DENIED /usr/bin/new EROFS"
	has "DENIED /etc/passwd EROFS"
	has "DENIED /lib/new EROFS"
	has "DENIED /etc/new EROFS"
	[ "$before" = "$(sha256sum "$os_py" /etc/passwd /etc/ld.so.cache "$SANDRUN" /usr/bin/python3 | sha256sum)" ]
}

@test "A3 sub-mounts and flags: all ro except the writable tmpfs, all nosuid, nodev except /dev nodes" {
	probe mounts
	status_is ok
	[ "$(grep -c '^MOUNT ' <<<"$text")" -ge 10 ]
	# writable: only the declared tmpfs (and /proc itself, whose files are
	# the kernel's: /proc/sys etc. are checked below and in E58)
	run_w=$(grep '^MOUNT ' <<<"$text" | awk '$4 == "rw" {print $2}' | sort | tr '\n' ' ')
	for m in $run_w; do
		case "$m" in
		/tmp | /dev/shm | /sandbox | /home/sandbox | /proc | /dev/pts | /dev/null | /dev/zero | /dev/full | /dev/random | /dev/urandom | /dev/tty) ;;
		*) echo "unexpected rw mount: $m" >&2; return 1 ;;
		esac
	done
	hasnt '^MOUNT .* suid '
	# nodev everywhere except /dev (no nodes can be created there: ro), its
	# bound nodes and the private devpts instance (its own ptys only)
	grep '^MOUNT ' <<<"$text" | awk '$6 == "dev" {print $2}' | while read -r m; do
		case "$m" in /dev | /dev/pts | /dev/null | /dev/zero | /dev/full | /dev/random | /dev/urandom | /dev/tty) ;;
		*) echo "mount without nodev: $m" >&2; exit 1 ;; esac
	done
	# a file can be created only on the writable tmpfs
	grep '^MOUNT ' <<<"$text" | grep 'create=yes' | awk '{print $2}' | while read -r m; do
		case "$m" in /tmp | /dev/shm | /sandbox | /home/sandbox) ;;
		*) echo "writable: $m" >&2; exit 1 ;; esac
	done
	for m in /proc/sys /proc/bus /proc/fs /proc/irq /usr /dev; do
		grep -q "^MOUNT $m [a-z0-9]* ro " <<<"$text" || { echo "$m not ro" >&2; return 1; }
	done
}

@test "A4 old root detached after pivot_root; no host path; chroot denied" {
	probe oldroot "$CWD_DIR" "$HOME"
	status_is ok
	# opt: the python policy's figures backend (/opt/sandrun/python)
	has "LIST /.. bin dev etc home lib lib64 opt proc sandbox sbin tmp usr" ||
		has "LIST /.. bin dev etc home lib opt proc sandbox sbin tmp usr"
	hasnt '^MOUNTED'
	hasnt "^EXISTS $CWD_DIR"
	hasnt '^EXISTS /(root|oldroot|old_root|.oldroot|mnt|media)$'
	has "CHROOT EPERM"
	# PID 1 inside is sandrun's init (own pid namespace), not a host process
	run -0 "$SANDRUN" -p sh --exec -- sh -c 'tr "\0" " " </proc/1/cmdline; echo; echo "SELF $$"'
	assert_line --regexp '^sandrun'
	self=$(sed -n 's/^SELF //p' <<<"$output")
	[ "$self" -ge 2 ] && [ "$self" -lt 50 ]
	# mountinfo inside names no host path
	run "$SANDRUN" -p sh --exec -- cat /proc/self/mountinfo
	refute_output --partial "$CWD_DIR"
	refute_output --partial " /root "
	refute_output --partial "/home/"$'\n'
}

@test "A7 the caller's secrets: ENOENT/EACCES and no nonce in the output" {
	mkdir -p "$CWD_DIR/.ssh"
	echo "$NONCE" >"$CWD_DIR/.ssh/id_rsa"
	cd "$CWD_DIR"
	probe read_secrets "$HOME/.ssh/id_rsa" "$HOME/.aws/credentials" "$HOME/.netrc" "$CWD_DIR/.ssh/id_rsa" \
		"$SANDRUN_SRCDIR/policies/python.json" "$CWD_DIR/canary.txt"
	status_is ok
	hasnt '^READ '
	hasnt '^DIR /(root|var/lib|etc/sandrun)'
	has "DENIED /etc/shadow ENOENT"
	has "DENIED $CWD_DIR/canary.txt ENOENT"
	has "DENIED $SANDRUN_SRCDIR/policies/python.json ENOENT"
	probe find_nonce "$NONCE" /etc /home /tmp /dev /sandbox /root /var /run "$HOME" "$CWD_DIR"
	hasnt '^FOUND'
	[ "$(sed -n 's/^SCANNED //p' <<<"$text")" -gt 10 ]
	no_nonce
}

@test "A8 private /tmp, /dev/shm, /run, /var/tmp: host canaries invisible, sandbox writes stay inside" {
	mark="pwn-$NONCE"
	probe tmpdirs "/tmp/$mark" "/dev/shm/$mark"
	status_is ok
	has "WROTE /tmp/$mark"
	has "WROTE /dev/shm/$mark"
	has "LS /tmp 0"
	has "LS /dev/shm 0"
	has "LS /run ENOENT"
	has "LS /var/tmp ENOENT"
	has "LS /tmp/.X11-unix ENOENT"
	[ ! -e "/tmp/$mark" ]
	[ ! -e "/dev/shm/$mark" ]
	probe find_nonce "$NONCE" /tmp /dev/shm
	hasnt '^FOUND'
}

@test "A9 device nodes: only null zero full random urandom tty; mknod denied" {
	probe devices
	status_is ok
	has "DEV fd full null ptmx pts random shm stderr stdin stdout tty urandom zero"
	hasnt '^OPENED'
	hasnt '^MKNOD ok'
	has "MKNOD EPERM"
	has "MKFIFO ok"
}

@test "A10 setuid binaries are inert: no euid change, NoNewPrivs 1, binds nosuid" {
	probe setuid
	status_is ok
	has "NNP 1"
	has "EUID 1000"
	hasnt 'uid0=yes'
	# the oracle: the host's setuid/setgid files in /usr/bin and /usr/sbin
	# (world-readable directories) are all seen inside, and each one that
	# was run stayed at the caller's uid
	host=$(find /usr/bin /usr/sbin -maxdepth 1 -type f -perm /6000 | wc -l)
	[ "$host" -gt 0 ] || need "no setuid binary in /usr/bin or /usr/sbin to try"
	[ "$(sed -n 's/^SUIDCOUNT //p' <<<"$text")" -ge "$host" ]
	[ "$(grep -c '^SUID /usr/s\{0,1\}bin/.* uid0=no$' <<<"$text")" -ge 1 ]
	probe mounts
	grep -q '^MOUNT /usr ext4 ro nosuid' <<<"$text" || grep -q '^MOUNT /usr [a-z0-9]* ro nosuid' <<<"$text"
}

@test "A12 state poisoning across runs: run 2 sees fresh tmpfs, policy unchanged" {
	local pol_before
	pol_before=$(sha256sum "$SANDRUN_SRCDIR"/policies/*.json | sha256sum)
	probe persist write
	status_is ok
	has "WROTE /tmp/persist"
	has "ABSENT /usr/share/sandrun"
	has "ABSENT /etc/sandrun"
	h1=$(printf '%s' "$output" | jq -r .policy.sha256)
	probe persist check
	status_is ok
	has "GONE /tmp/persist"
	has "GONE /dev/shm/persist"
	has "GONE /home/sandbox/persist"
	has "GONE /sandbox/persist"
	[ "$h1" = "$(printf '%s' "$output" | jq -r .policy.sha256)" ]
	[ "$pol_before" = "$(sha256sum "$SANDRUN_SRCDIR"/policies/*.json | sha256sum)" ]
}

@test "A13 exec from tmpfs follows the policy's exec choice; memfd stays denied" {
	# default: /tmp and the work dir executable, /dev/shm not (sandrun-policy(5))
	probe noexec
	status_is ok
	has "EXEC elf ran"
	has "EXEC script ran"
	has "EXEC memfd EPERM"
	probe noexec /dev/shm
	status_is ok
	has "EXEC elf EACCES"
	has "EXEC script EACCES"
	has "EXEC memfd EPERM"
	# an interpreter reading a file it may read is not an exec (documented)
	has "EXEC procfd-interp ran"
	# a policy choosing noexec: ELF and script denied alike
	pol=$(mktemp "$BATS_TEST_TMPDIR/p.XXXXXX.json")
	printf '{"extends": "python", "exec": {"tmp": false, "work": false}}' >"$pol"
	SR_OPTS="-p $pol" probe noexec
	status_is ok
	has "EXEC elf EACCES"
	has "EXEC script EACCES"
	SR_OPTS="-p $pol" probe noexec /sandbox
	has "EXEC elf EACCES"
}

@test "A mount steps resolve inside the new root: a policy link to / reaches no host path" {
	victim=$(mktemp -d /var/tmp/sr-victim.XXXXXX)
	chmod 777 "$victim"
	pol=$(mktemp "$BATS_TEST_TMPDIR/p.XXXXXX.json")
	cat >"$pol" <<-EOF
	{"extends": "sh", "filesystem": {"append": [
	 {"type": "symlink", "dst": "/esc", "target": "/"},
	 {"type": "dir", "dst": "/esc$victim/d"},
	 {"type": "file", "dst": "/esc$victim/f", "content": "x"},
	 {"type": "tmpfs", "dst": "/esc$victim/t", "size": "1M"},
	 {"type": "symlink", "dst": "/esc2", "target": "$victim"},
	 {"type": "ro", "src": "/usr/share", "dst": "/esc2/share"}
	]}}
	EOF
	run "$SANDRUN" -p "$pol" --exec -- sh -c "ls $victim; ls /esc2/share >/dev/null && echo shared"
	host=$(ls -A "$victim")
	rm -rf "$victim"
	[ "$status" -eq 0 ]
	[ "$host" = "" ]
	[[ "$output" == *"d"*"f"*"shared"* ]]
}
