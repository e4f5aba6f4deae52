# msdos_helper.bash: FAT images for the msdos suites: building (mkfs.fat + mcopy), reading BPB fields, damaging on purpose.
#
#   mk_fat IMG FATBITS SIZE_KB TREE [MKFS ARGS...]   mkfs.fat -F FATBITS, then mcopy -s -m TREE/* into it
#   fat_tree DIR                                     a tree with long names, 8.3 names of both cases, UTF-8, deep dirs
#   bpb IMG FIELD                                    a BPB field (bps spc rsvd nfats rootents fatsz fattype rootclus fsinfo)
#   fat_get IMG COPY CLUSTER / fat_put IMG COPY CLUSTER VALUE   FAT16/FAT32 entries (COPY from 0)
#   dirent_off IMG SHORTNAME11                       byte offset of the directory entry with that 8.3 name
#   put_le IMG OFFSET BYTES VALUE                    write a little-endian integer
#   need_rumpsh_cmd CMD                              fail (never skip) when rumpsh's CMD is not implemented yet

export MTOOLS_SKIP_CHECK=1 TZ=UTC

mk_fat() {
	local img=$1 bits=$2 kb=$3 tree=$4
	shift 4
	need_tool mkfs.fat mcopy || return 1
	rm -f "$img"
	mkfs.fat -C -F "$bits" "$@" "$img" "$kb" >/dev/null 2>&1 || {
		echo "mk_fat: mkfs.fat -F $bits $* $img $kb failed" >&2
		return 1
	}
	if [[ -n $tree ]] && compgen -G "$tree/*" >/dev/null; then
		# mtools converts names through the locale: test_helper's C would mangle UTF-8
		LC_ALL=C.UTF-8 mcopy -s -m -i "$img" "$tree"/* ::/ || return 1
	fi
}

fat_tree() {
	local d=$1 i
	mkdir -p "$d/dir/nested/deeper" "$d/many" "$d/empty-dir" || return 1
	printf 'hello, world\n' >"$d/small.txt"
	printf 'upper\n' >"$d/UPPER.TXT"
	printf 'lower\n' >"$d/lower.txt"
	printf 'mixed\n' >"$d/Mixed.Txt"
	printf 'long\n' >"$d/A rather long file name with spaces.text"
	printf 'utf8\n' >"$d/naïve café.txt"
	printf 'cjk\n' >"$d/日本語.txt"
	printf 'dots\n' >"$d/several.dots.in.name.tar.gz"
	: >"$d/empty"
	head -c $((300 * 1024 + 17)) /dev/urandom >"$d/medium.bin"
	printf 'deep\n' >"$d/dir/nested/deeper/file.txt"
	for i in $(seq 1 120); do printf '%s\n' "$i" >"$d/many/entry number $i"; done
	find "$d" -exec touch -d '2022-02-02 02:02:02' {} +
	touch -d '2001-09-09 01:46:40' "$d/small.txt"
}

_le() { # _le IMG OFFSET BYTES
	od -An -tu"$3" -j "$2" -N "$3" "$1" | tr -d ' '
}

bpb() {
	local img=$1
	case $2 in
	bps) _le "$img" 11 2 ;;
	spc) _le "$img" 13 1 ;;
	rsvd) _le "$img" 14 2 ;;
	nfats) _le "$img" 16 1 ;;
	rootents) _le "$img" 17 2 ;;
	fatsz) local f; f=$(_le "$img" 22 2); ((f)) || f=$(_le "$img" 36 4); echo "$f" ;;
	fattype) if (($(_le "$img" 22 2) == 0)); then echo 32; else echo 16; fi ;;
	rootclus) _le "$img" 44 4 ;;
	fsinfo) _le "$img" 48 2 ;;
	*) echo "bpb: unknown field $2" >&2; return 1 ;;
	esac
}

put_le() { # put_le IMG OFFSET BYTES VALUE
	local img=$1 off=$2 n=$3 v=$4 i s=''
	for ((i = 0; i < n; i++)); do
		s+=$(printf '\\x%02x' $(((v >> (8 * i)) & 255)))
	done
	printf "$s" | dd of="$img" bs=1 seek="$off" conv=notrunc status=none
}

_fat_off() { # _fat_off IMG COPY CLUSTER -> byte offset of the entry
	local img=$1 bps rsvd fatsz w
	bps=$(bpb "$img" bps) rsvd=$(bpb "$img" rsvd) fatsz=$(bpb "$img" fatsz)
	w=$(($(bpb "$img" fattype) / 8))
	echo $((rsvd * bps + $2 * fatsz * bps + $3 * w))
}

fat_get() {
	_le "$1" "$(_fat_off "$1" "$2" "$3")" $(($(bpb "$1" fattype) / 8))
}

fat_put() {
	put_le "$1" "$(_fat_off "$1" "$2" "$3")" $(($(bpb "$1" fattype) / 8)) "$4"
}

# Both copies at once, as a consistent (but wrong) FAT.
fat_put_all() {
	local c
	for ((c = 0; c < $(bpb "$1" nfats); c++)); do fat_put "$1" "$c" "$2" "$3"; done
}

dirent_off() { # dirent_off IMG 'NAME    EXT' -> first match's offset
	local off
	off=$(grep -obUa -- "$2" "$1" | head -1 | cut -d: -f1)
	[[ -n $off ]] || { echo "dirent_off: $2 not in $1" >&2; return 1; }
	echo "$off"
}

dirent_cluster() { # first cluster of the entry at OFFSET
	echo $(($(_le "$1" $(($2 + 26)) 2) | $(_le "$1" $(($2 + 20)) 2) << 16))
}

need_rumpsh_cmd() {
	local out
	out=$("$RUMPSH" "${MSDOS_PROBE_IMG:?}" "$1" 2>&1 </dev/null) || true
	if grep -q 'not supported yet' <<<"$out"; then
		echo "rumpsh has no working '$1' yet: $out" >&2
		return 1
	fi
}
