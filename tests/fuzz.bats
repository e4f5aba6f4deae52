#!/usr/bin/env bats
# fuzz.bats: each libFuzzer harness runs a few seconds on its seeds without a crash, and every regression input replays clean.

load test_helper

FUZZ=$RUMPSH_ROOT/build/fuzz
SMOKE=${FUZZ_SMOKE_SECONDS:-2}  # both passes of make check run it: 7 harnesses x 2 s each

setup_file() {
	need_tool clang make flock mke2fs debugfs makefs mkfs.fat mcopy xorriso
	# the harnesses are built once (make does nothing the second time), by one
	# pass at a time (make check runs two side by side); the outer make's
	# jobserver is not ours to use
	mkdir -p "$RUMPSH_ROOT/build"
	flock -w 900 "$RUMPSH_ROOT/build/.fuzz-build.lock" env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make -C "$RUMPSH_ROOT" --no-print-directory fuzz-build >&2
	local gen=$RUMPSH_ROOT/tests/fuzz/make-seeds.sh key
	key=$(sha256sum "$gen" | cut -c1-12)   # a changed script makes new seeds
	SEEDS=$(fixture "fuzz-seeds-$key" "$gen" {})
	export SEEDS
}

# fuzz_args HARNESS DRIVER: the limits every run shares (as `make fuzz` uses them).
fuzz_args() {
	mkdir -p "$FUZZ/crashes"
	printf '%s\n' -rss_limit_mb=2048 -malloc_limit_mb=128 -timeout=10 \
		"-dict=$RUMPSH_ROOT/tests/fuzz/$2.dict" "-artifact_prefix=$FUZZ/crashes/$1-"
}

# smoke HARNESS: SMOKE seconds from the seeds, in a corpus of this test's own.
smoke() {
	local h=fuzz_$1 drv=${1#*_} args
	[[ -x $FUZZ/$h ]] || { echo "no $FUZZ/$h: make fuzz-build failed" >&2; return 1; }
	mapfile -t args < <(fuzz_args "$h" "$drv")
	mkdir -p "$BATS_TEST_TMPDIR/corpus"
	# libFuzzer caps inputs at 1 MiB unless told: the seeds with a journal are bigger
	local maxlen
	maxlen=$(stat -c %s "$SEEDS/$drv"/* | sort -n | tail -1)
	run timeout -k 5 $((SMOKE + 60)) "$FUZZ/$h" -max_total_time="$SMOKE" -max_len="$maxlen" "${args[@]}" \
		"$BATS_TEST_TMPDIR/corpus" "$SEEDS/$drv"
	if [[ $status -ne 0 ]]; then
		printf '%s\n' "$output" | tail -40 >&2
		echo "$h found a problem (status $status); the input is in $FUZZ/crashes/" >&2
		return 1
	fi
	grep -E '^Done [0-9]+ runs' <<<"$output" >&3 || true
}

# replay DRIVER: every input of tests/fuzz/regress/DRIVER through each harness of the driver.
replay() {
	local drv=$1 h args f inputs=()
	# files only: a directory given to a harness is a corpus to fuzz, not to replay
	for f in "$RUMPSH_ROOT/tests/fuzz/regress/$drv"/*; do
		[[ -f $f ]] && inputs+=("$f")
	done
	for h in "$FUZZ"/fuzz_*_"$drv"; do
		[[ -x $h ]] || continue
		((${#inputs[@]})) || continue
		mapfile -t args < <(fuzz_args "${h##*/}" "$drv")
		run timeout -k 5 600 "$h" "${args[@]}" "${inputs[@]}"
		if [[ $status -ne 0 ]]; then
			printf '%s\n' "$output" | tail -40 >&2
			echo "${h##*/} fails on a regression input (status $status)" >&2
			return 1
		fi
	done
	echo "# $drv: ${#inputs[@]} regression inputs replayed" >&3
}

@test "fuzz_read_ext2: a smoke run on the seeds finds nothing" { smoke read_ext2; }
@test "fuzz_read_ffs: a smoke run on the seeds finds nothing" { smoke read_ffs; }
@test "fuzz_read_msdos: a smoke run on the seeds finds nothing" { smoke read_msdos; }
@test "fuzz_read_cd9660: a smoke run on the seeds finds nothing" { smoke read_cd9660; }
@test "fuzz_write_ffs: a smoke run on the seeds finds nothing" { smoke write_ffs; }
@test "fuzz_write_msdos: a smoke run on the seeds finds nothing" { smoke write_msdos; }
@test "fuzz_write_ext2: a smoke run on the seeds finds nothing" { smoke write_ext2; }

@test "regression inputs of ext2 replay clean" { replay ext2; }
@test "regression inputs of ffs replay clean" { replay ffs; }
@test "regression inputs of msdos replay clean" { replay msdos; }
@test "regression inputs of cd9660 replay clean" { replay cd9660; }

@test "every driver has a seed corpus and a dictionary" {
	local drv
	for drv in ext2 ffs msdos cd9660; do
		compgen -G "$SEEDS/$drv/*" >/dev/null || fail "no seeds for $drv"
		[[ -s $RUMPSH_ROOT/tests/fuzz/$drv.dict ]] || fail "no tests/fuzz/$drv.dict"
		[[ -d $RUMPSH_ROOT/tests/fuzz/regress/$drv ]] || fail "no tests/fuzz/regress/$drv"
	done
}
