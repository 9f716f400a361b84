#!/usr/bin/env bats
# The compiled-BPF cache (src/filter_cache.h): whatever state the cache
# is in, the run installs a filter equal to a fresh build (the entry a
# damaged one is replaced with is byte-identical to the first one
# written, and a call the policy refuses is still refused).

load helpers

setup() {
	require_userns
	export XDG_CACHE_HOME="$BATS_TEST_TMPDIR/cache"
	mkdir -p "$XDG_CACHE_HOME"
	dir="$XDG_CACHE_HOME/sandrun/bpf"
}

# chroot is refused by every policy; a run that still refuses it got the
# real filter.
probe() {
	run sandrun -p python --exec -- /usr/bin/python3 -c '
import os
try:
    os.chroot("/")
    print("allowed")
except OSError as e:
    print("refused", e.errno)'
	assert_success
	assert_output --partial "refused"
}

entry() {
	ls "$dir"/*.bpf
}

@test "filter cache: the first run stores an entry 0600 in a 0700 dir" {
	probe
	[ "$(ls "$dir" | wc -l)" = 1 ]
	[ "$(stat -c %a "$dir")" = 700 ]
	[ "$(stat -c %a "$(entry)")" = 600 ]
	[ "$(stat -c %u "$(entry)")" = "$(id -u)" ]
	probe
	[ "$(ls "$dir" | wc -l)" = 1 ]
}

@test "filter cache: a tampered entry is rebuilt, equal to the first" {
	probe
	e=$(entry)
	cp "$e" "$BATS_TEST_TMPDIR/good"
	size=$(stat -c %s "$e")
	printf '\377' | dd of="$e" bs=1 seek=$((size - 12)) conv=notrunc status=none
	! cmp -s "$e" "$BATS_TEST_TMPDIR/good"
	probe
	cmp "$e" "$BATS_TEST_TMPDIR/good"
}

@test "filter cache: a group-readable entry is rebuilt" {
	probe
	e=$(entry)
	cp "$e" "$BATS_TEST_TMPDIR/good"
	chmod 0644 "$e"
	probe
	[ "$(stat -c %a "$e")" = 600 ]
	cmp "$e" "$BATS_TEST_TMPDIR/good"
}

@test "filter cache: an entry owned by another user is rebuilt" {
	require_root
	probe
	e=$(entry)
	cp "$e" "$BATS_TEST_TMPDIR/good"
	chown 65534:65534 "$e"
	probe
	[ "$(stat -c %u "$e")" = 0 ]
	cmp "$e" "$BATS_TEST_TMPDIR/good"
}

@test "filter cache: not used when a --bind-rw reaches it" {
	mkdir -p "$dir"
	chmod 700 "$XDG_CACHE_HOME/sandrun" "$dir"
	run sandrun -p python --bind-rw "$XDG_CACHE_HOME:/mnt" --exec -- \
	    /usr/bin/python3 -c '
import os
try:
    os.chroot("/")
    print("allowed")
except OSError as e:
    print("refused", e.errno)'
	assert_success
	assert_output --partial "refused"
	[ -z "$(ls -A "$dir")" ]
}

@test "filter cache: concurrent first runs leave one good entry" {
	pids=
	for i in 1 2 3 4 5 6; do
		sandrun -p python --exec -- /usr/bin/python3 -c pass &
		pids="$pids $!"
	done
	for p in $pids; do
		wait "$p"
	done
	[ "$(ls -A "$dir" | wc -l)" = 1 ]
	cp "$(entry)" "$BATS_TEST_TMPDIR/good"
	rm -f "$dir"/*.bpf
	probe
	cmp "$(entry)" "$BATS_TEST_TMPDIR/good"
}
