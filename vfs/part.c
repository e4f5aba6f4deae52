/* part.c: reading MBR (with extended partitions) and GPT partition tables. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vfs/blkdev.h"
#include "vfs/endian.h"
#include "vfs/part.h"

#define MBR_SECTOR      512
#define MBR_TABLE_OFF   446
#define MBR_SIG_OFF     510
#define MBR_TYPE_GPT    0xee
#define MBR_MAX_LOGICAL 124   /* bounds an EBR chain, loops included */
#define GPT_MAX_TABLE   (1u << 20)

struct type_name {
	const char *key;
	const char *desc;
};

static const struct type_name mbr_types[] = {
	{ "0x01", "FAT12" }, { "0x04", "FAT16 <32M" }, { "0x05", "Extended" },
	{ "0x06", "FAT16" }, { "0x07", "NTFS/exFAT" }, { "0x0b", "FAT32" },
	{ "0x0c", "FAT32 (LBA)" }, { "0x0e", "FAT16 (LBA)" },
	{ "0x0f", "Extended (LBA)" }, { "0x82", "Linux swap" },
	{ "0x83", "Linux" }, { "0x85", "Linux extended" }, { "0x8e", "Linux LVM" },
	{ "0xa5", "FreeBSD" }, { "0xa6", "OpenBSD" }, { "0xa9", "NetBSD" },
	{ "0xee", "GPT protective" }, { "0xef", "EFI system" },
	{ NULL, NULL }
};

static const struct type_name gpt_types[] = {
	{ "c12a7328-f81f-11d2-ba4b-00a0c93ec93b", "EFI system" },
	{ "0fc63daf-8483-4772-8e79-3d69d8477de4", "Linux filesystem" },
	{ "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7", "Microsoft basic data" },
	{ "21686148-6449-6e6f-744e-656564454649", "BIOS boot" },
	{ "0657fd6d-a4ab-43c4-84e5-0933c84b4f4f", "Linux swap" },
	{ "e6d6d379-f507-44c2-a23c-238f2a3df928", "Linux LVM" },
	{ "516e7cb6-6ecf-11d6-8ff8-00022d09712b", "FreeBSD UFS" },
	{ "49f48d5a-b10e-11dc-b99b-0019d1879648", "NetBSD FFS" },
	{ "824cc7a0-36a8-11e3-890a-952519ad3f61", "OpenBSD data" },
	{ NULL, NULL }
};

static void part_describe(struct part_entry *pe, const struct type_name *t)
{
	for (; t->key; t++)
		if (strcmp(t->key, pe->pe_type) == 0) {
			snprintf(pe->pe_desc, sizeof(pe->pe_desc), "%s", t->desc);
			return;
		}
}

/* IEEE 802.3 CRC-32, as GPT uses for its header and entry array. */
static uint32_t gpt_crc32(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xffffffffu;
	int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

static void gpt_guid_str(const uint8_t *g, char *out, size_t outsize)
{
	snprintf(out, outsize,
	    "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    le32dec(g), le16dec(g + 4), le16dec(g + 6), g[8], g[9], g[10],
	    g[11], g[12], g[13], g[14], g[15]);
}

/* UTF-16LE partition name to UTF-8 (BMP only; surrogates become '?'). */
static void gpt_name_str(const uint8_t *n, size_t units, char *out,
    size_t outsize)
{
	size_t i, o = 0;

	for (i = 0; i < units; i++) {
		unsigned c = le16dec(n + 2 * i);
		if (c == 0)
			break;
		if (c >= 0xd800 && c < 0xe000)
			c = '?';
		if (c < 0x80 && o + 1 < outsize) {
			out[o++] = (char)c;
		} else if (c < 0x800 && o + 2 < outsize) {
			out[o++] = (char)(0xc0 | c >> 6);
			out[o++] = (char)(0x80 | (c & 0x3f));
		} else if (c >= 0x800 && o + 3 < outsize) {
			out[o++] = (char)(0xe0 | c >> 12);
			out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (c & 0x3f));
		} else {
			break;
		}
	}
	out[o] = '\0';
}

static int part_fail(char *errbuf, size_t errbufsize, const char *msg,
    unsigned long long a)
{
	snprintf(errbuf, errbufsize, msg, a);
	return EUCLEAN;
}

static int gpt_read_entries(struct blkdev *bd, const uint8_t *hdr,
    uint64_t sector, struct part_table *pt, char *errbuf, size_t errbufsize)
{
	uint64_t table_lba = le64dec(hdr + 72);
	uint32_t count = le32dec(hdr + 80), esize = le32dec(hdr + 84);
	uint8_t *tab;
	uint32_t i;
	int error;

	if (esize < 128 || esize % 8 != 0 || count == 0 ||
	    (uint64_t)count * esize > GPT_MAX_TABLE)
		return part_fail(errbuf, errbufsize,
		    "GPT entry array: %llu entries of unsupported size", count);
	tab = malloc((size_t)count * esize);
	if (tab == NULL)
		return ENOMEM;
	error = table_lba > bd->bd_size / sector ? EIO :
	    blkdev_read(bd, table_lba * sector, tab, (size_t)count * esize);
	if (error) {
		free(tab);
		return part_fail(errbuf, errbufsize,
		    "GPT entry array at sector %llu is outside the disk",
		    (unsigned long long)table_lba);
	}
	if (gpt_crc32(tab, (size_t)count * esize) != le32dec(hdr + 88)) {
		free(tab);
		return part_fail(errbuf, errbufsize,
		    "GPT entry array checksum mismatch (%llu entries)", count);
	}
	for (i = 0; i < count && pt->pt_count < PART_MAX; i++) {
		const uint8_t *e = tab + (size_t)i * esize;
		uint64_t first = le64dec(e + 32), last = le64dec(e + 40);
		struct part_entry *pe;
		static const uint8_t zero[16];

		if (memcmp(e, zero, 16) == 0)
			continue;
		if (last < first || last >= bd->bd_size / sector) {
			free(tab);
			return part_fail(errbuf, errbufsize,
			    "GPT partition %llu lies outside the disk", i + 1ull);
		}
		pe = &pt->pt_entries[pt->pt_count++];
		memset(pe, 0, sizeof(*pe));
		pe->pe_index = (int)i + 1;
		pe->pe_start = first * sector;
		pe->pe_size = (last - first + 1) * sector;
		gpt_guid_str(e, pe->pe_type, sizeof(pe->pe_type));
		part_describe(pe, gpt_types);
		gpt_name_str(e + 56, (esize - 56) / 2 < 36 ? (esize - 56) / 2 : 36,
		    pe->pe_name, sizeof(pe->pe_name));
	}
	free(tab);
	return 0;
}

/* GPT header at LBA 1, for 512- and 4096-byte sectors. ENOENT: none found. */
static int gpt_scan(struct blkdev *bd, struct part_table *pt, char *errbuf,
    size_t errbufsize)
{
	static const uint32_t sectors[] = { 512, 4096 };
	uint8_t hdr[512];
	uint32_t hsize, crc;
	size_t k;

	for (k = 0; k < 2; k++) {
		uint64_t sector = sectors[k];
		if (blkdev_read(bd, sector, hdr, sizeof(hdr)) != 0 ||
		    memcmp(hdr, "EFI PART", 8) != 0)
			continue;
		hsize = le32dec(hdr + 12);
		if (hsize < 92 || hsize > sizeof(hdr))
			return part_fail(errbuf, errbufsize,
			    "GPT header size %llu is invalid", hsize);
		crc = le32dec(hdr + 16);
		memset(hdr + 16, 0, 4);
		if (gpt_crc32(hdr, hsize) != crc)
			return part_fail(errbuf, errbufsize,
			    "GPT header checksum mismatch (stored 0x%08llx)", crc);
		snprintf(pt->pt_scheme, sizeof(pt->pt_scheme), "gpt");
		return gpt_read_entries(bd, hdr, sector, pt, errbuf, errbufsize);
	}
	return ENOENT;
}

static int mbr_is_extended(uint8_t type)
{
	return type == 0x05 || type == 0x0f || type == 0x85;
}

static void mbr_add(struct part_table *pt, int index, uint8_t type,
    uint64_t start, uint64_t size)
{
	struct part_entry *pe = &pt->pt_entries[pt->pt_count++];

	memset(pe, 0, sizeof(*pe));
	pe->pe_index = index;
	pe->pe_start = start;
	pe->pe_size = size;
	snprintf(pe->pe_type, sizeof(pe->pe_type), "0x%02x", type);
	part_describe(pe, mbr_types);
}

/* Logical partitions: a chain of EBRs, each relative to the extended one. */
static int mbr_scan_logical(struct blkdev *bd, uint64_t ext_lba,
    struct part_table *pt, char *errbuf, size_t errbufsize)
{
	uint8_t s[MBR_SECTOR];
	uint64_t ebr = ext_lba;
	int index = 5, n;

	for (n = 0; n < MBR_MAX_LOGICAL && pt->pt_count < PART_MAX; n++) {
		if (blkdev_read(bd, ebr * MBR_SECTOR, s, sizeof(s)) != 0 ||
		    le16dec(s + MBR_SIG_OFF) != 0xaa55)
			return part_fail(errbuf, errbufsize,
			    "extended boot record at sector %llu is unreadable",
			    (unsigned long long)ebr);
		const uint8_t *e = s + MBR_TABLE_OFF;
		uint64_t start = ebr + le32dec(e + 8), len = le32dec(e + 12);
		if (e[4] != 0 && len != 0) {
			if ((start + len) * MBR_SECTOR > bd->bd_size)
				return part_fail(errbuf, errbufsize,
				    "logical partition %llu lies outside the disk",
				    (unsigned long long)index);
			mbr_add(pt, index++, e[4], start * MBR_SECTOR,
			    len * MBR_SECTOR);
		}
		e += 16;
		if (e[4] == 0 || le32dec(e + 8) == 0)
			return 0;
		ebr = ext_lba + le32dec(e + 8);
	}
	return part_fail(errbuf, errbufsize,
	    "extended partition chain longer than %llu entries (a loop?)",
	    MBR_MAX_LOGICAL);
}

/*
 * A boot sector of an unpartitioned FAT volume also ends in 55 AA, so a
 * table counts only if every slot looks like a partition entry.
 */
static int mbr_plausible(const uint8_t *s, uint64_t disk_sectors)
{
	int i, used = 0;

	for (i = 0; i < 4; i++) {
		const uint8_t *e = s + MBR_TABLE_OFF + 16 * i;
		uint64_t start = le32dec(e + 8), len = le32dec(e + 12);
		if (e[0] != 0x00 && e[0] != 0x80)
			return 0;
		if (e[4] == 0)
			continue;
		if (e[4] == MBR_TYPE_GPT) {  /* protective: may claim 2 TiB */
			used++;
			continue;
		}
		if (start == 0 || len == 0 || start + len > disk_sectors)
			return 0;
		used++;
	}
	return used > 0;
}

static int mbr_scan(struct blkdev *bd, const uint8_t *s, struct part_table *pt,
    char *errbuf, size_t errbufsize)
{
	int i, error;

	snprintf(pt->pt_scheme, sizeof(pt->pt_scheme), "mbr");
	for (i = 0; i < 4; i++) {
		const uint8_t *e = s + MBR_TABLE_OFF + 16 * i;
		uint64_t start = le32dec(e + 8), len = le32dec(e + 12);
		if (e[4] == 0)
			continue;
		mbr_add(pt, i + 1, e[4], start * MBR_SECTOR, len * MBR_SECTOR);
		if (mbr_is_extended(e[4])) {
			error = mbr_scan_logical(bd, start, pt, errbuf,
			    errbufsize);
			if (error)
				return error;
		}
	}
	return 0;
}

int part_scan(struct blkdev *bd, struct part_table *pt, char *errbuf,
    size_t errbufsize)
{
	uint8_t s[MBR_SECTOR];
	int error, i;

	memset(pt, 0, sizeof(*pt));
	if (bd->bd_size < MBR_SECTOR ||
	    blkdev_read(bd, 0, s, sizeof(s)) != 0 ||
	    le16dec(s + MBR_SIG_OFF) != 0xaa55 ||
	    !mbr_plausible(s, bd->bd_size / MBR_SECTOR))
		return 0;
	for (i = 0; i < 4; i++)
		if (s[MBR_TABLE_OFF + 16 * i + 4] == MBR_TYPE_GPT) {
			error = gpt_scan(bd, pt, errbuf, errbufsize);
			if (error != ENOENT)
				return error;
			memset(pt, 0, sizeof(*pt));
		}
	return mbr_scan(bd, s, pt, errbuf, errbufsize);
}
