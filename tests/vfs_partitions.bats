#!/usr/bin/env bats
# vfs_partitions.bats: opening partitions of MBR and GPT disks as IMAGE@N.

load test_helper

# A 24 MiB disk: partition 1 an empty 4 MiB slot, partition 2 an ext4 file system made
# by mkfs.ext4 straight into the partition's byte range (-E offset=).
make_gpt_disk() {
	local out=$1 tree
	tree=$(mktemp -d)
	printf 'in partition two\n' >"$tree/hello.txt"
	truncate -s 24M "$out"
	printf 'label: gpt\nstart=2048, size=8192, type=U, name="esp"\nstart=10240, size=20480, type=L, name="root"\n' |
		sfdisk -q "$out"
	mkfs.ext4 -q -F -E offset=$((10240 * 512)) -d "$tree" "$out" 10M
	rm -rf "$tree"
}

make_mbr_disk() {
	local out=$1 tree
	tree=$(mktemp -d)
	printf 'in a logical partition\n' >"$tree/logical.txt"
	truncate -s 24M "$out"
	printf 'start=2048, size=4096, type=83\nstart=8192, size=40960, type=5\nstart=10240, size=20480, type=83\n' |
		sfdisk -q "$out"
	mkfs.ext2 -q -F -E offset=$((10240 * 512)) -d "$tree" "$out" 10M
	rm -rf "$tree"
}

setup() {
	need_tool sfdisk mkfs.ext4 mkfs.ext2
}

@test "a GPT partition opens as IMAGE@N" {
	local disk
	disk=$(fixture gpt-disk.img make_gpt_disk)
	run_rumpsh "$disk@2" cat /hello.txt
	assert_success
	assert_output 'in partition two'
}

@test "the whole partitioned disk is refused with a list of its partitions" {
	local disk
	disk=$(fixture gpt-disk.img make_gpt_disk)
	run_rumpsh -1 "$disk" ls /
	assert_output ''
	[[ $stderr == *"partitioned disk (gpt)"* ]]
	[[ $stderr == *"$disk@N"* ]]
	[[ $stderr == *"1 (EFI system, 4 MiB)"* ]]
	[[ $stderr == *"2 (Linux filesystem, 10 MiB)"* ]]
}

@test "info on the whole partitioned disk (no file system at its start) lists its partitions, as sfdisk does" {
	local disk
	disk=$(fixture mbr-disk.img make_mbr_disk)
	run_rumpsh "$disk" info
	assert_success
	assert_line "file system: none at the start of the disk; open a partition as $disk@N"
	assert_line 'partition table: mbr'
	# the same starts and sizes (in bytes) as sfdisk's sectors, the logical one as 5
	local start size
	while read -r start size; do
		assert_output --regexp "$((start * 512)) +$((size * 512)) "
	done < <(sfdisk -d "$disk" | sed -n 's/.*start= *\([0-9]*\), size= *\([0-9]*\), type=83.*/\1 \2/p')
	assert_output --regexp '(^|'$'\n'')5 +'
	# a file that is neither: the usual refusal
	head -c 65536 /dev/zero >"$BATS_TEST_TMPDIR/zero.img"
	run_rumpsh -1 "$BATS_TEST_TMPDIR/zero.img" info
	[[ $stderr == *"no supported file system"* ]]
}

@test "info lists the partitions of the disk" {
	local disk
	disk=$(fixture gpt-disk.img make_gpt_disk)
	run_rumpsh "$disk@2" info
	assert_success
	assert_output --partial 'esp'
	assert_output --partial 'root'
	assert_output --partial 'EFI system'
}

@test "a missing partition number is a clear error" {
	local disk
	disk=$(fixture gpt-disk.img make_gpt_disk)
	run_rumpsh -1 "$disk@7" ls /
	[[ $stderr == *"has no partition 7"* ]]
}

@test "an empty partition has no file system" {
	local disk
	disk=$(fixture gpt-disk.img make_gpt_disk)
	run_rumpsh -1 "$disk@1" ls /
	[[ $stderr == *"no supported file system"* ]]
}

@test "a logical partition of an MBR extended partition opens as @5" {
	local disk
	disk=$(fixture mbr-disk.img make_mbr_disk)
	run_rumpsh "$disk@5" cat /logical.txt
	assert_success
	assert_output 'in a logical partition'
}

@test "a file whose own name ends in @N is opened as that file" {
	local tree img
	tree=$BATS_TEST_TMPDIR/tree
	mkdir "$tree"
	printf 'at sign\n' >"$tree/f"
	img=$BATS_TEST_TMPDIR/odd@2
	mkfs.ext2 -q -F -d "$tree" "$img" 2M
	run_rumpsh "$img" cat /f
	assert_success
	assert_output 'at sign'
}

@test "a file system the drivers do not know is refused" {
	local img=$BATS_TEST_TMPDIR/zero.img
	truncate -s 4M "$img"
	run_rumpsh -1 "$img" ls /
	[[ $stderr == *"no supported file system found"* ]]
}
