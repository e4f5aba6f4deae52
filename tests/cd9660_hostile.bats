#!/usr/bin/env bats
# cd9660_hostile.bats: damaged and hostile ISO 9660 images: each fails with status 1 and a clear reason, never a crash or a hang.

load cd9660_helper

setup() {
	need_tool xorriso od dd truncate timeout
	RR=$(cd_iso rr.iso -R -J -joliet-long -V RUMPSH_TEST -publisher 'rumpsh tests')
}

# hostile ARGS...: rumpsh under timeout 20; status and stderr kept for the asserts.
hostile() {
	run --separate-stderr timeout 20 "$RUMPSH" "$@"
	assert_no_sanitizer_report
	if ((status == 124 || status > 128)); then
		fail "rumpsh $* hung or crashed (status $status): $stderr"
	fi
}

# fails_with MESSAGE ARGS...: status 1 and MESSAGE in stderr.
fails_with() {
	local msg=$1
	shift
	hostile "$@"
	assert_equal "$status" 1
	[[ $stderr == *"$msg"* ]] || fail "stderr lacks \"$msg\": $stderr"
}

@test "cd9660 hostile: an image cut inside the descriptors or the root" {
	local img
	img=$(cd_copy "$RR")
	truncate -s 40000 "$img"
	fails_with 'past the end of the image' "$img" ls /
	[[ $stderr == *truncated* ]]
	truncate -s 20000 "$img"
	fails_with 'too short' -t cd9660 "$img" ls /
}

@test "cd9660 hostile: an image cut in the middle: file data past its end" {
	local img
	img=$(cd_copy "$RR")
	truncate -s $(($(stat -c %s "$img") / 3)) "$img"
	fails_with 'past the end of the image' "$img" get -r / "$BATS_TEST_TMPDIR/out"
}

@test "cd9660 hostile: zeroed primary volume descriptor" {
	local img
	img=$(cd_copy "$RR")
	dd if=/dev/zero of="$img" bs=2048 seek=16 count=1 conv=notrunc status=none
	fails_with 'no primary volume descriptor' "$img" ls /
	dd if=/dev/zero of="$img" bs=2048 seek=16 count=16 conv=notrunc status=none
	fails_with 'no primary volume descriptor' -t cd9660 "$img" ls /
}

@test "cd9660 hostile: directory records with bad lengths" {
	local img off
	img=$(cd_copy "$RR")
	off=$(rec_off "$img" /small.txt)
	poke "$img" "$off" 07
	fails_with 'length 7, expected 34' "$img" ls /
	img=$(cd_copy "$RR")
	poke "$img" $((off + 32)) fa
	fails_with 'name length 250 does not fit' "$img" ls /
	img=$(cd_copy "$RR")
	poke "$img" "$off" ff
	hostile "$img" get -r / "$BATS_TEST_TMPDIR/o"
	assert_equal "$status" 1
}

@test "cd9660 hostile: random damage to the directory area never crashes or hangs" {
	local img src=$RR i n root
	root=$(root_dot "$src")
	for i in $(seq 1 25); do
		img=$BATS_TEST_TMPDIR/fuzz.iso
		cp --sparse=always "$src" "$img"
		RANDOM=$i
		for n in $(seq 1 40); do
			poke "$img" $((root + (RANDOM * 8 + RANDOM % 8) % (64 * 2048))) \
				"$(printf '%02x' $((RANDOM % 256)))"
		done
		hostile "$img" get -r / "$BATS_TEST_TMPDIR/o$i"
		((status == 0 || status == 1)) || fail "seed $i: status $status: $stderr"
		hostile -o norrip "$img" ls -lR /
		((status == 0 || status == 1)) || fail "seed $i (norrip): status $status"
	done
}

@test "cd9660 hostile: a SUSP CE chain that loops, or points outside the image" {
	local img dot ce len
	img=$(cd_copy "$RR")
	dot=$(root_dot "$img")
	ce=$(susp_off "$img" "$dot" CE)
	len=$(od -An -tu1 -j "$dot" -N1 "$img" | tr -d ' ')
	# the continuation area is the record's own system use area, CE included
	poke "$img" $((ce + 4)) $(both32 $((dot / 2048))) $(both32 34) $(both32 $((len - 34)))
	fails_with 'CE loop' "$img" ls /
	[[ $stderr == *corrupt* ]]
	img=$(cd_copy "$RR")
	poke "$img" $((ce + 4)) $(both32 $((0x7fffff00)))
	fails_with 'not inside one block of the image' "$img" ls /
}

@test "cd9660 hostile: SL and NM entries that overrun their SUSP entry or record" {
	local img off sl nm
	img=$(cd_copy "$RR")
	off=$(rec_off "$img" /links/short)
	sl=$(susp_off "$img" "$off" SL)
	poke "$img" $((sl + 6)) f0
	fails_with 'SL component' "$img" stat /links/short
	img=$(cd_copy "$RR")
	off=$(rec_off "$img" /small.txt)
	nm=$(susp_off "$img" "$off" NM)
	poke "$img" $((nm + 2)) fa
	fails_with 'SUSP entry NM: length 250' "$img" ls /
}

@test "cd9660 hostile: Rock Ridge CL pointing at the root, at an ancestor, or elsewhere" {
	local img off cl root d1
	img=$(cd_copy "$(cd_iso deep.iso -R -rr_reloc_dir rr_moved)")
	# xorriso relocates d7, the first directory 9 levels below the root
	off=$(rec_off "$img" /deep/d1/d2/d3/d4/d5/d6/d7)
	cl=$(susp_off "$img" "$off" CL)
	root=$(($(root_dot "$img") / 2048))
	poke "$img" $((cl + 4)) $(both32 "$root")
	fails_with 'directory cycle' "$img" get -r /deep "$BATS_TEST_TMPDIR/o"
	d1=$(od -An -tu4 -j $(($(rec_off "$img" /deep/d1) + 2)) -N4 "$img" | tr -d ' ')
	poke "$img" $((cl + 4)) $(both32 "$d1")
	fails_with 'CL cycle' "$img" ls -R /deep
	# at a directory elsewhere, whose "." has no PL: a walk by inode number (get -r)
	# cannot ask lookup who the parent is, and must not read block 0 for one
	d1=$(od -An -tu4 -j $(($(rec_off "$img" /dir) + 2)) -N4 "$img" | tr -d ' ')
	poke "$img" $((cl + 4)) $(both32 "$d1")
	fails_with 'has no PL entry' "$img" get -r /deep/d1/d2/d3/d4/d5/d6 "$BATS_TEST_TMPDIR/o2"
	fails_with 'CL cycle' "$img" ls -R /deep
}

@test "cd9660 hostile: a directory entry pointing back at the root (no Rock Ridge)" {
	local img off root
	img=$(cd_copy "$(cd_xorriso plain.iso -rockridge off)")
	off=$(rec_off "$img" /DIR)
	root=$(($(root_dot "$img") / 2048))
	poke "$img" $((off + 2)) $(both32 "$root")
	fails_with 'directory cycle' "$img" get -r / "$BATS_TEST_TMPDIR/o"
}

@test "cd9660 hostile: extents past the end of the image, absurd directory sizes" {
	local img off dot
	img=$(cd_copy "$RR")
	off=$(rec_off "$img" /small.txt)
	poke "$img" $((off + 2)) $(both32 $((0x00ffffff)))
	hostile "$img" ls -l /
	assert_success
	fails_with 'past the end of the image' "$img" cat /small.txt
	img=$(cd_copy "$RR")
	off=$(rec_off "$img" /dir)
	poke "$img" $((off + 2)) $(both32 $((0x00ffffff)))
	fails_with 'past the end of the image' "$img" ls /dir
	img=$(cd_copy "$RR")
	dot=$(($(od -An -tu4 -j $((off + 2)) -N4 "$img" | tr -d ' ') * 2048))
	poke "$img" $((dot + 10)) $(both32 $((0xfffff000)))
	fails_with 'size 4294963200, expected 1..' "$img" ls /dir
}

@test "cd9660 hostile: a multi-extent chain whose next record is another file" {
	local img off
	img=$(cd_copy "$RR")
	off=$(rec_off "$img" /README)
	poke "$img" $((off + 25)) 80
	fails_with 'multi-extent file' "$img" cat /README
}

@test "cd9660 hostile: an interleaved file in several extents is refused, saying so" {
	cd_two_extent_iso
	poke "$TWO_IMG" $((TWO_OFF1 + 26)) 01 01
	fails_with 'interleaved multi-extent file' "$TWO_IMG" cat /part1
}

@test "cd9660 hostile: zisofs block pointers and data that lie" {
	local img off ext ptr
	img=$(cd_copy "$(cd_xorriso zisofs.iso -set_filter_r --zisofs / --)")
	# one-block: 4096 bytes of "a", compressed (all-hole has only empty blocks)
	off=$(rec_off "$img" /one-block)
	ext=$(od -An -tu4 -j $((off + 2)) -N4 "$img" | tr -d ' ')
	poke "$img" $((ext * 2048 + 16)) ff ff ff 7f
	fails_with 'zisofs block 0: pointers' "$img" cat /one-block
	img=$(cd_copy "$(cd_xorriso zisofs.iso -set_filter_r --zisofs / --)")
	ptr=$(od -An -tu4 -j $((ext * 2048 + 16)) -N4 "$img" | tr -d ' ')
	poke "$img" $((ext * 2048 + ptr + 2)) ff ff ff ff ff ff
	fails_with 'zisofs block 0: inflate' "$img" cat /one-block
	img=$(cd_copy "$(cd_xorriso zisofs.iso -set_filter_r --zisofs / --)")
	poke "$img" $((ext * 2048)) 00
	fails_with 'zisofs header: magic' "$img" cat /one-block
}
