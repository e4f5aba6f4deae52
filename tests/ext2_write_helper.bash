# ext2_write_helper.bash: helpers for the ext2/3/4 write suites (ext2_write.bats, ext2_random.bats).
#
#   ew_image IMG TREE MKE2FS-ARGS...   an image of TREE made by mke2fs -d (64 MiB unless EW_SIZE)
#   ew_fsck IMG                        e2fsck -fn must report the image clean (status 0)
#   ew_kernel_view IMG DIR             the kernel's view: replays (e2fsck -fy) then a plain -o ro loop mount
#   ew_listing DIR                     one line per path: type, mode, owner, links, size, mtime (ns)
#   ew_same IMG HOSTDIR                the kernel sees exactly HOSTDIR's names, types, modes, contents

ew_image() {
	local img=$1 tree=$2
	shift 2
	need_tool mke2fs || return 1
	mke2fs -q -F "$@" -d "$tree" "$img" "${EW_SIZE:-64M}" >&2
}

ew_fsck() {
	need_tool e2fsck || return 1
	local out
	if ! out=$(e2fsck -fn "$1" 2>&1); then
		printf 'e2fsck -fn %s:\n%s\n' "$1" "$out" >&2
		return 1
	fi
}

ew_kernel_view() {
	local img=$1 dir=$2
	e2fsck -fy "$img" >/dev/null 2>&1
	[[ $? -le 1 ]] || return 1
	loop_mount_ro "$img" "$dir"
}

ew_listing() {
	(cd "$1" && find . -mindepth 1 ! -path './lost+found*' \
		-printf '%p %y %m %U %G %s\n' | sort)
}

# Names, types, modes, sizes and contents (owners differ: put without -p).
ew_same() {
	local img=$1 host=$2 kern
	kern=$(mktemp -d "$BATS_TEST_TMPDIR/kern.XXXXXX")
	ew_kernel_view "$img" "$kern" || return 1
	diff <(cd "$host" && find . -mindepth 1 \( -type d -printf '%p d\n' \) -o -printf '%p %y %m %s\n' | sort) \
		<(cd "$kern" && find . -mindepth 1 \( -type d -printf '%p d\n' \) -o -printf '%p %y %m %s\n' | grep -v '^./lost+found' | sort) || return 1
	diff -r --no-dereference -x lost+found "$host" "$kern" || return 1
	loop_umount "$kern"
}
