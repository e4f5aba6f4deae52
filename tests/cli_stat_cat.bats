#!/usr/bin/env bats
# cli_stat_cat.bats: stat (every field against coreutils stat on the kernel's mount) and cat.

load cli_helper

setup() {
	need_tool stat cmp
	cli_mount
}

# Our layout, written by coreutils stat from the kernel's view of the same file.
STAT_FMT='  File: %n
  Size: %-10s	Blocks: %-10b IO Block: %-6o %F
Inode: %-10i  Links: %h
Access: (%04a/%A)  Uid: (%5u)   Gid: (%5g)
Access: %x
Modify: %y
Change: %z
 Birth: %w'

# stat_like_kernel PATH: our stat of PATH, less the Gen and xattr lines, equals coreutils'.
stat_like_kernel() {
	in_mnt stat -c "$STAT_FMT" "$1"
	local want=$output
	rs stat "$1"
	assert_success
	diff -u <(printf '%s\n' "$want") <(printf '%s\n' "$output" | sed '/^   Gen: /,$d')
}

@test "stat: every field equals coreutils stat (files, dirs, fifo, modes, times)" {
	local f
	for f in small.txt empty big.bin sparse all-hole dir many modes/file-6711 modes/file-0000 \
		modes/sticky-dir modes/owned-1234-5678 special/fifo times/nanos times/y1999 \
		times/epoch times/before-epoch times/after-2038 recent.txt "names/with space.txt" .; do
		stat_like_kernel "$f"
	done
}

@test "stat: nanoseconds, and the 1903 date of a post-2038 source file, as the kernel shows" {
	rs stat /times/after-2038
	assert_line --regexp '^Modify: 19[0-9][0-9]-'
	in_mnt stat -c %y times/after-2038
	local want=$output
	rs stat /times/after-2038
	assert_line "Modify: $want"
}

@test "stat of a symlink describes the link and names its target" {
	in_mnt stat -c "$STAT_FMT" links/long
	local want=$output
	rs stat links/long
	assert_success
	assert_line "  File: links/long -> ../dir/nested/deeper/deepest/a-file-name-long-enough-that-its-symlink-needs-a-block.txt"
	diff <(sed 1d <<<"$want") <(printf '%s\n' "$output" | sed '1d; /^   Gen: /,$d')
}

@test "stat of a device shows its type and numbers" {
	rs stat /special/null /special/disk
	assert_success
	assert_line --regexp '^Inode: [0-9]+ +Links: 1     Device type: 1,3$'
	assert_line --regexp '^Inode: [0-9]+ +Links: 1     Device type: 8,16$'
	assert_line --regexp '^  Size: 0 +	Blocks: 0 +IO Block: [0-9]+ +character special file$'
	assert_line --regexp 'block special file$'
}

@test "stat lists extended attributes with their values (text, escaped binary)" {
	rs stat /small.txt
	assert_success
	assert_line 'Xattrs:'
	assert_line '  user.comment="hello"'
	assert_line '  user.binary="a\042b\134c\001"'
	rs stat /empty
	refute_line 'Xattrs:'
}

@test "stat of several paths; a missing one is reported, status 1" {
	rs -1 stat /small.txt /nope /dir
	[ "$stderr" = 'rumpsh: stat: /nope: No such file or directory' ]
	assert_line '  File: /small.txt'
	assert_line '  File: /dir'
	rs -2 stat
	[[ $stderr == *'usage: stat PATH...'* ]]
}

@test "cat: files byte for byte (text, binary, sparse, empty)" {
	local f
	for f in small.txt medium.bin big.bin sparse all-hole empty one-block-plus-one "names/日本語.txt"; do
		"$RUMPSH" "$IMG" cat "/$f" | cmp - "$MNT/$f"
	done
}

@test "cat of several files concatenates them; through a symlink" {
	rs cat /small.txt /links/short /dir/hard-b
	assert_success
	assert_output $'hello, world\nhello, world\nlinked twice'
}

@test "cat of a directory or a missing file: error, status 1, the rest still printed" {
	rs -1 cat /dir /small.txt /nope
	assert_output 'hello, world'
	[ "$stderr" = $'rumpsh: cat: /dir: Is a directory\nrumpsh: cat: /nope: No such file or directory' ]
	rs -1 cat /links/dangling
	[ "$stderr" = 'rumpsh: cat: /links/dangling: No such file or directory' ]
}

@test "cat of a big file is binary-safe and complete (40 MiB of random data)" {
	need_tool head
	local tree=$BATS_TEST_TMPDIR/tree img=$BATS_TEST_TMPDIR/big.img
	mkdir "$tree"
	head -c 40M /dev/urandom >"$tree/blob"
	mk_ext "$img" "$tree"
	"$RUMPSH" "$img" cat /blob | cmp - "$tree/blob"
}
