# rumpsh.bash: bash completion for rumpsh and its rump_* links: options, -t types, images, commands, image paths (via `rumpsh -r IMAGE complete PREFIX`) and host paths.
#
# Words are split from COMP_LINE (as the shell will see them, quotes kept),
# not taken from COMP_WORDS, so that '=' and ':' inside a word (-o uid=0,
# /a:b) do not break it. Which operand of a command names an image path and
# which a host path is decided as the interactive shell decides it
# (cli/interactive.c): get SRC HOSTDEST, put HOSTSRC DEST, import ARCHIVE
# DEST, extract -f ARCHIVE -C HOSTDIR, mount DIR.

_rumpsh_commands='help ls cd pwd stat cat find du df info get exit put cp mv rm
	mkdir rmdir ln chmod chown touch truncate fsck extract import mount'
# the drivers and their aliases (vfs/vfs_mount.c)
_rumpsh_types='ext2 ext3 ext4 ext2fs ffs ufs ufs1 ufs2 msdos msdosfs fat vfat
	cd9660 iso9660 iso'
# -o keys: common, each driver's (fs/*/*_vfsops.c), and the FUSE mount's
_rumpsh_mount_opts='ro rw noload norrip norock nojoliet nozisofs hide showassoc uid= gid=
	mask= dirmask= gmtoff= tz= allow_other default_permissions nosuid nodev
	noexec noatime sync'

# _rumpsh_cmd_opts CMD: the options of a command (as `help CMD` lists them).
_rumpsh_cmd_opts() {
	case $1 in
	ls) echo '-l -a -R -d -i -h -1' ;;
	du) echo '-s -h' ;;
	df) echo '-h -i' ;;
	get | put) echo '-r -p' ;;
	cp) echo '-r -R -p' ;;
	rm) echo '-r -R -f' ;;
	mkdir) echo '-p -m' ;;
	ln) echo '-s' ;;
	chown) echo '-h' ;;
	touch) echo '-a -c -m -d -t -r' ;;
	truncate) echo '-c -s' ;;
	fsck) echo '-n -y -p -v -f' ;;
	extract) echo '-f -C --format --compress -q' ;;
	import) echo '-q' ;;
	mount) echo '-f -o' ;;
	find) echo '-name -type -size -maxdepth -mindepth -print' ;;
	esac
}

# _rumpsh_split TEXT: the words of TEXT into _rumpsh_w, quotes and
# backslashes kept; text ending in a blank ends with an empty word.
_rumpsh_split() {
	local text=$1 c q= w= i in=0
	_rumpsh_w=()
	for ((i = 0; i < ${#text}; i++)); do
		c=${text:i:1}
		if [[ -n $q ]]; then
			w+=$c
			if [[ $c == '\' && $q == '"' ]]; then
				w+=${text:i+1:1}
				((i++))
			elif [[ $c == "$q" ]]; then
				q=
			fi
			continue
		fi
		case $c in
		\\) w+=$c${text:i+1:1} in=1 && ((i++)) ;;
		\' | \") q=$c w+=$c in=1 ;;
		' ' | $'\t' | $'\n')
			((in)) && _rumpsh_w+=("$w")
			w= in=0
			;;
		*) w+=$c in=1 ;;
		esac
	done
	_rumpsh_w+=("$w")
}

# _rumpsh_dequote WORD: WORD as the command will get it, in REPLY.
_rumpsh_dequote() {
	local w=$1 c q= i
	REPLY=
	for ((i = 0; i < ${#w}; i++)); do
		c=${w:i:1}
		if [[ $q == "'" ]]; then
			[[ $c == "'" ]] && q= || REPLY+=$c
		elif [[ $c == '\' && $q != "'" ]]; then
			REPLY+=${w:i+1:1}
			((i++))
		elif [[ $c == '"' ]]; then
			[[ -n $q ]] && q= || q=$c
		elif [[ $c == "'" && -z $q ]]; then
			q=$c
		else
			REPLY+=$c
		fi
	done
	[[ $REPLY == '~' || $REPLY == '~/'* ]] && REPLY=$HOME${REPLY:1}
	return 0
}

# _rumpsh_words LIST: the words of LIST that start with $cur.
_rumpsh_words() {
	local IFS=$' \t\n'
	COMPREPLY+=($(compgen -W "$1" -- "$cur"))
}

# _rumpsh_host [-d]: host files (or directories) completing $cur.
_rumpsh_host() {
	local IFS=$'\n'
	compopt -o filenames 2>/dev/null
	COMPREPLY+=($(compgen "${1:--f}" -- "$cur"))
}

# _rumpsh_image_paths: the image's paths completing $cur (rumpsh complete).
_rumpsh_image_paths() {
	local line cmd=("$_rumpsh_prog" -r)
	[[ -n $_rumpsh_type ]] && cmd+=(-t "$_rumpsh_type")
	[[ -n $_rumpsh_opts ]] && cmd+=(-o "$_rumpsh_opts")
	[[ -n $_rumpsh_image ]] || return 0
	while IFS= read -r line; do
		COMPREPLY+=("$line")
	done < <("${cmd[@]}" -- "$_rumpsh_image" complete "$cur" 2>/dev/null </dev/null)
	compopt -o filenames 2>/dev/null
	if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == */ ]]; then
		compopt -o nospace 2>/dev/null
	fi
}

# _rumpsh_optlist: -o's comma list: keys after the last ',' of $cur.
_rumpsh_optlist() {
	local head= k
	[[ $cur == *,* ]] && head=${cur%,*},
	for k in $_rumpsh_mount_opts; do
		[[ $head$k == "$cur"* ]] && COMPREPLY+=("$head$k")
	done
	compopt -o nospace 2>/dev/null
}

# _rumpsh_optarg CMD OPT: completes the argument of a command's option;
# status 1 if OPT takes none.
_rumpsh_optarg() {
	case $1:$2 in
	extract:-f) _rumpsh_host ;;
	extract:-C) _rumpsh_host -d ;;
	extract:--format) _rumpsh_words 'pax ustar gnutar cpio zip 7z' ;;
	extract:--compress) _rumpsh_words 'gzip bzip2 xz zstd none' ;;
	touch:-r) _rumpsh_image_paths ;;
	touch:-[dt] | mkdir:-m | truncate:-s) ;;
	find:-type) _rumpsh_words 'f d l b c p s' ;;
	find:-name | find:-size | find:-maxdepth | find:-mindepth) ;;
	mount:-o) _rumpsh_optlist ;;
	*) return 1 ;;
	esac
}

# _rumpsh_operand CMD K: completes operand K (from 1) of a command.
_rumpsh_operand() {
	case $1 in
	help) (($2 == 1)) && _rumpsh_words "$_rumpsh_commands" ;;
	get) if (($2 == 1)); then _rumpsh_image_paths; else _rumpsh_host; fi ;;
	put | import) if (($2 == 1)); then _rumpsh_host; else _rumpsh_image_paths; fi ;;
	mount) _rumpsh_host -d ;;
	chmod | chown) (($2 == 1)) || _rumpsh_image_paths ;;
	exit | pwd | df | info | fsck) ;;
	*) _rumpsh_image_paths ;;
	esac
}

# _rumpsh_takes_arg CMD WORD: does option word WORD take the next word as
# its argument? (As opts_parse reads "-pm MODE": the letter ends the word.)
_rumpsh_takes_arg() {
	local letters
	case $1 in
	mkdir) letters=m ;;
	touch) letters=dtr ;;
	truncate) letters=s ;;
	extract) [[ $2 == --format || $2 == --compress ]] && return 0
		letters=fC ;;
	mount) letters=o ;;
	*) return 1 ;;
	esac
	[[ $2 == -[!-]* && $letters == *"${2: -1}"* ]] &&
		[[ ${2:1:${#2}-2} != *["$letters"]* ]]
}

# _rumpsh_command WORD...: completes the last word of a command line
# inside the image (the command's name is the first word).
_rumpsh_command() {
	local cmd=$1 i k=1 n=$#
	local -a a=("$@")
	if ((n == 1)); then
		_rumpsh_words "$_rumpsh_commands"
		return
	fi
	_rumpsh_dequote "${a[n - 2]}"
	if [[ $cmd == find ]]; then
		[[ $REPLY == -?* ]] && _rumpsh_optarg find "$REPLY" && return
	elif ((n > 2)) && _rumpsh_takes_arg "$cmd" "$REPLY"; then
		_rumpsh_optarg "$cmd" "$REPLY"
		return
	fi
	if [[ $cur == -* && $cmd != chmod ]]; then
		_rumpsh_words "$(_rumpsh_cmd_opts "$cmd")"
		return
	fi
	for ((i = 1; i < n - 1; i++)); do
		_rumpsh_dequote "${a[i]}"
		if [[ $REPLY == -?* ]]; then
			_rumpsh_takes_arg "$cmd" "$REPLY" && ((i++))
		else
			((k++))
		fi
	done
	_rumpsh_operand "$cmd" "$k"
}

# _rumpsh_rump PROG WORD...: rump_<fs> [-r] [-o OPT,...] IMAGE DIR.
_rumpsh_rump() {
	local prog=$1 i k=1 n
	shift
	local -a a=("$@")
	n=${#a[@]}
	if ((n > 1)) && [[ ${a[n - 2]} == -o ]]; then
		_rumpsh_optlist
		return
	fi
	if ((n > 1)) && [[ $prog == rump_msdos && ${a[n - 2]} == -[ugmMt] ]]; then
		return
	fi
	if [[ $cur == -* ]]; then
		_rumpsh_words '-o -r'
		[[ $prog == rump_msdos ]] && _rumpsh_words '-u -g -m -M -t'
		return
	fi
	for ((i = 0; i < n - 1; i++)); do
		case ${a[i]} in
		-o | -[ugmMt]) ((i++)) ;;
		-*) ;;
		*) ((k++)) ;;
		esac
	done
	if ((k == 1)); then _rumpsh_host; elif ((k == 2)); then _rumpsh_host -d; fi
}

# _rumpsh_main WORD...: rumpsh's options, IMAGE, then a command line.
_rumpsh_main() {
	local -a a=("$@")
	local i n=${#a[@]} w
	for ((i = 0; i < n - 1; i++)); do
		_rumpsh_dequote "${a[i]}"
		w=$REPLY
		if [[ -n $_rumpsh_image ]]; then
			[[ $w == -c ]] && return   # a script: nothing to offer
			_rumpsh_command "${a[@]:i}"
			return
		fi
		case $w in
		-t | -o | -c)
			((i + 1 < n - 1)) || break
			_rumpsh_dequote "${a[i + 1]}"
			[[ $w == -t ]] && _rumpsh_type=$REPLY
			[[ $w == -o ]] && _rumpsh_opts=$REPLY
			((i++))
			;;
		-t?*) _rumpsh_type=${w:2} ;;
		-o?*) _rumpsh_opts=${w:2} ;;
		--) ;;
		-?*) ;;
		*) _rumpsh_image=$w ;;
		esac
	done
	if [[ -n $_rumpsh_image ]]; then
		_rumpsh_words '-c'
		_rumpsh_command "$cur"
		return
	fi
	_rumpsh_dequote "${a[n - 2]:-}"
	case $REPLY in
	-t) _rumpsh_words "$_rumpsh_types" ;;
	-o) _rumpsh_optlist ;;
	-c) ;;
	*)
		if [[ $cur == -* ]]; then
			_rumpsh_words '-t -o -r -c --no-sandbox --help --version --'
		else
			_rumpsh_host
		fi
		;;
	esac
}

# _rumpsh_trim: bash replaces only its own current word ($1 of the
# completion function: the text after a '=' or ':' of COMP_WORDBREAKS);
# drop what comes before it from each candidate.
_rumpsh_trim() {
	local bashcur=$1 head i
	[[ $raw == *"$bashcur" && ${#raw} -gt ${#bashcur} ]] || return 0
	_rumpsh_dequote "${raw:0:${#raw}-${#bashcur}}"
	head=$REPLY
	for i in "${!COMPREPLY[@]}"; do
		[[ ${COMPREPLY[i]} == "$head"* ]] && COMPREPLY[i]=${COMPREPLY[i]:${#head}}
	done
}

# _rumpsh: the completion function (complete -F) of rumpsh and rump_*.
_rumpsh() {
	local _rumpsh_w _rumpsh_type= _rumpsh_opts= _rumpsh_image= _rumpsh_prog
	local raw cur REPLY prog
	_rumpsh_split "${COMP_LINE:0:COMP_POINT}"
	raw=${_rumpsh_w[${#_rumpsh_w[@]} - 1]}
	_rumpsh_dequote "$raw"
	cur=$REPLY
	_rumpsh_dequote "${_rumpsh_w[0]}"
	_rumpsh_prog=$REPLY
	prog=${_rumpsh_prog##*/}
	COMPREPLY=()
	case $prog in
	rump_*) _rumpsh_rump "$prog" "${_rumpsh_w[@]:1}" ;;
	*) _rumpsh_main "${_rumpsh_w[@]:1}" ;;
	esac
	_rumpsh_trim "${2-}"
	return 0
}

complete -F _rumpsh rumpsh rump_ext2fs rump_ffs rump_msdos rump_cd9660
