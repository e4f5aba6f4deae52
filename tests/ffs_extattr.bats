#!/usr/bin/env bats
# ffs_extattr.bats: UFS2 extended-attribute areas (written by hand from FreeBSD's format): read by stat and extract, freed with their inode, hostile ones refused.

setup() {
	load test_helper
	load ffs_helper
	need_tool makefs python3
	W=$BATS_TEST_TMPDIR
	EA="$FFS_HELPER_DIR/ffs_extattr.py"
}

# xa_img IMG le|be BIG MAKEFS-OPTS...: a UFS2 image whose /f holds the
# attributes below (user.big: BIG random bytes, $W/big.val); /donor is left
# empty, /g has none.
xa_img() {
	local img=$1 bo=$2 big=$3
	shift 3
	rm -rf "$W/t" && mkdir "$W/t"
	head -c "$big" /dev/urandom >"$W/big.val"
	printf 'v\0bin\377' >"$W/bin.val"
	echo data >"$W/t/f"
	echo other >"$W/t/g"
	python3 "$EA" area "$W/t/donor" "$bo" user:comment="hello world" \
		system:posix1e.acl_access=@"$W/bin.val" empty:hidden=x user:empty= \
		user:big=@"$W/big.val"
	makefs -t ffs -s 8m "$@" -B "$bo" "$img" "$W/t" >/dev/null
	python3 "$EA" give "$img" "$(ffs_ino "$img" /f)" "$(ffs_ino "$img" /donor)"
}

# xa_tar_value TAR MEMBER NAME: the value libarchive's pax header keeps (base64).
xa_tar_value() {
	python3 - "$@" <<'PY'
import base64, sys, tarfile
tar, member, name = sys.argv[1:]
m = tarfile.open(tar).getmember(member)
v = m.pax_headers["LIBARCHIVE.xattr." + name]
sys.stdout.buffer.write(base64.b64decode(v + "=" * (-len(v) % 4)))
PY
}

VARIANTS=("le 100 -o version=2" "be 12000 -o version=2"
	"le 40000 -o version=2,bsize=32768,fsize=4096"
	"be 70000 -o version=2,bsize=65536,fsize=8192")

@test "attributes of both namespaces, one fragment to two blocks: stat lists them, extract carries them" {
	local v img
	for v in "${VARIANTS[@]}"; do
		img=$W/x.img
		# shellcheck disable=SC2086
		xa_img "$img" $v
		run_rumpsh "$img" fsck -n -f
		assert_success
		run_rumpsh -r "$img" stat /f
		assert_success
		assert_line '  user.comment="hello world"'
		assert_line '  system.posix1e.acl_access="v\000bin\377"'
		assert_line '  user.empty=""'
		assert_line --regexp '^  user\.big="'
		refute_output --partial hidden       # namespace 0: no name to show it under
		run_rumpsh -r "$img" stat /g
		refute_output --partial Xattrs
		run_rumpsh -r "$img" extract -f "$W/x.tar" /
		assert_success
		cmp <(xa_tar_value "$W/x.tar" ./f user.big) "$W/big.val"
		cmp <(xa_tar_value "$W/x.tar" ./f system.posix1e.acl_access) "$W/bin.val"
		[[ $(xa_tar_value "$W/x.tar" ./f user.comment) == "hello world" ]]
		"$RUMPSH" -r "$img" cat /f | grep -qx data
	done
}

# Before the fix the area's blocks stayed marked in use after its inode went.
@test "the area is freed with its inode (rm, mv over it) and kept by truncate and put" {
	local v img free0
	for v in "le 100 -o version=2" "be 70000 -o version=2,bsize=65536,fsize=8192"; do
		img=$W/x.img
		# shellcheck disable=SC2086
		xa_img "$img" $v
		cp "$img" "$W/y.img"
		run_rumpsh "$img" -c "truncate -s 0 /f; put $W/big.val /f"
		assert_success
		run_rumpsh -r "$img" stat /f
		assert_line '  user.comment="hello world"'
		run_rumpsh "$img" fsck -n -f
		assert_success
		free0=$("$RUMPSH" -r "$img" info | awk '/^free fragments:/ { print $3 }')
		run_rumpsh "$img" rm /f
		assert_success
		run_rumpsh "$img" fsck -n -f
		assert_success
		# the area and the data came back to the free count
		(($("$RUMPSH" -r "$img" info | awk '/^free fragments:/ { print $3 }') > free0))
		run_rumpsh "$W/y.img" mv /g /f
		assert_success
		run_rumpsh "$W/y.img" fsck -n -f
		assert_success
		run_rumpsh -r "$W/y.img" stat /f
		refute_output --partial Xattrs
	done
}

@test "hostile areas: bad record lengths, oversized or out-of-range area: a clear error, the rest readable" {
	local img ino kind
	# ea_length not a multiple of 8; past the area; content padding past the record
	for kind in 0c00000001000161 4000000001000161 1000000001c80161; do
		img=$W/h.img
		rm -rf "$W/t" && mkdir "$W/t"
		echo data >"$W/t/f"
		python3 "$EA" area "$W/t/donor" le raw="${kind}0000000000000000"
		makefs -t ffs -s 8m -o version=2 -B le "$img" "$W/t" >/dev/null
		python3 "$EA" give "$img" "$(ffs_ino "$img" /f)" "$(ffs_ino "$img" /donor)"
		run_rumpsh -1 "$img" stat /f
		[[ $stderr == *corrupt*"extended attribute"* ]] || { echo "record $kind: $stderr"; return 1; }
		run_rumpsh -1 "$img" extract -f "$W/h.tar" /
		run_rumpsh "$img" cat /f
		assert_output data
	done
	for kind in "extsize 0x7fffffff" "extb0 0x7ffffffffff0" "extb1 -8"; do
		img=$W/h.img
		# shellcheck disable=SC2086
		xa_img "$img" le 12000 -o version=2
		ino=$(ffs_ino "$img" /f)
		# shellcheck disable=SC2086
		python3 "$EA" poke "$img" "$ino" $kind
		run_rumpsh -1 "$img" stat /f
		[[ $stderr == *corrupt*"inode $ino"* ]] || { echo "$kind: $stderr"; return 1; }
		run_rumpsh -1 "$img" rm /f
		[[ $stderr == *corrupt* ]] || { echo "rm, $kind: $stderr"; return 1; }
		run_rumpsh "$img" cat /g
		assert_output other
	done
}
