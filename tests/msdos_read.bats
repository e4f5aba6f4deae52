#!/usr/bin/env bats
# msdos_read.bats: the FAT driver read side: FAT12/16/32 images from mkfs.fat + mcopy, compared with the tree and mtools.

load test_helper
load msdos_helper

setup_file() {
	export TREE=$BATS_FILE_TMPDIR/tree
	fat_tree "$TREE"
}

# check_tree BITS KB MKFS-ARGS...: rumpsh's get -r of the whole image equals the tree.
check_tree() {
	local img=$BATS_TEST_TMPDIR/t.img out=$BATS_TEST_TMPDIR/out
	mk_fat "$img" "$@" "$TREE" 2>/dev/null || mk_fat "$img" "$1" "$2" "$TREE" "${@:3}"
	mkdir -p "$out"
	run_rumpsh "$img" get -r / "$out/"
	assert_success
	run diff -r "$TREE" "$out"
	assert_success
}

@test "tools: mkfs.fat, mcopy, mdir" {
	need_tool mkfs.fat mcopy mdir
}

@test "FAT12, 512-byte sectors: get -r equals the tree" {
	check_tree 12 2000 -S 512 -s 1
}

@test "FAT12, 4096-byte sectors, 2 sectors per cluster" {
	check_tree 12 20000 -S 4096 -s 2
}

@test "FAT16, 2048-byte sectors, 8 sectors per cluster" {
	check_tree 16 100000 -S 2048 -s 8
}

@test "FAT32, 512-byte sectors, 1 sector per cluster" {
	check_tree 32 70000 -S 512 -s 1
}

@test "FAT32, 4096-byte sectors, 8 KiB clusters" {
	# (mtools cannot write a FAT32 of fewer than 65525 clusters)
	check_tree 32 600000 -S 4096 -s 2
}

@test "names: ls shows what mdir shows (long names, 8.3 case flags, UTF-8)" {
	local img=$BATS_TEST_TMPDIR/n.img
	mk_fat "$img" 16 20000 "$TREE"
	run_rumpsh "$img" ls /
	assert_success
	local ours=$output
	run bash -c "LC_ALL=C.UTF-8 mdir -b -i '$img' ::/ | sed 's|^::/||; s|/$||' | LC_ALL=C sort"
	assert_success
	assert_equal "$ours" "$output"
	assert_line --partial 'Mixed.Txt'
	assert_line 'lower.txt'
	assert_line 'UPPER.TXT'
	assert_line 'naïve café.txt'
	assert_line '日本語.txt'
}

@test "lookups ignore case, and short names find long-named files" {
	local img=$BATS_TEST_TMPDIR/c.img
	mk_fat "$img" 16 20000 "$TREE"
	run_rumpsh "$img" cat /SMALL.TXT
	assert_success
	assert_output 'hello, world'
	local short
	short=$(LC_ALL=C.UTF-8 mdir -i "$img" ::/ | awk '/rather long/ { print $1 "." $2 }')
	run_rumpsh "$img" cat "/$short"
	assert_success
	assert_output 'long'
}

@test "times: mtime from mcopy -m, 2-second resolution; -o tz=UTC and gmtoff" {
	local img=$BATS_TEST_TMPDIR/t.img
	mk_fat "$img" 16 20000 "$TREE"
	run_rumpsh "$img" stat /small.txt
	assert_success
	assert_line --partial 'Modify: 2001-09-09 01:46:40'
	run_rumpsh -o tz=UTC "$img" stat /small.txt
	assert_line --partial 'Modify: 2001-09-09 01:46:40'
	run_rumpsh -o gmtoff=3600 "$img" stat /small.txt
	assert_line --partial 'Modify: 2001-09-09 00:46:40'
	# FAT holds wall-clock time: by default the host's zone reads it back
	TZ=Europe/Paris run_rumpsh "$img" stat /small.txt
	assert_line --partial 'Modify: 2001-09-09 01:46:40.000000000 +0200'
	TZ=Europe/Paris run_rumpsh -o tz=UTC "$img" stat /small.txt
	assert_line --partial 'Modify: 2001-09-09 03:46:40.000000000 +0200'
}

@test "ownership and modes: -o uid,gid,mask,dirmask; read-only attribute clears write bits" {
	local img=$BATS_TEST_TMPDIR/o.img
	mk_fat "$img" 16 20000 "$TREE"
	mattrib -i "$img" +r ::/lower.txt
	run_rumpsh -o uid=1234,gid=56,mask=027,dirmask=002 "$img" ls -l /
	assert_success
	assert_line --regexp '^-rwxr-x--- 1 1234 56 .* small.txt$'
	assert_line --regexp '^-r-xr-x--- 1 1234 56 .* lower.txt$'
	assert_line --regexp '^drwxrwxr-x 1 1234 56 .* dir$'
	run_rumpsh -1 -o mask=999 "$img" ls /
}

@test "info: label, serial, FAT type, cluster size" {
	local img=$BATS_TEST_TMPDIR/i.img
	mk_fat "$img" 32 70000 "$TREE" -n MYVOLUME -i 12345678 -s 2
	run_rumpsh "$img" info
	assert_success
	assert_line 'type: FAT32'
	assert_line 'label: MYVOLUME'
	assert_line 'serial: 1234-5678'
	assert_line 'cluster size: 1024'
	assert_line 'state: clean'
}

@test "partitions: the EFI system partition of a GPT disk as disk.img@1" {
	need_tool sfdisk
	local disk=$BATS_TEST_TMPDIR/disk.img
	truncate -s 64M "$disk"
	printf 'label: gpt\nstart=2048, size=65536, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\n' |
		sfdisk -q "$disk"
	mkfs.fat -F 16 --offset 2048 "$disk" 32768 >/dev/null 2>&1
	mcopy -s -m -i "$disk@@1048576" "$TREE/dir" "$TREE/small.txt" ::/
	run_rumpsh "$disk@1" ls /
	assert_success
	assert_output $'dir\nsmall.txt'
	run_rumpsh "$disk@1" cat /dir/nested/deeper/file.txt
	assert_output 'deep'
}

@test "reading never writes: the image is unchanged after read commands" {
	local img=$BATS_TEST_TMPDIR/r.img sum
	mk_fat "$img" 32 70000 "$TREE"
	sum=$(sha256sum <"$img")
	run_rumpsh "$img" -c 'ls -lR /; cat /small.txt; info; df; stat /dir'
	assert_success
	assert_equal "$(sha256sum <"$img")" "$sum"
}

@test "a 64 MiB file reads as mcopy reads it (speed is measured by make bench)" {
	local img=$BATS_TEST_TMPDIR/big.img got want
	mkfs.fat -C -F 32 "$img" 100000 >/dev/null
	head -c 67108864 /dev/urandom >"$BATS_TEST_TMPDIR/big"
	mcopy -i "$img" "$BATS_TEST_TMPDIR/big" ::/big
	want=$(sha256sum <"$BATS_TEST_TMPDIR/big")
	got=$("$RUMPSH" "$img" cat /big | sha256sum)
	assert_equal "$got" "$want"
	got=$(mcopy -n -i "$img" ::/big - | sha256sum)
	assert_equal "$got" "$want"
}

@test "a directory of 5000 entries: listing and lookups in either case" {
	local img=$BATS_TEST_TMPDIR/m.img src=$BATS_TEST_TMPDIR/m i
	mkdir -p "$src/big"
	# 8.3 names: mcopy's long-name generation is quadratic and takes minutes
	for i in $(seq 1 5000); do : >"$src/big/F$i.TXT"; done
	mk_fat "$img" 32 100000 "$src"
	run_rumpsh "$img" ls /big
	assert_success
	assert_equal "${#lines[@]}" 5000
	run_rumpsh "$img" -c 'stat /big/F4999.TXT; stat /big/f1.txt'
	assert_success
}
