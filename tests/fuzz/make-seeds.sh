#!/bin/bash
# make-seeds.sh OUTDIR: small images of every driver, made by the native tools, as the fuzzers' seed corpora (OUTDIR/DRIVER/NAME).
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: tests/fuzz/make-seeds.sh OUTDIR" >&2; exit 2; }
out=$1
export PATH=$PATH:/usr/sbin:/sbin
export TZ=UTC LC_ALL=C MTOOLS_SKIP_CHECK=1
export E2FSPROGS_FAKE_TIME=1700000000 SOURCE_DATE_EPOCH=1700000000

for tool in mke2fs e2fsck debugfs makefs mkfs.fat mcopy xorriso; do
	if ! command -v "$tool" >/dev/null; then
		echo "make-seeds.sh: missing tool: $tool (run make deps)" >&2
		exit 1
	fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A tree with a little of everything, kept small: seeds must stay small to fuzz well.
tree=$work/tree
mkdir -p "$tree/dir/sub" "$tree/many"
printf 'hello\n' >"$tree/a.txt"
head -c 5000 /dev/zero | tr '\0' x >"$tree/dir/b.bin"
printf 'deep\n' >"$tree/dir/sub/c"
ln -s a.txt "$tree/link"
ln -s "$(printf 'l%.0s' {1..80})" "$tree/longlink"
ln "$tree/a.txt" "$tree/dir/hard"
for i in $(seq -w 1 40); do printf '%s\n' "$i" >"$tree/many/file-with-a-long-name-$i"; done
printf 'Mixed Case Long Name\n' >"$tree/Mixed Case Long Name.txt"
find "$tree" -exec touch -h -d '2023-11-14 22:13:20' {} +

q() { "$@" >/dev/null 2>&1 || { echo "make-seeds.sh: failed: $*" >&2; exit 1; }; }

rm -rf "$out"
mkdir -p "$out"/{ext2,ffs,msdos,cd9660}
# ext2/3/4: plain ext2; ext4 without a journal, with checksums and without (a mutated block
# fails its checksum at once, so most seeds leave them out to let the fuzzer reach further);
# inline data; ext3 with a small journal
e4=^has_journal,^resize_inode
q mke2fs -q -F -t ext2 -b 1024 -N 96 -d "$tree" "$work/ext2.img" 256k
q mke2fs -q -F -t ext4 -b 1024 -N 96 -O "$e4,^metadata_csum" -d "$tree" "$work/ext4.img" 256k
q mke2fs -q -F -t ext4 -b 1024 -N 96 -O "$e4" -d "$tree" "$work/ext4csum.img" 256k
q mke2fs -q -F -t ext4 -b 1024 -N 96 -O "$e4,inline_data,^metadata_csum" -d "$tree" "$work/ext4i.img" 256k
q mke2fs -q -F -t ext3 -b 1024 -N 64 -J size=1 -d "$tree" "$work/ext3.img" 3072k
# directories of more than one block get an htree index (e2fsck -D); 0 or 1: done
e2fsck -fyD "$work/ext4.img" >/dev/null 2>&1 || (($? == 1)) || { echo "make-seeds.sh: e2fsck -D failed" >&2; exit 1; }
# a committed transaction not yet checkpointed: mounting must replay the journal (in memory)
head -c 3072 /dev/zero | tr '\0' j >"$work/jdata"
printf 'jo\njw -b 3000,3001,3002 %s\njc\n' "$work/jdata" | q debugfs -w -f - "$work/ext3.img"
for img in ext2 ext4 ext4csum ext4i ext3; do
	q debugfs -w -R "ea_set /a.txt user.seed fuzz" "$work/$img.img"
	cp "$work/$img.img" "$out/ext2/"
done

# FFS: UFS1 both byte orders, UFS2
q makefs -t ffs -s 256k -o version=1,bsize=4096,fsize=512 "$out/ffs/ufs1.img" "$tree"
q makefs -B be -t ffs -s 256k -o version=1,bsize=4096,fsize=512 "$out/ffs/ufs1be.img" "$tree"
q makefs -t ffs -s 384k -o version=2,bsize=4096,fsize=512 "$out/ffs/ufs2.img" "$tree"

# FAT: FAT12 and FAT16 filled with mtools (long names included); an empty FAT32 (mtools
# refuses one this small, and a big one would fuzz slowly)
fat_fill() {
	q mcopy -s -i "$1" "$tree/a.txt" "$tree/dir" "$tree/many" "$tree/Mixed Case Long Name.txt" ::/
}
q mkfs.fat -C "$out/msdos/fat12.img" 160
fat_fill "$out/msdos/fat12.img"
mkfs.fat -F 32 -s 1 -C "$out/msdos/fat32.img" 320 >/dev/null 2>&1 || true
[[ -s $out/msdos/fat32.img ]] || { echo "make-seeds.sh: mkfs.fat -F 32 failed" >&2; exit 1; }
q mkfs.fat -F 16 -s 1 -C "$out/msdos/fat16.img" 2100
fat_fill "$out/msdos/fat16.img"

# ISO 9660: Rock Ridge + Joliet, plain, Joliet only, zisofs-compressed (xorriso), and makefs's own
q xorriso -as mkisofs -R -J -no-pad -quiet -o "$out/cd9660/rr-joliet.iso" "$tree"
q xorriso -as mkisofs -no-pad -quiet -o "$out/cd9660/plain.iso" "$tree"
q xorriso -as mkisofs -J -no-pad -quiet -o "$out/cd9660/joliet.iso" "$tree"
q xorriso -outdev "$out/cd9660/zisofs.iso" -padding 0 -map "$tree" / \
	-set_filter_r --zisofs / -- -commit
q makefs -t cd9660 -o rockridge "$out/cd9660/makefs.iso" "$tree"
echo "make-seeds.sh: seeds in $out"
