#!/usr/bin/env bats
# ffs_read.bats: reading makefs FFS images (UFS1/UFS2, both byte orders, several block sizes) against the tree and The Sleuth Kit.

setup() {
	load test_helper
	load ffs_helper
	need_tool makefs
}

# check_variant NAME MAKEFS-OPTS...: get -r of the image equals the tree, data and metadata.
check_variant() {
	local name=$1 img tree out
	img=$(ffs_img "$@")
	tree=$(ffs_ref_tree)
	out=$BATS_TEST_TMPDIR/out
	mkdir -p "$out"
	# get copies no device nodes, and says so
	run_rumpsh -r "$img" get -r -p / "$out/root"
	run diff -r --no-dereference -x fifo -x cdev -x bdev "$tree" "$out/root"
	assert_success
	local wrap=
	[[ " $* " == *version=1* ]] && wrap=ufs1
	diff <(ffs_meta "$tree" "$wrap") <(ffs_meta "$out/root")
}

@test "UFS1 little-endian, 8K/1K blocks: get -r matches the tree" {
	check_variant ffs-u1-le -o version=1 -B le
}

@test "UFS1 big-endian: get -r matches the tree" {
	check_variant ffs-u1-be -o version=1 -B be
}

@test "UFS1 4K/512 blocks: get -r matches the tree" {
	check_variant ffs-u1-4k -o version=1,bsize=4096,fsize=512
}

@test "UFS2 little-endian: get -r matches the tree" {
	check_variant ffs-u2-le -o version=2 -B le
}

@test "UFS2 big-endian 32K/4K blocks: get -r matches the tree" {
	check_variant ffs-u2-be32 -o version=2,bsize=32768,fsize=4096 -B be
}

@test "UFS2 64K/8K blocks: get -r matches the tree" {
	check_variant ffs-u2-64k -o version=2,bsize=65536,fsize=8192
}

@test "info names the format, byte order and geometry" {
	local img
	img=$(ffs_img ffs-u2-be32 -o version=2,bsize=32768,fsize=4096 -B be)
	run_rumpsh -r "$img" info
	assert_success
	assert_line "type: UFS2"
	assert_line "byte order: big-endian"
	assert_line "block size: 32768"
	assert_line "fragment size: 4096"
	assert_line "clean: yes"
	img=$(ffs_img ffs-u1-le -o version=1 -B le)
	run_rumpsh -r "$img" info
	assert_line "type: UFS1"
	assert_line "byte order: little-endian"
}

@test "symlinks fast and slow, device nodes, fifos, hard links" {
	local img
	img=$(ffs_img ffs-u1-be -o version=1 -B be)
	run_rumpsh -r "$img" ls -l /links /special
	assert_success
	assert_output --partial 'short -> ../small.txt'
	assert_output --partial 'long -> ../dir/nested/deeper/deepest/a-file-name-long-enough-that-its-symlink-needs-a-block.txt'
	assert_output --regexp 'prw-r--r-- .* fifo'
	if [[ $(id -u) -eq 0 ]]; then
		assert_output --regexp 'crw-r--r-- .* 1, 3 .* cdev'
		assert_output --regexp 'brw-r--r-- .* 7, 0 .* bdev'
	fi
	[[ $(ffs_ino "$img" /links/hard-a) == $(ffs_ino "$img" /dir/hard-b) ]]
	run_rumpsh -r "$img" stat /links/hard-a
	assert_output --partial 'Links: 2'
}

@test "UFS2 shows birth times; UFS1 has none" {
	local img
	img=$(ffs_img ffs-u2-le -o version=2 -B le)
	run_rumpsh -r "$img" stat /small.txt
	assert_success
	assert_output --regexp 'Birth: [0-9]{4}-'
	img=$(ffs_img ffs-u1-le -o version=1 -B le)
	run_rumpsh -r "$img" stat /small.txt
	assert_output --regexp 'Birth: -'
}

@test "holes read as zeros" {
	local img tree
	img=$(ffs_img ffs-u2-64k -o version=2,bsize=65536,fsize=8192)
	tree=$(ffs_ref_tree)
	run_rumpsh -r "$img" cat /sparse
	assert_success
	"$RUMPSH" -r "$img" cat /sparse | cmp - "$tree/sparse"
	"$RUMPSH" -r "$img" cat /all-hole | cmp - "$tree/all-hole"
}

# tsk_vs_rumpsh IMG: fls's names and inodes equal rumpsh's (ls -iR), and
# icat of every regular file equals what rumpsh's get -r wrote.
# tsk_vs_rumpsh IMG [ufs1|ufs2]: names, inode numbers and file contents agree.
tsk_vs_rumpsh() {
	local img=$1 fs=${2:-ufs1} t=$BATS_TEST_TMPDIR
	fls -r -p -f "$fs" "$img" | awk -F'\t' '$1 !~ / \* / && $2 !~ /\$OrphanFiles/ {
		split($1, a, " "); i = a[2]; sub(/:$/, "", i); print i, "/" $2 }' | sort >"$t/fls"
	"$RUMPSH" -r "$img" ls -aiR / | awk '
		/^\/.*:$/ { dir = substr($0, 1, length($0) - 1); if (dir == "/") dir = ""; next }
		NF >= 2 { ino = $1; sub(/^ *[0-9]+ /, ""); if ($0 != "." && $0 != "..") print ino, dir "/" $0 }' | sort >"$t/rumpsh"
	diff "$t/fls" "$t/rumpsh"
	rm -rf "$t/out"
	"$RUMPSH" -r "$img" get -r / "$t/out" 2>/dev/null || true   # no device nodes
	local ino path n=0
	while read -r ino path; do
		cmp <(icat -f "$fs" "$img" "$ino") "$t/out$path" || return 1
		n=$((n + 1))
	done < <(fls -r -p -f "$fs" "$img" | awk -F'\t' '$1 ~ /^r\/r [0-9]+:$/ {
		split($1, a, " "); i = a[2]; sub(/:$/, "", i); print i, "/" $2 }')
	echo "$img: $n files agree"
	((n > 300))
}

@test "UFS1: names, inodes and contents agree with The Sleuth Kit" {
	need_tool fls icat
	tsk_vs_rumpsh "$(ffs_img ffs-u1-le -o version=1 -B le)"
	tsk_vs_rumpsh "$(ffs_img ffs-u1-be -o version=1 -B be)"
	tsk_vs_rumpsh "$(ffs_img ffs-u1-4k -o version=1,bsize=4096,fsize=512)"
}

# makefs writes the UFS2 superblock at 8 KiB, where The Sleuth Kit does not
# look; with 64 KiB blocks group 0's copy of it lands at 64 KiB, where it does.
@test "UFS2 with 64 KiB blocks: names, inodes and contents agree with The Sleuth Kit" {
	need_tool fls icat
	tsk_vs_rumpsh "$(ffs_img ffs-u2-64k -o version=2,bsize=65536,fsize=8192)" ufs2
	tsk_vs_rumpsh "$(ffs_img ffs-u2-64k-be -o version=2,bsize=65536,fsize=8192 -B be)" ufs2
}

@test "reading never writes a byte" {
	local img before after
	img=$(ffs_copy ffs-u2-le -o version=2 -B le)
	before=$(sha256sum <"$img")
	"$RUMPSH" "$img" -c 'ls -l /; stat /small.txt; cat /README; find /; du /; df; info' >/dev/null
	"$RUMPSH" "$img" get -r /dir /many "$BATS_TEST_TMPDIR/" >/dev/null
	after=$(sha256sum <"$img")
	[[ $before == "$after" ]]
}

_ffs_big() {
	local out=$1 d
	d=$(mktemp -d)
	head -c 64M /dev/urandom >"$d/big"
	makefs -t ffs -o version=1,bsize=32768,fsize=4096 "$out" "$d" >/dev/null
	rm -rf "$d"
}

@test "a 64 MiB file: get gives the bytes icat gives (speed is measured by make bench)" {
	need_tool icat
	local img
	img=$(fixture ffs-big _ffs_big)
	run_rumpsh -r "$img" get /big "$BATS_TEST_TMPDIR/g"
	assert_success
	icat -f ufs1 "$img" 3 >"$BATS_TEST_TMPDIR/i"
	cmp "$BATS_TEST_TMPDIR/g" "$BATS_TEST_TMPDIR/i"
}
