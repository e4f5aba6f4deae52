/* ext2fs_xattr_list.c: extended attributes held in memory while they change, and laid out again into an inode's area or an xattr block. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/endian.h"

/*
 * A change reads one region (the in-inode area or the block) into a list,
 * edits the list and writes the region again from scratch: entries upward
 * from the region's start, each 16 bytes plus its name padded to 4; values
 * downward from the region's end, each padded to 4 with zeros; a 4-byte zero
 * after the last entry. Nothing of the old layout survives, so a value that
 * overlapped another on a damaged image cannot spread.
 */
#define XL_PAD(n) (((size_t)(n) + 3) & ~(size_t)3)
#define NAME_HASH_SHIFT  5
#define VALUE_HASH_SHIFT 16
#define BLOCK_HASH_SHIFT 16

void ext2fs_xl_free(struct ext2fs_xlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].val);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* Sets entry `at` (or appends one when at < 0) to a copy of the value. */
int ext2fs_xl_set(struct ext2fs_xlist *l, int at, unsigned index,
    const uint8_t *name, size_t namelen, const uint8_t *val, uint32_t size)
{
	struct ext2fs_xattr *e;
	uint8_t *copy = NULL;

	if (size > 0) {
		if ((copy = malloc(size)) == NULL)
			return ENOMEM;
		memcpy(copy, val, size);
	}
	if (at < 0 && l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 8;
		struct ext2fs_xattr *nv = realloc(l->v, ncap * sizeof(*nv));
		if (nv == NULL) {
			free(copy);
			return ENOMEM;
		}
		l->v = nv;
		l->cap = ncap;
	}
	if (at < 0)
		at = (int)l->n++;
	else
		free(l->v[at].val);
	e = &l->v[at];
	e->index = (uint8_t)index;
	e->namelen = (uint8_t)namelen;
	memcpy(e->name, name, namelen);
	e->size = size;
	e->val = copy;
	return 0;
}

void ext2fs_xl_del(struct ext2fs_xlist *l, int at)
{
	free(l->v[at].val);
	memmove(&l->v[at], &l->v[at + 1], (l->n - (size_t)at - 1) *
	    sizeof(l->v[0]));
	l->n--;
}

int ext2fs_xl_find(const struct ext2fs_xlist *l, unsigned index,
    const uint8_t *name, size_t namelen)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].index == index && l->v[i].namelen == namelen &&
		    memcmp(l->v[i].name, name, namelen) == 0)
			return (int)i;
	return -1;
}

/* The kernel looks attributes up in a block by this order and stops at the
 * first entry past the one it wants: index, then name length, then name. */
static int xl_cmp(const void *a, const void *b)
{
	const struct ext2fs_xattr *x = a, *y = b;

	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	if (x->namelen != y->namelen)
		return x->namelen < y->namelen ? -1 : 1;
	return memcmp(x->name, y->name, x->namelen);
}

void ext2fs_xl_sort(struct ext2fs_xlist *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(l->v[0]), xl_cmp);
}

/* Bytes one attribute takes in a region: entry, name and value. */
size_t ext2fs_xl_entsize(size_t namelen, uint32_t size)
{
	return XATTR_ENTRY_SIZE + XL_PAD(namelen) + XL_PAD(size);
}

/* Bytes the whole list takes, the closing zero word included. */
size_t ext2fs_xl_space(const struct ext2fs_xlist *l)
{
	size_t i, n = 4;

	for (i = 0; i < l->n; i++)
		n += ext2fs_xl_entsize(l->v[i].namelen, l->v[i].size);
	return n;
}

/* The entry hash: the name's bytes, then the value's 32-bit words (its
 * padding is zero). Bytes count as unsigned, as Linux 6.2 and e2fsprogs
 * 1.47 compute it; for ASCII names both old and new forms agree. */
static uint32_t xl_entry_hash(const uint8_t *name, size_t namelen,
    const uint8_t *val, size_t padded)
{
	uint32_t h = 0;
	size_t i;

	for (i = 0; i < namelen; i++)
		h = (h << NAME_HASH_SHIFT) ^ (h >> (32 - NAME_HASH_SHIFT)) ^
		    name[i];
	for (i = 0; i < padded; i += 4)
		h = (h << VALUE_HASH_SHIFT) ^ (h >> (32 - VALUE_HASH_SHIFT)) ^
		    le32dec(val + i);
	return h;
}

/* The block hash, from the entry hashes (0 if any is 0, as in the kernel). */
uint32_t ext2fs_xl_block_hash(const uint8_t *ents, const uint8_t *end)
{
	const uint8_t *p = ents;
	uint32_t h = 0;

	while (end - p >= XATTR_ENTRY_SIZE && le32dec(p) != 0) {
		uint32_t eh = le32dec(p + 12);
		if (eh == 0)
			return 0;
		h = (h << BLOCK_HASH_SHIFT) ^ (h >> (32 - BLOCK_HASH_SHIFT)) ^ eh;
		p += XATTR_ENTRY_SIZE + XL_PAD(p[0]);
	}
	return h;
}

/* Writes the list into [ents, end); the caller has checked that
 * ext2fs_xl_space(l) fits. Value offsets count from vbase. */
void ext2fs_xl_encode(const struct ext2fs_xlist *l, uint8_t *ents,
    uint8_t *end, const uint8_t *vbase)
{
	uint8_t *p = ents, *v = end;
	size_t i;

	memset(ents, 0, (size_t)(end - ents));
	for (i = 0; i < l->n; i++) {
		const struct ext2fs_xattr *e = &l->v[i];
		if (e->size > 0) {
			v -= XL_PAD(e->size);
			memcpy(v, e->val, e->size);
		}
		p[0] = e->namelen;
		p[1] = e->index;
		le16enc(p + 2, e->size ? (uint16_t)(v - vbase) : 0);
		le32enc(p + 4, 0);
		le32enc(p + 8, e->size);
		le32enc(p + 12, xl_entry_hash(e->name, e->namelen, v,
		    e->size ? XL_PAD(e->size) : 0));
		memcpy(p + XATTR_ENTRY_SIZE, e->name, e->namelen);
		p += XATTR_ENTRY_SIZE + XL_PAD(e->namelen);
	}
}

static int xl_load_fn(void *arg, const struct ext2fs_xent *e)
{
	if (e->val == NULL)
		return EOPNOTSUPP;   /* a value in its own inode (ea_inode) */
	return ext2fs_xl_set(arg, -1, e->index, e->name, e->namelen, e->val,
	    e->size);
}

/* The attributes of the inode's area (block == 0) or of its block. */
int ext2fs_xl_load(struct ext2fs *fs, struct ext2fs_inode *ip, int block,
    struct ext2fs_xlist *l)
{
	int error;

	memset(l, 0, sizeof(*l));
	error = block ? ext2fs_xattr_walk_block(fs, ip, xl_load_fn, l) :
	    ext2fs_xattr_walk_ibody(fs, ip, xl_load_fn, l);
	if (error)
		ext2fs_xl_free(l);
	return error;
}
