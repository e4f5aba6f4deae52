#!/usr/bin/env bats
# cli_fsck.bats: the fsck command: modes (-n default, -y, -p), report lines on stdout, fsck(8) statuses, read-only and locked opens, scripts.

load cli_write_helper

setup() {
	load ffs_helper
	need_tool makefs python3 mkfs.fat mcopy fsck.fat sha256sum
}

# damaged IMG: one link count wrong (tests/ffs_corrupt.py), found by fsck as an error.
damaged() {
	local img ino
	img=$(wr_ffs "$1")
	ino=$("$RUMPSH" -r "$img" stat /small.txt | awk '/Inode:/ { print $2 }')
	ffs_corrupt "$img" nlink "$ino" >/dev/null
	echo "$img"
}

@test "a clean image: status 0, nothing printed, nothing written; the default is -n" {
	local img before
	img=$(wr_ffs clean)
	before=$(sha256sum <"$img")
	run_rumpsh "$img" fsck
	assert_success
	assert_output ''
	run_rumpsh "$img" fsck -n -v
	assert_success
	run_rumpsh -r "$img" fsck -n
	assert_success
	[ "$(sha256sum <"$img")" = "$before" ]
	run_rumpsh "$img" fsck -y
	assert_success
	assert_output ''
}

@test "damage: -n and the default report it on stdout with status 4 and write nothing" {
	local img before
	img=$(damaged dmg)
	before=$(sha256sum <"$img")
	run_rumpsh -4 "$img" fsck -n
	assert_output --partial 'link'
	[ -z "$stderr" ]
	local report=$output
	run_rumpsh -4 "$img" fsck
	assert_equal "$output" "$report"
	run_rumpsh -4 -r "$img" fsck
	[ "$(sha256sum <"$img")" = "$before" ]
}

@test "damage: -y repairs (status 1), then the image is clean (0)" {
	local img
	img=$(damaged rep)
	run_rumpsh -1 "$img" fsck -y
	assert_output --partial 'link'
	run_rumpsh "$img" fsck -n
	assert_success
	assert_output ''
	[ "$("$RUMPSH" -r "$img" cat /small.txt)" = hello ]
}

@test "damage: -p repairs too; -r and a held lock make repair an operational error (8)" {
	local img before fifo pid
	img=$(damaged preen)
	before=$(sha256sum <"$img")
	run_rumpsh -8 -r "$img" fsck -y
	assert_equal "$stderr" "rumpsh: fsck: $img: Read-only file system"
	run_rumpsh -8 -o ro "$img" fsck -p
	fifo=$BATS_TEST_TMPDIR/fifo
	mkfifo "$fifo"
	"$RUMPSH" "$img" put "$fifo" /held 2>/dev/null &
	pid=$!
	exec {fd}>"$fifo"
	run_rumpsh -8 "$img" fsck -y
	assert_equal "$stderr" "rumpsh: fsck: $img: the image is open for writing by another process"
	exec {fd}>&-
	wait "$pid" || true
	run_rumpsh -1 "$img" fsck -p
	run_rumpsh "$img" fsck
	assert_success
}

@test "in a script, a nonzero fsck status stops it with that status" {
	local img
	img=$(damaged script)
	run_rumpsh -4 "$img" -c 'fsck -n; mkdir /never'
	run_rumpsh -r "$img" stat /never
	assert_failure 1
	run_rumpsh -1 "$img" -c 'fsck -y; mkdir /never'
	run_rumpsh "$img" -c 'fsck -n; mkdir /after; fsck; rmdir /after'
	assert_success
	ffs_clean "$img"
}

@test "after changes in the same session, fsck checks what was written" {
	local img
	img=$(wr_ffs same)
	run_rumpsh "$img" -c 'mkdir /a; mkdir /a/b; ln /small.txt /a/l; rm /medium.bin; fsck -n; fsck -y; rmdir /a/b; fsck'
	assert_success
	assert_output ''
	ffs_clean "$img"
}

@test "FAT: the msdos checker answers, and agrees with fsck.fat on a clean image" {
	local img
	img=$(wr_fat fsck 16)
	run_rumpsh "$img" fsck -n
	assert_success
	fat_clean "$img"
	run_rumpsh "$img" -c 'mkdir /new; fsck -n'
	assert_success
	fat_clean "$img"
}

@test "ext4 has a checker (clean: 0); ISO 9660 has none: the message and status 8" {
	local img iso
	img=$(wr_ext nock)
	run_rumpsh "$img" fsck -n
	assert_success
	mkdir "$BATS_TEST_TMPDIR/t"
	echo x >"$BATS_TEST_TMPDIR/t/x"
	iso=$BATS_TEST_TMPDIR/x.iso
	makefs -t cd9660 "$iso" "$BATS_TEST_TMPDIR/t" >/dev/null
	run_rumpsh -8 "$iso" fsck
	assert_output 'no checker for this file system yet'
	run_rumpsh -8 "$iso" -c 'fsck; ls'
	assert_output 'no checker for this file system yet'
}

@test "fsck usage: bad options and operands are usage errors (2)" {
	local img
	img=$(wr_ffs usage)
	run_rumpsh -2 "$img" fsck -y -n
	run_rumpsh -2 "$img" fsck /dev/sda
	assert_equal "$stderr" $'rumpsh: fsck: too many arguments\nusage: fsck [-n|-y|-p] [-vf]'
	run_rumpsh -2 "$img" fsck -x
	run_rumpsh "$img" help fsck
	assert_output --partial 'the default without -y or -p'
}
