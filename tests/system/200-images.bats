#!/usr/bin/env bats
# images: import, list, tag, inspect, history, remove, prune, mount; the
# store's integrity and its behaviour under kill -9 and concurrency.

load helpers

import_busybox() { # the default image, as make demo makes it
	b import --change 'CMD ["sh"]' -m "busybox-static" "$(busybox_tar)" busybox:latest
}

@test "import makes an image that images, inspect and history show" {
	run import_busybox
	assert_success
	assert_output --regexp '^sha256:[0-9a-f]{64}$'
	local id=${output#sha256:}
	run b images
	assert_success
	assert_line --index 0 --regexp '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$'
	assert_line --index 1 --regexp "^busybox +latest +${id:0:12} +.* ago +[0-9.]+[kM]B$"
	run b images -q
	assert_output "${id:0:12}"
	run b images --no-trunc --format '{{.Repository}}:{{.Tag}} {{.ID}}'
	assert_output "busybox:latest sha256:$id"
	run b images --format json
	assert_success
	assert_equal "$(jq -r .Repository <<<"$output")" busybox
	run b image inspect busybox
	assert_success
	assert_equal "$(jq -r '.[0].Id' <<<"$output")" "sha256:$id"
	assert_equal "$(jq -c '.[0].Config.Cmd' <<<"$output")" '["sh"]'
	assert_equal "$(jq -r '.[0].RepoTags[0]' <<<"$output")" busybox:latest
	assert_equal "$(jq -r '.[0].Os + "/" + .[0].Architecture' <<<"$output")" linux/amd64
	assert_equal "$(jq -r '.[0].RootFS.Layers | length' <<<"$output")" 1
	run b inspect --format '{{.Id}}' busybox
	assert_output "sha256:$id"
	run b history busybox
	assert_success
	assert_line --index 0 --regexp '^IMAGE +CREATED +CREATED BY +SIZE +COMMENT$'
	assert_line --index 1 --regexp "^${id:0:12} +.* ago +berth import +[0-9.]+[kM]B +busybox-static$"
	# the same image by its full name, its id and a short id
	for name in docker.io/library/busybox:latest "sha256:$id" "${id:0:12}" "${id:0:5}"; do
		run b image inspect --format '{{.Id}}' "$name"
		assert_output "sha256:$id"
	done
}

@test "import --change sets the image's config as docker does" {
	run b import \
		--change 'ENTRYPOINT ["/bin/sh", "-c"]' --change 'CMD echo hi' \
		--change 'ENV A=1 B="two words"' --change 'ENV C 3' --change 'WORKDIR /tmp' \
		--change 'USER nobody' --change 'EXPOSE 80 53/UDP' --change 'LABEL app=web' \
		--change 'VOLUME /data /logs' \
		"$(busybox_tar)" changed:1
	assert_success
	run b image inspect --format '{{json .Config}}' changed:1
	assert_success
	local c=$output
	assert_equal "$(jq -c .Entrypoint <<<"$c")" '["/bin/sh","-c"]'
	assert_equal "$(jq -c .Cmd <<<"$c")" '["/bin/sh","-c","echo hi"]'
	assert_equal "$(jq -c .Env <<<"$c")" \
		'["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","A=1","B=two words","C=3"]'
	assert_equal "$(jq -r .WorkingDir <<<"$c")" /tmp
	assert_equal "$(jq -r .User <<<"$c")" nobody
	assert_equal "$(jq -c '.ExposedPorts | keys' <<<"$c")" '["53/udp","80/tcp"]'
	assert_equal "$(jq -r .Labels.app <<<"$c")" web
	assert_equal "$(jq -c '.Volumes | keys' <<<"$c")" '["/data","/logs"]'
	run b import --change 'FROM x' "$(busybox_tar)" bad:1
	assert_failure 125
	assert_output --partial 'unknown instruction "FROM"'
	run b images -q
	assert_output "$(b images -q changed:1)"
	# label filters: a key, a key and its value
	run b images --filter label=app --format '{{.Repository}}'
	assert_output changed
	run b images --filter label=app=web --format '{{.Repository}}'
	assert_output changed
	run b images --filter label=app=db --format '{{.Repository}}'
	assert_output ""
}

@test "tag adds names; rmi removes a name, then the image, then its layer and blobs" {
	import_busybox >/dev/null
	run b tag busybox localhost:5000/team/app:1.0
	assert_success
	run b images --format '{{.Repository}}:{{.Tag}}'
	assert_success
	assert_line busybox:latest
	assert_line localhost:5000/team/app:1.0
	# a short name finds a local image of another registry (podman's rule)
	run b image inspect --format '{{.Id}}' team/app:1.0
	assert_success
	assert_output "$(b image inspect --format '{{.Id}}' busybox)"
	# ... but only that path: not one in another namespace
	b tag busybox quay.io/evil/box:1
	run b image inspect box:1
	assert_failure 125
	run b rmi quay.io/evil/box:1
	assert_success
	# an id with two names needs -f
	local id
	id=$(b images -q | head -1)
	run b rmi "$id"
	assert_failure 125
	assert_output --partial "conflict: unable to delete $id (must be forced) - image is referenced in multiple repositories"
	run b rmi team/app:1.0
	assert_success
	assert_output "Untagged: localhost:5000/team/app:1.0"
	[ -n "$(ls "$TEST_TMP/root/image/layers")" ]
	run b rmi busybox
	assert_success
	assert_line "Untagged: busybox:latest"
	assert_line --regexp '^Deleted: sha256:[0-9a-f]{64}$'
	run b images -q
	assert_output ""
	# nothing left in the store
	assert_equal "$(ls "$TEST_TMP/root/image/layers" "$TEST_TMP/root/image/blobs/sha256" | grep -c .)" 2
	run ls -A "$TEST_TMP/root/image/layers" "$TEST_TMP/root/image/blobs/sha256"
	refute_output --regexp '[0-9a-f]{64}'
}

@test "tagging moves a name; image prune removes dangling images, -a all" {
	import_busybox >/dev/null
	local first
	first=$(b images -q)
	import_busybox >/dev/null
	run b images --format '{{.Repository}}:{{.Tag}}'
	assert_output $'busybox:latest\n<none>:<none>'
	run b images --filter dangling=true -q
	assert_output "$first"
	run b images --filter dangling=false --format '{{.Repository}}'
	assert_output busybox
	run b images --filter 'reference=busy*' --format '{{.Repository}}'
	assert_output busybox
	run b image prune -f
	assert_success
	assert_line "Deleted Images:"
	assert_line --partial "Deleted: sha256:$first"
	run b images --format '{{.Repository}}:{{.Tag}}'
	assert_output busybox:latest
	run b image prune -a -f
	assert_success
	run b images -q
	assert_output ""
}

@test "bad references and unknown images are clear errors" {
	import_busybox >/dev/null
	run b tag busybox Foo::bar
	assert_failure 125
	assert_output --partial 'invalid reference format'
	run b tag busybox Upper
	assert_failure 125
	assert_output --partial 'repository name (library/Upper) must be lowercase'
	run b images Foo::bar
	assert_failure 125
	assert_output --partial 'invalid reference format'
	run b rmi nosuchimage
	assert_failure 125
	assert_output --partial 'nosuchimage'
	run b image inspect nosuchimage
	assert_failure 125
	assert_output --partial 'no such image: nosuchimage'
	run b tag nosuchimage x:1
	assert_failure 125
	run b images --filter color=red
	assert_failure 125
	assert_output --partial "invalid filter 'color'"
	run b images --format '{{.Nope}}'
	assert_failure 125
	assert_output --partial 'unknown field "Nope"'
	run b import /nonexistent.tar x:1
	assert_failure 125
	assert_output --partial '/nonexistent.tar'
	run b import "$(busybox_tar)" 'x@sha256:0000000000000000000000000000000000000000000000000000000000000000'
	assert_failure 125
	# nothing was added by the failures
	run b images -q
	assert_equal "$(wc -l <<<"$output")" 1
}

@test "the default image runs: mounted read-only as a bundle's root for berth-runtime" {
	import_busybox >/dev/null
	run b image mount busybox
	assert_success
	local root=$output
	[ -x "$root/bin/busybox" ]
	cfg '.root.path = $r | .root.readonly = true | .process.args = ["sh", "-c", "echo hello from $(cat /etc/hostname 2>/dev/null || hostname); ls /bin/busybox"]' --arg r "$root"
	run rt run "$ID"
	assert_success
	assert_line --partial "hello from"
	assert_line /bin/busybox
	run touch "$root/x"
	assert_failure
	# a mounted image is in use: it cannot be removed or pruned away
	run b rmi busybox
	assert_failure 125
	assert_output --partial "image is in use"
	run b image prune -a -f
	assert_success
	[ -x "$root/bin/busybox" ]
	run b image unmount busybox
	assert_success
	[ ! -e "$root" ]
	run b rmi busybox
	assert_success
	assert_no_trace "$ID"
}

@test "compressed imports (gzip, zstd) give the same layer as the plain tar" {
	command -v zstd >/dev/null || skip "needs zstd"
	local tar
	tar=$(busybox_tar)
	gzip -c "$tar" >"$TEST_TMP/bb.tar.gz"
	zstd -q -c "$tar" >"$TEST_TMP/bb.tar.zst"
	b import "$tar" plain:1 >/dev/null
	b import "$TEST_TMP/bb.tar.gz" gz:1 >/dev/null
	b import - zst:1 <"$TEST_TMP/bb.tar.zst" >/dev/null
	local l1 l2 l3
	l1=$(b image inspect --format '{{json .RootFS}}' plain:1)
	l2=$(b image inspect --format '{{json .RootFS}}' gz:1)
	l3=$(b image inspect --format '{{json .RootFS}}' zst:1)
	assert_equal "$l1" "$l2"
	assert_equal "$l1" "$l3"
	# one layer directory for the three
	assert_equal "$(ls "$TEST_TMP/root/image/layers" | wc -l)" 1
}

@test "a corrupted blob is detected, never used" {
	import_busybox >/dev/null
	local id
	id=$(b image inspect --format '{{.Id}}' busybox)
	echo '{"tampered": true}' >"$TEST_TMP/root/image/blobs/sha256/${id#sha256:}"
	run b image inspect busybox
	assert_failure 125
	assert_output --partial "corrupted"
}

# tar_with NAME ENTRY...: a layer whose entries are made by python's tarfile
# (it writes what GNU tar refuses to): "file:PATH", "symlink:PATH:TARGET",
# "hardlink:PATH:TARGET".
tar_with() {
	local out=$TEST_TMP/$1.tar
	shift
	python3 - "$out" "$@" <<'PY'
import io, sys, tarfile
out = sys.argv[1]
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    for spec in sys.argv[2:]:
        kind, rest = spec.split(":", 1)
        ti = tarfile.TarInfo()
        if kind == "file":
            ti.name, data = rest, b"pwned\n"
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
        elif kind == "dir":
            ti.name, ti.type, ti.mode = rest, tarfile.DIRTYPE, 0o755
            t.addfile(ti)
        else:
            ti.name, ti.linkname = rest.split(":", 1)
            ti.type = tarfile.SYMTYPE if kind == "symlink" else tarfile.LNKTYPE
            t.addfile(ti)
PY
	echo "$out"
}

@test "malicious layers are refused and write nothing outside their directory" {
	mkdir -p "$TEST_TMP/outside"
	echo keep >"$TEST_TMP/outside/keep"
	local o=$TEST_TMP/outside
	local cases=(
		"dotdot file:../../../../../../..$o/escaped"
		"nested file:a/../../x"
		"symlink-out symlink:l:$o file:l/escaped"
		"symlink-up symlink:l:../../../../../../../../..$o file:l/escaped"
		"hardlink-out hardlink:h:$o/keep"
		"hardlink-up hardlink:h:../../../../../../../..$o/keep"
	)
	local c name
	for c in "${cases[@]}"; do
		name=${c%% *}
		# shellcheck disable=SC2086
		run b import "$(tar_with "$name" ${c#* })" "evil-$name:1"
		assert_failure 125
		[ -n "$output" ] || fail "$name: no error message"
		run b images -q "evil-$name:1"
		assert_output ""
	done
	# nothing landed outside, the file there is intact
	run ls -A "$o"
	assert_output keep
	assert_equal "$(cat "$o/keep")" keep
	# an absolute path is made relative to the layer (as docker does)
	run b import "$(tar_with abs "file:$o/abs")" abs:1
	assert_success
	[ ! -e "$o/abs" ]
	run b image mount abs:1
	assert_success
	[ -f "$output$o/abs" ]
	b image unmount abs:1
}

@test "kill -9 during an import leaves a consistent store; the leftovers are swept" {
	import_busybox >/dev/null
	# an import that stops half-way: the tar arrives slowly through a fifo
	mkfifo "$TEST_TMP/fifo"
	b import - slow:1 <"$TEST_TMP/fifo" >/dev/null 2>&1 &
	local pid=$!
	exec 7>"$TEST_TMP/fifo"
	head -c 300000 "$(busybox_tar)" >&7
	sleep 1
	kill -9 "$pid"
	wait "$pid" || true
	exec 7>&-
	run b images --format '{{.Repository}}'
	assert_success
	assert_output busybox
	# the half-written blob lies in tmp/ until a writer holds the store
	# alone: the next import sweeps it
	run b import "$(busybox_tar)" again:1
	assert_success
	run ls -A "$TEST_TMP/root/image/tmp"
	assert_output ""
	run b images --format '{{.Repository}}'
	assert_line busybox
	assert_line again
}

@test "two imports of the same image at once both succeed, sharing one layer" {
	local tar
	tar=$(busybox_tar)
	b import "$tar" one:1 >"$TEST_TMP/1.out" 2>&1 &
	local p1=$!
	b import "$tar" two:1 >"$TEST_TMP/2.out" 2>&1 &
	local p2=$!
	wait "$p1" || fail "first import: $(cat "$TEST_TMP/1.out")"
	wait "$p2" || fail "second import: $(cat "$TEST_TMP/2.out")"
	run b images --format '{{.Repository}}'
	assert_line one
	assert_line two
	assert_equal "$(ls "$TEST_TMP/root/image/layers" | wc -l)" 1
}
