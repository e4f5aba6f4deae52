#!/bin/bash
# make-samples.sh [--if-missing]: (re)build the small sample images in samples/, byte for byte the same each time.
set -euo pipefail

usage() {
	echo "usage: samples/make-samples.sh [--if-missing]" >&2
	echo "  builds samples/ext2.img and samples/ext4.img (SAMPLES_OUT=DIR writes elsewhere)" >&2
	exit 2
}

if_missing=0
case $# in
0) ;;
1) [[ $1 == --if-missing ]] || usage; if_missing=1 ;;
*) usage ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
out=${SAMPLES_OUT:-$here}
export PATH=$PATH:/usr/sbin:/sbin
export TZ=UTC LC_ALL=C
# Fixed creation and write times, UUIDs and hash seeds: the same script gives the same bytes.
export E2FSPROGS_FAKE_TIME=1700000000
export SOURCE_DATE_EPOCH=1700000000
when='2023-11-14 22:13:20'

for tool in mke2fs debugfs dumpe2fs truncate; do
	if ! command -v "$tool" >/dev/null; then
		echo "make-samples.sh: missing tool: $tool (run make deps)" >&2
		exit 1
	fi
done

# make_sample_tree DIR: a few readable files showing what the driver handles.
make_sample_tree() {
	local d=$1
	mkdir -p "$d/docs/guide/advanced" "$d/scripts" "$d/links"
	cat >"$d/README" <<-'EOF'
		This is a rumpsh sample image.

		Try:
		  rumpsh samples/ext4.img ls -l /
		  rumpsh samples/ext4.img cat /docs/hello.txt
		  rumpsh samples/ext4.img find / -name '*.txt'
		  rumpsh samples/ext4.img get -r /docs /tmp/docs

		Everything here was made by samples/make-samples.sh.
	EOF
	printf 'Hello from inside a file-system image!\n' >"$d/docs/hello.txt"
	local i
	for i in $(seq 1 60); do
		printf '%02d Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\n' "$i"
	done >"$d/docs/lorem.txt"
	printf '# Getting started\n\nOpen an image, look around with ls and cd, copy out with get.\n' \
		>"$d/docs/guide/getting-started.md"
	printf '# Advanced\n\nPartitions: rumpsh disk.img@2 ls /\n' >"$d/docs/guide/advanced/partitions.md"
	printf '#!/bin/sh\necho "hello from a script stored in an image"\n' >"$d/scripts/hello.sh"
	chmod 755 "$d/scripts/hello.sh"
	: >"$d/empty.txt"
	# hard link: one inode, two names
	ln "$d/docs/hello.txt" "$d/docs/hello-again.txt"
	# symlinks: short (stored in the inode) and long (stored in a block)
	ln -s ../README "$d/links/readme"
	ln -s ../docs/guide/advanced/partitions.md "$d/links/partitions-guide"
	ln -s ../docs/guide/advanced/../advanced/../../guide/advanced/partitions.md "$d/links/a-long-way-round"
	# sparse: 1 MiB, data only at the start and the end
	printf 'the start of a sparse file\n' >"$d/sparse.bin"
	printf 'the end of a sparse file\n' |
		dd of="$d/sparse.bin" bs=1 seek=$((1024 * 1024 - 25)) conv=notrunc status=none
	chmod -R u=rwX,go=rX "$d/docs" "$d/links" "$d/README" "$d/empty.txt" "$d/sparse.bin"
	find "$d" -exec touch -h -d "$when" {} +
}

# pin_times IMG: mke2fs -d copies each file's atime and ctime, which touch cannot set:
# set them to the fixed time. A fresh single-group image uses inodes 1..N in order.
pin_times() {
	local img=$1 count free ino
	count=$(dumpe2fs -h "$img" 2>/dev/null | awk -F: '/^Inode count/ { print $2 + 0 }')
	free=$(dumpe2fs -h "$img" 2>/dev/null | awk -F: '/^Free inodes/ { print $2 + 0 }')
	[[ -n $count && -n $free ]] || {
		echo "make-samples.sh: cannot read inode counts of $img" >&2
		exit 1
	}
	{
		for ino in 2 $(seq 11 $((count - free))); do
			echo "sif <$ino> atime @$SOURCE_DATE_EPOCH"
			echo "sif <$ino> ctime @$SOURCE_DATE_EPOCH"
		done
	} >"$tmp/pin.cmds"
	debugfs -w -f "$tmp/pin.cmds" "$img" >/dev/null 2>"$tmp/pin.err" || {
		cat "$tmp/pin.err" >&2
		exit 1
	}
	if grep -v '^debugfs [0-9]' "$tmp/pin.err" >&2; then
		echo "make-samples.sh: debugfs could not pin the times in $img" >&2
		exit 1
	fi
}

# build NAME TYPE SIZE UUID MKE2FS-ARGS...: one image, written to a temporary name first.
build() {
	local name=$1 type=$2 size=$3 uuid=$4
	shift 4
	local img=$out/$name
	if ((if_missing)) && [[ -f $img ]]; then
		return 0
	fi
	rm -f "$img.tmp"
	truncate -s "$size" "$img.tmp"
	# (quiet: mke2fs warns that 128-byte inodes, classic ext2's, stop at 2038)
	if ! mke2fs -q -F -t "$type" -b 1024 -U "$uuid" -E "hash_seed=$uuid,root_owner=0:0" \
		-L "rumpsh-$type" -d "$tree" "$@" "$img.tmp" >"$tmp/mke2fs.out" 2>&1; then
		cat "$tmp/mke2fs.out" >&2
		echo "make-samples.sh: mke2fs failed for $img" >&2
		exit 1
	fi
	pin_times "$img.tmp"
	mv "$img.tmp" "$img"
	echo "make-samples.sh: wrote $img ($type, $size)"
}

mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tree=$tmp/tree
make_sample_tree "$tree"

build ext2.img ext2 2M 6b0c3a52-6d2e-4c1f-9a3e-0a1b2c3d4e01 -I 128
build ext4.img ext4 4M 6b0c3a52-6d2e-4c1f-9a3e-0a1b2c3d4e04 -I 256 -J size=1
