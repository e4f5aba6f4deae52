# cli_helper.bash: fixtures and helpers for the shell's suites (tests/cli_*.bats), on top of test_helper.
#
#   cli_tree DIR            make_tree plus what the shell must also show: device nodes,
#                           a file changed a day ago (ls's recent-time format)
#   cli_image               the ext4 image of cli_tree (with xattrs set by debugfs), cached
#   cli_mount               loop-mount cli_image read-only on $MNT (sets IMG and MNT)
#   rs [-N|!] ARGS...       run_rumpsh [-N|!] "$IMG" ARGS...
#   in_mnt CMD...           run CMD inside $MNT, output in $output (for comparisons)

load test_helper

cli_tree() {
	local d=${1:?cli_tree: DIR missing}
	make_tree "$d" || return 1
	need_tool mknod touch || return 1
	mknod "$d/special/null" c 1 3
	mknod "$d/special/disk" b 8 16
	touch -h -d '2022-02-02 02:02:02.5' "$d/special/null" "$d/special/disk" "$d/special"
	printf 'changed a day ago\n' >"$d/recent.txt"
	touch -d "$(date -d '-1 day' '+%Y-%m-%d %H:%M:%S')" "$d/recent.txt"
	touch -d '2022-02-02 02:02:02.5' "$d"
}

_cli_build_image() {
	local out=$1 tree
	need_tool debugfs
	tree=$(mktemp -d)
	cli_tree "$tree/t"
	mk_ext "$out" "$tree/t"
	debugfs -w -R 'ea_set /small.txt user.comment hello' "$out" >/dev/null 2>&1
	printf 'a"b\\c\001' >"$tree/value"
	debugfs -w -R "ea_set -f $tree/value /small.txt user.binary" "$out" >/dev/null 2>&1
	rm -rf "$tree"
}

cli_image() {
	# the recent file's date is part of the image: rebuild it each day
	fixture "cli-ext4-$(date +%Y%m%d).img" _cli_build_image
}

cli_mount() {
	IMG=$(cli_image) || return 1
	MNT=$BATS_TEST_TMPDIR/mnt
	loop_mount_ro "$IMG" "$MNT"
}

rs() {
	local expect=()
	if [[ ${1:-} =~ ^(-[0-9]+|!)$ ]]; then
		expect=("$1")
		shift
	fi
	run_rumpsh "${expect[@]}" "$IMG" "$@"
}

in_mnt() {
	run bash -c 'cd "$1" && shift && "$@"' in_mnt "$MNT" "$@"
}

# ext2 image of a small tree, for the hostile-image suites (no checksums to defeat).
cli_small_tree() {
	local d=$1
	mkdir -p "$d/dir/sub"
	printf 'hello\n' >"$d/small.txt"
	printf 'nested\n' >"$d/dir/sub/file"
	printf 'evil\n' >"$d/dir/evilXname"
	printf 'dots\n' >"$d/dir/ZZ"
	head -c 20000 /dev/zero | tr '\0' 'x' >"$d/big.txt"
}
