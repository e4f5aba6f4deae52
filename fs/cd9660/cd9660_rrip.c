/* cd9660_rrip.c: System Use Sharing Protocol areas and the Rock Ridge entries in them (PX PN SL NM TF CL PL RE ZF). */
#include <errno.h>
#include <string.h>

#include "fs/cd9660/cd9660.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/*
 * A record's system use area holds entries: 2-byte signature, 1-byte
 * length (the whole entry), 1-byte version, data. A CE entry names a
 * continuation area (block, offset, length) read after the current area;
 * a chain of them is bounded (CD9660_MAX_CE) and may not revisit an area,
 * so a hostile loop ends with an error. Each area is copied out of its
 * buffer before it is walked. Every entry is checked against its own
 * length before a byte of it is used.
 */

struct susp_ce {
	int set;
	uint32_t blk, off, len;
};

#define SIG(a, b) ((unsigned)(a) << 8 | (unsigned)(b))

static int short_entry(struct cd9660_mount *imp, uint64_t ino,
    const uint8_t *e, size_t need)
{
	return vfs_corrupt(imp->im_mp, ino, 0, "Rock Ridge %c%c entry of %u "
	    "bytes, expected at least %zu", e[0], e[1], e[2], need);
}

/* Appends n bytes of a symlink target (only counted when not wanted). */
static int sl_put(struct cd9660_mount *imp, uint64_t ino,
    struct cd9660_rr *rr, const void *s, size_t n)
{
	if (rr->rr_linklen + n >= VFS_PATH_MAX)
		return vfs_corrupt(imp->im_mp, ino, 0, "Rock Ridge symlink "
		    "target longer than %d bytes", VFS_PATH_MAX - 1);
	if (rr->rr_link)
		memcpy(rr->rr_link + rr->rr_linklen, s, n);
	rr->rr_linklen += n;
	return 0;
}

/*
 * SL: component records (flags, length, bytes). rr_linkstate carries over
 * between SL entries: 0 nothing yet, 1 after a whole component (a '/' comes
 * next), 2 inside a component continued (flag 0x01), 3 just after the root.
 */
static int rr_sl(struct cd9660_mount *imp, uint64_t ino, const uint8_t *e,
    size_t len, struct cd9660_rr *rr)
{
	size_t i = 5, clen;
	uint8_t cf;
	int error = 0;

	if (len < 5)
		return short_entry(imp, ino, e, 5);
	rr->rr_have |= RR_SL;
	while (error == 0 && i < len) {
		if (i + 2 > len || i + 2 + e[i + 1] > len)
			return vfs_corrupt(imp->im_mp, ino, 0, "Rock Ridge SL "
			    "component at entry byte %zu overruns its entry of "
			    "%zu bytes", i, len);
		cf = e[i];
		clen = e[i + 1];
		if (rr->rr_linkstate == 1)
			error = sl_put(imp, ino, rr, "/", 1);
		if (error)
			break;
		if (cf & 0x08 || cf & 0x10 || cf & 0x20)  /* root, volume root, host */
			error = sl_put(imp, ino, rr, "/", 1);
		else if (cf & 0x02)
			error = sl_put(imp, ino, rr, ".", 1);
		else if (cf & 0x04)
			error = sl_put(imp, ino, rr, "..", 2);
		else
			error = sl_put(imp, ino, rr, e + i + 2, clen);
		rr->rr_linkstate = (cf & 0x38) ? 3 : (cf & 0x01) ? 2 : 1;
		i += 2 + clen;
	}
	return error;
}

/* NM: the name, possibly in several entries (flag 0x01: more follows). */
static int rr_nm(struct cd9660_mount *imp, uint64_t ino, const uint8_t *e,
    size_t len, struct cd9660_rr *rr)
{
	size_t n;

	if (len < 5)
		return short_entry(imp, ino, e, 5);
	/* "." and ".." (0x02, 0x04) and the host name (0x20) name nothing */
	if ((e[4] & 0x26) || rr->rr_namedone)
		return 0;
	n = len - 5;
	if (rr->rr_namelen + n > VFS_NAME_MAX)
		return vfs_corrupt(imp->im_mp, ino, 0, "Rock Ridge NM name "
		    "longer than %d bytes", VFS_NAME_MAX);
	memcpy(rr->rr_name + rr->rr_namelen, e + 5, n);
	rr->rr_namelen += n;
	rr->rr_name[rr->rr_namelen] = '\0';
	rr->rr_have |= RR_NM;
	rr->rr_namedone = !(e[4] & 0x01);
	return 0;
}

/* TF: creation, modify, access, attributes (then times we ignore). */
static int rr_tf(struct cd9660_mount *imp, uint64_t ino, const uint8_t *e,
    size_t len, struct cd9660_rr *rr)
{
	size_t sz, i = 5;
	int64_t t;
	long ns;
	int bit;

	if (len < 5)
		return short_entry(imp, ino, e, 5);
	sz = (e[4] & 0x80) ? 17 : 7;
	for (bit = 0; bit < 7; bit++) {
		if (!(e[4] & (1u << bit)))
			continue;
		/*
		 * makefs cuts the last short stamp's GMT offset byte off;
		 * read it as UTC. Other stamps that do not fit are ignored:
		 * nothing outside the entry is ever read.
		 */
		if (i + sz > len && !(sz == 7 && i + 6 == len))
			break;
		if (bit < 4) {
			uint8_t st[17] = { 0 };
			memcpy(st, e + i, i + sz > len ? len - i : sz);
			ns = 0;
			t = sz == 17 ? cd9660_time17(st, &ns) : cd9660_time7(st);
			if (t != VFS_NOTIME) {
				rr->rr_times[bit].tv_sec = t;
				rr->rr_times[bit].tv_nsec = ns;
				rr->rr_tmask |= 1u << bit;
			}
		}
		i += sz;
	}
	rr->rr_have |= RR_TF;
	return 0;
}

/* ER: which extension the volume uses; only Rock Ridge's ids count. */
static int rr_er(struct cd9660_mount *imp, uint64_t ino, const uint8_t *e,
    size_t len, struct cd9660_rr *rr)
{
	static const char *const ids[] = { "RRIP_1991A", "IEEE_P1282",
	    "IEEE_1282" };
	size_t i;

	if (len < 8 || (size_t)8 + e[4] > len)
		return short_entry(imp, ino, e, len < 8 ? 8 : (size_t)8 + e[4]);
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (e[4] == strlen(ids[i]) && memcmp(e + 8, ids[i], e[4]) == 0)
			rr->rr_have |= RR_ER;
	return 0;
}

/* The fixed-size entries: each needs `need` bytes in all. */
static int rr_fixed(struct cd9660_mount *imp, uint64_t ino, const uint8_t *e,
    size_t len, struct cd9660_rr *rr, struct susp_ce *ce)
{
	static const struct { unsigned sig; size_t need; } sizes[] = {
		{ SIG('S', 'P'), 7 }, { SIG('C', 'E'), 28 }, { SIG('P', 'X'), 36 },
		{ SIG('P', 'N'), 20 }, { SIG('C', 'L'), 12 }, { SIG('P', 'L'), 12 },
		{ SIG('Z', 'F'), 16 },
	};
	unsigned sig = SIG(e[0], e[1]);
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (sizes[i].sig == sig && len < sizes[i].need)
			return short_entry(imp, ino, e, sizes[i].need);
	switch (sig) {
	case SIG('S', 'P'):
		if (e[4] == 0xbe && e[5] == 0xef) {
			rr->rr_have |= RR_SP;
			rr->rr_skip = e[6];
		}
		break;
	case SIG('C', 'E'):
		ce->set = 1;
		ce->blk = le32dec(e + 4);
		ce->off = le32dec(e + 12);
		ce->len = le32dec(e + 20);
		break;
	case SIG('P', 'X'):
		rr->rr_have |= RR_PX;
		rr->rr_mode = (mode_t)le32dec(e + 4);
		rr->rr_nlink = le32dec(e + 12);
		rr->rr_uid = le32dec(e + 20);
		rr->rr_gid = le32dec(e + 28);
		/* RRIP 1.12 adds the file serial number (1.10's PX is 36 bytes) */
		rr->rr_ino = len >= 44 ? le32dec(e + 36) : 0;
		break;
	case SIG('P', 'N'):
		rr->rr_have |= RR_PN;
		rr->rr_dev_hi = le32dec(e + 4);
		rr->rr_dev_lo = le32dec(e + 12);
		break;
	case SIG('C', 'L'):
		rr->rr_have |= RR_CL;
		rr->rr_cl = le32dec(e + 4);
		break;
	case SIG('P', 'L'):
		rr->rr_have |= RR_PL;
		rr->rr_pl = le32dec(e + 4);
		break;
	case SIG('Z', 'F'):
		rr->rr_have |= RR_ZF;
		memcpy(rr->rr_zf_alg, e + 4, 2);
		rr->rr_zf_hdr = e[6];
		rr->rr_zf_log2 = e[7];
		rr->rr_zf_size = le32dec(e + 8);
		break;
	}
	return 0;
}

/* Walks one area; *stop set at an ST entry. */
static int susp_area(struct cd9660_mount *imp, uint64_t ino, const uint8_t *p,
    size_t len, struct cd9660_rr *rr, struct susp_ce *ce, int *stop)
{
	size_t elen;
	int error = 0;

	while (error == 0 && len >= 4 && p[0] != 0) {
		elen = p[2];
		if (elen < 4 || elen > len)
			return vfs_corrupt(imp->im_mp, ino, 0, "SUSP entry %c%c: "
			    "length %zu, expected 4..%zu (the rest of its area)",
			    p[0] >= 0x20 && p[0] < 0x7f ? p[0] : '?',
			    p[1] >= 0x20 && p[1] < 0x7f ? p[1] : '?', elen, len);
		switch (SIG(p[0], p[1])) {
		case SIG('S', 'T'): *stop = 1; return 0;
		case SIG('S', 'L'): error = rr_sl(imp, ino, p, elen, rr); break;
		case SIG('N', 'M'): error = rr_nm(imp, ino, p, elen, rr); break;
		case SIG('T', 'F'): error = rr_tf(imp, ino, p, elen, rr); break;
		case SIG('E', 'R'): error = rr_er(imp, ino, p, elen, rr); break;
		case SIG('R', 'E'): rr->rr_have |= RR_RE; break;
		case SIG('R', 'R'): rr->rr_have |= RR_RR; break;
		default: error = rr_fixed(imp, ino, p, elen, rr, ce); break;
		}
		p += elen;
		len -= elen;
	}
	return error;
}

/* Copies continuation area ce into area[], after checking it. */
static int susp_fetch(struct cd9660_mount *imp, uint64_t ino,
    const struct susp_ce *ce, uint8_t *area)
{
	struct buf *bp;
	int error;

	if (ce->off >= ISO_SECTOR || ce->len == 0 ||
	    ce->len > ISO_SECTOR - ce->off ||
	    (uint64_t)ce->blk * ISO_SECTOR + ISO_SECTOR > imp->im_devsize)
		return vfs_corrupt(imp->im_mp, ino, ce->blk, "SUSP CE: "
		    "continuation area of %u bytes at block %u offset %u is "
		    "not inside one block of the image", ce->len, ce->blk,
		    ce->off);
	error = bread(imp->im_mp->mnt_bc, (uint64_t)ce->blk * ISO_SECTOR,
	    ISO_SECTOR, &bp);
	if (error)
		return error;
	memcpy(area, bp->b_data + ce->off, ce->len);
	brelse(bp);
	return 0;
}

/*
 * Decodes the system use area of rec (after `skip` bytes, SP's LEN_SKP)
 * and its continuation areas into rr. The caller zeroes rr and sets
 * rr_link to a VFS_PATH_MAX buffer if it wants a symlink's target.
 */
int cd9660_rrip_parse(struct cd9660_mount *imp, const struct cd9660_rec *rec,
    unsigned skip, struct cd9660_rr *rr)
{
	uint8_t area[ISO_SECTOR];
	struct susp_ce seen[CD9660_MAX_CE], ce;
	const uint8_t *p = rec->r_raw + rec->r_suaoff + skip;
	size_t len = 0, hops = 0, i;
	int error, stop = 0;

	if (rec->r_suaoff + skip < rec->r_len)
		len = rec->r_len - rec->r_suaoff - skip;
	for (;;) {
		ce.set = 0;
		error = susp_area(imp, rec->r_off, p, len, rr, &ce, &stop);
		if (error || stop || !ce.set)
			return error;
		for (i = 0; i < hops; i++)
			if (seen[i].blk == ce.blk && seen[i].off == ce.off)
				return vfs_corrupt(imp->im_mp, rec->r_off, ce.blk,
				    "SUSP CE loop: continuation area at block "
				    "%u offset %u reached twice", ce.blk, ce.off);
		if (hops == CD9660_MAX_CE)
			return vfs_corrupt(imp->im_mp, rec->r_off, ce.blk,
			    "SUSP: more than %d continuation areas",
			    CD9660_MAX_CE);
		seen[hops++] = ce;
		if ((error = susp_fetch(imp, rec->r_off, &ce, area)) != 0)
			return error;
		p = area;
		len = ce.len;
	}
}
