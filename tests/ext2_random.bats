#!/usr/bin/env bats
# ext2_random.bats: seeded random operations applied through rumpsh and to a host tree, compared; crashes at many points.

load test_helper
load ext2_write_helper
load random_helper

setup() {
	need_tool mke2fs e2fsck python3 strace
	W=$BATS_TEST_TMPDIR
}

# ew_random_run SEED N MKE2FS-ARGS...: random operations (random_helper.bash) on a fresh
# image per seed, e2fsck -fn clean after every batch; at the end rumpsh's get -r and the
# kernel read back the host tree. RUMPSH_RANDOM_OPS/RUMPSH_RANDOM_SEEDS make it longer.
ew_random_run() {
	local base=$1 n img=$W/r.img seed
	n=$(random_ops_count "$2")
	shift 2
	mkdir -p "$W/e"
	for seed in $(random_seeds "$base"); do
		rm -rf "$W/out" "$img"
		ew_image "$img" "$W/e" "$@"
		random_run "$img" "$seed" "$n" "$W/r" ew_fsck
		mkdir "$W/out"
		run_rumpsh "$img" get -r / "$W/out"
		assert_success
		rm -rf "$W/out/lost+found"
		diff -r "$W/r/host" "$W/out"
		ew_same "$img" "$W/r/host"
	done
}

@test "random operations (seed 1, 300 ops): ext4" { ew_random_run 1 300 -t ext4; }
@test "random operations (seed 2, 300 ops): ext2, 1 KiB blocks" { ew_random_run 2 300 -t ext2 -b 1024; }
@test "random operations (seed 3, 300 ops): ext3" { ew_random_run 3 300 -t ext3; }
@test "random operations (seed 4, 300 ops): ext4, 64bit, no metadata_csum" {
	ew_random_run 4 300 -t ext4 -O 64bit,^metadata_csum
}

# A workload killed at its Nth flush (strace fault injection, no knob in
# rumpsh): after replay the image is clean and holds a prefix of the puts.
@test "crash: killed at every flush point, the replayed image is clean and holds a prefix" {
	local img=$W/c.img n i k files
	mkdir "$W/e" "$W/d"
	for i in $(seq 1 40); do head -c $((i * 3000)) /dev/urandom >"$W/d/f$i"; done
	local script=""
	for i in $(seq 1 40); do script+="put $W/d/f$i /f$i; "; done
	for n in 1 2 3 4 5 6 7 8 10 12 15 20 30; do
		ew_image "$img" "$W/e" -t ext4
		strace -f -o /dev/null -e trace=fsync -e inject=fsync:signal=KILL:when=$n \
			"$RUMPSH" "$img" -c "$script" 3>&- 2>/dev/null || true
		run e2fsck -fy "$img"
		[ "$status" -le 1 ]
		ew_fsck "$img"
		files=$("$RUMPSH" -r "$img" ls / | grep -c '^f' || true)
		# f1..f(files-1) complete; the last may be partly written
		for ((k = 1; k < files; k++)); do
			"$RUMPSH" -r "$img" cat "/f$k" | cmp - "$W/d/f$k"
		done
		[ "$files" -eq 0 ] || "$RUMPSH" -r "$img" ls "/f$files" >/dev/null
	done
}

@test "crash: killed after random delays, the replayed image is clean" {
	local img=$W/c.img d
	mkdir "$W/e" "$W/t"
	for d in $(seq 1 400); do echo "$d" >"$W/t/f$d"; done
	for d in 0.05 0.1 0.2 0.4; do
		ew_image "$img" "$W/e" -t ext4
		timeout -s KILL "$d" "$RUMPSH" "$img" -c "put -r $W/t /t; mkdir /x; mv /t /x/t" 3>&- 2>/dev/null || true
		run e2fsck -fy "$img"
		[ "$status" -le 1 ]
		ew_fsck "$img"
	done
}
