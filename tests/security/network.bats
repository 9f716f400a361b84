#!/usr/bin/env bats
# SECURITY.md section D: network.

load sec_helpers

setup() {
	require_userns
	canaries_setup
	listeners_start
}

teardown() {
	listeners_stop
	canaries_teardown
}

@test "D44 outbound internet: unreachable, no resolution" {
	probe connect tcp 1.1.1.1 53 udp 8.8.8.8 53 tcp 8.8.8.8 443 tcp 2606:4700::1111 443
	status_is ok
	hasnt ' OK$'
	has "CONNECT tcp 1.1.1.1 53 ENETUNREACH"
	probe resolve example.com localhost6.invalid
	has "RESOLVE example.com FAIL"
	# an HTTP client that is always there (the python policy's own)
	run "$SANDRUN" --json -p python <<'PY'
import urllib.request
for url in ("http://example.com/", "http://1.1.1.1/", "http://[2606:4700::1111]/"):
    try:
        urllib.request.urlopen(url, timeout=2)
        print("FETCHED", url)
    except Exception as e:
        print("FAIL", url, type(e).__name__)
PY
	[ "$(json .status)" = ok ]
	text=$(json .stdout.text)
	grep -q '^FAIL http://example.com/ ' <<<"$text"
	grep -q '^FAIL http://1.1.1.1/ ' <<<"$text"
	grep -q '^FAIL http://\[2606:4700::1111\]/ ' <<<"$text"
	[ "$(grep -c FETCHED <<<"$text")" = 0 ]
}

@test "D45 host loopback services (TCP/UDP, v4/v6): unreachable, the listener logs nothing" {
	probe connect tcp 127.0.0.1 "$LPORT" tcp ::1 "$LPORT" udp 127.0.0.1 "$LPORT" udp ::1 "$LPORT"
	status_is ok
	hasnt ' OK$'
	SR_OPTS="--network loopback" probe connect tcp 127.0.0.1 "$LPORT" tcp ::1 "$LPORT" udp 127.0.0.1 "$LPORT"
	hasnt ' OK$'
	has "CONNECT tcp 127.0.0.1 $LPORT ECONNREFUSED"
	sleep 0.2
	[ ! -s "$LISTEN_LOG" ]
}

@test "D47 host filesystem sockets and the abstract canary: unreachable" {
	python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind("\0canary-" + sys.argv[1]); s.listen(1); time.sleep(20)' "$NONCE" &
	apid=$!
	sleep 0.2
	probe unix_sockets "${SSH_AUTH_SOCK:-/tmp/none}" "@canary-$NONCE"
	kill $apid
	status_is ok
	hasnt ' OK$'
	has "UNIX /var/run/docker.sock ENOENT"
	has "UNIX /run/dbus/system_bus_socket ENOENT"
	has "UNIX /var/run/nscd/socket ENOENT"
	has "UNIX @<abstract> ECONNREFUSED"
	no_nonce
}

@test "D48 link-local metadata endpoints: unreachable, also with networking enabled" {
	probe connect tcp 169.254.169.254 80 tcp fd00:ec2::254 80
	hasnt ' OK$'
	SR_OPTS="--network loopback" probe connect tcp 169.254.169.254 80 tcp fd00:ec2::254 80
	hasnt ' OK$'
}

@test "D50 listening inside is fine but stays inside: no port published" {
	port=$((20000 + RANDOM % 20000))
	SR_OPTS="--network loopback" SR_T=10s probe serve "$port" 2 &
	ppid=$!
	sleep 0.7
	run python3 -c 'import socket, sys
s = socket.socket(); s.settimeout(1)
try: s.connect(("127.0.0.1", int(sys.argv[1]))); print("CONNECTED")
except OSError as e: print("refused", e.errno)' "$port"
	host_out=$output
	wait $ppid
	[[ "$host_out" == refused* ]]
	run "$SANDRUN" --json --network loopback -t 10s "$PROBE" -- serve "$port" 0.5
	text=$(json .stdout.text)
	has "BIND OK"
	has "NOCONN"
}
