# ext2_helper.bash: images and byte patches for the ext2/3/4 suites (ext2_read.bats, ext2_hostile.bats).
#
#   ext2_small_tree DIR                small.txt, big.bin, dir/, links/ (short and long symlinks)
#   ext2_small_image IMG [MKE2FS...]   ext4 (unless args say otherwise) from ext2_small_tree, 8 MiB
#   ext2_poke IMG OFFSET BYTE          overwrite one byte
#   ext2_inode_offset IMG PATH         byte offset of PATH's inode in IMG
#   ext2_block_offset IMG PATH [N]     byte offset of logical block N (default 0) of PATH
#   ext2_htree_image IMG [MKE2FS...]   1 KiB blocks, /many an indexed directory (e2fsck -D)
#   ext2_extent_loop_image IMG         /frag's extent index points to its own block

ext2_small_tree() {
	local d=$1
	mkdir -p "$d/dir" "$d/links"
	printf 'hello, world\n' >"$d/small.txt"
	head -c 200000 /dev/urandom >"$d/big.bin"
	printf 'a\n' >"$d/dir/a"
	printf 'b\n' >"$d/dir/b"
	ln -s ../small.txt "$d/links/short"
	ln -s "../dir/$(printf 'x%.0s' {1..80})" "$d/links/long"
}

ext2_small_image() {
	local img=$1 tree
	shift
	tree=$(mktemp -d)
	ext2_small_tree "$tree"
	mkfs.ext4 -q -F -d "$tree" "$@" "$img" 8M >&2 || { rm -rf "$tree"; return 1; }
	rm -rf "$tree"
}

ext2_poke() {
	python3 -c '
import sys
p, off, val = sys.argv[1], int(sys.argv[2], 0), int(sys.argv[3], 0)
with open(p, "r+b") as f:
    f.seek(off); f.write(bytes([val]))' "$@"
}

_ext2_bsize() {
	dumpe2fs -h "$1" 2>/dev/null | awk -F: '/^Block size/ { print $2 + 0 }'
}

ext2_inode_offset() {
	local img=$1 path=$2 out blk off
	out=$(debugfs -R "imap $path" "$img" 2>/dev/null)
	blk=$(sed -n 's/.*located at block \([0-9]*\),.*/\1/p' <<<"$out")
	off=$(sed -n 's/.*offset \(0x[0-9a-f]*\).*/\1/p' <<<"$out")
	[[ -n $blk && -n $off ]] || { echo "ext2_inode_offset: no inode for $path" >&2; return 1; }
	echo $((blk * $(_ext2_bsize "$img") + off))
}

ext2_block_offset() {
	local img=$1 path=$2 n=${3:-0} blk
	blk=$(debugfs -R "bmap $path $n" "$img" 2>/dev/null)
	[[ $blk =~ ^[0-9]+$ && $blk -gt 0 ]] || { echo "ext2_block_offset: no block $n in $path" >&2; return 1; }
	echo $((blk * $(_ext2_bsize "$img")))
}

ext2_htree_image() {
	local img=$1 tree i
	shift
	tree=$(mktemp -d)
	ext2_small_tree "$tree"
	mkdir "$tree/many"
	for i in $(seq -w 1 400); do : >"$tree/many/file-$i"; done
	mkfs.ext4 -q -F -b 1024 -d "$tree" "$@" "$img" 8M >&2 || { rm -rf "$tree"; return 1; }
	rm -rf "$tree"
	e2fsck -fyD "$img" >/dev/null 2>&1 || [[ $? -le 1 ]] || return 1
	debugfs -R 'htree /many' "$img" 2>/dev/null | grep -q 'Indirect levels' ||
		{ echo "ext2_htree_image: /many is not indexed" >&2; return 1; }
}

ext2_extent_loop_image() {
	local img=$1 tree ioff lblk bs
	tree=$(mktemp -d)
	ext2_small_tree "$tree"
	local i
	for i in 0 1 2 3 4 5 6 7; do
		printf 'region %d\n' "$i" | dd of="$tree/frag" bs=4096 seek=$((i * 4)) conv=notrunc status=none
	done
	mkfs.ext4 -q -F -b 4096 -O ^metadata_csum -d "$tree" "$img" 8M >&2 || { rm -rf "$tree"; return 1; }
	rm -rf "$tree"
	ioff=$(ext2_inode_offset "$img" /frag) || return 1
	bs=$(_ext2_bsize "$img")
	python3 - "$img" "$ioff" "$bs" <<-'PY'
		import struct, sys
		p, ioff, bs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
		with open(p, 'r+b') as f:
		    f.seek(ioff + 0x28); root = bytearray(f.read(60))
		    magic, entries, mx, depth = struct.unpack_from('<HHHH', root)
		    assert magic == 0xF30A and depth == 1, (magic, depth)
		    leaf = struct.unpack_from('<I', root, 16)[0]
		    # the root now claims depth 2; its child claims depth 1 and
		    # indexes itself
		    f.seek(ioff + 0x28 + 6); f.write(struct.pack('<H', 2))
		    f.seek(leaf * bs + 6); f.write(struct.pack('<H', 1))
		    f.seek(leaf * bs + 12); f.write(struct.pack('<IIH', 0, leaf, 0))
	PY
}

# ext2_get IMG OUT: `rumpsh IMG get -rp / OUT` (special files are reported, not copied).
ext2_get() {
	mkdir -p "$2"
	run --separate-stderr timeout 120 "$RUMPSH" "$1" get -rp / "$2/"
	assert_no_sanitizer_report
	if [[ $status -ne 0 ]] && grep -v 'special file not copied' <<<"$stderr" | grep -q .; then
		fail "get -rp failed ($status): $stderr"
	fi
}

# ext2_diff_tree A B: same names, types, contents and symlink targets (special files and
# lost+found aside; host directory sizes differ and are not compared).
ext2_diff_tree() {
	local out line keep=''
	out=$(diff -r --no-dereference "$1" "$2" 2>&1) || true
	while IFS= read -r line; do
		[[ -n $line ]] || continue
		case $line in
		*' is a fifo while '* | *' is a character special '* | *' is a block special '* | *' is a socket while '*) continue ;;
		*': No such file or directory') continue ;;   # diff following dangling links
		'Only in '*': lost+found') continue ;;
		'Only in '*)
			local f=${line#Only in }
			f=${f%%: *}/${f#*: }
			[[ -f $f || -d $f || -L $f ]] || continue ;;   # special files are not copied
		esac
		keep+=$line$'\n'
	done <<<"$out"
	[[ -z $keep ]] || fail "trees differ: $keep"
}

# ext2_meta TREE: one line per file: path, mode, uid, gid, size (files), mtime with ns.
ext2_meta() {
	(cd "$1" && find . ! -name lost+found ! -path './lost+found/*' \( -type f -o -type d -o -type l \) \
		-printf '%p %m %U %G %T@ %y\n' | sort)
}

# ext2_compare_kernel IMG: what rumpsh reads equals what the kernel's read-only loop
# mount shows: contents, then every stat field (size, blocks, inode, links, owner, all
# four times with nanoseconds, device numbers) through `rumpsh stat`.
ext2_compare_kernel() {
	local img=$1 w
	w=$(mktemp -d "$BATS_TEST_TMPDIR/cmp.XXXX")
	loop_mount_ro "$img" "$w/mnt"
	ext2_get "$img" "$w/out"
	ext2_diff_tree "$w/mnt" "$w/out"
	diff <(ext2_meta "$w/mnt" | grep -v '^\. ') <(ext2_meta "$w/out" | grep -v '^\. ') ||
		fail "mode/owner/mtime differ from the kernel's"
	(cd "$w/mnt" && find . -path ./lost+found -prune -o -print | head -3000 | sed 's/^\.//; s/^$/\//') >"$w/paths"
	local script='' p
	while IFS= read -r p; do script+="stat '$p'; "; done <"$w/paths"
	"$RUMPSH" "$img" -c "$script" >"$w/rstat" 2>&1 || fail "rumpsh stat failed: $(tail -3 "$w/rstat")"
	assert_no_sanitizer_report "$(cat "$w/rstat")"
	while IFS= read -r p; do
		stat --printf='%s|%b|%i|%h|%u|%g|%t,%T|%x|%y|%z|%w\n' "$w/mnt$p"
	done <"$w/paths" >"$w/kstat"
	python3 - "$w/rstat" "$w/kstat" <<-'PY' || fail "stat fields differ from the kernel's"
		import re, sys
		recs = open(sys.argv[1]).read().split('  File: ')[1:]
		kern = open(sys.argv[2]).read().splitlines()
		assert len(recs) == len(kern), (len(recs), len(kern))
		bad = 0
		for r, k in zip(recs, kern):
		    g = lambda pat: (re.search(pat, r) or [None, None])[1]
		    dev = re.search(r'Device type: (\d+),(\d+)', r)
		    t = lambda key: g(key + r': (\d{4}-\S+ \S+) ')
		    b = g(r' Birth: (\d{4}-\S+ \S+) ') or '-'
		    mine = [g(r'Size: (\d+)'), g(r'Blocks: (\d+)'), g(r'Inode: (\d+)'),
		            g(r'Links: (\d+)'), g(r'Uid: \(\s*(\d+)'), g(r'Gid: \(\s*(\d+)'),
		            '%x,%x' % (int(dev[1]), int(dev[2])) if dev else None,
		            t('\nAccess'), t('Modify'), t('Change'), b]
		    ks = k.split('|')
		    ks = ks[:6] + [ks[6] if dev else None] + [x.rsplit(' ', 1)[0] for x in ks[7:10]] + [ks[10].rsplit(' ', 1)[0]]
		    if mine != ks:
		        bad += 1
		        print('differs:', r.split('\n')[0], '\n  rumpsh', mine, '\n  kernel', ks)
		sys.exit(1 if bad else 0)
	PY
	loop_umount "$w/mnt"
}
