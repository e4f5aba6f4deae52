/* ext2fs_fsck_dup.c: fsck pass 1B: blocks claimed by two inodes (or by an inode and the metadata) are cloned. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/ext2/ext2fs_fsck.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/*
 * Pass 1 claims blocks in inode order: the first claimant (the group
 * metadata, then inodes) holds a block in `bused`; every later claim is
 * noted in fk->dups, and the inode that made it in fk->sharers. Here, in
 * that order, each sharer gets its own copy of every run that holds a
 * block still claimed by someone else: new blocks, the data copied, its
 * block map or extent entry repointed. A block's claim count goes down as
 * its sharers leave; the last one keeps it, and metadata always does. Of
 * an extent, the span from its first shared block to its last is cloned,
 * the rest kept as extents beside it; when the leaf has no room for them
 * the whole extent is cloned and its old blocks given back.
 *
 * The work is bounded: FSCK_MAXDUP extra claims are noted at most, and
 * FSCK_MAXCLONE blocks copied; past either, or when a shared extent or
 * indirect block left some blocks' owners unknown, nothing is cloned.
 */

#define FSCK_MAXDUP   ((size_t)1 << 20)
#define FSCK_MAXCLONE ((uint64_t)1 << 18)

struct fsck_dupblk {
	uint64_t blk;
	uint32_t claims;        /* claimants still holding it */
};

struct fsck_run {
	uint64_t lblk, pblk, len;
};

struct fsck_clone {
	struct ext2fs_fsck *fk;
	struct fsck_run *runs;
	size_t nruns, cap;
};

/* Pass 1: block b was claimed again. */
void fsck_dup_note(struct ext2fs_fsck *fk, uint64_t b)
{
	struct fsck_dupblk *n;

	if (fk->dup_overflow)
		return;
	if (fk->ndups == fk->dups_cap) {
		size_t cap = fk->dups_cap ? 2 * fk->dups_cap : 64;
		if (cap > FSCK_MAXDUP ||
		    (n = realloc(fk->dups, cap * sizeof(*n))) == NULL) {
			fk->dup_overflow = 1;
			return;
		}
		fk->dups = n;
		fk->dups_cap = cap;
	}
	fk->dups[fk->ndups].blk = b;
	fk->dups[fk->ndups++].claims = 0;
}

/* Pass 1: inode ino made such claims, and a clone was announced. */
void fsck_dup_sharer(struct ext2fs_fsck *fk, uint32_t ino)
{
	uint32_t *n;

	fk->nsaid++;
	if (fk->dup_overflow)
		return;
	if (fk->nsharers == fk->sharers_cap) {
		size_t cap = fk->sharers_cap ? 2 * fk->sharers_cap : 16;
		if (cap > FSCK_MAXDUP ||
		    (n = realloc(fk->sharers, cap * sizeof(*n))) == NULL) {
			fk->dup_overflow = 1;
			return;
		}
		fk->sharers = n;
		fk->sharers_cap = cap;
	}
	fk->sharers[fk->nsharers++] = ino;
}

static int dup_cmp(const void *a, const void *b)
{
	const struct fsck_dupblk *x = a, *y = b;

	return x->blk < y->blk ? -1 : x->blk > y->blk;
}

/* One entry per block, counting its first claimant too. */
static void dup_table(struct ext2fs_fsck *fk)
{
	size_t i, n = 0;

	qsort(fk->dups, fk->ndups, sizeof(*fk->dups), dup_cmp);
	for (i = 0; i < fk->ndups; i++) {
		if (n > 0 && fk->dups[n - 1].blk == fk->dups[i].blk) {
			fk->dups[n - 1].claims++;
			continue;
		}
		fk->dups[n].blk = fk->dups[i].blk;
		fk->dups[n++].claims = 2;
	}
	fk->ndups = n;
}

static struct fsck_dupblk *dup_find(struct ext2fs_fsck *fk, uint64_t b)
{
	struct fsck_dupblk key = { .blk = b };

	return fk->ndups ? bsearch(&key, fk->dups, fk->ndups,
	    sizeof(*fk->dups), dup_cmp) : NULL;
}

/* Whether block b is still someone else's too. */
static int dup_shared(struct ext2fs_fsck *fk, uint64_t b)
{
	struct fsck_dupblk *d;

	if (fsck_test(fk->bmeta, b))
		return 1;
	d = dup_find(fk, b);
	return d != NULL && d->claims > 1;
}

static int run_shared(struct ext2fs_fsck *fk, const struct fsck_run *r)
{
	uint64_t i;

	for (i = 0; i < r->len; i++)
		if (dup_shared(fk, r->pblk + i))
			return 1;
	return 0;
}

/* Walk callback: the runs that hold a shared block. Block maps come one
 * block at a time; extents as whole runs. */
static int collect_run(struct fsck_walk *w, uint64_t lblk, uint64_t pblk,
    uint64_t len, int uninit)
{
	struct fsck_clone *c = w->arg;
	struct fsck_run r = { lblk, pblk, len }, *n;

	if (!run_shared(c->fk, &r))
		return 0;
	if (c->nruns == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		if (cap > FSCK_MAXDUP)
			return E2BIG;
		if ((n = realloc(c->runs, cap * sizeof(*n))) == NULL)
			return ENOMEM;
		c->runs = n;
		c->cap = cap;
	}
	c->runs[c->nruns++] = r;
	return 0;
}

/* Whether group metadata flags let block b be handed out. */
static int alloc_ok(struct ext2fs_fsck *fk, uint64_t b)
{
	const struct ext2fs *fs = fk->fs;
	uint32_t g = (uint32_t)((b - fs->first_data_block) /
	    fs->blocks_per_group);

	if (fsck_test(fk->bused, b) || fsck_test(fk->bmeta, b))
		return 0;
	return !fsck_uninit_ok(fs) ||
	    !(le16dec(ext2fs_gd(fs, g) + GD_FLAGS) & GD_FLAG_BLOCK_UNINIT);
}

/* len free blocks in a row (first fit from the last one handed out). */
static int alloc_run(struct ext2fs_fsck *fk, uint64_t len, uint64_t *out)
{
	uint64_t first = fk->fs->first_data_block, b, run = 0;
	uint64_t start = fk->alloc_next >= first ? fk->alloc_next : first;
	int wrapped = 0;

	/* one failed search per length is enough (a full disk stays full) */
	if (fk->nospace != 0 && len >= fk->nospace)
		return ENOSPC;
	for (b = start;; b++) {
		if (b >= fk->nblocks) {
			if (wrapped || start == first)
				return fk->nospace = len, ENOSPC;
			wrapped = 1;
			b = first;
			run = 0;
		}
		if (wrapped && b >= start + len)
			return fk->nospace = len, ENOSPC;
		run = alloc_ok(fk, b) ? run + 1 : 0;
		if (run == len) {
			*out = b + 1 - len;
			fk->alloc_next = b + 1;
			return 0;
		}
	}
}

/* Copies n blocks from src to dst through the buffer cache. */
static int copy_blocks(struct ext2fs_fsck *fk, uint64_t src, uint64_t dst,
    uint64_t n)
{
	const struct ext2fs *fs = fk->fs;
	struct buf *bp;
	uint64_t i;
	int error;

	for (i = 0; i < n; i++) {
		error = bread(fk->mp->mnt_bc, (src + i) << fs->log_bsize,
		    fs->bsize, &bp);
		if (error)
			return error;
		memcpy(fk->blockbuf, bp->b_data, fs->bsize);
		brelse(bp);
		error = bget(fk->mp->mnt_bc, (dst + i) << fs->log_bsize,
		    fs->bsize, &bp);
		if (error)
			return error;
		memcpy(bp->b_data, fk->blockbuf, fs->bsize);
		bdwrite(bp);
	}
	return 0;
}

/* The pointer to logical block lblk in a block map: in raw (*rawp set) or
 * in an indirect block (returned held in *bpp, with its offset). */
static int bmap_slot(struct ext2fs_fsck *fk, uint8_t *raw, uint64_t lblk,
    struct buf **bpp, size_t *off)
{
	const struct ext2fs *fs = fk->fs;
	unsigned shift = fs->log_bsize - 2, level, i;
	uint64_t per = (uint64_t)1 << shift, l = lblk - 12, span = per;
	uint64_t blk;
	int error;

	*bpp = NULL;
	if (lblk < 12) {
		*off = I_BLOCK + 4 * lblk;
		return 0;
	}
	for (level = 1; level <= 3 && l >= span; level++) {
		l -= span;
		span <<= shift;
	}
	if (level > 3)
		return EUCLEAN;
	blk = le32dec(raw + I_BLOCK + 4 * (11 + level));
	for (i = level; i > 0; i--) {
		uint64_t idx = (l >> (shift * (i - 1))) & (per - 1);
		if (!fsck_blk_ok(fk, blk, 1))
			return EUCLEAN;
		error = bread(fk->mp->mnt_bc, blk << fs->log_bsize, fs->bsize,
		    bpp);
		if (error)
			return error;
		if (i == 1) {
			*off = 4 * idx;
			return 0;
		}
		blk = le32dec((*bpp)->b_data + 4 * idx);
		brelse(*bpp);
		*bpp = NULL;
	}
	return EUCLEAN;
}

/* Block map: lblk's pointer from old to new. */
static int repoint_bmap(struct ext2fs_fsck *fk, uint8_t *raw, uint64_t lblk,
    uint64_t old, uint64_t new, int *rawdirty)
{
	struct buf *bp;
	size_t off;
	uint8_t *p;
	int error;

	error = bmap_slot(fk, raw, lblk, &bp, &off);
	if (error)
		return error;
	p = bp ? bp->b_data + off : raw + off;
	if (le32dec(p) != old) {
		if (bp)
			brelse(bp);
		return EUCLEAN;
	}
	le32enc(p, (uint32_t)new);
	if (bp)
		bdwrite(bp);
	else
		*rawdirty = 1;
	return 0;
}

/* The entry of an extent node for lblk: the last starting at or before it. */
static uint8_t *ext_entry(uint8_t *h, size_t size, uint64_t lblk)
{
	unsigned n = le16dec(h + 2), i;
	uint8_t *hit = NULL;

	if (le16dec(h) != EXT_MAGIC ||
	    EXT_HDR_SIZE + (size_t)n * EXT_ENTRY_SIZE > size)
		return NULL;
	for (i = 0; i < n; i++) {
		uint8_t *e = h + EXT_HDR_SIZE + i * EXT_ENTRY_SIZE;
		if (le32dec(e) > lblk)
			break;
		hit = e;
	}
	return hit;
}

/* The leaf entry of extent run r: in the inode (*bpp NULL) or in the
 * extent block held in *bpp; its node's header in *hp. */
static int ext_find(struct ext2fs_fsck *fk, uint8_t *raw,
    const struct fsck_run *r, struct buf **bpp, uint8_t **hp, uint8_t **ep)
{
	const struct ext2fs *fs = fk->fs;
	uint8_t *h = raw + I_BLOCK, *e;
	size_t size = I_BLOCK_SIZE;
	int depth = EXT_MAX_DEPTH + 1;

	*bpp = NULL;
	while ((e = ext_entry(h, size, r->lblk)) != NULL &&
	    le16dec(h + 6) > 0 && --depth > 0) {
		uint64_t child = le32dec(e + 4) | (uint64_t)le16dec(e + 8) << 32;
		if (*bpp)
			brelse(*bpp);
		*bpp = NULL;
		if (!fsck_blk_ok(fk, child, 1) || bread(fk->mp->mnt_bc,
		    child << fs->log_bsize, fs->bsize, bpp) != 0)
			return EUCLEAN;
		h = (*bpp)->b_data;
		size = fs->bsize;
	}
	if (e == NULL || le16dec(h + 6) != 0 || le32dec(e) != r->lblk ||
	    (le32dec(e + 8) | (uint64_t)le16dec(e + 6) << 32) != r->pblk ||
	    le16dec(h + 4) > (size - EXT_HDR_SIZE) / EXT_ENTRY_SIZE) {
		if (*bpp)
			brelse(*bpp);
		*bpp = NULL;
		return EUCLEAN;
	}
	*hp = h;
	*ep = e;
	return 0;
}

static void ext_put(uint8_t *p, uint64_t lblk, uint64_t len, uint64_t pblk,
    int uninit)
{
	le32enc(p, (uint32_t)lblk);
	le16enc(p + 4, (uint16_t)(uninit ? len + EXT_INIT_MAX_LEN : len));
	le16enc(p + 6, (uint16_t)(pblk >> 32));
	le32enc(p + 8, (uint32_t)pblk);
}

/*
 * Extents: blocks [s, e) of run r move to `new`; what is before and after
 * them stays where it is, as entries of its own beside it. EAGAIN when the
 * leaf has no room for those; without `apply` only that is checked. The
 * leaf's first logical block does not change, so no index does; the leaf
 * block (or the inode) gets its checksum back.
 */
static int repoint_extent(struct ext2fs_fsck *fk, uint8_t *raw, uint64_t ino,
    const struct fsck_run *r, uint64_t s, uint64_t e, uint64_t new,
    int apply, int *rawdirty)
{
	unsigned extra = (s > 0) + (e < r->len), n, idx;
	struct buf *bp;
	uint8_t *h, *x, *p;
	int uninit, error;

	error = ext_find(fk, raw, r, &bp, &h, &x);
	if (error)
		return error;
	n = le16dec(h + 2);
	idx = (unsigned)((x - h - EXT_HDR_SIZE) / EXT_ENTRY_SIZE);
	uninit = le16dec(x + 4) > EXT_INIT_MAX_LEN;
	if (n + extra > le16dec(h + 4) || !apply) {
		if (bp)
			brelse(bp);
		return n + extra > le16dec(h + 4) ? EAGAIN : 0;
	}
	memmove(x + (1 + extra) * EXT_ENTRY_SIZE, x + EXT_ENTRY_SIZE,
	    (size_t)(n - idx - 1) * EXT_ENTRY_SIZE);
	p = x;
	if (s > 0) {
		ext_put(p, r->lblk, s, r->pblk, uninit);
		p += EXT_ENTRY_SIZE;
	}
	ext_put(p, r->lblk + s, e - s, new, uninit);
	if (e < r->len)
		ext_put(p + EXT_ENTRY_SIZE, r->lblk + e, r->len - e, r->pblk + e,
		    uninit);
	le16enc(h + 2, (uint16_t)(n + extra));
	if (bp) {
		ext2fs_csum_set_extent(fk->fs, ino, le32dec(raw + I_GENERATION),
		    bp->b_data);
		bdwrite(bp);
	} else
		*rawdirty = 1;
	return 0;
}

/* The blocks of run r from its first shared one to its last. */
static void shared_span(struct ext2fs_fsck *fk, const struct fsck_run *r,
    uint64_t *s, uint64_t *e)
{
	for (*s = 0; *s < r->len && !dup_shared(fk, r->pblk + *s); (*s)++)
		;
	for (*e = r->len; *e > *s && !dup_shared(fk, r->pblk + *e - 1); (*e)--)
		;
}

/* The old run's claims given up, the new run's taken. */
static void swap_claims(struct ext2fs_fsck *fk, const struct fsck_run *r,
    uint64_t new)
{
	struct fsck_dupblk *d;
	uint64_t i, b;

	for (i = 0; i < r->len; i++) {
		b = r->pblk + i;
		d = dup_find(fk, b);
		if (d != NULL && d->claims > 0)
			d->claims--;
		if ((d == NULL || d->claims == 0) && !fsck_test(fk->bmeta, b))
			fsck_clr(fk->bused, b);
		fsck_set(fk->bused, new + i);
	}
}

/* One run of inode ino, if it still shares a block: the part from its
 * first shared block to its last (all of it when its extent leaf has no
 * room for the pieces) copied and repointed. */
static int clone_run(struct ext2fs_fsck *fk, uint64_t ino, uint8_t *raw,
    const struct fsck_run *r, int *rawdirty)
{
	int extents = (le32dec(raw + I_FLAGS) & IFL_EXTENTS) != 0, error;
	uint64_t s = 0, e = r->len, new;
	struct fsck_run piece;

	if (!run_shared(fk, r))
		return 0;
	if (extents) {
		shared_span(fk, r, &s, &e);
		error = repoint_extent(fk, raw, ino, r, s, e, 0, 0, rawdirty);
		if (error == EAGAIN)
			s = 0, e = r->len;
		else if (error)
			return error;
	}
	piece.lblk = r->lblk + s;
	piece.pblk = r->pblk + s;
	piece.len = e - s;
	if (fk->cloned + piece.len > FSCK_MAXCLONE)
		return E2BIG;
	error = alloc_run(fk, piece.len, &new);
	if (error == 0)
		error = copy_blocks(fk, piece.pblk, new, piece.len);
	if (error == 0)
		error = extents ? repoint_extent(fk, raw, ino, r, s, e, new, 1,
		    rawdirty) : repoint_bmap(fk, raw, r->lblk, r->pblk, new,
		    rawdirty);
	if (error)
		return error;
	fk->cloned += piece.len;
	swap_claims(fk, &piece, new);
	return 0;
}

static const char *clone_why(int error)
{
	switch (error) {
	case ENOSPC: return "no free run of blocks for the copy";
	case E2BIG: return "more blocks to copy than this checker copies";
	case EUCLEAN: return "its block map changed under the check";
	}
	return NULL;
}

/* Every shared run of one inode. */
static int clone_inode(struct ext2fs_fsck *fk, uint32_t ino, uint8_t *raw)
{
	struct fsck_clone c = { .fk = fk };
	struct fsck_walk w = { .fk = fk, .ino = ino, .raw = raw };
	size_t i;
	int error, rawdirty = 0;

	error = fsck_inode_read(fk, ino, raw);
	if (error)
		return error;
	w.data = collect_run;
	w.arg = &c;
	error = fsck_walk_blocks(&w);
	for (i = 0; i < c.nruns && error == 0; i++)
		error = clone_run(fk, ino, raw, &c.runs[i], &rawdirty);
	free(c.runs);
	if (rawdirty) {
		int werr = fsck_inode_write(fk, ino, raw);
		if (error == 0)
			error = werr;
	}
	if (error && clone_why(error) != NULL) {
		fsck_unfixed(fk);
		fsck_note(fk, "inode %u: not cloned: %s", ino, clone_why(error));
		return 0;
	}
	return error;
}

/* Pass 1B: after pass 1 has claimed everything, clone the sharers. */
int fsck_pass1b(struct ext2fs_fsck *fk)
{
	const char *refuse = NULL;
	uint8_t *raw;
	size_t i;
	int error = 0;

	if (fk->nsaid == 0)
		return 0;
	if (fk->dup_overflow)
		refuse = "more multiply-claimed blocks than this checker "
		    "handles: run e2fsck";
	else if (fk->dup_unsafe)
		refuse = "an extent or indirect block is shared, so some "
		    "blocks' owners are unknown: run e2fsck";
	if (refuse != NULL) {
		for (i = 0; i < fk->nsaid; i++)
			fsck_unfixed(fk);
		fsck_note(fk, "multiply-claimed blocks not cloned: %s", refuse);
		return 0;
	}
	if ((raw = malloc(fk->fs->inode_size)) == NULL)
		return ENOMEM;
	dup_table(fk);
	for (i = 0; i < fk->nsharers && error == 0; i++)
		error = clone_inode(fk, fk->sharers[i], raw);
	free(raw);
	return error;
}
