#!/usr/bin/env bats
# man.bats: the manual page (no warnings from man, every command and option documented), --help, --version, usage errors, and `make install`.

load cli_helper

setup() {
	need_tool man groff
	MAN=$RUMPSH_ROOT/doc/rumpsh.1
	IMG=$(cli_image)
}

@test "man: rumpsh.1 formats with no warning" {
	run --separate-stderr man --warnings -l "$MAN"
	assert_success
	[ -z "$stderr" ] || { echo "$stderr" >&2; false; }
	assert_output --partial 'rumpsh'
	# the rump_* names are in NAME, so their links find this page
	for n in rump_ext2fs rump_ffs rump_msdos rump_cd9660; do
		grep -q "^\.Nm $n" "$MAN"
	done
}

# man_has_opt SECTION OPT: the man page's text for a command documents OPT
# (-x alone or in a group like [-laRx], or --long).
man_has_opt() {
	local sec=$1 o=$2
	if [[ $o == --* || ${#o} -gt 2 ]]; then
		grep -qE -- "(^|[^a-zA-Z-])$o([^a-zA-Z]|$)" <<<"$sec"
	else
		grep -qE -- "(^|[^a-zA-Z-])-[a-zA-Z0-9]*${o#-}([^a-zA-Z]|$)" <<<"$sec"
	fi
}

@test "man: every command help lists is documented, with every option of its usage line" {
	local cmd o w usage text sec
	text=$(MANWIDTH=200 man -l "$MAN" 2>/dev/null)
	for cmd in $("$RUMPSH" "$IMG" help | sed -n 's/^  \([a-z]*\) .*/\1/p'); do
		grep -qE "^     $cmd( |$)" <<<"$text" || { echo "man page lacks command $cmd" >&2; return 1; }
		sec=$(sed -n "/^     $cmd\( \|\$\)/,/^     [a-z]/p" <<<"$text")
		usage=$("$RUMPSH" "$IMG" help "$cmd" | sed -n '1s/^usage: [a-z]* //p')
		for w in $(grep -oE -- '--[a-z]+|(^|[[ |])-[a-zA-Z0-9]+' <<<"$usage" | tr -d '[ |'); do
			if [[ $w == --* || $cmd == find ]]; then
				set -- "$w"
			else
				set -- $(grep -o . <<<"${w#-}" | sed 's/^/-/')
			fi
			for o in "$@"; do
				man_has_opt "$sec" "$o" || { echo "man page: $cmd lacks option $o" >&2; return 1; }
			done
		done
	done
}

@test "man: exit statuses, each driver's -o options, and the README's examples" {
	local text opt
	text=$(MANWIDTH=200 man -l "$MAN" 2>/dev/null)
	grep -q '^EXIT STATUS' <<<"$text"
	for opt in noload norrip norock nojoliet nozisofs uid= gid= mask= dirmask= gmtoff= tz=; do
		grep -qF -- "$opt" <<<"$text" || { echo "man page lacks -o $opt" >&2; return 1; }
	done
	# every driver's declared options, read from its source
	for opt in $(awk '/_opts\[\] = \{/ { p = 1 } p { sub(/\/\*.*/, ""); print } p && /\};/ { p = 0 }' \
		"$RUMPSH_ROOT"/fs/*/*_vfsops.c | grep -oE '"[a-z_]+"' | tr -d '"'); do
		grep -qw -- "$opt" <<<"$text" || { echo "man page lacks driver option $opt" >&2; return 1; }
	done
	local ex
	while IFS= read -r ex; do
		grep -qF -- "$ex" "$MAN" || { echo "man page lacks README example: $ex" >&2; return 1; }
	done < <(awk '/^```/ { f = !f; next } f' "$RUMPSH_ROOT/README.md" |
		grep -E '^(rumpsh|rump_|echo) ' | sed 's/ *#.*//; s/ *$//')
}

@test "--help: the usage lines and the commands, on stdout, status 0" {
	run_rumpsh --help
	assert_success
	assert_line --index 0 --regexp '^usage: rumpsh '
	assert_line --regexp '^  extract +write trees'
	[ -z "$stderr" ]
	run_rumpsh -h
	assert_success
}

@test "--version: the version from VERSION and the drivers built in" {
	run_rumpsh --version
	assert_success
	assert_line --index 0 "rumpsh $(cat "$RUMPSH_ROOT/VERSION")"
	assert_line 'drivers: ext2 ffs cd9660 msdos'
}

@test "rump_* links: --help on stdout, and usage errors with the same usage line" {
	local bin=$BATS_TEST_TMPDIR/bin
	mkdir -p "$bin"
	ln -s "$RUMPSH" "$bin/rump_ext2fs"
	ln -s "$RUMPSH" "$bin/rump_msdos"
	run --separate-stderr "$bin/rump_ext2fs" --help
	assert_success
	assert_line --index 0 'usage: rump_ext2fs [-r] [-o OPT,...] IMAGE DIR'
	[ -z "$stderr" ]
	run --separate-stderr "$bin/rump_ext2fs"
	[ "$status" -eq 2 ]
	[ "$stderr" = 'usage: rump_ext2fs [-r] [-o OPT,...] IMAGE DIR' ]
	run --separate-stderr "$bin/rump_msdos" -x img dir
	[ "$status" -eq 2 ]
	[[ $stderr == 'usage: rump_msdos [-r] [-o OPT,...] [-u UID]'* ]]
	# the manual shows the same synopsis
	grep -qF 'rump_ext2fs' "$MAN"
}

@test "usage errors: status 2 and the right usage line" {
	run_rumpsh -2
	[[ $stderr == 'usage: rumpsh '* ]]
	run_rumpsh -2 -z "$IMG"
	[[ $stderr == *"unknown option '-z'"*'usage: rumpsh '* ]]
	run_rumpsh -2 "$IMG" ls -Z
	[[ $stderr == *"invalid option -- 'Z'"*$'\nusage: ls [-laRdih1] [PATH...]' ]]
	run_rumpsh -2 "$IMG" frob
	[[ $stderr == *'frob: unknown command'* ]]
	run_rumpsh -2 "$IMG" mkdir -m
	[[ $stderr == *'usage: mkdir [-p] [-m MODE] DIR...' ]]
}

@test "make install DESTDIR=... PREFIX=/usr: binary, links, manual, completions" {
	need_tool make
	local d=$BATS_TEST_TMPDIR/stage
	run make -C "$RUMPSH_ROOT" --no-print-directory install DESTDIR="$d" PREFIX=/usr
	assert_success
	[ -x "$d/usr/bin/rumpsh" ]
	for l in rump_ext2fs rump_ffs rump_msdos rump_cd9660; do
		[ "$(readlink "$d/usr/bin/$l")" = rumpsh ]
		[ "$(readlink "$d/usr/share/man/man1/$l.1")" = rumpsh.1 ]
		[ -e "$d/usr/share/bash-completion/completions/$l" ]
	done
	# mount(8)'s helper, where mount looks (/sbin), pointing at the installed binary
	[ "$(readlink "$d/sbin/mount.rump")" = /usr/bin/rumpsh ]
	[ "$(readlink "$d/usr/share/man/man1/mount.rump.1")" = rumpsh.1 ]
	cmp "$RUMPSH_ROOT/doc/rumpsh.1" "$d/usr/share/man/man1/rumpsh.1"
	cmp "$RUMPSH_ROOT/completions/rumpsh.bash" "$d/usr/share/bash-completion/completions/rumpsh"
	cmp "$RUMPSH_ROOT/completions/_rumpsh" "$d/usr/share/zsh/vendor-completions/_rumpsh"
	run "$d/usr/bin/rumpsh" --version
	assert_success
	# man finds the page, for rumpsh and for a link, in the staged tree
	run man --warnings -M "$d/usr/share/man" rump_ffs
	assert_success
	assert_output --partial 'rump_ffs'
}

@test "make install with the default PREFIX puts each completion in a directory its shell searches" {
	need_tool make zsh bash
	local d=$BATS_TEST_TMPDIR/stage dir found=
	run make -C "$RUMPSH_ROOT" --no-print-directory install DESTDIR="$d"
	assert_success
	[ -x "$d/usr/local/bin/rumpsh" ]
	# zsh: the file lands in one of the directories of zsh's own $fpath
	for dir in $(zsh -fc 'print -l $fpath'); do
		[ -f "$d$dir/_rumpsh" ] && found=$dir
	done
	[ -n "$found" ] || { echo "_rumpsh is in no directory of zsh's fpath" >&2; return 1; }
	# bash-completion looks under share/bash-completion/completions of each XDG_DATA_DIRS
	# entry, /usr/local/share included by default
	[ -f "$d/usr/local/share/bash-completion/completions/rumpsh" ]
}
