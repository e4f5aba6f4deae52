#!/usr/bin/env bats
# ext2_inline.bats: writing inline_data files and directories: inside the inode, and moved out to blocks when they outgrow it.

load test_helper
load ext2_helper
load ext2_write_helper
load mount_helper

setup() {
	need_tool mke2fs e2fsck debugfs
	W=$BATS_TEST_TMPDIR
	SRC=$W/src
	mkdir -p "$SRC/d1" "$SRC/d2" "$SRC/d3/sub" "$W/data"
	: >"$SRC/f0"
	local n
	printf 'Z' >"$SRC/f1"
	for n in 59 60 61 100 150; do head -c "$n" /dev/urandom >"$SRC/f$n"; done
	for n in 1 2 3; do printf '%s\n' "$n" >"$SRC/d1/e$n"; done
	printf 'x\n' >"$SRC/d3/sub/x"
	for n in 30 120 5000; do head -c "$n" /dev/urandom >"$W/data/h$n"; done
	HOST=$W/host
	cp -a "$SRC" "$HOST"
}

teardown() {
	fuse_umount_all
	loop_umount_all
}

# il_flags IMG PATH: the inode flags debugfs shows (0x10000000: inline data).
il_flags() {
	debugfs -R "stat $2" "$1" 2>/dev/null | sed -n 's/.*Flags: \(0x[0-9a-f]*\).*/\1/p'
}

il_image() {
	local img=$1
	shift
	EW_SIZE=16M ew_image "$img" "$SRC" -t ext4 -O inline_data "$@"
	# mke2fs made them inline: otherwise this suite tests nothing
	[ "$(il_flags "$img" /f100)" = 0x10000000 ] && [ "$(il_flags "$img" /d1)" = 0x10000000 ]
}

# The same changes through rumpsh and on the host copy; then e2fsck, the
# kernel's view, and which inodes are still inline.
il_workout() {
	local img=$W/i.img n script
	il_image "$img" "$@"
	script="put $W/data/h30 /f100; put $W/data/h120 /f59; put $W/data/h5000 /f150; \
truncate -s 10 /d1/e1; truncate -s 100 /d1/e2; truncate -s 0 /f61; truncate -s 70000 /f60; \
touch /d2/a1 /d2/a2 /d2/a3; mkdir /d2/newdir; mv /d3 /d2/d3; mv /d2/a1 /d2/a1-renamed; \
rm /d2/d3/sub/x; rmdir /d2/d3/sub; ln /f1 /d2/link-to-f1; rm /d2/a2"
	for n in $(seq 1 60); do script+="; touch /d1/new-entry-$n"; done
	script+="; rm /d1/e3; mv /d1/new-entry-5 /d2/moved"
	run_rumpsh "$img" -c "$script"
	assert_success
	(
		cd "$HOST" && cp "$W/data/h30" f100 && cp "$W/data/h120" f59 && cp "$W/data/h5000" f150 &&
		truncate -s 10 d1/e1 && truncate -s 100 d1/e2 && truncate -s 0 f61 && truncate -s 70000 f60 &&
		touch d2/a1 d2/a2 d2/a3 && mkdir d2/newdir && mv d3 d2/d3 && mv d2/a1 d2/a1-renamed &&
		rm d2/d3/sub/x && rmdir d2/d3/sub && ln f1 d2/link-to-f1 && rm d2/a2 &&
		for n in $(seq 1 60); do touch "d1/new-entry-$n"; done && rm d1/e3 && mv d1/new-entry-5 d2/moved
	)
	ew_fsck "$img"
	ew_same "$img" "$HOST"
	# still inline: what fits; moved out: what does not
	[ "$(il_flags "$img" /f59)" = 0x10000000 ]
	[ "$(il_flags "$img" /f100)" = 0x10000000 ]
	[ "$(il_flags "$img" /d2)" = 0x10000000 ]
	[ "$(il_flags "$img" /d2/d3)" = 0x10000000 ]
	[ "$(il_flags "$img" /f150)" != 0x10000000 ]
	[ "$(il_flags "$img" /f60)" != 0x10000000 ]
	[ "$(il_flags "$img" /d1)" != 0x10000000 ]
	run_rumpsh "$img" -c "cat /d2/d3/../link-to-f1"
	assert_output Z
}

@test "inline_data, 4 KiB blocks, metadata_csum, journal" { il_workout -I 256; }
@test "inline_data, 1 KiB blocks, 512-byte inodes, no metadata_csum, no journal" {
	il_workout -b 1024 -I 512 -O ^metadata_csum,^has_journal
}
@test "inline_data, 1 KiB blocks, 1 KiB inodes (the directory outgrows most of a block)" {
	il_workout -b 1024 -I 1024
}

@test "inline files written at offsets through the mount: inside the inode, and past it" {
	local img=$W/i.img M=$W/mnt
	need_tool fusermount3 dd
	il_image "$img" -I 256
	fuse_mount "$img" "$M"
	printf 'XY' | dd of="$M/f1" bs=1 seek=80 conv=notrunc status=none
	printf 'XY' | dd of="$HOST/f1" bs=1 seek=80 conv=notrunc status=none
	printf 'abc' | dd of="$M/f100" bs=1 seek=4000 conv=notrunc status=none
	printf 'abc' | dd of="$HOST/f100" bs=1 seek=4000 conv=notrunc status=none
	printf 'more\n' >>"$M/d1/e1"
	printf 'more\n' >>"$HOST/d1/e1"
	fuse_umount "$M"
	ew_fsck "$img"
	ew_same "$img" "$HOST"
	[ "$(il_flags "$img" /f1)" = 0x10000000 ]
	[ "$(il_flags "$img" /f100)" != 0x10000000 ]
}

@test "a corrupt system.data attribute is reported by writes, not followed" {
	local img=$W/i.img long off
	il_image "$img" -I 256 -O ^metadata_csum
	long=$(printf 'n%.0s' {1..50})
	run_rumpsh "$img" touch "/d2/$long"     # too long for i_block: into the value
	assert_success
	[ "$(il_flags "$img" /d2)" = 0x10000000 ]
	# in-inode xattrs at 128 + extra_isize (32): the magic, then the entry,
	# whose value size (offset 8) now claims 32 KiB
	for p in /d2 /f100; do
		off=$(ext2_inode_offset "$img" "$p")
		ext2_poke "$img" $((off + 160 + 4 + 9)) 0x80
	done
	run_rumpsh -1 "$img" touch "/d2/$long-2"
	assert_regex "$stderr" 'xattr value: expected within [0-9]+ bytes'
	run_rumpsh -1 "$img" put "$W/data/h30" /f100
	assert_regex "$stderr" 'xattr value: expected within [0-9]+ bytes'
}
