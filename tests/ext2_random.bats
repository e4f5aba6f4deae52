#!/usr/bin/env bats
# ext2_random.bats: seeded random operations applied through rumpsh and to a host tree, compared; crashes at many points.

load test_helper
load ext2_write_helper

setup() {
	need_tool mke2fs e2fsck python3 strace
	W=$BATS_TEST_TMPDIR
}

# ew_random_ops SEED N HOSTDIR DATADIR: applies N random operations to
# HOSTDIR and prints, in batches of 50 (one line each), the same as rumpsh
# -c scripts. Data files for put are left in DATADIR.
ew_random_ops() {
	python3 - "$@" <<'PY'
import os, random, shutil, sys
seed, n, host, data = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
r = random.Random(seed)
files, dirs, cmds, k = [], ["/"], [], 0
def hp(p): return os.path.join(host, p.lstrip("/"))
def name(): return "n%d" % r.randrange(10**6)
for i in range(n):
    op = r.choice("cccwwwttrlumd")
    d = r.choice(dirs)
    if op == "c" or not files and op in "wtrlu":
        p = os.path.join(d, name()); k += 1
        src = os.path.join(data, "c%d" % k)
        with open(src, "wb") as f:
            f.write(os.urandom(r.choice([0, 1, 100, 4096, 5000, 70000, 300000])))
        if os.path.exists(hp(p)): continue
        shutil.copyfile(src, hp(p)); files.append(p); cmds.append("put %s %s" % (src, p))
    elif op == "w":
        p = r.choice(files); k += 1
        src = os.path.join(data, "c%d" % k)
        with open(hp(p), "r+b") as f:
            f.seek(r.randrange(200000)); f.write(os.urandom(r.randrange(1, 20000)))
        shutil.copyfile(hp(p), src); cmds.append("put %s %s" % (src, p))
    elif op == "t":
        p = r.choice(files); s = r.randrange(400000)
        os.truncate(hp(p), s); cmds.append("truncate -s %d %s" % (s, p))
    elif op == "r":
        p = r.choice(files); q = os.path.join(r.choice(dirs), name())
        if os.path.exists(hp(q)): continue
        os.rename(hp(p), hp(q)); files = [q if x == p else x for x in files]
        cmds.append("mv %s %s" % (p, q))
    elif op == "l":
        p = r.choice(files); q = os.path.join(r.choice(dirs), name())
        if os.path.exists(hp(q)): continue
        os.link(hp(p), hp(q)); files.append(q); cmds.append("ln %s %s" % (p, q))
    elif op == "u":
        p = r.choice(files); os.unlink(hp(p)); files.remove(p); cmds.append("rm %s" % p)
    elif op == "m":
        p = os.path.join(d, name())
        if os.path.exists(hp(p)): continue
        os.mkdir(hp(p)); dirs.append(p); cmds.append("mkdir %s" % p)
    elif op == "d" and len(dirs) > 1:
        p = r.choice(dirs[1:])
        if os.listdir(hp(p)): continue
        os.rmdir(hp(p)); dirs.remove(p); cmds.append("rmdir %s" % p)
for i in range(0, len(cmds), 50):
    print("; ".join(cmds[i:i + 50]))
PY
}

ew_random_run() {
	local seed=$1 n=$2 img=$W/r.img line
	shift 2
	mkdir -p "$W/host" "$W/data" "$W/e"
	ew_image "$img" "$W/e" "$@"
	ew_random_ops "$seed" "$n" "$W/host" "$W/data" >"$W/script"
	while IFS= read -r line; do
		run_rumpsh "$img" -c "$line"
		assert_success
	done <"$W/script"
	ew_fsck "$img"
	mkdir "$W/out"
	run_rumpsh "$img" get -r / "$W/out"
	rm -rf "$W/out/lost+found"
	diff -r "$W/host" "$W/out"
	ew_same "$img" "$W/host"
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
