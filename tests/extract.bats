#!/usr/bin/env bats
# extract.bats: extract writes each driver's tree as archives bsdtar/7z read back, and under a host directory, as the kernel sees the image.

load archive_helper

setup() {
	need_tool bsdtar diff find stat
	T=$BATS_TEST_TMPDIR
}

# meta_of DIR: tree_meta without what a pax archive cannot carry for the root.
meta_of() { tree_meta "$1" | grep -v '^ d '; }

@test "ext4: extract -f x.tar / matches the kernel's view: data, types, modes, owners, mtimes (ns)" {
	local img
	img=$(arc_ext4)
	loop_mount_ro "$img" "$T/mnt"
	run_rumpsh "$img" extract -f "$T/x.tar" /
	assert_success
	[ -z "$output" ]
	bsdtar_x "$T/x.tar" "$T/out"
	tree_diff "$T/mnt" "$T/out"
	diff -u <(meta_of "$T/mnt") <(meta_of "$T/out")
	# names are relative, like bsdtar -C mnt -cf - .
	LC_ALL=C.UTF-8 bsdtar -tf "$T/x.tar" | head -1 | grep -qx './'
	LC_ALL=C.UTF-8 bsdtar -tf "$T/x.tar" | grep -qx './dir/nested/deeper/deepest/file.txt'
}

@test "ext4: pax keeps atime, mtime, ctime and numeric owners only; bsdtar restores them" {
	local img
	img=$(arc_ext4)
	loop_mount_ro "$img" "$T/mnt"
	run_rumpsh "$img" extract -f "$T/x.tar" /modes /times
	assert_success
	bsdtar_x "$T/x.tar" "$T/out"
	local f
	for f in modes/owned-1234-5678 modes/file-6711 times/nanos times/before-epoch times/after-2038; do
		[ "$(stat -c '%a %u %g %x %y' "$T/out/$f")" = "$(stat -c '%a %u %g %x %y' "$T/mnt/$f")" ]
	done
	# the raw pax records: ctime and atime are there, user and group names are not
	local hdr
	hdr=$(strings "$T/x.tar")
	grep -qE "ctime=$(stat -c %Z "$T/mnt/times/nanos")(\\.[0-9]+)?\$" <<<"$hdr"
	grep -qE 'atime=[0-9]+' <<<"$hdr"
	! grep -qE 'uname=|gname=' <<<"$hdr"
	LC_ALL=C.UTF-8 bsdtar -tvf "$T/x.tar" | grep -q ' 1234 *5678 '
}

@test "ext4: hard links: the second path is a link entry; after extraction one inode" {
	local img
	img=$(arc_ext4)
	run_rumpsh "$img" extract -f "$T/x.tar" /
	assert_success
	run bash -c "LC_ALL=C.UTF-8 bsdtar -tvf '$T/x.tar' | grep 'link to'"
	assert_output --partial './links/hard-a link to ./dir/hard-b'
	bsdtar_x "$T/x.tar" "$T/out"
	[ "$(stat -c %i "$T/out/links/hard-a")" = "$(stat -c %i "$T/out/dir/hard-b")" ]
	[ "$(stat -c %h "$T/out/links/hard-a")" = 2 ]
}

@test "ext4: sparse files become sparse entries (small archive, holes after extraction)" {
	local img
	img=$(arc_ext4)
	run_rumpsh "$img" extract -f "$T/x.tar" /sparse /all-hole
	assert_success
	[ "$(stat -c %s "$T/x.tar")" -lt 100000 ]
	bsdtar_x "$T/x.tar" "$T/out"
	cmp "$T/out/sparse" "$(arc_tree)/sparse"
	cmp "$T/out/all-hole" "$(arc_tree)/all-hole"
	[ "$(du -k "$T/out/sparse" | cut -f1)" -le 64 ]
	[ "$(stat -c %s "$T/out/all-hole")" = $((3 * 1024 * 1024)) ]
}

@test "ext4: extended attributes travel as SCHILY.xattr (getfattr after bsdtar --xattrs)" {
	need_tool getfattr
	local img
	img=$(arc_ext4)
	run_rumpsh "$img" extract -f "$T/x.tar" /
	assert_success
	grep -qa 'SCHILY.xattr.user.comment=hello' "$T/x.tar"
	bsdtar_x "$T/x.tar" "$T/out"
	run getfattr --absolute-names -n user.comment --only-values "$T/out/small.txt"
	assert_output hello
	run getfattr --absolute-names -n user.dirattr --only-values "$T/out/dir"
	assert_output on-a-dir
}

@test "every format and compression writes what bsdtar (7z for .7z) reads back" {
	need_tool 7z
	local img f names
	img=$(arc_ext4)
	names=$(cd "$(arc_tree)" && find dir names -type f | sort)
	for f in x.tar x.tar.gz x.tgz x.tar.bz2 x.tar.xz x.tar.zst x.zip x.cpio x.7z; do
		run_rumpsh "$img" extract -f "$T/$f" /dir /names
		assert_success
		if [[ $f == *.7z ]]; then
			rm -rf "$T/7"
			7z x -o"$T/7" "$T/$f" >/dev/null
			diff <(cd "$T/7" && find dir names -type f | sort) <(echo "$names")
			cmp "$T/7/dir/nested/deeper/deepest/file.txt" "$(arc_tree)/dir/nested/deeper/deepest/file.txt"
		else
			rm -rf "$T/o"
			bsdtar_x "$T/$f" "$T/o"
			diff <(cd "$T/o" && find dir names -type f | sort) <(echo "$names")
			tree_diff "$(arc_tree)/names" "$T/o/names"
		fi
	done
	for f in ustar gnutar cpio zip; do
		run_rumpsh "$img" extract --format "$f" -f "$T/y.$f" /dir
		assert_success
		LC_ALL=C.UTF-8 bsdtar -tf "$T/y.$f" | grep -q 'dir/nested/deeper/deepest/file.txt'
	done
	run_rumpsh "$img" extract --format pax --compress xz -f "$T/z.bin" /dir
	assert_success
	[ "$(head -c 6 "$T/z.bin" | od -An -tx1 | tr -d ' ')" = fd377a585a00 ]
}

@test "extract -f - streams the archive alone to stdout: rumpsh IMG extract -f - / | tar -tvf -" {
	local img
	img=$(arc_ext4)
	run bash -c '"$RUMPSH" "$1" extract -f - / 2>"$2/err" | tar -tvf - >"$2/list"' _ "$img" "$T"
	assert_success
	grep -q './dir/nested/deeper/deepest/file.txt' "$T/list"
	[ ! -s "$T/err" ]
	"$RUMPSH" "$img" extract -f - /dir >"$T/a.tar"
	"$RUMPSH" "$img" extract /dir >"$T/b.tar"
	cmp "$T/a.tar" "$T/b.tar"
	LC_ALL=C.UTF-8 bsdtar -tf "$T/a.tar" >/dev/null
}

@test "extract -C HOSTDIR writes the tree like tar -x: contents, modes, owners, mtimes, links, xattrs" {
	need_tool getfattr
	local img
	img=$(arc_ext4)
	loop_mount_ro "$img" "$T/mnt"
	mkdir "$T/out"
	# device nodes need rights the sandbox does not give (Landlock MAKE_CHAR/MAKE_BLOCK)
	run_rumpsh --no-sandbox "$img" extract -C "$T/out" /
	assert_success
	tree_diff "$T/mnt" "$T/out"
	diff -u <(meta_of "$T/mnt") <(meta_of "$T/out")
	[ "$(stat -c %i "$T/out/links/hard-a")" = "$(stat -c %i "$T/out/dir/hard-b")" ]
	[ "$(du -k "$T/out/sparse" | cut -f1)" -le 64 ]
	[ -p "$T/out/special/fifo" ]
	[ "$(getfattr --absolute-names -n user.comment --only-values "$T/out/small.txt")" = hello ]
	mkdir "$T/sub"
	run_rumpsh "$img" extract -C "$T/sub" /dir/nested   # sandboxed
	assert_success
	cmp "$T/sub/dir/nested/deeper/deepest/file.txt" "$T/mnt/dir/nested/deeper/deepest/file.txt"
}

@test "ffs (UFS1 and UFS2): the archive holds the tree makefs was given" {
	local img src
	src=$(arc_tree)
	for img in "$(arc_ffs)" "$(arc_ffs2)"; do
		rm -rf "$T/out"
		run_rumpsh "$img" extract -f "$T/x.tar" /
		assert_success
		bsdtar_x "$T/x.tar" "$T/out"
		tree_diff "$src" "$T/out"
		# makefs keeps whole seconds only, and UFS1 times are 32 bits
		diff -u <(meta_of "$src" | grep -v after-2038 | sed 's/\.[0-9]* / /') \
			<(meta_of "$T/out" | grep -v after-2038 | sed 's/\.[0-9]* / /')
		[ "$(stat -c %i "$T/out/links/hard-a")" = "$(stat -c %i "$T/out/dir/hard-b")" ]
	done
}

@test "fat: the archive holds what mcopy put in, names, data and mtimes" {
	local img src
	img=$(arc_fat)
	src=$(arc_fat_tree)
	run_rumpsh "$img" extract -f "$T/x.tar.gz" /
	assert_success
	bsdtar_x "$T/x.tar.gz" "$T/out"
	tree_diff "$src" "$T/out"
	diff <(cd "$src" && find . -mindepth 1 -printf '%p %y %T@\n' | sort) \
		<(cd "$T/out" && find . -mindepth 1 -printf '%p %y %T@\n' | sort)
}

@test "cd9660 (Rock Ridge): the archive holds the tree xorriso was given" {
	local img src
	img=$(arc_iso)
	src=$(arc_tree)
	run_rumpsh "$img" extract -f "$T/x.tar" /
	assert_success
	bsdtar_x "$T/x.tar" "$T/out"
	tree_diff "$src" "$T/out"
	diff <(cd "$src" && find . -mindepth 1 -printf '%p %y %m %l\n' | sort) \
		<(cd "$T/out" && find . -mindepth 1 -printf '%p %y %m %l\n' | sort)
}

@test "progress: nothing on stderr when it is not a terminal, nothing with -q on a terminal" {
	need_tool script
	local img
	img=$(arc_ext4)
	run_rumpsh "$img" extract -f "$T/x.tar" /
	assert_success
	[ -z "$stderr" ]
	run script -qec "'$RUMPSH' '$img' extract -f '$T/y.tar' /big.bin" /dev/null
	assert_success
	run script -qec "'$RUMPSH' '$img' extract -q -f '$T/z.tar' /" /dev/null
	assert_success
	[ -z "$output" ]
}

@test "usage errors: -f with -C, unknown format or compression, zip with --compress" {
	local img
	img=$(arc_ext4)
	run_rumpsh -2 "$img" extract -f "$T/x.tar" -C "$T" /
	run_rumpsh -2 "$img" extract --format rar -f "$T/x" /
	run_rumpsh -2 "$img" extract --compress lz77 -f "$T/x" /
	run_rumpsh -2 "$img" extract --compress gzip -f "$T/x.zip" /
	run_rumpsh -1 "$img" extract -f "$T/x.tar" /no/such/path
	[[ $stderr == *'No such file or directory'* ]]
}
