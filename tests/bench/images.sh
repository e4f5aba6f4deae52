# images.sh: the benchmark's source tree and the images built from it (sourced by bench.sh).
#
# One tree under $tree: /big (256 MiB of random data), /small (5,000 files of 0-8 KiB in one
# directory), /many (10,000 entries), /deep (a chain of 30 directories, a file in each). Every
# image holds that same tree, built by the native tool of its file system. The tree and images
# are kept between runs while $dir/stamp matches the sizes.

img_mib=$(scaled 1024 16)  # ext4 (the start-up row's 1 GiB image), ext2, UFS
fat_mib=$(scaled 1024 64)  # FAT32 needs at least 65,525 clusters
empty_mib=$(scaled 512 16) # the empty ext4 image the copy-in rows write into
big_kib=$(scaled $((256 * 1024)) 64)
nsmall=$(scaled 5000 20)
nmany=$(scaled 10000 50)
ndeep=30 # 7z stops at 32 levels in an ISO
nfiles=$((1 + nsmall + nmany + ndeep))

tree=$dir/tree
imgdir=$dir/img
ext4_img=$imgdir/ext4.img
ext2_img=$imgdir/ext2.img
fat_img=$imgdir/fat32.img
ufs2_img=$imgdir/ufs2.img
ufs1_img=$imgdir/ufs1.img
iso_img=$imgdir/iso9660.iso
empty_ext4=$imgdir/empty-ext4.img
empty_fat=$imgdir/empty-fat32.img
stamp="scale=$scale img=${img_mib}M fat=${fat_mib}M empty=${empty_mib}M big=${big_kib}K small=$nsmall many=$nmany deep=$ndeep v3"

img_of() { # FS: the image of that file system
	case $1 in
	ext4) echo "$ext4_img" ;; ext2) echo "$ext2_img" ;; fat32) echo "$fat_img" ;;
	ufs2) echo "$ufs2_img" ;; ufs1) echo "$ufs1_img" ;; iso9660) echo "$iso_img" ;;
	*) die "no image for '$1'" ;;
	esac
}

make_tree() {
	rm -rf "$tree"
	mkdir -p "$tree/small" "$tree/many"
	head -c $((big_kib * 1024)) /dev/urandom >"$tree/big"
	# small files of 0-8 KiB in one directory, the wide directory and the deep chain, from one awk
	awk -v n="$nsmall" -v m="$nmany" -v depth="$ndeep" -v t="$tree" 'BEGIN {
		srand(42)
		line = "the quick brown fox jumps over the lazy dog 0123456789 THE QUICK BROWN FOX\n"
		while (length(buf) < 8192) buf = buf line
		for (i = 0; i < n; i++) {
			f = sprintf("%s/small/f%05d.txt", t, i)
			printf "%s", substr(buf, 1, int(rand() * 8193)) >f
			close(f)
		}
		for (i = 0; i < m; i++) {
			f = sprintf("%s/many/ent%05d", t, i) # 8.3 names: mcopy makes ~N tails in O(n^2) scans
			printf "%d\n", i >f
			close(f)
		}
		d = t "/deep"
		for (i = 0; i < depth; i++) d = d sprintf("/d%02d", i)
		system("mkdir -p " d)
		d = t "/deep"
		for (i = 0; i < depth; i++) {
			d = d sprintf("/d%02d", i)
			f = d "/level"
			printf "%d\n", i >f
			close(f)
		}
	}'
	# single-item trees for mkfs.ext4 -d, sharing the files by hard link
	mkdir -p "$dir/src-big" "$dir/src-small"
	ln -f "$tree/big" "$dir/src-big/big"
	rm -rf "$dir/src-small/small"
	cp -al "$tree/small" "$dir/src-small/small"
}

quiet() { # WHAT CMD...: run a builder, showing its output only when it fails
	local what=$1
	shift
	"$@" >"$dir/build.out" 2>&1 || {
		tail -n 20 "$dir/build.out" >&2
		die "building $what failed: $*"
	}
}

build_images() {
	echo "bench.sh: building the tree (big file ${big_kib} KiB, $nsmall small files, $nmany-entry directory," \
		"$ndeep-deep chain) and its images" >&2
	rm -rf "$imgdir" "$dir/stamp"
	mkdir -p "$imgdir"
	make_tree
	quiet ext4 mke2fs -q -F -t ext4 -d "$tree" "$ext4_img" "${img_mib}M"
	quiet ext2 mke2fs -q -F -t ext2 -d "$tree" "$ext2_img" "${img_mib}M"
	quiet "empty ext4" mke2fs -q -F -t ext4 "$empty_ext4" "${empty_mib}M"
	truncate -s "${fat_mib}M" "$fat_img" "$empty_fat"
	quiet fat32 mkfs.fat -F 32 "$fat_img"
	quiet "empty fat32" mkfs.fat -F 32 "$empty_fat"
	quiet "fat32 contents" mcopy -s -i "$fat_img" "$tree/big" "$tree/small" "$tree/many" "$tree/deep" ::/
	quiet ufs2 makefs -t ffs -o version=2 -s "${img_mib}m" "$ufs2_img" "$tree"
	# The Sleuth Kit reads makefs's UFS1 but not its UFS2 (see shared TOOL-NOTES): its rows use UFS1
	quiet ufs1 makefs -t ffs -o version=1 -s "${img_mib}m" "$ufs1_img" "$tree"
	quiet iso9660 xorriso -as mkisofs -R -J -o "$iso_img" "$tree"
	sha_of "$tree/big" >"$dir/big.sha256"
	echo "$stamp" >"$dir/stamp"
}

ensure_images() {
	if [[ ! -f $dir/stamp || $(<"$dir/stamp") != "$stamp" || ! -f $dir/big.sha256 ]]; then
		build_images
	fi
	big_sha=$(<"$dir/big.sha256")
}
