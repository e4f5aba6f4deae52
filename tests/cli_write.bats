#!/usr/bin/env bats
# cli_write.bats: the write commands (put cp mv rm mkdir rmdir ln chmod chown touch truncate) on FFS and FAT, checked by The Sleuth Kit, mtools and the native checkers.

load cli_write_helper

setup() {
	need_tool makefs fls icat istat mkfs.fat mcopy mdir fsck.fat cmp sha256sum
	SRC=$BATS_TEST_TMPDIR/src
	wr_src "$SRC"
}

@test "put: files of many sizes, read back by icat, fsck clean" {
	local img s
	img=$(wr_ffs put)
	mkdir "$BATS_TEST_TMPDIR/sizes"
	for s in 0 1 511 4096 8193 65537 1048576 2500001; do
		head -c "$s" /dev/urandom >"$BATS_TEST_TMPDIR/sizes/f$s"
	done
	run_rumpsh "$img" put "$BATS_TEST_TMPDIR"/sizes/f* "$SRC/big.bin" /dir
	assert_success
	assert_output ''
	ffs_clean "$img"
	for s in 0 1 511 4096 8193 65537 1048576 2500001; do
		tsk_cat "$img" "dir/f$s" | cmp - "$BATS_TEST_TMPDIR/sizes/f$s"
	done
	tsk_cat "$img" dir/big.bin | cmp - "$SRC/big.bin"
}

@test "put -r -p: a tree with symlinks, hard links, fifo, devices, modes, owners, times" {
	local img a b
	img=$(wr_ffs putr)
	run_rumpsh "$img" put -r -p "$SRC/tree" /
	assert_success
	ffs_clean "$img"
	run tsk_list "$img"
	assert_line 'd/d tree'
	assert_line 'l/l tree/link'
	assert_line 'l/l tree/sub/dangling'
	assert_line 'p/p tree/fifo'
	assert_line 'r/r tree/sub/hard-b'
	assert_line 'd/d tree/empty'
	if [[ $(id -u) -eq 0 ]]; then
		assert_line 'c/c tree/cdev'
		assert_line 'b/b tree/bdev'
		run_rumpsh -r "$img" ls -l /tree/cdev /tree/bdev
		assert_line --regexp '^crw-r--r-- +1 0 +0 +1, +3 '
		assert_line --regexp '^brw-r--r-- +1 0 +0 +7, +1 '
	fi
	# the two names are one inode with two links
	a=$(tsk_ino "$img" tree/hard-a)
	b=$(tsk_ino "$img" tree/sub/hard-b)
	[ "$a" = "$b" ]
	run tsk_istat "$img" tree/hard-a
	assert_line 'num of links: 2'
	assert_line 'mode: rrwsr-x---'
	tsk_cat "$img" tree/sub/deeper/file | cmp - "$SRC/tree/sub/deeper/file"
	[ "$("$RUMPSH" -r "$img" cat /tree/link)" = 'in the tree' ]
	run_rumpsh -r "$img" ls -l /tree/sub/dangling
	assert_output --partial 'dangling -> ../does-not-exist'
	# mode, owner and times with nanoseconds
	run_rumpsh -r "$img" stat /tree/file /tree/sub /tree/link
	assert_output --partial 'Modify: 1999-12-31 23:59:59.987654321'
	assert_output --partial 'Modify: 2022-02-02 02:02:02.500000000'
	assert_output --partial 'Modify: 2021-03-04 05:06:07.123456789'
	assert_output --partial '(0705/drwx---r-x)'
	if [[ $(id -u) -eq 0 ]]; then
		run tsk_istat "$img" tree/file
		assert_line 'uid / gid: 1234 / 5678'
	fi
}

@test "put without -p: mode less the umask, no set-id bits, fifo refused in a tree" {
	local img
	img=$(wr_ffs putnop)
	run bash -c 'umask 027; "$RUMPSH" "$1" put -r "$2/tree" /t' _ "$img" "$SRC"
	assert_failure 1
	assert_output --partial "rumpsh: put: $SRC/tree/fifo: special file not copied (use put -p)"
	ffs_clean "$img"
	run tsk_istat "$img" t/hard-a
	assert_line 'mode: rrwxr-x---'
	run_rumpsh -r "$img" stat /t/sub
	assert_output --partial '(0700/drwx------)'
}

@test "put of a sparse file keeps it sparse (FFS) and exact (FFS and FAT)" {
	local img fat
	img=$(wr_ffs sparse)
	run_rumpsh "$img" put "$SRC/sparse" /sparse
	assert_success
	ffs_clean "$img"
	tsk_cat "$img" sparse | cmp - "$SRC/sparse"
	run_rumpsh -r "$img" du -s /sparse
	# two data blocks (and an indirect one), not 12 MiB
	[ "$(cut -f1 <<<"$output")" -le 200 ]
	fat=$(wr_fat sparse 32)
	run_rumpsh "$fat" put "$SRC/sparse" /sparse
	assert_success
	fat_clean "$fat"
	mcopy -i "$fat" ::/sparse - | cmp - "$SRC/sparse"
}

@test "put: into a directory, to a new name, over a file; errors" {
	local img
	img=$(wr_ffs putdest)
	run_rumpsh "$img" -c "put $SRC/small.txt /dir; put $SRC/odd.bin /renamed; put $SRC/odd.bin /small.txt"
	assert_success
	tsk_cat "$img" dir/small.txt | cmp - "$SRC/small.txt"
	tsk_cat "$img" renamed | cmp - "$SRC/odd.bin"
	tsk_cat "$img" small.txt | cmp - "$SRC/odd.bin"
	run_rumpsh -1 "$img" put "$SRC/small.txt" "$SRC/odd.bin" /medium.bin
	assert_equal "$stderr" 'rumpsh: put: /medium.bin: Not a directory'
	run_rumpsh -1 "$img" put "$SRC/small.txt" /no/such/dir
	assert_equal "$stderr" 'rumpsh: put: /no/such/dir: No such file or directory'
	run_rumpsh -1 "$img" put "$SRC/tree" /t
	assert_equal "$stderr" "rumpsh: put: $SRC/tree: is a directory (use put -r)"
	run_rumpsh -1 "$img" put "$SRC/tree" /dir
	run_rumpsh -1 "$img" put "$SRC/nope" /dir
	assert_equal "$stderr" "rumpsh: put: $SRC/nope: No such file or directory"
	run_rumpsh -2 "$img" put /dir
	assert_equal "$stderr" $'rumpsh: put: missing destination\nusage: put [-rp] HOSTSRC... DEST'
	ffs_clean "$img"
}

@test "cp: files, -r trees with links kept, -p times, never into itself" {
	local img a b
	img=$(wr_ffs cp)
	run_rumpsh "$img" put -r -p "$SRC/tree" /
	assert_success
	run_rumpsh "$img" -c 'cp /small.txt /copy.txt; cp /small.txt /medium.bin /dir/nested; cp -r -p /tree /tree2'
	assert_success
	ffs_clean "$img"
	tsk_cat "$img" copy.txt | cmp - <(tsk_cat "$img" small.txt)
	tsk_cat "$img" dir/nested/medium.bin | cmp - <(tsk_cat "$img" medium.bin)
	tsk_cat "$img" tree2/sub/deeper/file | cmp - "$SRC/tree/sub/deeper/file"
	diff <(tsk_list "$img" | grep ' tree/' | sed 's| tree/| |') <(tsk_list "$img" | grep ' tree2/' | sed 's| tree2/| |')
	a=$(tsk_ino "$img" tree2/hard-a)
	b=$(tsk_ino "$img" tree2/sub/hard-b)
	[ "$a" = "$b" ]
	[ "$a" != "$(tsk_ino "$img" tree/hard-a)" ]
	run_rumpsh -r "$img" stat /tree2/file
	assert_output --partial 'Modify: 1999-12-31 23:59:59.987654321'
	run_rumpsh -1 "$img" cp -r /dir /dir/nested
	assert_equal "$stderr" "rumpsh: cp: /dir: cannot copy a directory into itself, '/dir/nested/dir'"
	run_rumpsh -1 "$img" cp /dir /d2
	assert_equal "$stderr" 'rumpsh: cp: /dir: is a directory (use cp -r)'
	run_rumpsh -1 "$img" cp /small.txt /small.txt
	assert_equal "$stderr" "rumpsh: cp: /small.txt: '/small.txt' and '/small.txt' are the same file"
	[ "$("$RUMPSH" -r "$img" cat /small.txt)" = hello ]
	ffs_clean "$img"
}

@test "mv: rename, over an existing file, across directories, into a directory" {
	local img ino
	img=$(wr_ffs mv)
	ino=$(tsk_ino "$img" medium.bin)
	run_rumpsh "$img" -c 'mv /medium.bin /m; mv /m /dir/nested/file; mv /small.txt /dir/x /empty-dir; mv /dir/nested /nested2'
	assert_success
	ffs_clean "$img"
	run tsk_list "$img"
	assert_output $'d/d dir\nd/d empty-dir\nd/d nested2\nr/r empty-dir/small.txt\nr/r empty-dir/x\nr/r nested2/file'
	[ "$(tsk_ino "$img" nested2/file)" = "$ino" ]
	run_rumpsh -1 "$img" mv /nope /x
	assert_equal "$stderr" 'rumpsh: mv: /nope: No such file or directory'
	run_rumpsh -1 "$img" mv /nested2 /empty-dir/x
	assert_equal "$stderr" 'rumpsh: mv: /empty-dir/x: Not a directory'
	run_rumpsh "$img" -c 'mkdir /full; mkdir /full/dir; mkdir /full/dir/sub; mkdir /dir/a; mkdir /nested2/x'
	assert_success
	run_rumpsh -1 "$img" mv /dir /full
	assert_equal "$stderr" 'rumpsh: mv: /full/dir: Directory not empty'
	run_rumpsh -1 "$img" mv /empty-dir/x /nested2
	assert_equal "$stderr" 'rumpsh: mv: /nested2/x: Is a directory'
	run_rumpsh -1 "$img" mv /dir /dir/a
	assert_equal "$stderr" 'rumpsh: mv: /dir/a/dir: Invalid argument'
	ffs_clean "$img"
}

@test "rm, rm -r (depth first), rm -f; rm refuses / and directories without -r" {
	local img
	img=$(wr_ffs rm)
	run_rumpsh "$img" put -r -p "$SRC/tree" /
	run_rumpsh "$img" -c 'rm /small.txt /tree/link; rm -r /tree /dir; rm -f /nope; rm -f'
	assert_success
	ffs_clean "$img"
	run tsk_list "$img"
	assert_output $'d/d empty-dir\nr/r medium.bin'
	run_rumpsh -1 "$img" rm /empty-dir
	assert_equal "$stderr" 'rumpsh: rm: /empty-dir: Is a directory'
	run_rumpsh -1 "$img" rm /nope
	assert_equal "$stderr" 'rumpsh: rm: /nope: No such file or directory'
	run_rumpsh -1 "$img" rm -r /
	assert_equal "$stderr" 'rumpsh: rm: /: refusing to remove the root directory'
	run_rumpsh -1 "$img" rm -rf .
	assert_equal "$stderr" "rumpsh: rm: .: refusing to remove '.' or '..'"
	run_rumpsh -2 "$img" rm
	ffs_clean "$img"
}

@test "mkdir, mkdir -p -m, rmdir; EEXIST, ENOENT, ENOTDIR, ENOTEMPTY, ENAMETOOLONG" {
	local img long
	img=$(wr_ffs mkdir)
	long=$(printf 'n%.0s' {1..256})
	run bash -c 'umask 022; "$RUMPSH" "$1" -c "mkdir /a /b; mkdir -p /a/x/y/z; mkdir -m 1770 /s; mkdir -p -m u=rwx,g=rx,o= /p/q; mkdir -p /a/x; rmdir /b"' _ "$img"
	assert_success
	ffs_clean "$img"
	run tsk_list "$img"
	assert_line 'd/d a/x/y/z'
	assert_line 'd/d p/q'
	refute_line 'd/d b'
	run_rumpsh -r "$img" stat /s /p/q /a /p
	assert_output --partial '(1770/drwxrwx--T)'
	assert_output --partial '(0750/drwxr-x---)'
	assert_output --partial '(0755/drwxr-xr-x)'
	run_rumpsh -1 "$img" mkdir /a
	assert_equal "$stderr" 'rumpsh: mkdir: /a: File exists'
	run_rumpsh -1 "$img" mkdir /no/such
	assert_equal "$stderr" 'rumpsh: mkdir: /no/such: No such file or directory'
	run_rumpsh -1 "$img" mkdir /small.txt/x
	assert_equal "$stderr" 'rumpsh: mkdir: /small.txt/x: Not a directory'
	run_rumpsh -1 "$img" mkdir -p /small.txt/x
	assert_equal "$stderr" 'rumpsh: mkdir: /small.txt: Not a directory'
	run_rumpsh -1 "$img" mkdir "/$long"
	assert_equal "$stderr" "rumpsh: mkdir: /$long: File name too long"
	run_rumpsh -1 "$img" put "$SRC/small.txt" "/dir/$long"
	assert_equal "$stderr" "rumpsh: put: /dir/$long: File name too long"
	run_rumpsh -1 "$img" rmdir /a
	assert_equal "$stderr" 'rumpsh: rmdir: /a: Directory not empty'
	run_rumpsh -1 "$img" rmdir /small.txt
	assert_equal "$stderr" 'rumpsh: rmdir: /small.txt: Not a directory'
	run_rumpsh -2 "$img" mkdir -m 999 /bad
	assert_equal "$stderr" $'rumpsh: mkdir: invalid mode \'999\'\nusage: mkdir [-p] [-m MODE] DIR...'
	ffs_clean "$img"
}

@test "ln and ln -s (short and long targets, into a directory); errors" {
	local img long
	img=$(wr_ffs ln)
	long=$(printf 'target-%.0s' {1..40})
	run_rumpsh "$img" -c "ln /small.txt /hard; ln -s small.txt /sym; ln -s $long /dir/long; ln /medium.bin /dir"
	assert_success
	ffs_clean "$img"
	[ "$(tsk_ino "$img" hard)" = "$(tsk_ino "$img" small.txt)" ]
	[ "$(tsk_ino "$img" dir/medium.bin)" = "$(tsk_ino "$img" medium.bin)" ]
	run tsk_list "$img"
	assert_line 'l/l sym'
	assert_line 'l/l dir/long'
	run_rumpsh -r "$img" ls -l /sym /dir/long
	assert_output --partial "sym -> small.txt"
	assert_output --partial "long -> $long"
	run_rumpsh -1 "$img" ln /dir /dirlink
	assert_equal "$stderr" 'rumpsh: ln: /dir: hard link not allowed for directory'
	run_rumpsh -1 "$img" ln -s x /hard
	assert_equal "$stderr" 'rumpsh: ln: /hard: File exists'
	run_rumpsh -1 "$img" ln /nope /x
	assert_equal "$stderr" 'rumpsh: ln: /nope: No such file or directory'
	ffs_clean "$img"
}

@test "chmod (octal and symbolic), chown (numbers, -h)" {
	local img
	img=$(wr_ffs chmod)
	run_rumpsh "$img" -c 'ln -s small.txt /sym; chmod 4751 /medium.bin; chmod u-x,go+w,a+r /small.txt; chmod a=rX /dir; chown 1234:5678 /medium.bin; chown 42 /sym; chown -h 7:8 /sym; chown :99 /dir'
	assert_success
	ffs_clean "$img"
	run tsk_istat "$img" medium.bin
	assert_line 'mode: rrwsr-x--x'
	assert_line 'uid / gid: 1234 / 5678'
	run tsk_istat "$img" small.txt
	assert_line 'mode: rrw-rw-rw-'
	assert_line 'uid / gid: 42 / 0'
	run tsk_istat "$img" sym
	assert_line 'uid / gid: 7 / 8'
	run tsk_istat "$img" dir
	assert_line 'mode: dr-xr-xr-x'
	assert_line 'uid / gid: 0 / 99'
	run_rumpsh -2 "$img" chmod u+q /small.txt
	assert_equal "$stderr" $'rumpsh: chmod: invalid mode \'u+q\'\nusage: chmod MODE PATH...'
	run_rumpsh -1 "$img" chmod 644 /nope
	assert_equal "$stderr" 'rumpsh: chmod: /nope: No such file or directory'
	run_rumpsh -2 "$img" chown nosuchuser-xyz /small.txt
	ffs_clean "$img"
}

@test "touch: create, -d with nanoseconds and before 1970, -t, -a, -m, -c, -r" {
	local img
	img=$(wr_ffs touch)
	run_rumpsh "$img" -c "touch /new; touch -d '2021-03-04 05:06:07.123456789' /small.txt; touch -m -d @1600000000.5 /medium.bin; touch -a -d '1969-07-20 20:17:40' /medium.bin; touch -t 200102030405.06 /dir; touch -c /not-created; touch -r /small.txt /dir/x"
	assert_success
	ffs_clean "$img"
	run tsk_list "$img"
	assert_line 'r/r new'
	refute_line --partial 'not-created'
	run tsk_istat "$img" new
	assert_line 'size: 0'
	run_rumpsh -r "$img" stat /small.txt /medium.bin /dir /dir/x
	assert_output --partial 'Access: 2021-03-04 05:06:07.123456789'
	assert_output --partial 'Modify: 2021-03-04 05:06:07.123456789'
	assert_output --partial 'Modify: 2020-09-13 12:26:40.500000000'
	assert_output --partial 'Access: 1969-07-20 20:17:40.000000000'
	assert_output --partial 'Modify: 2001-02-03 04:05:06.000000000'
	[ "$(grep -c 'Modify: 2021-03-04 05:06:07.123456789' <<<"$output")" -eq 2 ]
	run tsk_istat "$img" medium.bin
	assert_line 'File Modified:	2020-09-13 12:26:40 (UTC)'
	run_rumpsh -2 "$img" touch -d 'not a date' /x
	assert_equal "$stderr" $'rumpsh: touch: invalid date format \'not a date\'\nusage: touch [-acm] [-d DATE|-t STAMP|-r FILE] PATH...'
	run_rumpsh -1 "$img" touch /no/such
	assert_equal "$stderr" 'rumpsh: touch: /no/such: No such file or directory'
}

@test "truncate: shrink, grow sparse, relative sizes, create" {
	local img
	img=$(wr_ffs truncate)
	run_rumpsh "$img" put "$SRC/big.bin" /b
	run_rumpsh "$img" -c 'truncate -s 1000 /b; truncate -s +2K /b; truncate -s 30M /grown; truncate -s -10 /small.txt'
	assert_success
	ffs_clean "$img"
	tsk_cat "$img" b | cmp - <(head -c 1000 "$SRC/big.bin"; head -c 2048 /dev/zero)
	tsk_cat "$img" grown | cmp - <(head -c $((30 * 1024 * 1024)) /dev/zero)
	run tsk_istat "$img" small.txt
	assert_line 'size: 0'
	run_rumpsh -r "$img" du -s /grown
	[ "$(cut -f1 <<<"$output")" -le 64 ]
	run_rumpsh -1 "$img" truncate -s 1 /dir
	assert_equal "$stderr" 'rumpsh: truncate: /dir: Is a directory'
	run_rumpsh -2 "$img" truncate /small.txt
	assert_equal "$stderr" $'rumpsh: truncate: you must specify a size with -s\nusage: truncate [-c] -s [+-]SIZE[K|M|G|T] PATH...'
}

@test "FAT: every write command, as mtools sees it, fsck.fat clean" {
	local bits img
	for bits in 12 16 32; do
		img=$(wr_fat fat$bits "$bits")
		run_rumpsh "$img" -c "put $SRC/small.txt $SRC/odd.bin /dir; mkdir -p /a/b/c; mv /dir/x /a/b/moved; cp -r /dir /dir2; rm /dir/nested/file; rmdir /dir/nested; rm -r /empty-dir; touch -d '2020-01-02 03:04:06' /a/new.txt; truncate -s 5000 /medium.bin; mkdir /a/b/c/d; put $SRC/big.bin /a; chmod 444 /a/big.bin"
		assert_success
		# symlinks, fifos and devices cannot be on FAT: each is reported; hard links become copies
		run_rumpsh -1 "$img" put -r "$SRC/tree" /t
		[[ $stderr == *"rumpsh: put: /t/link: Operation not supported"* ]]
		[[ $stderr == *"rumpsh: put: $SRC/tree/fifo: special file not copied (use put -p)"* ]]
		fat_clean "$img"
		mcopy -i "$img" ::/dir/odd.bin - | cmp - "$SRC/odd.bin"
		mcopy -i "$img" ::/a/big.bin - | cmp - "$SRC/big.bin"
		mcopy -i "$img" ::/t/sub/hard-b - | cmp - "$SRC/tree/hard-a"
		mcopy -i "$img" ::/dir2/small.txt - | cmp - "$SRC/small.txt"
		[ "$(mcopy -i "$img" ::/medium.bin - | wc -c)" -eq 5000 ]
		run mdir -i "$img" -b ::/a/b
		assert_line '::/a/b/c/'
		assert_line '::/a/b/moved'
		run mdir -i "$img" ::/a
		assert_output --regexp 'new +txt +0 2020-01-02 +3:04'
		run mdir -i "$img" -b ::/
		refute_line '::/empty-dir/'
		run mattrib -i "$img" ::/a/big.bin
		assert_output --regexp ' R +::/a/big.bin$'
	done
}
