#!/bin/bash
# csv2md.sh [CSV]: the benchmark's results.csv (default build/bench/results.csv) as the Markdown
# table of the README's Results section.
set -euo pipefail
csv=${1:-$(dirname "$0")/../../build/bench/results.csv}
[[ -f $csv ]] || {
	echo "csv2md.sh: no $csv: run make bench first" >&2
	exit 1
}
awk -F, '
function val(u, m, a, b) {
	if (m == "") return ""
	if (u == "KiB") return sprintf("%d KiB", m)
	return sprintf("%.4g (%.4g–%.4g)", m, a, b)
}
NR == 1 { next }
NR == 2 {
	print "| row | fs | peer | rumpsh median (min–max) | peer median (min–max) | ratio | target |"
	print "|-----|----|------|-------------------------|-----------------------|-------|--------|"
}
{
	target = ($12 == "") ? "" : $12 " " $13
	if ($14 ~ /^skipped: /) { printf "| %s | %s | %s | | %s | | |\n", $1, $2, $7, $14; next }
	note = ($14 == "") ? "" : " (" $14 ")"
	printf "| %s | %s | %s%s | %s | %s | %s | %s |\n", $1, $2, $7, note, val($3, $4, $5, $6), val($3, $8, $9, $10), $11, target
}' "$csv"
