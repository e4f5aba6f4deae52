#!/usr/bin/env bats
# cli_session.bats: read-only opens that never write, the read-write upgrade, -r/-o ro/-o rw, the writer's lock, drivers that cannot write, write-back at the end.

load cli_write_helper

setup() {
	need_tool makefs mkfs.fat mcopy fsck.fat sha256sum mkfifo fls
	SRC=$BATS_TEST_TMPDIR/src
	mkdir -p "$SRC"
	printf 'from the host\n' >"$SRC/f.txt"
}

teardown() {
	if [[ -n ${HOLD_FD:-} ]]; then exec {HOLD_FD}>&-; fi
	if [[ -n ${HOLD_PID:-} ]]; then kill "$HOLD_PID" 2>/dev/null || true; fi
	if [[ -n ${SOCK:-} ]]; then tmux -L "$SOCK" kill-server 2>/dev/null || true; fi
	loop_umount_all
}

READS='ls -laR /; cat /small.txt; stat / /small.txt /dir; find / -name "*"; du -s /; df; info; cd /dir; pwd; ls; get /small.txt '

# reads_only IMG: every read command, one-shot, -c and a script on stdin, leave IMG unchanged.
reads_only() {
	local img=$1 before
	before=$(sha256sum <"$img")
	run_rumpsh "$img" -c "$READS $BATS_TEST_TMPDIR/got"
	assert_success
	run_rumpsh "$img" ls -l /dir
	assert_success
	run_rumpsh "$img" fsck -n
	run bash -c 'printf "%s\n" "ls -l" "cd dir" "ls" "cat /small.txt" "stat nested" "bogus-command" "exit" | "$RUMPSH" "$1"' _ "$img"
	[ "$(sha256sum <"$img")" = "$before" ]
}

@test "reading never writes: FFS, FAT and ext4, one-shot, -c, and a script on stdin" {
	reads_only "$(wr_ffs ro)"
	reads_only "$(wr_fat ro16 16)"
	reads_only "$(wr_fat ro32 32)"
	reads_only "$(wr_ext ro)"
}

@test "a failing write command leaves the file system as it was, and clean" {
	local img before
	img=$(wr_ffs nochange)
	before=$(tsk_list "$img")
	run_rumpsh -1 "$img" mkdir /dir
	run_rumpsh -1 "$img" rm /nope
	run_rumpsh -1 "$img" -c 'ls /; rmdir /dir'
	[ "$(tsk_list "$img")" = "$before" ]
	ffs_clean "$img"
	run_rumpsh -r "$img" info
	assert_line 'clean: yes'
}

@test "the first write reopens read-write and keeps the current directory" {
	local img
	img=$(wr_ffs upgrade)
	run_rumpsh "$img" -c "cd /dir/nested; ls; mkdir here; put $SRC/f.txt .; pwd; ls; cd ..; ls"
	assert_success
	assert_output $'file\n/dir/nested\nf.txt\nfile\nhere\nnested\nx'
	ffs_clean "$img"
	[ "$(tsk_cat "$img" dir/nested/f.txt)" = 'from the host' ]
	run tsk_list "$img"
	assert_line 'd/d dir/nested/here'
}

@test "-r and -o ro refuse every write command; -o rw opens read-write at once" {
	local img before c
	img=$(wr_ffs rdonly)
	before=$(sha256sum <"$img")
	for c in "mkdir /x" "rmdir /empty-dir" "rm /small.txt" "mv /small.txt /y" "cp /small.txt /y" \
		"ln -s a /x" "chmod 600 /x" "chown 1 /x" "touch /x" "truncate -s 0 /x" "put $SRC/f.txt /x"; do
		run_rumpsh -1 -r "$img" $c
		assert_equal "$stderr" "rumpsh: ${c%% *}: ${c##* }: Read-only file system"
		run_rumpsh -1 -o ro "$img" $c
		assert_equal "$stderr" "rumpsh: ${c%% *}: ${c##* }: Read-only file system"
	done
	run_rumpsh -8 -r "$img" fsck -y
	assert_equal "$stderr" "rumpsh: fsck: $img: Read-only file system"
	[ "$(sha256sum <"$img")" = "$before" ]
	run_rumpsh -2 -r -o rw "$img" ls
	assert_equal "$stderr" 'rumpsh: -r and -o rw contradict each other'
	run_rumpsh -o rw "$img" mkdir /x
	assert_success
	ffs_clean "$img"
}

@test "drivers that cannot write say so: ext4, ISO 9660" {
	local ext iso before
	# ext4 writes, but not (yet) with bigalloc
	ext=$BATS_TEST_TMPDIR/nowrite.img
	mkdir -p "$BATS_TEST_TMPDIR/inl/dir/nested" && echo x >"$BATS_TEST_TMPDIR/inl/dir/x"
	mke2fs -q -F -t ext4 -O bigalloc -d "$BATS_TEST_TMPDIR/inl" "$ext" 8M
	before=$(sha256sum <"$ext")
	run_rumpsh -1 "$ext" mkdir /x
	assert_equal "$stderr" "rumpsh: mkdir: $ext: writing ext4 with these features (bigalloc, quota, ...) is not supported yet; open read-only (-r)"
	run_rumpsh -1 "$ext" -c "ls /dir; put $SRC/f.txt /; ls /"
	assert_output 'nested
x'
	run_rumpsh -1 -o rw "$ext" ls
	assert_equal "$stderr" "rumpsh: $ext: writing ext4 with these features (bigalloc, quota, ...) is not supported yet; open read-only (-r)"
	[ "$(sha256sum <"$ext")" = "$before" ]
	iso=$BATS_TEST_TMPDIR/x.iso
	makefs -t cd9660 "$iso" "$SRC" >/dev/null
	run_rumpsh -1 "$iso" touch /f.txt
	assert_equal "$stderr" "rumpsh: touch: $iso: ISO 9660 is read-only"
	run_rumpsh -8 "$iso" fsck -y
}

@test "one writer: a second read-write session gets a clear error while the first is open" {
	local img fifo
	img=$(wr_ffs lock)
	fifo=$BATS_TEST_TMPDIR/fifo
	mkfifo "$fifo"
	# held: a session whose `put` of a fifo waits for data, after its upgrade to read-write
	# (opening the fifo's other end returns once put has opened it: the lock is held)
	"$RUMPSH" "$img" put "$fifo" /held >"$BATS_TEST_TMPDIR/held.out" 2>&1 &
	HOLD_PID=$!
	exec {HOLD_FD}>"$fifo"
	run_rumpsh -1 "$img" -c "put $SRC/f.txt /f.txt"
	assert_equal "$stderr" "rumpsh: put: $img: the image is open for writing by another process"
	run_rumpsh -1 -o rw "$img" ls
	assert_equal "$stderr" "rumpsh: $img: the image is open for writing by another process"
	run_rumpsh -8 "$img" fsck -y
	assert_equal "$stderr" "rumpsh: fsck: $img: the image is open for writing by another process"
	# readers are not locked out
	run_rumpsh "$img" ls /dir
	assert_success
	printf 'through the fifo\n' >&"$HOLD_FD"
	exec {HOLD_FD}>&-
	HOLD_FD=
	wait "$HOLD_PID"
	HOLD_PID=
	[ ! -s "$BATS_TEST_TMPDIR/held.out" ]
	run_rumpsh "$img" put "$SRC/f.txt" /f.txt
	assert_success
	ffs_clean "$img"
	run tsk_list "$img"
	assert_line 'r/r held'
	assert_line 'r/r f.txt'
	[ "$(tsk_cat "$img" held)" = 'through the fifo' ]
}

# pane_shows REGEX...: wait (10 s at most) until the tmux pane's last lines match the REGEXes in order.
pane_shows() {
	local i n=$# text
	for i in $(seq 100); do
		text=$(tmux -L "$SOCK" capture-pane -p | sed -e '/^$/d' | tail -n "$n")
		if [[ $(printf '%s\n' "$@" | wc -l) -eq $(wc -l <<<"$text") ]] &&
			paste -d '\n' <(printf '%s\n' "$@") <(printf '%s\n' "$text") |
			awk 'NR % 2 { re = $0; next } $0 !~ re { bad = 1 } END { exit bad }'; then
			return 0
		fi
		sleep 0.1
	done
	echo "the terminal never showed: $*" >&2
	tmux -L "$SOCK" capture-pane -p >&2
	return 1
}

@test "one writer: an interactive session holds the lock from its first change until exit" {
	need_tool tmux
	local img i
	img=$(wr_ffs ilock)
	export HOME=$BATS_TEST_TMPDIR/home
	mkdir -p "$HOME"
	SOCK=rumpsh-wtest-$$-$BATS_TEST_NUMBER
	tmux -L "$SOCK" new-session -d -x 160 -y 50 "'$RUMPSH' '$img'; echo EXITED \$?; sleep 600"
	pane_shows 'img:/>$'
	# reading only: no lock yet
	run_rumpsh "$img" mkdir /other
	assert_success
	tmux -L "$SOCK" send-keys 'mkdir /mine' Enter
	pane_shows 'mkdir /mine$' 'img:/>$'
	run_rumpsh -1 "$img" mkdir /second
	assert_equal "$stderr" "rumpsh: mkdir: $img: the image is open for writing by another process"
	run_rumpsh "$img" ls /
	assert_success
	tmux -L "$SOCK" send-keys 'exit' Enter
	pane_shows 'EXITED 0'
	run_rumpsh "$img" mkdir /after
	assert_success
	ffs_clean "$img"
	run tsk_list "$img"
	assert_line 'd/d mine'
	assert_line 'd/d other'
	assert_line 'd/d after'
}

@test "a script stopped by a failing command still writes back what it changed" {
	local img
	img=$(wr_ffs stop)
	run_rumpsh -1 "$img" -c "mkdir /a; put $SRC/f.txt /a; mkdir /a; mkdir /never"
	assert_equal "$stderr" 'rumpsh: mkdir: /a: File exists'
	ffs_clean "$img"
	run tsk_list "$img"
	assert_line 'r/r a/f.txt'
	refute_line 'd/d never'
	run_rumpsh -r "$img" info
	assert_line 'clean: yes'
	run bash -c 'printf "mkdir /b\nmkdir /b\nmkdir /c\n" | "$RUMPSH" "$1"' _ "$img"
	assert_failure 1
	run tsk_list "$img"
	assert_line 'd/d b'
	refute_line 'd/d c'
	ffs_clean "$img"
}

@test "usage errors of the write commands: status 2 and the usage line" {
	local img c
	img=$(wr_ffs usage)
	for c in put cp mv rm mkdir rmdir ln chmod chown touch truncate; do
		run_rumpsh -2 "$img" "$c"
		[[ $(sed -n 2p <<<"$stderr") =~ ^usage:\ $c( |$) ]]
	done
	run_rumpsh -2 "$img" fsck -n -y
	assert_equal "$stderr" $'rumpsh: fsck: -n, -y and -p exclude each other\nusage: fsck [-n|-y|-p] [-vf]'
	run_rumpsh -2 "$img" mkdir -z /x
	run_rumpsh "$img" help
	refute_output --partial 'Not supported yet in this version: put'
	for c in put cp mv rm mkdir rmdir ln chmod chown touch truncate fsck; do
		assert_line --regexp "^  $c +[a-z]"
		run_rumpsh "$img" help "$c"
		assert_success
		run_rumpsh "$img" help
	done
}
