#!/usr/bin/env bats
# ffs_write.bats: writing FFS images through the shell: after every change our fsck is clean and The Sleuth Kit (UFS1) reads it back.

setup() {
	load test_helper
	load ffs_helper
	need_tool makefs
	FFS_ANY_IMAGE=$(ffs_img ffs-u1-le -o version=1 -B le)
	need_rumpsh_cmd put mkdir rm rmdir mv ln chmod truncate fsck
}

VARIANTS=("ffs-u1-le -o version=1 -B le" "ffs-u1-be -o version=1 -B be"
	"ffs-u2-be32 -o version=2,bsize=32768,fsize=4096 -B be" "ffs-u2-le -o version=2 -B le")

# fsck_clean IMG: our checker finds nothing (status 0).
fsck_clean() {
	run_rumpsh "$1" fsck -n
	assert_success
}

# tsk_cat IMG PATH: The Sleuth Kit's view of a file of a UFS1 image.
tsk_cat() {
	local ino
	ino=$(ffs_ino "$1" "$2")
	icat -f ufs1 "$1" "$ino"
}

@test "put files of many sizes; read back by rumpsh and (UFS1) by icat" {
	need_tool icat
	local v img f s
	mkdir "$BATS_TEST_TMPDIR/src"
	for s in 0 1 1023 4097 65536 300001 2097152; do
		head -c "$s" /dev/urandom >"$BATS_TEST_TMPDIR/src/f$s"
	done
	for v in "${VARIANTS[@]}"; do
		# shellcheck disable=SC2086
		img=$(ffs_copy $v)
		run_rumpsh "$img" put "$BATS_TEST_TMPDIR"/src/f* /dir
		assert_success
		fsck_clean "$img"
		for f in "$BATS_TEST_TMPDIR"/src/f*; do
			"$RUMPSH" -r "$img" cat "/dir/${f##*/}" | cmp - "$f"
			if [[ $v == *version=1* ]]; then
				tsk_cat "$img" "/dir/${f##*/}" | cmp - "$f"
			fi
		done
		run_rumpsh "$img" info
		assert_line "clean: yes"
	done
}

@test "mkdir, ln, ln -s (fast and slow), mv, rm, rmdir keep the file system consistent" {
	need_tool fls
	local v img long
	long=$(printf 'target-%.0s' {1..30})
	for v in "${VARIANTS[@]}"; do
		# shellcheck disable=SC2086
		img=$(ffs_copy $v)
		run_rumpsh "$img" -c "mkdir /new; mkdir /new/sub; ln -s /README /new/fast; ln -s $long /new/slow; ln /small.txt /new/hard; mv /medium.bin /new/sub/m; mv /new/sub /dir/moved; rm /big.bin; rmdir /dir/empty-dir; chmod 600 /new/hard"
		assert_success
		fsck_clean "$img"
		run_rumpsh -r "$img" ls -l /new /dir /dir/moved
		assert_output --partial "fast -> /README"
		assert_output --partial "slow -> $long"
		assert_output --regexp '-rw------- +2 .* hard'
		assert_output --partial ' m'
		refute_output --partial 'empty-dir'
		run_rumpsh -r "$img" stat /big.bin
		assert_failure
		if [[ $v == *version=1* ]]; then
			run fls -r -p -f ufs1 "$img"
			assert_line --regexp $'\tdir/moved/m$'
			assert_line --regexp $'\tnew/slow$'
			tsk_cat "$img" /dir/moved/m | cmp - <("$RUMPSH" -r "$img" cat /dir/moved/m)
		fi
	done
}

@test "a directory grows past one block, shrinks, and reuses its space" {
	local v img i mkdirs= rmdirs=
	for i in $(seq 1 600); do mkdirs+="mkdir /many/d-$i-with-a-long-name; "; done
	for i in $(seq 1 2 600); do rmdirs+="rmdir /many/d-$i-with-a-long-name; "; done
	for v in "${VARIANTS[@]}"; do
		# shellcheck disable=SC2086
		img=$(ffs_copy $v)
		run_rumpsh "$img" -c "$mkdirs"
		assert_success
		fsck_clean "$img"
		run_rumpsh "$img" -c "$rmdirs"
		assert_success
		fsck_clean "$img"
		run_rumpsh "$img" -c "mkdir /many/after-removal"
		assert_success
		fsck_clean "$img"
		[[ $("$RUMPSH" -r "$img" ls /many | wc -l) -eq $((300 + 300 + 1)) ]]
	done
}

@test "truncate shrinks and grows with zeros, freeing fragments" {
	local v img
	head -c 300000 /dev/urandom >"$BATS_TEST_TMPDIR/r"
	for v in "${VARIANTS[@]}"; do
		# shellcheck disable=SC2086
		img=$(ffs_copy $v)
		run_rumpsh "$img" -c "put $BATS_TEST_TMPDIR/r /r; truncate -s 1000 /r"
		assert_success
		fsck_clean "$img"
		"$RUMPSH" -r "$img" cat /r | cmp - <(head -c 1000 "$BATS_TEST_TMPDIR/r")
		run_rumpsh "$img" truncate -s 200000 /r
		assert_success
		fsck_clean "$img"
		"$RUMPSH" -r "$img" cat /r | cmp - <(head -c 1000 "$BATS_TEST_TMPDIR/r"; head -c 199000 /dev/zero)
	done
}

@test "UFS2: a file over 4 GiB" {
	local img
	img=$(ffs_copy ffs-u2-le -o version=2 -B le)
	run_rumpsh "$img" -c "put /dev/null /huge; truncate -s 5368709120 /huge"
	assert_success
	run_rumpsh -r "$img" stat /huge
	assert_output --partial 'Size: 5368709120'
	fsck_clean "$img"
	[[ $("$RUMPSH" -r "$img" cat /huge | tail -c 4096 | tr -d '\0' | wc -c) -eq 0 ]]
}

@test "a read-only open refuses writes and changes nothing" {
	local img before
	img=$(ffs_copy ffs-u1-le -o version=1 -B le)
	before=$(sha256sum <"$img")
	run_rumpsh -1 -r "$img" mkdir /nope
	[[ $(sha256sum <"$img") == "$before" ]]
}

@test "a journaled image that was not cleanly unmounted is not written" {
	local img before
	img=$(ffs_copy ffs-u1-le -o version=1 -B le)
	# fs_flags = FS_SUJ | FS_DOSOFTDEP; fs_clean = 0 (byte 209; keep fs_old_flags)
	ffs_corrupt "$img" sb:1312:10
	ffs_corrupt "$img" sb:208:0x80000000
	before=$(sha256sum <"$img")
	run_rumpsh -1 "$img" mkdir /nope
	[[ $stderr == *journal* ]]
	[[ $(sha256sum <"$img") == "$before" ]]
	run_rumpsh -r "$img" ls /
	assert_success
}
