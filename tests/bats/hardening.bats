#!/usr/bin/env bats
# The binary keeps its hardening however configure linked it
# (--enable-static-deps or not, sanitizers or not): position-independent,
# full RELRO with immediate binding, no executable stack, the stack
# protector and, outside sanitizer builds, FORTIFY.

load helpers

setup() {
	require_cmd readelf
}

@test "the binary is a position-independent executable" {
	run -0 readelf -hW "$SANDRUN"
	assert_output --regexp 'Type: +DYN '
	run -0 readelf -dW "$SANDRUN"
	assert_output --regexp 'FLAGS_1\).*Flags:.* PIE'
}

@test "the binary has full RELRO: a GNU_RELRO segment and BIND_NOW" {
	run -0 readelf -lW "$SANDRUN"
	assert_output --partial 'GNU_RELRO'
	run -0 readelf -dW "$SANDRUN"
	assert_output --regexp '\(FLAGS\) +.*BIND_NOW'
	assert_output --regexp 'FLAGS_1\).*Flags:.* NOW'
	# no lazy binding left to resolve through a writable GOT
	refute_output --partial '(TEXTREL)'
}

@test "the stack is not executable" {
	run -0 readelf -lW "$SANDRUN"
	assert_output --regexp 'GNU_STACK( +0x[0-9a-f]+){5} RW '
}

@test "the stack protector and FORTIFY checks are linked in" {
	run -0 readelf --dyn-syms -W "$SANDRUN"
	assert_output --partial '__stack_chk_fail'
	# configure leaves _FORTIFY_SOURCE out of sanitizer builds
	if readelf -dW "$SANDRUN" | grep -q 'libasan\|libubsan'; then
		return 0
	fi
	assert_output --regexp '__(memcpy|snprintf|read|strcpy)_chk'
}
