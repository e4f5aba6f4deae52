# ext2_fsck_helper.bash: damaged ext2/3/4 images for ext2_fsck.bats, and the verdicts of e2fsck and rumpsh on them.
#
#   fsck_variants                    the variant names (every one is built from make_tree)
#   fsck_base VARIANT                print the path of the clean image (a fixture, built once)
#   fsck_copy VARIANT                print the path of a fresh copy of it in the test's tmpdir
#   fsck_bsize IMG                   block size
#   fsck_ino IMG PATH                inode number of PATH
#   fsck_poke_dir IMG PATH OFF HEX   write bytes (\xNN...) at byte OFF of PATH's first block
#   fsck_bmap IMG PATH LBLK          physical block of PATH's logical block LBLK
#   fsck_point IMG PATH PBLK         make PATH's first run (block map: block 0) start at PBLK
#   fsck_group0 IMG FIELD            first block of group 0's FIELD ("Block bitmap at", ...)
#   fsck_orphan_many IMG N           a one-block /lost+found, and N names of /many unlinked
#   fsck_case VARIANT NAME CMD       copy VARIANT, damage it with CMD (IMG stands for the copy),
#                                    then set E2 (e2fsck -fn), RN (rumpsh fsck -n), RY (rumpsh
#                                    fsck -y), AFTER (e2fsck -fn after -y), SAME (-n left the
#                                    image unchanged: 1/0) and IMG

# fsck_mkfs_args VARIANT: the mkfs options of a variant (empty: unknown)
fsck_mkfs_args() {
	case $1 in
	ext4) echo "-t ext4" ;;
	ext4-4k) echo "-t ext4 -b 4096" ;;
	ext4-nocsum) echo "-t ext4 -O ^metadata_csum,uninit_bg" ;;
	ext3) echo "-t ext3" ;;
	ext2) echo "-t ext2" ;;
	esac
}

fsck_variants() {
	printf '%s\n' ext4 ext4-4k ext4-nocsum ext3 ext2
}

_fsck_build() {
	local out=$1 v=$2 tree args
	args=$(fsck_mkfs_args "$v")
	tree=$(mktemp -d)
	make_tree "$tree/t" || return 1
	# shellcheck disable=SC2086
	mkfs.ext4 -q -F $args -d "$tree/t" "$out" 20M >&2 || { rm -rf "$tree"; return 1; }
	rm -rf "$tree"
}

fsck_base() {
	local v=$1
	need_tool mkfs.ext4 e2fsck debugfs dumpe2fs dd || return 1
	[[ -n $(fsck_mkfs_args "$v") ]] || { echo "fsck_base: unknown variant $v" >&2; return 1; }
	fixture "ext2-fsck-$v-v2" _fsck_build {} "$v"
}

fsck_copy() {
	local v=$1 base n
	base=$(fsck_base "$v") || return 1
	n=$BATS_TEST_TMPDIR/$v-$RANDOM.img
	cp "$base" "$n" && echo "$n"
}

fsck_bsize() {
	dumpe2fs -h "$1" 2>/dev/null | awk -F: '/^Block size/ { print $2 + 0 }'
}

fsck_ino() {
	debugfs -R "stat $2" "$1" 2>/dev/null | sed -n 's/^Inode: \([0-9]*\).*/\1/p'
}

fsck_poke_dir() {
	local img=$1 path=$2 off=$3 bytes=$4 blk
	blk=$(debugfs -R "bmap $path 0" "$img" 2>/dev/null)
	[[ $blk =~ ^[0-9]+$ && $blk -gt 0 ]] || { echo "fsck_poke_dir: no block for $path" >&2; return 1; }
	printf "$bytes" | dd of="$img" bs=1 seek=$((blk * $(fsck_bsize "$img") + off)) conv=notrunc status=none
}

fsck_bmap() {
	debugfs -R "bmap $2 $3" "$1" 2>/dev/null
}

# An extent file with one extent keeps its start in i_block[5] (depth 0).
fsck_point() {
	local img=$1 path=$2 pblk=$3 field=block[0]
	[[ $pblk =~ ^[0-9]+$ && $pblk -gt 0 ]] || { echo "fsck_point: bad block '$pblk'" >&2; return 1; }
	debugfs -R "stat $path" "$img" 2>/dev/null | grep -q 'Flags: .*0x80000' && field=block[5]
	debugfs -w -R "set_inode_field $path $field $pblk" "$img"
}

fsck_group0() {
	dumpe2fs "$1" 2>/dev/null | grep -m1 "$2" | sed 's/.* at \([0-9]*\).*/\1/'
}

fsck_orphan_many() {
	local img=$1 n=$2 i
	{
		echo "rmdir /lost+found"
		echo "mkdir /lost+found"
		for ((i = 1; i <= n; i++)); do printf 'unlink /many/file-%03d\n' "$i"; done
	} >"$BATS_TEST_TMPDIR/orphan-cmds"
	debugfs -w -f "$BATS_TEST_TMPDIR/orphan-cmds" "$img" >/dev/null 2>&1
}

fsck_case() {
	local v=$1 name=$2 cmd=$3 before
	IMG=$(fsck_copy "$v") || return 1
	eval "${cmd//IMG/\"\$IMG\"}" >/dev/null 2>&1
	E2=0; e2fsck -fn "$IMG" >/dev/null 2>&1 || E2=$?
	before=$(sha256sum <"$IMG")
	RN=0; "$RUMPSH" "$IMG" fsck -n >"$BATS_TEST_TMPDIR/$name.n" 2>&1 || RN=$?
	SAME=0; [[ $(sha256sum <"$IMG") == "$before" ]] && SAME=1
	RY=0; "$RUMPSH" "$IMG" fsck -y >"$BATS_TEST_TMPDIR/$name.y" 2>&1 || RY=$?
	AFTER=0; e2fsck -fn "$IMG" >/dev/null 2>&1 || AFTER=$?
	assert_no_sanitizer_report "$(cat "$BATS_TEST_TMPDIR/$name.n" "$BATS_TEST_TMPDIR/$name.y")"
}

# fsck_explain: what a failing case printed, for the test log.
fsck_explain() {
	local name=$1
	echo "case $name: e2fsck -fn=$E2 rumpsh -n=$RN -y=$RY after=$AFTER unchanged-by-n=$SAME"
	echo "--- rumpsh fsck -n:"; head -20 "$BATS_TEST_TMPDIR/$name.n"
	echo "--- rumpsh fsck -y:"; head -20 "$BATS_TEST_TMPDIR/$name.y"
}
