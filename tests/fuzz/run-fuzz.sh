#!/bin/bash
# run-fuzz.sh SECONDS HARNESS...: run each libFuzzer harness of build/fuzz/ in turn for SECONDS; report executions and crashes.
set -uo pipefail

[[ $# -ge 2 ]] || { echo "usage: tests/fuzz/run-fuzz.sh SECONDS fuzz_read_ext2 ..." >&2; exit 2; }
cd "$(dirname "$0")/../.."
secs=$1
shift
dir=build/fuzz
mkdir -p "$dir/crashes" "$dir/logs"
status=0
for h in "$@"; do
	drv=${h##*_}
	bin=$dir/$h
	[[ -x $bin ]] || { echo "run-fuzz.sh: no $bin (make fuzz-build)" >&2; exit 2; }
	mkdir -p "$dir/corpus/$h"
	log=$dir/logs/$h.log
	# libFuzzer caps inputs at 1 MiB unless told: the seeds with a journal are bigger
	maxlen=$(stat -c %s "$dir/seeds/$drv"/* | sort -n | tail -1)
	# corpus/HARNESS grows between runs; the seeds and the regression inputs are read only
	"$bin" -max_total_time="$secs" -max_len="${maxlen:-1048576}" -rss_limit_mb=2048 -malloc_limit_mb=128 -timeout=10 \
		-print_final_stats=1 -dict="tests/fuzz/$drv.dict" \
		-artifact_prefix="$dir/crashes/$h-" \
		"$dir/corpus/$h" "$dir/seeds/$drv" "tests/fuzz/regress/$drv" >"$log" 2>&1
	rc=$?
	execs=$(awk '/stat::number_of_executed_units:/ { print $2 }' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
	if ((rc != 0)); then
		status=1
		echo "$h: FAILED (status $rc) after ${execs:-?} executions; $(grep -m1 -o "Test unit written to .*" "$log")"
		grep -m1 -E '^==[0-9]+==ERROR|runtime error|ERROR: libFuzzer' "$log"
	else
		echo "$h: ${execs:-?} executions in $secs s, $cov, no crash"
	fi
done
exit "$status"
