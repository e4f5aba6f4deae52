#!/usr/bin/env bats
# cd9660.bats: ISO 9660 images from xorriso and makefs read by rumpsh, compared with the source tree, bsdtar and xorriso.

load cd9660_helper

setup() {
	need_tool xorriso bsdtar diff od dd
}

# get -r -p of IMG into $BATS_TEST_TMPDIR/$2
get_tree() {
	run_rumpsh "$1" get -r -p / "$BATS_TEST_TMPDIR/$2"
	assert_success
}

@test "cd9660: probed, and info names the volume, Rock Ridge and Joliet" {
	local img
	img=$(cd_iso rr.iso -R -J -joliet-long -V RUMPSH_TEST -publisher 'rumpsh tests')
	run_rumpsh "$img" info
	assert_success
	assert_line 'file system: ISO 9660 (read-only)'
	assert_line 'volume id: RUMPSH_TEST'
	assert_line 'publisher: RUMPSH TESTS'
	assert_line 'block size: 2048'
	assert_line 'rock ridge: yes'
	assert_line 'joliet: yes (level 3)'
	assert_line 'names from: Rock Ridge'
	assert_line 'el torito: no'
	assert_line --regexp '^created: 20[0-9]{2}-[0-9]{2}-[0-9]{2} '
	run_rumpsh -t iso9660 "$img" df
	assert_success
}

@test "cd9660: Rock Ridge tree equals the source: data, modes, owners, times, links" {
	local img tree
	tree=$(cd_tree)
	img=$(cd_iso rr.iso -R -J -joliet-long -V RUMPSH_TEST -publisher 'rumpsh tests')
	get_tree "$img" out
	run tree_diff "$tree" "$BATS_TEST_TMPDIR/out"
	assert_success
	diff <(tree_meta "$tree") <(tree_meta "$BATS_TEST_TMPDIR/out")
}

@test "cd9660: Rock Ridge device numbers (PN)" {
	local img
	img=$(cd_devs_iso)
	run_rumpsh "$img" ls -l /
	assert_success
	assert_line --regexp '^c.* 1, +3 .* null$'
	assert_line --regexp '^b.* 8, +16 .* disk$'
	assert_line --regexp '^c.* 300, +70000 .* big$'
}

@test "cd9660: Rock Ridge tree equals bsdtar's and xorriso's extraction" {
	local img
	img=$(cd_iso rr.iso -R -J -joliet-long -V RUMPSH_TEST -publisher 'rumpsh tests')
	get_tree "$img" out
	bsdtar_x "$img" "$BATS_TEST_TMPDIR/bt"
	run tree_diff "$BATS_TEST_TMPDIR/bt" "$BATS_TEST_TMPDIR/out"
	assert_success
	xorriso_x "$img" "$BATS_TEST_TMPDIR/xo"
	run tree_diff "$BATS_TEST_TMPDIR/xo" "$BATS_TEST_TMPDIR/out"
	assert_success
}

@test "cd9660: stat and ls -l show Rock Ridge attributes; inode numbers agree" {
	local img ino
	img=$(cd_iso rr.iso -R -J -joliet-long -V RUMPSH_TEST -publisher 'rumpsh tests')
	run_rumpsh "$img" stat /modes/file-6711 /modes/owned-1234-5678 /times/y1999
	assert_success
	assert_output --partial '(6711/-rws--s--x)'
	assert_output --regexp 'Uid: \( *1234\).*Gid: \( *5678\)'
	assert_output --partial 'Modify: 1999-12-31 23:59:59'
	run_rumpsh "$img" cat /links/short
	assert_success
	assert_output 'hello, world'
	# the same inode from the parent's listing, from lookup and from ".."
	ino=$(rec_off "$img" /dir/nested)
	run_rumpsh "$img" -c 'ls -ai /dir; stat /dir/nested/deeper/..'
	assert_success
	assert_line --regexp "^ *$ino nested\$"
	assert_output --regexp "Inode: $ino "
}

@test "cd9660: Joliet names, read-only modes without Rock Ridge" {
	local img
	img=$(cd_xorriso joliet.iso -rockridge off -joliet on)
	run_rumpsh "$img" info
	assert_line 'names from: Joliet'
	assert_line 'rock ridge: no'
	run_rumpsh "$img" ls -l /names
	assert_success
	assert_output --partial 'naïve café.txt'
	assert_output --partial '日本語.txt'
	assert_output --regexp '-r--r--r-- +1 +0 +0 +6 .* with space.txt'
	run_rumpsh "$img" stat /dir
	assert_output --partial '(0555/dr-xr-xr-x)'
	get_tree "$img" out
	bsdtar_x "$img" "$BATS_TEST_TMPDIR/bt"
	run tree_diff "$BATS_TEST_TMPDIR/bt" "$BATS_TEST_TMPDIR/out"
	assert_success
	# extract walks by inode number, where libisofs's Joliet ".." records
	# (pointing at the directory itself) cannot say who the parent is
	run_rumpsh "$img" extract -f "$BATS_TEST_TMPDIR/j.tar" /
	assert_success
	bsdtar_x "$BATS_TEST_TMPDIR/j.tar" "$BATS_TEST_TMPDIR/jx"
	run tree_diff "$BATS_TEST_TMPDIR/bt" "$BATS_TEST_TMPDIR/jx"
	assert_success
	run_rumpsh "$img" -c 'cd /dir/nested/deeper/deepest; cd ../..; pwd'
	assert_output '/dir/nested'
}

@test "cd9660: Joliet names outside the BMP (UTF-16 surrogate pairs) read as the source names, as bsdtar reads them" {
	local src=$BATS_TEST_TMPDIR/src img=$BATS_TEST_TMPDIR/utf16.iso
	local smile party disk
	# UTF-8 bytes (printf's \U needs a UTF-8 locale): U+1F600, U+1F389, U+1F4BE
	smile=$'\xf0\x9f\x98\x80' party=$'\xf0\x9f\x8e\x89' disk=$'\xf0\x9f\x92\xbe'
	mkdir -p "$src/$party party"
	printf 'smile\n' >"$src/$smile face.txt"
	printf 'two pairs\n' >"$src/$party party/a${disk}b${smile}.txt"
	printf 'plain\n' >"$src/é€ bmp.txt"
	LC_ALL=C.UTF-8 xorriso -as mkisofs -quiet --norock -J -joliet-long -joliet-utf16 \
		-o "$img" "$src" 2>/dev/null
	# the image holds 😀 as the surrogate pair D83D DE00, not a replacement
	od -An -tx1 -v "$img" | tr -d ' \n' | grep -q d83dde00
	run_rumpsh "$img" info
	assert_line 'names from: Joliet'
	run_rumpsh "$img" cat "/$party party/a${disk}b${smile}.txt"
	assert_success
	assert_output 'two pairs'
	run_rumpsh "$img" find /
	assert_success
	diff <(cd "$src" && find . -mindepth 1 | sed 's/^\.//' | sort) <(printf '%s\n' "${lines[@]}" | sed 1d | sort)
	run bash -c 'LC_ALL=C.UTF-8 bsdtar -tf "$1" | grep -vx "\.\?/\?" | sed "s,^\./,,; s,^,/,; s,/\$,," | sort' _ "$img"
	diff <(printf '%s\n' "${lines[@]}") <(cd "$src" && find . -mindepth 1 | sed 's/^\.//' | sort)
	get_tree "$img" out
	bsdtar_x "$img" "$BATS_TEST_TMPDIR/bt"
	run tree_diff "$BATS_TEST_TMPDIR/bt" "$BATS_TEST_TMPDIR/out"
	assert_success
	run diff -r "$src" "$BATS_TEST_TMPDIR/out"
	assert_success
}

# rr_detect IMG NAME: what info says of Rock Ridge, and whether the root lists NAME.
rr_detect() {
	local info list
	info=$("$RUMPSH" "$1" info) || return 1
	list=$("$RUMPSH" "$1" ls /) || return 1
	printf '%s, %s, ' "$(sed -n 's/^rock ridge: //p' <<<"$info")" "$(sed -n 's/^names from: //p' <<<"$info")"
	if grep -qxF "$2" <<<"$list"; then echo listed; else echo not listed; fi
}

# er_id IMG ID: overwrites the identifier of the image's only ER entry (same length).
er_id() {
	local off hex
	off=$(LC_ALL=C grep -obUa -E 'RRIP_1991A|IEEE_P1282|IEEE_1282' "$1" | cut -d: -f1)
	[[ $off =~ ^[0-9]+$ ]] || fail "no single ER identifier in $1: $off"
	# the entry: "ER", length, version, LEN_ID, LEN_DES, LEN_SRC, EXT_VER, then the id
	assert_equal "$(dd if="$1" bs=1 skip=$((off - 8)) count=2 status=none)" ER
	read -ra hex < <(printf '%s' "$2" | od -An -tx1)
	poke "$1" "$off" "${hex[@]}"
}

# rename_susp IMG SIG...: renames those entries of the root's "." (where present) to the unknown ZZ.
rename_susp() {
	local img=$1 sig off
	shift
	for sig; do
		off=$(susp_off "$img" "$(root_dot "$img")" "$sig" 2>/dev/null) || continue
		poke "$img" "$off" 5a 5a
	done
}

# bsdtar_lists IMG NAME: bsdtar's listing of IMG has NAME.
bsdtar_lists() {
	LC_ALL=C.UTF-8 bsdtar -tf "$1" | sed 's,^\./,,' | grep -qxF "$2"
}

@test "cd9660: Rock Ridge recognized by ER (RRIP_1991A, IEEE_P1282, IEEE_1282) or other RRIP entries in the root's \".\", after SP" {
	local src=$BATS_TEST_TMPDIR/src old=$BATS_TEST_TMPDIR/old.iso new=$BATS_TEST_TMPDIR/new.iso
	local p1282=$BATS_TEST_TMPDIR/p1282.iso img=$BATS_TEST_TMPDIR/img.iso name='Long Mixed-Case Name.txt'
	mkdir -p "$src"
	printf 'er\n' >"$src/$name"
	# RRIP 1.10 (ER RRIP_1991A) from -as mkisofs, RRIP 1.12 (ER IEEE_1282) from new_rr;
	# IEEE_P1282 (the draft's id) patched over RRIP_1991A
	xorriso -as mkisofs -quiet -R -o "$old" "$src" 2>/dev/null
	xorriso -outdev "$new" -compliance new_rr -map "$src" / >/dev/null 2>&1
	cp "$old" "$p1282"
	er_id "$p1282" IEEE_P1282
	# with PX, TF and NM gone from the root's ".", SP and ER alone decide; bsdtar agrees
	for img in "$old" "$new" "$p1282"; do
		rename_susp "$img" PX TF NM RR
		run rr_detect "$img" "$name"
		assert_output 'yes, Rock Ridge, listed'
		bsdtar_lists "$img" "$name"
	done
	# an ER naming another extension is no sign of Rock Ridge: ISO 9660 names, as xorriso
	# reads them without Rock Ridge (bsdtar, which takes SP alone as the sign, still
	# reads the NM names here)
	er_id "$old" RRIP_1991B
	er_id "$new" IEEE_1283
	for img in "$old" "$new"; do
		run rr_detect "$img" "$name"
		assert_output 'no, ISO 9660, not listed'
		run_rumpsh "$img" ls /
		assert_output "$(xorriso -read_fs ecma119 -indev "$img" -ls / 2>/dev/null | tr -d "'")"
	done
	# ER garbled, the root's PX and TF left: those are enough
	xorriso -as mkisofs -quiet -R -o "$img" "$src" 2>/dev/null
	er_id "$img" XXXX_1991A
	run rr_detect "$img" "$name"
	assert_output 'yes, Rock Ridge, listed'
	# no SP in the root's ".": no Rock Ridge, whatever follows
	xorriso -as mkisofs -quiet -R -o "$img" "$src" 2>/dev/null
	rename_susp "$img" SP
	run rr_detect "$img" "$name"
	assert_output 'no, ISO 9660, not listed'
}

@test "cd9660: Rock Ridge preferred over Joliet; norrip and nojoliet choose" {
	local img
	img=$(cd_iso rr.iso -R -J -joliet-long -V RUMPSH_TEST -publisher 'rumpsh tests')
	run_rumpsh -o norrip "$img" info
	assert_line 'names from: Joliet'
	run_rumpsh -o norrip,nojoliet "$img" info
	assert_line 'names from: ISO 9660'
	run_rumpsh -o norrip,nojoliet "$img" cat /SMALL.TXT
	assert_success
	assert_output 'hello, world'
	run_rumpsh ! -o nosuchoption "$img" ls /
	assert_failure
}

@test "cd9660: plain ISO 9660: versions and trailing dots hidden, case-blind lookup, bsdtar agrees" {
	local img
	img=$(cd_xorriso plain.iso -rockridge off)
	run_rumpsh "$img" ls /
	assert_success
	assert_line README
	assert_line SMALL.TXT
	refute_output --partial ';1'
	run_rumpsh "$img" cat /readme /small.txt /Dir/Nested/Deeper/Deepest/File.txt
	assert_success
	assert_line 'hello, world'
	assert_line 'deep'
	run_rumpsh "$img" stat /README
	assert_output --partial '(0444/-r--r--r--)'
	get_tree "$img" out
	bsdtar_x "$img" "$BATS_TEST_TMPDIR/bt"
	run tree_diff "$BATS_TEST_TMPDIR/bt" "$BATS_TEST_TMPDIR/out"
	assert_success
}

@test "cd9660: ISO level 2 names (up to 31 characters), no Rock Ridge or Joliet: as bsdtar lists and extracts them" {
	local img
	img=$(cd_xorriso level2.iso -rockridge off -compliance iso_9660_level=2)
	run_rumpsh "$img" find /
	assert_success
	# names longer than level 1's 8.3
	assert_line /DIR/NESTED/DEEPER/DEEPEST/A_FILE_NAME_LONG_ENOUGH_THA.TXT
	diff <(printf '%s\n' "$output" | sed -n 's|^/\(.\)|\1|p' | sort) \
		<(LC_ALL=C.UTF-8 bsdtar -tf "$img" | sed 's|/$||' | grep -vx '\.' | LC_ALL=C sort)
	get_tree "$img" out
	bsdtar_x "$img" "$BATS_TEST_TMPDIR/bt"
	run tree_diff "$BATS_TEST_TMPDIR/bt" "$BATS_TEST_TMPDIR/out"
	assert_success
}

@test "cd9660: deep directories relocated by Rock Ridge (CL/PL/RE) shown in their real place" {
	local img p=/deep/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10
	img=$(cd_iso deep.iso -R -rr_reloc_dir rr_moved)
	run_rumpsh "$img" cat "$p/bottom.txt"
	assert_success
	assert_output 'at the bottom'
	run_rumpsh "$img" ls -a /
	refute_line rr_moved
	run_rumpsh "$img" -c "cd $p; cd ../..; pwd; ls"
	assert_success
	assert_line /deep/d1/d2/d3/d4/d5/d6/d7/d8
	assert_line d9
	get_tree "$img" out
	xorriso_x "$img" "$BATS_TEST_TMPDIR/xo"
	run tree_diff "$BATS_TEST_TMPDIR/xo" "$BATS_TEST_TMPDIR/out"
	assert_success
	diff <(tree_meta "$(cd_tree)") <(tree_meta "$BATS_TEST_TMPDIR/out")
}

@test "cd9660: makefs -t cd9660 images, with and without Rock Ridge" {
	local img tree
	tree=$(cd_tree)
	img=$(cd_makefs makefs-rr.iso rockridge)
	get_tree "$img" out
	# bsdtar 3.6 rejects makefs's CE entries ("Invalid parameter in SUSP CE")
	xorriso_x "$img" "$BATS_TEST_TMPDIR/xo"
	run tree_diff "$BATS_TEST_TMPDIR/xo" "$BATS_TEST_TMPDIR/out"
	assert_success
	# makefs relocates deep directories to .rr_moved without RE entries: shown
	diff <(tree_meta "$tree") <(tree_meta "$BATS_TEST_TMPDIR/out" | grep -v '^\./\.rr_moved')
	run tree_diff "$tree" "$BATS_TEST_TMPDIR/out" -x .rr_moved
	assert_success
	img=$(cd_makefs makefs-plain.iso allow-deep-trees)
	get_tree "$img" plain
	# (bsdtar cannot extract makefs's plain-ISO stand-ins for symlinks)
	xorriso_x "$img" "$BATS_TEST_TMPDIR/plain-xo"
	run tree_diff "$BATS_TEST_TMPDIR/plain-xo" "$BATS_TEST_TMPDIR/plain"
	assert_success
	run_rumpsh "$img" cat /dir/nested/deeper/deepest/file.txt
	assert_success
	assert_output 'deep'
}

_cd_build_huge() {
	local out=$1 src
	src=$(mktemp -d)
	truncate -s 4500M "$src/huge"
	printf 'head' | dd of="$src/huge" conv=notrunc status=none
	printf 'tail' | dd of="$src/huge" bs=1 seek=$((4500 * 1048576 - 4)) conv=notrunc status=none
	printf 'small\n' >"$src/small"
	# the image is mostly zeros: keep it sparse on disk
	xorriso -as mkisofs -iso-level 3 -R -o - "$src" 2>/dev/null | cp --sparse=always /dev/stdin "$out"
	rm -rf "$src"
}

@test "cd9660: a 4.4 GiB file in several extents (-iso-level 3) reads as one file" {
	local img
	img=$(fixture cd9660-huge.iso _cd_build_huge)
	run_rumpsh "$img" ls -l /
	assert_success
	assert_line --regexp ' 4718592000 .* huge$'
	run bash -c '"$RUMPSH" "$1" cat /huge | head -c 4' _ "$img"
	assert_output head
	run bash -c '"$RUMPSH" "$1" cat /huge | tail -c 4' _ "$img"
	assert_output tail
	run_rumpsh "$img" cat /small
	assert_output small
}

@test "cd9660: El Torito boot catalog entries in info: BIOS and EFI, as xorriso reports them" {
	local img
	img=$(cd_iso boot.iso -R -b README -no-emul-boot -boot-load-size 4 -c boot.cat \
		-eltorito-alt-boot -e big.bin -no-emul-boot)
	run_rumpsh "$img" info
	assert_success
	assert_line --regexp '^el torito: boot catalog at sector [0-9]+$'
	assert_line --regexp '^boot entry 1: platform x86 \(0x00\), bootable, no emulation, load segment 0x0000, 4 sectors, image at LBA [0-9]+$'
	assert_line --regexp '^boot entry 2: platform EFI \(0xef\), bootable, no emulation, .* image at LBA [0-9]+$'
	# catalog sector, load sizes and image LBAs as xorriso reports them
	local rep cat bios efi
	rep=$(xorriso -indev "$img" -report_el_torito plain 2>/dev/null)
	cat=$(awk '/^El Torito catalog +:/ { print $5 }' <<<"$rep")
	bios=$(awk '/^El Torito boot img +: +1 +BIOS +y +none / { print $(NF - 1), $NF }' <<<"$rep")
	efi=$(awk '/^El Torito boot img +: +2 +UEFI +y +none / { print $(NF - 1), $NF }' <<<"$rep")
	[[ -n $cat && -n $bios && -n $efi ]] || fail "xorriso's report: $rep"
	assert_line "el torito: boot catalog at sector $cat"
	assert_line --regexp "^boot entry 1: platform x86 .*, ${bios% *} sectors, image at LBA ${bios#* }\$"
	assert_line --regexp "^boot entry 2: platform EFI .*, ${efi% *} sectors, image at LBA ${efi#* }\$"
}

@test "cd9660: zisofs-compressed files are inflated; nozisofs shows them as recorded" {
	local img tree
	tree=$(cd_tree)
	img=$(cd_xorriso zisofs.iso -set_filter_r --zisofs / --)
	run_rumpsh -o nozisofs "$img" stat /all-hole
	assert_output --regexp 'Size: [0-9]{3} '
	run bash -c '"$RUMPSH" -o nozisofs "$1" cat /all-hole | head -c 8 | od -An -tx1' _ "$img"
	assert_output --partial '37 e4 53 96 c9 db d6 07'
	get_tree "$img" out
	run tree_diff "$tree" "$BATS_TEST_TMPDIR/out"
	assert_success
}

@test "cd9660: interleaved files (file unit size and gap) are read unit by unit" {
	local img off ext
	img=$(cd_copy "$(cd_iso rr.iso -R -J -joliet-long -V RUMPSH_TEST -publisher 'rumpsh tests')")
	# medium.bin: 50 blocks; units of 2 blocks with 3-block gaps, 4 blocks in all
	off=$(rec_off "$img" /medium.bin)
	poke "$img" $((off + 10)) $(both32 8192)
	poke "$img" $((off + 26)) 02 03
	ext=$(od -An -tu4 -j $((off + 2)) -N4 "$img" | tr -d ' ')
	{
		dd if="$img" bs=2048 skip="$ext" count=2 status=none
		dd if="$img" bs=2048 skip=$((ext + 5)) count=2 status=none
	} >"$BATS_TEST_TMPDIR/want"
	run bash -c '"$RUMPSH" "$1" cat /medium.bin | cmp - "$2"' _ "$img" "$BATS_TEST_TMPDIR/want"
	assert_success
}

@test "cd9660: a file in two extents (multi-extent records) reads as bsdtar and 7z read it" {
	need_tool 7z cmp
	local img
	cd_two_extent_iso
	img=$TWO_IMG
	run_rumpsh "$img" ls /
	assert_success
	assert_output part1
	run_rumpsh "$img" stat /part1
	assert_output --partial 'Size: 4113 '
	"$RUMPSH" "$img" cat /part1 >"$BATS_TEST_TMPDIR/r"
	tail -c 17 "$BATS_TEST_TMPDIR/r" | grep -qx 'tail of the file'
	bsdtar -xOf "$img" part1 | cmp - "$BATS_TEST_TMPDIR/r"
	7z x -so "$img" part1 2>/dev/null | cmp - "$BATS_TEST_TMPDIR/r"
	run_rumpsh -o norrip "$img" cat /PART1
	assert_success
	cmp <(printf '%s\n' "$output") "$BATS_TEST_TMPDIR/r"
}

@test "cd9660: associated files left out (showassoc lists them as =NAME); hidden files shown (hide leaves them out)" {
	local img off nm all
	img=$(cd_copy "$(cd_small_iso cd9660-flags.iso 'pair-a=resource fork' 'pair-b=data fork' \
		secret=hidden plain=plain hidden-dir/inside=inside)")
	# pair-a becomes the associated file of pair-b: same name in ISO 9660 and in Rock Ridge,
	# recorded before it as ECMA-119 9.3 orders them
	off=$(rec_off "$img" /pair-a)
	set_flags "$img" "$off" 04
	poke "$img" $((off + 33 + 5)) 42
	nm=$(susp_off "$img" "$off" NM)
	poke "$img" $((nm + 5 + 5)) 62
	set_flags "$img" "$(rec_off "$img" /secret)" 01
	set_flags "$img" "$(rec_off "$img" /hidden-dir)" 01
	# bsdtar, blind to both flags, sees every record: two named pair-b
	all=$(LC_ALL=C bsdtar -tf "$img" | sort | tr '\n' ' ')
	assert_equal "$all" ". hidden-dir hidden-dir/inside pair-b pair-b plain secret "
	run_rumpsh "$img" ls /
	assert_success
	assert_output "$(printf '%s\n' hidden-dir pair-b plain secret)"
	run_rumpsh "$img" cat /pair-b /secret /hidden-dir/inside
	assert_output "$(printf '%s\n' 'data fork' hidden inside)"
	run_rumpsh -o hide "$img" ls /
	assert_output "$(printf '%s\n' pair-b plain)"
	run_rumpsh ! -o hide "$img" cat /secret
	[[ $stderr == *'No such file or directory'* ]]
	run_rumpsh ! -o hide "$img" ls /hidden-dir
	run_rumpsh -o showassoc "$img" ls /
	assert_output "$(printf '%s\n' =pair-b hidden-dir pair-b plain secret)"
	# the same bytes as bsdtar's two pair-b entries, in record order
	run_rumpsh -o showassoc "$img" cat /=pair-b /pair-b
	assert_output "$(bsdtar -xOf "$img" pair-b)"
	assert_output "$(printf '%s\n' 'resource fork' 'data fork')"
	run_rumpsh -o norrip "$img" ls /
	assert_output "$(printf '%s\n' HIDDEN_D PAIR_B PLAIN SECRET)"
	run_rumpsh -o norrip,showassoc,hide "$img" -c 'ls /; cat /=pair_b'
	assert_output "$(printf '%s\n' =PAIR_B PAIR_B PLAIN 'resource fork')"
}

@test "cd9660: Rock Ridge PX serial numbers are the files' inode numbers: hard links share one, as in the source" {
	local img tree a b off px
	tree=$(cd_tree)
	img=$(cd_xorriso hardlinks.iso -hardlinks on)
	a=$(img_ino "$img" /links/hard-a)
	b=$(img_ino "$img" /dir/hard-b)
	assert_equal "$a" "$b"
	[[ $a != "$(img_ino "$img" /small.txt)" ]]
	run_rumpsh "$img" stat /dir/hard-b
	assert_output --regexp 'Links: 2'
	# the number is the one in the PX entry's fifth field (its record found through plain ISO names)
	off=$(img_ino "$img" /LINKS/HARD_A norrip)
	px=$(susp_off "$img" "$off" PX)
	assert_equal "$a" "$(od -An -tu4 -j $((px + 36)) -N4 "$img" | tr -d ' ')"
	run_rumpsh "$img" ls -i /links
	assert_line --regexp "^ *$a hard-a\$"
	# directories keep their record offsets
	assert_equal "$(img_ino "$img" /dir)" "$(img_ino "$img" /DIR norrip)"
	# names grouped by inode: the source, rumpsh's extraction, xorriso's and bsdtar's
	link_groups() { (cd "$1" && find . ! -type d -printf '%i %p\n' |
		awk '{ n[$1]++; g[$1] = g[$1] " " $2 } END { for (i in g) if (n[i] > 1) print g[i] }' | sort); }
	mkdir "$BATS_TEST_TMPDIR/x"
	run_rumpsh "$img" extract -C "$BATS_TEST_TMPDIR/x"
	assert_success
	LC_ALL=C.UTF-8 xorriso -osirrox on -hardlinks on -indev "$img" -extract / "$BATS_TEST_TMPDIR/xo" 2>/dev/null
	bsdtar_x "$img" "$BATS_TEST_TMPDIR/bt"
	assert_equal "$(link_groups "$tree")" ' ./dir/hard-b ./links/hard-a'
	assert_equal "$(link_groups "$BATS_TEST_TMPDIR/x")" "$(link_groups "$tree")"
	assert_equal "$(link_groups "$BATS_TEST_TMPDIR/xo")" "$(link_groups "$tree")"
	assert_equal "$(link_groups "$BATS_TEST_TMPDIR/bt")" "$(link_groups "$tree")"
	run tree_diff "$tree" "$BATS_TEST_TMPDIR/x"
	assert_success
	# cpio holds the data back to the last link: it still comes from the right file
	run_rumpsh "$img" extract --format newc -f "$BATS_TEST_TMPDIR/d.cpio" /dir
	assert_success
	run bsdtar -xOf "$BATS_TEST_TMPDIR/d.cpio" dir/hard-b
	assert_output 'linked twice'
}

@test "cd9660: Rock Ridge TF long form (17-byte stamps with hundredths) read as xorriso reads it" {
	local img off tf
	img=$(cd_copy "$(cd_small_iso cd9660-tf.iso stamped=stamped)")
	off=$(rec_off "$img" /stamped)
	tf=$(susp_off "$img" "$off" TF)
	assert_equal "$(od -An -tu1 -j $((tf + 2)) -N1 "$img" | tr -d ' ')" 26
	# TF of 22 bytes: long form, modify time only, 2040-01-01 12:34:56.78 UTC; PD pads to 26
	poke "$img" "$tf" 54 46 16 01 82 $(printf '2040010112345678' | od -An -tx1) 00 50 44 04 01
	run_rumpsh "$img" stat /stamped
	assert_success
	assert_output --partial 'Modify: 2040-01-01 12:34:56.780000000'
	# xorriso keeps whole seconds (bsdtar 3.6 reads long-form TF a month late: 2040-02-01)
	xorriso_x "$img" "$BATS_TEST_TMPDIR/xo"
	assert_equal "$(TZ=UTC stat -c %y "$BATS_TEST_TMPDIR/xo/stamped")" '2040-01-01 12:34:56.000000000 +0000'
	run_rumpsh "$img" get -p /stamped "$BATS_TEST_TMPDIR/got"
	assert_equal "$(TZ=UTC stat -c %y "$BATS_TEST_TMPDIR/got")" '2040-01-01 12:34:56.780000000 +0000'
}

@test "cd9660: SUSP SP's skip count is skipped in every system use area but the root's, as bsdtar skips it" {
	local img sp
	img=$(cd_copy "$(cd_small_iso cd9660-sp.iso run.sh=x data=y)")
	run_rumpsh "$img" ls -l /
	assert_line --regexp '^-rw-r--r-- .* data$'
	# every record but the root's "." starts with a 36-byte PX: skip it
	sp=$(susp_off "$img" "$(root_dot "$img")" SP)
	poke "$img" $((sp + 6)) 24
	run_rumpsh "$img" ls -l /
	assert_success
	# no PX: ISO 9660's modes; the NM names still read
	assert_line --regexp '^-r--r--r-- .* data$'
	assert_line --regexp '^-r--r--r-- .* run.sh$'
	run bsdtar -tvf "$img"
	assert_line --regexp ' data$'
	assert_line --regexp ' run.sh$'
	refute_output --partial -- '-rw-r--r--'
}

@test "cd9660: read-only: a writable open is refused" {
	local img
	# a copy: a writable open locks the image, and the other pass of make check opens the
	# shared fixture at the same moment
	img=$(cd_copy "$(cd_iso rr.iso -R -J -joliet-long -V RUMPSH_TEST -publisher 'rumpsh tests')")
	run_rumpsh -o rw "$img" ls /
	assert_failure
	# the shell refuses rw before the driver does (which answers EROFS, "ISO 9660 is read-only")
	[[ $stderr == *read-only* ]]
}

@test "cd9660: every write command fails with the read-only error and leaves the image as it was; fsck -y exits 8" {
	local img sum cmd
	img=$(cd_copy "$(cd_iso rr.iso -R -J -joliet-long -V RUMPSH_TEST -publisher 'rumpsh tests')")
	sum=$(sha256sum <"$img")
	printf 'new\n' >"$BATS_TEST_TMPDIR/new.txt"
	bsdtar -cf "$BATS_TEST_TMPDIR/in.tar" -C "$BATS_TEST_TMPDIR" new.txt
	for cmd in "put $BATS_TEST_TMPDIR/new.txt /new.txt" "cp /small.txt /copy" "mv /small.txt /moved" \
		"rm /small.txt" "mkdir /newdir" "rmdir /dir/nested/deeper/deepest" "ln /small.txt /hard" \
		"ln -s small.txt /soft" "chmod 600 /small.txt" "chown 1:1 /small.txt" "touch /small.txt" \
		"touch /brand-new" "truncate -s 0 /small.txt" "import $BATS_TEST_TMPDIR/in.tar /"; do
		# shellcheck disable=SC2086 # cmd is split into its words on purpose
		run_rumpsh "$img" $cmd
		assert_equal "$status" 1
		[[ $stderr == *"${cmd%% *}: "*"ISO 9660 is read-only"* ]] || fail "$cmd: $stderr"
	done
	run_rumpsh "$img" fsck -y
	assert_equal "$status" 8
	[[ $stderr == *"ISO 9660 is read-only"* ]] || fail "fsck -y: $stderr"
	assert_equal "$(sha256sum <"$img")" "$sum"
	run_rumpsh "$img" cat /small.txt
	assert_output 'hello, world'
	bsdtar -xOf "$img" small.txt | grep -qx 'hello, world'
}

@test "cd9660: a hybrid ISO with an MBR opens at offset 0; its appended EFI partition opens as @2" {
	need_tool mkfs.fat
	local t=$BATS_TEST_TMPDIR/t esp=$BATS_TEST_TMPDIR/esp.img iso=$BATS_TEST_TMPDIR/hybrid.iso
	mkdir -p "$t"
	printf 'on the hybrid disc\n' >"$t/a.txt"
	head -c 1M /dev/zero >"$esp"
	mkfs.fat "$esp" >/dev/null
	xorriso -as mkisofs -quiet -R -J -append_partition 2 0xef "$esp" \
		--protective-msdos-label -o "$iso" "$t" 2>/dev/null
	run_rumpsh "$iso" cat /a.txt
	assert_success
	assert_output 'on the hybrid disc'
	bsdtar -xOf "$iso" a.txt | cmp - "$t/a.txt"
	run_rumpsh "$iso" info
	assert_line --partial 'partition table: mbr'
	run_rumpsh "$iso@2" ls /
	assert_success
	assert_output ''
}

@test "cd9660: a hybrid ISO with a GPT opens at offset 0; its appended EFI partition opens by index, as mtools reads it" {
	need_tool mkfs.fat mdir mcopy mmd mtype sfdisk
	local t=$BATS_TEST_TMPDIR/t esp=$BATS_TEST_TMPDIR/esp.img iso=$BATS_TEST_TMPDIR/gpt.iso idx start
	export MTOOLS_SKIP_CHECK=1
	mkdir -p "$t"
	printf 'on the gpt disc\n' >"$t/a.txt"
	head -c 1M /dev/zero >"$esp"
	mkfs.fat "$esp" >/dev/null
	printf 'efi loader\n' >"$BATS_TEST_TMPDIR/BOOTX64.EFI"
	mmd -i "$esp" ::/EFI ::/EFI/BOOT
	mcopy -i "$esp" "$BATS_TEST_TMPDIR/BOOTX64.EFI" ::/EFI/BOOT/
	xorriso -as mkisofs -quiet -R -J -append_partition 2 0xef "$esp" -appended_part_as_gpt \
		-e --interval:appended_partition_2:all:: -no-emul-boot -o "$iso" "$t" 2>/dev/null
	run_rumpsh "$iso" cat /a.txt
	assert_success
	assert_output 'on the gpt disc'
	bsdtar -xOf "$iso" a.txt | cmp - "$t/a.txt"
	# the EFI system partition's index and start as sfdisk reads the GPT
	read -r idx start < <(sfdisk -d "$iso" | sed -nE 's/^.*[^0-9]([0-9]+) : start= *([0-9]+),.*type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B.*$/\1 \2/p')
	[[ -n $idx ]] || fail "sfdisk finds no EFI system partition in $(sfdisk -d "$iso")"
	run_rumpsh "$iso" info
	assert_line 'partition table: gpt'
	assert_line --regexp "^$idx +$((start * 512)) +1048576 +c12a7328-f81f-11d2-ba4b-00a0c93ec93b +EFI system"
	assert_line --regexp '^boot entry 1: platform EFI \(0xef\), bootable, no emulation, '
	run_rumpsh "$iso@$idx" find /
	assert_success
	diff <(printf '%s\n' "${lines[@]}" | sed 1d) <(mdir -/ -b -i "$esp" ::/ | sed 's,^::,,; s,/$,,')
	run_rumpsh "$iso@$idx" cat /EFI/BOOT/BOOTX64.EFI
	assert_output "$(mtype -i "$esp" ::/EFI/BOOT/BOOTX64.EFI)"
	assert_output 'efi loader'
}
