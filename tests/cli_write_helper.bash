# cli_write_helper.bash: images and independent readers for the write-command suites (cli_write, cli_fsck, cli_session).
#
#   wr_src DIR             a host tree for put: sizes, a sparse file, symlinks, hard links, a fifo,
#                          device nodes (root), modes, times with nanoseconds
#   wr_ffs NAME            a private copy (in $BATS_TEST_TMPDIR) of a cached UFS1 image of a small tree
#   wr_fat NAME BITS       a private FAT12/16/32 image of a small tree (mkfs.fat + mcopy -s -m)
#   wr_ext NAME            a private ext4 image of a small tree
#   tsk_ino IMG PATH       The Sleuth Kit's inode number of PATH (fls -r -p -f ufs1), no leading /
#   tsk_cat IMG PATH       the file's data as icat reads it
#   tsk_list IMG           every "type path" fls sees, sorted (no $OrphanFiles)
#   tsk_istat IMG PATH     "uid / gid", mode and mtime lines of istat
#   ffs_clean IMG          our FFS checker finds nothing: status 0, no output
#   fat_clean IMG          fsck.fat -n finds nothing

load test_helper

export MTOOLS_SKIP_CHECK=1 TZ=UTC

wr_src() {
	local d=${1:?wr_src: DIR missing}
	need_tool truncate mkfifo touch dd || return 1
	mkdir -p "$d/tree/sub/deeper" "$d/tree/empty" || return 1
	(
		set -euo pipefail
		cd "$d"
		: >empty
		printf 'hello, world\n' >small.txt
		head -c 4097 /dev/urandom >odd.bin
		head -c $((3 * 1024 * 1024 + 5)) /dev/urandom >big.bin
		# data at 0 and at 6 MiB of a 12 MiB file; holes elsewhere
		printf 'start\n' >sparse
		printf 'middle\n' | dd of=sparse bs=1 seek=$((6 * 1024 * 1024)) conv=notrunc status=none
		truncate -s 12M sparse
		printf 'in the tree\n' >tree/file
		printf 'deep\n' >tree/sub/deeper/file
		ln -s file tree/link
		ln -s ../does-not-exist tree/sub/dangling
		printf 'two names\n' >tree/hard-a
		ln tree/hard-a tree/sub/hard-b
		mkfifo tree/fifo
		if [[ $(id -u) -eq 0 ]]; then
			mknod tree/cdev c 1 3
			mknod tree/bdev b 7 1
			chown 1234:5678 tree/file
		fi
		chmod 4750 tree/hard-a
		chmod 0705 tree/sub
		touch -h -d '2021-03-04 05:06:07.123456789' tree/link
		find tree -depth ! -type l -exec touch -d '2022-02-02 02:02:02.5' {} +
		touch -d '1999-12-31 23:59:59.987654321' tree/file
	)
}

_wr_base_tree() {
	local d=$1
	mkdir -p "$d/dir/nested" "$d/empty-dir"
	printf 'hello\n' >"$d/small.txt"
	head -c 70000 /dev/urandom >"$d/medium.bin"
	printf 'nested\n' >"$d/dir/nested/file"
	printf 'x\n' >"$d/dir/x"
}

_wr_ffs_build() {
	local out=$1 tree
	tree=$(mktemp -d)
	_wr_base_tree "$tree"
	makefs -t ffs -o version=1 -s 64m "$out" "$tree" >/dev/null
	rm -rf "$tree"
}

wr_ffs() {
	local src
	need_tool makefs || return 1
	src=$(fixture wr-ffs1.img _wr_ffs_build) || return 1
	cp "$src" "$BATS_TEST_TMPDIR/$1.img" && echo "$BATS_TEST_TMPDIR/$1.img"
}

wr_fat() {
	local img=$BATS_TEST_TMPDIR/$1.img bits=$2 kb=65536 tree
	need_tool mkfs.fat mcopy || return 1
	[[ $bits != 12 ]] || kb=4096
	tree=$(mktemp -d "$BATS_TEST_TMPDIR/fattree.XXXXXX")
	_wr_base_tree "$tree"
	[[ $bits != 12 ]] || head -c 7000 /dev/urandom >"$tree/medium.bin"
	rm -f "$img"
	mkfs.fat -C -F "$bits" "$img" "$kb" >/dev/null || return 1
	mcopy -s -m -i "$img" "$tree"/* ::/ || return 1
	rm -rf "$tree"
	echo "$img"
}

wr_ext() {
	local img=$BATS_TEST_TMPDIR/$1.img tree
	tree=$(mktemp -d "$BATS_TEST_TMPDIR/exttree.XXXXXX")
	_wr_base_tree "$tree"
	MK_EXT_SIZE=8M mk_ext "$img" "$tree" || return 1
	rm -rf "$tree"
	echo "$img"
}

tsk_ino() {
	need_tool fls || return 1
	fls -r -p -f ufs1 "$1" | awk -F'\t' -v p="$2" '$2 == p { split($1, a, " "); sub(/[:(].*/, "", a[2]); print a[2]; exit }'
}

tsk_cat() {
	local ino
	need_tool icat || return 1
	ino=$(tsk_ino "$1" "$2")
	if [[ -z $ino ]]; then
		echo "tsk_cat: fls does not see $2 in $1" >&2
		return 1
	fi
	icat -f ufs1 "$1" "$ino"
}

tsk_list() {
	need_tool fls || return 1
	fls -r -p -u -f ufs1 "$1" | awk -F'\t' '$2 !~ /^\$OrphanFiles/ { split($1, a, " "); print a[1], $2 }' | sort
}

tsk_istat() {
	local ino
	need_tool istat || return 1
	ino=$(tsk_ino "$1" "$2")
	[[ -n $ino ]] || { echo "tsk_istat: fls does not see $2" >&2; return 1; }
	istat -f ufs1 "$1" "$ino" | grep -E '^(uid / gid|mode|size|num of links|File Modified):'
}

ffs_clean() {
	run_rumpsh -r "$1" fsck -n
	assert_success
	assert_output ''
}

fat_clean() {
	need_tool fsck.fat || return 1
	run fsck.fat -n "$1"
	assert_success
	refute_output --partial 'Free cluster summary wrong'
}

