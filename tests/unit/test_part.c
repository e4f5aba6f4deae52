/* test_part.c: MBR and GPT partition tables, including hostile ones. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/unit.h"
#include "vfs/blkdev.h"
#include "vfs/endian.h"
#include "vfs/part.h"

#define DISK_SECTORS 8192   /* a 4 MiB disk */

static char path[64];
static uint8_t disk[DISK_SECTORS * 512];

static void mbr_entry(uint8_t *sector, int slot, uint8_t type,
    uint32_t start, uint32_t len)
{
	uint8_t *e = sector + 446 + 16 * slot;

	e[4] = type;
	le32enc(e + 8, start);
	le32enc(e + 12, len);
	le16enc(sector + 510, 0xaa55);
}

/* Writes the disk buffer and scans it; returns part_scan's error. */
static int scan(struct part_table *pt, char *err, size_t errsize)
{
	struct blkdev *bd;
	FILE *f = fopen(path, "w");
	int error;

	fwrite(disk, 1, sizeof(disk), f);
	fclose(f);
	if (blkdev_open(path, 0, &bd) != 0)
		return -1;
	error = part_scan(bd, pt, err, errsize);
	blkdev_close(bd);
	return error;
}

static void test_no_table(void)
{
	struct part_table pt;
	char err[128];

	memset(disk, 0, sizeof(disk));
	CHECK_EQ(scan(&pt, err, sizeof(err)), 0);
	CHECK_EQ(pt.pt_count, 0);
	/* a FAT boot sector: 55 AA but jump code and BPB where entries are */
	memset(disk + 446, 0x41, 64);
	le16enc(disk + 510, 0xaa55);
	CHECK_EQ(scan(&pt, err, sizeof(err)), 0);
	CHECK_EQ(pt.pt_count, 0);
}

static void test_mbr_primary_and_logical(void)
{
	struct part_table pt;
	char err[128];

	memset(disk, 0, sizeof(disk));
	mbr_entry(disk, 0, 0x83, 2048, 2048);
	mbr_entry(disk, 1, 0x05, 4096, 4096);
	/* EBR at 4096: logical at +63 (63 sectors), next EBR at +2048 */
	mbr_entry(disk + 4096 * 512, 0, 0x0c, 63, 100);
	mbr_entry(disk + 4096 * 512, 1, 0x05, 2048, 2048);
	mbr_entry(disk + 6144 * 512, 0, 0x83, 1, 1000);
	CHECK_EQ(scan(&pt, err, sizeof(err)), 0);
	CHECK(strcmp(pt.pt_scheme, "mbr") == 0);
	CHECK_EQ(pt.pt_count, 4);
	CHECK_EQ(pt.pt_entries[0].pe_index, 1);
	CHECK_EQ(pt.pt_entries[0].pe_start, 2048 * 512);
	CHECK(strcmp(pt.pt_entries[0].pe_desc, "Linux") == 0);
	CHECK_EQ(pt.pt_entries[2].pe_index, 5);
	CHECK_EQ(pt.pt_entries[2].pe_start, (4096 + 63) * 512);
	CHECK(strcmp(pt.pt_entries[2].pe_type, "0x0c") == 0);
	CHECK_EQ(pt.pt_entries[3].pe_index, 6);
	CHECK_EQ(pt.pt_entries[3].pe_start, (6144 + 1) * 512);
}

static void test_mbr_ebr_loop(void)
{
	struct part_table pt;
	char err[128];

	memset(disk, 0, sizeof(disk));
	mbr_entry(disk, 0, 0x05, 4096, 4096);
	mbr_entry(disk + 4096 * 512, 0, 0x83, 1, 10);
	mbr_entry(disk + 4096 * 512, 1, 0x05, 0xffffffff, 1);  /* wraps */
	CHECK(scan(&pt, err, sizeof(err)) != 0);
	mbr_entry(disk + 4096 * 512, 1, 0x05, 0, 1);          /* ends */
	CHECK_EQ(scan(&pt, err, sizeof(err)), 0);
	/* points back at itself: must stop with an error, not loop */
	memset(disk, 0, sizeof(disk));
	mbr_entry(disk, 0, 0x05, 4096, 4096);
	mbr_entry(disk + 4096 * 512, 0, 0x83, 1, 10);
	mbr_entry(disk + 4096 * 512, 1, 0x05, 2048, 10);
	mbr_entry(disk + 6144 * 512, 0, 0x83, 1, 10);
	mbr_entry(disk + 6144 * 512, 1, 0x05, 2048, 10);
	CHECK_EQ(scan(&pt, err, sizeof(err)), EUCLEAN);
	CHECK(strstr(err, "loop") != NULL);
}

static void test_mbr_entry_outside_disk_is_not_a_table(void)
{
	struct part_table pt;
	char err[128];

	memset(disk, 0, sizeof(disk));
	mbr_entry(disk, 0, 0x83, 2048, 1u << 30);
	CHECK_EQ(scan(&pt, err, sizeof(err)), 0);
	CHECK_EQ(pt.pt_count, 0);
}

/* A GPT made by sfdisk, then its entry array damaged. */
static void test_gpt(void)
{
	struct part_table pt;
	char err[128], cmd[256];
	FILE *f;

	memset(disk, 0, sizeof(disk));
	f = fopen(path, "w");
	fwrite(disk, 1, sizeof(disk), f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "printf 'label: gpt\\nstart=2048, size=2048,"
	    " type=U, name=\"efi part\"\\nstart=4096, size=2048, type=L\\n' | "
	    "sfdisk -q %s >/dev/null 2>&1", path);
	if (system(cmd) != 0) {
		printf("# missing tool: sfdisk (run make deps)\n");
		CHECK(0);
		return;
	}
	f = fopen(path, "r");
	CHECK(fread(disk, 1, sizeof(disk), f) == sizeof(disk));
	fclose(f);
	CHECK_EQ(scan(&pt, err, sizeof(err)), 0);
	CHECK(strcmp(pt.pt_scheme, "gpt") == 0);
	CHECK_EQ(pt.pt_count, 2);
	CHECK_EQ(pt.pt_entries[0].pe_start, 2048 * 512);
	CHECK_EQ(pt.pt_entries[1].pe_size, 2048 * 512);
	CHECK(strcmp(pt.pt_entries[0].pe_desc, "EFI system") == 0);
	CHECK(strcmp(pt.pt_entries[0].pe_name, "efi part") == 0);
	CHECK(strcmp(pt.pt_entries[1].pe_desc, "Linux filesystem") == 0);
	disk[1024 + 32] ^= 0x80;  /* first entry's start: the CRC catches it */
	CHECK_EQ(scan(&pt, err, sizeof(err)), EUCLEAN);
	CHECK(strstr(err, "checksum") != NULL);
}

int main(void)
{
	snprintf(path, sizeof(path), "/tmp/rumpsh-part-%d.img", (int)getpid());
	RUN(test_no_table);
	RUN(test_mbr_primary_and_logical);
	RUN(test_mbr_ebr_loop);
	RUN(test_mbr_entry_outside_disk_is_not_a_table);
	RUN(test_gpt);
	unlink(path);
	return DONE();
}
