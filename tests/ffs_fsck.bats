#!/usr/bin/env bats
# ffs_fsck.bats: our FFS checker: clean on untouched makefs images; each kind of damage found by -n, repaired by -y.

setup() {
	load test_helper
	load ffs_helper
	need_tool makefs python3
	FFS_ANY_IMAGE=$(ffs_img ffs-u1-le -o version=1 -B le)
	need_rumpsh_cmd fsck
}

ALL=("ffs-u1-le -o version=1 -B le" "ffs-u1-be -o version=1 -B be"
	"ffs-u1-4k -o version=1,bsize=4096,fsize=512" "ffs-u2-le -o version=2 -B le"
	"ffs-u2-be32 -o version=2,bsize=32768,fsize=4096 -B be"
	"ffs-u2-64k -o version=2,bsize=65536,fsize=8192")

@test "every untouched makefs image is clean, and fsck -n writes nothing" {
	local v img before
	for v in "${ALL[@]}"; do
		# shellcheck disable=SC2086
		img=$(ffs_copy $v)
		before=$(sha256sum <"$img")
		run_rumpsh "$img" fsck -n
		assert_success
		[[ $(sha256sum <"$img") == "$before" ]]
	done
}

# damage_cycle VARIANT KIND [ARGS]: -n says "errors left" (4) and writes
# nothing, -y says "corrected" (1), then -n is clean (0).
damage_cycle() {
	local v=$1 img before
	shift
	# shellcheck disable=SC2086
	img=$(ffs_copy $v)
	ffs_corrupt "$img" "$@"
	before=$(sha256sum <"$img")
	run_rumpsh -4 "$img" fsck -n
	[[ -n $output$stderr ]]
	[[ $(sha256sum <"$img") == "$before" ]]
	run_rumpsh -1 "$img" fsck -y
	run_rumpsh "$img" fsck -n
	assert_success
}

# each_kind VARIANT: every kind of damage tests/ffs_corrupt.py makes.
each_kind() {
	local v=$1 img m s d r
	# shellcheck disable=SC2086
	img=$(ffs_img $v)
	m=$(ffs_ino "$img" /medium.bin)
	s=$(ffs_ino "$img" /small.txt)
	d=$(ffs_ino "$img" /dir/nested)
	r=$(ffs_ino "$img" /README)
	damage_cycle "$v" cg-count
	damage_cycle "$v" sb-total
	damage_cycle "$v" cs-area
	damage_cycle "$v" used-free "$m"
	damage_cycle "$v" free-used
	damage_cycle "$v" inode-map "$s"
	damage_cycle "$v" nlink "$s"
	damage_cycle "$v" dup "$r" "$m"
	damage_cycle "$v" reclen "$d"
	damage_cycle "$v" reclen 2
	damage_cycle "$v" dotdot "$d" 2
	damage_cycle "$v" blkptr "$s"
	damage_cycle "$v" size "$s"
	damage_cycle "$v" mode "$s"
	damage_cycle "$v" indir-loop "$m"
	damage_cycle "$v" cg:28:12345
	damage_cycle "$v" cg:56:77
}

@test "UFS1 little-endian: each kind of damage found and repaired" {
	each_kind "${ALL[0]}"
}

@test "UFS1 big-endian: each kind of damage found and repaired" {
	each_kind "${ALL[1]}"
}

@test "UFS2 little-endian: each kind of damage found and repaired" {
	each_kind "${ALL[3]}"
}

@test "UFS2 big-endian 32K/4K: each kind of damage found and repaired" {
	each_kind "${ALL[4]}"
}

@test "an image not marked clean is reported, and marked clean by -y" {
	local img
	img=$(ffs_copy ffs-u1-le -o version=1 -B le)
	ffs_corrupt "$img" sb:208:0x80000000      # fs_clean = 0, keep fs_old_flags
	run_rumpsh -4 "$img" fsck -n
	assert_output --partial 'not marked clean'
	run_rumpsh -1 "$img" fsck -y
	run_rumpsh "$img" info
	assert_line 'clean: yes'
	run_rumpsh "$img" fsck -n
	assert_success
}

@test "a repaired UFS1 image reads back the same through The Sleuth Kit" {
	need_tool icat
	local img m
	img=$(ffs_copy ffs-u1-be -o version=1 -B be)
	m=$(ffs_ino "$img" /medium.bin)
	ffs_corrupt "$img" used-free "$m"
	run_rumpsh -1 "$img" fsck -y
	icat -f ufs1 "$img" "$m" | cmp - <("$RUMPSH" -r "$img" cat /medium.bin)
}
