#!/usr/bin/env bats
# Networking: an address per container on the default bridge, published
# ports forwarded by the kernel (nftables DNAT), containers reaching each
# other, and nothing left behind.  Real packets, only to loopback, to the
# bridge and to addresses inside the namespaces these tests create.

load helpers

bats_require_minimum_version 1.5.0

setup() {
	command -v nft >/dev/null || skip "nft is not installed (apt-get install nftables)"
	TEST_TMP=$(mktemp -d "${BATS_TMPDIR:-/tmp}/berth-test.XXXXXX")
	STATE=$TEST_TMP/state
	b import --change 'CMD ["sh"]' "$(busybox_tar)" busybox:latest >/dev/null
	TESTINIT_BIN=$BERTH_BUILD/tests/helpers/berth-testinit
}

teardown() {
	local ids
	ids=$(b ps -aq --no-trunc 2>/dev/null)
	[ -z "$ids" ] || b rm -f $ids >/dev/null 2>&1
	local leaked=()
	grep -q " $TEST_TMP/" /proc/self/mountinfo && leaked+=("mount")
	local l
	for l in ${EXTRA_LINKS:-}; do ip link del "$l" 2>/dev/null; done
	[ -z "$(table)" ] || ! nft list table ip "$(table)" >/dev/null 2>&1 || leaked+=("nft table")
	net_teardown
	cd /
	unmount_below "$TEST_TMP"
	rm -rf "$TEST_TMP"
	if [ ${#leaked[@]} -gt 0 ]; then
		echo "leaked: ${leaked[*]}" >&2
		return 1
	fi
}

# The test root's default network: its bridge, its gateway, its table.
net() { jq -r ".$1" "$TEST_TMP/root/networks/bridge.json"; }
table() { # berth_<FNV-1a of the root>, as network_table_name makes it
	[ -f "$TEST_TMP/root/networks/bridge.json" ] || return 0
	python3 - "$(cd "$TEST_TMP/root" && pwd)" <<-'PY'
		import sys
		h = 2166136261
		for c in sys.argv[1].encode():
		    h = ((h ^ c) * 16777619) & 0xffffffff
		print("berth_%08x" % h)
	PY
}

# tcp_get HOST PORT: the first line a TCP server at HOST:PORT sends (after
# an empty line from us), retried while it starts.
tcp_get() {
	local i out
	for i in $(seq 50); do
		out=$( (exec 3<>"/dev/tcp/$1/$2" && echo >&3 && timeout 5 head -1 <&3) 2>/dev/null) || true
		[ -n "$out" ] && { echo "$out"; return 0; }
		sleep 0.1
	done
	return 1
}

# udp_ask HOST PORT TEXT: the answer to one datagram.
udp_ask() {
	python3 - "$@" <<-'PY'
		import socket, sys
		s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
		s.settimeout(0.5)
		for _ in range(20):
		    s.sendto(sys.argv[3].encode(), (sys.argv[1], int(sys.argv[2])))
		    try:
		        print(s.recvfrom(1024)[0].decode()); sys.exit(0)
		    except socket.timeout:
		        pass
		sys.exit(1)
	PY
}

# A TCP server in a container: answers each connection with TEXT.
serve_tcp() { # serve_tcp PORT TEXT
	echo "nc -ll -p $1 -e echo $2"
}

@test "run: an address on the default bridge, a default route, /etc/hosts; nothing left after" {
	run b run --rm --hostname web1 busybox sh -c 'ip -4 -o addr show eth0; ip route; grep web1 /etc/hosts'
	assert_success
	local gw prefix
	gw=$(net gateway)
	prefix=$(net subnet | cut -d/ -f2)
	assert_line --regexp "eth0 +inet ${gw%.1}\.[0-9]+/$prefix "
	assert_line --partial "default via $gw dev eth0"
	assert_line --regexp "^${gw%.*}\.[0-9]+	web1"
	[ "$(net interface)" != "" ]
	ip link show "$(net interface)" >/dev/null
	# nothing of the container is left: lease, namespace, nftables table
	run ls "$TEST_TMP/run/networks/bridge/leases"
	refute_output --regexp '[0-9]+\.[0-9]+'
	run ls "$TEST_TMP/run/netns"
	assert_output ""
	run nft list table ip "$(table)"
	assert_failure
	# its veth goes with its namespace (the kernel takes it down)
	local i
	for i in $(seq 50); do
		[ -z "$(ip -o link show master "$(net interface)")" ] && break
		sleep 0.1
	done
	assert_equal "$(ip -o link show master "$(net interface)")" ""
}

@test "network modes: none has only lo, host the host's interfaces; an unknown network is an error" {
	run b run --rm --network none busybox ip -o link
	assert_success
	assert_line --partial ": lo:"
	refute_line --partial "eth0"
	run b run --rm --network host busybox ip -o link
	assert_success
	assert_output --partial "$(ip -o link | head -1 | cut -d: -f2)"
	run b run --rm --network nosuchnet busybox true
	assert_failure 125
	assert_output "berth: network nosuchnet not found"
	run b ps -aq
	assert_output ""
}

@test "published ports: TCP on 127.0.0.1, the bridge's and the host's addresses; UDP; port, ps, inspect" {
	local id
	id=$(b run -d -p 18080:80 -p 127.0.0.1::81 -p 18053:53/udp \
		-v "$TESTINIT_BIN:/berth-testinit:ro" busybox sh -c \
		"$(serve_tcp 80 web80) & $(serve_tcp 81 web81) & /berth-testinit udp-echo 53 & wait")
	run tcp_get 127.0.0.1 18080
	assert_output web80
	run tcp_get "$(net gateway)" 18080
	assert_output web80
	local hostip
	hostip=$(ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 |
		grep -v "^$(net gateway)$" | head -1)
	if [ -n "$hostip" ]; then
		run tcp_get "$hostip" 18080
		assert_output web80
	fi
	# -p 127.0.0.1::81: a free port, on 127.0.0.1 only
	local p81
	p81=$(b port "$id" 81)
	[[ "$p81" =~ ^127\.0\.0\.1:[0-9]+$ ]]
	run tcp_get 127.0.0.1 "${p81#*:}"
	assert_output web81
	if [ -n "$hostip" ]; then
		run -1 tcp_get "$hostip" "${p81#*:}"
	fi
	run udp_ask 127.0.0.1 18053 ping
	assert_output "echo: ping"
	run udp_ask "$(net gateway)" 18053 pong
	assert_output "echo: pong"

	run b port "$id"
	assert_line "80/tcp -> 0.0.0.0:18080"
	assert_line "81/tcp -> $p81"
	assert_line "53/udp -> 0.0.0.0:18053"
	run b port "$id" 53/udp
	assert_output "0.0.0.0:18053"
	run b port "$id" 82
	assert_failure 125
	assert_output --partial "No public port '82/tcp' published"
	run b ps --format '{{.Ports}}'
	assert_output --partial "0.0.0.0:18080->80/tcp"
	assert_output --partial "0.0.0.0:18053->53/udp"
	run b inspect --format '{{json .NetworkSettings.Ports}}' "$id"
	assert_output --partial '"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"18080"}]'
	local ip
	ip=$(b inspect --format '{{.NetworkSettings.IPAddress}}' "$id")
	[[ "$ip" == "$(net gateway | cut -d. -f1-2)."* ]] || fail "address \"$ip\" is not on the bridge"
	# the kernel forwards: nothing of berth's listens on the host
	run bash -c "ss -ltnup 2>/dev/null | grep -E ':18080 |:18053 ' || true"
	assert_output ""

	b rm -f "$id" >/dev/null
	run tcp_get 127.0.0.1 18080
	assert_failure
	run nft list table ip "$(table)"
	assert_failure
}

@test "a host port in use is a clear error before the start; so is one another container holds" {
	python3 -c 'import socket,time,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 18081)); s.listen(); time.sleep(60)' 3>&- &
	local py=$!
	local i
	for i in $(seq 50); do ss -ltn | grep -q ':18081 ' && break; sleep 0.1; done
	run b run -d -p 18081:80 busybox sleep 100
	kill "$py"
	wait "$py" 2>/dev/null || true
	assert_failure 125
	assert_output --partial "18081: bind: address already in use"
	run b ps -q
	assert_output ""

	local id
	id=$(b run -d -p 18082:80 busybox sleep 100)
	run b run -d -p 18082:81 busybox sleep 100
	assert_failure 125
	assert_output --partial "Bind for 0.0.0.0:18082 failed: port is already allocated"
	run b ps -q
	assert_output "${id:0:12}"
	# the same container port twice on other host ports is fine
	b rm -f "$id" >/dev/null
	id=$(b run -d -p 18082:80 -p 18083:80 busybox sleep 100)
	run b port "$id"
	assert_line "80/tcp -> 0.0.0.0:18082"
	assert_line "80/tcp -> 0.0.0.0:18083"
}

@test "bad -p specs are clear errors and create nothing" {
	local spec
	for spec in 0 70000 80/sctp 1.2.3.4.5:80:80 8000-8002:80-81 abc :; do
		run b run --rm -p "$spec" busybox true
		assert_failure 125
		assert_output --regexp 'invalid'
	done
	run b ps -aq
	assert_output ""
}

@test "containers on the bridge reach each other; parallel runs never share an address" {
	local srv ip
	srv=$(b run -d busybox sh -c "$(serve_tcp 7000 hello-neighbour)")
	ip=$(b inspect --format '{{.NetworkSettings.IPAddress}}' "$srv")
	run b run --rm busybox sh -c "for i in \$(seq 50); do echo | nc $ip 7000 && exit 0; sleep 0.1; done; exit 1"
	assert_success
	assert_output hello-neighbour
	# and the host reaches it on its address
	run tcp_get "$ip" 7000
	assert_output hello-neighbour

	local i pids=()
	for i in $(seq 8); do
		b run -d busybox sleep 100 >"$TEST_TMP/id.$i" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i"; done
	run bash -c "for f in $TEST_TMP/id.*; do '$BERTH' --root '$TEST_TMP/root' --runroot '$TEST_TMP/run' inspect --format '{{.NetworkSettings.IPAddress}}' \$(cat \$f); done | sort | uniq -d"
	assert_success
	assert_output ""
	run bash -c "ls '$TEST_TMP/run/networks/bridge/leases' | grep -c '^[0-9]'"
	assert_output 9
}

@test "a stop releases the address and the ports; a restart takes them again" {
	local id
	id=$(b run -d -p 18084:80 busybox sh -c "$(serve_tcp 80 again)")
	run tcp_get 127.0.0.1 18084
	assert_output again
	b stop -t 0 "$id" >/dev/null
	run b inspect --format '{{.NetworkSettings.IPAddress}}' "$id"
	assert_output ""
	run ls "$TEST_TMP/run/networks/ports"
	assert_output ""
	[ ! -e "$TEST_TMP/run/netns/$id" ]
	b start "$id" >/dev/null
	run tcp_get 127.0.0.1 18084
	assert_output again
}

@test "kill -9 of the container and its monitor: the next command sweeps the network" {
	local id mon pid
	id=$(b run -d -p 18085:80 busybox sleep 100)
	pid=$(b inspect --format '{{.State.Pid}}' "$id")
	mon=$(pgrep -f "berth-monitor .*$id")
	kill -9 "$mon" "$pid"
	run b rm -f "$id"
	assert_success
	run ls "$TEST_TMP/run/netns"
	assert_output ""
	run ls "$TEST_TMP/run/networks/ports"
	assert_output ""
	run nft list table ip "$(table)"
	assert_failure
	# the port is free again
	id=$(b run -d -p 18085:80 busybox sleep 100)
	b rm -f "$id" >/dev/null
}

@test "network create, ls, inspect, rm, prune; bad input is a clear error" {
	run b network create --subnet 10.97.0.0/24 --gateway 10.97.0.254 --ip-range 10.97.0.128/25 \
		--label team=blue front
	assert_success
	[[ "$output" =~ ^[0-9a-f]{64}$ ]]
	local id=$output
	run b network ls --format '{{.Name}} {{.Driver}}'
	assert_line "bridge bridge"
	assert_line "front bridge"
	run b network ls -q
	assert_line "${id:0:12}"
	run b network inspect front
	assert_success
	assert_equal "$(jq -r '.[0].IPAM.Config[0].Subnet' <<<"$output")" 10.97.0.0/24
	assert_equal "$(jq -r '.[0].IPAM.Config[0].Gateway' <<<"$output")" 10.97.0.254
	assert_equal "$(jq -r '.[0].IPAM.Config[0].IPRange' <<<"$output")" 10.97.0.128/25
	assert_equal "$(jq -r '.[0].Labels.team' <<<"$output")" blue
	run b network inspect --format '{{.Name}} {{.Internal}}' front
	assert_output "front false"

	run b network create front
	assert_failure 125
	assert_output --partial "network with name front already exists"
	run b network create --subnet 10.97.0.0/16 other
	assert_failure 125
	assert_output --partial "Pool overlaps with other one"
	run b network create --subnet 10.97.1.1/24 other
	assert_failure 125
	assert_output --partial "host bits are set"
	run b network create --subnet 10.98.0.0/24 --gateway 10.99.0.1 other
	assert_failure 125
	assert_output --partial "not inside subnet"
	run b network create -d macvlan other
	assert_failure 125
	assert_output --partial "only bridge"
	run b network create 'bad name'
	assert_failure 125
	assert_output --partial "invalid network name"
	run b network inspect nosuch
	assert_failure 125
	assert_output --partial "network nosuch not found"

	# addresses come from the range; the gateway is the host's
	local c ip
	c=$(b run -d --network front busybox sleep 100)
	ip=$(b inspect --format '{{.NetworkSettings.IPAddress}}' "$c")
	[[ "$ip" =~ ^10\.97\.0\.(1[3-9][0-9]|2[0-5][0-9]|12[89])$ ]] || fail "address $ip is outside 10.97.0.128/25"
	run b inspect --format '{{.NetworkSettings.Gateway}}' "$c"
	assert_output 10.97.0.254
	run b network inspect --format '{{json .Containers}}' front
	assert_output --partial "\"IPv4Address\":\"$ip/24\""
	run b network rm front
	assert_failure 125
	assert_output --partial "has active endpoints"
	run b network rm bridge
	assert_failure 125
	assert_output --partial "pre-defined network"
	b rm -f "$c" >/dev/null
	local br
	br=$(jq -r .interface "$TEST_TMP/root/networks/front.json")
	run b network rm front
	assert_success
	assert_output front
	! ip link show "$br" 2>/dev/null || fail "bridge $br is left"
	run b network rm -f front
	assert_success

	b network create one >/dev/null
	b network create two >/dev/null
	c=$(b create --network two busybox true)
	run b network prune -f
	assert_success
	assert_line "one"
	refute_line "two"
	b rm "$c" >/dev/null
	b network rm two >/dev/null
}

@test "--network NAME: containers of a network reach each other, not those of another; --ip; --internal" {
	b network create --subnet 10.96.1.0/24 red >/dev/null
	b network create --subnet 10.96.2.0/24 blue >/dev/null
	b network create --internal --subnet 10.96.3.0/24 closed >/dev/null
	local r b2
	r=$(b run -d --network red --ip 10.96.1.50 busybox sh -c "$(serve_tcp 80 red-web)")
	run b inspect --format '{{.NetworkSettings.IPAddress}}' "$r"
	assert_output 10.96.1.50
	# the same network: yes
	run b run --rm --network red busybox sh -c 'for i in $(seq 50); do echo | nc 10.96.1.50 80 && exit 0; sleep 0.1; done; exit 1'
	assert_success
	assert_output red-web
	# another network: no
	run b run --rm --network blue busybox sh -c 'echo | nc -w 2 10.96.1.50 80'
	assert_failure
	refute_output red-web
	# --ip taken, or outside the network
	run b run --rm --network red --ip 10.96.1.50 busybox true
	assert_failure 125
	assert_output --partial "address 10.96.1.50 is already in use"
	run b run --rm --network red --ip 10.96.2.5 busybox true
	assert_failure 125
	assert_output --partial "not in the range of network red"
	# internal: reachable inside, no way out (not even to the host)
	b2=$(b run -d --network closed busybox sh -c "$(serve_tcp 80 closed-web)")
	local cip
	cip=$(b inspect --format '{{.NetworkSettings.IPAddress}}' "$b2")
	run b run --rm --network closed busybox sh -c "for i in \$(seq 50); do echo | nc $cip 80 && exit 0; sleep 0.1; done; exit 1"
	assert_output closed-web
	run b run --rm --network closed busybox sh -c 'echo | nc -w 2 10.96.1.50 80'
	assert_failure
	run b run --rm --network closed busybox sh -c "ip route | grep -q default && echo | nc -w 2 10.96.1.50 80"
	assert_failure
}

@test "--dns, --add-host (host-gateway), host.containers.internal in the container's files" {
	run b run --rm --dns 192.0.2.53 --add-host db:10.1.2.3 --add-host host:host-gateway busybox \
		sh -c 'cat /etc/resolv.conf /etc/hosts'
	assert_success
	assert_line "nameserver 192.0.2.53"
	assert_equal "$(grep -c '^nameserver' <<<"$output")" 1
	assert_line --regexp "^10\.1\.2\.3	db$"
	local gw
	gw=$(net gateway)
	assert_line --regexp "^$gw	host	"
	assert_line --regexp "^$gw	host.containers.internal	"
	run b run --rm --dns nope busybox true
	assert_failure 125
	assert_output --partial "is not an IPv4 address (--dns)"
	run b run --rm --add-host nocolon busybox true
	assert_failure 125
	assert_output --partial 'for "--add-host" flag'
	run b ps -aq
	assert_output ""
}

@test "the default network takes a subnet no route of the host covers" {
	ip link add bt-clash$$ type bridge
	ip addr add 10.210.0.1/16 dev bt-clash$$
	ip link set bt-clash$$ up
	run b run --rm busybox ip -4 -o addr show eth0
	ip link del bt-clash$$
	assert_success
	refute_output --partial " 10.210."
	run net subnet
	refute_output 10.210.0.0/16
	assert_output --regexp '^10\.2(1[1-9]|2[0-9])\.0\.0/16$'
}

# A DNS server on 127.0.0.1 that answers every A question with 192.0.2.77
# (the host's resolvers, for berth-dns to pass other names to: no query
# leaves the machine).  Prints its port.
fake_upstream() {
	python3 - "$TEST_TMP/upstream.port" <<-'PY' >/dev/null 2>&1 3>&- &
		import socket, sys
		s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
		s.bind(("127.0.0.1", 0))
		open(sys.argv[1], "w").write(str(s.getsockname()[1]))
		while True:
		    q, a = s.recvfrom(512)
		    end = 12
		    while q[end]:
		        end += q[end] + 1
		    end += 5
		    r = q[:2] + b"\x81\x80" + q[4:6] + b"\x00\x01\x00\x00\x00\x00" + q[12:end]
		    r += b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" + bytes([192, 0, 2, 77])
		    s.sendto(r, a)
	PY
	echo $! >"$TEST_TMP/upstream.pid"
	local i
	for i in $(seq 50); do [ -s "$TEST_TMP/upstream.port" ] && break; sleep 0.1; done
	cat "$TEST_TMP/upstream.port"
}

@test "names: containers of a network find each other by name, short id and alias; other names go to the host's resolvers" {
	local port
	port=$(fake_upstream)
	export BERTH_DNS_UPSTREAM=127.0.0.1:$port
	b network create --subnet 10.96.5.0/24 app >/dev/null
	local web
	web=$(b run -d --network app --name web --network-alias www busybox sh -c "$(serve_tcp 80 web-hello)")
	run b run --rm --network app busybox sh -c \
		"cat /etc/resolv.conf; nslookup web; nslookup www; nslookup ${web:0:12}; nslookup example.org; echo | nc web 80"
	kill "$(cat "$TEST_TMP/upstream.pid")"
	assert_success
	assert_line "nameserver 10.96.5.1"
	local ip
	ip=$(b inspect --format '{{.NetworkSettings.IPAddress}}' web)
	assert_equal "$(grep -c "^Address: $ip\$" <<<"$output")" 3
	assert_line "Address: 192.0.2.77"
	assert_line web-hello
	# one server for the network, gone with its last container
	[ -n "$(pgrep -f "berth-dns --listen 10.96.5.1 ")" ]
	b rm -f web >/dev/null
	for _ in $(seq 50); do pgrep -f "berth-dns --listen 10.96.5.1 " >/dev/null || break; sleep 0.1; done
	run pgrep -f "berth-dns --listen 10.96.5.1 "
	assert_failure
	# the default network has no names (as docker's)
	run b run --rm busybox cat /etc/resolv.conf
	refute_output --partial "nameserver $(net gateway)"
	b network rm app >/dev/null
	[ ! -e "$TEST_TMP/run/networks/app" ]
}

@test "names on an internal network too; --dns keeps its own servers" {
	local port
	port=$(fake_upstream)
	export BERTH_DNS_UPSTREAM=127.0.0.1:$port
	b network create --internal --subnet 10.96.6.0/24 vault >/dev/null
	b run -d --network vault --name db busybox sleep 100 >/dev/null
	run b run --rm --network vault busybox nslookup db
	assert_success
	assert_line --regexp '^Address: 10\.96\.6\.[0-9]+$'
	run b run --rm --network vault --dns 192.0.2.53 busybox cat /etc/resolv.conf
	kill "$(cat "$TEST_TMP/upstream.pid")"
	assert_line "nameserver 192.0.2.53"
	refute_line "nameserver 10.96.6.1"
	run b run --rm --network vault --network-alias 'bad alias' busybox true
	assert_failure 125
	assert_output --partial 'invalid network alias'
}

@test "CNI: a configuration list's plugins (bridge, host-local, portmap, firewall) as --network NAME" {
	[ -x /usr/lib/cni/bridge ] || skip "containernetworking-plugins is not installed"
	local conf=$TEST_TMP/cni br=cbt$$
	EXTRA_LINKS="$br ${br}c"
	mkdir -p "$conf"
	cat >"$conf/10-t.conflist" <<-EOF2
		{"cniVersion": "1.0.0", "name": "cnit", "plugins": [
		  {"type": "bridge", "bridge": "$br", "isGateway": true, "ipMasq": true,
		   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.96.8.0/24"}]],
		            "dataDir": "$TEST_TMP/ipam"}},
		  {"type": "portmap", "capabilities": {"portMappings": true}},
		  {"type": "firewall"}]}
	EOF2
	bc() { b --cni-config-dir "$conf" "$@"; }
	local id ip
	id=$(bc run -d --network cnit -p 18096:80 busybox sh -c "$(serve_tcp 80 cni-web)")
	ip=$(bc inspect --format '{{.NetworkSettings.IPAddress}}' "$id")
	[[ "$ip" =~ ^10\.96\.8\.[0-9]+$ ]] || fail "address \"$ip\" is not host-local's"
	# the result is cached for DEL; host-local holds the lease
	[ -s "$TEST_TMP/run/cni/$id.json" ]
	[ -e "$TEST_TMP/ipam/cnit/$ip" ]
	run tcp_get "$ip" 80
	assert_output cni-web
	run tcp_get 127.0.0.1 18096
	assert_output cni-web
	run bc port "$id"
	assert_output "80/tcp -> 0.0.0.0:18096"
	# CHECK: the plugins find what they set up; not once it is broken.
	# (Debian's portmap 1.1.1 fails CHECK without IPv6: a list without it.)
	cat >"$conf/11-chk.conflist" <<-EOF2
		{"cniVersion": "1.0.0", "name": "cnichk", "plugins": [
		  {"type": "bridge", "bridge": "${br}c", "ipam": {"type": "host-local",
		   "ranges": [[{"subnet": "10.96.7.0/24"}]], "dataDir": "$TEST_TMP/ipam"}},
		  {"type": "firewall"}]}
	EOF2
	local chk
	chk=$(bc run -d --network cnichk busybox sleep 100)
	run bc network check "$chk"
	assert_success
	assert_output ok
	nsenter --net="$TEST_TMP/run/netns/$chk" ip addr flush dev eth0
	run bc network check "$chk"
	assert_failure 125
	assert_output --partial "CHECK failed"
	bc rm -f "$chk" >/dev/null
	ip link del "${br}c" 2>/dev/null || true
	# a random host port cannot go to portmap
	run bc run --rm --network cnit -p 80 busybox true
	assert_failure 125
	assert_output --partial "needs a host port"
	bc rm -f "$id" >/dev/null
	[ ! -e "$TEST_TMP/run/cni/$id.json" ]
	[ ! -e "$TEST_TMP/ipam/cnit/$ip" ]
	run tcp_get 127.0.0.1 18096
	assert_failure
	# a list whose plugin is missing: a clear error, nothing left
	cat >"$conf/20-bad.conflist" <<-'EOF2'
		{"cniVersion": "1.0.0", "name": "bad", "plugins": [{"type": "nosuchplugin"}]}
	EOF2
	run bc run --rm --network bad busybox true
	assert_failure 125
	assert_output --partial 'plugin "nosuchplugin" not found'
	run bc ps -aq
	assert_output ""
	run ls "$TEST_TMP/run/netns"
	assert_output ""
	ip link del "$br" 2>/dev/null || true
}

@test "-P publishes the image's exposed ports; --network container:ID shares another's namespace" {
	b import --change 'CMD ["sh"]' --change 'EXPOSE 80 53/udp' "$(busybox_tar)" exposed:latest >/dev/null
	local id
	id=$(b run -d -P exposed sh -c "$(serve_tcp 80 all-ports)")
	run b port "$id"
	assert_line --regexp '^80/tcp -> 0\.0\.0\.0:[0-9]+$'
	assert_line --regexp '^53/udp -> 0\.0\.0\.0:[0-9]+$'
	local p
	p=$(b port "$id" 80)
	run tcp_get 127.0.0.1 "${p#*:}"
	assert_output all-ports

	local srv
	srv=$(b run -d --name srv busybox sh -c "$(serve_tcp 80 shared-ns)")
	run b run --rm --network container:srv busybox sh -c \
		'ip -4 -o addr show eth0 | awk "{print \$4}"; for i in $(seq 50); do echo | nc 127.0.0.1 80 && exit 0; sleep 0.1; done; exit 1'
	assert_success
	assert_line "$(b inspect --format '{{.NetworkSettings.IPAddress}}' srv)/$(net subnet | cut -d/ -f2)"
	assert_line shared-ns
	run b run --rm --network container:srv -p 80 busybox true
	assert_failure 125
	assert_output --partial "conflicting options"
	run b run --rm --network container:nosuch busybox true
	assert_failure 125
	assert_output --partial "No such container: nosuch"
	# a created one cannot start once the other stopped
	local late
	late=$(b create --network "container:$srv" busybox true)
	b stop -t 0 srv >/dev/null
	run b start "$late"
	assert_failure 125
	assert_output --partial "is not running"
}

@test "several networks per container; network connect (--ip, --alias) and disconnect, running or not" {
	b network create --subnet 10.96.31.0/24 n1 >/dev/null
	b network create --subnet 10.96.32.0/24 n2 >/dev/null
	b network create --subnet 10.96.33.0/24 n3 >/dev/null
	b run -d --name multi --network n1 --network n2 busybox sleep 100 >/dev/null
	run b exec multi ip -4 -o addr
	assert_line --regexp 'eth0 +inet 10\.96\.31\.[0-9]+/24'
	assert_line --regexp 'eth1 +inet 10\.96\.32\.[0-9]+/24'
	run b exec multi ip route
	assert_line --partial "default via 10.96.31.1 dev eth0"

	# connect a running container: a new interface, its names on that network
	local port
	port=$(fake_upstream)
	export BERTH_DNS_UPSTREAM=127.0.0.1:$port
	run b network connect --ip 10.96.33.77 --alias m3 n3 multi
	assert_success
	run b exec multi ip -4 -o addr show
	assert_line --regexp 'eth2 +inet 10\.96\.33\.77/24'
	run b run --rm --network n3 busybox nslookup m3
	assert_line "Address: 10.96.33.77"
	run b inspect --format '{{json .NetworkSettings.Networks}}' multi
	assert_output --partial '"n3":{'
	assert_output --partial '"IPAddress":"10.96.33.77"'
	run b network inspect --format '{{json .Containers}}' n3
	assert_output --partial '10.96.33.77/24'
	run b network connect n3 multi
	assert_failure 125
	assert_output --partial "already exists in network n3"
	run b network rm n3
	assert_failure 125
	assert_output --partial "has active endpoints"

	# disconnect: the interface goes, and the lease
	run b network disconnect n2 multi
	assert_success
	run b exec multi ip -4 -o addr show
	refute_line --partial "10.96.32."
	assert_line --partial "10.96.33.77"
	run b network disconnect n2 multi
	assert_failure 125
	assert_output --partial "is not connected to network n2"
	run b network disconnect -f n2 multi
	assert_success
	run b network disconnect n1 multi
	assert_failure 125
	assert_output --partial "the first one it joined"

	# a stopped container: on the network at its next start
	b stop -t 0 multi >/dev/null
	b network connect n2 multi
	b start multi >/dev/null
	run b exec multi ip -4 -o addr show
	assert_line --partial "10.96.31."
	assert_line --partial "10.96.32."
	assert_line --partial "10.96.33.77"
	kill "$(cat "$TEST_TMP/upstream.pid")"
	b rm -f multi >/dev/null
	run ls "$TEST_TMP/run/networks/n3/leases"
	refute_output --regexp '^10\.'
	b network rm n1 n2 n3 >/dev/null
}

@test "network check; system prune removes stopped containers and unused networks" {
	b network create --subnet 10.96.41.0/24 spare >/dev/null
	b network create --subnet 10.96.42.0/24 busy >/dev/null
	local run stopped
	run=$(b run -d --network busy busybox sleep 100)
	stopped=$(b create busybox true)
	run b network check "$run"
	assert_output ok
	ip link del "vb${run:0:12}"
	run b network check "$run"
	assert_failure 125
	assert_output --partial "is gone"
	run b network check "$stopped"
	assert_failure 125
	assert_output --partial "is not running"
	run b system prune -f
	assert_success
	assert_line "Deleted Containers:"
	assert_line "$stopped"
	assert_line "Deleted Networks:"
	assert_line spare
	refute_line busy
	run b ps -aq --no-trunc
	assert_output "$run"
	run b network ls --format '{{.Name}}'
	refute_line spare
	assert_line busy
}
