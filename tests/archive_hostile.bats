#!/usr/bin/env bats
# archive_hostile.bats: hostile archives (absolute and .. names, symlink tricks, bad hard links, lying sizes) and hostile images (extract -C) cannot escape DEST or HOSTDIR.

load archive_helper

setup() {
	need_tool python3 debugfs mkfs.ext2
	T=$BATS_TEST_TMPDIR
	IMG=$(empty_ffs e.img)
	run_rumpsh "$IMG" mkdir /dest /outside
	assert_success
}

# names_in IMG: every path in the image.
names_in() { "$RUMPSH" "$1" find / | sort; }

fsck_clean() {
	run_rumpsh "$IMG" fsck -n
	assert_success
}

@test "absolute names are stripped of their leading '/' and land below DEST" {
	mk_tar "$T/t.tar" "add('/abs.txt', b'abs'); add('//etc/evil', b'evil')"
	run_rumpsh "$IMG" import "$T/t.tar" /dest
	assert_success
	[[ $stderr == *"removing leading '/'"* ]]
	run_rumpsh "$IMG" cat /dest/abs.txt /dest/etc/evil
	assert_output 'absevil'
	[ "$(names_in "$IMG")" = "$(printf '/\n/dest\n/dest/abs.txt\n/dest/etc\n/dest/etc/evil\n/outside')" ]
	fsck_clean
}

@test "names holding '..' are refused; nothing is made outside DEST" {
	mk_tar "$T/t.tar" "add('../outside/x', b'x'); add('a/../../y', b'y'); add('ok', b'ok'); add('..', type=tarfile.DIRTYPE)"
	run_rumpsh -1 "$IMG" import "$T/t.tar" /dest
	[[ $stderr == *"../outside/x: name holds '..'; skipped"* ]]
	[[ $stderr == *"a/../../y: name holds '..'; skipped"* ]]
	[ "$(names_in "$IMG")" = "$(printf '/\n/dest\n/dest/ok\n/outside')" ]
	fsck_clean
}

@test "a symlink, then a member through it: refused, the link is never followed" {
	mk_tar "$T/t.tar" "add('esc', type=tarfile.SYMTYPE, link='../outside'); add('esc/pwned', b'p'); add('abs', type=tarfile.SYMTYPE, link='/'); add('abs/outside/pwned2', b'p')"
	run_rumpsh -1 "$IMG" import "$T/t.tar" /dest
	[[ $stderr == *'esc/pwned: a directory in the name is a symbolic link; not followed, skipped'* ]]
	run_rumpsh "$IMG" find /outside
	assert_output /outside
	fsck_clean
}

@test "a symlink, then a file of the same name: the link is replaced, not written through" {
	run_rumpsh "$IMG" put /dev/null /outside/target
	mk_tar "$T/t.tar" "add('f', type=tarfile.SYMTYPE, link='../outside/target'); add('f', b'new data')"
	run_rumpsh "$IMG" import "$T/t.tar" /dest
	assert_success
	run_rumpsh "$IMG" cat /outside/target
	assert_output ''
	run_rumpsh "$IMG" cat /dest/f
	assert_output 'new data'
	fsck_clean
}

@test "hard links to names outside DEST, to members not yet seen, to directories: refused" {
	run_rumpsh "$IMG" put /dev/null /outside/secret
	mk_tar "$T/t.tar" "add('l1', type=tarfile.LNKTYPE, link='../outside/secret'); add('l2', type=tarfile.LNKTYPE, link='later'); add('later', b'x'); add('d', type=tarfile.DIRTYPE); add('l3', type=tarfile.LNKTYPE, link='d'); add('l4', type=tarfile.LNKTYPE, link='l4'); add('ok', type=tarfile.LNKTYPE, link='later')"
	run_rumpsh -1 "$IMG" import "$T/t.tar" /dest
	[[ $stderr == *"l1: name holds '..'"* || $stderr == *"../outside/secret: name holds '..'"* ]]
	[[ $stderr == *"l2: hard link to 'later', which is not in DEST (yet)"* ]]
	[[ $stderr == *'l3: Operation not permitted'* ]]
	[[ $stderr == *"l4: hard link to 'l4'"* ]]
	run_rumpsh "$IMG" stat /dest/ok
	assert_output --partial 'Links: 2'
	run_rumpsh "$IMG" stat /outside/secret
	assert_output --partial 'Links: 1'
	fsck_clean
}

@test "a member claiming 1 GiB with 10 bytes of data: an error, the image stays consistent" {
	mk_tar "$T/t.tar" "ti = tarfile.TarInfo('huge'); ti.size = 1 << 30; t.fileobj.write(ti.tobuf(tarfile.GNU_FORMAT)); t.fileobj.write(b'0123456789'); t.offset += 512 + 512"
	run_rumpsh -1 "$IMG" import "$T/t.tar" /dest
	[[ $stderr == *'huge'* ]]
	run_rumpsh "$IMG" stat /dest/huge
	local size
	size=$(awk '/Size:/ { print $2 }' <<<"$output")
	[ "${size:-0}" -le 1048576 ]
	fsck_clean
	run_rumpsh "$IMG" df
	assert_success
}

@test "a truncated or garbage archive: a clear error, nothing half-made beyond what arrived" {
	head -c 700 /dev/urandom >"$T/junk.tar"
	run_rumpsh -1 "$IMG" import "$T/junk.tar" /dest
	[[ -n $stderr ]]
	fsck_clean
}

# An ext2 image (no checksums to defeat) with /esc a symlink to VICTIM and /escZ a
# directory holding pwned, then "escZ" patched to "esc" (name_len 4 -> 3), "evilXname"
# to "evil/name", and "ZZ" to "..".
_hostile_names_image() {
	local out=$1 victim=$2 tree
	tree=$(mktemp -d)
	cli_small_tree_here "$tree"
	ln -s "$victim" "$tree/esc"
	mkdir "$tree/escZ"
	printf 'pwned\n' >"$tree/escZ/pwned"
	mkfs.ext2 -q -F -d "$tree" "$out" 4M
	python3 - "$out" <<-'EOF'
		import sys
		p = sys.argv[1]
		d = bytearray(open(p, 'rb').read())
		i = d.find(b'escZ')
		assert i > 0 and d.find(b'escZ', i + 1) < 0 and d[i - 2] == 4
		d[i - 2] = 3
		d[i + 3] = 0
		i = d.find(b'evilXname')
		d[i + 4] = ord('/')
		i = d.find(b'\x02\x01ZZ')
		assert i > 0
		d[i + 2:i + 4] = b'..'
		open(p, 'wb').write(d)
	EOF
	rm -rf "$tree"
}

cli_small_tree_here() {
	local d=$1
	mkdir -p "$d/dir/sub"
	printf 'hello\n' >"$d/small.txt"
	printf 'nested\n' >"$d/dir/sub/file"
	printf 'evil\n' >"$d/dir/evilXname"
	printf 'dots\n' >"$d/dir/ZZ"
}

@test "extract -C of a hostile image (a/b names, '..' entries, symlink then same-name dir) stays in HOSTDIR" {
	mkdir -p "$T/victim" "$T/out"
	_hostile_names_image "$T/h.img" "$T/victim"
	run_rumpsh -1 "$T/h.img" extract -C "$T/out" /
	# the driver (or the walker) refuses the name with a '/'
	[[ $stderr == *"'/'"* || $stderr == *"invalid name 'evil/name'"* ]]
	[ -z "$(ls -A "$T/victim")" ]
	[ ! -e "$T/name" ] && [ ! -e "$T/out/dir/evil" ]
	[ "$(cat "$T/out/small.txt")" = hello ]
	# whatever became of the two "esc" entries, it is inside HOSTDIR
	[ -e "$T/out/esc" ] || [ -L "$T/out/esc" ]
	run find "$T" -name pwned -not -path "$T/out/*"
	assert_output ''
	run_rumpsh -1 "$T/h.img" extract -f "$T/h.tar" /
	! LC_ALL=C.UTF-8 bsdtar -tf "$T/h.tar" | grep -q -e 'evil/name' -e '\.\./'
}
