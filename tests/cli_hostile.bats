#!/usr/bin/env bats
# cli_hostile.bats: hostile images (directory loops, names with '/', corrupt inodes, deep trees): clear errors, status 1, no hang, nothing written outside HOSTDEST.

load cli_helper

setup() {
	need_tool debugfs mkfs.ext2 python3 timeout
	T=$BATS_TEST_TMPDIR
}

# An ext2 image whose /dir/sub/loop is a second link to /dir: a directory inside itself.
_loop_image() {
	local out=$1 tree
	tree=$(mktemp -d)
	cli_small_tree "$tree"
	mkfs.ext2 -q -F -d "$tree" "$out" 4M
	debugfs -w -R 'link /dir /dir/sub/loop' "$out" 2>/dev/null
	rm -rf "$tree"
}

# An ext2 image whose /dir holds an entry named "evil/name" (bytes patched in place).
_slash_image() {
	local out=$1 tree
	tree=$(mktemp -d)
	cli_small_tree "$tree"
	mkfs.ext2 -q -F -d "$tree" "$out" 4M
	python3 - "$out" <<-'EOF'
		import sys
		p = sys.argv[1]
		d = bytearray(open(p, 'rb').read())
		i = d.find(b'evilXname')
		assert i > 0 and d.find(b'evilXname', i + 1) < 0
		d[i + 4] = ord('/')
		open(p, 'wb').write(d)
	EOF
	rm -rf "$tree"
}

# An ext2 image with a data block pointer past the end and an inode of no file type.
_corrupt_image() {
	local out=$1 tree
	tree=$(mktemp -d)
	cli_small_tree "$tree"
	mkfs.ext2 -q -F -d "$tree" "$out" 4M
	debugfs -w -R 'sif /big.txt block[0] 4000000000' "$out" 2>/dev/null
	debugfs -w -R 'sif /dir/sub mode 0170777' "$out" 2>/dev/null
	rm -rf "$tree"
}

# A tree 300 directories deep (more than the walker's 256 levels).
_deep_image() {
	local out=$1 tree p i
	tree=$(mktemp -d)
	p=$tree
	for i in $(seq 300); do p=$p/d; done
	mkdir -p "$p"
	echo bottom >"$p/f"
	mkfs.ext4 -q -F -d "$tree" "$out" 8M
	rm -rf "$tree"
}

@test "a directory linked into itself: find, ls -R, du, get -r stop with a clear error" {
	local img
	img=$(fixture cli-loop.ext2 _loop_image)
	local cmd
	for cmd in "find /" "ls -R /" "du /" "get -r / $T/out"; do
		mkdir -p "$T/out"
		run timeout 60 "$RUMPSH" "$img" $cmd
		[ "$status" -eq 1 ]
		assert_output --partial "rumpsh: ${cmd%% *}: /dir/sub/loop: directory loop: same inode"
	done
	[ -f "$T/out/dir/sub/file" ]
}

@test "a name holding '/': refused, and get writes nothing outside HOSTDEST" {
	local img
	img=$(fixture cli-slash.ext2 _slash_image)
	run_rumpsh -1 "$img" ls /dir
	[[ $stderr == "rumpsh: ls: /dir: "*"'/'"* ]]
	mkdir -p "$T/out/evil"
	run_rumpsh -1 "$img" get -r / "$T/out"
	[ ! -e "$T/out/evil/name" ]
	[ ! -e "$T/out/dir/evil" ]
	[ "$(find "$T/out" -name 'name*' | wc -l)" -eq 0 ]
	[ -f "$T/out/small.txt" ]
	run_rumpsh -1 "$img" find /dir
	run_rumpsh -1 "$img" cat /dir/evil/name
}

@test "corrupt inodes: 'corrupt file system: <why>' and status 1, for every command" {
	local img
	img=$(fixture cli-corrupt.ext2 _corrupt_image)
	run_rumpsh -1 "$img" cat /big.txt
	[[ $stderr == "rumpsh: cat: /big.txt: corrupt file system: "*4000000000* ]]
	run_rumpsh -1 "$img" get /big.txt "$T/big.txt"
	[[ $stderr == "rumpsh: get: /big.txt: corrupt file system: "* ]]
	run_rumpsh -1 "$img" stat /dir/sub
	[[ $stderr == "rumpsh: stat: /dir/sub: corrupt file system: "*"file type"* ]]
	# a later error of the same command gives its own reason
	run_rumpsh -1 "$img" stat /dir/sub /nope
	[[ ${stderr#*$'\n'} == 'rumpsh: stat: /nope: No such file or directory' ]]
	run_rumpsh -1 "$img" ls -l /dir
	[[ $stderr == "rumpsh: ls: /dir/sub: corrupt file system: "* ]]
	assert_output --partial 'evilXname'
	run_rumpsh -1 "$img" find /
	assert_line /small.txt
	run_rumpsh -1 "$img" du -s /
	run_rumpsh -1 "$img" -c 'cat /small.txt; cat /big.txt; cat /small.txt'
	assert_output 'hello'
	# the shell stays usable after an error in a script run without stopping
	run_rumpsh "$img" cat /small.txt
	assert_output 'hello'
}

@test "a tree deeper than 256 levels: the walk stops there with an error, no crash" {
	local img
	img=$(fixture cli-deep.ext4 _deep_image)
	run_rumpsh -1 "$img" find /
	[[ $stderr == "rumpsh: find: /d/d/"*": directory tree deeper than 256 levels; not descending" ]]
	[ "${#lines[@]}" -eq 258 ]
	run_rumpsh -1 "$img" du -s /
	run_rumpsh -1 "$img" ls -R /
	run_rumpsh -1 "$img" get -r / "$T"
	[ -d "$T/d/d/d" ]
}

@test "garbage instead of an image: a clear open error, status 1" {
	head -c 4M /dev/urandom >"$T/garbage.img"
	run_rumpsh -1 "$T/garbage.img" ls /
	[[ $stderr == "rumpsh: $T/garbage.img: "?* ]]
	: >"$T/empty.img"
	run_rumpsh -1 "$T/empty.img" ls /
	[[ $stderr == "rumpsh: $T/empty.img: "?* ]]
}

# An image holding a name with a newline and an escape sequence.
_ctrl_image() {
	local out=$1 tree
	tree=$(mktemp -d)
	printf 'x\n' >"$tree/bad"$'\n'"name"$'\033'"[31m"
	mkfs.ext4 -q -F -d "$tree" "$out" 8M
	rm -rf "$tree"
}

@test "control characters in names: verbatim to a pipe, as '?' on a terminal" {
	need_tool script
	local img
	img=$(fixture cli-ctrl.ext4 _ctrl_image)
	run_rumpsh "$img" find / -name 'bad*'
	assert_success
	[ "$output" = "/bad"$'\n'"name"$'\033'"[31m" ]
	run script -qec "'$RUMPSH' '$img' ls /" /dev/null
	assert_success
	[[ $output == *'bad?name?[31m'* ]]
	[[ $output != *$'\033'* ]]
}
