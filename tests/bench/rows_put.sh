# rows_put.sh: copying the big file and the 5,000 small files into an empty image (sourced by
# bench.sh): put against debugfs -w write, mkfs.ext4 -d, cp onto the kernel's loop mount + sync,
# and mcopy for FAT32. Every run starts from a fresh copy of the empty image.

# check_put_ext WHO: the image WHO wrote is clean for e2fsck and holds what was put
check_put_ext() {
	local img=$work/r.img
	if [[ $1 == peer ]]; then
		img=$work/p.img
		"$mntsh" down "$mnt/k"
	fi
	e2fsck -fn "$img" >"$dir/fsck.out" 2>&1 || {
		tail -n 20 "$dir/fsck.out" >&2
		die "e2fsck finds errors in $img after $put_what ($1)"
	}
	fresh_out
	if [[ $put_what == big ]]; then
		debugfs -R "dump /big $out/big" "$img" >/dev/null 2>&1
		check_big_file "$out/big" "put big ($1)"
	else
		debugfs -R "rdump /small $out" "$img" >/dev/null 2>&1
		check_small_dir "$out/small" "put -r small ($1)"
	fi
}

# check_put_fat WHO: the same for FAT32, with fsck.fat and mtools
check_put_fat() {
	local img=$work/r.img
	[[ $1 == peer ]] && img=$work/p.img
	fsck.fat -n "$img" >"$dir/fsck.out" 2>&1 || {
		tail -n 20 "$dir/fsck.out" >&2
		die "fsck.fat finds errors in $img after $put_what ($1)"
	}
	fresh_out
	if [[ $put_what == big ]]; then
		mcopy -i "$img" ::/big "$out/big"
		check_big_file "$out/big" "put big ($1)"
	else
		mcopy -s -i "$img" ::/small "$out"
		check_small_dir "$out/small" "put -r small ($1)"
	fi
}

put_rows() {
	local r=$work/r.img p=$work/p.img
	local prep_r="cp --sparse=always $empty_ext4 $r" prep_p="cp --sparse=always $empty_ext4 $p"
	local kernel_why="" debugfs_script=$dir/put-small.debugfs f
	[[ $(id -u) -eq 0 ]] || kernel_why="not root"
	if [[ -z $kernel_why ]] && ! "$mntsh" up kernel "$empty_ext4" "$mnt/k" ro >/dev/null 2>&1; then
		kernel_why="loop mount failed"
	fi
	"$mntsh" down "$mnt/k"

	# debugfs has no recursive write: one script of mkdir, cd and a write per file
	{
		echo "mkdir small"
		echo "cd small"
		for f in "$tree"/small/*; do echo "write $f ${f##*/}"; done
	} >"$debugfs_script"

	local what src put_args
	for what in big small; do
		put_what=$what
		if [[ $what == big ]]; then
			src=$dir/src-big put_args="put $tree/big /"
		else
			src=$dir/src-small put_args="put -r $tree/small /"
		fi
		local row=put_$what rcmd="$RUMPSH $r $put_args"
		if peer_ok "$row" ext4 "debugfs -w" debugfs; then
			local pcmd="debugfs -w -R 'write $tree/big big' $p"
			[[ $what == small ]] && pcmd="debugfs -w -f $debugfs_script $p"
			bench_case -c check_put_ext -p "$prep_r" -P "$prep_p" "$row" ext4 "debugfs -w" "$rcmd" "$pcmd"
		fi
		bench_case -c check_put_ext -p "$prep_r" -P "rm -f $p" -n "the peer's time includes formatting" \
			"$row" ext4 "mkfs.ext4 -d" "$rcmd" "mke2fs -q -F -t ext4 -d $src $p ${empty_mib}M"
		if [[ -z $kernel_why ]]; then
			bench_case -c check_put_ext -p "$prep_r" -P "$mntsh up kernel $p $mnt/k rw $empty_ext4" \
				"$row" ext4 "kernel cp+sync" "$rcmd" "sh -c 'cp -r $tree/$what $mnt/k/ && sync -f $mnt/k'"
			"$mntsh" down "$mnt/k"
		else
			skip_row "$row" ext4 "kernel cp+sync" "$kernel_why"
		fi
		if peer_ok "$row" fat32 mcopy mcopy fsck.fat; then
			local fcmd="mcopy -i $p $tree/big ::/"
			[[ $what == small ]] && fcmd="mcopy -s -i $p $tree/small ::/"
			bench_case -c check_put_fat -p "cp --sparse=always $empty_fat $r" -P "cp --sparse=always $empty_fat $p" \
				"$row" fat32 mcopy "$RUMPSH $r $put_args" "$fcmd"
		fi
	done
	rm -f "$r" "$p"
}
