#!/usr/bin/env bats
# msdos_write.bats: writes through rumpsh's shell commands leave a FAT that fsck.fat finds clean and mtools reads back exactly.

load test_helper
load msdos_helper
load mount_helper

setup() {
	IMG=$BATS_TEST_TMPDIR/w.img
	export MSDOS_PROBE_IMG=$IMG
	mkdir -p "$BATS_TEST_TMPDIR/tree"
	printf 'seed\n' >"$BATS_TEST_TMPDIR/tree/seed.txt"
}

teardown() {
	fuse_umount_all
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
		{ echo 'no tz database in /usr/share/zoneinfo (make deps installs tzdata)' >&2; return 1; }
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
	# 02:30 on 2021-10-31 happened twice in Berlin; like mtools, the second (CET)
	touch -d '2021-10-31 01:30:00 UTC' "$d/twice"
	TZ=Europe/Berlin mcopy -m -i "$IMG" "$d/twice" ::/
	run mdir -i "$IMG" ::/twice
	assert_output --regexp 'twice +0 2021-10-31 +2:30'
	run_rumpsh -o tz=Europe/Berlin "$IMG" -c "stat /summer; stat /twice"
	assert_line --partial 'Modify: 2021-10-31 01:30:00'
	run_rumpsh -1 -o tz=Nowhere/Special "$IMG" ls
	[[ $stderr == *"bad value for -o tz: 'Nowhere/Special' (no such time zone)"* ]]
	clean "$IMG"
}

@test "the dirty bit is set while a read-write FUSE session is open, and clear after" {
	need_tool fusermount3 flock
	mk_fat "$IMG" 32 70000 "$BATS_TEST_TMPDIR/tree"
	local m=$BATS_TEST_TMPDIR/mnt
	fuse_mount "$IMG" "$m"
	printf 'while mounted\n' >"$m/new.txt"
	(($(fat_get "$IMG" 0 1) & 0x08000000)) && fail 'FAT 1: clean bit still set while open'
	(($(fat_get "$IMG" 1 1) & 0x08000000)) && fail 'FAT 2: clean bit still set while open'
	run fsck.fat -n "$IMG"
	assert_output --partial 'Dirty bit'
	fuse_umount "$m"
	(($(fat_get "$IMG" 0 1) & 0x08000000)) || fail 'clean bit not set after unmount'
	clean "$IMG"
	run mtype -i "$IMG" ::/new.txt
	assert_output 'while mounted'
}

# short_names IMG: "SHORT    EXT|long name" per entry of the root, from mdir
short_names() {
	mdir -i "$1" ::/ | sed -n 's/^\([^ ].\{7\}\) \(...\) .*[0-9]:[0-9][0-9]  \{0,1\}\(.*\)$/\1 \2|\3/p'
}

@test "short names of new long names: ~2..~9, then ~10 and on; never an existing one" {
	mk_fat "$IMG" 16 30000 "$BATS_TEST_TMPDIR/tree"
	need_rumpsh_cmd put
	local x=$BATS_TEST_TMPDIR/x i s=''
	printf 'x\n' >"$x"
	mcopy -i "$IMG" "$x" '::/Long File Name.txt'
	for i in $(seq 1 11); do s+="put '$x' 'Long File Name $i.txt'; "; done
	run_rumpsh "$IMG" -c "$s"
	assert_success
	clean "$IMG"
	run short_names "$IMG"
	assert_line 'LONGFI~1 TXT|Long File Name.txt'
	for i in $(seq 1 8); do assert_line "LONGFI~$((i + 1)) TXT|Long File Name $i.txt"; done
	assert_line 'LONGF~10 TXT|Long File Name 9.txt'
	assert_line 'LONGF~11 TXT|Long File Name 10.txt'
	assert_line 'LONGF~12 TXT|Long File Name 11.txt'
	# every short name once
	[[ -z $(short_names "$IMG" | cut -d'|' -f1 | sort | uniq -d) ]]
}

@test "8.3 names in one case need no long name: the lower-case flags 0x08/0x10" {
	mk_fat "$IMG" 16 30000 "$BATS_TEST_TMPDIR/tree"
	need_rumpsh_cmd put
	local x=$BATS_TEST_TMPDIR/x n name flags off
	printf 'x\n' >"$x"
	run_rumpsh "$IMG" -c "put '$x' readme.txt; put '$x' NOTES.txt; put '$x' todo.TXT; put '$x' UPPER.TXT; put '$x' Mixed.txt"
	assert_success
	clean "$IMG"
	for n in 'README  TXT:24:readme.txt' 'NOTES   TXT:16:NOTES.txt' 'TODO    TXT:8:todo.TXT' 'UPPER   TXT:0:UPPER.TXT'; do
		IFS=: read -r name flags long <<<"$n"
		off=$(dirent_off "$IMG" "$name")
		[[ $(_le "$IMG" $((off + 12)) 1) == "$flags" ]] || fail "$name: flags $(_le "$IMG" $((off + 12)) 1), expected $flags"
		# no long-name slot before it
		[[ $(_le "$IMG" $((off - 32 + 11)) 1) != 15 ]] || fail "$name has a long name"
		run mdir -b -i "$IMG" "::/$long"
		assert_output "::/$long"
	done
	# a name in mixed case keeps it in a long name
	run short_names "$IMG"
	assert_line 'MIXED    TXT|Mixed.txt'
	assert_line 'readme   txt|'
}

# fat_epoch DATE TIME: FAT date and time words as seconds since 1970 (UTC)
fat_epoch() {
	date -u -d "$(printf '%04d-%02d-%02d %02d:%02d:%02d' $((($1 >> 9) + 1980)) $((($1 >> 5) & 15)) $(($1 & 31)) \
	    $(($2 >> 11)) $((($2 >> 5) & 63)) $((($2 & 31) * 2)))" +%s
}

@test "creation time (10 ms), access date and mtime in the entry after put and put -p" {
	mk_fat "$IMG" 16 30000 "$BATS_TEST_TMPDIR/tree"
	need_rumpsh_cmd put
	local x=$BATS_TEST_TMPDIR/x before after off crt
	printf 'x\n' >"$x"
	touch -m -d '2020-07-01 12:00:01 UTC' "$x"
	touch -a -d '2021-03-04 05:06:07 UTC' "$x"
	before=$(date -u +%s)
	run_rumpsh "$IMG" -c "put -p '$x' /kept.txt; put '$x' /new.txt"
	assert_success
	after=$(date -u +%s)
	clean "$IMG"
	for f in 'KEPT    TXT' 'NEW     TXT'; do
		off=$(dirent_off "$IMG" "$f")
		# creation: the session's time; its tenths (0..199) add the odd second
		(($(_le "$IMG" $((off + 13)) 1) <= 199))
		crt=$(($(fat_epoch "$(_le "$IMG" $((off + 16)) 2)" "$(_le "$IMG" $((off + 14)) 2)") + $(_le "$IMG" $((off + 13)) 1) / 100))
		((crt >= before && crt <= after)) || fail "$f: creation $crt not in [$before, $after]"
	done
	off=$(dirent_off "$IMG" 'KEPT    TXT')
	[[ $(fat_epoch "$(_le "$IMG" $((off + 24)) 2)" "$(_le "$IMG" $((off + 22)) 2)") == $(date -u -d '2020-07-01 12:00:00' +%s) ]]
	[[ $(fat_epoch "$(_le "$IMG" $((off + 18)) 2)" 0) == $(date -u -d '2021-03-04' +%s) ]]
	run mdir -i "$IMG" ::/kept.txt
	assert_output --regexp 'kept +txt +2 2020-07-01 +12:00'
	off=$(dirent_off "$IMG" 'NEW     TXT')
	local wrt acc
	wrt=$(fat_epoch "$(_le "$IMG" $((off + 24)) 2)" "$(_le "$IMG" $((off + 22)) 2)")
	((wrt >= before - 2 && wrt <= after)) || fail "new.txt: mtime $wrt not in [$before, $after]"
	acc=$(fat_epoch "$(_le "$IMG" $((off + 18)) 2)" 0)
	[[ $acc == $(date -u -d "$(date -u -d "@$wrt" +%F)" +%s) ]]
}

@test "FAT32 FSInfo after writes: free count as fsck.fat counts it, hint a free cluster" {
	mk_fat "$IMG" 32 70000 "$BATS_TEST_TMPDIR/tree"
	need_rumpsh_cmd put
	local d=$BATS_TEST_TMPDIR fsi used total hint
	head -c 300000 /dev/urandom >"$d/big"
	printf 'x\n' >"$d/x"
	run_rumpsh "$IMG" -c "put '$d/big' /big1; put '$d/big' /big2; put '$d/x' /small; rm /big1; mkdir /d; put '$d/x' /d/x; put '$d/big' /big3"
	assert_success
	clean "$IMG"
	run fsck.fat -n -v "$IMG"
	[[ $output =~ ([0-9]+)/([0-9]+)\ clusters ]] || fail "no cluster summary from fsck.fat"
	used=${BASH_REMATCH[1]} total=${BASH_REMATCH[2]}
	fsi=$(($(bpb "$IMG" fsinfo) * $(bpb "$IMG" bps)))
	[[ $(_le "$IMG" $((fsi + 488)) 4) == $((total - used)) ]] || fail "FSInfo free count $(_le "$IMG" $((fsi + 488)) 4), fsck.fat: $((total - used))"
	hint=$(_le "$IMG" $((fsi + 492)) 4)
	((hint >= 2 && hint <= total + 1)) || fail "FSInfo hint $hint out of range"
	[[ $(fat_get "$IMG" 0 "$hint") == 0 ]] || fail "FSInfo hint $hint is not free"
	# mtools' free bytes agree
	[[ $(mdir -i "$IMG" ::/ | sed -n 's/ bytes free$//p' | tr -d ' ') == \
	    $(((total - used) * $(bpb "$IMG" bps) * $(bpb "$IMG" spc))) ]]
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
