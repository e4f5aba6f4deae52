#!/usr/bin/env bats
# msdos_fsck.bats: rumpsh fsck on damaged FAT images agrees with fsck.fat -n, and -y leaves what fsck.fat finds clean.

load test_helper
load msdos_helper

setup_file() {
	fat_tree "$BATS_FILE_TMPDIR/tree"
	mk_fat "$BATS_FILE_TMPDIR/base16.img" 16 20000 "$BATS_FILE_TMPDIR/tree"
	mk_fat "$BATS_FILE_TMPDIR/base32.img" 32 70000 "$BATS_FILE_TMPDIR/tree"
}

setup() {
	IMG=$BATS_TEST_TMPDIR/x.img
	export MSDOS_PROBE_IMG=$BATS_FILE_TMPDIR/base16.img
}

# verdicts: fsck.fat -n and rumpsh fsck -n agree (both clean or both not),
# then rumpsh fsck -y fixes it so that fsck.fat -n is clean.
verdicts() {
	need_rumpsh_cmd fsck
	local theirs=0
	fsck.fat -n "$IMG" >/dev/null 2>&1 || theirs=$?
	run_rumpsh -4 "$IMG" fsck -n
	((theirs != 0))
	run_rumpsh -1 "$IMG" fsck -y
	run fsck.fat -n "$IMG"
	assert_success
	run_rumpsh "$IMG" fsck -n
	assert_success
}

@test "a clean image: status 0, like fsck.fat" {
	need_rumpsh_cmd fsck
	cp "$BATS_FILE_TMPDIR/base32.img" "$IMG"
	run_rumpsh "$IMG" fsck -n
	assert_success
}

@test "FAT copies differ" {
	cp "$BATS_FILE_TMPDIR/base16.img" "$IMG"
	fat_put "$IMG" 1 500 0xFFFF
	verdicts
}

@test "a lost chain" {
	cp "$BATS_FILE_TMPDIR/base16.img" "$IMG"
	fat_put_all "$IMG" 600 601
	fat_put_all "$IMG" 601 0xFFFF
	verdicts
}

@test "a file larger than its chain" {
	cp "$BATS_FILE_TMPDIR/base16.img" "$IMG"
	put_le "$IMG" $(($(dirent_off "$IMG" 'SMALL   TXT') + 28)) 4 100000
	verdicts
}

@test "cross-linked files" {
	cp "$BATS_FILE_TMPDIR/base16.img" "$IMG"
	local m
	m=$(dirent_cluster "$IMG" "$(dirent_off "$IMG" 'MEDIUM  BIN')")
	put_le "$IMG" $(($(dirent_off "$IMG" 'SMALL   TXT') + 26)) 2 $((m + 1))
	verdicts
}

@test "a chain that loops" {
	cp "$BATS_FILE_TMPDIR/base16.img" "$IMG"
	local m
	m=$(dirent_cluster "$IMG" "$(dirent_off "$IMG" 'MEDIUM  BIN')")
	fat_put_all "$IMG" $((m + 5)) "$m"
	verdicts
}

@test "a chain that points out of range" {
	cp "$BATS_FILE_TMPDIR/base16.img" "$IMG"
	local m
	m=$(dirent_cluster "$IMG" "$(dirent_off "$IMG" 'MEDIUM  BIN')")
	fat_put_all "$IMG" $((m + 5)) 0xFFF0
	verdicts
}

@test "FAT32: FSInfo free count wrong" {
	cp "$BATS_FILE_TMPDIR/base32.img" "$IMG"
	put_le "$IMG" $(($(bpb "$IMG" fsinfo) * 512 + 488)) 4 12345
	verdicts
}

@test "FAT32: a directory whose chain loops, leaving orphaned long names" {
	cp "$BATS_FILE_TMPDIR/base32.img" "$IMG"
	local c
	c=$(dirent_cluster "$IMG" "$(dirent_off "$IMG" 'MANY       ')")
	fat_put_all "$IMG" "$c" "$c"
	verdicts
}

@test "FAT32: a directory that contains itself" {
	cp "$BATS_FILE_TMPDIR/base32.img" "$IMG"
	local c
	c=$(dirent_cluster "$IMG" "$(dirent_off "$IMG" 'DIR        ')")
	put_le "$IMG" $(($(dirent_off "$IMG" 'NESTED     ') + 26)) 2 "$c"
	verdicts
}

@test "a long name with a wrong checksum: reported, not counted (as fsck.fat)" {
	need_rumpsh_cmd fsck
	cp "$BATS_FILE_TMPDIR/base32.img" "$IMG"
	local lo
	lo=$(grep -obUaP 'A\x00 \x00r\x00a\x00t' "$IMG" | head -1 | cut -d: -f1)
	put_le "$IMG" $((lo - 1 + 13)) 1 0x12
	run fsck.fat -n "$IMG"
	assert_success
	run_rumpsh "$IMG" fsck -n
	assert_success
	assert_output --partial 'checksum'
}

# clear_clean_bit IMG: the clean-shutdown bit of FAT[1] off in every copy.
clear_clean_bit() {
	local bit=0x8000 v
	(($(bpb "$1" fattype) == 32)) && bit=0x08000000
	v=$(fat_get "$1" 0 1)
	fat_put_all "$1" 1 $((v & ~bit))
}

@test "FAT16: the dirty bit set: -n says so (status 4), -y clears it" {
	cp "$BATS_FILE_TMPDIR/base16.img" "$IMG"
	clear_clean_bit "$IMG"
	run fsck.fat -n "$IMG"
	assert_output --partial 'Dirty bit'
	run_rumpsh -4 "$IMG" fsck -n
	assert_output --partial 'dirty bit'
	verdicts
	run_rumpsh "$IMG" info
	assert_line 'state: clean'
}

@test "FAT32: the dirty bit set: -n says so (status 4), -y clears it" {
	cp "$BATS_FILE_TMPDIR/base32.img" "$IMG"
	clear_clean_bit "$IMG"
	run fsck.fat -n "$IMG"
	assert_output --partial 'Dirty bit'
	run_rumpsh -4 "$IMG" fsck -n
	assert_output --partial 'dirty bit'
	verdicts
}

@test "FAT copies that differ only in the reserved entry FAT[1]" {
	cp "$BATS_FILE_TMPDIR/base32.img" "$IMG"
	fat_put "$IMG" 1 1 $(($(fat_get "$IMG" 0 1) & ~4))
	run fsck.fat -n "$IMG"
	assert_output --partial 'FATs differ'
	run_rumpsh -4 "$IMG" fsck -n
	assert_output --partial 'reserved entry 1'
	verdicts
	[[ $(fat_get "$IMG" 0 1) == "$(fat_get "$IMG" 1 1)" ]]
}

@test "bad short names are renamed FSCKnnnn.nnn by -y, as fsck.fat -a does" {
	cp "$BATS_FILE_TMPDIR/base16.img" "$IMG"
	local off
	off=$(dirent_off "$IMG" 'UPPER   TXT')
	printf 'R/ BIN     ' | dd of="$IMG" bs=1 seek="$off" conv=notrunc status=none
	# a name fsck.fat would pick first is taken already
	off=$(dirent_off "$IMG" 'EMPTY      ')
	printf 'FSCK0000000' | dd of="$IMG" bs=1 seek="$off" conv=notrunc status=none
	put_le "$IMG" $((off + 12)) 1 0
	run_rumpsh -4 "$IMG" fsck -n
	assert_output --partial 'short name holds characters DOS forbids'
	verdicts
	run mdir -i "$IMG" ::/
	assert_output --regexp 'FSCK0000 001 +6 '
	assert_output --regexp 'FSCK0000 000 +0 '
	run mtype -i "$IMG" ::/FSCK0000.001
	assert_output 'upper'
}

@test "a bad short name under a long name: renamed, the long name kept" {
	cp "$BATS_FILE_TMPDIR/base16.img" "$IMG"
	python3 - "$IMG" <<'PY'
import sys
p = sys.argv[1]
d = bytearray(open(p, 'rb').read())
o = d.find(b'ARATHE~1TEX')
assert o > 0, 'no short entry ARATHE~1.TEX'
new = b'ARA*HE~1TEX'
d[o:o + 11] = new
s = 0
for c in new:
    s = (((s & 1) << 7) + (s >> 1) + c) & 0xFF
k = o - 32
while d[k + 11] == 0x0F:
    d[k + 13] = s
    k -= 32
open(p, 'wb').write(d)
PY
	verdicts
	run bash -c "mdir -i '$IMG' ::/ | grep 'A rather long'"
	assert_output --regexp '^FSCK0000 000 .* A rather long file name with spaces.text$'
}
