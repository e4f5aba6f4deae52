#!/usr/bin/env bats
# sandbox.bats: rumpsh confines itself (Landlock) to the image and the host paths its commands name; --no-sandbox lifts it.

load test_helper

setup_file() {
	need_tool mke2fs
	local tree=$BATS_FILE_TMPDIR/tree
	mkdir -p "$tree/d"
	printf 'hello\n' >"$tree/hello.txt"
	printf 'deep\n' >"$tree/d/deep.txt"
	IMG=$BATS_FILE_TMPDIR/sb.img
	mk_ext "$IMG" "$tree" -t ext2 -b 1024 >/dev/null 2>&1
	export IMG
}

@test "--version says whether the sandbox is available" {
	run_rumpsh --version
	assert_success
	assert_line --regexp '^sandbox: Landlock ABI [0-9]+: sessions are confined unless --no-sandbox$'
}

@test "info reports the sandbox active, and off with --no-sandbox" {
	run_rumpsh "$IMG" info
	assert_success
	assert_line --regexp '^sandbox: active \(Landlock ABI [0-9]+; '
	run_rumpsh --no-sandbox "$IMG" info
	assert_success
	assert_line 'sandbox: off (--no-sandbox)'
}

@test "get into an allowed directory works while confined" {
	local out=$BATS_TEST_TMPDIR/out
	mkdir -p "$out"
	run_rumpsh "$IMG" -c "info; get -r /d /hello.txt $out"
	assert_success
	assert_line --regexp '^sandbox: active '
	[[ $(<"$out/hello.txt") == hello ]]
	[[ $(<"$out/d/deep.txt") == deep ]]
}

@test "get to a new file name is allowed through its directory" {
	local out=$BATS_TEST_TMPDIR/new
	mkdir -p "$out"
	run_rumpsh "$IMG" get /hello.txt "$out/renamed.txt"
	assert_success
	[[ $(<"$out/renamed.txt") == hello ]]
}

@test "a script on stdin is confined to the paths its commands name" {
	local out=$BATS_TEST_TMPDIR/stdin
	mkdir -p "$out"
	run --separate-stderr "$RUMPSH" "$IMG" <<<"get /hello.txt $out; info"
	assert_no_sanitizer_report
	assert_success
	assert_line --regexp '^sandbox: active '
	[[ -f $out/hello.txt ]]
}

@test "time formatting still works under the sandbox (zoneinfo is readable)" {
	TZ=Europe/Paris run_rumpsh "$IMG" stat /hello.txt
	assert_success
	assert_output --regexp 'Modify: [0-9-]+ [0-9:.]+ \+0[12]00'
}

@test "help explains the sandbox" {
	run_rumpsh "$IMG" help
	assert_success
	assert_output --partial 'Landlock'
	assert_output --partial '--no-sandbox'
}

@test "interactive: confined to the current directory; a host path outside is refused" {
	need_tool script
	local in=$BATS_TEST_TMPDIR/in out=$BATS_TEST_TMPDIR/out
	mkdir -p "$in" "$out"
	# script(1) gives rumpsh a terminal, so the session is interactive
	run bash -c "printf 'get /hello.txt %s/x.txt\nget /hello.txt %s/y.txt\ninfo\nexit\n' '$out' '$in' |
		HOME='$in' timeout 30 script -qec \"cd '$in' && '$RUMPSH' '$IMG'\" /dev/null"
	assert_no_sanitizer_report
	assert_output --partial "rumpsh: get: $out/x.txt: Permission denied"
	assert_output --partial 'sandbox: active (Landlock ABI'
	[[ ! -e $out/x.txt ]]
	[[ $(<"$in/y.txt") == hello ]]
	# the history is still kept (appended to the one file the sandbox allows)
	grep -qx 'info' "$in/.rumpsh_history"
}

@test "a block device as IMAGE opens under the sandbox (its size is an ioctl)" {
	need_tool losetup
	local dev
	dev=$(losetup -f --show -r "$IMG") || fail "losetup failed"
	run_rumpsh "$dev" -c 'cat /hello.txt; info'
	losetup -d "$dev"
	assert_success
	assert_line hello
	assert_line --regexp '^sandbox: active '
}
