#!/usr/bin/env bats
# ext2_fsck.bats: rumpsh's ext2/3/4 checker against e2fsck on clean and deliberately damaged images (issue 9).
#
# Each case damages a copy of a clean image (mkfs -d from make_tree) in one
# known way. rumpsh fsck -n must agree with e2fsck -fn about whether the image
# is clean (0) or not (4; e2fsck may add 8 when it gives up, and then 8 from
# rumpsh agrees), and must not change a byte; then rumpsh fsck -y must say
# "corrected" (1) and leave an image e2fsck -fn finds clean. Damage that a normal open refuses (a bad
# descriptor or superblock checksum, an unreadable root) is checked all the
# same: a one-shot `rumpsh IMG fsck` opens the image for the checker.
# The agreement count: bats --show-output-of-passing-tests -f 'damage found'

setup() {
	load test_helper
	load ext2_fsck_helper
	need_tool mkfs.ext4 e2fsck debugfs dumpe2fs dd sha256sum
}

CASES=(
	'sb-free-blocks|debugfs -w -R "set_super_value free_blocks_count 17" IMG'
	'sb-free-inodes|debugfs -w -R "set_super_value free_inodes_count 17" IMG'
	'links-high|debugfs -w -R "set_inode_field /small.txt links_count 5" IMG'
	'links-zero|debugfs -w -R "set_inode_field /small.txt links_count 0" IMG'
	'dir-size|debugfs -w -R "set_inode_field /dir size 5000" IMG'
	'file-size|debugfs -w -R "set_inode_field /medium.bin size 10" IMG'
	'bad-mode|debugfs -w -R "set_inode_field /small.txt mode 0170644" IMG'
	'block0-out-of-range|debugfs -w -R "set_inode_field /medium.bin block[0] 999999" IMG'
	'freeb|debugfs -w -R "freeb $(debugfs -R "bmap /medium.bin 0" IMG)" IMG'
	'setb|debugfs -w -R "setb 4000" IMG'
	'freei|debugfs -w -R "freei /small.txt" IMG'
	'seti|debugfs -w -R "seti <5000>" IMG'
	'unlink-file|debugfs -w -R "unlink /small.txt" IMG'
	'unlink-dir|debugfs -w -R "unlink /dir/empty-dir" IMG'
	'extra-link|debugfs -w -R "link /small.txt /extra" IMG'
	'clri|debugfs -w -R "clri /small.txt" IMG'
	'inode-csum|debugfs -w -R "set_inode_field /small.txt checksum 0x1234" IMG'
	'orphan-list|i=$(fsck_ino IMG /medium.bin); debugfs -w -R "unlink /medium.bin" IMG; debugfs -w -R "set_inode_field <$i> links_count 0" IMG; debugfs -w -R "set_super_value last_orphan $i" IMG'
	'dir-lost-blocks|debugfs -w -R "set_inode_field /dir/nested size 0" IMG'
	'dirent-rec-len|fsck_poke_dir IMG /dir 28 "\x07\x00"'
	'dirent-inode|fsck_poke_dir IMG /dir 24 "\xff\xff\xff\x00"'
	'bg-free-count|debugfs -w -R "set_bg 0 free_blocks_count 7" IMG'
	'bg-free-inodes|debugfs -w -R "set_bg 0 free_inodes_count 7" IMG'
	'bg-checksum|debugfs -w -R "set_bg 0 checksum 7" IMG'
	'sb-checksum|printf "\x07\x07" | dd of=IMG bs=1 seek=2044 conv=notrunc status=none'
	'root-csum|debugfs -w -R "set_inode_field <2> checksum 0x1234" IMG'
	'no-lost-found|debugfs -w -R "rmdir /lost+found" IMG'
	'no-lost-found-unlinked|debugfs -w -R "rmdir /lost+found" IMG; debugfs -w -R "unlink /small.txt" IMG'
	'lost-found-full|fsck_orphan_many IMG 150'
	'sb-inodes-count|debugfs -w -R "set_super_value inodes_count 5000" IMG'
	'sb-blocks-per-group|debugfs -w -R "set_super_value blocks_per_group 0" IMG'
	'bg-bitmap-range|debugfs -w -R "set_bg 1 block_bitmap 999999" IMG'
	'bg-itable-overlap|debugfs -w -R "set_bg 1 inode_table 30" IMG'
	'shared-block|fsck_point IMG /small.txt $(fsck_bmap IMG /big.bin 2)'
	'shared-run|fsck_point IMG /medium.bin $(fsck_bmap IMG /big.bin 2)'
	'shared-bitmap|fsck_point IMG /small.txt $(fsck_group0 IMG "Block bitmap at")'
	'shared-itable|fsck_point IMG /small.txt $(fsck_group0 IMG "Inode table at")'
	'dir-hole|debugfs -w -R "set_inode_field /many block[1] 0" IMG'
	'dot-missing|fsck_poke_dir IMG /dir 8 "x"'
	'dot-inode|fsck_poke_dir IMG /dir 0 "\x0b\x00\x00\x00"'
	'dot-long|fsck_poke_dir IMG /dir 4 "\x18\x00"'
	'dotdot-missing|fsck_poke_dir IMG /dir 20 "xx"'
	'dotdot-nul|fsck_poke_dir IMG /dir 22 "x"'
	'dotdot-zero|fsck_poke_dir IMG /dir/nested 12 "\x00\x00\x00\x00"'
	'dotdot-wrong|fsck_poke_dir IMG /dir/nested 12 "\x0b\x00\x00\x00"'
)

# run_cases VARIANT: every case; prints "agree N/M" and fails on any miss.
run_cases() {
	local v=$1 c name cmd agree=0 total=0 fail=0
	for c in "${CASES[@]}"; do
		name=${c%%|*} cmd=${c#*|}
		fsck_case "$v" "$v-$name" "$cmd" || return 1
		total=$((total + 1))
		local ok=1
		(( (E2 == 0) == (RN == 0) )) || ok=0
		[[ $SAME -eq 1 ]] || ok=0
		if (( E2 & 8 )) && [[ $RN -eq 8 ]]; then
			:       # both gave up: nothing to repair
		elif [[ $RN -eq 4 ]]; then
			[[ $RY -eq 1 && $AFTER -eq 0 ]] || ok=0
		elif [[ $RN -eq 0 ]]; then
			[[ $RY -le 1 && $AFTER -eq 0 ]] || ok=0
		else
			ok=0
		fi
		if ((ok)); then agree=$((agree + 1)); else fsck_explain "$v-$name"; fail=1; fi
	done
	echo "$v: agree $agree/$total"
	return "$fail"
}

@test "clean images of every variant: fsck -n status 0, nothing written; -y and -p find nothing" {
	local v img before
	for v in $(fsck_variants); do
		img=$(fsck_copy "$v")
		e2fsck -fn "$img" >/dev/null 2>&1
		before=$(sha256sum <"$img")
		run_rumpsh "$img" fsck -n
		assert_success
		assert_output ''
		[[ $(sha256sum <"$img") == "$before" ]]
		run_rumpsh "$img" fsck -p
		assert_success
		run_rumpsh "$img" fsck -y -v
		assert_success
		assert_output --partial '0 problems found'
		run e2fsck -fn "$img"
		assert_success
	done
}

@test "ext4 (1 KiB blocks, metadata_csum): damage found as e2fsck finds it, repaired by -y" {
	run_cases ext4
}

@test "ext4 (4 KiB blocks, metadata_csum): damage found as e2fsck finds it, repaired by -y" {
	run_cases ext4-4k
}

@test "ext4 without metadata_csum (uninit_bg): damage found as e2fsck finds it, repaired by -y" {
	run_cases ext4-nocsum
}

@test "ext3: damage found as e2fsck finds it, repaired by -y" {
	run_cases ext3
}

@test "ext2: damage found as e2fsck finds it, repaired by -y" {
	run_cases ext2
}

@test "problems are reported one per line, naming the inode; -n says (not fixed)" {
	local img ino
	img=$(fsck_copy ext4)
	ino=$(fsck_ino "$img" /small.txt)
	debugfs -w -R "set_inode_field /small.txt links_count 5" "$img" 2>/dev/null
	run_rumpsh -4 "$img" fsck -n
	assert_line "inode $ino: link count 5, expected 1 (not fixed)"
	run_rumpsh -1 "$img" fsck -y
	assert_line "inode $ino: link count 5, expected 1 (fixed)"
	run_rumpsh "$img" fsck -n
	assert_success
}

@test "-p repairs counts and bitmaps but not a lost name (status 4), -y then finishes" {
	local img ino
	img=$(fsck_copy ext2)
	debugfs -w -R "freei /small.txt" "$img" 2>/dev/null
	run_rumpsh -1 "$img" fsck -p
	run e2fsck -fn "$img"
	assert_success
	ino=$(fsck_ino "$img" /small.txt)
	debugfs -w -R "unlink /small.txt" "$img" 2>/dev/null
	run_rumpsh -4 "$img" fsck -p
	assert_output --partial 'in no directory'
	assert_output --partial '(not fixed)'
	run_rumpsh -1 "$img" fsck -y
	run e2fsck -fn "$img"
	assert_success
	[[ $(fsck_ino "$img" "/lost+found/#$ino") == "$ino" ]]
}

@test "needs_recovery with an empty journal: advisory under -n (as for e2fsck), cleared by -y" {
	local img
	img=$(fsck_copy ext4)
	debugfs -w -R "feature needs_recovery" "$img" 2>/dev/null
	run e2fsck -fn "$img"
	assert_success
	run_rumpsh "$img" fsck -n
	assert_success
	assert_output --partial 'needs_recovery set but the journal is empty (not fixed)'
	# a read-write open replays and then clears the flag itself: 0 or 1
	run_rumpsh "$img" fsck -y
	[[ $status -le 1 ]]
	run dumpe2fs -h "$img"
	refute_output --partial needs_recovery
	run e2fsck -fn "$img"
	assert_success
}

@test "htree: an indexed directory is clean; a hash out of order is found, and -y drops the index" {
	local img blk
	img=$(fsck_copy ext4)
	e2fsck -fyD "$img" >/dev/null 2>&1 || [[ $? -le 1 ]]
	run debugfs -R "htree /many" "$img"
	assert_output --partial 'Indirect levels'
	run_rumpsh "$img" fsck -n
	assert_success
	blk=$(debugfs -R "bmap /many 0" "$img" 2>/dev/null)
	# the first explicit hash of the root (after dot, dotdot, info, limit/count/block)
	printf '\xff\xff\xff\x7f' | dd of="$img" bs=1 seek=$((blk * 1024 + 40)) conv=notrunc status=none
	run e2fsck -fn "$img"
	assert_failure
	run_rumpsh -4 "$img" fsck -n
	assert_output --partial 'htree index: hashes out of order'
	run_rumpsh -1 "$img" fsck -y
	run e2fsck -fn "$img"
	assert_success
	run_rumpsh "$img" cat /many/file-123
	assert_output '123'
}

@test "a descriptor checksum a normal open refuses: other commands still refuse it, fsck checks and repairs it" {
	local img
	img=$(fsck_copy ext4)
	debugfs -w -R "set_bg 0 free_blocks_count 7" "$img" 2>/dev/null
	run_rumpsh -1 "$img" ls /
	[[ $stderr == *'group 0 descriptor checksum'* ]]
	run_rumpsh -1 "$img" -c 'fsck -n'
	[[ $stderr == *'group 0 descriptor checksum'* ]]
	run_rumpsh -4 "$img" fsck -n
	assert_line --regexp '^group 0: descriptor checksum 0x[0-9a-f]{4}, expected 0x[0-9a-f]{4} \(not fixed\)$'
	assert_line 'group 0: free blocks count 7, expected 4741 (not fixed)'
	run_rumpsh -1 "$img" fsck -y
	run e2fsck -fn "$img"
	assert_success
	run_rumpsh "$img" ls /
	assert_success
}

@test "no /lost+found: -y creates it (as e2fsck -y does) and reconnects into it, growing it when full" {
	local v img ino want
	for v in ext4 ext2; do
		img=$(fsck_copy "$v")
		ino=$(fsck_ino "$img" /small.txt)
		want=$(debugfs -R "cat /small.txt" "$img" 2>/dev/null)
		debugfs -w -R "rmdir /lost+found" "$img" 2>/dev/null
		debugfs -w -R "unlink /small.txt" "$img" 2>/dev/null
		run_rumpsh -4 "$img" fsck -n
		assert_line '/lost+found not found: creating it (not fixed)'
		run_rumpsh -1 "$img" fsck -y
		assert_line '/lost+found not found: creating it (fixed)'
		run e2fsck -fn "$img"
		assert_success
		[[ $(debugfs -R "cat /lost+found/#$ino" "$img" 2>/dev/null) == "$want" ]]
		run debugfs -R "stat /lost+found" "$img"
		assert_output --partial 'Links: 2'
	done
	img=$(fsck_copy ext4)
	fsck_orphan_many "$img" 150
	run_rumpsh -1 "$img" fsck -y
	run e2fsck -fn "$img"
	assert_success
	run debugfs -R "ls /lost+found" "$img"
	[[ $(grep -o '#[0-9]*' <<<"$output" | wc -l) -eq 150 ]]
	run debugfs -R "stat /lost+found" "$img"
	refute_output --partial 'Size: 1024'
}

@test "a block shared by two files: -y gives the later file its own copy; both read as before, e2fsck finds nothing" {
	local img b bs big med
	img=$(fsck_copy ext2)
	bs=$(fsck_bsize "$img")
	b=$(debugfs -R "bmap /big.bin 0" "$img" 2>/dev/null)
	big=$(debugfs -R "cat /big.bin" "$img" 2>/dev/null | sha256sum)
	# medium.bin is walked after big.bin: its 4th block becomes big.bin's first
	debugfs -w -R "set_inode_field /medium.bin block[3] $b" "$img" 2>/dev/null
	med=$({ debugfs -R "cat /medium.bin" "$img" 2>/dev/null | head -c $((3 * bs))
		debugfs -R "cat /big.bin" "$img" 2>/dev/null | head -c "$bs"
		debugfs -R "cat /medium.bin" "$img" 2>/dev/null | tail -c +$((4 * bs + 1)); } | sha256sum)
	run_rumpsh -4 "$img" fsck -n
	assert_line --partial 'block also used by another inode or the file system'
	assert_line --partial 'cloning (not fixed)'
	run_rumpsh -1 "$img" fsck -y
	assert_line --partial 'cloning (fixed)'
	run e2fsck -fn "$img"
	assert_success
	[[ $(debugfs -R "bmap /big.bin 0" "$img" 2>/dev/null) == "$b" ]]
	[[ $(debugfs -R "bmap /medium.bin 3" "$img" 2>/dev/null) != "$b" ]]
	[[ $(debugfs -R "cat /big.bin" "$img" 2>/dev/null | sha256sum) == "$big" ]]
	[[ $(debugfs -R "cat /medium.bin" "$img" 2>/dev/null | sha256sum) == "$med" ]]
	run_rumpsh "$img" fsck -n
	assert_success
}

@test "an extent run shared with another file and a block shared with an inode table: cloned, data kept, e2fsck clean" {
	local img b it big small
	img=$(fsck_copy ext4)
	b=$(fsck_bmap "$img" /big.bin 2)
	big=$(debugfs -R "cat /big.bin" "$img" 2>/dev/null | sha256sum)
	# medium.bin's one extent (100 blocks) now starts at big.bin's third block
	fsck_point "$img" /medium.bin "$b" 2>/dev/null
	it=$(fsck_group0 "$img" "Inode table at")
	fsck_point "$img" /small.txt "$it" 2>/dev/null
	small=$(dd if="$img" bs=1024 skip="$it" count=1 status=none | head -c 13 | sha256sum)
	run_rumpsh -4 "$img" fsck -n
	assert_line --partial "another inode's): cloning (not fixed)"
	assert_line --partial "metadata): cloning (not fixed)"
	run_rumpsh -1 "$img" fsck -y
	run e2fsck -fn "$img"
	assert_success
	[[ $(debugfs -R "cat /big.bin" "$img" 2>/dev/null | sha256sum) == "$big" ]]
	[[ $(debugfs -R "cat /medium.bin" "$img" 2>/dev/null | sha256sum) == \
	    $(debugfs -R "cat /big.bin" "$img" 2>/dev/null | tail -c +$((2 * 1024 + 1)) | head -c $((100 * 1024)) | sha256sum) ]]
	[[ $(debugfs -R "cat /small.txt" "$img" 2>/dev/null | sha256sum) == "$small" ]]
	[[ $(fsck_bmap "$img" /small.txt 0) != "$it" ]]
}

@test "one block inside a long extent shared with an earlier file: only that block is cloned, the extent split around it" {
	local img b big
	img=$(fsck_copy ext4)
	[[ $(fsck_ino "$img" /README) -lt $(fsck_ino "$img" /big.bin) ]]
	b=$(fsck_bmap "$img" /big.bin 5)
	big=$(debugfs -R "cat /big.bin" "$img" 2>/dev/null | sha256sum)
	fsck_point "$img" /README "$b" 2>/dev/null
	run_rumpsh -1 "$img" fsck -y
	assert_line --partial "inode $(fsck_ino "$img" /big.bin): 1 block also used by another inode"
	run e2fsck -fn "$img"
	assert_success
	[[ $(fsck_bmap "$img" /README 0) == "$b" ]]
	[[ $(fsck_bmap "$img" /big.bin 5) != "$b" ]]
	[[ $(fsck_bmap "$img" /big.bin 4) == $((b - 1)) && $(fsck_bmap "$img" /big.bin 6) == $((b + 1)) ]]
	[[ $(debugfs -R "cat /big.bin" "$img" 2>/dev/null | sha256sum) == "$big" ]]
}

@test "a shared indirect block leaves owners unknown: nothing is cloned, said clearly, status 4" {
	local img b ind
	img=$(fsck_copy ext2)
	b=$(fsck_bmap "$img" /big.bin 0)
	debugfs -w -R "set_inode_field /small.txt block[0] $b" "$img" 2>/dev/null
	ind=$(debugfs -R 'stat /big.bin' "$img" 2>/dev/null | grep -o '(IND):[0-9]*' | head -1 | cut -d: -f2)
	debugfs -w -R "set_inode_field /medium.bin block[IND] $ind" "$img" 2>/dev/null
	run_rumpsh -4 "$img" fsck -y
	assert_line --partial 'multiply-claimed blocks not cloned: an extent or indirect block is shared'
	[[ $(fsck_bmap "$img" /small.txt 0) == "$b" ]]
	run e2fsck -fn "$img"
	assert_failure
	assert_output --partial 'Multiply-claimed block'
}

@test "'.' and '..' missing or wrong: -y recreates them, '..' names the real parent, e2fsck clean" {
	local img dir nested
	img=$(fsck_copy ext4)
	dir=$(fsck_ino "$img" /dir)
	nested=$(fsck_ino "$img" /dir/nested)
	# (nested first: a bad checksum on /dir stops debugfs's path lookups)
	fsck_poke_dir "$img" /dir/nested 20 "zz"                # '..' renamed
	fsck_poke_dir "$img" /dir 8 "x"                         # '.' renamed
	run_rumpsh -4 "$img" fsck -n
	assert_line "directory inode $dir (/dir): missing '.' (not fixed)"
	assert_line --partial "directory inode $nested (?): missing '..' (not fixed)"
	run_rumpsh -1 "$img" fsck -y
	assert_line "directory inode $dir (/dir): missing '.' (fixed)"
	assert_line "directory inode $nested: '..' is inode 2, expected $dir (fixed)"
	run e2fsck -fn "$img"
	assert_success
	debugfs -R "ls -l /dir/nested" "$img" 2>/dev/null | grep -qE "^ *$dir .* \.\.\s*$"
	debugfs -R "ls -l /dir" "$img" 2>/dev/null | grep -qE "^ *$dir .* \.\s*$"
}

@test "inline_data: directories whose entries go on in system.data are clean; a lost entry there is found as e2fsck finds it" {
	local img=$BATS_TEST_TMPDIR/inl.img tree=$BATS_TEST_TMPDIR/it
	mkdir -p "$tree/d"
	echo q >"$tree/d/a"
	echo hi >"$tree/small"
	mke2fs -q -F -t ext4 -I 512 -O inline_data -d "$tree" "$img" 16M
	# four more names: past i_block's 56 bytes, into the system.data value
	run_rumpsh "$img" -c "put $tree/d/a /d/bb; put $tree/d/a /d/ccc; put $tree/d/a /d/dddd; put $tree/d/a /d/e5"
	assert_success
	debugfs -R 'stat /d' "$img" 2>/dev/null | grep -qE 'system.data \([1-9][0-9]*\)'
	run e2fsck -fn "$img"
	assert_success
	run_rumpsh "$img" fsck -n
	assert_success
	debugfs -w -R 'unlink /d/e5' "$img" 2>/dev/null
	run e2fsck -fn "$img"
	assert_failure
	run_rumpsh -4 "$img" fsck -n
	assert_output --regexp 'inode [0-9]+: in use but in no directory'
	run_rumpsh -1 "$img" fsck -y
	run e2fsck -fn "$img"
	assert_success
}
