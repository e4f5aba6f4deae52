# test_helper.bash: shared environment and helpers for every rumpsh bats suite (`load test_helper`).
#
# Helpers (each fails the current test with a clear message when it cannot do its job):
#   need_tool CMD...             fail (never skip) when a tool is missing
#   make_tree DIR                a generated tree exercising every kind of file a driver must read
#   fixture NAME CMD [ARGS...]   build once into build/fixtures/NAME, print its path (see below)
#   mk_ext IMG TREE [MKE2FS...]  an ext image from a tree (mke2fs -d; ext4 unless -t is given)
#   loop_mount_ro IMG DIR        the kernel's read-only view of an image (never replays a journal)
#   loop_umount DIR              undo one loop_mount_ro; loop_umount_all undoes every one of this test
#   run_rumpsh [-N|!] ARGS...    run "$RUMPSH" ARGS with stderr in $stderr, output in $output
#   assert_no_sanitizer_report   no AddressSanitizer/UBSan/LeakSanitizer report in $stderr/$output
#
# Wait for your own background jobs by pid, not with a bare `wait`: with BATS_TEST_TIMEOUT
# set, bats keeps a watchdog in the background of every test, and `wait` waits for it too.
# Close fd 3 (`3>&-`) in anything left running after the test, or bats waits for it.
#
# Loop mounts are always cleaned up: the default teardown and teardown_file unmount what the
# test (or setup_file) mounted; a suite that defines its own teardown should call
# loop_umount_all in it, and even if it does not, the next test's load, and tests/run.sh after
# every file, unmount whatever a finished test left behind.

_th_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUMPSH_ROOT=${_th_dir%/tests}
unset _th_dir

# run --separate-stderr and run -N need bats >= 1.5 (Debian 12 has 1.8.2).
bats_require_minimum_version 1.5.0

for _th_lib in bats-support bats-assert; do
	if [[ ! -f /usr/lib/bats/$_th_lib/load.bash ]]; then
		printf 'test_helper: /usr/lib/bats/%s/load.bash not found: install package %s (run make deps)\n' \
			"$_th_lib" "$_th_lib" >&2
		exit 1
	fi
	load "/usr/lib/bats/$_th_lib/load"
done
unset _th_lib

case ":$PATH:" in
*:/usr/sbin:*) ;;
*) PATH=$PATH:/usr/sbin:/sbin ;;
esac
export PATH
export TZ=UTC LC_ALL=C

if [[ -z ${RUMPSH:-} ]]; then
	RUMPSH=$PWD/rumpsh
	[[ -e $RUMPSH || ! -e $RUMPSH_ROOT/rumpsh ]] || RUMPSH=$RUMPSH_ROOT/rumpsh
fi
export RUMPSH
export RUMPSH_FIXTURES=${RUMPSH_FIXTURES:-$RUMPSH_ROOT/build/fixtures}
# Every loop mount a test makes: "OWNER_PID DIR" lines (DIR may hold spaces).
RUMPSH_MOUNTS=${RUMPSH_MOUNTS:-$RUMPSH_ROOT/build/test-mounts}

# need_tool CMD...: fail the test, naming every missing tool.
need_tool() {
	local tool missing=0
	for tool in "$@"; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "missing tool: $tool (run make deps)" >&2
			missing=1
		fi
	done
	return "$missing"
}

# make_tree DIR: create DIR holding every kind of file a read driver must get right.
# Random data differs between calls; names, sizes, modes, owners and times do not.
make_tree() {
	local d=${1:?make_tree: DIR missing}
	need_tool truncate mkfifo touch dd
	mkdir -p "$d" || return 1
	(
		set -euo pipefail
		cd "$d"
		printf 'rumpsh test tree\nEvery kind of file a read driver must get right.\n' >README
		: >empty
		printf 'hello, world\n' >small.txt
		head -c 4096 /dev/zero | tr '\0' 'a' >one-block
		head -c 4097 /dev/zero | tr '\0' 'b' >one-block-plus-one
		head -c $((100 * 1024)) /dev/urandom >medium.bin
		head -c $((1536 * 1024 + 123)) /dev/urandom >big.bin
		# sparse: data at 0 and at 5 MiB, holes between and after (8 MiB in all)
		printf 'start of sparse file\n' >sparse
		printf 'data in the middle\n' | dd of=sparse bs=1 seek=$((5 * 1024 * 1024)) conv=notrunc status=none
		truncate -s 8M sparse
		truncate -s 3M all-hole

		mkdir -p dir/nested/deeper/deepest dir/empty-dir
		printf 'deep\n' >dir/nested/deeper/deepest/file.txt
		local long='a-file-name-long-enough-that-its-symlink-needs-a-block.txt'
		printf 'target of the long symlink\n' >"dir/nested/deeper/deepest/$long"

		mkdir links
		ln -s ../small.txt links/short
		ln -s "../dir/nested/deeper/deepest/$long" links/long
		ln -s does-not-exist links/dangling
		ln -s ../dir links/dir
		ln -s /etc/passwd links/absolute
		printf 'linked twice\n' >links/hard-a
		ln links/hard-a dir/hard-b

		mkdir names
		printf 'space\n' >'names/with space.txt'
		printf 'utf-8\n' >'names/naïve café.txt'
		printf 'utf-8\n' >'names/日本語.txt'
		printf 'hidden\n' >names/.hidden
		printf 'dash\n' >names/-leading-dash
		printf 'long\n' >"names/$(printf 'n%.0s' {1..251}).txt"

		mkdir special
		mkfifo special/fifo

		mkdir modes
		local m
		for m in 0000 0444 0600 0640 0755 4755 2755 6711; do
			printf 'mode %s\n' "$m" >"modes/file-$m"
			chmod "$m" "modes/file-$m"
		done
		mkdir modes/sticky-dir modes/private-dir
		chmod 1777 modes/sticky-dir
		chmod 0700 modes/private-dir
		printf 'owned\n' >modes/owned-1234-5678
		if [[ $(id -u) -eq 0 ]]; then chown 1234:5678 modes/owned-1234-5678; fi

		# enough entries to span several directory blocks
		mkdir many
		local i
		for i in $(seq -w 0 299); do printf '%s\n' "$i" >"many/file-$i"; done

		# one time for everything, then a few on purpose (deepest first: files before dirs)
		find . -depth -exec touch -h -d '2022-02-02 02:02:02.5' {} +
		mkdir times
		local t
		for t in 'nanos=2021-03-04 05:06:07.123456789' 'y1999=1999-12-31 23:59:59' \
			'epoch=1970-01-01 00:00:00' 'before-epoch=1969-07-20 20:17:40' \
			'after-2038=2040-01-01 00:00:00'; do
			printf '%s\n' "${t%%=*}" >"times/${t%%=*}"
			touch -d "${t#*=}" "times/${t%%=*}"
		done
		touch -h -d '2023-05-06 07:08:09.987654321' links/short
		touch -d '2022-02-02 02:02:02.5' times .
	)
}

# _fixture_key CMD...: what a cached fixture was built from (its command, the body of a
# function command, and this helper file).
_fixture_key() {
	{
		printf '%q ' "$@"
		echo
		if declare -F "$1" >/dev/null; then declare -f "$1"; fi
		cat "${BASH_SOURCE[0]}"
	} | sha256sum | cut -d' ' -f1
}

# _fixture_build CMD...: run CMD with errexit in a new bash that has this shell's functions
# and scalar variables. (A subshell would not do: where the caller ignores errexit, as in
# `run fixture ...` or `fixture ... || ...`, bash ignores it in subshells too, and a
# half-built fixture would be cached.)
_fixture_build() {
	(
		local fn v
		while IFS= read -r fn; do export -f "$fn"; done < <(compgen -A function)
		while IFS= read -r v; do
			case $v in
			BASH* | SHELLOPTS | PIPESTATUS | FUNCNAME | GROUPS | DIRSTACK | EUID | UID | PPID | \
				SHELL | RANDOM | SRANDOM | SECONDS | LINENO | HISTCMD | EPOCH* | COLUMNS | LINES | _) continue ;;
			esac
			export "$v" 2>/dev/null || true
		done < <(compgen -v)
		exec bash -c 'set -euo pipefail; "$@"' fixture-build "$@"
	)
}

# fixture NAME CMD [ARGS...]: build NAME once (per make check) into $RUMPSH_FIXTURES and
# print its path. CMD runs with errexit in a new bash, its stdout sent to stderr; an
# argument `{}` is replaced by the path to create, else that path is appended as the last
# argument. CMD creates a file or a directory there; it is renamed into place when CMD
# succeeds, so a failed build leaves nothing behind. Builds of one NAME are serialized by
# flock, and a cached NAME built by another command is rebuilt.
fixture() {
	local name=${1:?fixture: NAME missing}
	shift
	if [[ $# -eq 0 ]]; then
		echo "fixture $name: no command given" >&2
		return 1
	fi
	if [[ ! $name =~ ^[A-Za-z0-9][A-Za-z0-9._+-]*$ ]]; then
		echo "fixture: bad name '$name' (letters, digits, . _ + - only)" >&2
		return 1
	fi
	local dir=$RUMPSH_FIXTURES
	local path=$dir/$name tmp=$dir/$name.tmp keyfile=$dir/.$name.key key
	mkdir -p "$dir" || return 1
	key=$(_fixture_key "$@")
	local args=() a subst=0
	for a in "$@"; do
		if [[ $a == '{}' ]]; then args+=("$tmp") subst=1; else args+=("$a"); fi
	done
	((subst)) || args+=("$tmp")

	local lockfd rc=0
	exec {lockfd}>"$dir/.$name.lock" || return 1
	if ! flock -w 900 "$lockfd"; then
		exec {lockfd}>&-
		echo "fixture $name: timed out waiting for the lock on $dir/.$name.lock" >&2
		return 1
	fi
	if [[ ! -e $path || ! -f $keyfile || $(<"$keyfile") != "$key" ]]; then
		rm -rf "$path" "$tmp" "$keyfile"
		_fixture_build "${args[@]}" {lockfd}>&- >&2 || rc=$?
		if ((rc != 0)); then
			echo "fixture $name: command failed (status $rc): $*" >&2
		elif [[ ! -e $tmp ]]; then
			echo "fixture $name: command did not create $tmp: $*" >&2
			rc=1
		else
			mv "$tmp" "$path" && echo "$key" >"$keyfile" || rc=1
		fi
		((rc == 0)) || rm -rf "$tmp"
	fi
	exec {lockfd}>&-
	((rc == 0)) || return "$rc"
	echo "$path"
}

# mk_ext IMG TREE [MKE2FS ARGS...]: an ext file system holding TREE: ext4 with 4 KiB blocks
# and 256-byte inodes unless the args say otherwise (-t, -T, -b, -I); a new IMG is sized from the tree (MK_EXT_SIZE, e.g. 64M, overrides), an
# existing one keeps its size.
mk_ext() {
	local img=${1:?mk_ext: IMG missing} tree=${2:?mk_ext: TREE missing}
	shift 2
	need_tool mke2fs du || return 1
	if [[ ! -d $tree ]]; then
		echo "mk_ext: $tree is not a directory" >&2
		return 1
	fi
	# mke2fs makes 1 KiB blocks and 128-byte inodes (no nanoseconds) below 512 MiB
	# unless told otherwise: ask for the usual ext4 layout unless the args choose.
	local type=(-t ext4) usage=(-T default) a
	for a in "$@"; do
		[[ $a != -t* ]] || type=()
		[[ $a != -T* && $a != -b* && $a != -I* ]] || usage=()
	done
	local size=()
	if [[ ! -e $img ]]; then
		if [[ -n ${MK_EXT_SIZE:-} ]]; then
			size=("$MK_EXT_SIZE")
		else
			local kib files
			kib=$(du -sk "$tree" | cut -f1)
			files=$(find "$tree" | wc -l)
			# data + 20% + per-inode slack + room for metadata and a journal
			size=("$((kib * 12 / 10 + files * 2 + 8192))k")
		fi
	fi
	if ! mke2fs -F -q "${type[@]}" "${usage[@]}" -d "$tree" "$@" "$img" "${size[@]}" >&2; then
		echo "mk_ext: mke2fs ${type[*]} $* failed on $img from $tree" >&2
		return 1
	fi
}

# _mounts_edit AWK-PROGRAM: rewrite the mount list under its lock.
_mounts_locked() {
	local lockfd rc=0
	mkdir -p "$(dirname "$RUMPSH_MOUNTS")" || return 1
	exec {lockfd}>"$RUMPSH_MOUNTS.lock" || return 1
	flock -w 60 "$lockfd" || { exec {lockfd}>&-; echo "test_helper: cannot lock $RUMPSH_MOUNTS" >&2; return 1; }
	"$@" || rc=$?
	exec {lockfd}>&-
	return "$rc"
}

_mounts_add() { printf '%s %s\n' "$1" "$2" >>"$RUMPSH_MOUNTS"; }

_mounts_del() {
	[[ -f $RUMPSH_MOUNTS ]] || return 0
	local pid dir
	{
		while read -r pid dir; do
			[[ $dir == "$1" ]] || printf '%s %s\n' "$pid" "$dir"
		done <"$RUMPSH_MOUNTS"
	} >"$RUMPSH_MOUNTS.new" && mv "$RUMPSH_MOUNTS.new" "$RUMPSH_MOUNTS"
}

# _mounts_list MODE: the directories to unmount: "mine" (owned by this process or by a
# process that has ended) or "dead" (owned by a process that has ended), newest first.
_mounts_list() {
	[[ -f $RUMPSH_MOUNTS ]] || return 0
	local pid dir
	tac "$RUMPSH_MOUNTS" | while read -r pid dir; do
		if [[ $1 == mine && $pid == "$BASHPID_OF_TEST" ]] || ! kill -0 "$pid" 2>/dev/null; then
			printf '%s\n' "$dir"
		fi
	done
}

# _umount_dir DIR: unmount, retrying while busy, lazily as a last resort.
_umount_dir() {
	local try
	if mountpoint -q "$1"; then
		for try in 1 2 3 4 5; do
			umount "$1" 2>/dev/null && break
			sleep 0.2
		done
		if mountpoint -q "$1"; then
			echo "test_helper: $1 busy, unmounting lazily" >&2
			umount -l "$1" || return 1
		fi
	fi
}

# loop_mount_ro IMG DIR: mount IMG read-only on DIR (created if needed) through a loop
# device: `ro,noload` when the image has a journal, so the journal is never replayed into
# it; `ro` otherwise (ext2 rejects noload).
loop_mount_ro() {
	local img=${1:?loop_mount_ro: IMG missing} dir=${2:?loop_mount_ro: DIR missing}
	need_tool mount umount mountpoint dumpe2fs || return 1
	if [[ ! -f $img ]]; then
		echo "loop_mount_ro: no image $img" >&2
		return 1
	fi
	mkdir -p "$dir" || return 1
	dir=$(cd "$dir" && pwd)
	local opts=loop,ro
	if dumpe2fs -h "$img" 2>/dev/null | grep -q '^Filesystem features:.*has_journal'; then
		opts=loop,ro,noload
	fi
	local err
	if ! err=$(mount -o "$opts" "$img" "$dir" 2>&1); then
		echo "loop_mount_ro: mount -o $opts $img $dir failed: $err" >&2
		return 1
	fi
	_mounts_locked _mounts_add "$BASHPID" "$dir"
}

# loop_umount DIR: unmount what loop_mount_ro mounted on DIR (the loop device goes with it).
loop_umount() {
	local dir=${1:?loop_umount: DIR missing}
	[[ -d $dir ]] && dir=$(cd "$dir" && pwd)
	_umount_dir "$dir" || {
		echo "loop_umount: cannot unmount $dir" >&2
		return 1
	}
	_mounts_locked _mounts_del "$dir"
}

# loop_umount_all [dead]: unmount every loop mount made by this test (or setup_file), and
# every one whose maker has ended; with `dead`, only the latter.
loop_umount_all() {
	local mode=${1:-mine} dir rc=0
	[[ -f $RUMPSH_MOUNTS ]] || return 0
	local BASHPID_OF_TEST=$BASHPID
	while IFS= read -r dir; do
		loop_umount "$dir" || rc=1
	done < <(_mounts_locked _mounts_list "$mode")
	return "$rc"
}

# The default teardowns clean up loop mounts; a suite's own teardown replaces them, so it
# is installed only if the suite has not already defined one (as when it loads this file
# from setup).
if [[ $(declare -f teardown) == $'teardown () \n{ \n    return 0\n}' ]]; then
	teardown() { loop_umount_all; }
fi
if [[ $(declare -f teardown_file) == $'teardown_file () \n{ \n    return 0\n}' ]]; then
	teardown_file() { loop_umount_all; }
fi
# What an earlier test left mounted (its own teardown did not clean up) goes now.
loop_umount_all dead || true

# run_rumpsh [-N|!] ARGS...: `run --separate-stderr "$RUMPSH" ARGS...`; an optional first
# argument -N or ! is the exit status `run` expects. Fails at once on a sanitizer report.
run_rumpsh() {
	local expect=()
	if [[ ${1:-} =~ ^(-[0-9]+|!)$ ]]; then
		expect=("$1")
		shift
	fi
	run "${expect[@]}" --separate-stderr "$RUMPSH" "$@"
	assert_no_sanitizer_report
}

# assert_no_sanitizer_report [TEXT]: fail, showing the report, if TEXT (default: the last
# run's $stderr and $output) holds a sanitizer report.
assert_no_sanitizer_report() {
	local text
	if [[ $# -gt 0 ]]; then text=$1; else text="${stderr-}"$'\n'"${output-}"; fi
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|Sanitizer has encountered a fatal error|runtime error:|SUMMARY: (Address|UndefinedBehavior|Leak)Sanitizer' <<<"$text"; then
		printf '%s\n' "$text" | batslib_decorate 'sanitizer report' | fail
		return 1
	fi
}
