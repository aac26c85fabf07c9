#!/usr/bin/env bats
# image archives: berth save / load in docker-archive and oci-archive
# formats, interop with podman and skopeo, and hostile archives.

load helpers

eval "helpers_$(declare -f setup)"
eval "helpers_$(declare -f teardown)"

# Directories podman and skopeo create outside their stores whatever they
# are told (the blob info cache); removed at teardown if the test made them.
OUTSIDE=(/run/containers/networks /run/containers /var/lib/containers/cache /var/lib/containers)

setup() {
	helpers_setup
	MADE=()
	local d
	for d in "${OUTSIDE[@]}"; do
		[ -e "$d" ] || MADE+=("$d")
	done
}

teardown() {
	if [ -n "${PM:-}" ] && [ -d "$PM/store" ]; then
		pm rmi -af >/dev/null 2>&1
	fi
	local d
	for d in "${MADE[@]}"; do
		if [ -d "$d" ]; then
			[ "$d" = /var/lib/containers/cache ] && rm -f "$d"/blob-info-cache-*.boltdb
			rmdir "$d" 2>/dev/null
		fi
	done
	helpers_teardown
}

import_busybox() { # the default image, as make demo makes it
	b import --change 'CMD ["sh"]' -m "busybox-static" "$(busybox_tar)" busybox:latest
}

# A second image: busybox with one more file, as its own one-layer image.
import_other() {
	local dir=$TEST_TMP/other
	mkdir -p "$dir"
	tar -C "$dir" -xf "$(busybox_tar)"
	echo other >"$dir/etc/other"
	tar -C "$dir" --sort=name --owner=0 --group=0 --numeric-owner -cf "$TEST_TMP/other.tar" .
	b import --change 'CMD ["cat", "/etc/other"]' "$TEST_TMP/other.tar" localhost/other:2
}

# What an image is: its id, its names, its layers (one line).
image_facts() {
	b image inspect "$1" | jq -c '.[0] | [.Id, .RepoTags, .RootFS.Layers]'
}

top_layer() { b image inspect "$1" | jq -r '.[0].RootFS.Layers[-1]'; }

# A member of a tar, to stdout.
tar_member() { tar -xOf "$1" "$2"; }

# podman on a store of the test's own (vfs: no mounts to undo).
pm() {
	CONTAINERS_CONF=$PM/containers.conf timeout -k 10 120 podman --root "$PM/store" \
		--runroot "$PM/run" --tmpdir "$PM/tmp" --storage-driver vfs \
		--cgroup-manager cgroupfs --events-backend file "$@"
}

pm_setup() {
	command -v podman >/dev/null || skip "podman is not installed"
	PM=$TEST_TMP/podman
	mkdir -p "$PM/tmp"
	cat >"$PM/containers.conf" <<-EOF
		[containers]
		default_ulimits = []

		[network]
		network_config_dir = "$PM/networks"

		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
	EOF
}

sk() {
	mkdir -p "$TEST_TMP/sktmp"
	timeout -k 10 120 skopeo --tmpdir "$TEST_TMP/sktmp" "$@"
}

# mktar OUT SPEC...: a tar made by python's tarfile (it writes what GNU tar
# refuses to): "file:NAME:PATH" (content of PATH), "text:NAME:TEXT",
# "dir:NAME", "symlink:NAME:TARGET", "hardlink:NAME:TARGET", "fifo:NAME".
mktar() {
	python3 - "$@" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    for spec in sys.argv[2:]:
        kind, rest = spec.split(":", 1)
        ti = tarfile.TarInfo()
        if kind in ("file", "text"):
            ti.name, src = rest.split(":", 1)
            data = open(src, "rb").read() if kind == "file" else src.encode()
            ti.size, ti.mode = len(data), 0o644
            t.addfile(ti, io.BytesIO(data))
        elif kind == "dir":
            ti.name, ti.type, ti.mode = rest, tarfile.DIRTYPE, 0o755
            t.addfile(ti)
        elif kind == "fifo":
            ti.name, ti.type = rest, tarfile.FIFOTYPE
            t.addfile(ti)
        else:
            ti.name, ti.linkname = rest.split(":", 1)
            ti.type = tarfile.SYMTYPE if kind == "symlink" else tarfile.LNKTYPE
            t.addfile(ti)
PY
}

# The store holds no image and nothing is left in its tmp/.
assert_store_clean() {
	run b images -q
	assert_success
	assert_output ""
	run ls -A "$TEST_TMP/root/image/tmp"
	assert_output ""
}

@test "save and load a docker-archive: the same image comes back" {
	import_busybox >/dev/null
	b tag busybox localhost:5000/team/app:1.0
	local before
	before=$(image_facts busybox)
	run b save -o "$TEST_TMP/bb.tar" busybox localhost:5000/team/app:1.0
	assert_success
	assert_output ""
	# docker's layout: manifest.json, repositories, the config, one
	# uncompressed layer.tar per layer whose sha256 is its diff_id
	local m id diff
	m=$(tar_member "$TEST_TMP/bb.tar" manifest.json)
	id=$(b image inspect --format '{{.Id}}' busybox)
	diff=$(top_layer busybox)
	assert_equal "$(jq -r '.[0].Config' <<<"$m")" "${id#sha256:}.json"
	assert_equal "$(jq -c '.[0].RepoTags' <<<"$m")" '["busybox:latest","localhost:5000/team/app:1.0"]'
	assert_equal "$(jq -c '.[0].Layers' <<<"$m")" "[\"${diff#sha256:}/layer.tar\"]"
	assert_equal "$(jq 'length' <<<"$m")" 1
	assert_equal "$(tar_member "$TEST_TMP/bb.tar" repositories | jq -r .busybox.latest)" "${diff#sha256:}"
	assert_equal "sha256:$(tar_member "$TEST_TMP/bb.tar" "${id#sha256:}.json" | sha256sum | cut -d' ' -f1)" "$id"
	assert_equal "sha256:$(tar_member "$TEST_TMP/bb.tar" "${diff#sha256:}/layer.tar" | sha256sum | cut -d' ' -f1)" "$diff"
	assert_equal "$(tar_member "$TEST_TMP/bb.tar" "${diff#sha256:}/VERSION")" "1.0"
	run tar -tvf "$TEST_TMP/bb.tar"
	refute_output --regexp '^[^-d]' # files and directories only
	# gone, then loaded back: same id, names and layers
	b rmi busybox localhost:5000/team/app:1.0 >/dev/null
	assert_store_clean
	run b load -i "$TEST_TMP/bb.tar"
	assert_success
	assert_output $'Loaded image: busybox:latest\nLoaded image: localhost:5000/team/app:1.0'
	assert_equal "$(image_facts busybox)" "$before"
	run b image mount busybox
	assert_success
	[ -x "$output/bin/busybox" ]
	b image unmount busybox >/dev/null
	# loading it again changes nothing; -q prints nothing
	run b load -q -i "$TEST_TMP/bb.tar"
	assert_success
	assert_output ""
	assert_equal "$(b images -q | sort -u | wc -l)" 1
	run ls -A "$TEST_TMP/root/image/tmp"
	assert_output ""
}

@test "save and load an oci-archive: the same image comes back" {
	import_busybox >/dev/null
	local before id
	before=$(image_facts busybox)
	id=$(b image inspect --format '{{.Id}}' busybox)
	run b save --format oci-archive -o "$TEST_TMP/bb.oci.tar" busybox
	assert_success
	local idx
	idx=$(tar_member "$TEST_TMP/bb.oci.tar" index.json)
	assert_equal "$(tar_member "$TEST_TMP/bb.oci.tar" oci-layout | jq -r .imageLayoutVersion)" 1.0.0
	assert_equal "$(jq -r .schemaVersion <<<"$idx")" 2
	assert_equal "$(jq -r '.manifests | length' <<<"$idx")" 1
	assert_equal "$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' <<<"$idx")" latest
	assert_equal "$(jq -r '.manifests[0].annotations["io.containerd.image.name"]' <<<"$idx")" docker.io/library/busybox:latest
	# every blob is named by its digest; the manifest's config is the image id
	mkdir "$TEST_TMP/x"
	tar -C "$TEST_TMP/x" -xf "$TEST_TMP/bb.oci.tar"
	local f
	for f in "$TEST_TMP"/x/blobs/sha256/*; do
		assert_equal "$(sha256sum <"$f" | cut -d' ' -f1)" "$(basename "$f")"
	done
	local man=$TEST_TMP/x/blobs/sha256/$(jq -r '.manifests[0].digest' <<<"$idx" | cut -d: -f2)
	assert_equal "$(jq -r .config.digest "$man")" "$id"
	b rmi busybox >/dev/null
	assert_store_clean
	run b load <"$TEST_TMP/bb.oci.tar"
	assert_success
	assert_output "Loaded image: busybox:latest"
	assert_equal "$(image_facts busybox)" "$before"
	run b image mount busybox
	assert_success
	[ -x "$output/bin/busybox" ]
	b image unmount busybox >/dev/null
}

@test "save to stdout piped into load; a terminal is refused; bad arguments" {
	import_busybox >/dev/null
	local before
	before=$(image_facts busybox)
	b save busybox >"$TEST_TMP/out.tar"
	b rmi busybox >/dev/null
	run bash -c "'$BERTH' --root '$TEST_TMP/root' --runroot '$TEST_TMP/run' load <'$TEST_TMP/out.tar'"
	assert_success
	assert_equal "$(image_facts busybox)" "$before"
	# through a pipe into another store, in both formats, gzip-compressed too
	b2() { "$BERTH" --root "$TEST_TMP/root2" --runroot "$TEST_TMP/run2" "$@"; }
	run bash -c "set -o pipefail; '$BERTH' --root '$TEST_TMP/root' save busybox |
		'$BERTH' --root '$TEST_TMP/root2' --runroot '$TEST_TMP/run2' load"
	assert_success
	assert_output "Loaded image: busybox:latest"
	assert_equal "$(b2 image inspect busybox | jq -c '.[0] | [.Id, .RepoTags, .RootFS.Layers]')" "$before"
	b2 rmi busybox >/dev/null
	b save --format oci-archive busybox | gzip | b2 load >/dev/null
	assert_equal "$(b2 image inspect busybox | jq -c '.[0] | [.Id, .RepoTags, .RootFS.Layers]')" "$before"
	# an untagged image (saved by id) loads without a name
	local id
	id=$(b image inspect --format '{{.Id}}' busybox)
	b save "$id" >"$TEST_TMP/byid.tar"
	assert_equal "$(tar_member "$TEST_TMP/byid.tar" manifest.json | jq -c '.[0].RepoTags')" null
	b rmi busybox >/dev/null
	run b load -i "$TEST_TMP/byid.tar"
	assert_success
	assert_output "Loaded image ID: $id"
	run b images --format '{{.Repository}}:{{.Tag}}'
	assert_output "<none>:<none>"
	# a terminal on stdout is refused
	command -v script >/dev/null || skip "needs script(1) for a terminal"
	run script -qec "'$BERTH' --root '$TEST_TMP/root' --runroot '$TEST_TMP/run' save $id" /dev/null
	assert_failure
	assert_output --partial "cowardly refusing to save to a terminal. Use the -o flag or redirect"
	run b save --format tarball -o "$TEST_TMP/x.tar" "$id"
	assert_failure 125
	assert_output --partial 'unsupported format "tarball"'
	run b save -o "$TEST_TMP/x.tar" nosuchimage
	assert_failure 125
	assert_output --partial nosuchimage
	[ ! -e "$TEST_TMP/x.tar" ]
	run b load -i "$TEST_TMP/nonexistent.tar"
	assert_failure 125
	assert_output --partial nonexistent.tar
}

@test "several images in one archive, in both formats" {
	import_busybox >/dev/null
	import_other >/dev/null
	b tag busybox busybox:1
	local bb other
	bb=$(image_facts busybox)
	other=$(image_facts localhost/other:2)
	# -m is podman's and accepted; a repository without a tag means all its tags
	b save -m -o "$TEST_TMP/two.tar" busybox localhost/other:2
	assert_equal "$(tar_member "$TEST_TMP/two.tar" manifest.json | jq -c '[.[].RepoTags | sort]')" \
		'[["busybox:1","busybox:latest"],["localhost/other:2"]]'
	b save --format oci-archive -o "$TEST_TMP/two.oci.tar" busybox:latest localhost/other:2
	assert_equal "$(tar_member "$TEST_TMP/two.oci.tar" index.json | jq '.manifests | length')" 2
	local fmt
	for fmt in two two.oci; do
		b rmi -f busybox:latest busybox:1 localhost/other:2 >/dev/null
		assert_store_clean
		run b load -i "$TEST_TMP/$fmt.tar"
		assert_success
		assert_line "Loaded image: busybox:latest"
		assert_line "Loaded image: localhost/other:2"
		[ "$fmt" = two ] && assert_line "Loaded image: busybox:1"
		b tag busybox busybox:1
		assert_equal "$(image_facts busybox)" "$bb"
		assert_equal "$(image_facts localhost/other:2)" "$other"
	done
	run b image mount localhost/other:2
	assert_success
	assert_equal "$(cat "$output/etc/other")" other
	b image unmount localhost/other:2 >/dev/null
}

@test "save -o is atomic: a failing save leaves the target as it was" {
	import_busybox >/dev/null
	echo old >"$TEST_TMP/keep.tar"
	# a blob of the image is corrupted: the save fails half-way
	local diff
	diff=$(top_layer busybox)
	local blob=$TEST_TMP/root/image/blobs/sha256/${diff#sha256:}
	cp "$blob" "$TEST_TMP/blob.good"
	truncate -s 100000 "$blob"
	run b save -o "$TEST_TMP/keep.tar" busybox
	assert_failure 125
	assert_output --partial "save"
	assert_equal "$(cat "$TEST_TMP/keep.tar")" old
	run b save --format oci-archive -o "$TEST_TMP/new.tar" busybox
	assert_failure 125
	assert_output --partial "corrupted"
	run ls -A "$TEST_TMP"
	refute_output --partial new.tar
	refute_output --partial .tmp-
	cp "$TEST_TMP/blob.good" "$blob"
	run b save -o "$TEST_TMP/keep.tar" busybox
	assert_success
	tar -tf "$TEST_TMP/keep.tar" manifest.json
}

@test "podman loads berth's archives with the same image id" {
	pm_setup
	import_busybox >/dev/null
	local id
	id=$(b image inspect --format '{{.Id}}' busybox)
	b save -o "$TEST_TMP/d.tar" busybox
	b save --format oci-archive -o "$TEST_TMP/o.tar" busybox
	run pm load -i "$TEST_TMP/d.tar"
	assert_success
	# podman qualifies a docker archive's short names with localhost/
	assert_output --regexp 'Loaded image: (localhost|docker\.io/library)/busybox:latest'
	run pm images --no-trunc --format '{{.Repository}}:{{.Tag}} {{.ID}}'
	assert_success
	assert_output --regexp "busybox:latest ${id}$"
	pm rmi -af >/dev/null
	run pm load -i "$TEST_TMP/o.tar"
	assert_success
	assert_output --partial "Loaded image: docker.io/library/busybox:latest"
	run pm images --no-trunc --format '{{.Repository}}:{{.Tag}} {{.ID}}'
	assert_output "docker.io/library/busybox:latest $id"
	run pm image inspect --format '{{json .RootFS.Layers}}' "$id"
	assert_output "$(b image inspect busybox | jq -c '.[0].RootFS.Layers')"
}

@test "berth loads podman's archives: docker-archive and oci-archive" {
	pm_setup
	run pm import -q "$(busybox_tar)" localhost/pmbox:1
	assert_success
	local id=$output
	[[ $id == sha256:* ]] || id=sha256:$id
	pm save --format docker-archive -o "$TEST_TMP/pd.tar" localhost/pmbox:1
	pm save --format oci-archive -o "$TEST_TMP/po.tar" localhost/pmbox:1
	local f
	for f in pd po; do
		run b load -i "$TEST_TMP/$f.tar"
		assert_success
		assert_output "Loaded image: localhost/pmbox:1"
		assert_equal "$(b image inspect --format '{{.Id}}' localhost/pmbox:1)" "$id"
		run b image mount localhost/pmbox:1
		assert_success
		[ -x "$output/bin/busybox" ]
		b image unmount localhost/pmbox:1 >/dev/null
		b rmi localhost/pmbox:1 >/dev/null
		assert_store_clean
	done
}

@test "skopeo reads berth's archives; berth loads what skopeo writes" {
	command -v skopeo >/dev/null || skip "skopeo is not installed"
	import_busybox >/dev/null
	local id diff
	id=$(b image inspect --format '{{.Id}}' busybox)
	diff=$(top_layer busybox)
	b save -o "$TEST_TMP/d.tar" busybox
	b save --format oci-archive -o "$TEST_TMP/o.tar" busybox
	run sk inspect "docker-archive:$TEST_TMP/d.tar"
	assert_success
	assert_equal "$(jq -c .Layers <<<"$output")" "[\"$diff\"]"
	run sk inspect --config "docker-archive:$TEST_TMP/d.tar"
	assert_success
	assert_equal "$(jq -c .config.Cmd <<<"$output")" '["sh"]'
	run sk inspect "oci-archive:$TEST_TMP/o.tar"
	assert_success
	assert_equal "$(jq -c .Layers <<<"$output")" "[\"$diff\"]"
	# skopeo's own archives: docker-archive, and OCI with gzip and zstd layers
	sk copy -q "oci-archive:$TEST_TMP/o.tar" "docker-archive:$TEST_TMP/sk.tar:sk/app:one"
	sk copy -q --dest-compress "docker-archive:$TEST_TMP/d.tar" "oci-archive:$TEST_TMP/gz.tar:localhost/gz:1"
	sk copy -q --dest-compress --dest-compress-format zstd "docker-archive:$TEST_TMP/d.tar" \
		"oci-archive:$TEST_TMP/zst.tar:localhost/zst:1"
	b rmi busybox >/dev/null
	local f name kind cfg
	for f in sk:sk/app:one gz:localhost/gz:1 zst:localhost/zst:1; do
		name=${f#*:}
		kind=oci-archive
		[ "${f%%:*}" = sk ] && kind=docker-archive
		# The image id is the digest of the config skopeo wrote (which
		# it copies unchanged: the same id as ours, as a rule)
		cfg=$(sk inspect --raw "$kind:$TEST_TMP/${f%%:*}.tar" | jq -r .config.digest)
		[ "$cfg" = "$id" ] || echo "# skopeo rewrote the config: $cfg, not $id" >&3
		run b load -i "$TEST_TMP/${f%%:*}.tar"
		assert_success
		assert_output "Loaded image: $name"
		assert_equal "$(b image inspect --format '{{.Id}}' "$name")" "$cfg"
		assert_equal "$(b image inspect "$name" | jq -c '.[0] | [.RootFS.Layers, .Config.Cmd]')" \
			"[[\"$diff\"],[\"sh\"]]"
		# saved again as a docker archive: the compressed layer is
		# written uncompressed, and hashes to its diff_id
		b save -o "$TEST_TMP/again.tar" "$name"
		assert_equal "sha256:$(tar_member "$TEST_TMP/again.tar" "${diff#sha256:}/layer.tar" | sha256sum | cut -d' ' -f1)" "$diff"
		run b image mount "$name"
		assert_success
		[ -x "$output/bin/busybox" ]
		b image unmount "$name" >/dev/null
		b rmi "$name" >/dev/null
		assert_store_clean
	done
}

# A docker archive of busybox, unpacked in $TEST_TMP/d for tampering:
# $CFG is the config's file name, $LAYER the layer's.
unpacked_docker_archive() {
	import_busybox >/dev/null
	b save -o "$TEST_TMP/good.tar" busybox
	b rmi busybox >/dev/null
	mkdir -p "$TEST_TMP/d"
	tar -C "$TEST_TMP/d" -xf "$TEST_TMP/good.tar"
	CFG=$(jq -r '.[0].Config' "$TEST_TMP/d/manifest.json")
	LAYER=$(jq -r '.[0].Layers[0]' "$TEST_TMP/d/manifest.json")
}

@test "hostile archives are refused, write nothing outside and add no image" {
	unpacked_docker_archive
	local d=$TEST_TMP/d o=$TEST_TMP/outside
	mkdir -p "$o"
	echo keep >"$o/keep"
	local layer="file:$LAYER:$d/$LAYER" cfg="file:$CFG:$d/$CFG" man="file:manifest.json:$d/manifest.json"
	# each case: name, expected message, entries
	local cases=(
		"dotdot|path escapes the archive|file:../x:$d/$CFG $man $cfg $layer"
		"deep-dotdot|path escapes the archive|$man $cfg $layer file:a/../../../../../..$o/x:$d/$CFG"
		"absolute|absolute path|file:$o/abs:$d/$CFG $man $cfg $layer"
		"symlink-out|escapes the archive|symlink:l:$o $man $cfg $layer"
		"symlink-up|escapes the archive|symlink:a/l:../../x $man $cfg $layer"
		"symlink-abs|escapes the archive|symlink:l:/etc/passwd $man $cfg $layer"
		"hardlink-out|escapes the archive|hardlink:h:../../etc/passwd $man $cfg $layer"
		"fifo|not a regular file or directory|fifo:p $man $cfg $layer"
		"nothing|archive has neither manifest.json nor index.json|$cfg $layer"
		"longname|name longer than 1024 bytes|text:$(printf 'a%.0s' {1..1100}):x $man $cfg $layer"
		"bigdoc|larger than 4194304 bytes|file:manifest.json:$TEST_TMP/big.json $cfg $layer"
	)
	head -c 5000000 /dev/zero | tr '\0' ' ' >"$TEST_TMP/big.json"
	local c name msg
	for c in "${cases[@]}"; do
		IFS='|' read -r name msg entries <<<"$c"
		# shellcheck disable=SC2086
		mktar "$TEST_TMP/$name.tar" $entries
		run b load -i "$TEST_TMP/$name.tar"
		assert_failure 125
		assert_output --partial "load: "
		assert_output --partial "$msg"
		assert_store_clean
	done
	# documents naming files outside the archive
	jq -c '.[0].Layers = ["../../../../../../etc/passwd"]' "$d/manifest.json" >"$TEST_TMP/m1.json"
	jq -c '.[0].Config = "/etc/passwd"' "$d/manifest.json" >"$TEST_TMP/m2.json"
	jq -c '.[0].Layers = ["l"]' "$d/manifest.json" >"$TEST_TMP/m3.json"
	mktar "$TEST_TMP/m1.tar" "file:manifest.json:$TEST_TMP/m1.json" "$cfg" "$layer"
	mktar "$TEST_TMP/m2.tar" "file:manifest.json:$TEST_TMP/m2.json" "$cfg" "$layer"
	mktar "$TEST_TMP/m3.tar" "file:manifest.json:$TEST_TMP/m3.json" "$cfg" "$layer" "symlink:l:x/../../y"
	for name in m1 m2 m3; do
		run b load -i "$TEST_TMP/$name.tar"
		assert_failure 125
		assert_output --regexp "load: .*(path escapes|escapes the archive)"
		assert_store_clean
	done
	# nothing landed outside; the store's own files are intact
	run ls -A "$o"
	assert_output keep
	[ ! -e "$TEST_TMP/root/image/x" ] && [ ! -e "$TEST_TMP/root/x" ] && [ ! -e "$TEST_TMP/x" ]
	# the good archive still loads
	run b load -i "$TEST_TMP/good.tar"
	assert_success
}

@test "archives whose content does not match their digests are refused" {
	unpacked_docker_archive
	local d=$TEST_TMP/d
	# a layer that is not the one the config names
	mkdir -p "$TEST_TMP/fake"
	echo fake >"$TEST_TMP/fake/file"
	tar -C "$TEST_TMP/fake" -cf "$TEST_TMP/fake.tar" file
	mktar "$TEST_TMP/badlayer.tar" "file:manifest.json:$d/manifest.json" "file:$CFG:$d/$CFG" \
		"file:$LAYER:$TEST_TMP/fake.tar"
	run b load -i "$TEST_TMP/badlayer.tar"
	assert_failure 125
	assert_output --regexp "load: .*uncompressed content has digest sha256:[0-9a-f]{64} \(corrupted\)"
	assert_store_clean
	# a config changed under its digest's name
	jq -c '.config.Cmd = ["evil"]' "$d/$CFG" >"$TEST_TMP/cfg.json"
	mktar "$TEST_TMP/badcfg.tar" "file:manifest.json:$d/manifest.json" "file:$CFG:$TEST_TMP/cfg.json" \
		"file:$LAYER:$d/$LAYER"
	run b load -i "$TEST_TMP/badcfg.tar"
	assert_failure 125
	assert_output --partial "corrupted"
	assert_store_clean
	# the same in an OCI layout: a config blob and a layer blob that do not
	# match their names, and a manifest whose size is wrong
	b load -i "$TEST_TMP/good.tar" >/dev/null
	b save --format oci-archive -o "$TEST_TMP/good.oci.tar" busybox
	b rmi busybox >/dev/null
	mkdir -p "$TEST_TMP/o"
	tar -C "$TEST_TMP/o" -xf "$TEST_TMP/good.oci.tar"
	local man cfgd layd
	man=$(jq -r '.manifests[0].digest' "$TEST_TMP/o/index.json" | cut -d: -f2)
	cfgd=$(jq -r .config.digest "$TEST_TMP/o/blobs/sha256/$man" | cut -d: -f2)
	layd=$(jq -r '.layers[0].digest' "$TEST_TMP/o/blobs/sha256/$man" | cut -d: -f2)
	local ents=("file:oci-layout:$TEST_TMP/o/oci-layout" "file:index.json:$TEST_TMP/o/index.json"
		"file:blobs/sha256/$man:$TEST_TMP/o/blobs/sha256/$man")
	mktar "$TEST_TMP/oci-badcfg.tar" "${ents[@]}" "file:blobs/sha256/$cfgd:$TEST_TMP/cfg.json" \
		"file:blobs/sha256/$layd:$TEST_TMP/o/blobs/sha256/$layd"
	run b load -i "$TEST_TMP/oci-badcfg.tar"
	assert_failure 125
	assert_output --regexp "load: .*blob sha256:$cfgd: content has digest sha256:[0-9a-f]{64} \(corrupted\)"
	assert_store_clean
	mktar "$TEST_TMP/oci-badlayer.tar" "${ents[@]}" "file:blobs/sha256/$cfgd:$TEST_TMP/o/blobs/sha256/$cfgd" \
		"file:blobs/sha256/$layd:$TEST_TMP/fake.tar"
	run b load -i "$TEST_TMP/oci-badlayer.tar"
	assert_failure 125
	assert_output --regexp "load: .*blob sha256:$layd: .*(corrupted|expected [0-9]+)"
	assert_store_clean
	jq -c '.manifests[0].size = 10' "$TEST_TMP/o/index.json" >"$TEST_TMP/idx.json"
	mktar "$TEST_TMP/oci-badsize.tar" "file:oci-layout:$TEST_TMP/o/oci-layout" \
		"file:index.json:$TEST_TMP/idx.json" "file:blobs/sha256/$man:$TEST_TMP/o/blobs/sha256/$man" \
		"file:blobs/sha256/$cfgd:$TEST_TMP/o/blobs/sha256/$cfgd" \
		"file:blobs/sha256/$layd:$TEST_TMP/o/blobs/sha256/$layd"
	run b load -i "$TEST_TMP/oci-badsize.tar"
	assert_failure 125
	assert_output --partial "expected 10"
	assert_store_clean
	# a manifest.json that is not what docker writes
	echo '{"not": "a list"}' >"$TEST_TMP/m.json"
	mktar "$TEST_TMP/badman.tar" "file:manifest.json:$TEST_TMP/m.json"
	run b load -i "$TEST_TMP/badman.tar"
	assert_failure 125
	assert_output --partial "load: manifest.json: expected an array"
	assert_store_clean
}

@test "a truncated or non-tar archive is a clear error" {
	unpacked_docker_archive
	local size
	size=$(stat -c %s "$TEST_TMP/good.tar")
	head -c $((size / 2)) "$TEST_TMP/good.tar" >"$TEST_TMP/half.tar"
	run b load -i "$TEST_TMP/half.tar"
	assert_failure 125
	assert_output --regexp "load: .*[Tt]runcated"
	assert_store_clean
	head -c 1000 "$TEST_TMP/good.tar" | gzip >"$TEST_TMP/half.tar.gz"
	run b load -i "$TEST_TMP/half.tar.gz"
	assert_failure 125
	assert_output --partial "load: "
	assert_store_clean
	echo "hello" >"$TEST_TMP/text"
	run b load -i "$TEST_TMP/text"
	assert_failure 125
	assert_output --partial "load: not a tar archive"
	run b load </dev/null
	assert_failure 125
	assert_output --partial "load: "
	assert_store_clean
}

@test "kill -9 during a load adds nothing; prune sweeps what it left" {
	import_busybox >/dev/null
	import_other >/dev/null
	b save -o "$TEST_TMP/all.tar" busybox localhost/other:2
	b rmi localhost/other:2 >/dev/null
	# the archive arrives slowly through a fifo; the load is killed once it
	# has started writing below tmp/
	mkfifo "$TEST_TMP/fifo"
	b load -i "$TEST_TMP/fifo" >/dev/null 2>&1 &
	local pid=$!
	exec 7>"$TEST_TMP/fifo"
	head -c 3000000 "$TEST_TMP/all.tar" >&7
	local i
	for i in $(seq 100); do
		[ -n "$(ls -A "$TEST_TMP/root/image/tmp")" ] && break
		sleep 0.1
	done
	[ -n "$(ls -A "$TEST_TMP/root/image/tmp")" ] || fail "the load wrote nothing below tmp/"
	kill -9 "$pid"
	wait "$pid" || true
	exec 7>&-
	run b images --format '{{.Repository}}'
	assert_success
	assert_output busybox
	run b image prune -f
	assert_success
	run ls -A "$TEST_TMP/root/image/tmp"
	assert_output ""
	# the store still works, and the archive still loads
	run b load -i "$TEST_TMP/all.tar"
	assert_success
	assert_line "Loaded image: localhost/other:2"
}

@test "docker 25 archives (an OCI layout and manifest.json) and multi-platform indexes" {
	import_busybox >/dev/null
	local before id
	before=$(image_facts busybox)
	id=$(b image inspect --format '{{.Id}}' busybox)
	b save --format oci-archive -o "$TEST_TMP/o.tar" busybox
	b rmi busybox >/dev/null
	local o=$TEST_TMP/o
	mkdir -p "$o"
	tar -C "$o" -xf "$TEST_TMP/o.tar"
	local man cfgd layd
	man=$(jq -r '.manifests[0].digest' "$o/index.json" | cut -d: -f2)
	cfgd=$(jq -r .config.digest "$o/blobs/sha256/$man" | cut -d: -f2)
	layd=$(jq -r '.layers[0].digest' "$o/blobs/sha256/$man" | cut -d: -f2)
	# what docker 25 writes: both descriptions, the layers once, in blobs/
	jq -n --arg c "blobs/sha256/$cfgd" --arg l "blobs/sha256/$layd" \
		'[{Config: $c, RepoTags: ["busybox:json"], Layers: [$l]}]' >"$o/manifest.json"
	tar -C "$o" -cf "$TEST_TMP/d25.tar" oci-layout index.json manifest.json blobs
	run b load -i "$TEST_TMP/d25.tar"
	assert_success
	# the OCI layout was used (its name, not manifest.json's)
	assert_output "Loaded image: busybox:latest"
	assert_equal "$(image_facts busybox)" "$before"
	b rmi busybox >/dev/null
	# a layout whose blobs are incomplete: manifest.json is used
	mkdir -p "$o/legacy"
	cp "$o/blobs/sha256/$layd" "$o/legacy/layer.tar"
	jq -n --arg c "blobs/sha256/$cfgd" \
		'[{Config: $c, RepoTags: ["busybox:latest"], Layers: ["legacy/layer.tar"]}]' >"$o/manifest.json"
	mv "$o/blobs/sha256/$layd" "$o/layer.away"
	tar -C "$o" -cf "$TEST_TMP/partial.tar" oci-layout index.json manifest.json blobs legacy
	run b load -i "$TEST_TMP/partial.tar"
	assert_success
	assert_output "Loaded image: busybox:latest"
	assert_equal "$(image_facts busybox)" "$before"
	b rmi busybox >/dev/null
	mv "$o/layer.away" "$o/blobs/sha256/$layd"
	rm -r "$o/legacy" "$o/manifest.json"
	# a multi-platform index: the linux/amd64 image is taken; the other
	# platform's manifest need not be in the archive
	local msize
	msize=$(stat -c %s "$o/blobs/sha256/$man")
	jq -nc --arg m "sha256:$man" --argjson s "$msize" '{schemaVersion: 2,
		mediaType: "application/vnd.oci.image.index.v1+json", manifests: [
		{mediaType: "application/vnd.oci.image.manifest.v1+json",
		 digest: "sha256:1111111111111111111111111111111111111111111111111111111111111111",
		 size: 500, platform: {os: "linux", architecture: "arm64"}},
		{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $s,
		 platform: {os: "linux", architecture: "amd64"}}]}' >"$TEST_TMP/list.json"
	local list
	list=$(sha256sum <"$TEST_TMP/list.json" | cut -d' ' -f1)
	cp "$TEST_TMP/list.json" "$o/blobs/sha256/$list"
	jq -nc --arg d "sha256:$list" --argjson s "$(stat -c %s "$TEST_TMP/list.json")" '{schemaVersion: 2,
		manifests: [{mediaType: "application/vnd.oci.image.index.v1+json", digest: $d, size: $s,
		annotations: {"io.containerd.image.name": "quay.io/team/multi:v1",
			      "org.opencontainers.image.ref.name": "v1"}},
		{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $ms,
		 annotations: {"org.opencontainers.image.ref.name": "v2"}}]}' \
		--arg m "sha256:$man" --argjson ms "$msize" >"$o/index.json"
	tar -C "$o" -cf "$TEST_TMP/multi.tar" oci-layout index.json blobs
	run b load -i "$TEST_TMP/multi.tar"
	assert_success
	# a bare tag names no repository: that descriptor adds no name
	assert_output "Loaded image: quay.io/team/multi:v1"
	assert_equal "$(b image inspect quay.io/team/multi:v1 | jq -r '.[0].Id')" "$id"
	b rmi quay.io/team/multi:v1 >/dev/null
	# no amd64 image at all
	jq -c '.manifests |= map(select(.platform.architecture == "arm64"))' "$TEST_TMP/list.json" >"$TEST_TMP/arm.json"
	local arm
	arm=$(sha256sum <"$TEST_TMP/arm.json" | cut -d' ' -f1)
	cp "$TEST_TMP/arm.json" "$o/blobs/sha256/$arm"
	jq -nc --arg d "sha256:$arm" --argjson s "$(stat -c %s "$TEST_TMP/arm.json")" \
		'{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.index.v1+json",
		  digest: $d, size: $s}]}' >"$o/index.json"
	tar -C "$o" -cf "$TEST_TMP/arm.tar" oci-layout index.json blobs
	run b load -i "$TEST_TMP/arm.tar"
	assert_failure 125
	assert_output --partial "no linux/amd64 image"
	assert_store_clean
}
