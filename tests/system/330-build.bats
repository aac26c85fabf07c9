#!/usr/bin/env bats
# berth build: Dockerfiles built into images, RUN in real containers, the
# layer cache, multi-stage builds, .dockerignore, errors, interop.

load helpers

bats_require_minimum_version 1.5.0

# Directories podman creates outside its store whatever it is told.
OUTSIDE=(/run/containers/networks /run/containers /var/lib/containers/cache /var/lib/containers)

setup() {
	TEST_TMP=$(mktemp -d "${BATS_TMPDIR:-/tmp}/berth-test.XXXXXX")
	STATE=$TEST_TMP/state
	CTX=$TEST_TMP/ctx
	mkdir -p "$CTX"
	b import --change 'CMD ["sh"]' "$(busybox_tar)" busybox:latest >/dev/null
	MADE=()
	local d
	for d in "${OUTSIDE[@]}"; do
		[ -e "$d" ] || MADE+=("$d")
	done
}

# Nothing of a build may be left: no mount, no step container (runtime
# state, bundle, network namespace), no temporary directory of the store.
assert_clean() {
	! grep -q " $TEST_TMP/" /proc/self/mountinfo || fail "a mount is left: $(grep " $TEST_TMP/" /proc/self/mountinfo)"
	local d
	for d in "$TEST_TMP/run/runtime" "$TEST_TMP/run/build" "$TEST_TMP/run/netns" "$TEST_TMP/root/image/tmp"; do
		# (the runtime's seccomp filter cache is no leftover)
		[ ! -d "$d" ] || [ -z "$(ls -A "$d" | grep -v '^\.seccomp-cache$')" ] ||
			fail "left in $d: $(ls -A "$d")"
	done
}

teardown() {
	if [ -n "${PM:-}" ] && [ -d "$PM/store" ]; then
		pm rm -af -t 0 >/dev/null 2>&1
		pm rmi -af >/dev/null 2>&1
	fi
	local d
	for d in "${MADE[@]}"; do
		if [ -d "$d" ]; then
			[ "$d" = /var/lib/containers/cache ] && rm -f "$d"/blob-info-cache-*.boltdb
			rmdir "$d" 2>/dev/null
		fi
	done
	local ids
	ids=$(b ps -aq --no-trunc 2>/dev/null)
	[ -z "$ids" ] || b rm -f $ids >/dev/null 2>&1
	local leaked=""
	grep -q " $TEST_TMP/" /proc/self/mountinfo && leaked="mount"
	net_teardown
	cd /
	unmount_below "$TEST_TMP"
	rm -rf "$TEST_TMP"
	[ -z "$leaked" ] || { echo "leaked: $leaked" >&2; return 1; }
}

df() { cat >"$CTX/Dockerfile"; }

# build ARGS...: berth build, plain progress, in the context.
bld() { b build --progress plain "$@"; }

@test "build --help" {
	run b build --help
	assert_success
	assert_output --partial "build [options] CONTEXT"
	assert_output --partial "--build-arg"
}

@test "every metadata instruction lands in the image config" {
	df <<-'EOF'
		# a comment
		FROM busybox AS base
		MAINTAINER someone@example.com
		ENV A=1 B="two words"
		ENV C ${A}-legacy
		LABEL version="1.0" "with space"=yes
		EXPOSE 80 53/udp 8000-8001
		VOLUME ["/data", "/logs"]
		VOLUME /more
		USER 1000:1000
		WORKDIR /srv
		WORKDIR app
		STOPSIGNAL SIGUSR1
		SHELL ["/bin/sh", "-ec"]
		HEALTHCHECK --interval=5s --timeout=2s --retries=4 CMD test -e /srv/app
		ENTRYPOINT ["/bin/echo"]
		CMD ["hello", "world"]
		ONBUILD RUN echo triggered
	EOF
	run bld -t meta:1 "$CTX"
	assert_success
	local c
	c=$(b image inspect meta:1 | jq -c '.[0].Config')
	assert_equal "$(jq -r '.Env | join(",")' <<<"$c")" "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin,A=1,B=two words,C=1-legacy"
	assert_equal "$(jq -c .Labels <<<"$c")" '{"version":"1.0","with space":"yes"}'
	assert_equal "$(jq -c '.ExposedPorts | keys' <<<"$c")" '["53/udp","80/tcp","8000/tcp","8001/tcp"]'
	assert_equal "$(jq -c '.Volumes | keys' <<<"$c")" '["/data","/logs","/more"]'
	assert_equal "$(jq -r .User <<<"$c")" 1000:1000
	assert_equal "$(jq -r .WorkingDir <<<"$c")" /srv/app
	assert_equal "$(jq -r .StopSignal <<<"$c")" SIGUSR1
	assert_equal "$(jq -c .Shell <<<"$c")" '["/bin/sh","-ec"]'
	assert_equal "$(jq -c .Healthcheck <<<"$c")" '{"Test":["CMD-SHELL","test -e /srv/app"],"Interval":5000000000,"Timeout":2000000000,"Retries":4}'
	assert_equal "$(jq -c .Entrypoint <<<"$c")" '["/bin/echo"]'
	assert_equal "$(jq -c .Cmd <<<"$c")" '["hello","world"]'
	assert_equal "$(jq -c .OnBuild <<<"$c")" '["RUN echo triggered"]'
	assert_equal "$(b image inspect --format '{{.Author}}' meta:1)" someone@example.com
	run b run --rm meta:1
	assert_success
	assert_output "hello world"
	# the history: one entry per instruction, the metadata ones empty
	run b history meta:1
	assert_output --partial "ENV A=1"
	assert_output --partial "ONBUILD RUN echo triggered"
	# ONBUILD: the trigger runs in the build of an image made from it
	df <<-'EOF'
		FROM meta:1
		USER 0
	EOF
	run bld -t child:1 "$CTX"
	assert_success
	assert_output --partial "triggered"
	assert_equal "$(b image inspect meta:1 | jq -c '.[0].Config.OnBuild')" '["RUN echo triggered"]'
	assert_equal "$(b image inspect child:1 | jq -c '.[0].Config.OnBuild')" null
	assert_clean
}

@test "SHELL changes RUN's shell; the escape directive; FROM --platform; ENV wins over ARG" {
	df <<-'EOF'
		# escape=`
		FROM --platform=linux/amd64 busybox
		ARG WHO=arg
		ENV WHO=env
		SHELL ["/bin/sh", "-c", "echo shell-args: \"$0\" >/shell; exec /bin/sh -c \"$@\"", "named"]
		RUN echo continued `
		    line >/cont && echo "who=$WHO" >/who
		CMD cat /shell /cont /who
	EOF
	run bld -t sh:1 "$CTX"
	assert_success
	run b run --rm sh:1
	assert_success
	assert_output "shell-args: named
continued line
who=env"
	df <<-'EOF'
		FROM --platform=linux/arm64 busybox
	EOF
	run bld "$CTX"
	assert_failure
	assert_output --partial "FROM --platform=linux/arm64: this host builds linux/amd64 only"
	# system prune forgets the build cache too
	run b system prune -f
	assert_success
	assert_output --partial "Deleted build cache"
	assert_clean
}

@test "RUN and COPY make layers; the image runs with them" {
	echo hello >"$CTX/a.txt"
	mkdir -p "$CTX/dir/sub"
	echo deep >"$CTX/dir/sub/f"
	ln -s a.txt "$CTX/link"
	df <<-'EOF'
		FROM busybox
		WORKDIR /app
		COPY a.txt dir link ./
		RUN echo built >/app/built && rm /bin/vi && mkdir -p /opt/x && echo $0
		RUN ["/bin/sh", "-c", "echo exec form >/app/exec"]
		CMD cat /app/a.txt /app/sub/f /app/built /app/exec && readlink /app/link && test ! -e /bin/vi && echo vi gone
	EOF
	run bld -t app:1 "$CTX"
	assert_success
	assert_output --partial "STEP 3/6: COPY a.txt dir link ./"
	assert_output --partial "/bin/sh"
	# one layer more per RUN and COPY
	assert_equal "$(b image inspect app:1 | jq '.[0].RootFS.Layers | length')" 4
	run b run --rm app:1
	assert_success
	assert_output "hello
deep
built
exec form
a.txt
vi gone"
	# the shell form ran under /bin/sh -c, the default shell
	run b history --no-trunc app:1
	assert_output --partial "RUN /bin/sh -c echo built"
	assert_clean
}

@test "the cache: an unchanged rebuild does no work, a changed file rebuilds from its COPY" {
	echo one >"$CTX/f"
	echo keep >"$CTX/g"
	df <<-'EOF'
		FROM busybox
		RUN echo first-$((40+2)) >/first && echo first-$((40+2))
		COPY g /g
		COPY f /f
		RUN cat /f >/copy-of-f && echo second-$((40+2))
		CMD cat /copy-of-f
	EOF
	run bld -t c:1 "$CTX"
	assert_success
	assert_output --partial second-42
	local id1
	id1=$(b image inspect --format '{{.Id}}' c:1)
	# unchanged: every step from the cache, the same image
	run bld -t c:1 "$CTX"
	assert_success
	refute_output --partial first-42
	refute_output --partial second-42
	assert_equal "$(grep -c 'Using cache' <<<"$output")" 5
	assert_equal "$(b image inspect --format '{{.Id}}' c:1)" "$id1"
	# a file's mtime alone changes nothing
	touch -d '2001-01-01' "$CTX/f"
	run bld -q -t c:1 "$CTX"
	assert_output "$id1"
	# its content does: from COPY f on
	echo two >"$CTX/f"
	run bld -t c:1 "$CTX"
	assert_success
	refute_output --partial first-42
	assert_output --partial second-42
	assert_equal "$(grep -c 'Using cache' <<<"$output")" 2
	run b run --rm c:1
	assert_output two
	# --no-cache runs everything again
	run bld --no-cache -t c:1 "$CTX"
	assert_output --partial first-42
	refute_output --partial "Using cache"
	# a build argument RUN sees is part of its key
	df <<-'EOF'
		FROM busybox
		ARG V=a
		RUN echo "v is $V" | tr v w
	EOF
	run bld "$CTX"
	assert_output --partial "w is a"
	run bld --build-arg V=b "$CTX"
	assert_output --partial "w is b"
	run bld --build-arg V=b "$CTX"
	refute_output --partial "w is b"
	assert_output --partial "Using cache"
	# builder prune forgets the cache
	run b builder prune
	assert_success
	run bld --build-arg V=b "$CTX"
	assert_output --partial "w is b"
	assert_clean
}

@test "multi-stage: COPY --from a stage (by name and index) or an image, FROM a stage, --target" {
	df <<-'EOF'
		ARG BASE=busybox
		FROM ${BASE} AS builder
		RUN mkdir /out && echo compiled >/out/bin && echo built-stage
		FROM busybox AS unused
		RUN echo never-built
		FROM builder AS second
		RUN echo more >/out/more
		FROM scratch
		COPY --from=builder /out/bin /bin-copy
		COPY --from=0 /out/bin /bin-copy0
		COPY --from=second /out/ /all/
		COPY --from=busybox /bin/busybox /busybox
		CMD ["/busybox", "cat", "/bin-copy", "/bin-copy0", "/all/more"]
	EOF
	run bld -t ms:1 "$CTX"
	assert_success
	assert_output --partial built-stage
	refute_output --partial never-built
	run b run --rm ms:1
	assert_success
	assert_output "compiled
compiled
more"
	# the final image has only its own layers (scratch + 4 COPY)
	assert_equal "$(b image inspect ms:1 | jq '.[0].RootFS.Layers | length')" 4
	# --target: up to that stage
	run bld --target second -t ms:second "$CTX"
	assert_success
	run b run --rm ms:second cat /out/more
	assert_output more
	run bld --target nope "$CTX"
	assert_failure
	assert_output --partial 'target stage "nope" could not be found'
	assert_clean
}

@test "ADD unpacks local archives; COPY --chown, --chmod, wildcards, several sources, heredocs" {
	mkdir -p "$TEST_TMP/t/pkg"
	echo inside >"$TEST_TMP/t/pkg/file"
	tar -C "$TEST_TMP/t" -czf "$CTX/pkg.tar.gz" pkg
	echo plain >"$CTX/plain.txt"
	echo 1 >"$CTX/x1.conf"
	echo 2 >"$CTX/x2.conf"
	echo n >"$CTX/other"
	df <<-'DF'
		FROM busybox
		ADD pkg.tar.gz /opt/
		ADD plain.txt /opt/plain.txt
		COPY --chown=nobody:nogroup --chmod=640 plain.txt /owned
		COPY --chown=123:456 other /numeric
		COPY x*.conf other /etc/conf/
		COPY <<EOT /etc/greeting
		hello $HOSTNAME_UNSET heredoc
		EOT
		RUN <<EOS
		echo script-line-1
		echo script-line-2 >/from-heredoc
		EOS
		RUN cat <<EOF >/fed
		fed through the shell
		EOF
	DF
	run bld -t add:1 "$CTX"
	assert_success
	assert_output --partial script-line-1
	run b run --rm add:1 sh -c 'cat /opt/pkg/file /opt/plain.txt; stat -c "%U:%G %a" /owned; stat -c "%u:%g" /numeric; ls /etc/conf; cat /etc/greeting /from-heredoc /fed'
	assert_success
	assert_output "inside
plain
nobody:nogroup 640
123:456
other
x1.conf
x2.conf
hello  heredoc
script-line-2
fed through the shell"
	assert_clean
}

@test ".dockerignore leaves files out; ! brings them back" {
	mkdir -p "$CTX/logs" "$CTX/src"
	echo a >"$CTX/src/a.go"
	echo secret >"$CTX/secret.key"
	echo l >"$CTX/logs/1.log"
	echo keep >"$CTX/logs/keep.log"
	printf '*.key\nlogs/*.log\n!logs/keep.log\n' >"$CTX/.dockerignore"
	df <<-'EOF'
		FROM busybox
		COPY . /ctx/
		CMD find /ctx -type f
	EOF
	run bld -t ig:1 "$CTX"
	assert_success
	run b run --rm ig:1
	assert_output --partial /ctx/src/a.go
	assert_output --partial /ctx/logs/keep.log
	refute_output --partial secret.key
	refute_output --partial 1.log
	# naming an ignored file is naming a missing one
	df <<-'EOF'
		FROM busybox
		COPY secret.key /
	EOF
	run bld "$CTX"
	assert_failure
	assert_output --partial 'Dockerfile:2: COPY: "secret.key": no such file or directory in the build context'
	assert_clean
}

@test "errors name the file and line; a failed build leaves nothing behind" {
	df <<-'EOF'
		FROM busybox
		WORKSPACE /app
	EOF
	run bld "$CTX"
	assert_failure
	assert_output --partial "Dockerfile:2: unknown instruction: WORKSPACE (did you mean WORKDIR?)"
	df <<-'EOF'
		FROM busybox
		COPY missing.txt /
	EOF
	run bld "$CTX"
	assert_failure
	assert_output --partial 'Dockerfile:2: COPY: "missing.txt": no such file or directory in the build context'
	df <<-'EOF'
		FROM busybox
		COPY ../outside /
	EOF
	run bld "$CTX"
	assert_failure
	assert_output --partial "forbidden path outside the build context"
	df <<-'EOF'
		FROM busybox
		RUN echo about to fail
		RUN echo partial-output && exit 3
	EOF
	run bld -t fail:1 "$CTX"
	assert_failure
	assert_output --partial partial-output
	assert_output --partial "Dockerfile:3: RUN echo partial-output && exit 3: the command returned a non-zero code: 3"
	# quiet and tty: the failing step's output is shown at the end
	run bld -q "$CTX"
	assert_failure
	assert_output --partial partial-output
	run b image inspect fail:1
	assert_failure
	df <<-'EOF'
		FROM no-such-image-here
	EOF
	run bld "$CTX"
	assert_failure
	assert_output --partial "no-such-image-here"
	df <<-'EOF'
		RUN echo no stage
	EOF
	run bld "$CTX"
	assert_failure
	assert_output --partial "Dockerfile:1: RUN before the first FROM"
	run b build --progress bogus "$CTX"
	assert_failure
	assert_output --partial '--progress "bogus"'
	run b build "$TEST_TMP/nowhere"
	assert_failure
	assert_output --partial "not a directory"
	assert_equal "$(b ps -aq | wc -l)" 0
	assert_clean
}

@test "an interrupted build stops its RUN and leaves nothing behind" {
	df <<-'EOF'
		FROM busybox
		RUN echo started-$((40+2)) && sleep 60
	EOF
	"$BERTH" --root "$TEST_TMP/root" --runroot "$TEST_TMP/run" build --progress plain "$CTX" \
		>"$TEST_TMP/out" 2>&1 &
	local pid=$!
	local i
	for i in $(seq 100); do
		grep -q started-42 "$TEST_TMP/out" && break
		sleep 0.1
	done
	grep -q started-42 "$TEST_TMP/out" || fail "the RUN never started: $(cat "$TEST_TMP/out")"
	kill -INT $pid
	local rc=0
	wait $pid || rc=$?
	assert_equal "$rc" 130
	run cat "$TEST_TMP/out"
	assert_output --partial "interrupted"
	! pgrep -f "sleep 60" >/dev/null || { pkill -f "sleep 60"; fail "the RUN's process is left"; }
	assert_clean
	# kill -9: the next build sweeps what that one left
	"$BERTH" --root "$TEST_TMP/root" --runroot "$TEST_TMP/run" build --progress plain --no-cache \
		"$CTX" >"$TEST_TMP/out" 2>&1 &
	pid=$!
	for i in $(seq 100); do
		grep -q started-42 "$TEST_TMP/out" && break
		sleep 0.1
	done
	kill -9 $pid
	wait $pid || true
	grep -q " $TEST_TMP/" /proc/self/mountinfo || fail "expected the killed build's mount"
	printf 'FROM busybox\nRUN true\n' >"$TEST_TMP/Other"
	run b build -q -f "$TEST_TMP/Other" "$CTX"
	assert_success
	for i in $(seq 50); do
		pgrep -f "sleep 60" >/dev/null || break
		sleep 0.1
	done
	! pgrep -f "sleep 60" >/dev/null || { pkill -f "sleep 60"; fail "the RUN's process is left"; }
	assert_clean
}

@test "flags: -f (a path and stdin), build -, --build-arg, --label, -q, --iidfile, several -t, --network" {
	mkdir -p "$TEST_TMP/elsewhere"
	cat >"$TEST_TMP/elsewhere/My.Dockerfile" <<-'EOF'
		FROM busybox
		ARG WHO
		ARG DEF=default
		RUN echo "who=$WHO def=$DEF" >/args
		CMD cat /args
	EOF
	run --separate-stderr b build -q -f "$TEST_TMP/elsewhere/My.Dockerfile" --build-arg WHO=me --build-arg UNUSED=1 \
		--label team=core --label "note=a \$b" --iidfile "$TEST_TMP/iid" -t one:1 -t two:2 "$CTX"
	assert_success
	assert_output --regexp '^sha256:[0-9a-f]{64}$'
	assert_equal "$(cat "$TEST_TMP/iid")" "$output"
	[[ "$stderr" == *"[UNUSED] were not consumed"* ]] || fail "no warning: $stderr"
	run b run --rm two:2
	assert_output "who=me def=default"
	assert_equal "$(b image inspect --format '{{.Id}}' one:1)" "$(cat "$TEST_TMP/iid")"
	assert_equal "$(b image inspect one:1 | jq -c '.[0].Config.Labels')" '{"team":"core","note":"a $b"}'
	# the unused argument is named
	run bld --build-arg UNUSED=1 -f "$TEST_TMP/elsewhere/My.Dockerfile" "$CTX"
	assert_output --partial "[UNUSED] were not consumed"
	# WHO from the environment
	WHO=env run bld --build-arg WHO -t env:1 -f "$TEST_TMP/elsewhere/My.Dockerfile" "$CTX"
	run b run --rm env:1
	assert_output "who=env def=default"
	# the Dockerfile on stdin, with and without a context
	run bash -c "printf 'FROM busybox\nRUN echo from-stdin\n' | '$BERTH' --root '$TEST_TMP/root' --runroot '$TEST_TMP/run' build --progress plain -f - '$CTX'"
	assert_success
	assert_output --partial from-stdin
	run bash -c "printf 'FROM busybox\nRUN echo no-context\n' | '$BERTH' --root '$TEST_TMP/root' --runroot '$TEST_TMP/run' build --progress plain -"
	assert_success
	assert_output --partial no-context
	# Containerfile is found too
	printf 'FROM busybox\nRUN echo containerfile\n' >"$CTX/Containerfile"
	run bld "$CTX"
	assert_output --partial containerfile
	# --network none: only the loopback; default: the bridge, a route out
	df <<-'EOF'
		FROM busybox
		RUN ls /sys/class/net | sort | tr '\n' ' ' && ip route | grep -c default || true
	EOF
	run bld --network none --no-cache "$CTX"
	assert_success
	assert_output --partial "lo "
	refute_output --partial eth0
	run bld --no-cache "$CTX"
	assert_success
	assert_output --partial "eth0 lo"
	assert_clean
}

@test "--progress tty shows the steps; scratch images; an empty RUN layer" {
	echo data >"$CTX/data"
	df <<-'EOF'
		FROM scratch
		COPY data /data
		LABEL kind=data
	EOF
	run b build --progress tty -t data:1 "$CTX"
	assert_success
	output=$(sed 's/\x1b\[[0-9;]*[A-Za-z]//g' <<<"$output")
	assert_output --partial "[2/3] COPY data /data"
	assert_output --partial "DONE"
	assert_equal "$(b image inspect data:1 | jq '.[0].RootFS.Layers | length')" 1
	run b build --progress tty -t data:1 "$CTX"
	assert_output --partial CACHED
	b save -o "$TEST_TMP/data.tar" data:1
	tar -xOf "$TEST_TMP/data.tar" manifest.json | jq -e '.[0].Layers | length == 1'
}

@test "a built image runs under podman (save, podman load, podman run) with the same output" {
	command -v podman >/dev/null || skip "podman is not installed"
	echo from-berth >"$CTX/msg"
	df <<-'EOF'
		FROM busybox
		COPY msg /msg
		RUN echo "built at step 3" >>/msg
		CMD ["cat", "/msg"]
	EOF
	bld -t interop:1 "$CTX" >/dev/null
	local want
	want=$(b run --rm interop:1)
	assert_equal "$want" "from-berth
built at step 3"
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
	b save -o "$TEST_TMP/i.tar" interop:1
	run pm load -i "$TEST_TMP/i.tar"
	assert_success
	run pm run --rm --network none --runtime "$RUNTIME" interop:1
	assert_success
	assert_output "$want"
}

pm() {
	CONTAINERS_CONF=$PM/containers.conf timeout -k 10 120 podman --root "$PM/store" \
		--runroot "$PM/run" --tmpdir "$PM/tmp" --storage-driver vfs \
		--cgroup-manager cgroupfs --events-backend file "$@"
}
