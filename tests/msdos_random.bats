#!/usr/bin/env bats
# msdos_random.bats: seeded random operations on FAT12/16/32 through rumpsh and on a host tree; after every batch fsck.fat and mtools agree with the host tree.
#
# The short version (300 operations per file system) runs in make check; the long one by
# hand, e.g. (about 15 minutes on a loaded machine; run.sh's file timeout is 15 minutes):
#   RUN_FILE_TIMEOUT=3600 RUMPSH_RANDOM_OPS=3000 RUMPSH_RANDOM_SEEDS="1 2 3" \
#     RUMPSH_SUITES=tests/msdos_random.bats RUMPSH_RESULTS=/tmp/x.txt tests/run.sh build/plain

load test_helper
load msdos_helper
load random_helper

setup() {
	need_tool mkfs.fat fsck.fat mdir mcopy python3
	W=$BATS_TEST_TMPDIR
}

# fat_fsck_clean IMG: fsck.fat -n exits 0 and says nothing but its banner and the summary.
fat_fsck_clean() {
	local out
	if ! out=$(fsck.fat -n "$1" 2>&1) ||
		grep -vqE "^fsck\.fat [0-9.]+ \(|^$1: [0-9]+ files, [0-9]+/[0-9]+ clusters$" <<<"$out"; then
		printf 'fsck.fat -n %s:\n%s\n' "$1" "$out" >&2
		return 1
	fi
}

# host_names DIR: every path under DIR as mdir -/ -b prints it (::/path, directories with /).
host_names() {
	(cd "$1" && find . -mindepth 1 \( -type d -printf '::/%P/\n' \) -o -printf '::/%P\n') |
		LC_ALL=C sort
}

# fat_mtools_same IMG HOSTDIR: mdir lists exactly HOSTDIR's names; mcopy -s extracts its contents.
fat_mtools_same() {
	local img=$1 host=$2 out names
	names=$(LC_ALL=C.UTF-8 mdir -/ -b -i "$img" ::/ 2>&1 | LC_ALL=C sort) || {
		# mdir fails on an empty root directory
		[[ -z $(ls -A "$host") ]] || { echo "mdir failed: $names" >&2; return 1; }
		names=
	}
	diff <(host_names "$host") <(printf '%s' "$names${names:+$'\n'}") >&2 || {
		echo "mdir's names (>) differ from the host tree's (<)" >&2
		return 1
	}
	out=$(mktemp -d "$BATS_TEST_TMPDIR/mcopy.XXXXXX")
	LC_ALL=C.UTF-8 mcopy -s -n -i "$img" ::/ "$out/" </dev/null >&2 || return 1
	diff -r "$host" "$out" >&2 || { echo "mcopy -s's tree differs from the host tree" >&2; return 1; }
	rm -rf "$out"
}

# After every batch: fsck.fat, rumpsh's own fsck, mtools.
fat_check() {
	fat_fsck_clean "$1" || return 1
	"$RUMPSH" -r "$1" fsck -n >&2 || { echo "rumpsh fsck -n: status $?" >&2; return 1; }
	fat_mtools_same "$1" "$2"
}

# fat_random SEED BITS KB [MKFS ARGS...]: random runs (seed SEED, or RUMPSH_RANDOM_SEEDS) on a
# fresh FAT per seed; at the end rumpsh's own get -r reads the host tree back too.
fat_random() {
	local base=$1 bits=$2 kb=$3 seed img cs clusters rootents
	shift 3
	for seed in $(random_seeds "$base"); do
		img=$W/r$seed.img
		mk_fat "$img" "$bits" "$kb" "" "$@"
		cs=$(($(bpb "$img" bps) * $(bpb "$img" spc)))
		clusters=$(fsck.fat -n "$img" | sed -n 's#.* [0-9]*/\([0-9]*\) clusters$#\1#p')
		rootents=$(bpb "$img" rootents)
		random_run "$img" "$seed" "$(random_ops_count 300)" "$W/s$seed" fat_check \
			--fat --cluster "$cs" --budget $((clusters * cs * 6 / 10)) --root-slots $((rootents / 3))
		rm -rf "$W/get"
		mkdir "$W/get"
		run_rumpsh -r "$img" get -r / "$W/get"
		assert_success
		diff -r "$W/s$seed/host" "$W/get"
		FAT_LAST_IMG=$img FAT_LAST_HOST=$W/s$seed/host
	done
}

@test "random operations: FAT12, 512-byte clusters" { fat_random 11 12 2000 -s 1; }
@test "random operations: FAT12, 4 KiB clusters" { fat_random 12 12 12000 -s 8; }
@test "random operations: FAT16, 512-byte clusters" { fat_random 21 16 20000 -s 1; }
@test "random operations: FAT16, 8 KiB clusters, 4 KiB sectors" { fat_random 22 16 80000 -S 4096 -s 2; }
@test "random operations: FAT32, 512-byte clusters" { fat_random 31 32 40000 -s 1; }
@test "random operations: FAT32, 4 KiB clusters, one FAT" { fat_random 32 32 300000 -s 8 -f 1; }

# 7-Zip reads FAT with its own code: a third reader, for one file system.
@test "random operations: FAT32, 2 KiB clusters; 7z extracts the same tree" {
	need_tool 7z
	fat_random 33 32 150000 -s 4
	mkdir "$W/7z"
	7z x -o"$W/7z" "$FAT_LAST_IMG" >/dev/null
	diff -r "$FAT_LAST_HOST" "$W/7z"
}

# The kernel's vfat compares too where the kernel has one (this machine's has
# not: TOOL-NOTES.md); fsck.fat, mdir and mcopy check every batch regardless.
@test "random operations: FAT16, 1 KiB clusters (and the kernel's vfat, where there is one)" {
	fat_random 23 16 30000 -s 2
	grep -qw vfat /proc/filesystems || return 0
	mkdir "$W/mnt"
	mount -o loop,ro,utf8 -t vfat "$FAT_LAST_IMG" "$W/mnt"
	local rc=0
	diff -r "$FAT_LAST_HOST" "$W/mnt" || rc=1
	umount "$W/mnt"
	return "$rc"
}
