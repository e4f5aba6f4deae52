# rows_extract.sh: whole images to archives and host trees (sourced by bench.sh). ext4: rumpsh
# `extract -f x.tar /` against bsdtar -cf over the kernel's loop mount, debugfs rdump + bsdtar -cf,
# and 7z x; ISO 9660: `extract -C` against bsdtar -xf and 7z x.

extract_kind=tar # what the peer of the current row writes: tar (out/x.tar) or tree (out/t)
check_extract_tar() {
	if [[ $1 == rumpsh || $extract_kind == tar ]]; then
		check_tar "$out/x.tar" "extract to tar ($1)"
	else
		check_whole_tree "$out/t" "extract ($1)"
	fi
}
check_extract_tree() { check_whole_tree "$out/t" "extract -C ($1)"; }

extract_rows() {
	local prep="sh -c 'rm -rf $out && mkdir -p $out/t'"
	local rcmd="$RUMPSH $ext4_img extract -f $out/x.tar /"
	extract_kind=tar
	if [[ $(id -u) -ne 0 ]]; then
		skip_row extract_tar ext4 "bsdtar kernel" "not root"
	else
		bench_case -t 'ratio<=1.0' -c check_extract_tar -p "$prep" \
			-P "sh -c 'rm -rf $out && mkdir -p $out && $mntsh up kernel $ext4_img $mnt/p ro'" \
			extract_tar ext4 "bsdtar kernel" "$rcmd" "bsdtar -cf $out/x.tar -C $mnt/p ."
		"$mntsh" down "$mnt/p"
	fi
	peer_ok extract_tar ext4 "rdump+bsdtar" debugfs &&
		bench_case -c check_extract_tar -p "$prep" extract_tar ext4 "rdump+bsdtar" "$rcmd" \
			"sh -c 'debugfs -R \"rdump / $out/t\" $ext4_img && bsdtar -cf $out/x.tar -C $out/t .'"
	extract_kind=tree
	peer_ok extract_tar ext4 "7z x" 7z &&
		bench_case -c check_extract_tar -p "$prep" -n "7z writes a host tree (less the journal); rumpsh a tar" \
			extract_tar ext4 "7z x" "$rcmd" "7z x -y $ext4_img '-x![SYS]' -o$out/t"

	rcmd="$RUMPSH $iso_img extract -C $out/t /"
	bench_case -c check_extract_tree -p "$prep" extract_dir iso9660 "bsdtar -xf" "$rcmd" "bsdtar -xf $iso_img -C $out/t"
	peer_ok extract_dir iso9660 "7z x" 7z &&
		bench_case -c check_extract_tree -p "$prep" extract_dir iso9660 "7z x" "$rcmd" "7z x -y $iso_img -o$out/t"
}
