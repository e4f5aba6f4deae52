#!/usr/bin/env bats
# completion.bats: the bash completion script (driven through its complete -F function), the zsh one (syntax, and typed in a terminal), and the hidden `complete` command.

load cli_helper

setup() {
	need_tool bash zsh tmux
	IMG=$(cli_image)
	BIN=$BATS_TEST_TMPDIR/bin
	mkdir -p "$BIN"
	# completion runs `rumpsh` (the word typed) and the rump_* links
	ln -sf "$RUMPSH" "$BIN/rumpsh"
	ln -sf "$RUMPSH" "$BIN/rump_msdos"
	SCRIPT=$RUMPSH_ROOT/completions/rumpsh.bash
}

teardown() {
	[[ -z ${ZSOCK:-} ]] || tmux -L "$ZSOCK" kill-server 2>/dev/null || true
	loop_umount_all
}

# comp LINE: COMPREPLY for LINE with the cursor at its end, one a line, as bash fills it:
# COMP_WORDS split on blanks and COMP_WORDBREAKS, the function found by `complete -p`.
comp() {
	run --separate-stderr bash -c '
		set -u
		source "$1" || exit 1
		line=$2
		COMP_LINE=$line COMP_POINT=${#line}
		spec=$(complete -p "${line%% *}") || exit 1
		fn=${spec##*-F }; fn=${fn%% *}
		# the words as readline splits them (quotes kept, = and : apart)
		COMP_WORDS=(); w="" q=""
		for ((i = 0; i < ${#line}; i++)); do
			c=${line:i:1}
			if [[ -n $q ]]; then w+=$c; [[ $c == "$q" ]] && q=; continue; fi
			case $c in
			\\) w+=$c${line:i+1:1}; ((i++)) ;;
			[\"\x27]) q=$c; w+=$c ;;
			" ") [[ -n $w ]] && COMP_WORDS+=("$w"); w="" ;;
			[=:]) [[ -n $w ]] && COMP_WORDS+=("$w"); COMP_WORDS+=("$c"); w="" ;;
			*) w+=$c ;;
			esac
		done
		COMP_WORDS+=("$w")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMPREPLY=()
		"$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]:-}"
		printf "%s\n" "${COMPREPLY[@]}" | sort
	' comp "$SCRIPT" "$1"
	[ "$status" -eq 0 ] || { echo "completion of '$1' failed: $stderr" >&2; return 1; }
}

# has WORD: one line of $output is WORD
has() {
	grep -qxF -- "$1" <<<"$output" || { printf 'no candidate %q in:\n%s\n' "$1" "$output" >&2; return 1; }
}

@test "complete: the script is registered for rumpsh and the rump_* names; bash -n is clean" {
	run bash -n "$SCRIPT"
	assert_success
	run bash -c 'source "$1" && for c in rumpsh rump_ext2fs rump_ffs rump_msdos rump_cd9660; do complete -p $c; done' x "$SCRIPT"
	assert_success
	assert_line --partial 'complete -F _rumpsh rump_cd9660'
}

@test "complete: rumpsh's options, and -t's types (every alias vfs_mount.c knows)" {
	export PATH=$BIN:$PATH
	comp 'rumpsh -'
	for o in -t -o -r -c --no-sandbox --help --version; do has "$o"; done
	comp 'rumpsh -t '
	for t in ext2 ext3 ext4 ffs ufs msdos fat vfat cd9660 iso9660 $(grep -o '"[a-z0-9]*"' <<<"$(grep -A4 'fs_aliases\[\] = {' "$RUMPSH_ROOT/vfs/vfs_mount.c")" | tr -d '"'); do
		has "$t"
	done
	comp 'rumpsh -t e'
	[ "$output" = $'ext2\next2fs\next3\next4' ]
	comp 'rumpsh -o ro,nor'
	has ro,norrip
	has ro,norock
}

@test "complete: the image is a host file; after it, the commands (the ones help lists) and -c" {
	export PATH=$BIN:$PATH
	cd "$BATS_TEST_TMPDIR"
	cp "$IMG" 'my disk.img'
	comp 'rumpsh -r my'
	[ "$output" = 'my disk.img' ]
	comp "rumpsh '$IMG' "
	has -c
	local cmds
	cmds=$("$RUMPSH" "$IMG" help | sed -n 's/^  \([a-z]*\) .*/\1/p' | sort)
	[ "$(grep -v '^-c$' <<<"$output")" = "$cmds" ]
	if grep -qx complete <<<"$output"; then false; fi
	comp "rumpsh '$IMG' tr"
	[ "$output" = truncate ]
	comp "rumpsh '$IMG' help ex"
	[ "$output" = $'exit\nextract' ]
}

@test "complete: paths inside the image: directories with '/', hidden names only after '.', names with spaces" {
	export PATH=$BIN:$PATH
	comp "rumpsh $IMG ls /"
	has /dir/
	has /small.txt
	if grep -q '^/\.' <<<"$output"; then false; fi
	comp "rumpsh $IMG cat /dir/nes"
	[ "$output" = /dir/nested/ ]
	comp "rumpsh -t ext4 -o noload $IMG stat /names/wi"
	[ "$output" = '/names/with space.txt' ]
	comp "rumpsh $IMG cat /names/with\\ s"
	[ "$output" = '/names/with space.txt' ]
	comp "rumpsh $IMG cat '/names/with s"
	[ "$output" = '/names/with space.txt' ]
	comp "rumpsh $IMG ls /names/."
	[ "$output" = /names/.hidden ]
	# relative to the image's root, and not the host's files
	comp "rumpsh $IMG get sm"
	[ "$output" = small.txt ]
	comp "rumpsh $IMG ls /et"
	[ -z "$output" ]
}

@test "complete: host paths for put's sources, get's destination, extract -f/-C, import's archive" {
	export PATH=$BIN:$PATH
	cd "$BATS_TEST_TMPDIR"
	mkdir -p 'host dir'
	: >'host dir/file one'
	: >archive.tar
	comp "rumpsh $IMG put host"
	[ "$output" = 'host dir' ]
	comp "rumpsh $IMG put -r 'host dir/f"
	[ "$output" = 'host dir/file one' ]
	comp "rumpsh $IMG put 'host dir/file one' /di"
	[ "$output" = /dir/ ]
	comp "rumpsh $IMG get /small.txt ho"
	[ "$output" = 'host dir' ]
	comp "rumpsh $IMG extract -f arch"
	[ "$output" = archive.tar ]
	comp "rumpsh $IMG extract -C ho"
	[ "$output" = 'host dir' ]
	comp "rumpsh $IMG extract --format p"
	[ "$output" = pax ]
	comp "rumpsh $IMG import arch"
	[ "$output" = archive.tar ]
	comp "rumpsh $IMG import archive.tar /di"
	[ "$output" = /dir/ ]
	comp "rumpsh $IMG touch -r /sm"
	[ "$output" = /small.txt ]
	comp "rumpsh $IMG mkdir -m "
	[ -z "$output" ]
	comp "rumpsh $IMG chmod "
	[ -z "$output" ]
}

@test "complete: every command's options are offered, each one is in its help, and every option help lists is offered" {
	export PATH=$BIN:$PATH
	local cmd o
	for cmd in $("$RUMPSH" "$IMG" help | sed -n 's/^  \([a-z]*\) .*/\1/p'); do
		[[ $cmd == chmod ]] && continue   # chmod -w is a mode
		comp "rumpsh $IMG $cmd -"
		run_rumpsh "$IMG" help "$cmd"
		for o in $(comp "rumpsh $IMG $cmd -" && echo "$output"); do
			grep -qE -- "(^|[^a-z])${o}([^a-z]|$)|\[-[a-zA-Z0-9]*${o#-}[a-zA-Z0-9]*\]" <<<"$output" ||
				{ echo "help $cmd does not document $o" >&2; return 1; }
		done
		# and the other way: every option help lists is offered (as the
		# interactive shell offers them, read from the same help text)
		for o in $(sed -n 's/^  \(--*[a-zA-Z0-9][a-z]*\).*/\1/p' <<<"$output"); do
			comp "rumpsh $IMG $cmd -"
			grep -qxF -- "$o" <<<"$output" ||
				{ echo "bash completion of $cmd does not offer $o" >&2; return 1; }
			run_rumpsh "$IMG" help "$cmd"
		done
	done
}

@test "complete: rump_* links take options, IMAGE, then a host directory" {
	export PATH=$BIN:$PATH
	cd "$BATS_TEST_TMPDIR"
	mkdir -p mnt
	cp "$IMG" disk.img
	comp 'rump_msdos -'
	for o in -o -r -u -g -m -M -t; do has "$o"; done
	comp 'rump_msdos dis'
	[ "$output" = disk.img ]
	comp 'rump_msdos -o ro disk.img m'
	[ "$output" = mnt ]
}

@test "complete command: one candidate a line, directories with '/', quiet and status 0 on a bad prefix" {
	run_rumpsh "$IMG" complete /dir/
	assert_success
	assert_line /dir/nested/
	assert_line /dir/hard-b
	run_rumpsh "$IMG" complete /nope/x
	assert_success
	[ -z "$output" ] && [ -z "$stderr" ]
	run_rumpsh "$IMG" help
	refute_output --partial complete
	run_rumpsh -2 "$IMG" complete a b
}

@test "zsh: _rumpsh parses (zsh -n) and completes commands and image paths in a terminal" {
	run zsh -n "$RUMPSH_ROOT/completions/_rumpsh"
	assert_success
	local zd=$BATS_TEST_TMPDIR/zdot
	mkdir -p "$zd/fn"
	cp "$RUMPSH_ROOT/completions/_rumpsh" "$zd/fn/"
	cat >"$zd/.zshrc" <<-EOF
		PS1='zsh> '
		fpath=('$zd/fn' \$fpath)
		PATH='$BIN':\$PATH
		autoload -U compinit && compinit -u -d '$zd/dump'
	EOF
	ZSOCK=rumpsh-zsh-$$-$BATS_TEST_NUMBER
	tmux -L "$ZSOCK" new-session -d -x 160 -y 40 "ZDOTDIR='$zd' zsh -i"
	zscreen_has() {
		local i
		for i in $(seq 50); do
			tmux -L "$ZSOCK" capture-pane -p | grep -qE -- "$1" && return 0
			sleep 0.1
		done
		tmux -L "$ZSOCK" capture-pane -p >&2
		return 1
	}
	zscreen_has '^zsh>'
	tmux -L "$ZSOCK" send-keys "rumpsh $IMG trunc" Tab
	zscreen_has 'truncate$'
	tmux -L "$ZSOCK" send-keys C-u "rumpsh $IMG cat /dir/nest" Tab
	zscreen_has 'cat /dir/nested/$'
	tmux -L "$ZSOCK" send-keys C-u "rumpsh -t e" Tab Tab
	zscreen_has 'ext2 +ext2fs +ext3 +ext4'
}
