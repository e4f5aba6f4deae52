#!/usr/bin/env bats
# cli_modes.bats: rumpsh's command line: the three modes, scripts, exit statuses, error formats, help.

load cli_helper

setup() {
	IMG=$(cli_image)
}

# ---- one-shot mode and exit statuses

@test "one command: IMAGE CMD ARGS runs it, status 0" {
	rs cat /small.txt
	assert_success
	assert_output 'hello, world'
	[ -z "$stderr" ]
}

@test "a failing command: status 1 and 'rumpsh: CMD: PATH: reason'" {
	rs -1 cat /no-such-file
	assert_output ''
	[ "$stderr" = 'rumpsh: cat: /no-such-file: No such file or directory' ]
}

@test "an unknown command is a usage error (status 2)" {
	rs -2 frobnicate /
	[ "$stderr" = "rumpsh: frobnicate: unknown command (try 'help')" ]
}

@test "a bad option is a usage error with the command's usage line" {
	rs -2 ls -Z /
	assert_output ''
	[ "${stderr}" = "rumpsh: ls: invalid option -- 'Z'"$'\n'"usage: ls [-laRdih1] [PATH...]" ]
}

@test "wrong number of arguments is a usage error" {
	rs -2 cat
	[[ $stderr == "rumpsh: cat: missing operand"$'\n'"usage: cat FILE..." ]]
	rs -2 pwd extra
	[[ $stderr == *"usage: pwd"* ]]
	rs -2 get /small.txt
	[[ $stderr == *"usage: get [-rp] SRC... HOSTDEST"* ]]
}

@test "every command of the design exists: help CMD shows its usage line" {
	local c
	for c in help ls cd pwd stat cat find du df info get put cp mv rm mkdir rmdir ln chmod \
		chown touch truncate fsck extract import mount exit; do
		rs help "$c"
		assert_success
		assert_line --index 0 --regexp "^usage: $c( |$)"
	done
}

@test "program usage errors: no image, unknown option, -c without a string (status 2)" {
	run_rumpsh -2
	[[ $stderr == usage:* ]]
	run_rumpsh -2 -Q "$IMG" ls
	[[ $stderr == *"unknown option '-Q'"* ]]
	run_rumpsh -2 "$IMG" -c
	[[ $stderr == *"'-c' needs an argument"* ]]
	run_rumpsh -2 -t
	[[ $stderr == *"'-t' needs an argument"* ]]
}

@test "an image that cannot be opened: 'rumpsh: IMAGE: reason', status 1" {
	run_rumpsh -1 "$BATS_TEST_TMPDIR/nope.img" ls
	[ "$stderr" = "rumpsh: $BATS_TEST_TMPDIR/nope.img: No such file or directory" ]
	head -c 1M /dev/zero >"$BATS_TEST_TMPDIR/zero.img"
	run_rumpsh -1 "$BATS_TEST_TMPDIR/zero.img" ls
	[[ $stderr == "rumpsh: $BATS_TEST_TMPDIR/zero.img: "?* ]]
}

@test "-t TYPE forces a driver; an unknown type is refused" {
	run_rumpsh -t ext4 "$IMG" cat /small.txt
	assert_success
	assert_output 'hello, world'
	run_rumpsh -1 -t nosuchfs "$IMG" ls
	[[ $stderr == *"unknown file system type 'nosuchfs'"* ]]
}

@test "-o passes options (ro accepted); an unknown option is refused; -r is accepted" {
	run_rumpsh -o ro "$IMG" cat /small.txt
	assert_success
	run_rumpsh -r "$IMG" cat /small.txt
	assert_success
	run_rumpsh -1 -o no-such-option "$IMG" ls
	[[ $stderr == *no-such-option* ]]
}

@test "-r with -o rw is a usage error; -r refuses a write command" {
	run_rumpsh -2 -r -o rw "$IMG" ls /
	assert_output ''
	[[ $stderr == *rw* ]]
	local before
	before=$(sha256sum <"$IMG")
	run_rumpsh -1 -r "$IMG" mkdir /new
	[ "$stderr" = 'rumpsh: mkdir: /new: Read-only file system' ]
	[ "$(sha256sum <"$IMG")" = "$before" ]
}

@test "reading never writes: the image is unchanged after every read command" {
	local before out=$BATS_TEST_TMPDIR/out
	before=$(sha256sum <"$IMG")
	mkdir "$out"
	run_rumpsh "$IMG" -c 'ls -lR /; stat /small.txt; cat /big.bin; find / -name x; du -s /; df; info'
	run_rumpsh "$IMG" get -r -p /dir "$out"
	[ "$(sha256sum <"$IMG")" = "$before" ]
}

# ---- -c scripts

@test "-c runs commands separated by ';' and newlines" {
	rs -c 'cat /small.txt; cd /dir
pwd'
	assert_success
	assert_output $'hello, world\n/dir'
}

@test "-c stops at the first failing command, with its status" {
	rs -1 -c 'cat /small.txt; cat /nope; cat /small.txt'
	assert_output 'hello, world'
	[ "$stderr" = 'rumpsh: cat: /nope: No such file or directory' ]
	rs -2 -c 'pwd; ls -Z; pwd'
	assert_output '/'
}

@test "script quoting: '...', \"...\", backslashes, # comments" {
	rs -c "cat '/names/with space.txt'; cat \"/names/with space.txt\"; cat /names/with\\ space.txt # a comment; cat /nope"
	assert_success
	assert_output $'space\nspace\nspace'
	rs -c '# only a comment
cat "/names/na''ïve café.txt"'
	assert_success
	assert_output 'utf-8'
}

@test "script syntax errors: an unterminated quote is a usage error, nothing runs" {
	rs -2 -c "cat /small.txt; cat 'unterminated"
	assert_output ''
	[ "$stderr" = 'rumpsh: syntax error: unterminated '"'"' quote' ]
}

@test "exit ends a script; exit N sets the status" {
	rs -c 'pwd; exit; pwd'
	assert_success
	assert_output '/'
	rs -3 -c 'exit 3; pwd'
	assert_output ''
	rs -2 -c 'exit nope'
}

# ---- script on stdin

@test "stdin not a tty: a script read from stdin, stopping at the first failure" {
	run --separate-stderr bash -c 'printf "cd /dir\npwd\ncat nope\npwd\n" | "$RUMPSH" "$1"' _ "$IMG"
	[ "$status" -eq 1 ]
	assert_output '/dir'
	[ "$stderr" = 'rumpsh: cat: nope: No such file or directory' ]
}

@test "stdin script: empty input does nothing, status 0" {
	run bash -c '"$RUMPSH" "$1" </dev/null' _ "$IMG"
	assert_success
	assert_output ''
}

# ---- help

@test "help lists every working command; help CMD explains each option" {
	rs help
	assert_success
	local c
	for c in help ls cd pwd stat cat find du df info get exit put cp mv rm mkdir rmdir ln \
		chmod chown touch truncate fsck extract import mount; do
		assert_line --regexp "^  $c +[a-z]"
	done
	refute_output --partial 'not supported yet'
	rs help ls
	assert_success
	assert_line 'usage: ls [-laRdih1] [PATH...]'
	for c in -l -a -R -d -i -h -1; do assert_line --regexp "^  $c  "; done
	rs help find
	for c in -name -type -size -maxdepth -mindepth; do assert_line --regexp "^  $c "; done
	rs help get
	for c in -r -p; do assert_line --regexp "^  $c  "; done
	rs help du
	for c in -s -h; do assert_line --regexp "^  $c  "; done
	rs help df
	for c in -h -i; do assert_line --regexp "^  $c  "; done
}

@test "help of an unknown command is a usage error" {
	rs -2 help nosuch
	[ "$stderr" = 'rumpsh: help: nosuch: unknown command' ]
}

# ---- cd and pwd

@test "cd and pwd: relative, absolute, .., through a symlink (logical), default /" {
	rs -c 'pwd; cd dir/nested; pwd; cd ../..; pwd; cd /links/dir; pwd; cat nested/deeper/deepest/file.txt; cd; pwd'
	assert_success
	assert_output $'/\n/dir/nested\n/\n/links/dir\ndeep\n/'
}

@test "cd to a file or a missing dir fails and keeps the old cwd" {
	rs -1 -c 'cd /dir; cd /small.txt'
	[ "$stderr" = 'rumpsh: cd: /small.txt: Not a directory' ]
	run --separate-stderr bash -c 'printf "cd /dir\ncd nope\n" | "$RUMPSH" "$1"; echo st=$?' _ "$IMG"
	assert_output 'st=1'
	[ "$stderr" = 'rumpsh: cd: nope: No such file or directory' ]
	rs -2 cd a b
}

@test "relative paths of every command start at the cwd" {
	rs -c 'cd /dir/nested; cat deeper/deepest/file.txt; ls deeper; find deeper -type f -name "f*.txt"'
	assert_success
	assert_output $'deep\ndeepest\ndeeper/deepest/file.txt'
}
