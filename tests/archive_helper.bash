# archive_helper.bash: fixtures and checks for extract/import (tests/extract.bats, import.bats, archive_hostile.bats).
#
#   arc_tree                 make_tree (+ device nodes), cached; prints its path
#   arc_fat_tree             the part of arc_tree FAT can hold (no links, devices, owners), cached
#   arc_ext4 / arc_ffs / arc_ffs2 / arc_fat / arc_iso   cached images of those trees; print the path
#   arc_copy IMG             a private copy of IMG in $BATS_TEST_TMPDIR; prints it
#   empty_ffs NAME / empty_fat NAME   a new empty image in $BATS_TEST_TMPDIR; prints it
#   bsdtar_x ARCHIVE DIR     bsdtar's extraction (perms, owners, xattrs; UTF-8 names)
#   tree_meta DIR            one line a file: path type mode uid gid mtime(ns) size target; no atime
#   tree_diff A B            diff -r of contents (symlinks as links; fifos and devices by tree_meta)
#   mk_tar OUT PY            a hostile tar built by python3's tarfile (PY: statements using t and add())

load test_helper

export MTOOLS_SKIP_CHECK=1

_arc_build_tree() {
	local d=$1
	make_tree "$d"
	if [[ $(id -u) -eq 0 ]]; then
		mknod "$d/special/null" c 1 3
		mknod "$d/special/disk" b 8 16
		touch -h -d '2022-02-02 02:02:02.5' "$d/special/null" "$d/special/disk" "$d/special"
	fi
}

arc_tree() { fixture arc-tree _arc_build_tree; }

# FAT keeps names, data and mtimes (2 s steps): regular files and directories only.
_arc_build_fat_tree() {
	local out=$1 src=$2
	mkdir -p "$out"
	(cd "$src" && tar --exclude=./links --exclude=./special --exclude=./modes --exclude=./times \
		--exclude=./links/hard-a --exclude=./dir/hard-b -cf - .) | (cd "$out" && tar -xf -)
	find "$out" -exec touch -h -d '2022-02-02 02:02:02' {} +
}

arc_fat_tree() {
	local src
	src=$(arc_tree) || return 1
	fixture arc-fat-tree _arc_build_fat_tree {} "$src"
}

_arc_build_ext4() {
	local out=$1 src=$2
	mk_ext "$out" "$src"
	debugfs -w -R 'ea_set /small.txt user.comment hello' "$out" >/dev/null 2>&1
	debugfs -w -R 'ea_set /dir user.dirattr on-a-dir' "$out" >/dev/null 2>&1
}

arc_ext4() {
	local src
	need_tool mke2fs debugfs || return 1
	src=$(arc_tree) || return 1
	fixture arc-ext4.img _arc_build_ext4 {} "$src"
}

arc_ffs() {
	local src
	need_tool makefs || return 1
	src=$(arc_tree) || return 1
	fixture arc-ffs1.img makefs -t ffs -o version=1 {} "$src"
}

arc_ffs2() {
	local src
	need_tool makefs || return 1
	src=$(arc_tree) || return 1
	fixture arc-ffs2.img makefs -t ffs -o version=2 {} "$src"
}

_arc_build_fat() {
	local out=$1 src=$2
	mkfs.fat -C -F 32 "$out" 65536 >/dev/null
	LC_ALL=C.UTF-8 mcopy -s -m -i "$out" "$src"/* ::/
}

arc_fat() {
	local src
	need_tool mkfs.fat mcopy || return 1
	src=$(arc_fat_tree) || return 1
	fixture arc-fat.img _arc_build_fat {} "$src"
}

arc_iso() {
	local src
	need_tool xorriso || return 1
	src=$(arc_tree) || return 1
	fixture arc.iso xorriso -as mkisofs -quiet -R -J -o {} "$src"
}

arc_copy() {
	cp "$1" "$BATS_TEST_TMPDIR/$(basename "$1")" && echo "$BATS_TEST_TMPDIR/$(basename "$1")"
}

empty_ffs() {
	local out=$BATS_TEST_TMPDIR/$1
	need_tool makefs || return 1
	mkdir -p "$BATS_TEST_TMPDIR/empty-src"
	makefs -t ffs -o version=1 -s 64m -f 4000 "$out" "$BATS_TEST_TMPDIR/empty-src" >/dev/null || return 1
	echo "$out"
}

empty_fat() {
	local out=$BATS_TEST_TMPDIR/$1
	need_tool mkfs.fat || return 1
	mkfs.fat -C -F 32 "$out" 65536 >/dev/null || return 1
	echo "$out"
}

bsdtar_x() {
	need_tool bsdtar || return 1
	mkdir -p "$2"
	LC_ALL=C.UTF-8 bsdtar --xattrs -xpf "$1" -C "$2"
}

tree_meta() {
	(cd "$1" && find . -printf '%p %y %m %U %G %T@ %s %l\n' | sed 's/^\.\/\?//' |
		awk '$2 == "d" { $7 = "-" } { print }' | LC_ALL=C sort)
}

tree_diff() {
	diff -r --no-dereference -x fifo -x null -x disk "$1" "$2"
}

mk_tar() {
	need_tool python3 || return 1
	python3 - "$1" "$2" <<-'EOF'
		import io, sys, tarfile
		out, prog = sys.argv[1], sys.argv[2]
		t = tarfile.open(out, 'w', format=tarfile.GNU_FORMAT)
		def add(name, data=b'', type=tarfile.REGTYPE, link='', size=None):
		    ti = tarfile.TarInfo(name)
		    ti.type = type
		    ti.linkname = link
		    ti.mode = 0o755 if type == tarfile.DIRTYPE else 0o644
		    ti.mtime = 1600000000
		    ti.size = len(data) if size is None else size
		    if type == tarfile.REGTYPE:
		        t.addfile(ti, io.BytesIO(data))
		    else:
		        ti.size = 0
		        t.addfile(ti)
		exec(prog)
		t.close()
	EOF
}
