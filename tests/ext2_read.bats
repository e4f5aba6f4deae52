#!/usr/bin/env bats
# ext2_read.bats: the ext2/3/4 driver reads every on-disk feature as the kernel does (mke2fs -d images, kernel loop mounts).

load test_helper
load ext2_helper

setup() {
	need_tool mke2fs mkfs.ext2 mkfs.ext3 mkfs.ext4 debugfs dumpe2fs e2fsck python3 timeout
	T=$BATS_TEST_TMPDIR
	TREE=$(fixture ext2-read-tree make_tree)
}

# read_vs_tree IMG: get -r equals the source tree (names, types, contents, links).
read_vs_tree() {
	ext2_get "$1" "$T/out"
	ext2_diff_tree "$TREE" "$T/out"
}

@test "ext2 read: ext4 defaults (4 KiB blocks, extents, metadata_csum, 64bit, flex_bg)" {
	mk_ext "$T/img" "$TREE"
	read_vs_tree "$T/img"
	ext2_compare_kernel "$T/img"
}

@test "ext2 read: 1 KiB blocks, 128-byte inodes (no extra_isize, no birth time)" {
	mk_ext "$T/img" "$TREE" -b 1024 -I 128
	read_vs_tree "$T/img"
	ext2_compare_kernel "$T/img"
	run_rumpsh -0 "$T/img" stat /small.txt
	refute_output --partial 'Birth: 2'
}

@test "ext2 read: 2 KiB blocks without metadata_csum or 64bit" {
	mk_ext "$T/img" "$TREE" -b 2048 -O ^metadata_csum,^64bit
	read_vs_tree "$T/img"
	ext2_compare_kernel "$T/img"
}

@test "ext2 read: 64 KiB blocks" {
	MK_EXT_SIZE=256M mk_ext "$T/img" "$TREE" -b 65536 -O ^has_journal
	read_vs_tree "$T/img"
}

@test "ext2 read: ext2 (block maps, no journal, no extents)" {
	mk_ext "$T/img" "$TREE" -t ext2
	read_vs_tree "$T/img"
	ext2_compare_kernel "$T/img"
	run_rumpsh -0 "$T/img" info
	assert_line 'type: ext2'
	assert_line 'journal: none'
}

@test "ext2 read: ext3 with 1 KiB blocks" {
	mk_ext "$T/img" "$TREE" -t ext3 -b 1024
	read_vs_tree "$T/img"
	ext2_compare_kernel "$T/img"
	run_rumpsh -0 "$T/img" info
	assert_line 'type: ext3'
	assert_line 'journal: clean'
}

@test "ext2 read: block maps with single, double and triple indirect blocks" {
	mkdir -p "$T/src"
	local off
	for off in 0 11000 13000 300000 70000000 200000000; do
		printf 'data at %d' "$off" | dd of="$T/src/sp" bs=1 seek="$off" conv=notrunc status=none
	done
	head -c 3000000 /dev/urandom >"$T/src/dense"
	mkfs.ext4 -q -F -b 1024 -O ^extent,^64bit -d "$T/src" "$T/img" 32M
	ext2_get "$T/img" "$T/out"
	ext2_diff_tree "$T/src" "$T/out"
	ext2_compare_kernel "$T/img"
}

@test "ext2 read: files over 4 GiB, sparse files and holes" {
	mkdir -p "$T/src"
	local off
	for off in 0 5000 4294967290 5368709120; do
		printf 'data at %d' "$off" | dd of="$T/src/huge" bs=1 seek="$off" conv=notrunc status=none
	done
	truncate -s 6G "$T/src/huge"
	truncate -s 1G "$T/src/all-hole"
	mkfs.ext4 -q -F -d "$T/src" "$T/img" 32M
	ext2_get "$T/img" "$T/out"
	ext2_diff_tree "$T/src" "$T/out"
	run_rumpsh -0 "$T/img" stat /huge
	assert_output --partial 'Size: 6442450944'
}

@test "ext2 read: extent tree of depth 1 and more" {
	mkdir -p "$T/src"
	local i
	for i in $(seq 0 600); do
		printf 'region %d\n' "$i" | dd of="$T/src/frag" bs=4096 seek=$((i * 2)) conv=notrunc status=none
	done
	mkfs.ext4 -q -F -b 1024 -d "$T/src" "$T/img" 32M
	debugfs -R 'ex /frag' "$T/img" 2>/dev/null | grep -q '^ *1/' || fail "extent tree is not deep"
	ext2_get "$T/img" "$T/out"
	ext2_diff_tree "$T/src" "$T/out"
}

@test "ext2 read: uninitialized extents read as zeros" {
	need_tool fallocate
	mkfs.ext4 -q -F "$T/img" 32M
	mkdir -p "$T/mnt"
	mount -o loop "$T/img" "$T/mnt"
	printf 'head' >"$T/mnt/f"
	fallocate -o 4096 -l 1M "$T/mnt/f"
	printf 'tail' | dd of="$T/mnt/f" bs=1 seek=$((2 * 1024 * 1024)) conv=notrunc status=none
	umount "$T/mnt"
	debugfs -R 'ex /f' "$T/img" 2>/dev/null | grep -q Uninit || fail "no uninitialized extent"
	ext2_compare_kernel "$T/img"
}

@test "ext2 read: meta_bg, bigalloc, uninit_bg without flex_bg" {
	mk_ext "$T/a" "$TREE" -O meta_bg,^resize_inode
	read_vs_tree "$T/a"
	rm -rf "$T/out"
	mk_ext "$T/b" "$TREE" -O bigalloc -C 16384
	read_vs_tree "$T/b"
	ext2_compare_kernel "$T/b"
	rm -rf "$T/out"
	mk_ext "$T/c" "$TREE" -O ^flex_bg,uninit_bg,^metadata_csum
	read_vs_tree "$T/c"
}

@test "ext2 read: huge_file (i_blocks counted in file system blocks)" {
	mkdir -p "$T/src"
	head -c 3000000 /dev/urandom >"$T/src/f"
	mkfs.ext4 -q -F -d "$T/src" "$T/img" 32M
	# EXT4_HUGE_FILE_FL: the kernel then reads i_blocks in 4 KiB units
	debugfs -w -R 'sif /f flags 0xC0000' "$T/img" 2>/dev/null
	ext2_compare_kernel "$T/img"
	run_rumpsh -0 "$T/img" stat /f
	assert_output --regexp 'Blocks: [0-9]{5}'
}

@test "ext2 read: dir_nlink (a directory with more than 65000 subdirectories)" {
	mkfs.ext4 -q -F -N 70000 "$T/img" 300M
	mkdir -p "$T/mnt"
	mount -o loop "$T/img" "$T/mnt"
	mkdir "$T/mnt/p"
	python3 -c "
import os
for i in range(65010): os.mkdir('$T/mnt/p/d%d' % i)"
	umount "$T/mnt"
	loop_mount_ro "$T/img" "$T/ref"
	assert_equal "$(stat -c %h "$T/ref/p")" 1
	run_rumpsh -0 "$T/img" stat /p
	assert_output --regexp 'Links: 1'
	run_rumpsh -0 "$T/img" ls /p
	assert_equal "${#lines[@]}" 65010
	run_rumpsh -0 "$T/img" stat /p/d65009
	assert_output --regexp 'Links: 2'
}

@test "ext2 read: times after 2038, before 1970, nanoseconds; 32-bit owners" {
	mkfs.ext4 -q -F -I 256 "$T/img" 32M
	mkdir -p "$T/mnt"
	mount -o loop "$T/img" "$T/mnt"
	python3 - "$T/mnt" <<-'EOF'
		import os, sys
		d = sys.argv[1]
		for n, t in [('y2100', 4102444800.123456789), ('y2446', 15000000000.5),
		             ('pre1970', -1000000000.25), ('y1901', -2147483648), ('now', 1700000000.987654321)]:
		    open(os.path.join(d, n), 'w').close()
		    os.utime(os.path.join(d, n), (t, t))
		open(os.path.join(d, 'owned'), 'w').close()
		os.chown(os.path.join(d, 'owned'), 100000, 3000000)
	EOF
	umount "$T/mnt"
	ext2_compare_kernel "$T/img"
	run_rumpsh -0 "$T/img" stat /y2100
	assert_output --partial 'Modify: 2100-01-01 00:00:00.123456'
}

@test "ext2 read: fast, slow and inline symlinks" {
	mk_ext "$T/img" "$TREE" -O inline_data
	run_rumpsh -0 "$T/img" ls -l /links
	assert_output --partial 'short -> ../small.txt'
	assert_output --partial 'long -> ../dir/nested/deeper/deepest/a-file-name-long-enough'
	ext2_compare_kernel "$T/img"
}

@test "ext2 read: inline_data files and directories" {
	mk_ext "$T/img" "$TREE" -O inline_data
	debugfs -R 'stat /small.txt' "$T/img" 2>/dev/null | grep -q 'Size of inline data' || fail "small.txt not inline"
	# Only the kernel is the reference here: with inline_data, mke2fs 1.47.0
	# records a sparse file's size as the end of its last data, not the
	# file's size.
	ext2_compare_kernel "$T/img"
	run_rumpsh -0 "$T/img" ls -a /dir/empty-dir
	assert_output $'.\n..'
}

@test "ext2 read: htree directories (all hash versions, signed and unsigned)" {
	mkdir -p "$T/src/d"
	python3 -c "
import os
for i in range(1500): open('$T/src/d/%s_%d_é€ü' % ('n' * (i % 50), i), 'w').close()"
	local alg fl n
	for alg in legacy half_md4 tea; do
		for fl in 1 2; do
			mkfs.ext4 -q -F -b 1024 -d "$T/src" "$T/img" 32M
			debugfs -w -R "ssv def_hash_version $alg" "$T/img" 2>/dev/null
			debugfs -w -R "ssv flags $fl" "$T/img" 2>/dev/null
			e2fsck -fyD "$T/img" >/dev/null 2>&1 || true
			debugfs -R 'htree /d' "$T/img" 2>/dev/null | grep -q 'Indirect levels' || fail "/d not indexed"
			run_rumpsh -0 "$T/img" -c "$(ls "$T/src/d" | sed 's#^#stat -- /d/#; s#$#;#' | tr '\n' ' ')"
			n=$(grep -c 'File:' <<<"$output")
			assert_equal "$n" 1500
			run_rumpsh -1 "$T/img" stat /d/not-there
			run_rumpsh -0 "$T/img" ls /d
			assert_equal "${#lines[@]}" 1500
		done
	done
}

@test "ext2 read: a 100,000-entry htree directory made by the kernel" {
	mkfs.ext4 -q -F -b 1024 -N 120000 -O large_dir "$T/img" 400M
	mkdir -p "$T/mnt"
	mount -o loop "$T/img" "$T/mnt"
	mkdir "$T/mnt/big"
	(cd "$T/mnt/big" && python3 -c "
for i in range(100000): open('f%06d' % i, 'w').close()")
	umount "$T/mnt"
	run_rumpsh -0 "$T/img" ls /big
	assert_equal "${#lines[@]}" 100000
	run_rumpsh -0 "$T/img" -c 'stat /big/f000000; stat /big/f099999; stat /big/f054321'
	run_rumpsh -1 "$T/img" stat /big/f100000
}

@test "ext2 read: xattrs in the inode and in a block, ACLs, system.data hidden" {
	mkfs.ext4 -q -F -b 4096 -O inline_data "$T/img" 32M
	mkdir -p "$T/mnt"
	mount -o loop "$T/img" "$T/mnt"
	python3 - "$T/mnt" <<-'EOF'
		import os, struct, sys
		f = os.path.join(sys.argv[1], 'xa')
		open(f, 'w').write('hi\n')
		os.setxattr(f, 'user.test', b'hello')
		os.setxattr(f, 'user.big', b'y' * 3000)
		os.setxattr(f, 'trusted.t', b'1')
		acl = struct.pack('<I', 2) + b''.join(struct.pack('<HHI', *e) for e in
		    [(1, 6, 0xffffffff), (2, 7, 1234), (4, 4, 0xffffffff), (0x10, 7, 0xffffffff), (0x20, 4, 0xffffffff)])
		os.setxattr(f, 'system.posix_acl_access', acl)
	EOF
	umount "$T/mnt"
	run_rumpsh -0 "$T/img" stat /xa
	assert_output --partial 'user.test="hello"'
	assert_output --partial 'trusted.t="1"'
	assert_output --partial "user.big=\"$(printf 'y%.0s' {1..3000})\""
	assert_output --partial 'system.posix_acl_access="\002\000\000\000\001\000\006\000\377\377\377\377\002\000\007\000\322\004\000\000'
	refute_output --partial 'system.data'
}

@test "ext2 read: device nodes (old and new encodings), fifos, sockets" {
	mkdir -p "$T/src"
	mknod "$T/src/old" c 4 5
	mknod "$T/src/new" b 259 70000
	mknod "$T/src/big" c 4000 1048000
	mkfifo "$T/src/fifo"
	python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('$T/src/sock')"
	mkfs.ext4 -q -F -d "$T/src" "$T/img" 8M
	ext2_compare_kernel "$T/img"
	run_rumpsh -0 "$T/img" ls -l /
	assert_line --regexp '^b.* 259, +70000 .* new$'
	assert_output --partial '4000, 1048000'
	assert_line --regexp '^s.* sock$'
	assert_line --regexp '^p.* fifo$'
}

@test "ext2 read: a journal needing recovery is replayed in memory, image untouched" {
	mkfs.ext4 -q -F -b 4096 "$T/img" 64M
	mkdir -p "$T/mnt"
	mount -o loop "$T/img" "$T/mnt"
	mkdir "$T/mnt/d"
	local i
	for i in $(seq 1 200); do echo "file $i" >"$T/mnt/d/f$i"; done
	head -c 1000000 /dev/urandom >"$T/mnt/big"
	sync
	cp "$T/img" "$T/crashed"      # as if the power went now
	umount "$T/mnt"
	dumpe2fs -h "$T/crashed" 2>/dev/null | grep -q 'features:.*needs_recovery' || fail "no recovery needed"
	local before
	before=$(sha256sum <"$T/crashed")
	ext2_get "$T/crashed" "$T/out"
	assert_equal "$(sha256sum <"$T/crashed")" "$before"
	# the kernel's replay of the same image is the reference
	cp "$T/crashed" "$T/replayed"
	mount -o loop "$T/replayed" "$T/mnt" && umount "$T/mnt"
	ext2_compare_kernel "$T/replayed"
	loop_mount_ro "$T/replayed" "$T/ref"
	ext2_diff_tree "$T/ref" "$T/out"
	run_rumpsh -0 "$T/crashed" info
	assert_line 'journal: needs recovery'
	run_rumpsh -0 -o noload "$T/crashed" info
	assert_line 'journal: needs recovery'
}

@test "ext2 read: info and df" {
	mk_ext "$T/img" "$TREE" -L mylabel -U 01234567-89ab-cdef-0123-456789abcdef
	run_rumpsh -0 "$T/img" info
	assert_line 'type: ext4'
	assert_line 'label: mylabel'
	assert_line 'uuid: 01234567-89ab-cdef-0123-456789abcdef'
	assert_line 'state: clean'
	assert_line --regexp '^features: has_journal ext_attr resize_inode dir_index filetype extent 64bit flex_bg sparse_super large_file huge_file dir_nlink extra_isize metadata_csum'
	local free
	free=$(dumpe2fs -h "$T/img" 2>/dev/null | awk -F: '/^Free blocks/ { print $2 + 0 }')
	assert_line "free blocks: $free"
}
