# mount_helper.bash: FUSE mounts of rumpsh for tests/mount.bats: fixtures, mounting, unmounting that waits for the server.
#
#   mnt_tree                      path of the cached source tree every image is built from
#   mnt_image KIND                a private copy of the cached KIND image (ext4 ufs1 ufs2 fat iso
#                                 iso-hardlinks); prints its path
#   fuse_mount IMG DIR [ARGS...]  `rumpsh ARGS IMG mount -f DIR` in the background; waits for the mount;
#                                 the server's pid goes to $FUSE_PID (and the mount list, for cleanup)
#   fuse_mount_bg CMD...          run CMD (a daemonizing form: rumpsh IMG mount DIR, rump_* ...); the last
#                                 argument is DIR; registers it for cleanup
#   fuse_umount DIR               fusermount3 -u (retrying while busy, lazily as a last resort), then wait
#                                 until the server has finished writing (its pid, or the image's lock);
#                                 fails if a foreground server ended with a nonzero status ($FUSE_STATUS)
#   fuse_umount_all               unmount everything this test mounted (teardown)
#   is_mounted DIR                DIR is in the mount table (mountpoint(1) stats DIR, which fails on a
#                                 dead FUSE connection: not good enough here)
#   refute_mounted DIR            fail if DIR is mounted
#   tree_list DIR                 one line per file: path type mode nlink size mtime(s) uid gid target
#   tdiff A B                     diff -r, symlinks compared as links, lost+found ignored
#
# Every mount is registered in test_helper's mount list, so a test that dies still has its mounts
# removed (teardown, the next test's load, tests/run.sh's sweep). Servers are started with fd 3
# closed: bats waits for fd 3, and a daemon keeping it would hang the suite.

MNT_HELPER_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
declare -gA FUSE_PIDS=()   # DIR -> server pid (foreground mounts)
declare -gA FUSE_IMGS=()   # DIR -> image (to wait for its lock after unmounting)

_mnt_build_tree() {
	local d=$1 i
	mkdir -p "$d"/dir/nested/deeper "$d"/many "$d"/empty-dir "$d"/links
	printf 'hello, world\n' >"$d/small.txt"
	: >"$d/empty"
	head -c 4097 /dev/zero | tr '\0' 'b' >"$d/one-block-plus-one"
	head -c $((1536 * 1024 + 123)) /dev/urandom >"$d/big.bin"
	head -c $((100 * 1024)) /dev/urandom >"$d/dir/nested/deeper/medium.bin"
	printf 'start\n' >"$d/sparse"
	truncate -s 3M "$d/sparse"
	printf 'space\n' >"$d/with space.txt"
	printf 'utf-8\n' >"$d/naïve café.txt"
	printf 'Mixed\n' >"$d/MixedCase.Txt"
	for i in $(seq -w 0 149); do printf '%s\n' "$i" >"$d/many/file-$i"; done
	ln -s ../small.txt "$d/links/short"
	ln -s does-not-exist "$d/links/dangling"
	printf 'linked twice\n' >"$d/links/hard-a"
	ln "$d/links/hard-a" "$d/dir/hard-b"
	mkdir "$d/loops"
	ln -s b "$d/loops/a"
	ln -s a "$d/loops/b"
	ln -s self "$d/loops/self"
	chmod 0600 "$d/dir/nested/deeper/medium.bin"
	chmod 0755 "$d/dir"
	find "$d" -depth -exec touch -h -d '2022-02-02 02:02:02' {} +
}

mnt_tree() {
	fixture mount-tree _mnt_build_tree
}

# FAT has no symlinks, hard links or sparse files: its tree is the rest.
_mnt_fat_tree() {
	local t=$1 out=$2
	cp -a "$t" "$out"
	rm -rf "$out/links" "$out/loops" "$out/dir/hard-b"
}

_mnt_build() { # _mnt_build KIND OUT TREE
	local kind=$1 out=$2 tree=$3
	case $kind in
	ext4) MK_EXT_SIZE=32M mk_ext "$out" "$tree" ;;
	ufs1) makefs -t ffs -o version=1 -s 48m "$out" "$tree" >/dev/null ;;
	ufs2) makefs -t ffs -o version=2 -s 48m "$out" "$tree" >/dev/null ;;
	iso) xorriso -as mkisofs -quiet -R -J -o "$out" "$tree" 2>/dev/null ;;
	# Rock Ridge PX entries with file serial numbers (RRIP 1.12)
	iso-hardlinks) xorriso -as mkisofs -quiet -R -J --hardlinks -o "$out" "$tree" 2>/dev/null ;;
	fat)
		local ft
		ft=$(mktemp -d)
		_mnt_fat_tree "$tree" "$ft/t"
		mkfs.fat -C -F 32 "$out" 65536 >/dev/null
		# mtools converts names through the locale: UTF-8 names need a UTF-8 one
		LC_ALL=C.UTF-8 MTOOLS_SKIP_CHECK=1 mcopy -s -m -i "$out" "$ft/t"/* ::/
		rm -rf "$ft"
		;;
	*) echo "mnt_image: unknown kind $kind" >&2; return 1 ;;
	esac
}

mnt_image() {
	local kind=${1:?mnt_image: KIND missing} tree src
	need_tool makefs mkfs.fat mcopy xorriso mke2fs || return 1
	tree=$(mnt_tree) || return 1
	src=$(fixture "mount-$kind.img" _mnt_build "$kind" {} "$tree") || return 1
	cp "$src" "$BATS_TEST_TMPDIR/$kind.img" || return 1
	echo "$BATS_TEST_TMPDIR/$kind.img"
}

is_mounted() {
	awk -v d="$1" '$2 == d { found = 1 } END { exit !found }' /proc/self/mounts
}

# refute_mounted DIR: fail when DIR is mounted (a bare `! cmd` cannot fail a bats test).
refute_mounted() {
	if is_mounted "$1"; then
		echo "$1 is still mounted" >&2
		return 1
	fi
}

_fuse_register() { # _fuse_register DIR IMG
	_mounts_locked _mounts_add "$BASHPID" "$1"
	FUSE_IMGS[$1]=$2
}

# _fuse_wait_mounted DIR PID: until DIR is a mount point, or PID has died (then fail).
_fuse_wait_mounted() {
	local dir=$1 pid=$2 i
	for i in $(seq 1 100); do
		is_mounted "$dir" && return 0
		if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
			echo "fuse_mount: the server (pid $pid) ended before $dir was mounted" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "fuse_mount: $dir not mounted after 5 s" >&2
	return 1
}

fuse_mount() {
	local img=${1:?fuse_mount: IMG missing} dir=${2:?fuse_mount: DIR missing}
	shift 2
	need_tool fusermount3 || return 1
	mkdir -p "$dir" && dir=$(cd "$dir" && pwd) || return 1
	"$RUMPSH" "$@" "$img" mount -f "$dir" 3>&- 2>>"$BATS_TEST_TMPDIR/server.err" &
	FUSE_PID=$!
	FUSE_PIDS[$dir]=$FUSE_PID
	_fuse_register "$dir" "$img"
	_fuse_wait_mounted "$dir" "$FUSE_PID" || { cat "$BATS_TEST_TMPDIR/server.err" >&2; return 1; }
}

fuse_mount_bg() {
	local dir=${!#} img=${@: -2:1}
	need_tool fusermount3 || return 1
	"$@" 3>&- || return
	dir=$(cd "$dir" && pwd) || return 1
	_fuse_register "$dir" "$img"
	is_mounted "$dir" || { echo "fuse_mount_bg: $* returned 0 but $dir is not mounted" >&2; return 1; }
}

fuse_umount() {
	local dir=${1:?fuse_umount: DIR missing} try pid img
	# not cd: a dead server's mount point answers ENOTCONN
	dir=$(realpath -ms "$dir") || return 1
	pid=${FUSE_PIDS[$dir]:-} img=${FUSE_IMGS[$dir]:-}
	if is_mounted "$dir"; then
		for try in 1 2 3 4 5 6 7 8 9 10; do
			fusermount3 -u "$dir" 2>/dev/null && break
			sleep 0.2
		done
		if is_mounted "$dir"; then
			echo "fuse_umount: $dir busy, unmounting lazily" >&2
			fusermount3 -u -z "$dir" || umount -l "$dir" || return 1
		fi
	fi
	_mounts_locked _mounts_del "$dir"
	unset "FUSE_PIDS[$dir]" "FUSE_IMGS[$dir]"
	# the server writes everything out after the kernel let go: wait for it
	if [[ -n $pid ]]; then
		FUSE_STATUS=0
		wait "$pid" || FUSE_STATUS=$?
		if ((FUSE_STATUS != 0)); then
			echo "fuse_umount: the server of $dir ended with status $FUSE_STATUS:" >&2
			cat "$BATS_TEST_TMPDIR/server.err" >&2
			return 1
		fi
	elif [[ -n $img && -e $img ]]; then
		flock -w 60 "$img" true
	fi
}

fuse_umount_all() {
	local dir rc=0
	for dir in "${!FUSE_IMGS[@]}"; do
		fuse_umount "$dir" || rc=1
	done
	return "$rc"
}

tree_list() {
	(cd "$1" && find . -printf '%p|%y|%m|%n|%s|%T@|%U|%G|%l\n' | LC_ALL=C sort) |
		awk -F'|' -v OFS='|' '{ if ($2 == "d") $5 = "-"; sub(/\.[0-9]*$/, "", $6); print }'
}

# tdiff A B: diff -r that compares symlinks as links (the trees hold dangling and looping ones)
# and ignores ext4's lost+found.
tdiff() {
	diff -r --no-dereference -x lost+found "$@"
}
