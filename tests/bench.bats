#!/usr/bin/env bats
# bench.bats: the benchmark's smoke mode runs end to end, checks every command's answer before
# timing it (a wrong answer fails the run) and writes every row of its CSV.

load test_helper

# Every row the benchmark has: "row fs peer", one a line.
expected_rows() {
	cat <<'ROWS'
get_big ext4 7z x
get_big ext2 7z x
get_big fat32 7z x
get_big iso9660 7z x
get_big ext4 debugfs dump
get_big ext2 debugfs dump
get_big fat32 mcopy
get_big iso9660 bsdtar -xf
get_big ufs2 none
get_big ufs1 icat
get_small ext4 debugfs rdump
get_small ext2 debugfs rdump
get_small fat32 mcopy -s
get_small iso9660 bsdtar -xf
get_small ext4 7z x
get_small ext2 7z x
get_small fat32 7z x
get_small iso9660 7z x
get_small ufs2 none
get_small ufs1 tsk_recover
ls_many ext4 debugfs ls -l
ls_many ext2 debugfs ls -l
ls_many fat32 mdir
ls_many iso9660 bsdtar -tvf
ls_many ufs2 none
ls_many ufs1 fls
put_big ext4 debugfs -w
put_big ext4 mkfs.ext4 -d
put_big ext4 kernel cp+sync
put_big fat32 mcopy
put_small ext4 debugfs -w
put_small ext4 mkfs.ext4 -d
put_small ext4 kernel cp+sync
put_small fat32 mcopy
fuse_read_big ext4 fuse2fs
fuse_tar_small ext4 fuse2fs
fuse_write_big ext4 fuse2fs
fuse_read_big ext4 kernel mount
fuse_tar_small ext4 kernel mount
fuse_write_big ext4 kernel mount
extract_tar ext4 bsdtar kernel
extract_tar ext4 rdump+bsdtar
extract_tar ext4 7z x
extract_dir iso9660 bsdtar -xf
extract_dir iso9660 7z x
startup ext4 debugfs ls
rss_get_big ext4 7z x
rss_put_big ext4 debugfs -w
ROWS
}

# check_row LINE: one CSV line is well formed: positive times with min <= median <= max, a peer
# either measured (and a ratio) or "none", a verdict exactly where there is a target
check_row() {
	awk -F, '
	function num(v) { return v ~ /^[0-9]+(\.[0-9]+)?$/ && v + 0 > 0 }
	NF != 14 { print "fields: " NF; exit 1 }
	$14 ~ /^skipped: / { exit ($4 == "" && $7 != "") ? 0 : 1 }
	!($3 == "s" || $3 == "KiB") { print "unit"; exit 1 }
	!(num($4) && num($5) && num($6) && $5 <= $4 && $4 <= $6) { print "rumpsh times"; exit 1 }
	$7 == "none" { exit ($8 == "" && $11 == "" && $14 != "") ? 0 : 1 }
	!(num($8) && num($9) && num($10) && $9 <= $8 && $8 <= $10 && num($11)) { print "peer times"; exit 1 }
	($12 == "") != ($13 == "") || ($13 != "" && $13 != "OK" && $13 != "MISSED") { print "verdict"; exit 1 }
	' <<<"$1"
}

@test "bench.sh smoke mode (BENCH_SCALE=0.01) checks and times every row and writes the CSV" {
	need_tool hyperfine jq bsdtar 7z debugfs mke2fs e2fsck mkfs.fat fsck.fat mcopy mdir makefs xorriso \
		fls icat tsk_recover fuse2fs fusermount3 /usr/bin/time
	dir=$BATS_TEST_TMPDIR/bench
	run env BENCH_SCALE=0.01 BENCH_DIR="$dir" RUMPSH="$RUMPSH" \
		"$RUMPSH_ROOT/tests/bench/bench.sh" "$(dirname "$RUMPSH")"
	assert_success
	assert_no_sanitizer_report
	# nothing left mounted under the bench directory
	! grep -qF "$dir/" /proc/mounts || fail "bench.sh left mounts: $(grep -F "$dir/" /proc/mounts)"
	csv=$dir/results.csv
	[ "$(head -n 1 "$csv")" = row,fs,unit,rumpsh_median,rumpsh_min,rumpsh_max,peer,peer_median,peer_min,peer_max,ratio,target,verdict,note ]
	local row fs peer line n=0
	while read -r row fs peer; do
		line=$(awk -F, -v r="$row" -v f="$fs" -v p="$peer" '$1 == r && $2 == f && $7 == p' "$csv")
		[ -n "$line" ] || fail "no row '$row $fs $peer' in $csv: $(cat "$csv")"
		[ "$(wc -l <<<"$line")" -eq 1 ] || fail "row '$row $fs $peer' appears twice"
		check_row "$line" || fail "malformed row: $line"
		# every tool is here and we run as root with /dev/fuse: nothing may be skipped
		[[ $line != *",skipped: "* ]] || [[ $(id -u) -ne 0 || ! -c /dev/fuse ]] || fail "skipped here: $line"
		n=$((n + 1))
	done < <(expected_rows)
	[ "$(wc -l <"$csv")" -eq $((n + 1)) ] || fail "rows beyond the expected ones: $(cat "$csv")"
	# the table on stdout has every row and the targets' verdicts
	[ "$(grep -cE '^(get|ls|put|fuse|extract|startup|rss)_?[a-z_]* ' <<<"$output")" -eq "$n" ]
	assert_output --partial 'startup         ext4    debugfs ls'
	assert_output --regexp 'rumpsh<=0\.010 (OK|MISSED)'
}

@test "bench.sh skips a row whose peer is missing, with a note, and still succeeds" {
	need_tool hyperfine jq debugfs mke2fs mkfs.fat mcopy makefs xorriso /usr/bin/time
	dir=$BATS_TEST_TMPDIR/bench
	run env BENCH_SCALE=0.01 BENCH_DIR="$dir" BENCH_GROUPS=startup BENCH_HIDE="7z" RUMPSH="$RUMPSH" \
		"$RUMPSH_ROOT/tests/bench/bench.sh" "$(dirname "$RUMPSH")"
	assert_success
	assert_no_sanitizer_report
	grep -qx 'rss_get_big,ext4,s,,,,7z x,,,,,,,skipped: 7z not installed' "$dir/results.csv" ||
		fail "no skipped 7z row: $(cat "$dir/results.csv")"
	assert_output --regexp 'rss_get_big +ext4 +7z x +skipped: 7z not installed'
	grep -q '^rss_put_big,ext4,KiB,' "$dir/results.csv"
}
