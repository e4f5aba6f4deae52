#!/usr/bin/env bats
# bench.bats: the benchmark's smoke mode runs end to end and writes every row of its CSV.

load test_helper

@test "bench.sh smoke mode (BENCH_SCALE=0.01) times every case and writes the CSV" {
	need_tool hyperfine jq 7z debugfs mke2fs /usr/bin/time
	dir=$BATS_TEST_TMPDIR/bench
	run env BENCH_SCALE=0.01 BENCH_DIR="$dir" RUMPSH="$RUMPSH" \
		"$RUMPSH_ROOT/tests/bench/bench.sh" "$(dirname "$RUMPSH")"
	assert_success
	assert_no_sanitizer_report
	csv=$dir/results.csv
	[ -f "$csv" ]
	[ "$(head -n 1 "$csv")" = case,unit,rumpsh_median,rumpsh_min,rumpsh_max,peer,peer_median,peer_min,peer_max,ratio ]
	for row in get_big get_small_tree ls_many startup_ls_root peak_rss_get_big; do
		# every row: ten fields, numbers where numbers belong
		grep -qE "^$row,(s|KiB),[0-9.]+,[0-9.]+,[0-9.]+,[a-z0-9]+,[0-9.]+,[0-9.]+,[0-9.]+,[0-9.]+\$" "$csv" ||
			fail "no well-formed $row row in $csv: $(cat "$csv")"
	done
	[ "$(wc -l <"$csv")" -eq 6 ]
}
