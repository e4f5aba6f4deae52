/* part.h: MBR and GPT partition tables. */
#ifndef RUMPSH_PART_H
#define RUMPSH_PART_H

#include <stdint.h>

struct blkdev;

#define PART_MAX 128

struct part_entry {
	int pe_index;           /* 1-based, as "disk.img@N" names it */
	uint64_t pe_start;      /* bytes from the start of the disk */
	uint64_t pe_size;       /* bytes */
	char pe_type[40];       /* "0x83" for MBR, a GUID for GPT */
	char pe_desc[40];       /* "Linux", "EFI system", ... or "" */
	char pe_name[72];       /* GPT partition name (UTF-8), or "" */
};

struct part_table {
	char pt_scheme[8];      /* "mbr", "gpt" or "" when there is no table */
	int pt_count;
	struct part_entry pt_entries[PART_MAX];
};

/*
 * Reads the partition table of a whole disk. No table: 0 with pt_count 0
 * and scheme "". A table whose entries point outside the disk or overlap
 * the table itself: EUCLEAN with a message in errbuf.
 */
int part_scan(struct blkdev *bd, struct part_table *pt, char *errbuf,
    size_t errbufsize);

#endif
