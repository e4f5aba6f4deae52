#!/usr/bin/env bats
# sandbox.bats: rumpsh confines itself (Landlock) to the image and the host paths its commands name; --no-sandbox lifts it.

load test_helper
load mount_helper

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

teardown() {
	fuse_umount_all
	loop_umount_all
}

@test "--version says whether the sandbox is available" {
	run_rumpsh --version
	assert_success
	assert_line --regexp '^sandbox: Landlock ABI [0-9]+: sessions and FUSE servers are confined unless --no-sandbox$'
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

# ---- the FUSE server -------------------------------------------------------

# probed_rumpsh SECRET: prints the path of a wrapper that runs rumpsh with a test-only LD_PRELOAD
# shim (tests/sandbox_probe.c) which tries to open SECRET just before the process's first pread,
# i.e. before the driver reads a byte of the image, and says how that went on stderr.
probed_rumpsh() {
	need_tool cc fusermount3 || return 1
	local so=$BATS_FILE_TMPDIR/probe.so w=$BATS_TEST_TMPDIR/probed/rumpsh
	[[ -e $so ]] || cc -shared -fPIC -o "$so" "$BATS_TEST_DIRNAME/sandbox_probe.c" -ldl || return 1
	mkdir -p "${w%/*}"
	# the ASan runtime wants to come first among the libraries; the shim does not mind
	cat >"$w" <<-WRAP
		#!/bin/bash
		export LD_PRELOAD='$so' RUMPSH_PROBE='$1'
		export ASAN_OPTIONS="\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}verify_asan_link_order=0"
		exec -a "\$(basename "\$0")" '$RUMPSH' "\$@"
	WRAP
	chmod +x "$w"
	echo "$w"
}

# landlock_abi: the kernel's Landlock ABI, as --version reports it (0: none)
landlock_abi() {
	"$RUMPSH" --version | sed -n 's/^sandbox: Landlock ABI \([0-9]*\):.*/\1/p' | grep . || echo 0
}

# nnp PID, cap_eff PID: the NoNewPrivs flag, the effective capabilities of a process
nnp() {
	awk '$1 == "NoNewPrivs:" { print $2 }' "/proc/$1/status"
}
cap_eff() {
	awk '$1 == "CapEff:" { print $2 }' "/proc/$1/status"
}

@test "a FUSE server is confined before its driver reads the image; it still mounts, serves and unmounts" {
	local secret=$BATS_TEST_TMPDIR/secret img=$BATS_TEST_TMPDIR/srv.img M=$BATS_TEST_TMPDIR/mnt w
	echo private >"$secret"
	w=$(probed_rumpsh "$secret")
	cp "$IMG" "$img"
	RUMPSH=$w fuse_mount "$img" "$M"
	run cat "$BATS_TEST_TMPDIR/server.err"
	assert_line "probe pid $FUSE_PID: open $secret: Permission denied"
	# TCP too, where the kernel's Landlock handles it (ABI 4)
	if (($(landlock_abi) >= 4)); then
		assert_line "probe pid $FUSE_PID: tcp connect: Permission denied"
	fi
	assert_equal "${#lines[@]}" 2
	# no_new_privs: no setuid program (fusermount3 included) gains rights for it
	assert_equal "$(nnp "$FUSE_PID")" 1
	# as root it keeps only CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (bits 1, 2)
	if (($(id -u) == 0)); then
		assert_equal "$(cap_eff "$FUSE_PID")" 0000000000000006
	fi
	# the helper that mounted for it is its child, and unconfined
	assert_equal "$(nnp "$(pgrep -P "$FUSE_PID" | head -1)")" 0
	[[ $(<"$M/hello.txt") == hello ]]
	echo written >"$M/new.txt"
	fuse_umount "$M"
	refute_mounted "$M"
	run e2fsck -fn "$img"
	assert_success
	run_rumpsh "$img" cat /new.txt
	assert_output written
}

@test "--no-sandbox: the same probe opens the file (the confinement above is what refused it)" {
	local secret=$BATS_TEST_TMPDIR/secret M=$BATS_TEST_TMPDIR/mnt w
	echo private >"$secret"
	w=$(probed_rumpsh "$secret")
	RUMPSH=$w fuse_mount "$IMG" "$M" --no-sandbox -r
	run cat "$BATS_TEST_TMPDIR/server.err"
	assert_line "probe pid $FUSE_PID: open $secret: opened"
	assert_line "probe pid $FUSE_PID: tcp connect: Connection refused"
	assert_equal "$(nnp "$FUSE_PID")" 0
	if (($(id -u) == 0)); then
		[[ $(cap_eff "$FUSE_PID") != 0000000000000006 ]]
	fi
	fuse_umount "$M"
}

@test "rump_ext2fs in the background is confined too, and a kill -9 still releases the mount" {
	local secret=$BATS_TEST_TMPDIR/secret M=$BATS_TEST_TMPDIR/mnt w pid i
	echo private >"$secret"
	w=$(probed_rumpsh "$secret")
	ln -s "$w" "${w%/*}/rump_ext2fs"
	mkdir -p "$M"
	run --separate-stderr "${w%/*}/rump_ext2fs" -o ro "$IMG" "$M" 3>&-
	assert_success
	_fuse_register "$M" "$IMG"
	[[ $stderr =~ ^probe\ pid\ [0-9]+:\ open\ $secret:\ Permission\ denied ]]
	if (($(landlock_abi) >= 4)); then
		[[ $stderr == *": tcp connect: Permission denied" ]]
	fi
	[[ $(<"$M/d/deep.txt") == deep ]]
	# two processes: the daemon serving the mount (confined) and its mount helper (not)
	run bash -c "for p in \$(pgrep -f -x 'rump_ext2fs -o ro $IMG $M'); do
		awk '\$1 == \"NoNewPrivs:\" { print \$2 }' /proc/\$p/status; done | sort | tr '\n' ' '"
	assert_output "0 1 "
	for pid in $(pgrep -f -x "rump_ext2fs -o ro $IMG $M"); do
		[[ $(nnp "$pid") == 1 ]] && kill -9 "$pid"
	done
	for i in $(seq 1 600); do is_mounted "$M" || break; sleep 0.1; done
	refute_mounted "$M"
}

@test "a shell session, too, is confined before the first read of the image (files and TCP)" {
	local secret=$BATS_TEST_TMPDIR/secret w
	echo private >"$secret"
	w=$(probed_rumpsh "$secret")
	run --separate-stderr "$w" "$IMG" cat /hello.txt
	assert_success
	assert_output hello
	[[ $stderr == *"open $secret: Permission denied"* ]]
	if (($(landlock_abi) >= 4)); then
		[[ $stderr == *"tcp connect: Permission denied"* ]]
	fi
	run --separate-stderr "$w" --no-sandbox "$IMG" cat /hello.txt
	assert_success
	[[ $stderr == *"open $secret: opened"* ]]
	[[ $stderr == *"tcp connect: Connection refused"* ]]
}

@test "SIGTERM to a confined server: it writes everything out, its helper unmounts, status 0" {
	local img=$BATS_TEST_TMPDIR/term.img M=$BATS_TEST_TMPDIR/mnt st=0 dir
	cp "$IMG" "$img"
	fuse_mount "$img" "$M"
	dir=$(cd "$M" && pwd)
	echo kept >"$M/kept.txt"
	kill -TERM "$FUSE_PID"
	wait "$FUSE_PID" || st=$?
	assert_equal "$st" 0
	# the server's exit waited for the unmount: no polling needed
	refute_mounted "$dir"
	unset "FUSE_PIDS[$dir]"
	fuse_umount "$dir"
	run e2fsck -fn "$img"
	assert_success
	run_rumpsh "$img" cat /kept.txt
	assert_output kept
}
