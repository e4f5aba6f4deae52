#!/usr/bin/env bats
# infra.bats: the test helpers, the test runner and the build contract, tested.

load test_helper

setup() {
	T=$BATS_TEST_TMPDIR
}

# ---- environment and need_tool

@test "test_helper: environment is fixed (UTC, C locale, absolute RUMPSH, sbin on PATH)" {
	[ "$TZ" = UTC ]
	[ "$LC_ALL" = C ]
	[[ $RUMPSH == /* ]]
	command -v mke2fs
	[ -f "$RUMPSH_ROOT/tests/test_helper.bash" ]
}

@test "need_tool: passes for present tools, fails naming each missing one" {
	need_tool sh ls
	run need_tool ls no-such-tool-1 no-such-tool-2
	[ "$status" -eq 1 ]
	assert_line "missing tool: no-such-tool-1 (run make deps)"
	assert_line "missing tool: no-such-tool-2 (run make deps)"
}

# ---- make_tree

@test "make_tree: every promised kind of file" {
	make_tree "$T/tree"
	cd "$T/tree"
	[ -f empty ] && [ ! -s empty ]
	[ "$(stat -c %s big.bin)" -gt $((1024 * 1024)) ]
	# sparse: far fewer blocks than its size
	[ "$(stat -c %s sparse)" -eq $((8 * 1024 * 1024)) ]
	[ "$(($(stat -c %b sparse) * 512))" -lt $((1024 * 1024)) ]
	[ "$(readlink links/short)" = ../small.txt ]
	[ "$(readlink links/long | wc -c)" -gt 61 ]
	[ "$(cat links/long)" = 'target of the long symlink' ]
	[ "$(stat -c %i links/hard-a)" = "$(stat -c %i dir/hard-b)" ]
	[ "$(stat -c %h links/hard-a)" -eq 2 ]
	[ -f 'names/with space.txt' ] && [ -f 'names/naïve café.txt' ] && [ -f 'names/日本語.txt' ]
	[ -p special/fifo ]
	[ "$(stat -c %a modes/file-4755)" = 4755 ]
	[ "$(stat -c %a modes/sticky-dir)" = 1777 ]
	[ "$(stat -c %a modes/file-0000)" = 0 ]
	[ "$(stat -c %y times/nanos)" = '2021-03-04 05:06:07.123456789 +0000' ]
	[ "$(stat -c %y links/short)" = '2023-05-06 07:08:09.987654321 +0000' ]
	[ "$(find many -type f | wc -l)" -eq 300 ]
	[ "$(find dir -type d | wc -l)" -ge 5 ]
}

# ---- fixture

count_build() { # OUT: a fixture that counts its builds
	echo built >>"$COUNTER"
	printf 'fixture\n' >"$1"
}

@test "fixture: built once, then reused from the cache" {
	export RUMPSH_FIXTURES=$T/fx COUNTER=$T/count
	p1=$(fixture reuse.img count_build)
	p2=$(fixture reuse.img count_build)
	[ "$p1" = "$T/fx/reuse.img" ]
	[ "$p2" = "$p1" ]
	[ "$(cat "$p1")" = fixture ]
	[ "$(wc -l <"$COUNTER")" -eq 1 ]
}

slow_build() {
	echo built >>"$COUNTER"
	sleep 0.5
	printf 'slow\n' >"$1"
}

@test "fixture: concurrent callers wait for one build (flock)" {
	export RUMPSH_FIXTURES=$T/fx COUNTER=$T/count
	fixture race.img slow_build >"$T/a" &
	a=$!
	fixture race.img slow_build >"$T/b" &
	b=$!
	fixture race.img slow_build >"$T/c"
	# (not a bare wait: with BATS_TEST_TIMEOUT, bats has a watchdog of its own running)
	wait "$a" "$b"
	[ "$(wc -l <"$COUNTER")" -eq 1 ]
	[ "$(cat "$T/a")" = "$T/fx/race.img" ]
	[ "$(cat "$T/b")" = "$T/fx/race.img" ]
	[ "$(cat "$T/c")" = "$T/fx/race.img" ]
}

@test "fixture: a different command for the same name rebuilds; {} names the output" {
	export RUMPSH_FIXTURES=$T/fx
	p=$(fixture which.txt sh -c 'echo one >"$1"' sh)
	[ "$(cat "$p")" = one ]
	p=$(fixture which.txt sh -c 'echo two >"$0"' {})
	[ "$(cat "$p")" = two ]
}

half_build() {
	echo partial >"$1"
	false
	echo never >>"$1"
}

@test "fixture: a failed build fails, leaves nothing and is not cached" {
	export RUMPSH_FIXTURES=$T/fx
	run fixture bad.img half_build
	[ "$status" -ne 0 ]
	assert_output --partial "fixture bad.img: command failed"
	[ ! -e "$T/fx/bad.img" ]
	[ ! -e "$T/fx/bad.img.tmp" ]
	# errexit holds inside the build even where the caller ignores it
	if p=$(fixture bad.img half_build); then false; fi
	[ ! -e "$T/fx/bad.img" ]
	run fixture nothing.img true
	[ "$status" -ne 0 ]
	assert_output --partial "did not create"
}

# ---- mk_ext and loop mounts

small_tree_img() { # OUT [MKE2FS ARGS...]
	local out=$1 tree
	shift
	tree=$(mktemp -d)
	mkdir "$tree/sub"
	printf 'hello\n' >"$tree/hello.txt"
	seq 1 40000 >"$tree/sub/data.bin"
	ln -s hello.txt "$tree/link"
	mk_ext "$out" "$tree" "$@"
	rm -rf "$tree"
}

@test "mk_ext: ext4 with 4 KiB blocks and 256-byte inodes by default, clean by e2fsck" {
	img=$(fixture infra-small.ext4 small_tree_img)
	run dumpe2fs -h "$img"
	assert_line --regexp '^Filesystem features:.*has_journal.*extent'
	assert_line --regexp '^Block size: +4096$'
	assert_line --regexp '^Inode size:[[:space:]]+256$'
	e2fsck -fn "$img"
}

@test "mk_ext: -t ext2 gives ext2 (no journal, no extents)" {
	img=$(fixture infra-small.ext2 small_tree_img {} -t ext2)
	run dumpe2fs -h "$img"
	refute_line --regexp '^Filesystem features:.*(has_journal|extent)'
	e2fsck -fn "$img"
}

@test "loop_mount_ro: the kernel's view of ext4 and ext2, and the image is left unchanged" {
	for fs in ext4 ext2; do
		if [ "$fs" = ext4 ]; then
			img=$(fixture infra-small.ext4 small_tree_img)
		else
			img=$(fixture infra-small.ext2 small_tree_img {} -t ext2)
		fi
		before=$(sha256sum <"$img")
		loop_mount_ro "$img" "$T/mnt-$fs"
		mountpoint -q "$T/mnt-$fs"
		seq 1 40000 | cmp - "$T/mnt-$fs/sub/data.bin"
		[ "$(readlink "$T/mnt-$fs/link")" = hello.txt ]
		grep -F " $T/mnt-$fs " /proc/mounts | grep -q ' ro[, ]'
		loop_umount "$T/mnt-$fs"
		! mountpoint -q "$T/mnt-$fs"
		[ "$(sha256sum <"$img")" = "$before" ]
	done
	[ ! -s "$RUMPSH_MOUNTS" ] || ! grep -qF "$T/" "$RUMPSH_MOUNTS"
}

# nested_bats NAME <BODY: run a bats file made of BODY (after loading test_helper) with its
# own mount list, and print its TAP output. BODY says %test for @test, which bats would
# otherwise take for a test of this file.
nested_bats() {
	local file=$T/$1.bats
	{
		echo "load '$RUMPSH_ROOT/tests/test_helper'"
		sed 's/^%test /@test /'
	} >"$file"
	RUMPSH_MOUNTS=$T/mounts MNT=$T/mnt IMG=$IMG bats --tap "$file" </dev/null
}

@test "loop mounts are cleaned up when a test fails (default teardown)" {
	IMG=$(fixture infra-small.ext4 small_tree_img)
	run nested_bats default <<-'EOF'
		%test "mounts, then fails" { loop_mount_ro "$IMG" "$MNT"; false; }
	EOF
	assert_line 'not ok 1 mounts, then fails'
	! mountpoint -q "$T/mnt"
	[ ! -s "$T/mounts" ]
}

@test "loop mounts are cleaned up when a suite's own teardown forgets them" {
	IMG=$(fixture infra-small.ext4 small_tree_img)
	run nested_bats own-teardown <<-'EOF'
		teardown() { :; }
		%test "mounts, then fails" { loop_mount_ro "$IMG" "$MNT"; false; }
	EOF
	assert_line 'not ok 1 mounts, then fails'
	! mountpoint -q "$T/mnt"
	[ ! -s "$T/mounts" ]
}

@test "loop mounts left by a finished test go before the next test runs" {
	IMG=$(fixture infra-small.ext4 small_tree_img)
	run nested_bats no-teardowns <<-'EOF'
		teardown() { :; }
		teardown_file() { :; }
		%test "mounts and leaves it" { loop_mount_ro "$IMG" "$MNT"; mountpoint -q "$MNT"; }
		%test "finds it gone" { ! mountpoint -q "$MNT"; }
	EOF
	assert_line 'ok 1 mounts and leaves it'
	assert_line 'ok 2 finds it gone'
	! mountpoint -q "$T/mnt"
}

@test "a mount made in setup_file lasts for the file's tests and goes at its end" {
	IMG=$(fixture infra-small.ext4 small_tree_img)
	run nested_bats setup-file <<-'EOF'
		setup_file() { loop_mount_ro "$IMG" "$MNT"; }
		%test "one" { mountpoint -q "$MNT"; }
		%test "two" { mountpoint -q "$MNT"; }
	EOF
	assert_line 'ok 1 one'
	assert_line 'ok 2 two'
	! mountpoint -q "$T/mnt"
}

# ---- run_rumpsh and sanitizer reports

stub_rumpsh() { # BODY: a stand-in for rumpsh
	printf '#!/bin/sh\n%s\n' "$1" >"$T/stub"
	chmod +x "$T/stub"
	RUMPSH=$T/stub
}

@test "run_rumpsh: status, stdout and stderr kept apart; expected status checked" {
	stub_rumpsh 'echo "out $*"; echo "err $1" >&2; exit 3'
	run_rumpsh a b
	[ "$status" -eq 3 ]
	[ "$output" = "out a b" ]
	[ "$stderr" = "err a" ]
	run_rumpsh -3 x
	[ "$output" = "out x" ]
}

@test "run_rumpsh and assert_no_sanitizer_report: a report fails the test" {
	stub_rumpsh 'echo "==1==ERROR: AddressSanitizer: heap-buffer-overflow" >&2; exit 1'
	run run_rumpsh ls /
	[ "$status" -ne 0 ]
	assert_output --partial 'sanitizer report'
	stub_rumpsh 'echo "cli/x.c:3:5: runtime error: signed integer overflow" >&2; exit 0'
	run run_rumpsh ls /
	[ "$status" -ne 0 ]
	stub_rumpsh 'echo "rumpsh: ls: /x: No such file or directory" >&2; exit 1'
	run_rumpsh ls /x
	assert_no_sanitizer_report
	run assert_no_sanitizer_report 'SUMMARY: UndefinedBehaviorSanitizer: undefined-behavior x.c:1:1'
	[ "$status" -ne 0 ]
	run assert_no_sanitizer_report '==7==LeakSanitizer has encountered a fatal error.'
	[ "$status" -ne 0 ]
}

# ---- run.sh and summary.sh

fake_build() { # a build directory of stand-ins: 4 unit binaries, 2 passing tests each way
	mkdir -p "$T/fb/plain/unit"
	printf '#!/bin/sh\n[ $# -gt 0 ] || exit 2\n' >"$T/fb/plain/rumpsh"
	printf '#!/bin/sh\necho "ok 1 - a"\necho "ok 2 - b"\necho "1..2"\n' >"$T/fb/plain/unit/test_pass"
	printf '#!/bin/sh\necho "ok 1 - a"\necho "not ok 2 - b"\necho "1..2"\nexit 1\n' >"$T/fb/plain/unit/test_fail"
	printf '#!/bin/sh\necho "ok 1 - a"\nkill -SEGV $$\n' >"$T/fb/plain/unit/test_crash"
	printf '#!/bin/sh\necho "ok 1 - a"\necho "1..1"\necho "ERROR: LeakSanitizer: leaks" >&2\nexit 86\n' \
		>"$T/fb/plain/unit/test_leak"
	chmod +x "$T/fb/plain/rumpsh" "$T/fb/plain/unit"/*
	cat >"$T/fb/s.bats" <<-EOF
		load '$RUMPSH_ROOT/tests/test_helper'
		%test "rumpsh stand-in is RUMPSH" { [ "\$RUMPSH" = "$T/fb/plain/rumpsh" ]; }
		%test "sanitizer options are set" { [[ \$ASAN_OPTIONS == *halt_on_error=1* ]]; }
		%test "fails" { false; }
	EOF
	cat >"$T/fb/died.bats" <<-EOF
		%test "passes" { true; }
		%test "kills its bats" { kill -9 0; }
		%test "never runs" { true; }
	EOF
	sed -i 's/^%test /@test /' "$T/fb"/*.bats
}

run_pass() {
	env -u BATS_TEST_TIMEOUT RUMPSH_RESULTS="$T/results.txt" RUMPSH_FIXTURES="$T/fx" \
		RUMPSH_MOUNTS="$T/mounts" RUMPSH_SUITES="$T/fb/s.bats $T/fb/died.bats" \
		"$RUMPSH_ROOT/tests/run.sh" "$@"
}

@test "run.sh: counts passes and failures, crashes and unfinished plans; appends one line" {
	fake_build
	run run_pass "$T/fb/plain"
	[ "$status" -eq 0 ]
	assert_output --partial 'unit/test_crash printed no TAP plan'
	assert_output --partial 'unit/test_leak: sanitizer report'
	# pass: 2+1+1+1 unit, 2 of s.bats, 1 of died.bats; fail: 1 (fail) +1 (crash) +1 (leak),
	# 1 of s.bats, 2 of died.bats (unfinished plan)
	[ "$(cat "$T/results.txt")" = "8 6 plain" ]
	run_pass "$T/fb/plain" >/dev/null
	[ "$(wc -l <"$T/results.txt")" -eq 2 ]
}

@test "run.sh: fails when it cannot run at all" {
	run run_pass "$T/nowhere"
	[ "$status" -ne 0 ]
	assert_output --partial 'no build directory'
	mkdir -p "$T/empty"
	run run_pass "$T/empty"
	[ "$status" -ne 0 ]
	assert_output --partial 'rumpsh: build it first'
	[ ! -e "$T/results.txt" ]
}

@test "summary.sh: per-pass lines, then the totals as the last line; status from failures" {
	printf '10 0 plain\n9 1 san\n' >"$T/r"
	run "$RUMPSH_ROOT/tests/summary.sh" "$T/r"
	[ "$status" -eq 1 ]
	[ "${lines[-1]}" = "19 passed, 1 failed" ]
	assert_line --partial plain
	assert_line --partial san
	printf '10 0 plain\n10 0 san\n' >"$T/r"
	run "$RUMPSH_ROOT/tests/summary.sh" "$T/r"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "20 passed, 0 failed" ]
	: >"$T/r"
	run "$RUMPSH_ROOT/tests/summary.sh" "$T/r"
	[ "$status" -eq 1 ]
	run "$RUMPSH_ROOT/tests/summary.sh" "$T/missing"
	[ "$status" -eq 1 ]
}

# ---- project files and the build contract

@test "deps.sh: lists the packages the design names; ensure is quiet when all are there" {
	run "$RUMPSH_ROOT/tests/deps.sh" list
	for p in gcc make pkg-config libreadline-dev libarchive-dev libfuse3-dev bats bats-assert \
		bats-support e2fsprogs dosfstools mtools makefs xorriso sleuthkit fuse3 \
		libarchive-tools p7zip-full clang hyperfine time; do
		assert_line "$p"
	done
	run "$RUMPSH_ROOT/tests/deps.sh" ensure
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run "$RUMPSH_ROOT/tests/deps.sh" nonsense
	[ "$status" -eq 2 ]
}

@test "make -n install DESTDIR=x PREFIX=/usr installs bin/rumpsh" {
	run make -s -n -C "$RUMPSH_ROOT" install DESTDIR=x PREFIX=/usr
	[ "$status" -eq 0 ]
	assert_output --regexp 'install -m 755 [^ ]*rumpsh x/usr/bin/rumpsh'
}

@test ".ci/run is an executable sh script that runs make deps and make check" {
	[ -x "$RUMPSH_ROOT/.ci/run" ]
	sh -n "$RUMPSH_ROOT/.ci/run"
	grep -q 'make deps' "$RUMPSH_ROOT/.ci/run"
	grep -q 'make check' "$RUMPSH_ROOT/.ci/run"
}

@test "samples: make-samples.sh reproduces the committed images byte for byte" {
	[ -f "$RUMPSH_ROOT/samples/ext2.img" ] && [ -f "$RUMPSH_ROOT/samples/ext4.img" ]
	SAMPLES_OUT=$T/s "$RUMPSH_ROOT/samples/make-samples.sh"
	for fs in ext2 ext4; do
		[ "$(stat -c %s "$T/s/$fs.img")" -le $((4 * 1024 * 1024)) ]
		e2fsck -fn "$T/s/$fs.img"
		cmp "$T/s/$fs.img" "$RUMPSH_ROOT/samples/$fs.img"
	done
	run "$RUMPSH_ROOT/samples/make-samples.sh" --if-missing
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "rumpsh with no arguments is a usage error (status 2)" {
	run_rumpsh
	[ "$status" -eq 2 ]
}

@test "make demo: opens the shell on the sample image (commands from stdin here)" {
	need_tool make
	run bash -c 'echo "ls /; info" | make -C "$1" --no-print-directory demo' _ "$RUMPSH_ROOT"
	assert_success
	assert_output --partial 'samples/ext4.img'
	assert_line 'type: ext4'
	local demo=$output name
	# every name of the sample's root, as a one-shot ls lists them
	run_rumpsh "$RUMPSH_ROOT/samples/ext4.img" ls /
	[ -n "$output" ]
	for name in $output; do
		[[ $demo == *"$name"* ]] || { echo "make demo did not list $name" >&2; return 1; }
	done
}
