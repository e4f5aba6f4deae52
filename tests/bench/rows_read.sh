# rows_read.sh: reading out of every image (sourced by bench.sh): get of the big file, get -r of
# the 5,000 small files, ls -l of the 10,000-entry directory, against each file system's tools.

# peer_ok ROW FS PEER TOOL...: true when the peer's tools are here, else a skipped row
peer_ok() {
	local row=$1 fs=$2 peer=$3 why
	shift 3
	why=$(missing_tools "$@")
	[[ -z $why ]] && return 0
	skip_row "$row" "$fs" "$peer" "$why"
	return 1
}

check_out_big() { check_big_file "$out/big" "$1"; }
check_out_small() { check_small_dir "$out/small" "$1"; }
check_ls_many() { check_listing "$1"; }

# ufs1_ino NAME: the inode number fls shows for /NAME of the UFS1 image (the Sleuth Kit tools
# take inode numbers)
ufs1_ino() {
	local ino
	ino=$(fls -f ufs1 "$ufs1_img" | awk -v n="$1" '$NF == n { sub(/:$/, "", $2); print $2 }')
	[[ $ino =~ ^[0-9]+$ ]] || die "fls does not show /$1 in $ufs1_img"
	echo "$ino"
}

read_rows() {
	local prep="sh -c 'rm -rf $out && mkdir -p $out'"
	local fs img
	local no_ufs2="no reader of makefs UFS2 here (Sleuth Kit reads UFS1 only; 7z has no UFS)"

	# ---- get of the big file
	for fs in ext4 ext2 fat32 iso9660; do
		img=$(img_of "$fs")
		peer_ok get_big "$fs" "7z x" 7z &&
			bench_case -t 'ratio<=1.0' -c check_out_big -p "$prep" get_big "$fs" "7z x" \
				"$RUMPSH $img get /big $out" "7z x -y $img big -o$out"
	done
	peer_ok get_big ext4 "debugfs dump" debugfs &&
		bench_case -c check_out_big -p "$prep" get_big ext4 "debugfs dump" \
			"$RUMPSH $ext4_img get /big $out" "debugfs -R 'dump /big $out/big' $ext4_img"
	peer_ok get_big ext2 "debugfs dump" debugfs &&
		bench_case -c check_out_big -p "$prep" get_big ext2 "debugfs dump" \
			"$RUMPSH $ext2_img get /big $out" "debugfs -R 'dump /big $out/big' $ext2_img"
	peer_ok get_big fat32 mcopy mcopy &&
		bench_case -c check_out_big -p "$prep" get_big fat32 mcopy \
			"$RUMPSH $fat_img get /big $out" "mcopy -i $fat_img ::/big $out/big"
	peer_ok get_big iso9660 "bsdtar -xf" bsdtar &&
		bench_case -c check_out_big -p "$prep" get_big iso9660 "bsdtar -xf" \
			"$RUMPSH $iso_img get /big $out" "bsdtar -xf $iso_img -C $out big"
	bench_case -c check_out_big -p "$prep" -n "$no_ufs2" get_big ufs2 none "$RUMPSH $ufs2_img get /big $out"
	if peer_ok get_big ufs1 icat icat fls; then
		local ino
		ino=$(ufs1_ino big)
		bench_case -c check_out_big -p "$prep" -n "UFS1 image (Sleuth Kit reads no makefs UFS2)" \
			get_big ufs1 icat "$RUMPSH $ufs1_img get /big $out" "sh -c 'icat -f ufs1 $ufs1_img $ino >$out/big'"
	fi

	# ---- get -r of the 5,000 small files in one directory
	for fs in ext4 ext2; do
		img=$(img_of "$fs")
		peer_ok get_small "$fs" "debugfs rdump" debugfs &&
			bench_case -t 'ratio<=1.0' -c check_out_small -p "$prep" get_small "$fs" "debugfs rdump" \
				"$RUMPSH $img get -r /small $out" "debugfs -R 'rdump /small $out' $img"
	done
	peer_ok get_small fat32 "mcopy -s" mcopy &&
		bench_case -c check_out_small -p "$prep" get_small fat32 "mcopy -s" \
			"$RUMPSH $fat_img get -r /small $out" "mcopy -s -i $fat_img ::/small $out"
	peer_ok get_small iso9660 "bsdtar -xf" bsdtar &&
		bench_case -c check_out_small -p "$prep" get_small iso9660 "bsdtar -xf" \
			"$RUMPSH $iso_img get -r /small $out" "bsdtar -xf $iso_img -C $out small"
	for fs in ext4 ext2 fat32 iso9660; do
		img=$(img_of "$fs")
		peer_ok get_small "$fs" "7z x" 7z &&
			bench_case -c check_out_small -p "$prep" get_small "$fs" "7z x" \
				"$RUMPSH $img get -r /small $out" "7z x -y $img small -o$out"
	done
	bench_case -c check_out_small -p "$prep" -n "$no_ufs2" get_small ufs2 none "$RUMPSH $ufs2_img get -r /small $out"
	if peer_ok get_small ufs1 tsk_recover tsk_recover fls; then
		local dino
		dino=$(ufs1_ino small)
		# -e: every file of the directory (a fresh image has no deleted ones); -d alone finds none
		bench_case -c check_out_small -p "$prep" -n "UFS1 image (Sleuth Kit reads no makefs UFS2)" \
			get_small ufs1 tsk_recover "$RUMPSH $ufs1_img get -r /small $out" \
			"tsk_recover -e -f ufs1 -d $dino $ufs1_img $out/small"
	fi

	# ---- ls -l of the 10,000-entry directory
	for fs in ext4 ext2; do
		img=$(img_of "$fs")
		peer_ok ls_many "$fs" "debugfs ls -l" debugfs &&
			bench_case -t 'rumpsh<=0.1' -c check_ls_many ls_many "$fs" "debugfs ls -l" \
				"$RUMPSH $img ls -l /many" "debugfs -R 'ls -l /many' $img"
	done
	peer_ok ls_many fat32 mdir mdir &&
		bench_case -c check_ls_many ls_many fat32 mdir "$RUMPSH $fat_img ls -l /many" "mdir -i $fat_img ::/many"
	peer_ok ls_many iso9660 "bsdtar -tvf" bsdtar &&
		bench_case -c check_ls_many ls_many iso9660 "bsdtar -tvf" \
			"$RUMPSH $iso_img ls -l /many" "bsdtar -tvf $iso_img many"
	bench_case -c check_ls_many -n "$no_ufs2" ls_many ufs2 none "$RUMPSH $ufs2_img ls -l /many"
	if peer_ok ls_many ufs1 fls fls; then
		local mino
		mino=$(ufs1_ino many)
		bench_case -c check_ls_many -n "UFS1 image" ls_many ufs1 fls \
			"$RUMPSH $ufs1_img ls -l /many" "fls -f ufs1 $ufs1_img $mino"
	fi
}
