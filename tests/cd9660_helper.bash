# cd9660_helper.bash: ISO 9660 fixtures and byte-patching helpers for tests/cd9660*.bats.
#
#   cd_tree                  path of the source tree every image is built from (cached)
#   cd_iso NAME ARGS...      `xorriso -as mkisofs ARGS` of cd_tree, cached as NAME; prints the path
#   cd_xorriso NAME ARGS...  the same with xorriso's native commands (ARGS after -map TREE /)
#   cd_makefs NAME OPTS      `makefs -t cd9660 -o OPTS` of cd_tree
#   cd_devs_iso              a small Rock Ridge image holding device nodes (get -r skips those)
#   cd_small_iso NAME FILE=TEXT...  a small Rock Ridge image of those files (TEXT may be @N: N bytes of "a")
#   cd_copy IMG              a private copy of IMG in $BATS_TEST_TMPDIR (to patch); prints it
#   rec_off IMG PATH         byte offset of PATH's directory record (= its inode number, unless
#                            Rock Ridge PX gives the file a serial number: then use -o norrip)
#   img_ino IMG PATH [OPT]   the inode number `rumpsh [-o OPT] IMG stat PATH` shows
#   set_flags IMG OFF HEX    OR the bits HEX into the flags byte of the record at OFF
#   root_dot IMG             byte offset of the root directory's "." record
#   susp_off IMG OFF SIG     byte offset of the first SUSP entry SIG in the record at OFF
#   poke IMG OFF HEX...      write bytes (hex pairs) at OFF, in place
#   le32 N / both32 N        hex pairs of N little-endian / both-endian (ECMA-119 7.3.3)
#   tree_diff A B [OPTS]     diff -r of two trees, symlinks as links, fifos compared by tree_meta only
#   bsdtar_x IMG DIR         bsdtar's extraction of IMG (UTF-8 names whatever the locale)
#   xorriso_x IMG DIR        xorriso's (-osirrox) extraction of IMG
#   tree_meta DIR            one line per file: path, mode, owner, mtime (s), size, link target

load test_helper

_cd_build_tree() {
	local d=$1 i p
	make_tree "$d"
	# a tree deeper than ECMA-119's 8 levels, relocated by Rock Ridge writers
	p=$d/deep
	for i in 1 2 3 4 5 6 7 8 9 10; do p=$p/d$i; done
	mkdir -p "$p"
	printf 'at the bottom\n' >"$p/bottom.txt"
	# a target longer than a record: SL entries continued in a CE area, a component
	# split across them, "." and ".." components
	ln -s "./$(printf 'x%.0s' {1..200})/../$(printf 'y%.0s' {1..250})/./z" "$d/links/very-long"
	find "$d/deep" -depth -exec touch -h -d '2022-02-02 02:02:02.5' {} +
	touch -d '2022-02-02 02:02:02.5' "$d"
}

cd_tree() {
	need_tool xorriso mknod || return 1
	fixture cd9660-tree _cd_build_tree
}

# The tree's cache key goes into each image's command, so images follow the tree.
_cd_tree_key() { cat "$RUMPSH_FIXTURES/.cd9660-tree.key"; }

_cd_mkiso() {
	local out=$1 tree=$2
	shift 3
	# names are UTF-8 whatever the test's locale
	LC_ALL=C.UTF-8 xorriso -as mkisofs "$@" -o "$out" "$tree" >&2
}

_cd_native() {
	local out=$1 tree=$2
	shift 3
	LC_ALL=C.UTF-8 xorriso -outdev "$out" -map "$tree" / "$@" >&2
}

_cd_makefs() {
	local out=$1 tree=$2 opts=$4
	makefs -t cd9660 ${opts:+-o "$opts"} "$out" "$tree" >&2
}

cd_iso() {
	local name=$1 tree
	shift
	tree=$(cd_tree) || return 1
	fixture "$name" _cd_mkiso {} "$tree" "$(_cd_tree_key)" "$@"
}

cd_xorriso() {
	local name=$1 tree
	shift
	tree=$(cd_tree) || return 1
	fixture "$name" _cd_native {} "$tree" "$(_cd_tree_key)" "$@"
}

cd_makefs() {
	local tree
	need_tool makefs || return 1
	tree=$(cd_tree) || return 1
	fixture "$1" _cd_makefs {} "$tree" "$(_cd_tree_key)" "${2:-}"
}

_cd_build_devs() {
	local out=$1 src
	src=$(mktemp -d)
	mknod "$src/null" c 1 3
	mknod "$src/disk" b 8 16
	mknod "$src/big" c 300 70000
	xorriso -as mkisofs -R -o "$out" "$src" >&2
	rm -rf "$src"
}

cd_devs_iso() {
	need_tool xorriso mknod || return 1
	fixture cd9660-devs.iso _cd_build_devs
}

_cd_build_small() {
	local out=$1 src spec
	shift 2
	src=$(mktemp -d)
	for spec in "$@"; do
		mkdir -p "$(dirname "$src/${spec%%=*}")"
		case ${spec#*=} in
		@*) head -c "${spec#*=@}" /dev/zero | tr '\0' a >"$src/${spec%%=*}" ;;
		*) printf '%s\n' "${spec#*=}" >"$src/${spec%%=*}" ;;
		esac
	done
	xorriso -as mkisofs -R -o "$out" "$src" >&2
	rm -rf "$src"
}

cd_small_iso() {
	local name=$1
	shift
	need_tool xorriso || return 1
	fixture "$name" _cd_build_small {} "$name" "$@"
}

cd_copy() {
	local dst=$BATS_TEST_TMPDIR/${1##*/}
	cp --sparse=always "$1" "$dst" && echo "$dst"
}

# cd_two_extent_iso: a copy of a small ISO whose /part1 goes on in the record after it (a file
# in two extents, multi-extent records): sets TWO_IMG, and TWO_OFF1 to part1's record.
cd_two_extent_iso() {
	local off2
	TWO_IMG=$(cd_copy "$(cd_small_iso cd9660-two.iso part1=@4096 'part2=tail of the file')") || return 1
	TWO_OFF1=$(rec_off "$TWO_IMG" /part1)
	off2=$(rec_off "$TWO_IMG" /part2)
	set_flags "$TWO_IMG" "$TWO_OFF1" 80
	# PART1 continues in the next record once that record bears its name
	poke "$TWO_IMG" $((off2 + 33 + 4)) 31
}

rec_off() {
	"$RUMPSH" "$1" stat "$2" | awk '/^Inode:/ { print $2; exit }'
}

# The byte offset of the root directory's "." record.
root_dot() {
	echo $(($(od -An -tu4 -j $((16 * 2048 + 156 + 2)) -N4 "$1" | tr -d ' ') * 2048))
}

img_ino() {
	"$RUMPSH" ${3:+-o "$3"} "$1" stat "$2" | awk '/^Inode:/ { print $2; exit }'
}

set_flags() {
	local img=$1 off=$2 old
	old=$(od -An -tu1 -j $((off + 25)) -N1 "$img" | tr -d ' ')
	poke "$img" $((off + 25)) "$(printf '%02x' $((old | 0x$3)))"
}

# The record's bytes as decimal numbers, one per line.
_rec_bytes() {
	local img=$1 off=$2 len
	len=$(od -An -tu1 -j "$off" -N1 "$img" | tr -d ' ')
	od -An -tu1 -v -j "$off" -N "$len" "$img" | tr -s ' ' '\n' | sed '/^$/d'
}

susp_off() {
	local img=$1 off=$2 sig=$3 b nl i s0 s1
	mapfile -t b < <(_rec_bytes "$img" "$off")
	nl=${b[32]}
	i=$((33 + nl + (nl % 2 == 0 ? 1 : 0)))
	s0=$(printf '%d' "'${sig:0:1}")
	s1=$(printf '%d' "'${sig:1:1}")
	while ((i + 4 <= ${#b[@]})); do
		if ((b[i] == s0 && b[i + 1] == s1)); then
			echo $((off + i))
			return 0
		fi
		((b[i + 2] >= 4)) || break
		i=$((i + b[i + 2]))
	done
	echo "susp_off: no $sig entry in the record at $off of $img" >&2
	return 1
}

poke() {
	local img=$1 off=$2 hex
	shift 2
	hex=$(printf '\\x%s' "$@")
	printf "$hex" | dd of="$img" bs=1 seek="$off" conv=notrunc status=none
}

le32() { printf '%02x %02x %02x %02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
be32() { printf '%02x %02x %02x %02x' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }
both32() { echo "$(le32 "$1") $(be32 "$1")"; }

tree_meta() {
	(cd "$1" && find . -mindepth 1 -printf '%p %M %U %G %TY-%Tm-%Td %TH:%TM:%.2TS %s %l\n' |
		sed -E 's/^(\S+ d\S+ \S+ \S+ \S+ \S+) [0-9]+ /\1 - /' | sort)
}

tree_diff() {
	local a=$1 b=$2
	shift 2
	diff -r --no-dereference -x fifo "$@" "$a" "$b"
}

bsdtar_x() {
	mkdir -p "$2" && LC_ALL=C.UTF-8 bsdtar -xf "$1" -C "$2"
}

xorriso_x() {
	LC_ALL=C.UTF-8 xorriso -osirrox on -indev "$1" -extract / "$2" 2>/dev/null
}
