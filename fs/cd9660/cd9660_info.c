/* cd9660_info.c: what `info` shows: volume identifiers and dates, extensions present, El Torito boot entries. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fs/cd9660/cd9660.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

#define CAT_ENTRY 32   /* El Torito catalog entries are 32 bytes */

/* A space-padded identifier, trailing blanks cut, unprintables as '?'. */
static void put_id(vfs_info_t out, void *arg, const char *key,
    const uint8_t *p, size_t n)
{
	char s[129];
	size_t i;

	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == 0))
		n--;
	for (i = 0; i < n && i < sizeof(s) - 1; i++)
		s[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	s[i] = '\0';
	out(arg, key, s);
}

static void put_date(vfs_info_t out, void *arg, const char *key,
    const uint8_t *p)
{
	char s[64];
	long ns;
	int64_t t = cd9660_time17(p, &ns);
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == VFS_NOTIME || gmtime_r(&tt, &tm) == NULL)
		snprintf(s, sizeof(s), "not set");
	else
		strftime(s, sizeof(s), "%Y-%m-%d %H:%M:%S UTC", &tm);
	out(arg, key, s);
}

static const char *platform(uint8_t id)
{
	switch (id) {
	case 0x00: return "x86";
	case 0x01: return "PowerPC";
	case 0x02: return "Mac";
	case 0xef: return "EFI";
	default: return "unknown";
	}
}

static void put_boot(vfs_info_t out, void *arg, int n, uint8_t plat,
    const uint8_t *e)
{
	static const char *const media[] = { "no emulation", "1.2M floppy",
	    "1.44M floppy", "2.88M floppy", "hard disk" };
	char key[32], val[200];
	unsigned m = e[1] & 0x0f;

	snprintf(key, sizeof(key), "boot entry %d", n);
	snprintf(val, sizeof(val), "platform %s (0x%02x), %s, %s, load "
	    "segment 0x%04x, %u sectors, image at LBA %u", platform(plat), plat,
	    e[0] == 0x88 ? "bootable" : "not bootable",
	    m < 5 ? media[m] : "unknown emulation", le16dec(e + 2),
	    le16dec(e + 6), le32dec(e + 8));
	out(arg, key, val);
}

/* Validation entry, initial entry, then sections of entries (one sector). */
static void put_catalog(vfs_info_t out, void *arg, const uint8_t *c)
{
	unsigned i, k, sum = 0, count, n = 1;
	uint8_t plat = c[1];
	int last = 0;

	for (i = 0; i < CAT_ENTRY; i += 2)
		sum += le16dec(c + i);
	if (c[0] != 1 || c[30] != 0x55 || c[31] != 0xaa || (sum & 0xffff)) {
		out(arg, "boot catalog", "invalid (bad validation entry)");
		return;
	}
	put_boot(out, arg, n++, plat, c + CAT_ENTRY);
	for (i = 2 * CAT_ENTRY; !last && i + CAT_ENTRY <= ISO_SECTOR;) {
		if (c[i] != 0x90 && c[i] != 0x91)
			break;
		last = c[i] == 0x91;
		plat = c[i + 1];
		count = le16dec(c + i + 2);
		i += CAT_ENTRY;
		for (k = 0; k < count && i + CAT_ENTRY <= ISO_SECTOR; k++) {
			put_boot(out, arg, n++, plat, c + i);
			i += CAT_ENTRY;
			/* extension entries (0x44) follow when bit 5 is set */
			while (i + CAT_ENTRY <= ISO_SECTOR && c[i] == 0x44)
				i += CAT_ENTRY;
		}
	}
}

static void put_eltorito(struct cd9660_mount *imp, vfs_info_t out, void *arg)
{
	uint64_t off = (uint64_t)imp->im_boot_catalog * ISO_SECTOR;
	struct buf *bp;
	char s[64];

	if (imp->im_boot_catalog == 0) {
		out(arg, "el torito", "no");
		return;
	}
	snprintf(s, sizeof(s), "boot catalog at sector %u",
	    imp->im_boot_catalog);
	out(arg, "el torito", s);
	if (off + ISO_SECTOR > imp->im_devsize ||
	    bread(imp->im_mp->mnt_bc, off, ISO_SECTOR, &bp) != 0) {
		out(arg, "boot catalog", "invalid (outside the image)");
		return;
	}
	put_catalog(out, arg, bp->b_data);
	brelse(bp);
}

int cd9660_info(struct mount *mp, vfs_info_t out, void *arg)
{
	struct cd9660_mount *imp = VFSTOISO(mp);
	const uint8_t *d = imp->im_pvd;
	static const char *const names[] = { "ISO 9660", "Joliet",
	    "Rock Ridge" };
	char s[96];

	out(arg, "file system", "ISO 9660 (read-only)");
	put_id(out, arg, "volume id", d + ISO_PVD_VOLUME_ID, 32);
	put_id(out, arg, "system id", d + ISO_PVD_SYSTEM_ID, 32);
	put_id(out, arg, "volume set id", d + ISO_PVD_VOLSET_ID, 128);
	put_id(out, arg, "publisher", d + ISO_PVD_PUBLISHER, 128);
	put_id(out, arg, "data preparer", d + ISO_PVD_PREPARER, 128);
	put_id(out, arg, "application", d + ISO_PVD_APPLICATION, 128);
	put_date(out, arg, "created", d + ISO_PVD_CREATED);
	put_date(out, arg, "modified", d + ISO_PVD_MODIFIED);
	put_date(out, arg, "expires", d + ISO_PVD_EXPIRES);
	put_date(out, arg, "effective", d + ISO_PVD_EFFECTIVE);
	out(arg, "block size", "2048");
	snprintf(s, sizeof(s), "%u blocks (%llu bytes)", imp->im_volblocks,
	    (unsigned long long)imp->im_volblocks * ISO_SECTOR);
	out(arg, "volume size", s);
	out(arg, "rock ridge", imp->im_has_rrip ? "yes" :
	    vfs_opt(mp, "norrip") || vfs_opt(mp, "norock") ? "not read (norrip)" :
	    "no");
	if (imp->im_svd_sector)
		snprintf(s, sizeof(s), "yes (level %d)", imp->im_joliet_level);
	out(arg, "joliet", imp->im_svd_sector ? s : "no");
	out(arg, "names from", names[imp->im_names]);
	put_eltorito(imp, out, arg);
	return 0;
}
