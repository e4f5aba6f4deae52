#!/usr/bin/env bats
# ext2_xattr.bats: setting and removing ext2/3/4 extended attributes (setfattr through a FUSE mount, put -p): e2fsck -fn clean, and the kernel and debugfs see exactly the expected attributes.

load test_helper
load mount_helper

setup() {
	need_tool mke2fs e2fsck debugfs getfattr setfattr python3 fusermount3
	MODEL=$BATS_TEST_DIRNAME/xattr_model.py
	STATE=$BATS_TEST_TMPDIR/model.json
	MNT=$BATS_TEST_TMPDIR/mnt
	KERN=$BATS_TEST_TMPDIR/kern
	TREE=$BATS_TEST_TMPDIR/tree
	mkdir -p "$TREE/d"
	printf 'file\n' >"$TREE/f"
	printf 'other\n' >"$TREE/g"
	printf 'third\n' >"$TREE/h"
}

teardown() {
	fuse_umount_all
	loop_umount_all
}

# xa_steps IMG: the steps on stdin, through a FUSE mount of IMG (xattr_model.py run).
xa_steps() {
	fuse_mount "$1" "$MNT" || return 1
	python3 "$MODEL" "$STATE" run "$MNT"
	local rc=$?
	fuse_umount "$MNT" || return 1
	return "$rc"
}

# getfattr's dump of the kernel's view, one "PATH NAME=0xHEX" line an attribute.
xa_kernel_dump() {
	(cd "$1" && getfattr -h -d -m - -e hex f g h d 2>/dev/null) |
		awk '/^# file: / { f = $3; next } NF { print f, $0 }' | LC_ALL=C sort
}

# debugfs ea_list of f, g, h and d: "PATH NAME (SIZE)" lines (debugfs prints
# short values after the size).
xa_debugfs_sizes() {
	printf 'ea_list /%s\n' f g h d | debugfs -f - "$1" 2>/dev/null |
		awk '/^debugfs: ea_list / { p = substr($3, 2); next }
			/^  [^ ]+ \([0-9]+\)/ { print p, $1, $2 }' | LC_ALL=C sort
}

# xa_check IMG: e2fsck clean; the kernel and debugfs agree with the model.
xa_check() {
	local img=$1 out
	if ! out=$(e2fsck -fn "$img" 2>&1); then
		printf 'e2fsck -fn:\n%s\n' "$out" >&2
		return 1
	fi
	loop_mount_ro "$img" "$KERN" || return 1
	diff <(python3 "$MODEL" "$STATE" dump) <(xa_kernel_dump "$KERN") || return 1
	loop_umount "$KERN" || return 1
	diff <(python3 "$MODEL" "$STATE" sizes) <(xa_debugfs_sizes "$img") ||
		{ echo "debugfs ea_list differs" >&2; return 1; }
}

# The inode's xattr block number (0: none).
xa_block() {
	debugfs -R "stat /$2" "$1" 2>/dev/null | sed -n 's/.*File ACL: \([0-9]*\).*/\1/p'
}

# The same workout for every layout: small and large values set, replaced
# and removed, many attributes spilling into the block, flags, limits.
xa_workout() {
	local img=$1 long i
	long=user.$(printf 'n%.0s' {1..250})   # 255 bytes, the most
	{ cat <<-EOF
		set f user.small 5
		set f user.small 7:w
		set f user.small 3 create
		set f user.nope 3 replace
		rm f user.nope
		set f user.empty 0
		set f user.small 9:r replace
		set f user.new 4 create
		set f user.large 900:L
		set g trusted.t 12:t
		set g security.s 30:s
		set h user.grow 40
		set h $long 1
		set f user. 1 => EINVAL
		set f ${long}x 1 => ERANGE
		set f other.x 1 => ENOTSUP
		set f system.data 1 => ENOTSUP
	EOF
	  for i in $(seq 1 40); do echo "set d user.attribute-$i 20:$((i % 10))"; done
	} | xa_steps "$img"
	xa_check "$img"
	# user.grow outgrows the inode's area (256-byte inodes) and moves to the block
	{ printf 'set h user.grow 400:G\n'
	  printf 'set f user.large 10:l\nrm f user.empty\nset d user.attribute-7 200:X\n'
	  for i in $(seq 1 2 40); do echo "rm d user.attribute-$i"; done
	} | xa_steps "$img"
	xa_check "$img"
	# everything goes: the blocks go with it
	{ for i in $(seq 2 2 40); do echo "rm d user.attribute-$i"; done
	  printf 'rm f user.small\nrm f user.new\nrm f user.large\nrm g trusted.t\nrm g security.s\nrm h user.grow\nrm h %s\n' "$long"
	} | xa_steps "$img"
	xa_check "$img"
	for i in f g h d; do
		[[ $(xa_block "$img" "$i") == 0 ]] || { echo "/$i still has an xattr block" >&2; return 1; }
	done
}

@test "ext4 with metadata_csum: set, replace and remove, in the inode and in the block" {
	mk_ext "$BATS_TEST_TMPDIR/x.img" "$TREE" -O metadata_csum -b 4096 -I 256
	xa_workout "$BATS_TEST_TMPDIR/x.img"
}

@test "ext2 with 128-byte inodes: every attribute in the block" {
	mk_ext "$BATS_TEST_TMPDIR/x.img" "$TREE" -t ext2 -b 4096 -I 128
	xa_workout "$BATS_TEST_TMPDIR/x.img"
}

@test "ext3 with 1 KiB blocks: the block's limit is ENOSPC, exactly at its edge" {
	local img=$BATS_TEST_TMPDIR/x.img
	mk_ext "$img" "$TREE" -t ext3 -b 1024 -I 128
	# 1024 - 32 (header) - 4 (end) - 20 (entry and name "big") = 968
	xa_steps "$img" <<-EOF
		set g user.big 969 => ENOSPC
		set g user.big 968
		set g user.x 1 => ENOSPC
		set f user.huge 70000 => E2BIG
		set g user.big 100
		set g user.x 1
	EOF
	xa_check "$img"
}

@test "a shared xattr block is copied, not changed: the other inodes keep their attributes" {
	local img=$BATS_TEST_TMPDIR/x.img blk v
	mk_ext "$img" "$TREE" -O metadata_csum -b 4096 -I 256
	# the kernel shares identical blocks (mbcache): three inodes, one block
	mkdir -p "$BATS_TEST_TMPDIR/rw"
	mount -o loop "$img" "$BATS_TEST_TMPDIR/rw"
	v=$(printf 'S%.0s' {1..300})
	setfattr -n user.shared -v "$v" "$BATS_TEST_TMPDIR/rw/f" "$BATS_TEST_TMPDIR/rw/g" "$BATS_TEST_TMPDIR/rw/h"
	umount "$BATS_TEST_TMPDIR/rw"
	blk=$(xa_block "$img" f)
	[[ $blk != 0 && $(xa_block "$img" g) == "$blk" && $(xa_block "$img" h) == "$blk" ]] ||
		{ echo "the kernel did not share the block (mbcache off?): no shared block to test" >&2; return 1; }
	printf 'set f user.shared 300:S\nset g user.shared 300:S\nset h user.shared 300:S\n' |
		python3 "$MODEL" "$STATE" assume
	xa_steps "$img" <<-EOF
		set f user.more 300
		rm h user.shared
	EOF
	xa_check "$img"
	[[ $(xa_block "$img" g) == "$blk" ]]
	[[ $(xa_block "$img" f) != "$blk" && $(xa_block "$img" f) != 0 ]]
	[[ $(xa_block "$img" h) == 0 ]]
	# g is now the only user: its block changes in place, and goes with its last attribute
	xa_steps "$img" <<<'set g user.shared 5'
	xa_check "$img"
	[[ $(xa_block "$img" g) == 0 ]]
}

@test "POSIX ACLs through setfattr: stored in ext4's form, read back by the kernel" {
	local img=$BATS_TEST_TMPDIR/x.img acl
	mk_ext "$img" "$TREE" -O metadata_csum -b 4096 -I 256
	# version 2: user::rw-, user:1234:r-x, group::r--, mask::r-x, other::r--
	acl=0x0200000001000600ffffffff02000500d204000004000400ffffffff10000500ffffffff20000400ffffffff
	fuse_mount "$img" "$MNT"
	setfattr -n system.posix_acl_access -v "$acl" "$MNT/f"
	run ! setfattr -n system.posix_acl_default -v "$acl" "$MNT/f"   # not a directory
	setfattr -n system.posix_acl_default -v "$acl" "$MNT/d"
	run ! setfattr -n system.posix_acl_access -v 0x0200000001000600 "$MNT/g"   # malformed
	fuse_umount "$MNT"
	run e2fsck -fn "$img"
	assert_success
	loop_mount_ro "$img" "$KERN"
	run getfattr -h -e hex -n system.posix_acl_access "$KERN/f"
	assert_output --partial "system.posix_acl_access=$acl"
	run getfattr -h -e hex -n system.posix_acl_default "$KERN/d"
	assert_output --partial "system.posix_acl_default=$acl"
	run stat -c %a "$KERN/f"
	assert_output 654       # the mode follows the ACL: group bits from the mask
	run getfattr -h -m - "$KERN/g"
	assert_output ''
}

@test "put -p copies user and trusted attributes and ACLs, like cp -a" {
	local img=$BATS_TEST_TMPDIR/x.img src=$BATS_TEST_TMPDIR/src
	mkdir -p "$src/dir"
	printf 'data\n' >"$src/file"
	ln -s file "$src/link"
	setfattr -n user.note -v hello "$src/file" || { echo "the host file system has no user xattrs" >&2; return 1; }
	setfattr -n user.big -v "$(printf 'B%.0s' {1..2000})" "$src/file"
	setfattr -n user.dir -v d "$src/dir"
	setfattr -n trusted.secret -v t "$src/dir"
	setfattr -h -n trusted.link -v l "$src/link"
	setfattr -n system.posix_acl_access \
		-v 0x0200000001000600ffffffff02000500d204000004000400ffffffff10000500ffffffff20000400ffffffff "$src/file"
	mk_ext "$img" "$TREE" -O metadata_csum -b 4096 -I 256
	run_rumpsh "$img" put -r -p "$src" /copy
	assert_success
	run e2fsck -fn "$img"
	assert_success
	loop_mount_ro "$img" "$KERN"
	diff <(cd "$src" && getfattr -R -h -d -m - -e hex . | LC_ALL=C sort) \
		<(cd "$KERN/copy" && getfattr -R -h -d -m - -e hex . | LC_ALL=C sort)
}

@test "put -p onto a file system without xattrs: a note, and the copy" {
	need_tool mkfs.fat
	local img=$BATS_TEST_TMPDIR/x.img
	setfattr -n user.note -v hello "$TREE/f" || { echo "the host file system has no user xattrs" >&2; return 1; }
	mkfs.fat -C "$img" 4096 >/dev/null
	run_rumpsh "$img" put -p "$TREE/f" /f
	assert_success
	[[ $stderr == *'note: extended attributes not kept'* ]]
	run_rumpsh "$img" cat /f
	assert_output 'file'
}
