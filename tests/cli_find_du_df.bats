#!/usr/bin/env bats
# cli_find_du_df.bats: find, du, df and info, compared with find, du, df and dumpe2fs/sfdisk on the same image.

load cli_helper

setup() {
	need_tool find du df sort
	cli_mount
}

# same_find "ARGS": rumpsh find ARGS and find ARGS (run in the mount) print the same set.
same_find() {
	in_mnt bash -c "find $1 | sort"
	local want=$output
	rs -c "find $1"
	assert_success
	[ -z "$stderr" ]
	diff -u <(printf '%s\n' "$want") <(printf '%s\n' "$output" | sort)
}

@test "find with no test prints every path, as find(1)" {
	same_find ""
	same_find "."
	same_find "dir links"
	same_find "dir/"
}

@test "find -name with globs (*, ?, [...]), hidden and multibyte names" {
	same_find ". -name '*.txt'"
	same_find ". -name 'file-0?5'"
	same_find ". -name '[a-m]*'"
	same_find ". -name '.hidden'"
	same_find ". -name '*é*'"
	same_find "dir -name dir"
}

@test "find -type for every file type" {
	local t
	for t in f d l p c b s; do
		same_find ". -type $t"
	done
}

@test "find -size with units and +/-, several tests combined" {
	same_find ". -size +1k"
	same_find ". -size -1M"
	same_find ". -size 1"
	same_find ". -size 13c"
	same_find ". -size +100c -size -200k"
	same_find ". -size +1M -type f"
	same_find ". -size 0 -type f"
	same_find ". -size -2w"
	same_find ". -size +0G"
}

@test "find -maxdepth and -mindepth" {
	same_find ". -maxdepth 0"
	same_find ". -maxdepth 1"
	same_find "dir -maxdepth 2 -type d"
	same_find ". -mindepth 3"
	same_find ". -mindepth 2 -maxdepth 3 -name '*e*'"
}

@test "find from an absolute path prints absolute paths; output is in pre-order" {
	rs find /dir/nested
	assert_success
	assert_output $'/dir/nested\n/dir/nested/deeper\n/dir/nested/deeper/deepest\n/dir/nested/deeper/deepest/a-file-name-long-enough-that-its-symlink-needs-a-block.txt\n/dir/nested/deeper/deepest/file.txt'
}

@test "find does not follow symlinks" {
	rs find /links/dir
	assert_output '/links/dir'
}

@test "find usage errors and missing paths" {
	rs -2 find / -bogus x
	[[ $stderr == "rumpsh: find: unknown predicate '-bogus'"$'\n'"usage: find "* ]]
	rs -2 find / -type q
	rs -2 find / -size 12x
	rs -2 find / -maxdepth -1
	rs -2 find / -name
	[[ $stderr == *"missing argument to '-name'"* ]]
	rs -1 find /nope /dir/empty-dir
	[ "$stderr" = 'rumpsh: find: /nope: No such file or directory' ]
	assert_output '/dir/empty-dir'
}

# same_du "ARGS": rumpsh du ARGS and du ARGS in the mount print the same lines (sorted by path).
same_du() {
	in_mnt bash -c "du $1 | sort -k2"
	local want=$output
	rs -c "du $1"
	assert_success
	[ -z "$stderr" ]
	diff -u <(printf '%s\n' "$want") <(printf '%s\n' "$output" | sort -k2)
}

@test "du of the whole tree and of subtrees equals du (KiB of allocated blocks)" {
	same_du "-s"
	same_du "-s ."
	same_du "many names modes times special"
	same_du "dir/nested"
	same_du "sparse big.bin all-hole"
}

@test "du -h and du -sh equal du" {
	same_du "-h many names times"
	same_du "-sh ."
	same_du "-sh big.bin sparse empty"
}

@test "du counts a hard-linked file once; an operand met again is not counted twice" {
	same_du "-s . dir"
	same_du "-s dir dir/nested dir"
	local tree=$BATS_TEST_TMPDIR/tree img=$BATS_TEST_TMPDIR/links.img
	mkdir -p "$tree/d"
	head -c 100000 /dev/urandom >"$tree/d/a"
	ln "$tree/d/a" "$tree/d/b"
	ln "$tree/d/a" "$tree/c"
	mk_ext "$img" "$tree"
	run_rumpsh "$img" du -s /
	local ours=${output%%$'\t'*}
	loop_mount_ro "$img" "$BATS_TEST_TMPDIR/m2"
	[ "$ours" = "$(du -s "$BATS_TEST_TMPDIR/m2" | cut -f1)" ]
	[ "$ours" -lt 200 ]
}

@test "du of a missing path: error, status 1" {
	rs -1 du /nope
	[ "$stderr" = 'rumpsh: du: /nope: No such file or directory' ]
}

@test "df -i equals df -i on the kernel's mount" {
	local want
	want=$(df -i "$MNT" | tail -1 | awk '{print $2, $3, $4, $5}')
	rs df -i
	assert_success
	assert_line --index 0 --regexp '^Filesystem +Inodes +IUsed +IFree +IUse% Mounted on$'
	[ "$(sed -n 2p <<<"$output" | awk '{print $2, $3, $4, $5}')" = "$want" ]
}

@test "df equals df on the kernel's mount (1K blocks, used, available, use%)" {
	local want
	want=$(df --output=size,used,avail,pcent "$MNT" | tail -1 | tr -s ' ' | sed 's/^ //')
	rs df
	assert_success
	assert_line --index 0 --regexp '^Filesystem +1K-blocks +Used +Available +Use% Mounted on$'
	[ "$(sed -n 2p <<<"$output" | awk '{print $2, $3, $4, $5}')" = "$want" ]
}

@test "df -h prints human sizes; df with an operand is a usage error" {
	rs df -h
	assert_success
	assert_line --index 0 --regexp '^Filesystem +Size +Used +Avail +Use% Mounted on$'
	assert_line --index 1 --regexp "^$IMG +[0-9.]+[KMG] +[0-9.]+[KMG] +[0-9.]+[KMG] +[0-9]+% /$"
	rs -2 df /x
}

@test "info prints the driver's facts (as dumpe2fs) and 'partition table: none'" {
	need_tool dumpe2fs
	rs info
	assert_success
	assert_line 'type: ext4'
	local uuid count
	uuid=$(dumpe2fs -h "$IMG" 2>/dev/null | awk -F': *' '/^Filesystem UUID/ {print $2}')
	count=$(dumpe2fs -h "$IMG" 2>/dev/null | awk -F': *' '/^Inode count/ {print $2}')
	assert_line "uuid: $uuid"
	assert_line "inodes: $count"
	assert_line 'partition table: none'
}

@test "info on a partition lists the whole disk's table" {
	need_tool sfdisk mkfs.ext4
	local disk=$BATS_TEST_TMPDIR/disk.img tree=$BATS_TEST_TMPDIR/t
	mkdir "$tree" && echo hi >"$tree/hi"
	truncate -s 24M "$disk"
	printf 'label: gpt\nstart=2048, size=8192, type=U, name="esp"\nstart=10240, size=20480, type=L, name="root"\n' |
		sfdisk -q "$disk"
	mkfs.ext4 -q -F -E offset=$((10240 * 512)) -d "$tree" "$disk" 10M
	run_rumpsh "$disk@2" info
	assert_success
	assert_line 'partition table: gpt'
	assert_line --regexp '^index +start +size +type +description +name$'
	assert_line --regexp '^1 +1048576 +4194304 +c12a7328-f81f-11d2-ba4b-00a0c93ec93b +EFI system +esp$'
	assert_line --regexp '^2 +5242880 +10485760 +0fc63daf-8483-4772-8e79-3d69d8477de4 +Linux filesystem +root$'
	run_rumpsh "$disk@2" cat /hi
	assert_output hi
	rs -2 info extra
}
