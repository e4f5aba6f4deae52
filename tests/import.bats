#!/usr/bin/env bats
# import.bats: import writes archives into empty FFS and FAT images; the native checkers stay clean and independent readers see the tree.

load archive_helper

setup() {
	need_tool bsdtar diff find
	T=$BATS_TEST_TMPDIR
}

# pax_of TREE OUT: bsdtar's pax archive of TREE (names ./...), xattrs included.
pax_of() { LC_ALL=C.UTF-8 bsdtar --format pax --xattrs -cf "$2" -C "$1" .; }

@test "ffs: a pax archive of the tree, imported, reads back exactly (rumpsh extract, fsck clean)" {
	local img src
	src=$(arc_tree)
	img=$(empty_ffs e.img)
	pax_of "$src" "$T/t.tar"
	run_rumpsh "$img" import "$T/t.tar"
	assert_success
	run_rumpsh "$img" fsck -n
	assert_success
	run_rumpsh "$img" extract -f "$T/back.tar" /
	assert_success
	bsdtar_x "$T/back.tar" "$T/out"
	tree_diff "$src" "$T/out"
	# times with nanoseconds made it through setattr and back (UFS1 times are 32 bits)
	diff -u <(tree_meta "$src" | grep -v -e after-2038 -e '^ d ') \
		<(tree_meta "$T/out" | grep -v -e after-2038 -e '^ d ')
	[ "$(stat -c %i "$T/out/links/hard-a")" = "$(stat -c %i "$T/out/dir/hard-b")" ]
}

@test "ffs: The Sleuth Kit (fls, icat) sees the imported files" {
	need_tool fls icat
	local img src ino
	src=$(arc_tree)
	img=$(empty_ffs e.img)
	pax_of "$src" "$T/t.tar"
	run_rumpsh "$img" import "$T/t.tar"
	assert_success
	run fls -r -p -f ufs1 "$img"
	assert_output --partial 'dir/nested/deeper/deepest/file.txt'
	assert_output --partial 'links/short'
	ino=$(fls -r -p -f ufs1 "$img" | awk -F'[ :\t]+' '$NF == "big.bin" { print $2 }')
	icat -f ufs1 "$img" "$ino" | cmp - "$src/big.bin"
	ino=$(fls -r -p -f ufs1 "$img" | awk -F'[ :\t]+' '$NF == "dir/hard-b" { print $2 }')
	[ "$(fls -r -p -f ufs1 "$img" | awk -F'[ :\t]+' '$NF == "links/hard-a" { print $2 }')" = "$ino" ]
}

@test "ffs: holes, devices, fifos, symlinks and hard links are made as such" {
	local img src
	src=$(arc_tree)
	img=$(empty_ffs e.img)
	pax_of "$src" "$T/t.tar"
	run_rumpsh "$img" import -q "$T/t.tar" /
	assert_success
	run_rumpsh "$img" stat /sparse /links/short /special/fifo /dir/hard-b
	assert_output --regexp 'Links: 2'
	assert_output --partial 'symbolic link'
	[[ $(run_rumpsh "$img" stat /sparse; echo "$output" | awk '/Blocks:/ { print $4 }') -lt 1000 ]]
	if [[ $(id -u) -eq 0 ]]; then
		run_rumpsh "$img" stat /special/null
		assert_output --partial 'character'
	fi
}

@test "fat: import, fsck.fat clean, mtools sees the names, data and mtimes" {
	need_tool fsck.fat mcopy
	local img src
	src=$(arc_fat_tree)
	img=$(empty_fat f.img)
	pax_of "$src" "$T/t.tar"
	run_rumpsh "$img" import "$T/t.tar"
	assert_success
	run fsck.fat -n "$img"
	assert_success
	mkdir "$T/out"
	LC_ALL=C.UTF-8 mcopy -s -m -i "$img" ::/ "$T/out/"
	tree_diff "$src" "$T/out"
	diff <(cd "$src" && find . -mindepth 1 -type f -printf '%p %T@\n' | sort) \
		<(cd "$T/out" && find . -mindepth 1 -type f -printf '%p %T@\n' | sort)
}

@test "fat: what FAT cannot hold is reported; hard links become copies" {
	need_tool fsck.fat
	local img src
	src=$(arc_tree)
	img=$(empty_fat f.img)
	pax_of "$src" "$T/t.tar"
	run_rumpsh -1 "$img" import "$T/t.tar"
	[[ $stderr == *'links/short: Operation not supported'* ]]
	[[ $stderr == *'note: hard links stored as copies'* ]]
	[[ $stderr == *'note: owners not kept'* ]]
	run fsck.fat -n "$img"
	assert_success
	run_rumpsh "$img" cat /links/hard-a
	assert_output 'linked twice'
}

@test "ext4: import round trip: e2fsck clean, the kernel sees the entries" {
	need_tool e2fsck mke2fs
	local img
	img=$(arc_copy "$(arc_ext4)")
	mk_tar "$T/t.tar" "add('hello.txt', b'hello\\n')"
	run_rumpsh "$img" import "$T/t.tar"
	assert_success
	run e2fsck -fn "$img"
	assert_success
	run_rumpsh "$img" cat /hello.txt
	assert_output 'hello'
	loop_mount_ro "$img" "$T/kern"
	[ "$(cat "$T/kern/hello.txt")" = hello ]
}

@test "import from stdin, compressed, cpio and zip, into a DEST directory" {
	local img src f
	src=$(arc_fat_tree)
	img=$(empty_ffs e.img)
	run_rumpsh "$img" mkdir /a /b /c
	assert_success
	(cd "$src" && LC_ALL=C.UTF-8 bsdtar -czf "$T/t.tgz" dir names)
	(cd "$src" && find dir names | LC_ALL=C.UTF-8 bsdtar -n --format newc -cf "$T/t.cpio" -T -)
	(cd "$src" && LC_ALL=C.UTF-8 bsdtar --format zip -cf "$T/t.zip" dir names)
	run bash -c '"$RUMPSH" "$1" import - /a <"$2"' _ "$img" "$T/t.tgz"
	assert_success
	run_rumpsh "$img" import "$T/t.cpio" /b
	assert_success
	run_rumpsh "$img" import "$T/t.zip" /c
	assert_success
	run_rumpsh "$img" fsck -n
	assert_success
	for f in a b c; do
		rm -rf "$T/o"
		run_rumpsh "$img" extract -C "$T" /$f
		assert_success
		tree_diff "$src/dir" "$T/$f/dir"
		tree_diff "$src/names" "$T/$f/names"
	done
}

@test "import needs a writable session: -r refuses, a read-only driver refuses" {
	local img
	img=$(empty_ffs e.img)
	mk_tar "$T/t.tar" "add('x', b'x')"
	run_rumpsh -1 -r "$img" import "$T/t.tar"
	run_rumpsh -1 "$(arc_iso)" import "$T/t.tar"
	[[ $stderr == *'read-only'* ]]
}
