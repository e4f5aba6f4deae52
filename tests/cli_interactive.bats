#!/usr/bin/env bats
# cli_interactive.bats: the readline session, typed into a real terminal (tmux, script): prompt, errors, history, completion.

load cli_helper

setup() {
	need_tool tmux script
	IMG=$(cli_image)
	export HOME=$BATS_TEST_TMPDIR/home
	mkdir -p "$HOME"
	SOCK=rumpsh-test-$$-$BATS_TEST_NUMBER
}

teardown() {
	tmux -L "$SOCK" kill-server 2>/dev/null || true
	loop_umount_all
}

# start: rumpsh on IMG in a 160x50 tmux terminal; "EXITED N" is printed when it ends.
start() {
	tmux -L "$SOCK" new-session -d -x 160 -y 50 \
		"cd / && HOME='$HOME' '$RUMPSH' '$IMG'; echo EXITED \$?; sleep 600"
	wait_for 'rumpsh .*:/>$'
}

screen() {
	tmux -L "$SOCK" capture-pane -p -J | sed -e 's/ *$//' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}

# wait_for REGEX: until a line of the screen matches (10 s at most).
wait_for() {
	local i
	for i in $(seq 100); do
		screen | grep -qE -- "$1" && return 0
		sleep 0.1
	done
	echo "screen never showed /$1/:" >&2
	screen >&2
	return 1
}

type_keys() {
	tmux -L "$SOCK" send-keys "$@"
}

@test "interactive: the prompt shows IMAGE and the cwd; commands run; exit ends it (status 0)" {
	start
	type_keys 'cd /dir/nested' Enter
	wait_for "^rumpsh $IMG:/dir/nested>$"
	type_keys 'pwd' Enter
	wait_for '^/dir/nested$'
	type_keys 'exit' Enter
	wait_for '^EXITED 0$'
}

@test "interactive: a failing command prints its error and the session goes on; EOF ends it" {
	start
	type_keys 'cat /nope' Enter
	wait_for '^rumpsh: cat: /nope: No such file or directory$'
	type_keys 'cat /small.txt' Enter
	wait_for '^hello, world$'
	type_keys 'frob' Enter
	wait_for "^rumpsh: frob: unknown command"
	type_keys C-d
	wait_for '^EXITED 0$'
}

@test "interactive: several commands on one line; exit N sets the status" {
	start
	type_keys 'cd dir; pwd; cat nope; pwd' Enter
	wait_for '^/dir$'
	wait_for 'rumpsh: cat: nope: No such file or directory'
	[ "$(screen | grep -c '^/dir$')" -eq 2 ]
	type_keys 'exit 7' Enter
	wait_for '^EXITED 7$'
}

@test "interactive: tab completes command names" {
	start
	type_keys 'pw' Tab Enter
	wait_for '^/$'
	type_keys 'he' Tab 'ls' Enter
	wait_for '^usage: ls '
}

@test "interactive: tab completes paths inside the image (not the host's)" {
	start
	type_keys 'cat dir/nested/deeper/deepest/fi' Tab Enter
	wait_for '^deep$'
	type_keys 'cd dir/nes' Tab Enter
	wait_for "^rumpsh $IMG:/dir/nested>$"
	type_keys 'ls ../../times/n' Tab
	wait_for 'ls \.\./\.\./times/nanos$'
	type_keys C-u 'cat /names/wi' Tab Enter
	wait_for '^space$'
	# several matches: Tab Tab lists them by their last component
	type_keys 'ls /times/' Tab Tab
	wait_for '^after-2038 +before-epoch +epoch +nanos +y1999$'
	# the host's /etc is not offered for a path the image lacks
	type_keys C-u 'ls /et' Tab
	sleep 0.3
	screen | tail -1 | grep -qE 'ls /et$'
}

@test "interactive: history is kept in ~/.rumpsh_history and recalled with Up" {
	start
	type_keys 'cat /small.txt' Enter
	wait_for '^hello, world$'
	type_keys 'exit' Enter
	wait_for '^EXITED 0$'
	grep -qx 'cat /small.txt' "$HOME/.rumpsh_history"
	tmux -L "$SOCK" kill-server
	SOCK=$SOCK-again   # a fresh server: the old one may still be going away
	start
	type_keys Up Up Enter
	wait_for '^hello, world$'
}

@test "stdin a terminal but a command given: runs it and exits (no prompt)" {
	run script -qec "'$RUMPSH' '$IMG' cat /small.txt" /dev/null
	assert_success
	[ "$(tr -d '\r' <<<"$output")" = 'hello, world' ]
}

@test "script mode through script(1) with -c: stops at the first failure" {
	run script -qec "'$RUMPSH' '$IMG' -c 'pwd; cat /nope; pwd'" /dev/null
	[ "$status" -eq 1 ]
	[ "$(tr -d '\r' <<<"$output")" = $'/\nrumpsh: cat: /nope: No such file or directory' ]
}

@test "interactive: Ctrl-C abandons the line being typed, the session goes on" {
	start
	type_keys 'cat /small'
	wait_for 'cat /small$'
	type_keys C-c
	type_keys 'pwd' Enter
	wait_for '^/$'
	! screen | grep -q '^hello, world$'
	type_keys 'exit' Enter
	wait_for '^EXITED 0$'
}

@test "interactive: tab completes a directory with '/', help's argument, and host paths where a command takes them" {
	mkdir -p "$BATS_TEST_TMPDIR/host side"
	printf 'from the host\n' >"$BATS_TEST_TMPDIR/host side/hostfile.txt"
	start
	type_keys 'ls /dir/nes' Tab
	wait_for 'ls /dir/nested/$'
	type_keys C-u 'help trunc' Tab
	wait_for 'help truncate$'
	# put's source is a host path (escaped), its destination an image path
	type_keys C-u "cat $BATS_TEST_TMPDIR/host" Tab
	sleep 0.3
	screen | tail -1 | grep -qE "cat $BATS_TEST_TMPDIR/host$"
	type_keys C-u "put $BATS_TEST_TMPDIR/host" Tab
	wait_for "put $BATS_TEST_TMPDIR/host\\\\ side/$"
	type_keys 'ho' Tab '/di' Tab
	wait_for "put $BATS_TEST_TMPDIR/host\\\\ side/hostfile.txt /dir/$"
	type_keys C-u "get /small.txt $BATS_TEST_TMPDIR/host" Tab
	wait_for "get /small.txt $BATS_TEST_TMPDIR/host\\\\ side/$"
	type_keys C-u 'exit' Enter
	wait_for '^EXITED 0$'
}

@test "interactive: tab completes a command's options (from its help), not where an option's argument goes" {
	start
	type_keys 'extract --f' Tab
	wait_for 'extract --format *$'
	type_keys C-u 'touch -' Tab Tab
	wait_for '^-a +-c +-d +-m +-r +-t$'
	type_keys C-u 'ls -' Tab Tab
	wait_for '^-1 +-R +-a +-d +-h +-i +-l$'
	# after -r comes touch's reference file, an image path
	type_keys C-u 'touch -r /dir/nes' Tab
	wait_for 'touch -r /dir/nested/$'
	type_keys C-u 'exit' Enter
	wait_for '^EXITED 0$'
}
