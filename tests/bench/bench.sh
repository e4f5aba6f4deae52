#!/bin/bash
# bench.sh BUILDDIR: time rumpsh against the tools people use today on ext4, ext2, FAT32, UFS and
# ISO 9660 images of one generated tree; prints a table and writes BENCH_DIR/results.csv.
#
# Environment: BENCH_SCALE (1: a 256 MiB file, 5,000 small files in one directory, a
# 10,000-entry directory and a deep chain, in 1 GiB images; 0.01 is a smoke run of seconds),
# BENCH_DIR (build/bench), BENCH_ROUNDS and BENCH_RUNS (rounds alternate rumpsh and its peer, each
# round times each command BENCH_RUNS times), BENCH_GROUPS (some of: read put fuse extract
# startup; all by default), RUMPSH (BUILDDIR/rumpsh).
#
# Files: lib.sh (timing, checks, CSV, table), images.sh (the tree and its images), mnt.sh (FUSE
# and kernel mounts), rows_*.sh (one group of rows each).
set -euo pipefail

[[ $# -eq 1 ]] || {
	echo "usage: tests/bench/bench.sh BUILDDIR   (BENCH_SCALE=0.01 for a smoke run)" >&2
	exit 2
}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tests/bench/lib.sh
source "$here/lib.sh"
builddir=$1
[[ $builddir == /* ]] || builddir=$root/$builddir
RUMPSH=${RUMPSH:-$builddir/rumpsh}
[[ -x $RUMPSH ]] || die "no rumpsh at $RUMPSH: run make first"
export RUMPSH PATH=$PATH:/usr/sbin:/sbin TZ=UTC LC_ALL=C MTOOLS_SKIP_CHECK=1
# the harness and the image builders; missing peers only skip their rows
for tool in hyperfine jq awk bsdtar /usr/bin/time mke2fs mkfs.fat mcopy makefs xorriso; do
	command -v "$tool" >/dev/null || die "missing tool: $tool (run make deps)"
done

scale=${BENCH_SCALE:-1}
if [[ ! $scale =~ ^[0-9]+(\.[0-9]+)?$ ]] || ! awk -v s="$scale" 'BEGIN { exit !(s > 0) }'; then
	die "BENCH_SCALE must be a positive number, not '$scale'"
fi
full=$(awk -v s="$scale" 'BEGIN { print (s >= 1) ? 1 : 0 }')
if ((full)); then rounds=${BENCH_ROUNDS:-3} runs=${BENCH_RUNS:-3}; else rounds=${BENCH_ROUNDS:-1} runs=${BENCH_RUNS:-1}; fi
groups=${BENCH_GROUPS:-read put fuse extract startup}
dir=${BENCH_DIR:-$root/build/bench}
[[ $dir == /* ]] || dir=$root/$dir
mkdir -p "$dir"
out=$dir/out     # where commands write what they copy out
work=$dir/work   # scratch images that copy-in rows write into
mnt=$dir/mnt     # mount points of the FUSE and kernel rows
csv=$dir/results.csv
mntsh=$here/mnt.sh

cleanup() {
	"$mntsh" down-all "$mnt" || true
	rm -rf "$out" "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

source "$here/images.sh"
source "$here/rows_read.sh"
source "$here/rows_put.sh"
source "$here/rows_fuse.sh"
source "$here/rows_extract.sh"
source "$here/rows_startup.sh"

ensure_images
mkdir -p "$work" "$mnt"
csv_header
echo "bench.sh: scale $scale, $rounds round(s) of $runs run(s) per command, rumpsh and its peer alternating" >&2
for group in $groups; do
	case $group in
	read) read_rows ;;
	put) put_rows ;;
	fuse) fuse_rows ;;
	extract) extract_rows ;;
	startup) startup_rows ;;
	*) die "unknown group '$group' in BENCH_GROUPS" ;;
	esac
done
print_table
