#!/usr/bin/env bats
# ffs_random.bats: seeded random operations applied through rumpsh and to a host tree; after every batch our fsck, The Sleuth Kit and an extracted archive agree with the tree.
#
# make check runs one seed per variant. By hand, longer:
#   FFS_RANDOM_SEEDS="1 2 3 4" FFS_RANDOM_BATCHES=10 FFS_RANDOM_OPS=60 \
#   FFS_RANDOM_ALL=1 RUMPSH_SUITES=tests/ffs_random.bats tests/run.sh build/plain
# (FFS_RANDOM_ALL=1 adds the variants make check leaves out.)

setup() {
	load test_helper
	load ffs_random_helper
	need_tool makefs python3 bsdtar fls icat istat
	W=$BATS_TEST_TMPDIR
}

# fr_check IMG HOST TSK: our fsck finds nothing, an archive of the image
# extracted by bsdtar holds exactly HOST (data, types, file modes, hard links,
# link targets), and, unless TSK is "-", so does The Sleuth Kit's reading.
fr_check() {
	local img=$1 host=$2 tsk=$3 x
	run_rumpsh "$img" fsck -n -f
	assert_success
	x=$(mktemp -d "$W/x.XXXXXX")
	run_rumpsh -r "$img" extract -f "$x.tar" /
	assert_success
	bsdtar -xpf "$x.tar" -C "$x"
	diff <(fr_manifest "$host" modes) <(fr_manifest "$x" modes)
	if [[ $tsk != - ]]; then
		diff <(fr_manifest "$host") <(fr_tsk_manifest "$img" "$tsk")
	fi
	rm -rf "$x" "$x.tar"
}

# fr_run TSK MAKEFS-OPTS...: for each seed, an image of a random tree, then
# batches of random operations, each checked.
fr_run() {
	local tsk=$1 seed b line img=$W/r.img
	shift
	for seed in ${FFS_RANDOM_SEEDS:-$FR_SEED}; do
		rm -rf "$W/host" "$W/data" "$img"
		mkdir "$W/host"
		fr_seed_tree "$seed" "$W/host"
		makefs -t ffs -s 64m -f 1500 "$@" "$img" "$W/host" >/dev/null
		fr_check "$img" "$W/host" "$tsk"
		for ((b = 1; b <= ${FFS_RANDOM_BATCHES:-2}; b++)); do
			line=$(fr_batch "$seed" "$b" "${FFS_RANDOM_OPS:-50}" "$W/host" "$W/data")
			run_rumpsh "$img" -c "$line"
			assert_success
			fr_check "$img" "$W/host" "$tsk"
			rm -rf "$W/data"
		done
	done
}

# The Sleuth Kit reads UFS2 only where it looks for the superblock: makefs
# puts it at 8 KiB, but with 64 KiB blocks group 0's copy lands at 64 KiB.
@test "random operations: UFS1, little-endian, 4 KiB blocks, 512-byte fragments" {
	FR_SEED=1 fr_run ufs1 -o version=1,bsize=4096,fsize=512 -B le
}
@test "random operations: UFS1, big-endian, 8 KiB blocks" {
	FR_SEED=2 fr_run ufs1 -o version=1 -B be
}
@test "random operations: UFS2, little-endian, 8 KiB blocks" {
	FR_SEED=3 fr_run - -o version=2 -B le
}
@test "random operations: UFS2, big-endian, 64 KiB blocks, 8 KiB fragments (FFS_RANDOM_ALL=1: more layouts)" {
	FR_SEED=4 fr_run ufs2 -o version=2,bsize=65536,fsize=8192 -B be
	# the long version's extra layouts: UFS1 16 KiB/2 KiB, UFS2 32 KiB/4 KiB,
	# UFS2 4 KiB unfragmented, UFS2 64 KiB/64 KiB
	[[ -n ${FFS_RANDOM_ALL:-} ]] || return 0
	FR_SEED=5 fr_run ufs1 -o version=1,bsize=16384,fsize=2048 -B le
	FR_SEED=6 fr_run - -o version=2,bsize=32768,fsize=4096 -B le
	FR_SEED=7 fr_run - -o version=2,bsize=4096,fsize=4096 -B be
	FR_SEED=8 fr_run ufs2 -o version=2,bsize=65536,fsize=65536 -B le
}
