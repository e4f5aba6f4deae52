#!/bin/bash
# run.sh BUILDDIR: one test pass (unit binaries, then bats suites); appends "PASSED FAILED LABEL" to build/results.txt.
set -euo pipefail

die() {
	echo "run.sh: $*" >&2
	exit 2
}

[[ $# -eq 1 ]] || die "usage: tests/run.sh BUILDDIR (e.g. build/plain)"
cd "$(dirname "$0")/.."
root=$PWD
builddir=${1%/}
[[ $builddir == /* ]] || builddir=$root/$builddir
label=$(basename "$builddir")
[[ -d $builddir ]] || die "no build directory $builddir: run make first"
[[ -x $builddir/rumpsh ]] || die "no $builddir/rumpsh: build it first (make, or make SANITIZE=1)"
command -v bats >/dev/null || die "bats not found (run make deps)"
command -v timeout >/dev/null || die "timeout not found (run make deps)"

# RUMPSH_RESULTS and RUMPSH_SUITES (bats files, space-separated) let tests/infra.bats run
# this script on a stand-in pass without touching the real results.
results=${RUMPSH_RESULTS:-$root/build/results.txt}
mkdir -p "$(dirname "$results")"

export RUMPSH=$builddir/rumpsh
export TZ=UTC LC_ALL=C
case ":$PATH:" in
*:/usr/sbin:*) ;;
*) export PATH=$PATH:/usr/sbin:/sbin ;;
esac
# Any sanitizer report fails the process, with a status (86) no rumpsh error has, so a
# test expecting "status 1" cannot pass by accident. Harmless for an unsanitized build.
export ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:detect_leaks=1:exitcode=86
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=86
export LSAN_OPTIONS=exitcode=86
# A hanging test program is killed after RUN_FILE_TIMEOUT seconds and its unfinished
# tests count as failures. (Not BATS_TEST_TIMEOUT: in bats 1.8 its watchdog can outlive a
# test and stall the whole file for the full timeout.)
file_timeout=${RUN_FILE_TIMEOUT:-900}

# Fixtures are built once per `make check`: the Makefile empties results.txt before the
# first pass, so the first pass starts them afresh and the second reuses them.
export RUMPSH_FIXTURES=${RUMPSH_FIXTURES:-$root/build/fixtures}
# (Renamed aside first: a test run elsewhere in the tree may be writing fixtures as well.)
# RUMPSH_KEEP_FIXTURES=1: the caller (make check) started them afresh itself.
if [[ -z ${RUMPSH_KEEP_FIXTURES:-} && ! -s $results && -d $RUMPSH_FIXTURES ]]; then
	old_fixtures=$RUMPSH_FIXTURES.old.$$
	if mv "$RUMPSH_FIXTURES" "$old_fixtures"; then
		rm -rf "$old_fixtures" 2>/dev/null || rm -rf "$old_fixtures" ||
			echo "run.sh: warning: could not remove all of $old_fixtures" >&2
	else
		echo "run.sh: warning: could not start $RUMPSH_FIXTURES afresh; reusing it" >&2
	fi
fi
mkdir -p "$RUMPSH_FIXTURES"

# sweep_mounts: unmount loop mounts that tests registered and left behind (owner ended).
export RUMPSH_MOUNTS=${RUMPSH_MOUNTS:-$root/build/test-mounts}
sweep_mounts() {
	[[ -s $RUMPSH_MOUNTS ]] || return 0
	local pid dir keep=()
	while read -r pid dir; do
		if kill -0 "$pid" 2>/dev/null; then
			keep+=("$pid $dir")
		elif mountpoint -q "$dir"; then
			echo "# run.sh: unmounting $dir, left mounted by a test" >&2
			umount "$dir" 2>/dev/null || umount -l "$dir" || true
		fi
	done < <(tac "$RUMPSH_MOUNTS")
	if ((${#keep[@]})); then printf '%s\n' "${keep[@]}" | tac >"$RUMPSH_MOUNTS"; else : >"$RUMPSH_MOUNTS"; fi
}

total_pass=0
total_fail=0
failed_names=()
timings=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# count_tap NAME LOG STATUS SECONDS: count one finished TAP producer's results. A producer
# that printed no plan, fewer tests than its plan, or failed with no "not ok" line (a
# crash, a timeout, a leak report at exit) counts one failure more.
count_tap() {
	local name=$1 out=$2 status=$3 secs=$4
	timings+=("$(printf '%5d s  %s' "$secs" "$name")")
	local counts ok notok plan
	counts=$(awk '
		/^ok( |$)/ { ok++ }
		/^not ok( |$)/ { notok++ }
		/^1\.\.[0-9]+/ { sub(/^1\.\./, ""); plan = $0 + 0; hasplan = 1 }
		END { printf "%d %d %d\n", ok, notok, hasplan ? plan : -1 }' "$out")
	read -r ok notok plan <<<"$counts"
	local fail=$notok
	if ((plan < 0)); then
		echo "# run.sh: $name printed no TAP plan (status $status): counted as a failure"
		fail=$((fail + 1))
	elif ((ok + notok < plan)); then
		echo "# run.sh: $name ran $((ok + notok)) of $plan planned tests (status $status): the rest count as failures"
		fail=$((fail + plan - ok - notok))
	fi
	if ((status != 0 && notok == 0 && plan >= 0 && ok + notok >= plan)); then
		case $status in
		124 | 137) echo "# run.sh: $name timed out: counted as a failure" ;;
		86) echo "# run.sh: $name: sanitizer report: counted as a failure" ;;
		*) echo "# run.sh: $name exited with status $status although no test failed: counted as a failure" ;;
		esac
		fail=$((fail + 1))
	fi
	total_pass=$((total_pass + ok))
	total_fail=$((total_fail + fail))
	((fail == 0)) || failed_names+=("$name")
}

# run_tap NAME CMD...: run one TAP producer with its output live, then count it.
run_tap() {
	local name=$1
	shift
	echo "# ==== $label: $name"
	local status=0 start=$SECONDS
	"$@" </dev/null 2>&1 | tee "$log" || status=${PIPESTATUS[0]}
	count_tap "$name" "$log" "$status" $((SECONDS - start))
}

# run_suites FILE...: the bats files, RUN_JOBS at a time (default 2: most suites wait on
# mkfs, loop devices and the disk more than on the CPU). Each file's output is shown,
# in order, once it has finished.
run_suites() {
	local jobs=${RUN_JOBS:-2} dir i n=$#
	dir=$(mktemp -d)
	local -a files=("$@")
	for ((i = 0; i < n; i++)); do
		while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done
		(
			start=$SECONDS status=0
			timeout -k 10 "$file_timeout" bats --tap "${files[i]}" </dev/null >"$dir/$i.log" 2>&1 ||
				status=$?
			echo "$status $((SECONDS - start))" >"$dir/$i.status"
		) &
	done
	wait
	for ((i = 0; i < n; i++)); do
		local status secs
		echo "# ==== $label: ${files[i]}"
		cat "$dir/$i.log"
		read -r status secs <"$dir/$i.status" || { status=1 secs=0; }
		count_tap "${files[i]}" "$dir/$i.log" "$status" "$secs"
	done
	rm -rf "$dir"
	sweep_mounts
}

sweep_mounts
ran=0
shopt -s nullglob
for bin in "$builddir"/unit/test_*; do
	[[ -f $bin && -x $bin ]] || continue
	run_tap "unit/${bin##*/}" timeout -k 10 300 "$bin"
	ran=$((ran + 1))
done
if [[ -n ${RUMPSH_SUITES:-} ]]; then
	read -ra suites <<<"$RUMPSH_SUITES"
else
	suites=(tests/*.bats)
fi
for suite in "${suites[@]}"; do
	[[ -f $suite ]] || die "no bats file $suite"
	ran=$((ran + 1))
done
((${#suites[@]} == 0)) || run_suites "${suites[@]}"
((ran > 0)) || die "no unit test binaries in $builddir/unit and no tests/*.bats: nothing to run"

echo "$total_pass $total_fail $label" >>"$results"
echo "# ==== $label: time per test program"
printf '# %s\n' "${timings[@]}"
echo "# ==== $label: $total_pass passed, $total_fail failed"
if ((${#failed_names[@]})); then
	echo "# ==== $label: failures in: ${failed_names[*]}"
fi
exit 0
