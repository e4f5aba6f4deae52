#!/usr/bin/env bats
# msdos_hostile.bats: damaged and hostile FAT images give clear errors, never a crash, hang or sanitizer report.

load test_helper
load msdos_helper

setup_file() {
	local tree=$BATS_FILE_TMPDIR/tree
	fat_tree "$tree"
	mk_fat "$BATS_FILE_TMPDIR/base32.img" 32 70000 "$tree"
	mk_fat "$BATS_FILE_TMPDIR/base16.img" 16 20000 "$tree"
}

setup() {
	IMG=$BATS_TEST_TMPDIR/x.img
	cp "$BATS_FILE_TMPDIR/base32.img" "$IMG"
}

# fails_cleanly ARGS...: status 1, a "corrupt" or explanatory message, no sanitizer report.
fails_cleanly() {
	run_rumpsh -1 "$@"
	[[ -n $stderr ]]
}

@test "BPB: bytes per sector 0 is not a FAT image; forced, it is refused" {
	put_le "$IMG" 11 2 0
	fails_cleanly "$IMG" ls /
	fails_cleanly -t msdos "$IMG" ls /
	assert_output --partial '' && [[ $stderr == *"expected a FAT BPB"* ]]
}

@test "BPB: total sectors beyond the device" {
	put_le "$IMG" 32 4 0xFFFFFFFF
	fails_cleanly "$IMG" ls /
	[[ $stderr == *"volume size"* ]]
}

@test "BPB: FAT size that overflows the volume" {
	put_le "$IMG" 36 4 0x00FFFFFF
	fails_cleanly -t msdos "$IMG" ls /
}

@test "BPB: a FAT too small for its clusters" {
	put_le "$IMG" 36 4 1
	fails_cleanly -t msdos "$IMG" ls /
	[[ $stderr == *"cannot hold"* ]]
}

@test "BPB: FAT32 root cluster out of range" {
	put_le "$IMG" 44 4 0x7FFFFFFF
	fails_cleanly "$IMG" ls /
	[[ $stderr == *"root cluster"* ]]
}

@test "a file's chain runs into a free cluster" {
	local o c
	o=$(dirent_off "$IMG" 'MEDIUM  BIN')
	c=$(dirent_cluster "$IMG" "$o")
	fat_put_all "$IMG" $((c + 2)) 0
	fails_cleanly "$IMG" cat /medium.bin
	[[ $stderr == *"corrupt file system"* ]]
}

@test "a file's chain loops: reading ends with an error, not a hang" {
	local o c
	o=$(dirent_off "$IMG" 'MEDIUM  BIN')
	c=$(dirent_cluster "$IMG" "$o")
	fat_put_all "$IMG" $((c + 3)) "$c"
	run_rumpsh "$IMG" cat /medium.bin
	# the loop returns to earlier clusters: either the size is reached
	# (stale data, as any FAT reader) or the chain ends in an error
	assert_no_sanitizer_report
}

@test "a file's chain points out of range" {
	local o c
	o=$(dirent_off "$IMG" 'MEDIUM  BIN')
	c=$(dirent_cluster "$IMG" "$o")
	fat_put_all "$IMG" $((c + 1)) 0x0FFFFFF0
	fails_cleanly "$IMG" cat /medium.bin
}

@test "a directory's chain loops on itself" {
	local o c
	o=$(dirent_off "$IMG" 'MANY       ')
	c=$(dirent_cluster "$IMG" "$o")
	fat_put_all "$IMG" "$c" "$c"
	fails_cleanly "$IMG" ls /many
	[[ $stderr == *"loop"* ]]
}

@test "a directory that contains itself" {
	local o c s
	o=$(dirent_off "$IMG" 'DIR        ')
	c=$(dirent_cluster "$IMG" "$o")
	s=$(dirent_off "$IMG" 'NESTED     ')
	put_le "$IMG" $((s + 26)) 2 "$c"
	fails_cleanly "$IMG" ls /dir/nested
	[[ $stderr == *"contains itself"* ]]
	run_rumpsh -1 "$IMG" get -r / "$BATS_TEST_TMPDIR/out"
}

@test "a subdirectory pointing at an ancestor: walks stop" {
	local o s c
	o=$(dirent_off "$IMG" 'DIR        ')
	c=$(dirent_cluster "$IMG" "$o")
	s=$(dirent_off "$IMG" 'DEEPER     ')
	put_le "$IMG" $((s + 26)) 2 "$c"
	timeout 60 "$RUMPSH" "$IMG" ls -R / >/dev/null 2>"$BATS_TEST_TMPDIR/err" || true
	assert_no_sanitizer_report "$(cat "$BATS_TEST_TMPDIR/err")"
}

@test "directory entry with a start cluster beyond the volume" {
	local o
	o=$(dirent_off "$IMG" 'DIR        ')
	put_le "$IMG" $((o + 20)) 2 0x0FFF
	fails_cleanly "$IMG" ls /dir
}

@test "long-name slots with broken order or checksum show the short name" {
	local lo
	lo=$(grep -obUaP 'A\x00 \x00r\x00a\x00t' "$IMG" | head -1 | cut -d: -f1)
	put_le "$IMG" $((lo - 1 + 13)) 1 0x12
	run_rumpsh "$IMG" ls /
	assert_success
	refute_line 'A rather long file name with spaces.text'
	assert_line --regexp '^ARATHE~1.TEX$'
}

@test "random garbage in the data area and FAT: no crash on any command" {
	local i
	for i in 1 2 3 4 5 6 7 8; do
		cp "$BATS_FILE_TMPDIR/base16.img" "$IMG"
		dd if=/dev/urandom of="$IMG" bs=512 seek=$((i * 7)) count=$((i * 3)) conv=notrunc status=none
		run timeout 60 "$RUMPSH" "$IMG" -c 'ls -lR /; find /; du -s /; df'
		assert_no_sanitizer_report
		((status != 124))
		run timeout 60 "$RUMPSH" "$IMG" get -r / "$BATS_TEST_TMPDIR/o$i"
		assert_no_sanitizer_report
		((status != 124))
	done
}
