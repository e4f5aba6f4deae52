/* ext2fs_extent_write.c: changing extent-mapped files: the tree is read into a sorted array, changed, and written back. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/*
 * Every change loads all leaf extents into an array (and the tree's blocks
 * into a list), edits the array (carve, insert, merge neighbours) and
 * stores it: in i_block when 4 extents fit, else as full leaves under as
 * many index levels as needed (depth grows and shrinks as required). Tree
 * blocks are reused in order, more are allocated near the data, and those
 * left over are freed. With contiguous allocation trees stay tiny, so the
 * rewrite costs little; its simplicity is what keeps it correct.
 */
#define EXT_MAX_INIT   32768u
#define EXT_MAX_UNINIT 32767u
#define EXT_ROOT_MAX   4u

struct xent {
	uint64_t lblk, len, pblk;
	int uninit;
};

struct xtree {
	struct xent *e;
	size_t n, cap;
	uint64_t *blks;         /* the tree's blocks, in load order */
	size_t nblks, capblks;
};

static int x_grow(void **p, size_t *cap, size_t need, size_t sz)
{
	void *q;
	size_t nc;

	if (need <= *cap)
		return 0;
	nc = *cap ? *cap * 2 : 16;
	while (nc < need)
		nc *= 2;
	q = realloc(*p, nc * sz);
	if (q == NULL)
		return ENOMEM;
	*p = q;
	*cap = nc;
	return 0;
}

static void x_free(struct xtree *t)
{
	free(t->e);
	free(t->blks);
}

/* Node h (i_block or a block) at `depth`: its leaves appended in order. */
static int x_load_node(struct ext2fs *fs, struct ext2fs_inode *ip,
    struct xtree *t, const uint8_t *h, int depth, int level)
{
	unsigned n = le16dec(h + 2), i;
	int error;

	if (le16dec(h) != EXT_MAGIC || le16dec(h + 6) != depth || level > 6)
		return vfs_corrupt(fs->mp, ip->ino, 0, "extent tree: expected "
		    "magic and depth %d, found another", depth);
	for (i = 0; i < n; i++) {
		const uint8_t *e = h + EXT_HDR_SIZE + i * EXT_ENTRY_SIZE;
		if (depth == 0) {
			struct xent *x;
			unsigned l = le16dec(e + 4);
			if ((error = x_grow((void **)&t->e, &t->cap, t->n + 1,
			    sizeof(*t->e))) != 0)
				return error;
			x = &t->e[t->n++];
			x->lblk = le32dec(e);
			x->uninit = l > EXT_MAX_INIT;
			x->len = x->uninit ? l - EXT_MAX_INIT : l;
			x->pblk = le32dec(e + 8) | (uint64_t)le16dec(e + 6) << 32;
		} else {
			uint64_t child = le32dec(e + 4) |
			    (uint64_t)le16dec(e + 8) << 32;
			struct buf *bp;
			if ((error = x_grow((void **)&t->blks, &t->capblks,
			    t->nblks + 1, sizeof(*t->blks))) != 0)
				return error;
			t->blks[t->nblks++] = child;
			error = ext2fs_bread(fs, ip->ino, child, &bp);
			if (error)
				return error;
			error = x_load_node(fs, ip, t, bp->b_data, depth - 1,
			    level + 1);
			brelse(bp);
			if (error)
				return error;
		}
	}
	return 0;
}

static int x_load(struct ext2fs *fs, struct ext2fs_inode *ip,
    struct xtree *t)
{
	memset(t, 0, sizeof(*t));
	return x_load_node(fs, ip, t, ip->iblock, le16dec(ip->iblock + 6), 0);
}

/* Fills node h: a header and entries (leaf extents or index entries). */
static void x_fill(uint8_t *h, size_t size, int depth, const struct xent *e,
    size_t n, const uint64_t *child, const uint64_t *first)
{
	size_t i;

	memset(h, 0, size);
	le16enc(h, EXT_MAGIC);
	le16enc(h + 2, (uint16_t)n);
	le16enc(h + 4, (uint16_t)((size - EXT_HDR_SIZE) / EXT_ENTRY_SIZE));
	le16enc(h + 6, (uint16_t)depth);
	for (i = 0; i < n; i++) {
		uint8_t *p = h + EXT_HDR_SIZE + i * EXT_ENTRY_SIZE;
		if (depth == 0) {
			le32enc(p, (uint32_t)e[i].lblk);
			le16enc(p + 4, (uint16_t)(e[i].len +
			    (e[i].uninit ? EXT_MAX_INIT : 0)));
			le16enc(p + 6, (uint16_t)(e[i].pblk >> 32));
			le32enc(p + 8, (uint32_t)e[i].pblk);
		} else {
			le32enc(p, (uint32_t)first[i]);
			le32enc(p + 4, (uint32_t)child[i]);
			le16enc(p + 8, (uint16_t)(child[i] >> 32));
		}
	}
}

struct xpool {
	struct xtree *t;
	size_t used;
	uint64_t goal;
	uint64_t allocated;
};

/* The next tree block: an old one if any is left, else a new one. */
static int x_take(struct ext2fs *fs, struct xpool *p, uint64_t *blk)
{
	uint64_t got;
	int error;

	if (p->used < p->t->nblks) {
		*blk = p->t->blks[p->used++];
		return 0;
	}
	error = ext2fs_balloc(fs, p->goal, 1, blk, &got);
	if (error == 0) {
		p->allocated++;
		p->goal = *blk + 1;
	}
	return error;
}

static int x_write_node(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t blk, int depth, const struct xent *e, size_t n,
    const uint64_t *child, const uint64_t *first)
{
	struct buf *bp;
	int error;

	error = bget(fs->mp->mnt_bc, blk << fs->log_bsize, fs->bsize, &bp);
	if (error)
		return error;
	x_fill(bp->b_data, fs->bsize, depth, e, n, child, first);
	ext2fs_csum_set_extent(fs, ip->ino, ip->generation, bp->b_data);
	ext2fs_bdirty(fs, bp);
	return 0;
}

/* Leaves, then index levels until at most 4 nodes remain for the root. */
static int x_build(struct ext2fs *fs, struct ext2fs_inode *ip,
    struct xtree *t, struct xpool *pool, uint64_t *child, uint64_t *first,
    int *depthp, size_t *cntp)
{
	size_t per = (fs->bsize - EXT_HDR_SIZE) / EXT_ENTRY_SIZE, i, j, cnt;
	int depth = 0, error;

	cnt = (t->n + per - 1) / per;
	for (i = 0; i < cnt; i++) {
		size_t k = t->n - i * per < per ? t->n - i * per : per;
		if ((error = x_take(fs, pool, &child[i])) != 0 ||
		    (error = x_write_node(fs, ip, child[i], 0, t->e + i * per, k,
		    NULL, NULL)) != 0)
			return error;
		first[i] = t->e[i * per].lblk;
	}
	for (depth = 1; cnt > EXT_ROOT_MAX; depth++) {
		size_t ncnt = (cnt + per - 1) / per;
		for (j = 0; j < ncnt; j++) {
			size_t k = cnt - j * per < per ? cnt - j * per : per;
			uint64_t blk, f = first[j * per];
			if ((error = x_take(fs, pool, &blk)) != 0 ||
			    (error = x_write_node(fs, ip, blk, depth, NULL, k,
			    child + j * per, first + j * per)) != 0)
				return error;
			child[j] = blk;
			first[j] = f;
		}
		cnt = ncnt;
	}
	*depthp = depth;
	*cntp = cnt;
	return 0;
}

/* Writes the array back as a tree (see the top of the file). */
static int x_store(struct ext2fs *fs, struct ext2fs_inode *ip,
    struct xtree *t)
{
	size_t per = (fs->bsize - EXT_HDR_SIZE) / EXT_ENTRY_SIZE;
	struct xpool pool = { t, 0, 0, 0 };
	uint64_t *child = NULL, *first = NULL, per512 = fs->bsize >> 9;
	size_t cnt = (t->n + per - 1) / per, i;
	int depth = 0, error = 0;

	if (t->n > 0)
		pool.goal = t->e[t->n - 1].pblk + t->e[t->n - 1].len;
	if (t->n <= EXT_ROOT_MAX)
		x_fill(ip->iblock, I_BLOCK_SIZE, 0, t->e, t->n, NULL, NULL);
	else {
		child = calloc(cnt + 1, sizeof(*child));
		first = calloc(cnt + 1, sizeof(*first));
		if (child == NULL || first == NULL)
			error = ENOMEM;
		if (error == 0)
			error = x_build(fs, ip, t, &pool, child, first, &depth,
			    &cnt);
		if (error == 0)
			x_fill(ip->iblock, I_BLOCK_SIZE, depth, NULL, cnt, child,
			    first);
	}
	free(child);
	free(first);
	ip->blocks512 += pool.allocated * per512;
	for (i = pool.used; error == 0 && i < t->nblks; i++) {
		error = ext2fs_bfree(fs, t->blks[i], 1);
		ip->blocks512 -= per512;
	}
	ip->c_count = 0;
	return error;
}

static int x_cmp(const void *a, const void *b)
{
	const struct xent *x = a, *y = b;

	return x->lblk < y->lblk ? -1 : x->lblk > y->lblk;
}

static int x_push(struct xtree *t, uint64_t lblk, uint64_t len,
    uint64_t pblk, int uninit)
{
	int error = x_grow((void **)&t->e, &t->cap, t->n + 1, sizeof(*t->e));

	if (error == 0) {
		struct xent x = { lblk, len, pblk, uninit };
		t->e[t->n++] = x;
	}
	return error;
}

/* Sorts and merges neighbours that continue each other on disk. */
static void x_merge(struct xtree *t)
{
	size_t i, n = 0;

	qsort(t->e, t->n, sizeof(*t->e), x_cmp);
	for (i = 0; i < t->n; i++) {
		struct xent *p = n ? &t->e[n - 1] : NULL, *c = &t->e[i];
		uint64_t max = c->uninit ? EXT_MAX_UNINIT : EXT_MAX_INIT;
		if (p && p->uninit == c->uninit && p->lblk + p->len == c->lblk &&
		    p->pblk + p->len == c->pblk && p->len + c->len <= max)
			p->len += c->len;
		else
			t->e[n++] = *c;
	}
	t->n = n;
}

/* Removes [lblk, lblk + n) from the array, keeping what is around it. */
static int x_carve(struct xtree *t, uint64_t lblk, uint64_t n)
{
	size_t i, cnt = t->n;
	int error = 0;

	for (i = 0; i < cnt && error == 0; i++) {
		struct xent x = t->e[i];
		if (x.lblk + x.len <= lblk || x.lblk >= lblk + n)
			continue;
		t->e[i].len = 0;
		if (x.lblk < lblk)
			error = x_push(t, x.lblk, lblk - x.lblk, x.pblk, x.uninit);
		if (error == 0 && x.lblk + x.len > lblk + n)
			error = x_push(t, lblk + n, x.lblk + x.len - lblk - n,
			    x.pblk + (lblk + n - x.lblk), x.uninit);
	}
	for (i = 0, cnt = 0; i < t->n; i++)
		if (t->e[i].len)
			t->e[cnt++] = t->e[i];
	t->n = cnt;
	return error;
}

/* Maps [lblk, lblk + n) to pblk.. (or unmaps it when pblk is 0); the
 * blocks formerly mapped there are the caller's to free. */
int ext2fs_ext_set(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t lblk, uint64_t n, uint64_t pblk, int uninit)
{
	struct xtree t;
	int error;

	error = x_load(fs, ip, &t);
	if (error == 0)
		error = x_carve(&t, lblk, n);
	while (error == 0 && pblk != 0 && n > 0) {
		uint64_t k = n > EXT_MAX_UNINIT ? EXT_MAX_UNINIT : n;
		error = x_push(&t, lblk, k, pblk, uninit);
		lblk += k;
		pblk += k;
		n -= k;
	}
	if (error == 0) {
		x_merge(&t);
		error = x_store(fs, ip, &t);
	}
	x_free(&t);
	return error;
}

/* Frees every block from logical block `keep` on. */
int ext2fs_ext_truncate(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t keep)
{
	uint64_t per512 = fs->bsize >> 9;
	struct xtree t;
	size_t i;
	int error;

	error = x_load(fs, ip, &t);
	for (i = 0; error == 0 && i < t.n; i++) {
		struct xent *x = &t.e[i];
		uint64_t cut = x->lblk >= keep ? 0 : keep - x->lblk;
		if (cut >= x->len)
			continue;
		error = ext2fs_bfree(fs, x->pblk + cut, x->len - cut);
		ip->blocks512 -= (x->len - cut) * per512;
		x->len = cut;
	}
	if (error == 0) {
		size_t n = 0;
		for (i = 0; i < t.n; i++)
			if (t.e[i].len)
				t.e[n++] = t.e[i];
		t.n = n;
		error = x_store(fs, ip, &t);
	}
	x_free(&t);
	return error;
}

/* For a write at lblk: the mapping of up to n blocks from there, making
 * one (allocated near the previous block) where there is a hole or an
 * uninitialized extent. *fresh: the blocks hold no data yet. */
int ext2fs_ext_map_alloc(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t lblk, uint64_t n, uint64_t *pblk, uint64_t *got, int *fresh)
{
	struct xtree t;
	uint64_t goal = 0, end = lblk + n;
	size_t i;
	int error;

	error = x_load(fs, ip, &t);
	for (i = 0; error == 0 && i < t.n; i++) {
		struct xent *x = &t.e[i];
		if (x->lblk + x->len <= lblk) {
			goal = x->pblk + (lblk - x->lblk);
			continue;
		}
		if (x->lblk > lblk) {
			if (x->lblk < end)
				end = x->lblk;
			break;
		}
		*pblk = x->pblk + (lblk - x->lblk);
		*got = x->lblk + x->len - lblk < n ? x->lblk + x->len - lblk : n;
		*fresh = x->uninit;
		x_free(&t);
		return *fresh ? ext2fs_ext_set(fs, ip, lblk, *got, *pblk, 0) : 0;
	}
	x_free(&t);
	if (error)
		return error;
	if (goal == 0)
		goal = ext2fs_goal(fs, ip);
	error = ext2fs_balloc(fs, goal, end - lblk, pblk, got);
	if (error)
		return error;
	ip->blocks512 += *got * (fs->bsize >> 9);
	*fresh = 1;
	return ext2fs_ext_set(fs, ip, lblk, *got, *pblk, 0);
}
