#!/usr/bin/env bats
# ffs_hostile.bats: damaged and hostile FFS images give clear errors, never a crash, hang or sanitizer report.

setup() {
	load test_helper
	load ffs_helper
	need_tool makefs python3 timeout
}

# read_all IMG: every read command over the whole image; status 0 or 1 only, bounded time.
read_all() {
	local st=0
	run timeout 60 "$RUMPSH" -r "$1" -c 'ls -laR /'
	st=$status
	assert_no_sanitizer_report
	((st == 0 || st == 1)) || { echo "ls -laR: status $st"; return 1; }
	rm -rf "$BATS_TEST_TMPDIR/o"
	run timeout 60 "$RUMPSH" -r "$1" get -r -p / "$BATS_TEST_TMPDIR/o"
	st=$status
	assert_no_sanitizer_report
	((st == 0 || st == 1)) || { echo "get -r: status $st"; return 1; }
}

@test "superblock fields out of range: mount refused with a clear message" {
	local base f img sizeoff
	for base in "ffs-u1-le -o version=1 -B le" "ffs-u2-be32 -o version=2,bsize=32768,fsize=4096 -B be"; do
		sizeoff=36                      # UFS1 fs_old_size
		[[ $base == *version=2* ]] && sizeoff=1080   # UFS2 fs_size
		# offset:value pairs: bsize, fsize, frag, ncg, ipg, fpg, sbsize,
		# cgsize, iblkno, dblkno, cssize, nindir, inopb, old_size/ncg huge
		for f in 48:12345 48:0 52:0 52:65536 56:64 44:0 44:0x7fffffff 184:0 \
			184:7 188:1 188:0x7ffffff8 104:100000 104:12 160:0x100000 \
			16:99999999 20:1 156:0 116:7 120:3 80:31 "$sizeoff":0x7fffffff; do
			# shellcheck disable=SC2086
			img=$(ffs_copy $base)
			ffs_corrupt "$img" "sb:${f%%:*}:${f#*:}"
			run_rumpsh -1 "$img" ls /
			assert_output ''
			[[ $stderr == *corrupt* || $stderr == *"no supported file system"* || $stderr == *"not supported"* ]] ||
				{ echo "field $f: unclear error: $stderr"; return 1; }
		done
	done
}

@test "damaged inodes: bad block pointer, absurd size, bad mode" {
	local img ino
	for v in "ffs-u1-be -o version=1 -B be" "ffs-u2-le -o version=2 -B le"; do
		# shellcheck disable=SC2086
		img=$(ffs_copy $v)
		ino=$(ffs_ino "$img" /medium.bin)
		ffs_corrupt "$img" blkptr "$ino"
		run_rumpsh -1 "$img" cat /medium.bin
		assert_output --partial ''
		[[ $stderr == *corrupt* && $stderr == *"inode $ino"* ]]
		ino=$(ffs_ino "$img" /small.txt)
		ffs_corrupt "$img" size "$ino"
		run_rumpsh -1 "$img" cat /small.txt
		[[ $stderr == *corrupt* && $stderr == *di_size* ]]
		ino=$(ffs_ino "$img" /README)
		ffs_corrupt "$img" mode "$ino"
		run_rumpsh -1 "$img" stat /README
		[[ $stderr == *corrupt* ]]
		read_all "$img"
	done
}

@test "an indirect block that points at itself ends in an error, not a loop" {
	local img ino
	img=$(ffs_copy ffs-u2-le -o version=2 -B le)
	ino=$(ffs_ino "$img" /medium.bin)
	ffs_corrupt "$img" indir-loop "$ino"
	run timeout 30 "$RUMPSH" -r "$img" cat /medium.bin
	assert_no_sanitizer_report
	((status == 0 || status == 1))
}

@test "a directory entry with a bad length is refused" {
	local img ino
	img=$(ffs_copy ffs-u1-le -o version=1 -B le)
	ino=$(ffs_ino "$img" /dir/nested)
	ffs_corrupt "$img" reclen "$ino"
	run_rumpsh -1 "$img" ls /dir/nested
	[[ $stderr == *corrupt* && $stderr == *d_reclen* ]]
	read_all "$img"
}

@test "a '..' loop does not hang a recursive listing" {
	local img ino
	img=$(ffs_copy ffs-u1-le -o version=1 -B le)
	ino=$(ffs_ino "$img" /dir/nested/deeper)
	ffs_corrupt "$img" dotdot "$ino" "$ino"
	read_all "$img"
}

@test "random damage to the metadata: 60 images, no crash, no hang" {
	local img v i seed
	for v in "ffs-u1-be -o version=1 -B be" "ffs-u2-le -o version=2 -B le"; do
		for i in $(seq 1 30); do
			# shellcheck disable=SC2086
			img=$(ffs_copy $v)
			seed=$((i * 7919))
			python3 - "$img" "$seed" <<-'EOF'
				import random, sys
				path, seed = sys.argv[1], int(sys.argv[2])
				rnd = random.Random(seed)
				with open(path, 'r+b') as f:
				    f.seek(0, 2)
				    # superblock, first group and inode blocks, and some data
				    span = min(f.tell(), 256 * 1024)
				    for _ in range(40):
				        f.seek(8192 + rnd.randrange(span - 8192))
				        f.write(bytes([rnd.randrange(256)]))
			EOF
			read_all "$img" || { echo "seed $seed on $v"; return 1; }
		done
	done
}
