#!/bin/bash
# summary.sh RESULTS: print each test pass's counts and, last, the totals "N passed, N failed".
set -euo pipefail

results=${1:-build/results.txt}
if [[ ! -s $results ]]; then
	echo "summary.sh: no results in $results: no test pass ran" >&2
	exit 1
fi

passed=0
failed=0
while read -r p f label; do
	if [[ ! $p =~ ^[0-9]+$ || ! $f =~ ^[0-9]+$ ]]; then
		echo "summary.sh: bad line in $results: $p $f $label" >&2
		exit 1
	fi
	printf '  pass %-8s %6d ok %6d not ok\n' "${label:-?}" "$p" "$f"
	passed=$((passed + p))
	failed=$((failed + f))
done <"$results"

echo "$passed passed, $failed failed"
((failed == 0))
