#!/usr/bin/env bats
# cli_get.bats: get, copying out of the image, checked against the kernel's mount of it.

load cli_helper

setup() {
	need_tool diff find stat cmp du
	cli_mount
	OUT=$BATS_TEST_TMPDIR/out
	mkdir "$OUT"
}

# attrs DIR: path, mode, owner, mtime and atime (ns) of everything under DIR but special/.
attrs() {
	(cd "$1" && find . -path ./special -prune -o -printf '%p %M %U %G %T@ %A@\n' | sort)
}

@test "get -r -p / copies the whole tree: contents, modes, owners, times (ns)" {
	rs -1 get -r -p / "$OUT"
	# devices are not copied, each reported; everything else is
	[ "$stderr" = $'rumpsh: get: /special/disk: special file not copied\nrumpsh: get: /special/null: special file not copied' ]
	diff -u <(attrs "$MNT") <(attrs "$OUT")
	diff -r --no-dereference -x special "$MNT" "$OUT"
	[ -p "$OUT/special/fifo" ]
}

@test "get -r -p of a subtree into an existing directory creates DIR/name" {
	rs get -r -p /dir "$OUT"
	assert_success
	diff -r --no-dereference "$MNT/dir" "$OUT/dir"
	[ "$(stat -c %Y "$OUT/dir/nested")" = "$(stat -c %Y "$MNT/dir/nested")" ]
	[ "$(stat -c %y "$OUT/dir/nested/deeper/deepest/file.txt")" = "$(stat -c %y "$MNT/dir/nested/deeper/deepest/file.txt")" ]
}

@test "get -r to a new name creates that directory" {
	rs get -r /dir/nested "$OUT/copy"
	assert_success
	diff -r "$MNT/dir/nested" "$OUT/copy"
}

@test "get -p keeps nanoseconds, old and pre-1970 times, setuid bits and owners" {
	rs get -p /times/nanos /times/before-epoch /modes/file-6711 /modes/owned-1234-5678 "$OUT"
	assert_success
	local f
	for f in times/nanos times/before-epoch modes/file-6711 modes/owned-1234-5678; do
		[ "$(stat -c '%a %u %g %y %x' "$OUT/${f#*/}")" = "$(stat -c '%a %u %g %y %x' "$MNT/$f")" ]
	done
}

@test "get without -p: mode from the image less the umask, no set-id bits, new times" {
	run bash -c 'umask 027; "$RUMPSH" "$1" get /modes/file-6711 /small.txt "$2"' _ "$IMG" "$OUT"
	assert_success
	[ "$(stat -c %a "$OUT/file-6711")" = 710 ]
	[ "$(stat -c %a "$OUT/small.txt")" = 640 ]
	[ "$(stat -c %Y "$OUT/small.txt")" -gt "$(stat -c %Y "$MNT/small.txt")" ]
}

@test "get of a sparse file keeps its holes" {
	rs get /sparse /all-hole "$OUT"
	assert_success
	cmp "$OUT/sparse" "$MNT/sparse"
	cmp "$OUT/all-hole" "$MNT/all-hole"
	[ "$(stat -c %s "$OUT/sparse")" -eq $((8 * 1024 * 1024)) ]
	[ "$(du -k "$OUT/sparse" | cut -f1)" -le 64 ]
	[ "$(du -k "$OUT/all-hole" | cut -f1)" -eq 0 ]
}

@test "get copies symlinks as symlinks (also dangling and absolute ones)" {
	rs get -r /links "$OUT"
	assert_success
	local l
	for l in short long dangling dir absolute; do
		[ -L "$OUT/links/$l" ]
		[ "$(readlink "$OUT/links/$l")" = "$(readlink "$MNT/links/$l")" ]
	done
	rs get /links/short "$OUT/one"
	[ "$(readlink "$OUT/one")" = ../small.txt ]
}

@test "get of files: to a new name, into a directory, several into a directory" {
	rs get /small.txt "$OUT/renamed"
	assert_success
	cmp "$OUT/renamed" "$MNT/small.txt"
	rs get /big.bin /medium.bin "/names/with space.txt" "$OUT"
	assert_success
	cmp "$OUT/big.bin" "$MNT/big.bin"
	cmp "$OUT/medium.bin" "$MNT/medium.bin"
	cmp "$OUT/with space.txt" "$MNT/names/with space.txt"
}

@test "get overwrites an existing host file like cp (and replaces a link inside a tree)" {
	head -c 100000 /dev/urandom >"$OUT/small.txt"
	rs get /small.txt "$OUT"
	assert_success
	cmp "$OUT/small.txt" "$MNT/small.txt"
	# a host symlink where the copy puts a directory is replaced, never followed
	mkdir "$BATS_TEST_TMPDIR/elsewhere"
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$OUT/dir"
	rs get -r /dir "$OUT"
	assert_success
	[ ! -L "$OUT/dir" ] && [ -d "$OUT/dir/nested" ]
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/elsewhere")" ]
	# a host symlink where the copy puts a file inside the tree: replaced too
	ln -sf "$BATS_TEST_TMPDIR/victim" "$OUT/dir/hard-b"
	rs get -r /dir "$OUT"
	[ ! -e "$BATS_TEST_TMPDIR/victim" ]
	cmp "$OUT/dir/hard-b" "$MNT/dir/hard-b"
}

@test "get errors: a directory without -r, a missing source, several sources to a non-directory" {
	rs -1 get /dir "$OUT"
	[ "$stderr" = 'rumpsh: get: /dir: is a directory (use get -r)' ]
	rs -1 get /nope "$OUT"
	[ "$stderr" = 'rumpsh: get: /nope: No such file or directory' ]
	rs -1 get /small.txt /README "$OUT/not-a-dir"
	[ "$stderr" = "rumpsh: get: $OUT/not-a-dir: Not a directory" ]
	rs -1 get /small.txt "$BATS_TEST_TMPDIR/no/such/dir/x"
	[ "$stderr" = "rumpsh: get: $BATS_TEST_TMPDIR/no/such/dir/x: No such file or directory" ]
	rs -2 get /small.txt
}

@test "get relative to the cwd, and get . copies the cwd's contents into HOSTDEST" {
	rs -c "cd /dir/nested; get -r . '$OUT'; get deeper/deepest/file.txt '$OUT/f'"
	assert_success
	[ -d "$OUT/deeper/deepest" ]
	cmp "$OUT/f" "$MNT/dir/nested/deeper/deepest/file.txt"
}

@test "get of a 64 MiB file gives the bytes 7z x gives (speed is measured by make bench)" {
	need_tool 7z
	local tree=$BATS_TEST_TMPDIR/tree img=$BATS_TEST_TMPDIR/big.img
	mkdir "$tree"
	head -c 64M /dev/urandom >"$tree/blob"
	mk_ext "$img" "$tree"
	run_rumpsh "$img" get /blob "$OUT/blob"
	assert_success
	7z x -y -o"$BATS_TEST_TMPDIR/7z" "$img" blob >/dev/null
	cmp "$OUT/blob" "$BATS_TEST_TMPDIR/7z/blob"
	cmp "$OUT/blob" "$tree/blob"
}

@test "the shell works on every driver: ls, cat and get -r on an ISO 9660 (Rock Ridge) image" {
	need_tool xorriso
	local tree=$BATS_TEST_TMPDIR/isotree iso=$BATS_TEST_TMPDIR/x.iso
	mkdir -p "$tree/sub"
	printf 'on the disc\n' >"$tree/a.txt"
	head -c 300000 /dev/urandom >"$tree/sub/blob"
	ln -s a.txt "$tree/link"
	xorriso -as mkisofs -quiet -R -J -o "$iso" "$tree" 2>/dev/null
	run_rumpsh "$iso" -c 'ls /; cat /a.txt'
	assert_success
	assert_output $'a.txt\nlink\nsub\non the disc'
	run_rumpsh "$iso" get -r / "$OUT"
	assert_success
	diff -r --no-dereference "$tree" "$OUT"
}
