# ffs_helper.bash: FFS fixtures and checks shared by the ffs_*.bats suites (load after test_helper).
#
#   ffs_tree DIR                  make_tree plus device nodes (when root)
#   ffs_img NAME MAKEFS-OPTS...   a cached makefs image of the tree; prints its path
#   ffs_copy NAME                 a private copy of fixture NAME in $BATS_TEST_TMPDIR; prints it
#   ffs_ino IMG PATH              the inode number rumpsh reports for PATH
#   ffs_corrupt IMG KIND [ARGS]   tests/ffs_corrupt.py: one known kind of damage
#   ffs_meta DIR [ufs1]           one line per file: path type mode uid gid size mtime target
#   need_rumpsh_cmd CMD...        fail (never skip) while the shell lacks a command

FFS_HELPER_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

ffs_tree() {
	local d=${1:?ffs_tree: DIR missing}
	make_tree "$d" || return 1
	if [[ $(id -u) -eq 0 ]]; then
		mknod "$d/special/cdev" c 1 3 && mknod "$d/special/bdev" b 7 0 || return 1
		touch -h -d '2022-02-02 02:02:02' "$d/special/cdev" "$d/special/bdev" "$d/special"
	fi
}

# _ffs_build OUT TREE OPTS...: makefs of TREE, with room to write in.
_ffs_build() {
	local out=$1 tree=$2
	shift 2
	makefs -t ffs -f 2000 -b 25% "$@" "$out" "$tree" >/dev/null
}

ffs_img() {
	local name=${1:?ffs_img: NAME missing}
	shift
	local tree
	need_tool makefs || return 1
	# the tree first, outside the image's build: fixtures do not nest
	tree=$(ffs_ref_tree) || return 1
	fixture "$name" _ffs_build {} "$tree" "$@"
}

# The tree every read test compares with (built once, like the images).
ffs_ref_tree() {
	fixture ffs-tree ffs_tree
}

ffs_copy() {
	local src
	src=$(ffs_img "$@") || return 1
	cp "$src" "$BATS_TEST_TMPDIR/$1.img" || return 1
	echo "$BATS_TEST_TMPDIR/$1.img"
}

ffs_ino() {
	"$RUMPSH" -r "$1" stat "$2" | awk '/Inode:/ { print $2; exit }'
}

ffs_corrupt() {
	need_tool python3 || return 1
	python3 "$FFS_HELPER_DIR/ffs_corrupt.py" "$@"
}

# Metadata makefs keeps and rumpsh must show: no directory sizes (FFS and the
# host differ), mtimes in whole seconds (makefs drops nanoseconds). Device
# nodes are left out: `get` does not copy them (checked with ls instead).
ffs_meta() {
	(cd "$1" && find . ! -type b ! -type c -printf '%p|%y|%m|%U|%G|%s|%T@|%l\n') |
		awk -F'|' -v OFS='|' -v wrap="${2:-}" '{ if ($2 == "d") $6 = "-"; sub(/\.[0-9]+$/, "", $7)
			# UFS1 keeps times in a signed 32-bit field: 2040 wraps to 1903
			if (wrap == "ufs1" && $7 + 0 > 2147483647) $7 = sprintf("%d", $7 - 4294967296)
			print }' | sort
}

need_rumpsh_cmd() {
	local cmd missing=0 listing
	listing=$("$RUMPSH" "${FFS_ANY_IMAGE:-/dev/null}" help 2>&1 || true)
	for cmd in "$@"; do
		if grep -q "^Not supported yet.*\b$cmd\b" <<<"$listing" ||
			! grep -qE "^  $cmd( |$)" <<<"$listing"; then
			echo "rumpsh has no '$cmd' command yet (the shell's write commands and fsck are still to come)" >&2
			missing=1
		fi
	done
	return "$missing"
}
