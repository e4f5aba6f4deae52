# lib.sh: the benchmark's timing, checking and reporting (sourced by bench.sh).
#
# A row times one rumpsh command against one peer command on the same image: first each is run
# once and its answer checked (this also warms the page cache), then rounds alternate the two,
# each round timing each command $runs times with hyperfine; all samples of a command are pooled
# into median, min and max. Rows go to $csv and to the table printed at the end.

die() {
	echo "bench.sh: $*" >&2
	exit 1
}

# scaled N MIN: N times the scale, at least MIN
scaled() { awk -v n="$1" -v s="$scale" -v m="$2" 'BEGIN { v = int(n * s); print (v < m) ? m : v }'; }

# missing_tools TOOL...: print "TOOL not installed" for the first tool that is absent
# (BENCH_HIDE="TOOL..." pretends those are absent, to test the skipping)
missing_tools() {
	local t
	for t; do
		[[ " ${BENCH_HIDE:-} " != *" $t "* ]] && command -v "$t" >/dev/null 2>&1 || {
			echo "$t not installed"
			return
		}
	done
}

sha_of() { sha256sum <"$1" | cut -d' ' -f1; }

# ---- checks: each row's commands must give the right answer once before they are timed
fresh_out() { rm -rf "$out" && mkdir -p "$out"; }
check_big_file() { # FILE WHAT
	[[ -f $1 ]] || die "$2 did not write $1"
	[[ $(sha_of "$1") == "$big_sha" ]] || die "$2 wrote a wrong $1"
}
check_small_dir() { # DIR WHAT: the 5,000 small files, byte for byte
	[[ -d $1 ]] || die "$2 did not write $1"
	diff -rq "$tree/small" "$1" >"$dir/diff.out" 2>&1 || {
		head -n 5 "$dir/diff.out" >&2
		die "$2 wrote a $1 that differs from the source tree"
	}
}
check_whole_tree() { # DIR WHAT: every regular file of the tree, the big one's contents, the small ones'
	local n
	n=$(find "$1" -type f | wc -l)
	[[ $n -eq $nfiles ]] || die "$2 wrote $n files under $1, not $nfiles"
	check_big_file "$1/big" "$2"
	check_small_dir "$1/small" "$2"
}
check_tar() { # TAR WHAT: an archive of the whole tree
	local n
	n=$(bsdtar -tvf "$1" | grep -c '^-')
	[[ $n -eq $nfiles ]] || die "$2 archived $n files in $1, not $nfiles"
	local name
	name=$(bsdtar -tf "$1" | awk '/^(\.\/)?big$/ { n = $0 } END { print n }')
	[[ -n $name ]] || die "$2 archived no big file in $1"
	[[ $(bsdtar -xOf "$1" "$name" | sha256sum | cut -d' ' -f1) == "$big_sha" ]] ||
		die "$2 archived a wrong big file in $1"
}
check_listing() { # WHAT: $dir/check.out lists every entry of /many
	local n
	n=$(grep -ci 'ent[0-9]' "$dir/check.out" || true)
	[[ $n -ge $nmany ]] || die "$1 lists $n entries of /many, not $nmany"
}

# run_checked WHAT PREPARE CMD: run CMD once as the timing will (after PREPARE), failing loudly
run_checked() {
	local what=$1 prepare=$2 cmd=$3
	[[ -z $prepare ]] || eval "$prepare" >"$dir/check.out" 2>&1 || {
		cat "$dir/check.out" >&2
		die "preparing $what failed: $prepare"
	}
	eval "$cmd" >"$dir/check.out" 2>&1 || {
		tail -n 20 "$dir/check.out" >&2
		die "$what failed: $cmd"
	}
}

# ---- timing
samples() { # FILE CMD PREPARE: append one round's times for CMD to FILE
	local file=$1 cmd=$2 prepare=$3 args=(-N --style none --runs "$runs" --export-json "$dir/hf.json")
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

# ---- targets: "ratio<=X" (rumpsh median / peer median), "rumpsh<=X" (rumpsh median, in the
# row's unit), or empty. verdict TARGET RMEDIAN RATIO prints OK, MISSED or nothing.
verdict() {
	local target=$1 rm=$2 ratio=$3 what limit
	[[ -n $target ]] || return 0
	what=${target%%<=*} limit=${target#*<=}
	local v=$rm
	[[ $what == ratio ]] && v=$ratio
	[[ -n $v ]] || return 0
	awk -v v="$v" -v l="$limit" 'BEGIN { print (v <= l) ? "OK" : "MISSED" }'
}

csv_header() {
	echo "row,fs,unit,rumpsh_median,rumpsh_min,rumpsh_max,peer,peer_median,peer_min,peer_max,ratio,target,verdict,note" >"$csv"
}
table=()
# record ROW FS UNIT RM RMIN RMAX PEER PM PMIN PMAX TARGET NOTE: one CSV line and one table line
record() {
	local row=$1 fs=$2 unit=$3 rm=$4 rmin=$5 rmax=$6 peer=$7 pm=$8 pmin=$9 pmax=${10} target=${11} note=${12//,/;}
	local ratio="" v
	[[ -z $rm || -z $pm ]] || ratio=$(awk -v a="$rm" -v b="$pm" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
	v=$(verdict "$target" "$rm" "$ratio")
	echo "$row,$fs,$unit,$rm,$rmin,$rmax,$peer,$pm,$pmin,$pmax,$ratio,$target,$v,$note" >>"$csv"
	local rcol="" pcol="" tcol=""
	[[ -z $rm ]] || rcol=$(fmt_value "$unit" "$rm" "$rmin" "$rmax")
	[[ -z $pm ]] || pcol=$(fmt_value "$unit" "$pm" "$pmin" "$pmax")
	[[ -z $target ]] || tcol="$target $v"
	if [[ -z $rm ]]; then
		table+=("$(printf '%-15s %-7s %-14s  %s' "$row" "$fs" "$peer" "$note")")
	else
		table+=("$(printf '%-15s %-7s %-14s %-26s %-26s %6s  %s%s' "$row" "$fs" "$peer" "$rcol" "$pcol" \
			"$ratio" "$tcol" "${note:+  ($note)}")")
	fi
}
fmt_value() { # UNIT MEDIAN MIN MAX
	if [[ $1 == KiB ]]; then
		printf '%s KiB' "$2"
	else
		awk -v m="$2" -v a="$3" -v b="$4" 'BEGIN { printf "%.4f (%.4f-%.4f)", m, a, b }'
	fi
}

# skip_row ROW FS PEER REASON: a row that could not run here
skip_row() { record "$1" "$2" s "" "" "" "$3" "" "" "" "" "skipped: $4"; }

# bench_case [-t TARGET] [-c CHECK] [-p PREPARE] [-P PEER_PREPARE] [-n NOTE] ROW FS PEER RCMD [PCMD]
# CHECK is a function called as CHECK rumpsh|peer after each command's checked run. PREPARE runs
# before every run of both commands (and PEER_PREPARE, when given, before the peer's instead).
# Without PCMD the row times rumpsh alone (a peer that cannot read this image).
bench_case() {
	local target="" check="" prep="" pprep="" note="" opt OPTIND=1
	while getopts t:c:p:P:n: opt; do
		case $opt in
		t) target=$OPTARG ;;
		c) check=$OPTARG ;;
		p) prep=$OPTARG ;;
		P) pprep=$OPTARG ;;
		n) note=$OPTARG ;;
		*) die "bench_case: bad option" ;;
		esac
	done
	shift $((OPTIND - 1))
	local row=$1 fs=$2 peer=$3 rcmd=$4 pcmd=${5:-}
	[[ -n $pprep ]] || pprep=$prep
	echo "bench.sh: $row $fs vs $peer" >&2
	run_checked "rumpsh ($row $fs)" "$prep" "$rcmd"
	[[ -z $check ]] || "$check" rumpsh
	if [[ -n $pcmd ]]; then
		run_checked "$peer ($row $fs)" "$pprep" "$pcmd"
		[[ -z $check ]] || "$check" peer
	fi
	local rf=$dir/times.rumpsh pf=$dir/times.peer r
	: >"$rf"
	: >"$pf"
	for ((r = 0; r < rounds; r++)); do
		samples "$rf" "$rcmd" "$prep"
		[[ -z $pcmd ]] || samples "$pf" "$pcmd" "$pprep"
	done
	local rm rmin rmax pm="" pmin="" pmax=""
	read -r rm rmin rmax < <(stats "$rf")
	[[ -z $pcmd ]] || read -r pm pmin pmax < <(stats "$pf")
	record "$row" "$fs" s "$rm" "$rmin" "$rmax" "$peer" "$pm" "$pmin" "$pmax" "$target" "$note"
	rm -f "$rf" "$pf"
}

print_table() {
	echo
	echo "rumpsh benchmark, scale $scale, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -m);" \
		"$rounds round(s) of $runs run(s) per command"
	printf '%-15s %-7s %-14s %-26s %-26s %6s  %s\n' row fs peer 'rumpsh median (min-max)' \
		'peer median (min-max)' ratio target
	printf '%s\n' "${table[@]}"
	echo "(times in seconds; ratio = rumpsh median / peer median, lower is better; CSV: $csv)"
}
