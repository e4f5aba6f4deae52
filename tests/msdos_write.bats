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

@test "trailing dots go, as on Linux: put onto 'name.txt.' overwrites 'name.txt'" {
	mk_fat "$IMG" 16 30000 "$BATS_TEST_TMPDIR/tree"
	need_rumpsh_cmd put
	printf 'old\n' >"$BATS_TEST_TMPDIR/old"
	printf 'new\n' >"$BATS_TEST_TMPDIR/new"
	mcopy -i "$IMG" "$BATS_TEST_TMPDIR/old" '::/Long File Name.txt'
	run_rumpsh "$IMG" -c "put '$BATS_TEST_TMPDIR/new' 'Long File Name.txt.'; put '$BATS_TEST_TMPDIR/new' 'fresh..'"
	assert_success
	run_rumpsh "$IMG" cat 'Long File Name.txt...'
	assert_output 'new'
	run_rumpsh "$IMG" ls
	assert_output $'Long File Name.txt\nfresh\nseed.txt'
	run bash -c "mdir -b -i '$IMG' ::/ | LC_ALL=C sort"
	assert_output $'::/Long File Name.txt\n::/fresh\n::/seed.txt'
	run mtype -i "$IMG" '::/Long File Name.txt'
	assert_output 'new'
	clean "$IMG"
}

@test "-o tz=ZONE: times in a tz database zone, as mtools sees them under TZ=ZONE" {
	[[ -e /usr/share/zoneinfo/Europe/Berlin && -e /usr/share/zoneinfo/America/New_York ]] ||
		skip 'no tz database in /usr/share/zoneinfo'
	mk_fat "$IMG" 16 30000 "$BATS_TEST_TMPDIR/tree"
	need_rumpsh_cmd put
	local d=$BATS_TEST_TMPDIR
	touch -d '2020-07-01 12:00:00 UTC' "$d/summer"
	touch -d '2020-01-15 12:00:00 UTC' "$d/winter"
	run_rumpsh -o tz=Europe/Berlin "$IMG" -c "put -p '$d/summer' /summer; put -p '$d/winter' /winter"
	assert_success
	# FAT holds Berlin wall-clock time: CEST in July, CET in January
	run mdir -i "$IMG" ::/
	assert_output --regexp 'summer +0 2020-07-01 +14:00'
	assert_output --regexp 'winter +0 2020-01-15 +13:00'
	mkdir "$d/back"
	TZ=Europe/Berlin mcopy -m -n -i "$IMG" ::/summer ::/winter "$d/back/"
	[[ $(stat -c %Y "$d/back/summer") == "$(stat -c %Y "$d/summer")" ]]
	[[ $(stat -c %Y "$d/back/winter") == "$(stat -c %Y "$d/winter")" ]]
	# the other way: mtools writes New York time; shown in the host's zone (UTC here)
	TZ=America/New_York mcopy -m -i "$IMG" "$d/summer" ::/ny
	run_rumpsh -o tz=America/New_York "$IMG" stat /ny
	assert_line --partial 'Modify: 2020-07-01 12:00:00'
	run_rumpsh -o tz=UTC "$IMG" stat /ny
	assert_line --partial 'Modify: 2020-07-01 08:00:00'
	run_rumpsh -1 -o tz=Nowhere/Special "$IMG" ls
	[[ $stderr == *"bad value for -o tz: 'Nowhere/Special' (no such time zone)"* ]]
	clean "$IMG"
}
