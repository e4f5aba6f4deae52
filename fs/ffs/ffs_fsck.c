/* ffs_fsck.c: the FFS checker: inodes and their blocks, directories, link counts, group maps and summaries. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vfs/bio.h"
#include "fs/ffs/ffs.h"

/*
 * The passes of the BSD fsck_ffs, in a simpler form:
 *  1  every inode: mode, size, block pointers (in range, not claimed twice),
 *     block count; builds the map of fragments in use;
 *  2  every directory: chunk structure, entries pointing at live inodes,
 *     ".", ".." and the parent each directory really has;
 *  4  link counts against the references counted in pass 2;
 *  5  each group's inode and fragment maps, cluster map, fragment and
 *     cluster summaries and free counts, the summary area and the totals,
 *     all rebuilt from passes 1-4 and compared with what is on disk.
 * With FSCK_REPAIR an inode that cannot be trusted (bad mode, bad or
 * duplicate blocks, no name left) is cleared, bad entries are cleared,
 * link counts set, and pass 5 writes the rebuilt maps and counts. The
 * work is bounded: each inode is visited once per walk, an indirect block
 * already seen is not entered again, and directories are read chunk by
 * chunk within their size.
 */

#define IS_FREE  0
#define IS_FILE  1
#define IS_DIR   2
#define IS_CLEAR 3      /* to be (or was) cleared */

#define FSCK_MAXLINES 200

struct fsck {
	struct ffs_mount *fm;
	int repair;
	vfs_fsck_report_t report;
	void *arg;
	unsigned lines;
	unsigned errors, fixed;
	int dirty;              /* something was cleared: walk blocks again */
	uint8_t *used;          /* fragments in use, one bit each */
	uint8_t *state;         /* IS_* per inode */
	uint16_t *nlink;
	uint32_t *refs;         /* entries naming each inode */
	uint32_t *parent;       /* directory whose (non-dot) entry names it */
	uint32_t *dotdot;       /* what its ".." entry says */
	uint8_t *hasdot;        /* directory has its "." entry */
	int64_t *ndir;          /* directories per group */
};

static void fsck_say(struct fsck *fk, int fixable, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One problem, one line; counts it as fixed when repairing and fixable. */
static void fsck_say(struct fsck *fk, int fixable, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	size_t n;

	fk->errors++;
	if (fk->repair && fixable)
		fk->fixed++;
	if (++fk->lines > FSCK_MAXLINES) {
		if (fk->lines == FSCK_MAXLINES + 1)
			fk->report(fk->arg, "more problems: not listed");
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = strlen(msg);
	if (fixable && n + 16 < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - n, fk->repair ? " (fixed)" :
		    " (not fixed)");
	fk->report(fk->arg, msg);
}

static int fsck_isset(const uint8_t *m, uint64_t i)
{
	return (m[i >> 3] >> (i & 7)) & 1;
}

static void fsck_put(uint8_t *m, uint64_t i, int v)
{
	if (v)
		m[i >> 3] |= (uint8_t)(1u << (i & 7));
	else
		m[i >> 3] &= (uint8_t)~(1u << (i & 7));
}

/* Marks the group metadata and the summary area as in use. */
static void fsck_mark_meta(struct fsck *fk)
{
	struct ffs_mount *fm = fk->fm;
	uint64_t d, lo;
	uint32_t c;

	memset(fk->used, 0, (fm->fm_size + 7) / 8);
	for (c = 0; c < fm->fm_ncg; c++) {
		lo = c == 0 ? 0 : ffs_cgstart(fm, c) + fm->fm_sblkno;
		for (d = lo; d < ffs_cgdmin(fm, c); d++)
			fsck_put(fk->used, d, 1);
	}
	for (d = 0; d < (fm->fm_cssize + fm->fm_fsize - 1) / fm->fm_fsize; d++)
		fsck_put(fk->used, fm->fm_csaddr + d, 1);
}

/* Claims nfr fragments for ino: 0, or 1 if bad, 2 if already claimed. */
static int fsck_claim(struct fsck *fk, uint64_t ino, uint64_t d, uint32_t nfr,
    int quiet)
{
	uint32_t i;

	if (!ffs_daddr_ok(fk->fm, d, nfr)) {
		if (!quiet)
			fsck_say(fk, 1, "inode %llu: block %llu out of range",
			    (unsigned long long)ino, (unsigned long long)d);
		return 1;
	}
	for (i = 0; i < nfr; i++)
		if (fsck_isset(fk->used, d + i)) {
			if (!quiet)
				fsck_say(fk, 1, "inode %llu: block %llu is "
				    "also used elsewhere (duplicate)",
				    (unsigned long long)ino,
				    (unsigned long long)(d + i));
			return 2;
		}
	for (i = 0; i < nfr; i++)
		fsck_put(fk->used, d + i, 1);
	return 0;
}

struct fsck_walk {
	struct fsck *fk;
	uint64_t ino;
	uint64_t nblocks;       /* lbns that may hold data */
	uint64_t frags;         /* fragments claimed */
	int bad, quiet;
};

/* Claims an indirect block and what it maps (level 1..3 from lbn base). */
static int fsck_indir(struct fsck_walk *w, uint64_t blk, int level,
    uint64_t base)
{
	struct ffs_mount *fm = w->fk->fm;
	uint64_t span = 1, i, p;
	struct buf *bp;
	int k, error = 0, r;

	for (k = 1; k < level; k++)
		span *= fm->fm_nindir;
	if ((r = fsck_claim(w->fk, w->ino, blk, fm->fm_frag, w->quiet)) != 0 ||
	    blk % fm->fm_frag != 0) {
		w->bad = 1;
		return 0;
	}
	w->frags += fm->fm_frag;
	if ((error = bread(fm->fm_bc, ffs_fsbyte(fm, blk), fm->fm_bsize,
	    &bp)) != 0)
		return error;
	for (i = 0; i < fm->fm_nindir && !w->bad && error == 0; i++) {
		if ((p = ffs_ptr_get(fm, bp->b_data, i)) == 0)
			continue;
		if (base + i * span >= w->nblocks) {
			if (!w->quiet)
				fsck_say(w->fk, 1, "inode %llu: block pointer "
				    "past the end of the file",
				    (unsigned long long)w->ino);
			w->bad = 1;
		} else if (level > 1)
			error = fsck_indir(w, p, level - 1, base + i * span);
		else if (fsck_claim(w->fk, w->ino, p, fm->fm_frag, w->quiet))
			w->bad = 1;
		else
			w->frags += fm->fm_frag;
	}
	brelse(bp);
	return error;
}

/* Claims every block of an inode (data, indirect, extended attributes). */
static int fsck_blocks(struct fsck_walk *w, const struct ffs_dinode *di)
{
	struct ffs_mount *fm = w->fk->fm;
	uint64_t base = FFS_NDADDR, span = fm->fm_nindir, i;
	uint32_t nfr, left;
	int level, error = 0;

	w->nblocks = (di->di_size + fm->fm_bsize - 1) / fm->fm_bsize;
	for (i = 0; i < FFS_NDADDR && !w->bad; i++) {
		if (di->di_db[i] == 0)
			continue;
		nfr = ffs_blksize(fm, di->di_size, i) / fm->fm_fsize;
		if (i >= w->nblocks || fsck_claim(w->fk, w->ino, di->di_db[i],
		    nfr, w->quiet)) {
			if (i >= w->nblocks && !w->quiet)
				fsck_say(w->fk, 1, "inode %llu: block pointer "
				    "past the end of the file",
				    (unsigned long long)w->ino);
			w->bad = 1;
		} else
			w->frags += nfr;
	}
	for (level = 1; level <= FFS_NIADDR && !w->bad && error == 0; level++) {
		if (di->di_ib[level - 1] != 0)
			error = fsck_indir(w, di->di_ib[level - 1], level, base);
		base += span;
		span *= fm->fm_nindir;
	}
	for (i = 0, left = di->di_extsize; fm->fm_ufs2 && left > 0 &&
	    i < FFS_NXADDR && !w->bad; i++) {
		uint32_t sz = left < fm->fm_bsize ? left : fm->fm_bsize;
		nfr = (sz + fm->fm_fsize - 1) / fm->fm_fsize;
		if (fsck_claim(w->fk, w->ino, di->di_extb[i], nfr, w->quiet))
			w->bad = 1;
		w->frags += nfr;
		left -= sz;
	}
	return error;
}

/* Does this inode's pointer area hold block addresses? */
static int fsck_has_blocks(const struct ffs_mount *fm,
    const struct ffs_dinode *di)
{
	if (S_ISREG(di->di_mode) || S_ISDIR(di->di_mode))
		return 1;
	return S_ISLNK(di->di_mode) && di->di_size >= fm->fm_maxsymlinklen;
}

/* Zeroes an inode that cannot be trusted (its maps are rebuilt in pass 5). */
static int fsck_clear(struct fsck *fk, uint64_t ino)
{
	fk->state[ino] = IS_CLEAR;
	fk->dirty = 1;
	if (!fk->repair)
		return 0;
	return ffs_iclear(fk->fm, ino);
}

/* Checks one allocated inode; pass 1 (quiet on the second walk). */
static int fsck_inode(struct fsck *fk, uint64_t ino, struct ffs_dinode *di,
    int quiet)
{
	struct ffs_mount *fm = fk->fm;
	struct fsck_walk w = { fk, ino, 0, 0, 0, quiet };
	int error;

	if (vfs_mode_to_vtype(di->di_mode) == VNON ||
	    di->di_size > fm->fm_maxfilesize ||
	    (S_ISDIR(di->di_mode) && di->di_size % FFS_DIRBLKSIZ) ||
	    (S_ISLNK(di->di_mode) && di->di_size > fm->fm_bsize)) {
		if (!quiet)
			fsck_say(fk, 1, "inode %llu: bad mode %#o or size %llu:"
			    " cleared", (unsigned long long)ino, di->di_mode,
			    (unsigned long long)di->di_size);
		return fsck_clear(fk, ino);
	}
	if (fsck_has_blocks(fm, di) && (error = fsck_blocks(&w, di)) != 0)
		return error;
	if (w.bad) {
		if (!quiet)
			fsck_say(fk, 1, "inode %llu: has bad or duplicate blocks:"
			    " cleared", (unsigned long long)ino);
		return fsck_clear(fk, ino);
	}
	if (!quiet && w.frags * (fm->fm_fsize / FFS_DEV_BSIZE) != di->di_blocks) {
		fsck_say(fk, 1, "inode %llu: block count %llu, expected %llu",
		    (unsigned long long)ino, (unsigned long long)di->di_blocks,
		    (unsigned long long)(w.frags * (fm->fm_fsize /
		    FFS_DEV_BSIZE)));
		di->di_blocks = w.frags * (fm->fm_fsize / FFS_DEV_BSIZE);
		if (fk->repair && (error = ffs_iwrite(fm, ino, di)) != 0)
			return error;
	}
	fk->state[ino] = S_ISDIR(di->di_mode) ? IS_DIR : IS_FILE;
	fk->nlink[ino] = di->di_nlink;
	if (S_ISDIR(di->di_mode))
		fk->ndir[ino / fm->fm_ipg]++;
	return 0;
}

/* The inodes of group c that may be in use (UFS2: only initialized ones). */
static int fsck_group_inodes(struct fsck *fk, uint32_t c, uint32_t *n)
{
	struct ffs_mount *fm = fk->fm;
	struct buf *bp;
	int error;

	*n = fm->fm_ipg;
	if (!fm->fm_ufs2)
		return 0;
	if ((error = bread(fm->fm_bc, ffs_fsbyte(fm, ffs_cgtod(fm, c)),
	    fm->fm_cgsize, &bp)) != 0)
		return error;
	if (ffs_cg_check(fm, c, bp->b_data) == 0)
		*n = ffs_get32(fm, bp->b_data + FFS_CG_INITEDIBLK);
	brelse(bp);
	return 0;
}

/* Pass 1 (or a quiet re-walk after clearing): every inode of every group. */
static int fsck_pass1(struct fsck *fk, int quiet)
{
	struct ffs_mount *fm = fk->fm;
	struct ffs_dinode di;
	uint64_t ino;
	uint32_t c, i, n;
	int error;

	fsck_mark_meta(fk);
	memset(fk->ndir, 0, fm->fm_ncg * sizeof(*fk->ndir));
	for (c = 0; c < fm->fm_ncg; c++) {
		if ((error = fsck_group_inodes(fk, c, &n)) != 0)
			return error;
		for (i = 0; i < n; i++) {
			ino = (uint64_t)c * fm->fm_ipg + i;
			if (ino < FFS_ROOTINO || fk->state[ino] == IS_CLEAR)
				continue;
			if (quiet && fk->state[ino] == IS_FREE)
				continue;
			if ((error = ffs_iread(fm, ino, &di)) != 0)
				return error;
			if (di.di_mode == 0)
				continue;
			if ((error = fsck_inode(fk, ino, &di, quiet)) != 0)
				return error;
		}
	}
	return 0;
}

static int fsck_isdotname(const uint8_t *e, int dots)
{
	return e[FFS_D_NAMLEN] == dots && e[FFS_D_NAME] == '.' &&
	    (dots == 1 || e[FFS_D_NAME + 1] == '.');
}

/* Checks one entry of directory dino; may clear it. Returns 1 if changed. */
static int fsck_entry(struct fsck *fk, uint64_t dino, uint8_t *e,
    uint64_t off)
{
	struct ffs_mount *fm = fk->fm;
	uint64_t ino = ffs_get32(fm, e + FFS_D_INO);
	int namelen = e[FFS_D_NAMLEN];
	const char *name = (const char *)e + FFS_D_NAME;

	if (ino == 0 || e[FFS_D_TYPE] == FFS_DT_WHT)
		return 0;
	if (ino < FFS_ROOTINO || fk->state[ino] == IS_FREE ||
	    fk->state[ino] == IS_CLEAR ||
	    (off == 0 && !fsck_isdotname(e, 1)) ||
	    (off > 0 && fsck_isdotname(e, 1)) ||
	    (fsck_isdotname(e, 1) && ino != dino) ||
	    (!fsck_isdotname(e, 1) && !fsck_isdotname(e, 2) &&
	    fk->state[ino] == IS_DIR && fk->parent[ino] != 0)) {
		fsck_say(fk, 1, "directory inode %llu, entry '%.*s' -> inode "
		    "%llu: unallocated, misplaced or extra link to a "
		    "directory: entry cleared", (unsigned long long)dino,
		    namelen, name, (unsigned long long)ino);
		ffs_put32(fm, e + FFS_D_INO, 0);
		return 1;
	}
	fk->refs[ino]++;
	if (fsck_isdotname(e, 1))
		fk->hasdot[dino] = 1;
	if (fsck_isdotname(e, 2))
		fk->dotdot[dino] = (uint32_t)ino;
	else if (!fsck_isdotname(e, 1) && fk->state[ino] == IS_DIR)
		fk->parent[ino] = (uint32_t)dino;
	return 0;
}

/*
 * Salvages a broken chunk: the entries before the first bad one stay (the
 * last of them takes the rest of the chunk), the others are lost; their
 * inodes are reconnected later if nothing else names them.
 */
static void fsck_salvage_chunk(struct ffs_mount *fm, uint8_t *chunk)
{
	uint32_t pos = 0, last = ~0u, reclen, namlen;

	while (FFS_DIRBLKSIZ - pos >= FFS_D_NAME) {
		reclen = ffs_get16(fm, chunk + pos + FFS_D_RECLEN);
		namlen = chunk[pos + FFS_D_NAMLEN];
		if (reclen < FFS_D_NAME || reclen % 4 ||
		    reclen > FFS_DIRBLKSIZ - pos ||
		    (ffs_get32(fm, chunk + pos) != 0 &&
		    (FFS_DIRSIZ(namlen) > reclen || namlen == 0 ||
		    ffs_get32(fm, chunk + pos) >= ffs_ninodes(fm) ||
		    memchr(chunk + pos + FFS_D_NAME, '/', namlen) ||
		    memchr(chunk + pos + FFS_D_NAME, '\0', namlen))))
			break;
		last = pos;
		pos += reclen;
	}
	if (last == ~0u) {
		memset(chunk, 0, FFS_DIRBLKSIZ);
		ffs_put16(fm, chunk + FFS_D_RECLEN, FFS_DIRBLKSIZ);
		return;
	}
	ffs_put16(fm, chunk + last + FFS_D_RECLEN, (uint16_t)(FFS_DIRBLKSIZ -
	    last));
	memset(chunk + pos, 0, FFS_DIRBLKSIZ - pos);
}

/* Checks the chunks of one directory block. Returns 1 if it changed. */
static int fsck_dirblock(struct fsck *fk, uint64_t dino, uint8_t *blk,
    uint32_t bsz, uint64_t off, uint64_t size)
{
	struct ffs_mount *fm = fk->fm;
	uint32_t pos, p, reclen;
	const char *why;
	int changed = 0;

	for (pos = 0; pos < bsz && off + pos < size; pos += FFS_DIRBLKSIZ) {
		uint8_t *chunk = blk + pos;
		if (ffs_dir_chunk_check(fm, dino, chunk, off + pos, &why)) {
			fsck_say(fk, 1, "directory inode %llu, offset %llu: %s: "
			    "entries salvaged", (unsigned long long)dino,
			    (unsigned long long)(off + pos), why);
			fsck_salvage_chunk(fm, chunk);
			changed = 1;
		}
		for (p = 0; p < FFS_DIRBLKSIZ; p += reclen) {
			reclen = ffs_get16(fm, chunk + p + FFS_D_RECLEN);
			changed |= fsck_entry(fk, dino, chunk + p, off + pos + p);
		}
	}
	return changed;
}

/* Pass 2 for one directory: read it block by block within its size. */
static int fsck_dir(struct fsck *fk, uint64_t dino)
{
	struct ffs_mount *fm = fk->fm;
	struct ffs_dinode di;
	uint64_t lbn, daddr;
	uint32_t bsz;
	struct buf *bp;
	int error;

	if ((error = ffs_iread(fm, dino, &di)) != 0)
		return error;
	for (lbn = 0; lbn * fm->fm_bsize < di.di_size; lbn++) {
		bsz = ffs_blksize(fm, di.di_size, lbn);
		if ((error = ffs_bmap(fm, dino, &di, lbn, &daddr, NULL)) != 0)
			return error;
		if (daddr == 0) {
			fsck_say(fk, 0, "directory inode %llu: hole at block "
			    "%llu", (unsigned long long)dino,
			    (unsigned long long)lbn);
			continue;
		}
		if ((error = bread(fm->fm_bc, ffs_fsbyte(fm, daddr), bsz,
		    &bp)) != 0)
			return error;
		if (fsck_dirblock(fk, dino, bp->b_data, bsz, lbn * fm->fm_bsize,
		    di.di_size) && fk->repair)
			bdwrite(bp);
		else
			brelse(bp);
	}
	return 0;
}

/* Sets the ".." entry of dino to ino (pass 2 repair). */
static int fsck_set_dotdot(struct fsck *fk, uint64_t dino, uint64_t ino)
{
	struct ffs_dinode di;
	struct ffs_dirslot slot;
	int error;

	if (!fk->repair)
		return 0;
	if ((error = ffs_iread(fk->fm, dino, &di)) != 0)
		return error;
	fk->dirty = 1;
	/* a lost entry comes back in the first free slot: after "." */
	if (ffs_dir_find(fk->fm, dino, &di, "..", 2, &slot) != 0)
		return ffs_dir_enter(fk->fm, dino, &di, "..", 2, ino, VDIR);
	return ffs_dir_setino(fk->fm, dino, &di, slot.ds_off, ino, VDIR);
}

/* Puts back a lost "." (into the first free slot, the start of a
 * salvaged first chunk). */
static int fsck_add_dot(struct fsck *fk, uint64_t dino)
{
	struct ffs_dinode di;
	int error;

	fsck_say(fk, 1, "directory inode %llu: no '.' entry",
	    (unsigned long long)dino);
	fk->refs[dino]++;
	fk->hasdot[dino] = 1;
	if (!fk->repair)
		return 0;
	fk->dirty = 1;
	if ((error = ffs_iread(fk->fm, dino, &di)) != 0)
		return error;
	return ffs_dir_enter(fk->fm, dino, &di, ".", 1, dino, VDIR);
}

/* Pass 2: every directory's entries, then each ".." against the parent. */
static int fsck_pass2(struct fsck *fk)
{
	struct ffs_mount *fm = fk->fm;
	uint64_t ino, n = ffs_ninodes(fm), want;
	int error;

	if (fk->state[FFS_ROOTINO] != IS_DIR) {
		fsck_say(fk, 0, "root inode %d is not a directory",
		    FFS_ROOTINO);
		return 0;
	}
	fk->parent[FFS_ROOTINO] = FFS_ROOTINO;
	for (ino = FFS_ROOTINO; ino < n; ino++)
		if (fk->state[ino] == IS_DIR && (error = fsck_dir(fk, ino)) != 0)
			return error;
	for (ino = FFS_ROOTINO; ino < n; ino++)
		if (fk->state[ino] == IS_DIR && !fk->hasdot[ino] &&
		    (error = fsck_add_dot(fk, ino)) != 0)
			return error;
	for (ino = FFS_ROOTINO; ino < n; ino++) {
		if (fk->state[ino] != IS_DIR)
			continue;
		want = fk->parent[ino];
		if (want == 0)
			continue;   /* reconnected before pass 4 */
		if (fk->dotdot[ino] == want)
			continue;
		fsck_say(fk, 1, "directory inode %llu: '..' is inode %u, "
		    "expected %llu", (unsigned long long)ino, fk->dotdot[ino],
		    (unsigned long long)want);
		if (fk->dotdot[ino] != 0)
			fk->refs[fk->dotdot[ino]]--;
		fk->refs[want]++;
		if ((error = fsck_set_dotdot(fk, ino, want)) != 0)
			return error;
	}
	return 0;
}

/* Where orphans go: /lost+found if it is a directory, else the root. */
static uint64_t fsck_lostfound(struct fsck *fk)
{
	struct ffs_dinode di;
	struct ffs_dirslot slot;

	if (ffs_iread(fk->fm, FFS_ROOTINO, &di) == 0 &&
	    ffs_dir_find(fk->fm, FFS_ROOTINO, &di, "lost+found", 10,
	    &slot) == 0 && slot.ds_ino < ffs_ninodes(fk->fm) &&
	    fk->state[slot.ds_ino] == IS_DIR)
		return slot.ds_ino;
	return FFS_ROOTINO;
}

/* Gives an inode no entry names a name "#INO" in lost+found (or /). */
static int fsck_reconnect(struct fsck *fk, uint64_t ino, uint64_t lf)
{
	struct ffs_mount *fm = fk->fm;
	struct ffs_dinode ddi, di;
	struct ffs_dirslot slot;
	char name[32];
	int error, len = snprintf(name, sizeof(name), "#%llu",
	    (unsigned long long)ino);

	fsck_say(fk, 1, "inode %llu: no directory entry names it: "
	    "reconnected as %s/%s", (unsigned long long)ino,
	    lf == FFS_ROOTINO ? "" : "/lost+found", name);
	fk->refs[ino]++;
	if (fk->state[ino] == IS_DIR) {
		if (fk->dotdot[ino] != 0)
			fk->refs[fk->dotdot[ino]]--;
		fk->dotdot[ino] = (uint32_t)lf;
		fk->parent[ino] = (uint32_t)lf;
		fk->refs[lf]++;
	}
	if (!fk->repair)
		return 0;
	fk->dirty = 1;     /* the entry may have taken a new block */
	if ((error = ffs_iread(fm, lf, &ddi)) != 0 ||
	    (error = ffs_iread(fm, ino, &di)) != 0 ||
	    (error = ffs_dir_enter(fm, lf, &ddi, name, (size_t)len, ino,
	    ffs_mode_to_dt(di.di_mode))) != 0)
		return error;
	if (fk->state[ino] != IS_DIR)
		return 0;
	if (ffs_dir_find(fm, ino, &di, "..", 2, &slot) != 0) {
		fk->fixed--;
		return 0;
	}
	return ffs_dir_setino(fm, ino, &di, slot.ds_off, lf, VDIR);
}

/* Before pass 4: orphan directories and non-empty files get a name. */
static int fsck_reconnect_all(struct fsck *fk)
{
	struct ffs_dinode di;
	uint64_t ino, n = ffs_ninodes(fk->fm), lf = fsck_lostfound(fk);
	int error;

	for (ino = FFS_ROOTINO + 1; ino < n; ino++) {
		if (fk->state[ino] == IS_DIR && fk->parent[ino] == 0) {
			if ((error = fsck_reconnect(fk, ino, lf)) != 0)
				return error;
		} else if (fk->state[ino] == IS_FILE && fk->refs[ino] == 0) {
			if ((error = ffs_iread(fk->fm, ino, &di)) != 0)
				return error;
			if (di.di_size > 0 &&
			    (error = fsck_reconnect(fk, ino, lf)) != 0)
				return error;
		}
	}
	return 0;
}

/* Pass 4: each inode's link count against the names counted in pass 2. */
static int fsck_pass4(struct fsck *fk)
{
	struct ffs_mount *fm = fk->fm;
	struct ffs_dinode di;
	uint64_t ino, n = ffs_ninodes(fm);
	int error;

	if ((error = fsck_reconnect_all(fk)) != 0)
		return error;
	for (ino = FFS_ROOTINO; ino < n; ino++) {
		if (fk->state[ino] != IS_FILE && fk->state[ino] != IS_DIR)
			continue;
		if (fk->refs[ino] == 0 && ino != FFS_ROOTINO) {
			fsck_say(fk, 1, "inode %llu: no directory entry names "
			    "it: cleared", (unsigned long long)ino);
			if ((error = fsck_clear(fk, ino)) != 0)
				return error;
			continue;
		}
		if (fk->refs[ino] == fk->nlink[ino])
			continue;
		fsck_say(fk, 1, "inode %llu: link count %u, expected %u",
		    (unsigned long long)ino, fk->nlink[ino], fk->refs[ino]);
		if (!fk->repair)
			continue;
		if ((error = ffs_iread(fm, ino, &di)) != 0)
			return error;
		di.di_nlink = (uint16_t)(fk->refs[ino] > FFS_LINK_MAX ?
		    FFS_LINK_MAX : fk->refs[ino]);
		if ((error = ffs_iwrite(fm, ino, &di)) != 0)
			return error;
	}
	return 0;
}

/* Rebuilds group c's inode and fragment maps in cg (a copy of its block). */
static void fsck_rebuild_maps(struct fsck *fk, uint32_t c, uint8_t *cg)
{
	struct ffs_mount *fm = fk->fm;
	uint8_t *imap = cg + ffs_get32(fm, cg + FFS_CG_IUSEDOFF);
	uint8_t *fmap = cg + ffs_get32(fm, cg + FFS_CG_FREEOFF);
	uint64_t base = ffs_cgbase(fm, c), ino, f;
	uint32_t i, nblk = fm->fm_fpg / fm->fm_frag, b;

	for (i = 0; i < fm->fm_ipg; i++) {
		ino = (uint64_t)c * fm->fm_ipg + i;
		fsck_put(imap, i, ino < FFS_ROOTINO ||
		    fk->state[ino] == IS_FILE || fk->state[ino] == IS_DIR);
	}
	for (f = 0; f < fm->fm_fpg; f++)
		fsck_put(fmap, f, base + f < fm->fm_size &&
		    !fsck_isset(fk->used, base + f));
	if (fm->fm_contigsumsize == 0)
		return;
	for (b = 0; b < nblk; b++) {
		int whole = 1;
		for (i = 0; i < fm->fm_frag; i++)
			whole &= fsck_isset(fmap, (uint64_t)b * fm->fm_frag + i);
		fsck_put(cg + ffs_get32(fm, cg + FFS_CG_CLUSTEROFF), b, whole);
	}
}

/* Writes recounted summaries into the copy; says which parts differed. */
static void fsck_recount(struct fsck *fk, uint32_t c, uint8_t *cg,
    struct ffs_csum *cs)
{
	struct ffs_mount *fm = fk->fm;
	int32_t frsum[FFS_MAXFRAG], clsum[FFS_MAXCONTIGSUM + 1];
	uint32_t i;
	int k;

	ffs_cg_count(fm, c, cg, cs, frsum, clsum);
	cs->cs[FFS_CS_NDIR] = fk->ndir[c];
	for (k = 0; k < 4; k++)
		ffs_put32(fm, cg + FFS_CG_CS + 4 * k, (uint32_t)cs->cs[k]);
	for (i = 1; i < FFS_MAXFRAG; i++)
		ffs_put32(fm, cg + FFS_CG_FRSUM + 4 * i, (uint32_t)frsum[i]);
	for (i = 1; fm->fm_contigsumsize && i <= fm->fm_contigsumsize; i++)
		ffs_put32(fm, cg + ffs_get32(fm, cg + FFS_CG_CLUSTERSUMOFF) +
		    4 * i, (uint32_t)clsum[i]);
}

static void fsck_compare_cg(struct fsck *fk, uint32_t c, const uint8_t *old,
    const uint8_t *neu)
{
	struct ffs_mount *fm = fk->fm;
	uint32_t off[3] = { ffs_get32(fm, old + FFS_CG_IUSEDOFF),
	    ffs_get32(fm, old + FFS_CG_FREEOFF),
	    ffs_get32(fm, old + FFS_CG_CLUSTEROFF) };
	uint64_t bits[3] = { fm->fm_ipg, fm->fm_fpg,
	    fm->fm_contigsumsize ? fm->fm_fpg / fm->fm_frag : 0 };
	static const char *const what[3] = { "inode map", "fragment map",
	    "cluster map" };
	uint32_t clsum = ffs_get32(fm, old + FFS_CG_CLUSTERSUMOFF);
	uint64_t i, diff;
	int k;

	for (k = 0; k < 3; k++) {
		for (i = 0, diff = 0; i < bits[k]; i++)
			diff += fsck_isset(old + off[k], i) !=
			    fsck_isset(neu + off[k], i);
		if (diff)
			fsck_say(fk, 1, "cylinder group %u: %s wrong for %llu "
			    "%s", c, what[k], (unsigned long long)diff,
			    k == 0 ? "inodes" : k == 1 ? "fragments" : "blocks");
	}
	if (memcmp(old + FFS_CG_CS, neu + FFS_CG_CS, 16) != 0)
		fsck_say(fk, 1, "cylinder group %u: free counts (dirs %d, "
		    "blocks %d, inodes %d, frags %d) wrong", c,
		    (int32_t)ffs_get32(fm, old + FFS_CG_CS),
		    (int32_t)ffs_get32(fm, old + FFS_CG_CS + 4),
		    (int32_t)ffs_get32(fm, old + FFS_CG_CS + 8),
		    (int32_t)ffs_get32(fm, old + FFS_CG_CS + 12));
	if (memcmp(old + FFS_CG_FRSUM, neu + FFS_CG_FRSUM, 4 * FFS_MAXFRAG) ||
	    (fm->fm_contigsumsize && memcmp(old + clsum, neu + clsum,
	    4 * (fm->fm_contigsumsize + 1))))
		fsck_say(fk, 1, "cylinder group %u: fragment or cluster "
		    "summary wrong", c);
}

/* Pass 5 for one group: rebuild, compare, and write back when repairing. */
static int fsck_group(struct fsck *fk, uint32_t c, struct ffs_csum *total)
{
	struct ffs_mount *fm = fk->fm;
	struct ffs_csum cs;
	struct buf *bp;
	uint8_t *neu;
	int error, k;

	if ((neu = malloc(fm->fm_cgsize)) == NULL)
		return ENOMEM;
	if ((error = bread(fm->fm_bc, ffs_fsbyte(fm, ffs_cgtod(fm, c)),
	    fm->fm_cgsize, &bp)) != 0)
		goto out;
	if (ffs_cg_check(fm, c, bp->b_data) != 0) {
		fsck_say(fk, 0, "cylinder group %u: %s", c, fm->fm_mp->mnt_corrupt);
		brelse(bp);
		goto out;
	}
	memcpy(neu, bp->b_data, fm->fm_cgsize);
	fsck_rebuild_maps(fk, c, neu);
	fsck_recount(fk, c, neu, &cs);
	fsck_compare_cg(fk, c, bp->b_data, neu);
	for (k = 0; k < 4; k++)
		total->cs[k] += cs.cs[k];
	if (memcmp(&cs, &fm->fm_cs[c], sizeof(cs)) != 0) {
		fsck_say(fk, 1, "cylinder group %u: summary area counts wrong",
		    c);
		if (fk->repair)
			fm->fm_cs[c] = cs;
	}
	if (fk->repair && memcmp(neu, bp->b_data, fm->fm_cgsize) != 0) {
		memcpy(bp->b_data, neu, fm->fm_cgsize);
		bdwrite(bp);
	} else
		brelse(bp);
out:
	free(neu);
	return error;
}

static int fsck_pass5(struct fsck *fk)
{
	struct ffs_mount *fm = fk->fm;
	struct ffs_csum total;
	uint32_t c;
	int error;

	memset(&total, 0, sizeof(total));
	for (c = 0; c < fm->fm_ncg; c++)
		if ((error = fsck_group(fk, c, &total)) != 0)
			return error;
	if (memcmp(&total, &fm->fm_cstotal, sizeof(total)) != 0) {
		fsck_say(fk, 1, "superblock: total free counts (dirs %lld, "
		    "blocks %lld, inodes %lld, frags %lld) wrong, expected "
		    "%lld %lld %lld %lld",
		    (long long)fm->fm_cstotal.cs[0], (long long)fm->fm_cstotal.cs[1],
		    (long long)fm->fm_cstotal.cs[2], (long long)fm->fm_cstotal.cs[3],
		    (long long)total.cs[0], (long long)total.cs[1],
		    (long long)total.cs[2], (long long)total.cs[3]);
		if (fk->repair)
			fm->fm_cstotal = total;
	}
	return 0;
}

static int fsck_alloc(struct fsck *fk)
{
	struct ffs_mount *fm = fk->fm;
	uint64_t n = ffs_ninodes(fm);

	fk->used = malloc((fm->fm_size + 7) / 8);
	fk->state = calloc(n, 1);
	fk->nlink = calloc(n, sizeof(*fk->nlink));
	fk->refs = calloc(n, sizeof(*fk->refs));
	fk->parent = calloc(n, sizeof(*fk->parent));
	fk->dotdot = calloc(n, sizeof(*fk->dotdot));
	fk->hasdot = calloc(n, 1);
	fk->ndir = calloc(fm->fm_ncg, sizeof(*fk->ndir));
	if (!fk->used || !fk->state || !fk->nlink || !fk->refs ||
	    !fk->parent || !fk->dotdot || !fk->ndir || !fk->hasdot)
		return ENOMEM;
	return 0;
}

static void fsck_free(struct fsck *fk)
{
	free(fk->used);
	free(fk->state);
	free(fk->nlink);
	free(fk->refs);
	free(fk->parent);
	free(fk->dotdot);
	free(fk->hasdot);
	free(fk->ndir);
}

static int fsck_run(struct fsck *fk)
{
	int error;

	if ((error = fsck_pass1(fk, 0)) != 0)
		return error;
	if ((error = fsck_pass2(fk)) != 0 || (error = fsck_pass4(fk)) != 0)
		return error;
	/* cleared inodes no longer own their blocks: claim them again */
	if (fk->dirty && (error = fsck_pass1(fk, 1)) != 0)
		return error;
	return fsck_pass5(fk);
}

/* Writes the repairs out; marks the file system clean if all were fixed. */
static int fsck_finish(struct fsck *fk)
{
	struct ffs_mount *fm = fk->fm;

	if (!fk->repair || fk->fixed == 0)
		return 0;
	fm->fm_modified = 1;
	if (fk->fixed >= fk->errors) {
		fm->fm_wasclean = 1;
		if (fm->fm_norw && !(fm->fm_mp->mnt_flags & MNT_RDONLY) &&
		    !(fm->fm_feat & FFS_F_CKHASH))
			fm->fm_norw = NULL;
		fm->fm_sb[FFS_SB_CLEAN] = FFS_ISCLEAN;
	}
	return ffs_sync(fm->fm_mp) ? EIO : bio_sync(fm->fm_bc);
}

int ffs_fsck(struct mount *mp, unsigned flags, vfs_fsck_report_t report,
    void *arg)
{
	struct ffs_mount *fm = VFSTOFFS(mp);
	struct fsck fk;
	int error;

	memset(&fk, 0, sizeof(fk));
	fk.fm = fm;
	fk.report = report;
	fk.arg = arg;
	fk.repair = (flags & (FSCK_REPAIR | FSCK_PREEN)) &&
	    !(flags & FSCK_NOWRITE);
	if (fk.repair && (mp->mnt_flags & MNT_RDONLY)) {
		report(arg, "cannot repair: the image is open read-only");
		return 8;
	}
	/* our own pending changes go to disk first: check what is there */
	if (fm->fm_modified && (error = ffs_sync(mp)) != 0)
		return 8;
	if (!fm->fm_wasclean && !fm->fm_modified)
		fsck_say(&fk, 1, "superblock: file system not marked clean");
	error = fsck_alloc(&fk);
	if (error == 0)
		error = fsck_run(&fk);
	if (error == 0)
		error = fsck_finish(&fk);
	fsck_free(&fk);
	if (error) {
		char msg[600];
		snprintf(msg, sizeof(msg), "check stopped: %s%s%s",
		    strerror(error), mp->mnt_corrupt[0] ? ": " : "",
		    mp->mnt_corrupt);
		report(arg, msg);
		return 8;
	}
	if (fk.errors == 0)
		return 0;
	return fk.fixed >= fk.errors ? 1 : 4;
}
