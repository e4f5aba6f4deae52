/* ext2fs_dircache.c: a per-directory name -> inode hash table, so lookups in big linear directories are not quadratic. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/*
 * Invariant: when dp->dcache is set, it holds exactly the live entries of
 * the directory's blocks. The first lookup in a linear directory of more
 * than EXT2_DCACHE_MIN_BLOCKS blocks builds it in one pass (each block read
 * and checksum-verified once). A change to a linear directory's entries
 * is applied to the table too (ext2fs_dcache_note), so filling a big
 * directory is not quadratic; any other change drops the table. Memory is
 * bounded by the directory size (itself capped at EXT2_DCACHE_MAX_BYTES;
 * bigger directories scan).
 */
#define EXT2_DCACHE_MIN_BLOCKS 4
#define EXT2_DCACHE_MAX_BYTES  (64u << 20)

/* A removed entry's slot: skipped by lookups, never reused (the probe
 * chains through it stay intact). */
#define DC_GONE UINT32_MAX

struct ext2fs_dcent {
	uint32_t ino;       /* 0: empty slot; DC_GONE: a removed entry */
	uint32_t nameoff;   /* into names */
	uint8_t namelen;
};

struct ext2fs_dcache {
	struct ext2fs_dcent *slots;
	size_t nslots;      /* a power of two, at most half full */
	size_t nents;
	char *names;
	size_t namesused, namescap;
};

static uint64_t dc_hash(const char *name, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (uint8_t)name[i]) * 0x100000001b3ULL;
	return h;
}

void ext2fs_dcache_drop(struct ext2fs_inode *dp)
{
	struct ext2fs_dcache *dc = dp->dcache;

	if (dc == NULL)
		return;
	free(dc->slots);
	free(dc->names);
	free(dc);
	dp->dcache = NULL;
}

static struct ext2fs_dcent *dc_find(struct ext2fs_dcache *dc,
    const char *name, size_t namelen)
{
	size_t i = (size_t)dc_hash(name, namelen) & (dc->nslots - 1);

	for (; dc->slots[i].ino != 0; i = (i + 1) & (dc->nslots - 1))
		if (dc->slots[i].ino != DC_GONE &&
		    dc->slots[i].namelen == namelen && memcmp(dc->names +
		    dc->slots[i].nameoff, name, namelen) == 0)
			return &dc->slots[i];
	return NULL;
}

/* Adds one entry; the first of two equal names wins, as in a scan. */
static int dc_add(struct ext2fs_dcache *dc, const uint8_t *name,
    size_t namelen, uint32_t ino)
{
	size_t i = (size_t)dc_hash((const char *)name, namelen) &
	    (dc->nslots - 1);

	if (dc_find(dc, (const char *)name, namelen) != NULL)
		return 0;
	while (dc->slots[i].ino != 0)
		i = (i + 1) & (dc->nslots - 1);
	if (dc->namesused + namelen > dc->namescap)
		return ENOMEM;  /* the blocks hold no more than they size */
	memcpy(dc->names + dc->namesused, name, namelen);
	dc->slots[i].ino = ino;
	dc->slots[i].nameoff = (uint32_t)dc->namesused;
	dc->slots[i].namelen = (uint8_t)namelen;
	dc->namesused += namelen;
	dc->nents++;
	return 0;
}

static int dc_walk_fn(void *arg, size_t off, uint64_t ino,
    const uint8_t *name, size_t namelen, unsigned ftype, size_t reclen)
{
	if (ino == 0)
		return 0;
	return dc_add(arg, name, namelen, (uint32_t)ino);
}

struct dc_filling {
	struct ext2fs *fs;
	struct ext2fs_inode *dp;
	struct ext2fs_dcache *dc;
};

static int dc_fill_block(void *arg, uint64_t pblk, const uint8_t *data)
{
	struct dc_filling *f = arg;

	return ext2fs_dirent_walk(f->fs, f->dp, pblk, data, f->fs->bsize,
	    dc_walk_fn, f->dc);
}

static int dc_fill(struct ext2fs *fs, struct ext2fs_inode *dp,
    struct ext2fs_dcache *dc)
{
	struct dc_filling f = { fs, dp, dc };

	return ext2fs_dirblocks_each(fs, dp, dc_fill_block, &f);
}

/* Builds the table if the directory deserves one; 0 if it has one now,
 * ENOTSUP if the caller should scan. */
static int dc_build(struct ext2fs *fs, struct ext2fs_inode *dp)
{
	uint64_t nblocks = (dp->size + fs->bsize - 1) >> fs->log_bsize;
	uint64_t maxents = dp->size / DIRENT_MIN_SIZE + 1;
	struct ext2fs_dcache *dc;
	int error;

	if (nblocks <= EXT2_DCACHE_MIN_BLOCKS || dp->size > EXT2_DCACHE_MAX_BYTES)
		return ENOTSUP;
	dc = calloc(1, sizeof(*dc));
	if (dc == NULL)
		return ENOMEM;
	dc->nslots = 16;
	while (dc->nslots < 2 * maxents)
		dc->nslots <<= 1;
	dc->slots = calloc(dc->nslots, sizeof(*dc->slots));
	dc->namescap = (size_t)dp->size;
	dc->names = malloc(dc->namescap);
	dp->dcache = dc;
	if (dc->slots == NULL || dc->names == NULL)
		error = ENOMEM;
	else
		error = dc_fill(fs, dp, dc);
	if (error)
		ext2fs_dcache_drop(dp);
	return error;
}

/* Lookup through the table: 0 + *ino, ENOENT, ENOTSUP (scan), or an error. */
int ext2fs_dcache_lookup(struct ext2fs *fs, struct ext2fs_inode *dp,
    const char *name, size_t namelen, uint64_t *ino)
{
	struct ext2fs_dcent *e;
	int error;

	if (dp->dcache == NULL && (error = dc_build(fs, dp)) != 0)
		return error;
	if ((e = dc_find(dp->dcache, name, namelen)) == NULL)
		return ENOENT;
	*ino = e->ino;
	return 0;
}

/* Room for one more name and one more slot (at most half full), or not. */
static int dc_reserve(struct ext2fs_dcache *dc, size_t namelen)
{
	char *names;
	size_t cap;

	if ((dc->nents + 1) * 2 > dc->nslots)
		return ENOMEM;   /* dropped; the next lookup sizes a new one */
	if (dc->namesused + namelen <= dc->namescap)
		return 0;
	cap = dc->namescap * 2 + namelen;
	if ((names = realloc(dc->names, cap)) == NULL)
		return ENOMEM;
	dc->names = names;
	dc->namescap = cap;
	return 0;
}

/*
 * The linear directory dp's entry name was just added (op 'a'), removed
 * ('r') or pointed at another inode ('s') in its blocks: the same change in
 * the table, if there is one. When it cannot follow, the table goes.
 */
void ext2fs_dcache_note(struct ext2fs_inode *dp, int op, const char *name,
    size_t namelen, uint64_t ino)
{
	struct ext2fs_dcache *dc = dp->dcache;
	struct ext2fs_dcent *e;

	if (dc == NULL)
		return;
	e = dc_find(dc, name, namelen);
	if (op == 'a' && e == NULL && ino != 0 && ino < DC_GONE &&
	    dc_reserve(dc, namelen) == 0 &&
	    dc_add(dc, (const uint8_t *)name, namelen, (uint32_t)ino) == 0)
		return;
	if (op == 'r' && e != NULL) {
		e->ino = DC_GONE;
		return;
	}
	if (op == 's' && e != NULL && ino != 0 && ino < DC_GONE) {
		e->ino = (uint32_t)ino;
		return;
	}
	ext2fs_dcache_drop(dp);
}
