#!/bin/bash
# mnt.sh: mount and unmount images for the benchmark's FUSE and kernel rows.
#
#   mnt.sh up KIND IMAGE DIR ro|rw [FRESH]   unmount DIR if mounted, copy FRESH over IMAGE when
#                                            given, then mount IMAGE at DIR with KIND:
#                                            rumpsh (rumpsh IMAGE mount -f, $RUMPSH), fuse2fs, kernel
#   mnt.sh down DIR                          unmount DIR and wait for its server to end
#   mnt.sh down-all BASE                     unmount every DIR under BASE (the cleanup trap)
# hyperfine's --prepare calls it, so a read row starts each run with cold caches for the file
# system under test (the image file itself stays in the host's page cache for every contender).
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin

die() {
	echo "mnt.sh: $*" >&2
	exit 1
}

alive() { # PID: running and not a zombie
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat:0:1} != Z ]]
}

down() { # DIR
	local d=$1 pid i
	if mountpoint -q "$d"; then
		umount "$d" 2>/dev/null || fusermount3 -u "$d" 2>/dev/null || umount -l "$d"
	fi
	[[ -f $d.pid ]] || return 0
	pid=$(<"$d.pid")
	# the server writes the image out after the unmount: wait for it to end (a zombie has ended;
	# its new parent, not us, reaps it, which can take a second), then make sure it is gone
	for ((i = 0; i < 500; i++)); do
		alive "$pid" || break
		sleep 0.01
	done
	kill "$pid" 2>/dev/null || true
	rm -f "$d.pid"
	# a sanitized server's reports would otherwise stay in its log
	if grep -qE 'Sanitizer|runtime error:' "$d.log" 2>/dev/null; then
		cat "$d.log" >&2
		die "the server at $d reported errors"
	fi
}

up() { # KIND IMAGE DIR MODE [FRESH]
	local kind=$1 img=$2 d=$3 mode=$4 fresh=${5:-} i
	[[ $mode == ro || $mode == rw ]] || die "mode must be ro or rw, not '$mode'"
	mkdir -p "$d"
	down "$d"
	[[ -z $fresh ]] || cp --sparse=always "$fresh" "$img"
	case $kind in
	kernel)
		if [[ $mode == ro ]]; then
			mount -o loop,ro,noload "$img" "$d"
		else
			mount -o loop "$img" "$d"
		fi
		return
		;;
	rumpsh)
		local r=()
		[[ $mode == ro ]] && r=(-r)
		"${RUMPSH:?}" "${r[@]}" "$img" mount -f "$d" </dev/null >"$d.log" 2>&1 &
		;;
	fuse2fs)
		local o=()
		[[ $mode == ro ]] && o=(-o ro)
		fuse2fs -f "${o[@]}" "$img" "$d" </dev/null >"$d.log" 2>&1 &
		;;
	*) die "unknown kind '$kind'" ;;
	esac
	echo $! >"$d.pid"
	for ((i = 0; i < 500; i++)); do
		mountpoint -q "$d" && return 0
		alive "$(<"$d.pid")" || {
			cat "$d.log" >&2
			rm -f "$d.pid"
			die "$kind could not mount $img at $d"
		}
		sleep 0.01
	done
	die "$kind did not mount $img at $d within 5 s"
}

case ${1:-} in
up)
	[[ $# -ge 5 ]] || die "usage: mnt.sh up KIND IMAGE DIR ro|rw [FRESH]"
	shift
	up "$@"
	;;
down)
	[[ $# -eq 2 ]] || die "usage: mnt.sh down DIR"
	down "$2"
	;;
down-all)
	[[ $# -eq 2 ]] || die "usage: mnt.sh down-all BASE"
	[[ -d $2 ]] || exit 0
	for d in "$2"/*/; do
		d=${d%/}
		if [[ -d $d ]]; then down "$d"; fi
	done
	;;
*) die "usage: mnt.sh up|down|down-all ..." ;;
esac
