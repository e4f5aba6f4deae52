# random_helper.bash: seeded random-operation runs shared by ext2_random.bats and msdos_random.bats (the generator is random_ops.py).
#
#   random_seeds BASE             the seeds a test runs: BASE, or with RUMPSH_RANDOM_SEEDS="1 2 ..."
#                                 BASE*1000+1, BASE*1000+2, ... (each test its own streams)
#   random_ops_count DEFAULT      operations per seed: RUMPSH_RANDOM_OPS, else DEFAULT
#   random_run IMG SEED N DIR CHECK [GENERATOR OPTIONS...]
#       applies N operations (seed SEED) batch by batch to the host tree DIR/host and, through
#       `rumpsh IMG -c`, to IMG; after every batch runs `CHECK IMG DIR/host`. A failure names
#       the seed and the batch, and leaves the batch's script in DIR/script.
#
# The long version, by hand:  RUN_FILE_TIMEOUT=3600 RUMPSH_RANDOM_OPS=3000 \
#   RUMPSH_RANDOM_SEEDS="1 2 3" RUMPSH_SUITES=tests/msdos_random.bats tests/run.sh build/plain

random_seeds() {
	local s
	if [[ -n ${RUMPSH_RANDOM_SEEDS:-} ]]; then
		for s in $RUMPSH_RANDOM_SEEDS; do echo $(($1 * 1000 + s)); done
	else
		echo "$1"
	fi
}

random_ops_count() {
	echo "${RUMPSH_RANDOM_OPS:-$1}"
}

random_run() {
	local img=$1 seed=$2 n=$3 dir=$4 check=$5 batch=0 line rc=0
	shift 5
	need_tool python3 || return 1
	rm -rf "$dir/host" "$dir/data"
	mkdir -p "$dir/host" "$dir/data"
	# One generator per run, asked for each batch in turn (one python3 start, not one per batch).
	coproc RANDOM_GEN { exec python3 "$RUMPSH_ROOT/tests/random_ops.py" "$@" "$seed" "$n" "$dir/host" "$dir/data" 3>&-; }
	local gen_pid=$RANDOM_GEN_PID gen_in=${RANDOM_GEN[1]} gen_out=${RANDOM_GEN[0]}
	while :; do
		if ! echo next >&"$gen_in" || ! IFS= read -r line <&"$gen_out"; then
			echo "random_run: the generator failed (seed $seed, batch $batch)" >&2
			rc=1
			break
		fi
		[[ -n $line ]] || break
		batch=$((batch + 1))
		printf '%s\n' "$line" >"$dir/script"
		run_rumpsh "$img" -c "$line" || { rc=1; break; }
		if ((status != 0)); then
			printf 'random_run: seed %s, batch %d: rumpsh exit %d\n%s\n' \
				"$seed" "$batch" "$status" "$stderr" >&2
			rc=1
			break
		fi
		"$check" "$img" "$dir/host" || {
			echo "random_run: seed $seed, batch $batch: $check found a difference (script: $dir/script)" >&2
			rc=1
			break
		}
	done
	exec {gen_in}>&- {gen_out}<&-
	wait "$gen_pid" || rc=1
	return "$rc"
}
