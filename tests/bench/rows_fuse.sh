# rows_fuse.sh: the ext4 image served to the kernel (sourced by bench.sh): `rumpsh IMG mount -f`
# against fuse2fs and the kernel's own loop mount. Sequential read of the big file and bsdtar -cf
# of the small files remount before every run (cold caches of the file system under test); the
# sequential write of a big file goes into a copy of the empty image with an fsync at the end.

mount_of() { if [[ $1 == peer ]]; then echo "$mnt/p"; else echo "$mnt/r"; fi; }
check_fuse_read() { check_big_file "$(mount_of "$1")/big" "reading through the $1 mount"; }
check_fuse_tar() {
	local n
	n=$(bsdtar -tvf "$out/s.tar" | grep -c '^-')
	[[ $n -eq $nsmall ]] || die "bsdtar -cf through the $1 mount archived $n files, not $nsmall"
}
check_fuse_write() { check_big_file "$(mount_of "$1")/w" "dd onto the $1 mount"; }

# fuse_pair PEER-KIND: every FUSE row with rumpsh against one peer (fuse2fs or kernel)
fuse_pair() {
	local kind=$1 peer
	case $kind in
	fuse2fs) peer=fuse2fs ;;
	kernel) peer="kernel mount" ;;
	esac
	local up_r="$mntsh up rumpsh $ext4_img $mnt/r ro" up_p="$mntsh up $kind $ext4_img $mnt/p ro"
	local rt="" tt=""
	[[ $kind == kernel ]] && rt='ratio<=1.5'
	[[ $kind == fuse2fs ]] && tt='ratio<=0.5'

	bench_case -t "$rt" -c check_fuse_read -p "$up_r" -P "$up_p" fuse_read_big ext4 "$peer" \
		"dd if=$mnt/r/big of=/dev/null bs=1M" "dd if=$mnt/p/big of=/dev/null bs=1M"
	bench_case -t "$tt" -c check_fuse_tar -p "sh -c 'rm -rf $out && mkdir -p $out && $up_r'" \
		-P "sh -c 'rm -rf $out && mkdir -p $out && $up_p'" fuse_tar_small ext4 "$peer" \
		"bsdtar -cf $out/s.tar -C $mnt/r small" "bsdtar -cf $out/s.tar -C $mnt/p small"
	"$mntsh" down "$mnt/r"
	"$mntsh" down "$mnt/p"

	"$mntsh" up rumpsh "$work/r.img" "$mnt/r" rw "$empty_ext4"
	"$mntsh" up "$kind" "$work/p.img" "$mnt/p" rw "$empty_ext4"
	bench_case -c check_fuse_write -p "rm -f $mnt/r/w" -P "rm -f $mnt/p/w" fuse_write_big ext4 "$peer" \
		"dd if=$tree/big of=$mnt/r/w bs=1M conv=fsync" "dd if=$tree/big of=$mnt/p/w bs=1M conv=fsync"
	"$mntsh" down "$mnt/r"
	"$mntsh" down "$mnt/p"
	e2fsck -fn "$work/r.img" >"$dir/fsck.out" 2>&1 || {
		tail -n 20 "$dir/fsck.out" >&2
		die "e2fsck finds errors in the image rumpsh's mount wrote"
	}
}

fuse_rows() {
	local fuse_why="" kernel_why=""
	[[ -c /dev/fuse ]] || fuse_why="no /dev/fuse"
	[[ $(id -u) -eq 0 ]] || kernel_why="not root"
	if [[ -z $kernel_why ]] && ! "$mntsh" up kernel "$empty_ext4" "$mnt/k" ro >/dev/null 2>&1; then
		kernel_why="loop mount failed"
	fi
	"$mntsh" down "$mnt/k"
	local row
	if [[ -n $fuse_why ]]; then
		for row in fuse_read_big fuse_tar_small fuse_write_big; do
			skip_row "$row" ext4 "fuse2fs" "$fuse_why"
			skip_row "$row" ext4 "kernel mount" "$fuse_why"
		done
		return
	fi
	if [[ -n $(missing_tools fuse2fs) ]]; then
		for row in fuse_read_big fuse_tar_small fuse_write_big; do
			skip_row "$row" ext4 fuse2fs "fuse2fs not installed"
		done
	else
		fuse_pair fuse2fs
	fi
	if [[ -n $kernel_why ]]; then
		for row in fuse_read_big fuse_tar_small fuse_write_big; do
			skip_row "$row" ext4 "kernel mount" "$kernel_why"
		done
	else
		fuse_pair kernel
	fi
	rm -f "$work/r.img" "$work/p.img"
}
