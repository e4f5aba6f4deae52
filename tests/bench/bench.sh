#!/bin/bash
# bench.sh BUILDDIR: time rumpsh against debugfs and 7-Zip on one ext4 image; prints a table, writes results.csv.
#
# Environment: BENCH_SCALE (1: a 600 MiB image with a 256 MiB file, 5,000 small files and a
# 10,000-entry directory; 0.01 is a smoke test that takes seconds), BENCH_DIR (build/bench),
# BENCH_ROUNDS and BENCH_RUNS (rounds alternate rumpsh and its peer, each round times each
# command BENCH_RUNS times), RUMPSH (BUILDDIR/rumpsh).
set -euo pipefail

die() {
	echo "bench.sh: $*" >&2
	exit 1
}

[[ $# -eq 1 ]] || {
	echo "usage: tests/bench/bench.sh BUILDDIR   (BENCH_SCALE=0.01 for a smoke run)" >&2
	exit 2
}
root=$(cd "$(dirname "$0")/../.." && pwd)
builddir=$1
[[ $builddir == /* ]] || builddir=$root/$builddir
rumpsh=${RUMPSH:-$builddir/rumpsh}
[[ -x $rumpsh ]] || die "no rumpsh at $rumpsh: run make first"
export PATH=$PATH:/usr/sbin:/sbin TZ=UTC LC_ALL=C
for tool in hyperfine jq 7z debugfs mke2fs awk /usr/bin/time; do
	command -v "$tool" >/dev/null || die "missing tool: $tool (run make deps)"
done

scale=${BENCH_SCALE:-1}
if [[ ! $scale =~ ^[0-9]+(\.[0-9]+)?$ ]] || ! awk -v s="$scale" 'BEGIN { exit !(s > 0) }'; then
	die "BENCH_SCALE must be a positive number, not '$scale'"
fi
full=$(awk -v s="$scale" 'BEGIN { print (s >= 1) ? 1 : 0 }')
if ((full)); then rounds=${BENCH_ROUNDS:-3} runs=${BENCH_RUNS:-3}; else rounds=${BENCH_ROUNDS:-1} runs=${BENCH_RUNS:-2}; fi
dir=${BENCH_DIR:-$root/build/bench}
[[ $dir == /* ]] || dir=$root/$dir
mkdir -p "$dir"

# scaled N MIN: N times the scale, at least MIN
scaled() { awk -v n="$1" -v s="$scale" -v m="$2" 'BEGIN { v = int(n * s); print (v < m) ? m : v }'; }
img_mib=$(scaled 600 16)
big_kib=$(scaled $((256 * 1024)) 64)
nsmall=$(scaled 5000 20)
nmany=$(scaled 10000 50)

img=$dir/bench.img
stamp="scale=$scale img=${img_mib}M big=${big_kib}K small=$nsmall many=$nmany v1"

# ---- the image (kept between runs while the stamp matches)
build_image() {
	local tree=$dir/tree
	rm -rf "$tree" "$img" "$dir/stamp" "$dir/big.sha256"
	mkdir -p "$tree/small" "$tree/many"
	echo "bench.sh: building a ${img_mib} MiB image (big file ${big_kib} KiB, $nsmall small files, $nmany-entry directory)"
	head -c $((big_kib * 1024)) /dev/urandom >"$tree/big"
	sha256sum <"$tree/big" | cut -d' ' -f1 >"$dir/big.sha256"
	# small files of 0-8 KiB in nested directories, and a wide directory, from one awk
	awk -v n="$nsmall" -v m="$nmany" -v t="$tree" 'BEGIN {
		srand(42)
		line = "the quick brown fox jumps over the lazy dog 0123456789 THE QUICK BROWN FOX\n"
		while (length(buf) < 8192) buf = buf line
		for (i = 0; i < n; i++) {
			d = sprintf("%s/small/d%02d", t, i % 50)
			if (!(d in made)) { system("mkdir -p " d); made[d] = 1 }
			f = sprintf("%s/f%05d.txt", d, i)
			printf "%s", substr(buf, 1, int(rand() * 8193)) >f
			close(f)
		}
		for (i = 0; i < m; i++) {
			f = sprintf("%s/many/entry-%05d", t, i)
			printf "%d\n", i >f
			close(f)
		}
	}'
	mke2fs -q -F -t ext4 -T default -d "$tree" "$img" "${img_mib}M" >/dev/null
	rm -rf "$tree"
	echo "$stamp" >"$dir/stamp"
}
if [[ ! -f $img || ! -f $dir/stamp || $(<"$dir/stamp") != "$stamp" ]]; then
	build_image
fi
big_sha=$(<"$dir/big.sha256")

# ---- check every command gives the right answer before timing it
out=$dir/out
fresh() { rm -rf "$out" && mkdir -p "$out"; }
check_big() { # what
	[[ -f $out/big ]] || die "$1 did not write $out/big"
	[[ $(sha256sum <"$out/big" | cut -d' ' -f1) == "$big_sha" ]] || die "$1 wrote a wrong $out/big"
}
check_small() { # what
	local n
	n=$(find "$out/small" -type f 2>/dev/null | wc -l)
	[[ $n -eq $nsmall ]] || die "$1 wrote $n files under $out/small, not $nsmall"
}
run_quiet() { # what CMD...
	local what=$1
	shift
	"$@" >"$dir/check.out" 2>&1 || {
		cat "$dir/check.out" >&2
		die "$what failed: $*"
	}
}
fresh && run_quiet "rumpsh get" "$rumpsh" "$img" get /big "$out" && check_big "rumpsh get /big"
fresh && run_quiet "7z x" 7z x -y "$img" big "-o$out" && check_big "7z x big"
fresh && run_quiet "rumpsh get -r" "$rumpsh" "$img" get -r /small "$out" && check_small "rumpsh get -r /small"
fresh && run_quiet "debugfs rdump" debugfs -R "rdump /small $out" "$img" && check_small "debugfs rdump /small"
run_quiet "rumpsh ls -l" "$rumpsh" "$img" ls -l /many
[[ $(grep -c 'entry-' "$dir/check.out") -eq $nmany ]] || die "rumpsh ls -l /many does not list $nmany entries"
run_quiet "debugfs ls -l" debugfs -R "ls -l /many" "$img"
run_quiet "rumpsh ls /" "$rumpsh" "$img" ls /
grep -q many "$dir/check.out" || die "rumpsh ls / does not list /many"

# ---- timing: rounds alternate rumpsh and its peer; all samples of a command pooled
prep="sh -c 'rm -rf $out && mkdir -p $out'"
samples() { # FILE CMD [PREPARE]: append one round's times for CMD to FILE
	local file=$1 cmd=$2 prepare=${3:-} args=(-N --style none --runs "$runs" --export-json "$dir/hf.json")
	[[ -z $prepare ]] || args+=(--prepare "$prepare")
	hyperfine "${args[@]}" "$cmd" >/dev/null 2>"$dir/hf.err" || {
		cat "$dir/hf.err" >&2
		die "hyperfine failed on: $cmd"
	}
	jq -r '.results[0].times[]' "$dir/hf.json" >>"$file"
}
stats() { # FILE: median min max
	sort -g "$1" | awk '{ v[NR] = $1 } END {
		med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.6f %.6f %.6f\n", med, v[1], v[NR] }'
}

csv=$dir/results.csv
echo "case,unit,rumpsh_median,rumpsh_min,rumpsh_max,peer,peer_median,peer_min,peer_max,ratio" >"$csv"
table=()
bench_case() { # NAME PEER-NAME RUMPSH-CMD PEER-CMD [PREPARE]
	local name=$1 peer=$2 rcmd=$3 pcmd=$4 prepare=${5:-} r
	local rf=$dir/$name.rumpsh pf=$dir/$name.peer
	: >"$rf"
	: >"$pf"
	# one untimed run of each warms the page cache
	hyperfine -N --style none --runs 1 ${prepare:+--prepare "$prepare"} "$rcmd" "$pcmd" >/dev/null 2>&1 || true
	for ((r = 0; r < rounds; r++)); do
		samples "$rf" "$rcmd" "$prepare"
		samples "$pf" "$pcmd" "$prepare"
	done
	local rm rmin rmax pm pmin pmax ratio
	read -r rm rmin rmax < <(stats "$rf")
	read -r pm pmin pmax < <(stats "$pf")
	ratio=$(awk -v a="$rm" -v b="$pm" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
	echo "$name,s,$rm,$rmin,$rmax,$peer,$pm,$pmin,$pmax,$ratio" >>"$csv"
	table+=("$(printf '%-16s %9.4f %9.4f %9.4f   %-8s %9.4f %9.4f %9.4f  %6s' \
		"$name" "$rm" "$rmin" "$rmax" "$peer" "$pm" "$pmin" "$pmax" "$ratio")")
	rm -f "$rf" "$pf"
}

echo "bench.sh: timing: $rounds round(s) of $runs run(s) per command, rumpsh and its peer alternating"
bench_case get_big 7z "$rumpsh $img get /big $out" "7z x -y $img big -o$out" "$prep"
bench_case get_small_tree debugfs "$rumpsh $img get -r /small $out" "debugfs -R 'rdump /small $out' $img" "$prep"
bench_case ls_many debugfs "$rumpsh $img ls -l /many" "debugfs -R 'ls -l /many' $img"
bench_case startup_ls_root debugfs "$rumpsh $img ls /" "debugfs -R 'ls /' $img"

# ---- peak memory of the big copy
rss() { # CMD...: peak RSS in KiB
	fresh
	/usr/bin/time -f %M -o "$dir/rss" "$@" >/dev/null 2>&1 || die "failed: $*"
	tail -n 1 "$dir/rss"
}
r_rss=$(rss "$rumpsh" "$img" get /big "$out")
p_rss=$(rss 7z x -y "$img" big "-o$out")
rss_ratio=$(awk -v a="$r_rss" -v b="$p_rss" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
echo "peak_rss_get_big,KiB,$r_rss,$r_rss,$r_rss,7z,$p_rss,$p_rss,$p_rss,$rss_ratio" >>"$csv"
rm -rf "$out"

echo
echo "rumpsh benchmark, scale $scale: ${img_mib} MiB ext4 image, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -m)"
printf '%-16s %9s %9s %9s   %-8s %9s %9s %9s  %6s\n' case 'median s' 'min' 'max' peer 'median s' 'min' 'max' ratio
printf '%s\n' "${table[@]}"
printf '%-16s %9s KiB %25s %-8s %9s KiB %25s %6s\n' peak_rss_get_big "$r_rss" '' 7z "$p_rss" '' "$rss_ratio"
echo "(ratio = rumpsh median / peer median; CSV: $csv)"

if ((full)); then
	ls_median=$(awk -F, '$1 == "ls_many" { print $3 }' "$csv")
	if awk -v m="$ls_median" 'BEGIN { exit !(m >= 0.1) }'; then
		echo "bench.sh: FAIL: rumpsh ls -l /many took ${ls_median} s, the limit is 0.1 s" >&2
		exit 1
	fi
	echo "bench.sh: ls -l of the ${nmany}-entry directory: ${ls_median} s (limit 0.1 s): ok"
fi
