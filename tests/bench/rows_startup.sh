# rows_startup.sh: start-up latency on the 1 GiB ext4 image and peak memory while copying the big
# file out and in (sourced by bench.sh).

check_startup() { grep -q many "$dir/check.out" || die "ls / ($1) does not list /many"; }

# rss CMD...: peak RSS of CMD in KiB
rss() {
	/usr/bin/time -f %M -o "$dir/rss" "$@" >"$dir/rss.out" 2>&1 || {
		tail -n 20 "$dir/rss.out" >&2
		die "failed: $*"
	}
	tail -n 1 "$dir/rss"
}

startup_rows() {
	peer_ok startup ext4 "debugfs ls" debugfs &&
		bench_case -t 'rumpsh<=0.010' -c check_startup startup ext4 "debugfs ls" \
			"$RUMPSH $ext4_img ls /" "debugfs -R 'ls /' $ext4_img"

	local r p target='rumpsh<=65535' # KiB: under 64 MiB
	fresh_out
	r=$(rss "$RUMPSH" "$ext4_img" get /big "$out")
	check_big_file "$out/big" "rumpsh get /big"
	if peer_ok rss_get_big ext4 "7z x" 7z; then
		fresh_out
		p=$(rss 7z x -y "$ext4_img" big "-o$out")
		check_big_file "$out/big" "7z x big"
		record rss_get_big ext4 KiB "$r" "$r" "$r" "7z x" "$p" "$p" "$p" "$target" ""
	fi
	cp --sparse=always "$empty_ext4" "$work/r.img"
	r=$(rss "$RUMPSH" "$work/r.img" put "$tree/big" /)
	if peer_ok rss_put_big ext4 "debugfs -w" debugfs; then
		cp --sparse=always "$empty_ext4" "$work/p.img"
		p=$(rss debugfs -w -R "write $tree/big big" "$work/p.img")
		record rss_put_big ext4 KiB "$r" "$r" "$r" "debugfs -w" "$p" "$p" "$p" "$target" ""
	fi
	rm -f "$work/r.img" "$work/p.img"
}
