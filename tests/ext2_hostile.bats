#!/usr/bin/env bats
# ext2_hostile.bats: corrupt and hostile ext2/3/4 images: status 1, a clear error naming the problem, no sanitizer report, no hang.

load test_helper
load ext2_helper

setup() {
	need_tool mkfs.ext4 mkfs.ext2 debugfs python3 timeout truncate
	T=$BATS_TEST_TMPDIR
}

# hostile_run IMG ARGS...: rumpsh under `timeout 20`; must fail with status 1.
hostile_run() {
	local img=$1
	shift
	run --separate-stderr timeout 20 "$RUMPSH" "$img" "$@"
	assert_no_sanitizer_report
	[[ $status -ne 124 ]] || fail "rumpsh hung (killed by timeout 20)"
	assert_equal "$status" 1
}

@test "ext2 hostile: truncated image is refused at mount" {
	ext2_small_image "$T/img" -b 1024
	truncate -s 1M "$T/img"
	hostile_run "$T/img" ls /
	assert_regex "$stderr" 'block count: expected at most 1024'
}

@test "ext2 hostile: zeroed superblock is not an ext file system" {
	ext2_small_image "$T/img"
	dd if=/dev/zero of="$T/img" bs=1024 seek=1 count=1 conv=notrunc status=none
	hostile_run "$T/img" ls /
	[[ -n $stderr ]] || fail "no error message"
	run --separate-stderr timeout 20 "$RUMPSH" -t ext2 "$T/img" ls /
	assert_no_sanitizer_report
	assert_equal "$status" 1
	assert_regex "$stderr" 'magic: expected 0xef53, found 0'
}

@test "ext2 hostile: superblock with an absurd block size" {
	ext2_small_image "$T/img" -O ^metadata_csum
	debugfs -w -R 'ssv log_block_size 9' "$T/img" 2>/dev/null
	run --separate-stderr timeout 20 "$RUMPSH" -t ext2 "$T/img" ls /
	assert_no_sanitizer_report
	assert_equal "$status" 1
	assert_regex "$stderr" 'log_block_size: expected 0..6, found 9'
}

@test "ext2 hostile: superblock checksum mismatch" {
	ext2_small_image "$T/img"
	ext2_poke "$T/img" $((1024 + 0x178)) 0x5a    # s_kbytes_written: no other check sees it
	hostile_run "$T/img" ls /
	assert_regex "$stderr" 'superblock checksum: expected 0x[0-9a-f]{8}, found 0x[0-9a-f]{8}'
}

@test "ext2 hostile: bit-flipped group descriptor (metadata_csum)" {
	ext2_small_image "$T/img" -b 4096
	ext2_poke "$T/img" $((4096 + 0x0C)) 0x77    # group 0 free blocks count
	hostile_run "$T/img" ls /
	assert_regex "$stderr" 'group 0 descriptor checksum: expected 0x[0-9a-f]{4}, found'
}

@test "ext2 hostile: bit-flipped group descriptor (uninit_bg crc16)" {
	ext2_small_image "$T/img" -b 4096 -O ^metadata_csum,uninit_bg
	ext2_poke "$T/img" $((4096 + 0x0C)) 0x77
	hostile_run "$T/img" ls /
	assert_regex "$stderr" 'group 0 descriptor checksum'
}

@test "ext2 hostile: group descriptor pointing its inode table past the end" {
	ext2_small_image "$T/img" -b 4096 -O ^metadata_csum
	ext2_poke "$T/img" $((4096 + 0x0B)) 0x7f    # inode table: high byte of the low word
	hostile_run "$T/img" ls /
	assert_regex "$stderr" 'group 0 inode table: expected blocks'
}

@test "ext2 hostile: bit-flipped inode fails its checksum" {
	ext2_small_image "$T/img"
	local off
	off=$(ext2_inode_offset "$T/img" /small.txt)
	ext2_poke "$T/img" $((off + 0x04)) 0x99    # i_size
	hostile_run "$T/img" cat /small.txt
	assert_regex "$stderr" 'inode [0-9]+: inode checksum: expected 0x[0-9a-f]{8}, found'
}

@test "ext2 hostile: inode number beyond the inode count" {
	ext2_small_image "$T/img" -O ^metadata_csum
	local off
	off=$(ext2_block_offset "$T/img" /dir)
	ext2_poke "$T/img" $((off + 3)) 0xee     # "." entry: inode 0xee0000xx
	hostile_run "$T/img" ls -a /dir
	assert_regex "$stderr" 'expected inode 1\.\.[0-9]+, found [0-9]+'
}

@test "ext2 hostile: bad extent header magic" {
	ext2_small_image "$T/img"
	debugfs -w -R 'sif /big.bin block[0] 0x1234' "$T/img" 2>/dev/null
	hostile_run "$T/img" cat /big.bin
	assert_regex "$stderr" 'extent header magic: expected 0xf30a, found 0x1234'
}

@test "ext2 hostile: extent entries above eh_max" {
	ext2_small_image "$T/img"
	# entries 9, max 4 (i_block[0] = magic | entries << 16)
	debugfs -w -R "sif /big.bin block[0] $((0xF30A | 9 << 16))" "$T/img" 2>/dev/null
	hostile_run "$T/img" cat /big.bin
	assert_regex "$stderr" 'extent header: expected entries <= max'
}

@test "ext2 hostile: an extent index pointing to its own block (a loop)" {
	ext2_extent_loop_image "$T/img"
	hostile_run "$T/img" cat /frag
	assert_regex "$stderr" 'extent tree depth: expected 0, found 1'
}

@test "ext2 hostile: an extent past the end of the file system" {
	ext2_small_image "$T/img"
	# first extent's physical start (i_block[5] = ee_start_lo)
	debugfs -w -R 'sif /big.bin block[5] 0x7fffffff' "$T/img" 2>/dev/null
	hostile_run "$T/img" cat /big.bin
	assert_regex "$stderr" 'extent: expected blocks [0-9]+\.\.[0-9]+, found 2147483647'
}

@test "ext2 hostile: indirect block pointer past the end" {
	ext2_small_image "$T/img" -O ^extent,^64bit,^metadata_csum
	debugfs -w -R 'sif /big.bin block[IND] 0x7ffffff0' "$T/img" 2>/dev/null
	hostile_run "$T/img" cat /big.bin
	assert_regex "$stderr" 'indirect block: expected blocks'
}

@test "ext2 hostile: absurd i_size" {
	ext2_small_image "$T/img"
	debugfs -w -R 'sif /small.txt size 0xffffffffffff0000' "$T/img" 2>/dev/null
	hostile_run "$T/img" cat /small.txt
	assert_regex "$stderr" 'i_size: expected at most [0-9]+, found 18446744073709486080'
}

@test "ext2 hostile: a directory that contains itself" {
	ext2_small_image "$T/img"
	debugfs -w -R 'link /dir /dir/self' "$T/img" 2>/dev/null
	hostile_run "$T/img" ls /dir
	assert_regex "$stderr" "directory entry 'self': expected another inode, found the directory itself"
	hostile_run "$T/img" get -r /dir "$T/out"
	hostile_run "$T/img" ls /dir/self
}

@test "ext2 hostile: directory entry with a huge rec_len" {
	ext2_small_image "$T/img" -O ^metadata_csum
	local off
	off=$(ext2_block_offset "$T/img" /dir)
	ext2_poke "$T/img" $((off + 5)) 0xff     # "." entry: rec_len 0xff0c
	hostile_run "$T/img" ls /dir
	assert_regex "$stderr" 'directory entry at 0: expected rec_len 12\.\.[0-9]+, a multiple of 4'
}

@test "ext2 hostile: directory leaf block checksum mismatch" {
	ext2_small_image "$T/img"
	local off
	off=$(ext2_block_offset "$T/img" /dir)
	ext2_poke "$T/img" $((off + 7)) 1        # "." entry: file type 2 -> 1
	hostile_run "$T/img" ls /dir
	assert_regex "$stderr" 'directory block checksum: expected 0x[0-9a-f]{8}, found'
}

@test "ext2 hostile: htree root with an impossible depth" {
	ext2_htree_image "$T/img" -O ^metadata_csum
	ext2_poke "$T/img" $(($(ext2_block_offset "$T/img" /many) + 30)) 9  # indirect_levels
	hostile_run "$T/img" ls /many/file-0001
	assert_regex "$stderr" 'htree root: expected info length 8 and depth < 2, found 8 and 9'
}

@test "ext2 hostile: htree count above limit" {
	ext2_htree_image "$T/img" -O ^metadata_csum
	ext2_poke "$T/img" $(($(ext2_block_offset "$T/img" /many) + 34)) 250  # count
	hostile_run "$T/img" ls /many/file-0001
	assert_regex "$stderr" 'htree node 0: expected 1 <= count <= limit'
}

@test "ext2 hostile: inline data whose xattr value overruns the inode" {
	ext2_small_image "$T/img" -O inline_data,^metadata_csum
	local off
	off=$(ext2_inode_offset "$T/img" /small.txt)
	# in-inode xattrs at 128 + extra_isize (32): magic, then the system.data
	# entry, whose value size (offset 8 in the entry) now claims 32 KiB
	ext2_poke "$T/img" $((off + 160 + 4 + 9)) 0x80
	hostile_run "$T/img" cat /small.txt
	assert_regex "$stderr" 'xattr value: expected within [0-9]+ bytes'
}

@test "ext2 hostile: symlink longer than its block" {
	ext2_small_image "$T/img" -O ^metadata_csum
	debugfs -w -R 'sif /links/long size 70000' "$T/img" 2>/dev/null
	hostile_run "$T/img" ls -l /links
	assert_regex "$stderr" 'symlink length: expected 1\.\.[0-9]+, found 70000'
}

@test "ext2 hostile: unknown incompat feature is refused by name" {
	ext2_small_image "$T/img" -O ^metadata_csum
	debugfs -w -R 'feature encrypt' "$T/img" 2>/dev/null
	hostile_run "$T/img" ls /
	assert_regex "$stderr" 'unsupported ext4 feature: encrypt'
}

@test "ext2 hostile: journal needing recovery with a broken journal asks for -o noload" {
	ext2_small_image "$T/img" -b 4096 -O ^metadata_csum
	debugfs -w -R 'feature needs_recovery' "$T/img" 2>/dev/null
	local jblk
	jblk=$(debugfs -R 'bmap <8> 0' "$T/img" 2>/dev/null)
	# journal superblock: s_start = 5 (the log is "not empty"), magic destroyed
	ext2_poke "$T/img" $((jblk * 4096 + 0x1F)) 5
	ext2_poke "$T/img" $((jblk * 4096)) 0
	hostile_run "$T/img" ls /
	assert_regex "$stderr" 'cannot replay the journal .*journal superblock.*-o noload'
	run_rumpsh -0 -o noload "$T/img" cat /small.txt
	assert_output 'hello, world'
}

@test "ext2 hostile: external journal needing recovery is refused unless noload" {
	ext2_small_image "$T/img" -O ^metadata_csum
	debugfs -w -R 'feature needs_recovery' "$T/img" 2>/dev/null
	debugfs -w -R 'ssv journal_inum 0' "$T/img" 2>/dev/null
	hostile_run "$T/img" ls /
	assert_regex "$stderr" 'external device needs recovery; open with -o noload'
	run_rumpsh -0 -o noload "$T/img" cat /small.txt
	assert_output 'hello, world'
}

@test "ext2 hostile: opening read-write what the writer cannot handle is refused with a pointer to read-only" {
	ext2_small_image "$T/img" -O bigalloc
	# ext2/3/4 write, but not (yet) bigalloc file systems
	run --separate-stderr timeout 20 "$RUMPSH" -o rw "$T/img" ls /
	assert_no_sanitizer_report
	[[ $status -eq 1 || $status -eq 2 ]] || fail "status $status, expected a refusal"
	assert_regex "$stderr" 'read-only'
}

@test "ext2 hostile: random corruption of metadata blocks never crashes" {
	ext2_small_image "$T/img" -b 1024 -O ^metadata_csum
	local i
	for i in $(seq 1 25); do
		cp "$T/img" "$T/fuzz"
		python3 - "$T/fuzz" "$i" <<-'EOF'
			import random, sys
			p, seed = sys.argv[1], int(sys.argv[2])
			r = random.Random(seed)
			d = bytearray(open(p, 'rb').read())
			for _ in range(40):
			    off = r.randrange(1024, 400 * 1024)
			    d[off] ^= 1 << r.randrange(8)
			open(p, 'wb').write(d)
		EOF
		run --separate-stderr timeout 20 "$RUMPSH" "$T/fuzz" get -r / "$T/out$i"
		assert_no_sanitizer_report
		[[ $status -ne 124 ]] || fail "rumpsh hung on fuzz case $i"
		[[ $status -le 1 ]] || fail "fuzz case $i: status $status: $stderr"
	done
}
