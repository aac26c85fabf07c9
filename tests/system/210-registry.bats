#!/usr/bin/env bats
# registry: pull, push, login and logout against a real registry (Debian's
# docker-registry, distribution 2.8) on loopback: one speaking plain HTTP,
# one with TLS (a CA made here) and htpasswd.  skopeo reads what berth
# pushes and pushes what berth pulls.  Failures: unknown tags, no network
# (in a network namespace of its own: no packet leaves), kill -9 during a
# pull, a corrupted blob in the registry's storage, 5xx answers.
# Nothing here talks to anything but 127.0.0.1.

load helpers

bats_require_minimum_version 1.5.0

REGISTRY=/usr/bin/docker-registry

# A free TCP port on 127.0.0.1.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_registry NAME EXTRA-YAML: a registry on a free port, its storage,
# log and pid below $BATS_FILE_TMPDIR/NAME; prints the port.  Its stdio is
# off bats' descriptors (fd 3 closed) so bats does not wait for it.
start_registry() {
	local name=$1 extra=$2 dir=$BATS_FILE_TMPDIR/$1 port try
	mkdir -p "$dir/data"
	for try in 1 2 3; do
		port=$(free_port)
		cat >"$dir/config.yml" <<-EOF
			version: 0.1
			log:
			  level: info
			  accesslog:
			    disabled: false
			storage:
			  filesystem:
			    rootdirectory: $dir/data
			  delete:
			    enabled: true
			http:
			  addr: 127.0.0.1:$port
			$extra
		EOF
		"$REGISTRY" serve "$dir/config.yml" >"$dir/log" 2>&1 </dev/null 3>&- &
		echo $! >"$dir/pid"
		local i
		for i in $(seq 100); do
			if curl -sk -o /dev/null "https://127.0.0.1:$port/v2/" ||
				curl -s -o /dev/null "http://127.0.0.1:$port/v2/"; then
				echo "$port" >"$dir/port"
				echo "$port"
				return 0
			fi
			kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
			sleep 0.1
		done
		stop_registry "$name"
	done
	echo "registry $name did not start: $(tail -5 "$dir/log")" >&2
	return 1
}

stop_registry() {
	local pidfile=$BATS_FILE_TMPDIR/$1/pid pid i
	[ -f "$pidfile" ] || return 0
	pid=$(cat "$pidfile")
	kill "$pid" 2>/dev/null || true
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -f "$pidfile"
	! kill -0 "$pid" 2>/dev/null
}

setup_file() {
	local t
	for t in "$REGISTRY" skopeo openssl curl python3 jq; do
		command -v "$t" >/dev/null || skip "$t is not installed"
	done
	if ! command -v htpasswd >/dev/null; then
		apt-get install -y apache2-utils >/dev/null 2>&1 || true
	fi
	command -v htpasswd >/dev/null || skip "htpasswd (apache2-utils) is not installed"

	# The TLS registry's CA and certificate (127.0.0.1 as an IP SAN).
	local c=$BATS_FILE_TMPDIR/certs
	mkdir -p "$c" "$BATS_FILE_TMPDIR/cert-dir"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$c/ca.key" -out "$c/ca.crt" -days 2 \
		-subj "/CN=berth test CA" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -keyout "$c/server.key" -out "$c/server.csr" \
		-subj "/CN=127.0.0.1" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$c/ext"
	openssl x509 -req -in "$c/server.csr" -CA "$c/ca.crt" -CAkey "$c/ca.key" \
		-CAcreateserial -out "$c/server.crt" -days 2 -extfile "$c/ext" 2>/dev/null
	cp "$c/ca.crt" "$BATS_FILE_TMPDIR/cert-dir/ca.crt"
	htpasswd -Bbn user pass >"$BATS_FILE_TMPDIR/htpasswd"

	local plain tls
	plain=$(start_registry plain "")
	tls=$(start_registry tls "  tls:
    certificate: $c/server.crt
    key: $c/server.key
auth:
  htpasswd:
    realm: basic-realm
    path: $BATS_FILE_TMPDIR/htpasswd")
	export REG=127.0.0.1:$plain TREG=127.0.0.1:$tls
}

teardown_file() {
	stop_registry plain
	stop_registry tls
}

# Servers a test starts (their pids in $TEST_TMP/pids) go before the
# helpers' teardown, even when the test failed half way.
eval "helpers_$(declare -f teardown)"
teardown() {
	local pid
	if [ -f "$TEST_TMP/pids" ]; then
		while read -r pid; do
			kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
		done <"$TEST_TMP/pids"
	fi
	helpers_teardown
}

# Credentials stay in the test's files, never in ~/.docker (tests that log
# in use a directory of their own).
export DOCKER_CONFIG=$BATS_FILE_TMPDIR/docker-config

# import_as NAME [TAR]: an image from the busybox root filesystem.
import_as() {
	b import --change 'CMD ["sh"]' "${2:-$(busybox_tar)}" "$1" >/dev/null
}

image_id() { b image inspect --format '{{.Id}}' "$1"; }
image_layers() { b image inspect "$1" | jq -c '.[0].RootFS.Layers'; }

# The digest of a pushed manifest from push's last line.
pushed_digest() { sed -n 's/^.*: digest: \(sha256:[0-9a-f]*\) size: [0-9]*$/\1/p' <<<"$1"; }

# A one-layer image whose layer nobody else has (a file of random bytes).
unique_tar() { # unique_tar FILE SIZE-IN-KB
	local dir=$TEST_TMP/unique
	mkdir -p "$dir"
	head -c "$(($2 * 1024))" /dev/urandom >"$dir/payload"
	tar -C "$dir" -cf "$1" payload
	rm -rf "$dir"
}

@test "push to a plain HTTP registry, remove, pull back: same image; by digest; unknown tag" {
	import_as "$REG/t1/app:1"
	local id layers
	id=$(image_id "$REG/t1/app:1")
	layers=$(image_layers "$REG/t1/app:1")
	run b push "$REG/t1/app:1"
	assert_success
	assert_line "The push refers to repository [$REG/t1/app]"
	assert_line --regexp '^[0-9a-f]{12}: Pushed$'
	assert_line --index -1 --regexp '^1: digest: sha256:[0-9a-f]{64} size: [0-9]+$'
	local digest
	digest=$(pushed_digest "${lines[-1]}")
	run b image inspect --format '{{json .RepoDigests}}' "$REG/t1/app:1"
	assert_output --partial "\"$REG/t1/app@$digest\""

	b rmi "$REG/t1/app:1" >/dev/null
	run b images -q
	assert_output ""

	run b pull "$REG/t1/app:1"
	assert_success
	assert_line "1: Pulling from t1/app"
	assert_line --regexp '^[0-9a-f]{12}: Pull complete$'
	assert_line "Digest: $digest"
	assert_line "Status: Downloaded newer image for $REG/t1/app:1"
	assert_line --index -1 "$REG/t1/app:1"
	assert_equal "$(image_id "$REG/t1/app:1")" "$id"
	assert_equal "$(image_layers "$REG/t1/app:1")" "$layers"
	run b images --digests --format '{{.Repository}} {{.Tag}} {{.Digest}}'
	assert_output "$REG/t1/app 1 $digest"

	# the root filesystem is there
	run b image mount "$REG/t1/app:1"
	assert_success
	local merged=$output
	[ -x "$merged/bin/busybox" ]
	cmp "$merged/bin/busybox" /bin/busybox
	b image unmount "$REG/t1/app:1" >/dev/null

	# again: nothing to fetch
	run b pull "$REG/t1/app:1"
	assert_success
	assert_line --regexp '^[0-9a-f]{12}: Already exists$'
	assert_line "Status: Image is up to date for $REG/t1/app:1"

	# by digest, and quietly
	run --separate-stderr b pull -q "$REG/t1/app@$digest"
	assert_success
	assert_output "$REG/t1/app@$digest"
	assert_equal "$stderr" ""
	assert_equal "$(image_id "$REG/t1/app@$digest")" "$id"

	# what the registry does not have
	run b pull "$REG/t1/app:nope"
	assert_failure 125
	assert_output --partial "berth: pull $REG/t1/app:nope: manifest unknown"
	run b pull "$REG/t1/none:1"
	assert_failure 125
	assert_output --partial "manifest unknown"
	run b pull "$REG/t1/app@sha256:$(printf '%064d' 0)"
	assert_failure 125
	assert_output --partial "manifest unknown"
	run b images -q
	assert_output "${id:7:12}"
}

@test "run pulls a missing image; --pull always a newer one; --pull never none" {
	import_as "$REG/t9/app:1"
	local old
	old=$(image_id "$REG/t9/app:1")
	b push "$REG/t9/app:1" >/dev/null
	b rmi "$REG/t9/app:1" >/dev/null

	run --separate-stderr b run --rm "$REG/t9/app:1" echo pulled
	assert_success
	assert_output "pulled"
	assert_equal "$(head -1 <<<"$stderr")" "Unable to find image '$REG/t9/app:1' locally"
	assert_equal "$(image_id "$REG/t9/app:1")" "$old"

	# A newer image under the same name in the registry; the local name
	# points at the old one again.
	local tar=$TEST_TMP/newer.tar
	cp "$(busybox_tar)" "$tar"
	mkdir -p "$TEST_TMP/m"
	echo newer >"$TEST_TMP/m/marker"
	tar -rf "$tar" -C "$TEST_TMP/m" marker
	import_as "$REG/t9/app:1" "$tar"
	b push "$REG/t9/app:1" >/dev/null
	b tag "$old" "$REG/t9/app:1"

	run b run --rm "$REG/t9/app:1" cat /marker
	assert_failure 1
	run b run --rm --pull missing "$REG/t9/app:1" cat /marker
	assert_failure 1
	run --separate-stderr b run --rm --pull always "$REG/t9/app:1" cat /marker
	assert_success
	assert_output "newer"
	[ "$(image_id "$REG/t9/app:1")" != "$old" ]

	run b run --rm --pull never "$REG/t9/other:1" true
	assert_failure 125
	assert_output --partial "Unable to find image '$REG/t9/other:1' locally"
	run b run --rm --pull sometimes "$REG/t9/app:1" true
	assert_failure 125
	assert_output --partial 'invalid pull policy "sometimes"'
	run b ps -aq
	assert_output ""
}

@test "build pulls a missing base, --pull a newer one; what it built is pushed and pulled back" {
	import_as "$REG/t10/base:1"
	b push "$REG/t10/base:1" >/dev/null
	b rmi "$REG/t10/base:1" >/dev/null
	mkdir -p "$TEST_TMP/ctx"
	echo payload >"$TEST_TMP/ctx/p"
	printf 'FROM %s\nCOPY p /p\nRUN test ! -e /marker && echo no-marker >>/p\nCMD ["cat", "/p"]\n' \
		"$REG/t10/base:1" >"$TEST_TMP/ctx/Dockerfile"
	run b build --progress plain -t "$REG/t10/app:1" "$TEST_TMP/ctx"
	assert_success
	assert_output --partial "Trying to pull $REG/t10/base:1"
	# a newer base in the registry: used only with --pull
	local tar=$TEST_TMP/newer.tar
	cp "$(busybox_tar)" "$tar"
	mkdir -p "$TEST_TMP/m"
	echo newer >"$TEST_TMP/m/marker"
	tar -rf "$tar" -C "$TEST_TMP/m" marker
	local old
	old=$(image_id "$REG/t10/base:1")
	import_as "$REG/t10/base:1" "$tar"
	b push "$REG/t10/base:1" >/dev/null
	b tag "$old" "$REG/t10/base:1"
	run b build -q -t "$REG/t10/app:1" "$TEST_TMP/ctx"
	assert_success
	run b build --pull --progress plain -t "$REG/t10/app:2" "$TEST_TMP/ctx"
	assert_failure
	assert_output --partial "the command returned a non-zero code: 1"
	# the first build's image goes to the registry and comes back whole
	local id
	id=$(image_id "$REG/t10/app:1")
	run b push "$REG/t10/app:1"
	assert_success
	b rmi "$REG/t10/app:1" >/dev/null
	run --separate-stderr b run --rm "$REG/t10/app:1"
	assert_success
	assert_output "payload
no-marker"
	assert_equal "$(image_id "$REG/t10/app:1")" "$id"
}

@test "a second push finds the layers there; a push to another repository mounts them" {
	import_as "$REG/t2/app:1"
	run b push "$REG/t2/app:1"
	assert_success
	assert_line --regexp '^[0-9a-f]{12}: Pushed$'
	local digest size
	digest=$(pushed_digest "${lines[-1]}")
	size=${lines[-1]##* }

	run b push "$REG/t2/app:1"
	assert_success
	assert_line --regexp '^[0-9a-f]{12}: Layer already exists$'
	refute_line --regexp 'Pushed$'
	assert_equal "$(pushed_digest "${lines[-1]}")" "$digest"

	# podman's form: push SOURCE DESTINATION; the blob is mounted, not sent
	run b push "$REG/t2/app:1" "$REG/t2/other:2"
	assert_success
	assert_line --regexp '^[0-9a-f]{12}: Mounted from t2/app$'
	assert_line --index -1 "2: digest: $digest size: $size"
	grep -q "POST /v2/t2/other/blobs/uploads/?mount=sha256%3A[0-9a-f]*&from=t2%2Fapp HTTP/1.1\" 201" \
		"$BATS_FILE_TMPDIR/plain/log"
	run b image inspect --format '{{json .RepoDigests}}' "$REG/t2/app:1"
	assert_output --partial "\"$REG/t2/other@$digest\""
	run b pull "$REG/t2/other:2"
	assert_success

	# an image id is no destination
	run b push "$(image_id "$REG/t2/app:1")"
	assert_failure 125
	assert_output --partial "is not a name of the image"
}

@test "an index: the platform's manifest is pulled and the index digest recorded" {
	import_as "$REG/t3/app:1"
	run b push "$REG/t3/app:1" "$REG/t3/multi:single"
	assert_success
	local mdigest msize
	mdigest=$(pushed_digest "${lines[-1]}")
	msize=${lines[-1]##* }
	# an OCI index with that manifest for linux/amd64 and linux/arm64/v8
	jq -nc --arg d "$mdigest" --argjson s "$msize" '{schemaVersion: 2,
		mediaType: "application/vnd.oci.image.index.v1+json",
		manifests: [
		 {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s,
		  platform: {os: "linux", architecture: "amd64"}},
		 {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s,
		  platform: {os: "linux", architecture: "arm64", variant: "v8"}}]}' >"$TEST_TMP/index.json"
	curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.index.v1+json' \
		--data-binary "@$TEST_TMP/index.json" "http://$REG/v2/t3/multi/manifests/1"
	local idigest
	idigest=sha256:$(sha256sum <"$TEST_TMP/index.json" | cut -d' ' -f1)

	local id
	id=$(image_id "$REG/t3/app:1")
	b rmi "$REG/t3/app:1" >/dev/null
	run b pull "$REG/t3/multi:1"
	assert_success
	assert_line "Digest: $idigest"
	assert_equal "$(image_id "$REG/t3/multi:1")" "$id"
	run b image inspect --format '{{json .RepoDigests}}' "$REG/t3/multi:1"
	assert_output "[\"$REG/t3/multi@$idigest\"]"
	run b pull --platform linux/arm64 -q "$REG/t3/multi:1"
	assert_success
	run b pull --platform linux/s390x "$REG/t3/multi:1"
	assert_failure 125
	assert_output --partial "no image for linux/s390x in the manifest list (available: linux/amd64, linux/arm64/v8)"
	# a single-platform image must be the platform asked for
	run b pull --platform linux/arm64 "$REG/t3/multi:single"
	assert_failure 125
	assert_output --partial "wanted linux/arm64, actual: linux/amd64"
}

@test "TLS with htpasswd: unauthorized until login, login checks the password, --cert-dir, logout" {
	export DOCKER_CONFIG=$TEST_TMP/docker-config
	local certs=$BATS_FILE_TMPDIR/cert-dir cfg=$TEST_TMP/docker-config/config.json
	import_as "$TREG/secure/app:1"

	run b push --cert-dir "$certs" "$TREG/secure/app:1"
	assert_failure 125
	assert_output --partial "unauthorized: authentication required"
	run b pull --cert-dir "$certs" "$TREG/secure/app:1"
	assert_failure 125
	assert_output --partial "berth: pull $TREG/secure/app:1: unauthorized: authentication required"

	run b login --cert-dir "$certs" -u user -p wrong "$TREG"
	assert_failure 125
	assert_output --partial "unauthorized"
	[ ! -e "$cfg" ]
	run b login --cert-dir "$certs" -u user --password-stdin "$TREG" <<<"wrong"
	assert_failure 125
	[ ! -e "$cfg" ]

	run b login --cert-dir "$certs" -u user --password-stdin "$TREG" <<<"pass"
	assert_success
	assert_output "Login Succeeded"
	assert_equal "$(stat -c %a "$cfg")" 600
	assert_equal "$(jq -r --arg k "$TREG" '.auths[$k].auth' "$cfg")" "$(printf user:pass | base64)"

	run b push --cert-dir "$certs" "$TREG/secure/app:1"
	assert_success
	assert_line --index -1 --regexp '^1: digest: sha256:[0-9a-f]{64} size: [0-9]+$'
	local id
	id=$(image_id "$TREG/secure/app:1")
	b rmi "$TREG/secure/app:1" >/dev/null
	run b pull --cert-dir "$certs" "$TREG/secure/app:1"
	assert_success
	assert_equal "$(image_id "$TREG/secure/app:1")" "$id"

	# the registry's CA is needed, or no check at all
	run b pull "$TREG/secure/app:1"
	assert_failure 125
	assert_output --partial "certificate"
	assert_output --partial "--cert-dir"
	run b pull --tls-verify=false -q "$TREG/secure/app:1"
	assert_success
	assert_output "$TREG/secure/app:1"

	# --authfile instead of the default file
	run b logout "$TREG"
	assert_success
	assert_output "Removed login credentials for $TREG"
	assert_equal "$(jq -c '.auths' "$cfg")" '{}'
	run b logout "$TREG"
	assert_failure 125
	assert_output --partial "not logged in to $TREG"
	run b pull --cert-dir "$certs" "$TREG/secure/app:1"
	assert_failure 125
	assert_output --partial "unauthorized"
	local af=$TEST_TMP/auth.json
	run b login --authfile "$af" --tls-verify=false -u user -p pass "https://$TREG/"
	assert_success
	assert_line "Login Succeeded"
	assert_equal "$(stat -c %a "$af")" 600
	run b pull --authfile "$af" --cert-dir "$certs" -q "$TREG/secure/app:1"
	assert_success
	run b logout --authfile "$af" "$TREG"
	assert_success
}

@test "skopeo reads what berth pushes; berth pulls what skopeo pushes" {
	import_as "$REG/t5/app:1"
	run b push "$REG/t5/app:1"
	assert_success
	local digest id
	digest=$(pushed_digest "${lines[-1]}")
	id=$(image_id "$REG/t5/app:1")

	run skopeo inspect --tls-verify=false "docker://$REG/t5/app:1"
	assert_success
	assert_equal "$(jq -r .Digest <<<"$output")" "$digest"
	assert_equal "$(jq -r '.Os + "/" + .Architecture' <<<"$output")" linux/amd64
	run skopeo inspect --tls-verify=false --config "docker://$REG/t5/app:1"
	assert_success
	assert_equal "$(jq -c .rootfs.diff_ids <<<"$output")" "$(image_layers "$REG/t5/app:1")"

	run skopeo --insecure-policy copy -q --src-tls-verify=false "docker://$REG/t5/app:1" "oci:$TEST_TMP/oci:x"
	assert_success
	[ -s "$TEST_TMP/oci/index.json" ]
	# back through skopeo: an OCI layout (layers compressed on the way) and
	# a docker archive (a docker schema 2 manifest)
	run skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$TEST_TMP/oci:x" "docker://$REG/t5/fromoci:1"
	assert_success
	run skopeo --insecure-policy copy -q --src-tls-verify=false "docker://$REG/t5/app:1" \
		"docker-archive:$TEST_TMP/archive.tar:t5/archive:1"
	assert_success
	run skopeo --insecure-policy copy -q --dest-tls-verify=false --format v2s2 \
		"docker-archive:$TEST_TMP/archive.tar" "docker://$REG/t5/fromarchive:1"
	assert_success

	b rmi "$REG/t5/app:1" >/dev/null
	run b images -q
	assert_output ""
	local name
	for name in fromoci fromarchive; do
		run b pull "$REG/t5/$name:1"
		assert_success
		assert_line --index -1 "$REG/t5/$name:1"
		assert_equal "$(image_id "$REG/t5/$name:1")" "$id"
	done
	run b image mount "$REG/t5/fromarchive:1"
	assert_success
	[ -x "$output/bin/busybox" ]
	b image unmount "$REG/t5/fromarchive:1" >/dev/null
	run b images --format '{{.Repository}}:{{.Tag}}'
	assert_line "$REG/t5/fromoci:1"
	assert_line "$REG/t5/fromarchive:1"
}

@test "docker.io without a network: fails at once with registry unreachable" {
	# A network namespace of its own: nothing can leave the machine.
	unshare --net true 2>/dev/null || skip "needs unshare --net to be sure nothing leaves"
	run unshare --net "$BERTH" --root "$TEST_TMP/root" --runroot "$TEST_TMP/run" \
		pull docker.io/library/alpine:latest
	assert_failure 125
	assert_output --partial "berth: pull docker.io/library/alpine:latest: registry unreachable"
	run unshare --net "$BERTH" --root "$TEST_TMP/root" --runroot "$TEST_TMP/run" pull -q alpine
	assert_failure 125
	assert_output --partial "pull docker.io/library/alpine:latest: registry unreachable"
	# a loopback registry where nothing listens
	run b pull "127.0.0.1:$(free_port)/x:1"
	assert_failure 125
	assert_output --partial "registry unreachable"
	run b images -q
	assert_output ""
}

@test "a pull killed with kill -9 is completed by the next one; the store stays consistent" {
	unique_tar "$TEST_TMP/big.tar" 65536
	import_as "$REG/t7/big:1" "$TEST_TMP/big.tar"
	local id
	id=$(image_id "$REG/t7/big:1")
	run b push "$REG/t7/big:1"
	assert_success
	b rmi "$REG/t7/big:1" >/dev/null

	# kill it once the download has started (it may have got further)
	"$BERTH" --root "$TEST_TMP/root" --runroot "$TEST_TMP/run" pull "$REG/t7/big:1" \
		>"$TEST_TMP/pull.out" 2>&1 3>&- &
	local pid=$! i
	echo "$pid" >>"$TEST_TMP/pids"
	for i in $(seq 200); do
		grep -q 'Pulling fs layer' "$TEST_TMP/pull.out" && break
		sleep 0.05
	done
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" || true
	: >"$TEST_TMP/pids"

	run b images --format '{{.Repository}}:{{.Tag}}'
	assert_success
	[ -z "$output" ] || assert_output "$REG/t7/big:1"
	run b pull "$REG/t7/big:1"
	assert_success
	assert_line --index -1 "$REG/t7/big:1"
	run b images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
	assert_output "$REG/t7/big:1 ${id:7:12}"
	run b image mount "$REG/t7/big:1"
	assert_success
	[ "$(stat -c %s "$output/payload")" = $((65536 * 1024)) ]
	b image unmount "$REG/t7/big:1" >/dev/null
}

@test "a corrupted blob in the registry is detected and nothing is stored" {
	unique_tar "$TEST_TMP/u.tar" 64
	import_as "$REG/t8/app:1" "$TEST_TMP/u.tar"
	run b push "$REG/t8/app:1"
	assert_success
	b rmi "$REG/t8/app:1" >/dev/null
	local layer hex data
	layer=$(curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
		"http://$REG/v2/t8/app/manifests/1" | jq -r '.layers[0].digest')
	hex=${layer#sha256:}
	data=$BATS_FILE_TMPDIR/plain/data/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data
	[ -f "$data" ]
	# same size, other bytes
	printf 'corrupted' | dd of="$data" bs=1 seek=600 conv=notrunc 2>/dev/null

	run b pull "$REG/t8/app:1"
	assert_failure 125
	assert_output --partial "blob $layer: content has digest"
	assert_output --partial "(corrupted)"
	run b images -q
	assert_output ""
	[ ! -e "$TEST_TMP/root/image/blobs/sha256/$hex" ]
}

@test "5xx answers are retried three times, then reported" {
	local port
	port=$(free_port)
	# A server that answers 503 to everything and counts the requests.
	python3 - "$port" "$TEST_TMP/count" >/dev/null 2>&1 3>&- <<-'EOF' &
		import http.server, sys
		port, count = int(sys.argv[1]), sys.argv[2]
		n = 0
		class H(http.server.BaseHTTPRequestHandler):
		    def do_GET(self):
		        global n
		        n += 1
		        open(count, "w").write(str(n))
		        self.send_response(503)
		        self.send_header("Content-Type", "application/json")
		        self.end_headers()
		        self.wfile.write(b'{"errors":[{"code":"UNAVAILABLE","message":"service unavailable"}]}')
		    def log_message(self, *a):
		        pass
		http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
	EOF
	local pid=$! i
	echo "$pid" >>"$TEST_TMP/pids"
	for i in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$port/" && break
		sleep 0.1
	done
	local before
	before=$(cat "$TEST_TMP/count")
	run b pull "127.0.0.1:$port/x:1"
	kill "$pid"
	wait "$pid" || true
	: >"$TEST_TMP/pids"
	assert_failure 125
	assert_output --partial "answered HTTP 503"
	# the plain HTTP try: once and three retries
	assert_equal "$(($(cat "$TEST_TMP/count") - before))" 4
}

# upload_blob REPO FILE: a blob straight through the registry API (POST,
# then PUT ?digest=); prints its digest.
upload_blob() {
	local repo=$1 file=$2 digest loc
	digest=sha256:$(sha256sum <"$file" | cut -d' ' -f1)
	loc=$(curl -sf -X POST -D - -o /dev/null "http://$REG/v2/$repo/blobs/uploads/" |
		tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
	case $loc in http*) ;; *) loc=http://$REG$loc ;; esac
	case $loc in *\?*) loc="$loc&" ;; *) loc="$loc?" ;; esac
	curl -sf -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$file" \
		"${loc}digest=$digest" >/dev/null
	echo "$digest"
}

@test "three layers (plain and gzip, a whiteout) are fetched in parallel and applied in order" {
	local d=$TEST_TMP/layers
	mkdir -p "$d/1/etc" "$d/2/etc" "$d/3/opt"
	echo one >"$d/1/etc/a"
	echo bee >"$d/1/etc/b"
	: >"$d/2/etc/.wh.a"
	echo sea >"$d/2/etc/c"
	head -c 200000 /dev/urandom >"$d/3/opt/d"
	tar -C "$d/1" -cf "$d/l1.tar" etc
	tar -C "$d/2" -cf "$d/l2.tar" etc
	tar -C "$d/3" -cf "$d/l3.tar" opt
	gzip -c "$d/l3.tar" >"$d/l3.tar.gz"
	local diffs=() blobs=() sizes=() media=() i f
	for i in 1 2 3; do
		diffs+=("sha256:$(sha256sum <"$d/l$i.tar" | cut -d' ' -f1)")
	done
	for f in l1.tar l2.tar l3.tar.gz; do
		blobs+=("$(upload_blob t10/app "$d/$f")")
		sizes+=("$(stat -c %s "$d/$f")")
	done
	media=(application/vnd.oci.image.layer.v1.tar application/vnd.oci.image.layer.v1.tar
		application/vnd.oci.image.layer.v1.tar+gzip)
	jq -nc --arg a "${diffs[0]}" --arg b "${diffs[1]}" --arg c "${diffs[2]}" \
		'{architecture: "amd64", os: "linux", created: "2024-01-02T03:04:05Z",
		  config: {Cmd: ["sh"]}, rootfs: {type: "layers", diff_ids: [$a, $b, $c]}}' >"$d/config.json"
	local cfg
	cfg=$(upload_blob t10/app "$d/config.json")
	jq -nc --arg cd "$cfg" --argjson cs "$(stat -c %s "$d/config.json")" \
		--arg d0 "${blobs[0]}" --argjson s0 "${sizes[0]}" --arg m0 "${media[0]}" \
		--arg d1 "${blobs[1]}" --argjson s1 "${sizes[1]}" --arg m1 "${media[1]}" \
		--arg d2 "${blobs[2]}" --argjson s2 "${sizes[2]}" --arg m2 "${media[2]}" \
		'{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
		  config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $cd, size: $cs},
		  layers: [{mediaType: $m0, digest: $d0, size: $s0}, {mediaType: $m1, digest: $d1, size: $s1},
			   {mediaType: $m2, digest: $d2, size: $s2}]}' >"$d/manifest.json"
	curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
		--data-binary "@$d/manifest.json" "http://$REG/v2/t10/app/manifests/3" >/dev/null

	run b pull "$REG/t10/app:3"
	assert_success
	assert_equal "$(grep -c ': Pull complete$' <<<"$output")" 3
	assert_equal "$(image_id "$REG/t10/app:3")" "$cfg"
	assert_equal "$(image_layers "$REG/t10/app:3")" "[\"${diffs[0]}\",\"${diffs[1]}\",\"${diffs[2]}\"]"
	assert_equal "$(b image inspect --format '{{.Created}}' "$REG/t10/app:3")" 2024-01-02T03:04:05Z
	run b image mount "$REG/t10/app:3"
	assert_success
	local m=$output
	[ ! -e "$m/etc/a" ]
	assert_equal "$(cat "$m/etc/b")" bee
	assert_equal "$(cat "$m/etc/c")" sea
	cmp "$m/opt/d" "$d/3/opt/d"
	b image unmount "$REG/t10/app:3" >/dev/null

	# pushed back elsewhere: the gzip blob as it was, mounted
	run b push "$REG/t10/app:3" "$REG/t10/copy:3"
	assert_success
	assert_equal "$(grep -c 'Mounted from t10/app$' <<<"$output")" 3
	assert_line --index -1 "3: digest: sha256:$(sha256sum <"$d/manifest.json" | cut -d' ' -f1) size: $(stat -c %s "$d/manifest.json")"

	# a config that does not match the manifest is refused
	jq -c '.rootfs.diff_ids |= .[0:2]' "$d/config.json" >"$d/config2.json"
	local cfg2
	cfg2=$(upload_blob t10/app "$d/config2.json")
	jq -c --arg c "$cfg2" --argjson s "$(stat -c %s "$d/config2.json")" \
		'.config.digest = $c | .config.size = $s' "$d/manifest.json" >"$d/manifest2.json"
	curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
		--data-binary "@$d/manifest2.json" "http://$REG/v2/t10/app/manifests/bad" >/dev/null
	run b pull "$REG/t10/app:bad"
	assert_failure 125
	assert_output --partial "image config: 2 diff_ids for the manifest's 3 layers"
}

@test "bearer tokens (docker hub's scheme): anonymous pull, login at the token server, push" {
	local port
	port=$(free_port)
	# A token server and registry front: /token hands out "anon" or, for
	# user:pass, "good"; /v2/ needs a token ("anon" only reads) and passes
	# the request on to the plain registry.
	python3 - "$port" "${REG#*:}" "$TEST_TMP/scopes" >"$TEST_TMP/front.log" 2>&1 3>&- <<-'EOF' &
		import base64, http.client, http.server, json, socketserver, sys, urllib.parse
		port, upstream, scopes = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
		realm = "http://127.0.0.1:%d/token" % port
		class H(http.server.BaseHTTPRequestHandler):
		    def reply(self, code, body, headers=()):
		        data = json.dumps(body).encode()
		        self.send_response(code)
		        self.send_header("Content-Type", "application/json")
		        self.send_header("Content-Length", str(len(data)))
		        for k, v in headers:
		            self.send_header(k, v)
		        self.end_headers()
		        if self.command != "HEAD":
		            self.wfile.write(data)
		    def token(self):
		        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
		        with open(scopes, "a") as f:
		            f.write(" ".join(q.get("scope", [])) + "\n")
		        a = self.headers.get("Authorization")
		        if a is None:
		            return self.reply(200, {"token": "anon"})
		        if a == "Basic " + base64.b64encode(b"user:pass").decode():
		            return self.reply(200, {"access_token": "good"})
		        self.reply(401, {"details": "incorrect username or password"})
		    def handle_any(self):
		        if self.path.startswith("/token"):
		            return self.token()
		        a = self.headers.get("Authorization", "")
		        reading = self.command in ("GET", "HEAD")
		        if not (a == "Bearer good" or (a == "Bearer anon" and reading)):
		            parts = self.path.split("/")
		            scope = ""
		            if len(parts) > 4:
		                name = "/".join(parts[2:parts.index("blobs") if "blobs" in parts else parts.index("manifests")])
		                scope = ',scope="repository:%s:%s"' % (name, "pull" if reading else "pull,push")
		            return self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]},
		                              [("WWW-Authenticate", 'Bearer realm="%s",service="front"%s' % (realm, scope))])
		        n = int(self.headers.get("Content-Length") or 0)
		        body = self.rfile.read(n) if n else None
		        c = http.client.HTTPConnection("127.0.0.1", upstream)
		        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("authorization", "connection")}
		        c.request(self.command, self.path, body=body, headers=hdrs)
		        r = c.getresponse()
		        data = r.read()
		        self.send_response(r.status)
		        for k, v in r.getheaders():
		            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
		                self.send_header(k, v)
		        self.send_header("Content-Length", r.getheader("Content-Length") if self.command == "HEAD" else str(len(data)))
		        self.end_headers()
		        if self.command != "HEAD":
		            self.wfile.write(data)
		    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any
		    def log_message(self, *a):
		        pass
		class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
		    daemon_threads = True
		S(("127.0.0.1", port), H).serve_forever()
	EOF
	local pid=$! i
	echo "$pid" >>"$TEST_TMP/pids"
	for i in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && break
		sleep 0.1
	done
	local FRONT=127.0.0.1:$port
	export DOCKER_CONFIG=$TEST_TMP/docker-config

	import_as "$REG/t11/app:1"
	b push "$REG/t11/app:1" >/dev/null 2>&1
	local id
	id=$(image_id "$REG/t11/app:1")
	b rmi "$REG/t11/app:1" >/dev/null

	run b pull "$FRONT/t11/app:1"
	local pull_status=$status pull_output=$output
	run b push "$FRONT/t11/app:1" "$FRONT/t11/pushed:1"
	local push_anon_status=$status push_anon_output=$output
	run b login -u user -p wrong "$FRONT"
	local bad_status=$status bad_output=$output
	run b login -u user -p pass "$FRONT"
	local login_status=$status login_output=$output
	run b push "$FRONT/t11/app:1" "$FRONT/t11/pushed:1"
	local push_status=$status push_output=$output
	kill "$pid"
	wait "$pid" || true
	: >"$TEST_TMP/pids"

	status=$pull_status output=$pull_output
	assert_success
	assert_equal "$(image_id "$FRONT/t11/app:1")" "$id"
	status=$push_anon_status output=$push_anon_output
	assert_failure 125
	assert_output --partial "unauthorized: authentication required"
	status=$bad_status output=$bad_output
	assert_failure 125
	assert_output --partial "unauthorized: incorrect username or password"
	status=$login_status output=$login_output
	assert_success
	assert_output --partial "Login Succeeded"
	status=$push_status output=$push_output
	assert_success
	assert_output --regexp $'\n1: digest: sha256:[0-9a-f]{64} size: [0-9]+$'
	grep -qx 'repository:t11/app:pull' "$TEST_TMP/scopes"
	grep -q 'repository:t11/pushed:pull,push' "$TEST_TMP/scopes"
}

@test "two pulls of the same image at once both succeed and share its layers" {
	unique_tar "$TEST_TMP/twin.tar" 8192
	import_as "$REG/t12/twin:1" "$TEST_TMP/twin.tar"
	local id
	id=$(image_id "$REG/t12/twin:1")
	run b push "$REG/t12/twin:1"
	assert_success
	b rmi "$REG/t12/twin:1" >/dev/null
	b pull -q "$REG/t12/twin:1" >"$TEST_TMP/p1.out" 2>&1 3>&- &
	local p1=$!
	b pull -q "$REG/t12/twin:1" >"$TEST_TMP/p2.out" 2>&1 3>&- &
	local p2=$!
	wait "$p1" || fail "first pull: $(cat "$TEST_TMP/p1.out")"
	wait "$p2" || fail "second pull: $(cat "$TEST_TMP/p2.out")"
	run b images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
	assert_output "$REG/t12/twin:1 ${id:7:12}"
	assert_equal "$(ls "$TEST_TMP/root/image/layers" | wc -l)" 1
	run ls -A "$TEST_TMP/root/image/tmp"
	assert_output ""
}
