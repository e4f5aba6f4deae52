#!/usr/bin/env bats
# ext2_htree.bats: indexed (htree) directories written by rumpsh: leaf and node splits, new levels, hash collisions; e2fsck and the kernel agree.

load test_helper
load ext2_helper
load ext2_write_helper

setup() {
	need_tool mke2fs e2fsck debugfs python3
	W=$BATS_TEST_TMPDIR
	mkdir -p "$W/e"
}

# ht_script NAMES OUT: a rumpsh script making /d and one empty file per name.
ht_script() {
	{ echo "mkdir /d"; sed 's|^|touch /d/|' "$1"; } >"$2"
}

# ht_kernel_same IMG EXPECTED: the kernel lists exactly the names in
# EXPECTED under /d, and finds each one by name (its own htree lookup).
ht_kernel_same() {
	local img=$1 expected=$2 kern=$W/kern
	loop_mount_ro "$img" "$kern"
	diff <(ls -f "$kern/d" | grep -v -x -e . -e .. | LC_ALL=C sort) <(LC_ALL=C sort "$expected") || return 1
	(cd "$kern/d" && xargs -d '\n' -a "$expected" stat -c %i >/dev/null) || return 1
	loop_umount "$kern"
}

# ht_levels IMG: the index depth htree_dump reports for /d (fails if none).
ht_levels() {
	debugfs -R 'htree_dump /d' "$1" 2>/dev/null | sed -n 's/^[[:space:]]*Indirect levels: //p' | grep .
}

@test "100,000 names made in a new directory: it is indexed as it grows, e2fsck is clean, the kernel finds every name" {
	local img=$W/t.img
	EW_SIZE=256M ew_image "$img" "$W/e" -t ext4 -b 4096 -N 102400
	seq 1 100000 | sed 's/^/file-with-a-name-/' >"$W/names"
	ht_script "$W/names" "$W/script"
	run_rumpsh "$img" <"$W/script"
	assert_success
	ew_fsck "$img"
	# a two-level index (the root alone holds 507 leaves), flag kept
	[ "$(ht_levels "$img")" = 1 ]
	debugfs -R 'stat /d' "$img" 2>/dev/null | grep -q 'Flags: 0x81000'
	ht_kernel_same "$img" "$W/names"
	run_rumpsh "$img" -c "ls /d/file-with-a-name-1; ls /d/file-with-a-name-99999"
	assert_success
	# removal: the entries go from their leaves, the index stays
	sed -n '1~97p' "$W/names" | sed 's|^|rm /d/|' >"$W/rm-script"
	sed '1~97d' "$W/names" >"$W/left"
	run_rumpsh "$img" <"$W/rm-script"
	assert_success
	ew_fsck "$img"
	[ "$(ht_levels "$img")" = 1 ]
	ht_kernel_same "$img" "$W/left"
	run_rumpsh -1 "$img" ls /d/file-with-a-name-98
}

# 252-byte names: three to a 1 KiB leaf, so the tree grows quickly.
ht_long_names() {
	python3 -c '
import random, sys
r = random.Random(int(sys.argv[1]))
seen = set()
while len(seen) < int(sys.argv[2]):
    n = "L" * 240 + "%012d" % r.randrange(10**12)
    if n not in seen:
        seen.add(n)
        print(n)' "$@"
}

@test "with large_dir the index grows to three levels; 1 KiB blocks, long names" {
	local img=$W/t.img
	EW_SIZE=96M ew_image "$img" "$W/e" -t ext4 -b 1024 -N 40000 -O large_dir
	ht_long_names 1 36000 >"$W/names"
	ht_script "$W/names" "$W/script"
	run_rumpsh "$img" <"$W/script"
	assert_success
	ew_fsck "$img"
	[ "$(ht_levels "$img")" = 2 ]
	ht_kernel_same "$img" "$W/names"
}

@test "without large_dir a full two-level index gives ENOSPC and the directory stays consistent" {
	local img=$W/t.img n
	EW_SIZE=96M ew_image "$img" "$W/e" -t ext4 -b 1024 -N 40000 -O ^large_dir
	ht_long_names 2 36000 >"$W/names"
	ht_script "$W/names" "$W/script"
	run_rumpsh -1 "$img" <"$W/script"
	assert_regex "$stderr" 'touch: /d/L+[0-9]+: No space left on device'
	ew_fsck "$img"
	[ "$(ht_levels "$img")" = 1 ]
	debugfs -R 'htree_dump /d' "$img" 2>/dev/null | grep -q 'Number of entries (count): 123$'
	# the script stopped at the first failure: every name before it is there
	n=$(run_rumpsh "$img" ls /d; echo "${#lines[@]}")
	[ "$n" -gt 20000 ] && [ "$n" -lt 36000 ]
	head -n "$n" "$W/names" >"$W/made"
	ht_kernel_same "$img" "$W/made"
}

@test "hash collisions: random inserts and removes of names sharing hashes; chains over several leaves" {
	local img=$W/t.img seed=01234567-89ab-cdef-0123-456789abcdef data pre h
	data=$RUMPSH_ROOT/tests/ext2_htree_collisions.txt
	pre=$(printf 'c%.0s' {1..245})
	EW_SIZE=32M ew_image "$img" "$W/e" -t ext4 -b 1024 -E hash_seed=$seed
	# the data really collides (debugfs computes the hashes independently)
	for h in $(grep -v '^#' "$data" | head -1 | cut -d' ' -f2-); do
		debugfs -R "dx_hash -h half_md4 -s $seed $pre$h" "$img" 2>/dev/null
	done | sed 's/.* is \(0x[0-9a-f]*\) .*/\1/' | uniq | wc -l | grep -qx 1
	python3 - "$data" "$pre" "$W" <<'PY'
import random, sys
data, pre, w = sys.argv[1:4]
groups = [l.split()[1:] for l in open(data) if not l.startswith("#")]
names = [pre + s for g in groups for s in g]
names += ["%s-%06d" % (pre[:200], i) for i in range(400)]   # other hashes between
r = random.Random(7)
r.shuffle(names)
live, ops = set(), ["mkdir /d"]
for n in names:
    ops.append("touch /d/" + n); live.add(n)
    if r.random() < 0.3:
        x = r.choice(sorted(live)); live.discard(x); ops.append("rm /d/" + x)
for x in r.sample(sorted(live), len(live) // 3):
    live.discard(x); ops.append("rm /d/" + x)
for n in r.sample(names, 300):
    if n not in live:
        live.add(n); ops.append("touch /d/" + n)
open(w + "/script", "w").write("\n".join(ops) + "\n")
open(w + "/names", "w").write("".join(n + "\n" for n in sorted(live)))
PY
	run_rumpsh "$img" <"$W/script"
	assert_success
	ew_fsck "$img"
	# a split inside a run of equal hashes left the continuation bit set
	debugfs -R 'htree_dump /d' "$img" 2>/dev/null | grep -Eq 'Hash 0x[0-9a-f]{7}[13579bdf], block'
	ht_kernel_same "$img" "$W/names"
	# lookups of present and removed names through rumpsh's own index walk
	run_rumpsh "$img" -c "ls /d/$(head -1 "$W/names"); ls /d/$(tail -1 "$W/names")"
	assert_success
}

@test "a linear directory's only block fills: it gets an index, as in the kernel; without dir_index it stays linear" {
	local img=$W/t.img
	seq 1 200 | sed 's/^/entry-/' >"$W/names"
	ht_script "$W/names" "$W/script"
	ew_image "$img" "$W/e" -t ext4 -b 1024
	run_rumpsh "$img" <"$W/script"
	assert_success
	ew_fsck "$img"
	debugfs -R 'stat /d' "$img" 2>/dev/null | grep -q 'Flags: 0x81000'
	[ "$(ht_levels "$img")" = 0 ]
	ht_kernel_same "$img" "$W/names"
	ew_image "$img" "$W/e" -t ext4 -b 1024 -O ^dir_index
	run_rumpsh "$img" <"$W/script"
	assert_success
	ew_fsck "$img"
	debugfs -R 'stat /d' "$img" 2>/dev/null | grep -q 'Flags: 0x80000$'
	ht_kernel_same "$img" "$W/names"
}

@test "an indexed directory: '..' is looked up in its root block, and rewritten there when it moves" {
	local img=$W/t.img
	seq 1 200 | sed 's/^/entry-/' >"$W/names"
	ht_script "$W/names" "$W/script"
	# moving /q into /d walks up from /d through ".." (no loop made)
	echo "mkdir /p; mv /d /p/d; mkdir /q; mv /q /p/d/q" >>"$W/script"
	ew_image "$img" "$W/e" -t ext4 -b 1024
	run_rumpsh "$img" <"$W/script"
	assert_success
	ew_fsck "$img"
	run_rumpsh "$img" -c "cd /p/d/..; pwd; ls -d /p/d/../d/q/../."
	assert_success
	assert_output $'/p\n/p/d/../d/q/../.'
	[ "$(debugfs -R 'ls -l /p/d' "$img" 2>/dev/null | awk '$NF == ".." { print $1 }')" = \
	  "$(debugfs -R 'stat /p' "$img" 2>/dev/null | sed -n 's/^Inode: \([0-9]*\) .*/\1/p')" ]
}

@test "a corrupt index is reported, not followed, by inserts and removals" {
	local img=$W/t.img off
	seq 1 200 | sed 's/^/entry-/' >"$W/names"
	ht_script "$W/names" "$W/script"
	ew_image "$img" "$W/e" -t ext4 -b 1024 -O ^metadata_csum
	run_rumpsh "$img" <"$W/script"
	assert_success
	off=$(ext2_block_offset "$img" /d)
	ext2_poke "$img" $((off + 34)) 250      # the root's count, above its limit
	run_rumpsh -1 "$img" touch /d/new
	assert_regex "$stderr" 'htree node 0: expected 1 <= count <= limit'
	run_rumpsh -1 "$img" rm /d/entry-1
	assert_regex "$stderr" 'htree node 0: expected 1 <= count <= limit'
}
