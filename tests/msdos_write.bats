#!/usr/bin/env bats
# msdos_write.bats: writes through rumpsh's shell commands leave a FAT that fsck.fat finds clean and mtools reads back exactly.

load test_helper
load msdos_helper

setup() {
	IMG=$BATS_TEST_TMPDIR/w.img
	export MSDOS_PROBE_IMG=$IMG
	mkdir -p "$BATS_TEST_TMPDIR/tree"
	printf 'seed\n' >"$BATS_TEST_TMPDIR/tree/seed.txt"
}

# clean IMG: fsck.fat -n finds nothing.
clean() {
	run fsck.fat -n "$1"
	assert_success
	refute_output --partial 'Dirty bit'
}

write_session() { # write_session BITS KB: put, mkdir, mv, rm, truncate on a fresh image
	mk_fat "$IMG" "$1" "$2" "$BATS_TEST_TMPDIR/tree"
	need_rumpsh_cmd put
	need_rumpsh_cmd mkdir
	need_rumpsh_cmd mv
	need_rumpsh_cmd rm
	head -c 700000 /dev/urandom >"$BATS_TEST_TMPDIR/data.bin"
	printf 'x\n' >"$BATS_TEST_TMPDIR/x"
	run_rumpsh "$IMG" -c "mkdir '/A Long Directory Name'; put '$BATS_TEST_TMPDIR/data.bin' '/A Long Directory Name/Some Data File.bin'; put '$BATS_TEST_TMPDIR/x' /lower.txt; put '$BATS_TEST_TMPDIR/x' '/naïve café.txt'; mv /seed.txt '/A Long Directory Name/moved seed.TXT'; rm /lower.txt"
	assert_success
	clean "$IMG"
	LC_ALL=C.UTF-8 mcopy -n -i "$IMG" '::/A Long Directory Name/Some Data File.bin' "$BATS_TEST_TMPDIR/back"
	cmp "$BATS_TEST_TMPDIR/data.bin" "$BATS_TEST_TMPDIR/back"
	run bash -c "LC_ALL=C.UTF-8 mdir -b -i '$IMG' ::/ | LC_ALL=C sort"
	assert_output $'::/A Long Directory Name/\n::/naïve café.txt'
	run bash -c "LC_ALL=C.UTF-8 mdir -b -i '$IMG' '::/A Long Directory Name' | LC_ALL=C sort"
	assert_output --partial 'moved seed.TXT'
}

@test "FAT12: put, mkdir, mv, rm; fsck.fat clean; mtools reads it back" {
	write_session 12 2000
}

@test "FAT16: put, mkdir, mv, rm; fsck.fat clean; mtools reads it back" {
	write_session 16 30000
}

@test "FAT32: put, mkdir, mv, rm; fsck.fat clean; mtools reads it back" {
	write_session 32 70000
}

@test "rmdir of a non-empty directory: Directory not empty" {
	mk_fat "$IMG" 16 30000 "$BATS_TEST_TMPDIR/tree"
	need_rumpsh_cmd mkdir
	need_rumpsh_cmd rmdir
	run_rumpsh "$IMG" -c "mkdir /d; mkdir /d/e"
	assert_success
	run_rumpsh -1 "$IMG" rmdir /d
	[[ $stderr == *'not empty'* ]]
	clean "$IMG"
}

@test "ln and symlinks: Operation not supported" {
	mk_fat "$IMG" 16 30000 "$BATS_TEST_TMPDIR/tree"
	need_rumpsh_cmd ln
	run_rumpsh -1 "$IMG" ln /seed.txt /hard
	[[ $stderr == *'Operation not supported'* ]]
	run_rumpsh -1 "$IMG" ln -s /seed.txt /soft
	[[ $stderr == *'Operation not supported'* ]]
	clean "$IMG"
}

@test "the dirty bit is clear after a clean write session" {
	mk_fat "$IMG" 32 70000 "$BATS_TEST_TMPDIR/tree"
	need_rumpsh_cmd mkdir
	run_rumpsh "$IMG" mkdir /new
	assert_success
	run_rumpsh "$IMG" info
	assert_line 'state: clean'
	clean "$IMG"
}

# Names ignore case, so /Dir and /DIR are one directory: mv respells it (as a kernel mount
# does) instead of trying to move it into itself (EINVAL, found by msdos_random.bats).
@test "mv changes the case of a directory's name; a move into itself still fails" {
	mk_fat "$IMG" 16 30000 "$BATS_TEST_TMPDIR/tree"
	run_rumpsh "$IMG" -c "mkdir /Dir; mkdir /Dir/sub; put '$BATS_TEST_TMPDIR/tree/seed.txt' /Dir/sub/f"
	assert_success
	run_rumpsh "$IMG" -c "mv /Dir /DIR; mv /DIR/sub '/DIR/Sub Dir'; mv /DIR/Sub\ Dir '/DIR/SUB DIR'"
	assert_success
	clean "$IMG"
	run bash -c "LC_ALL=C.UTF-8 mdir -/ -b -i '$IMG' ::/ | LC_ALL=C sort"
	assert_output $'::/DIR/\n::/DIR/SUB DIR/\n::/DIR/SUB DIR/f\n::/seed.txt'
	run_rumpsh -1 "$IMG" mv /DIR /DIR
	[[ $stderr == *'Invalid argument'* ]]
	run_rumpsh -1 "$IMG" mv /DIR /dir/sub\ dir
	[[ $stderr == *'Invalid argument'* ]]
	clean "$IMG"
}
