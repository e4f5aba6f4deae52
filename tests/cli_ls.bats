#!/usr/bin/env bats
# cli_ls.bats: ls, compared line for line with coreutils ls on the kernel's read-only mount of the same image.

load cli_helper

setup() {
	need_tool ls diff script
	cli_mount
}

# same_as_coreutils "RUMPSH LS ARGS" "COREUTILS LS ARGS" [DROP-REGEX]: outputs equal
same_as_coreutils() {
	local drop=${3:-'^$NEVER'}
	in_mnt bash -c "ls $2"
	local want=$output
	rs -c "ls $1"
	assert_success
	[ -z "$stderr" ]
	diff -u <(grep -Ev "$drop" <<<"$want") <(grep -Ev "$drop" <<<"$output")
}

@test "ls -l of every directory of the tree equals ls -ln" {
	local d
	for d in . dir links names special modes times many dir/nested/deeper/deepest; do
		same_as_coreutils "-l $d" "-ln $d"
	done
}

@test "ls -l shows modes with setuid/setgid/sticky letters, devices as 'major, minor'" {
	rs ls -l /modes /special
	assert_line --regexp '^-rws--s--x 1 +0 +0 +[0-9]+ Feb  2  2022 file-6711$'
	assert_line --regexp '^-rwsr-xr-x 1 +0 +0 +[0-9]+ Feb  2  2022 file-4755$'
	assert_line --regexp '^-rwxr-sr-x 1 +0 +0 +[0-9]+ Feb  2  2022 file-2755$'
	assert_line --regexp '^---------- 1 +0 +0 +[0-9]+ Feb  2  2022 file-0000$'
	assert_line --regexp '^drwxrwxrwt '
	assert_line --regexp '^crw-r--r-- 1 0 0 1,  3 Feb  2  2022 null$'
	assert_line --regexp '^brw-r--r-- 1 0 0 8, 16 Feb  2  2022 disk$'
	assert_line --regexp '^-rw-r--r-- 1 1234 5678 +6 Feb  2  2022 owned-1234-5678$'
}

@test "ls -l: recent files show the time, old ones the year (TZ honoured)" {
	rs ls -l /recent.txt /times/y1999
	assert_line --regexp '^-rw-r--r-- 1 0 0 18 [A-Z][a-z][a-z] [ 0-9][0-9] [0-9][0-9]:[0-9][0-9] /recent.txt$'
	assert_line '-rw-r--r-- 1 0 0  6 Dec 31  1999 /times/y1999'
	run env TZ=Asia/Tokyo "$RUMPSH" "$IMG" ls -l /times/y1999
	assert_output '-rw-r--r-- 1 0 0 6 Jan  1  2000 /times/y1999'
}

@test "ls -la includes . and .. and hidden names; without -a they are hidden" {
	same_as_coreutils "-la names" "-lna names"
	rs ls names
	refute_line .hidden
	refute_line .
	rs ls -a names
	assert_line .hidden
	assert_line .
	assert_line ..
}

@test "ls -lR and ls -laR equal coreutils (recursion order, headers, totals)" {
	same_as_coreutils "-lR" "-lnR"
	# the mount point's .. is the host's directory: leave that line out
	same_as_coreutils "-laR" "-lnaR" '^d.* \.\.$'
}

@test "ls -R, ls -i, ls -li, ls -lh, ls -d, -1 equal coreutils" {
	same_as_coreutils "-R" "-R"
	same_as_coreutils "-i dir" "-i dir"
	same_as_coreutils "-liR times" "-lniR times"
	same_as_coreutils "-lhR" "-lnhR"
	same_as_coreutils "-d dir names /" "-d dir names ."  '^\.|^/$'
	same_as_coreutils "-ld dir names" "-lnd dir names"
	same_as_coreutils "-1 many" "-1 many"
}

@test "combined flags (-la, -lai, -Rl) and options after operands" {
	same_as_coreutils "-lai dir" "-lnai dir"
	same_as_coreutils "dir -l" "-ln dir"
	same_as_coreutils "-Rl dir" "-lnR dir"
}

@test "ls of several operands: files first, then each directory under a header" {
	same_as_coreutils "-l small.txt dir links/short empty modes" "-ln small.txt dir links/short empty modes"
	same_as_coreutils "dir times" "dir times"
}

@test "ls FILE prints the path as given; ls -l of a symlink shows its target" {
	rs ls /dir/nested/../hard-b
	assert_output '/dir/nested/../hard-b'
	same_as_coreutils "-l links/short links/dangling links/long links/absolute" \
		"-ln links/short links/dangling links/long links/absolute"
}

@test "ls of a symlink to a directory lists the directory (not with -l or -d)" {
	same_as_coreutils "links/dir" "links/dir"
	same_as_coreutils "-l links/dir" "-ln links/dir"
	same_as_coreutils "-d links/dir" "-d links/dir"
}

@test "ls with a missing operand reports it, lists the rest, status 1" {
	rs -1 ls /nope /dir/empty-dir /small.txt
	[ "$stderr" = 'rumpsh: ls: /nope: No such file or directory' ]
	assert_output $'/small.txt\n\n/dir/empty-dir:'
}

@test "ls on a terminal prints columns; on a pipe one name per line" {
	rs ls many
	[ "${#lines[@]}" -eq 300 ]
	run script -qec "COLUMNS=80 '$RUMPSH' '$IMG' ls many" /dev/null
	assert_success
	[ "${#lines[@]}" -lt 100 ]
	[[ ${lines[0]} == file-000*file-* ]]
	run script -qec "COLUMNS=80 '$RUMPSH' '$IMG' ls -1 many" /dev/null
	[ "${#lines[@]}" -eq 300 ]
}

@test "ls on a terminal lays columns out like coreutils ls -C" {
	local want d
	for d in many dir modes times; do
		want=$(cd "$MNT" && script -qec "stty cols 80; ls -C $d" /dev/null)
		run script -qec "stty cols 80; '$RUMPSH' '$IMG' ls $d" /dev/null
		diff -u <(printf '%s\n' "$want" | tr -d '\r') <(printf '%s\n' "$output" | tr -d '\r')
	done
}

@test "ls -- ends options: a name starting with '-' is an operand" {
	rs ls -l -- names/-leading-dash
	assert_success
	assert_output --regexp '^-rw-r--r-- 1 0 0 5 Feb  2  2022 names/-leading-dash$'
	rs -2 ls names/-leading-dash -q
}
