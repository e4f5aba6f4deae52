/* ext2fs_htree_write.c: changing indexed directories: insert into the leaf for the hash, split full leaves and nodes, add a level, index a directory whose one block fills. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/ext2/ext2fs.h"
#include "fs/ext2/ext2fs_htree.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/*
 * An insert goes into the leaf the hash leads to. When that leaf is full,
 * its entries and the new one are sorted by hash and the upper half (by
 * bytes) moves to a new leaf, whose first hash goes into the parent node;
 * bit 0 of that hash says the split cut a run of equal hashes, so lookups
 * walk on into the new leaf. A full parent splits the same way, and a full
 * root moves its entries into a new node one level down (up to 2 levels
 * of nodes, 3 with large_dir), as the kernel does. Nothing is merged on
 * removal.
 *
 * Every block a split needs is appended to the directory before anything
 * is changed, so running out of space leaves the directory as it was.
 * Nodes are changed in the path's private copies and written back at the
 * end with their dx tail checksums.
 */
#define DX_NAME_ROOM DIRENT_LEN(255)

struct dx_ent {
	uint32_t hash, minor;
	unsigned off, len;      /* in the source buffer; len = DIRENT_LEN */
};

static size_t dx_leaf_end(const struct ext2fs *fs)
{
	return fs->bsize - (ext2fs_has_csum(fs) ? DIRENT_TAIL_SIZE : 0);
}

/* Writes a whole directory block: a node (co = its count offset) or a
 * leaf (co = 0). */
static int dx_put(struct ext2fs *fs, struct ext2fs_inode *dp, uint64_t lblk,
    const uint8_t *data, unsigned co)
{
	uint64_t pblk, run;
	struct buf *bp;
	int error;

	error = ext2fs_bmap(fs, dp, lblk, &pblk, &run);
	if (error == 0 && pblk == 0)
		error = vfs_corrupt(fs->mp, dp->ino, 0, "htree block %llu: "
		    "expected data, found a hole", (unsigned long long)lblk);
	if (error == 0)
		error = bget(fs->mp->mnt_bc, pblk << fs->log_bsize, fs->bsize,
		    &bp);
	if (error)
		return error;
	memcpy(bp->b_data, data, fs->bsize);
	if (co)
		ext2fs_csum_set_dx(fs, dp->ino, dp->generation, bp->b_data, co);
	else
		ext2fs_csum_set_dirleaf(fs, dp->ino, dp->generation, bp->b_data);
	ext2fs_bdirty(fs, bp);
	return 0;
}

/* Appends n blocks to the directory; on failure it is as it was. */
static int dx_append(struct ext2fs *fs, struct ext2fs_inode *dp, unsigned n,
    uint64_t *first)
{
	uint64_t old = dp->size, pblk, got;
	unsigned i;
	int error = 0, fresh;

	*first = dp->size >> fs->log_bsize;
	if (!(fs->incompat & INCOMPAT_LARGEDIR) &&
	    dp->size + ((uint64_t)n << fs->log_bsize) > 0x7fffffffu)
		return ENOSPC;
	for (i = 0; i < n && error == 0; i++) {
		error = ext2fs_map_alloc(fs, dp, *first + i, 1, &pblk, &got,
		    &fresh);
		if (error == 0)
			dp->size += fs->bsize;
	}
	if (error && dp->size > old)
		ext2fs_truncate(fs, dp, old);
	return error;
}

/* An empty interior node: the fake entry spanning the block, no entries. */
static void dx_node_init(struct ext2fs *fs, uint8_t *data)
{
	memset(data, 0, fs->bsize);
	le16enc(data + 4, (uint16_t)fs->bsize);
	le16enc(data + DX_NODE_COUNT, (uint16_t)dx_limit(fs, DX_NODE_COUNT));
}

static void dx_set_count(struct dx_frame *fr, unsigned count)
{
	fr->count = count;
	le16enc(fr->data + fr->co + 2, (uint16_t)count);
	fr->dirty = 1;
}

/* (hash, blk) becomes entry pos (>= 1) of fr, which has room. */
static void dx_insert_at(struct dx_frame *fr, unsigned pos, uint32_t hash,
    uint64_t blk)
{
	uint8_t *e = fr->data + fr->co + 8 * pos;

	memmove(e + 8, e, 8 * (size_t)(fr->count - pos));
	le32enc(e, hash);
	le32enc(e + 4, (uint32_t)blk);
	dx_set_count(fr, fr->count + 1);
}

/* How many new nodes a split below a full path needs; ENOSPC when every
 * level is full and the tree is as deep as the file system allows. */
static int dx_plan(struct ext2fs *fs, const struct dx_path *path,
    unsigned *nodes)
{
	int l = path->levels - 1;

	while (l >= 0 && path->f[l].count >= dx_limit(fs, path->f[l].co))
		l--;
	if (l >= 0) {
		*nodes = (unsigned)(path->levels - 1 - l);
		return 0;
	}
	if (path->levels >= dx_maxlevels(fs))
		return ENOSPC;  /* the kernel: "index full" */
	*nodes = (unsigned)path->levels;
	return 0;
}

/* The full root's entries move into new node lblk, the root's only child. */
static void dx_add_level(struct ext2fs *fs, struct dx_path *path,
    uint64_t lblk)
{
	struct dx_frame *root = &path->f[0], *nf;
	uint8_t *spare = path->f[path->levels].data;

	memmove(&path->f[2], &path->f[1],
	    (size_t)(path->levels - 1) * sizeof(path->f[0]));
	nf = &path->f[1];
	nf->data = spare;
	dx_node_init(fs, spare);
	memcpy(spare + DX_NODE_COUNT + 4, root->data + DX_ROOT_COUNT + 4,
	    8 * (size_t)root->count - 4);
	nf->lblk = lblk;
	nf->co = DX_NODE_COUNT;
	nf->at = root->at;
	dx_set_count(nf, root->count);
	le32enc(root->data + DX_ROOT_COUNT + 4, (uint32_t)lblk);
	root->data[DX_ROOT_INFO + 6]++;
	root->at = 0;
	dx_set_count(root, 1);
	path->levels++;
}

/* Full node l gives its upper half to new node lblk; the parent gets an
 * entry for it and the path follows whichever half holds `at`. */
static int dx_split_node(struct ext2fs *fs, struct ext2fs_inode *dp,
    struct dx_path *path, int l, uint64_t lblk, uint8_t *tmp)
{
	struct dx_frame *fr = &path->f[l], *up = &path->f[l - 1];
	unsigned c = fr->count, h = c / 2;
	uint32_t hash = dx_hash_at(fr, h);
	int error;

	dx_node_init(fs, tmp);
	memcpy(tmp + DX_NODE_COUNT + 4, fr->data + fr->co + 8 * h + 4,
	    8 * (size_t)(c - h) - 4);
	le16enc(tmp + DX_NODE_COUNT + 2, (uint16_t)(c - h));
	dx_set_count(fr, h);
	dx_insert_at(up, up->at + 1, hash, lblk);
	if (fr->at < h)
		return dx_put(fs, dp, lblk, tmp, DX_NODE_COUNT);
	error = dx_put(fs, dp, fr->lblk, fr->data, fr->co);
	memcpy(fr->data, tmp, fs->bsize);
	fr->lblk = lblk;
	fr->at -= h;
	dx_set_count(fr, c - h);
	up->at++;
	return error;
}

/* Makes room for one more entry in the leaf's parent, using the new
 * blocks from `first` on. */
static int dx_make_room(struct ext2fs *fs, struct ext2fs_inode *dp,
    struct dx_path *path, unsigned nodes, uint64_t first, uint8_t *tmp)
{
	int l, error;

	if (nodes == 0)
		return 0;
	if (nodes == (unsigned)path->levels && path->f[0].count >=
	    dx_limit(fs, DX_ROOT_COUNT)) {
		dx_add_level(fs, path, first++);
		nodes--;
	}
	for (l = path->levels - (int)nodes; l < path->levels; l++) {
		error = dx_split_node(fs, dp, path, l, first++, tmp);
		if (error)
			return error;
	}
	return 0;
}

struct dx_collect {
	struct dx_ent *ents;
	size_t n;
	int skip_dots;
};

static int dx_collect_fn(void *arg, size_t off, uint64_t ino,
    const uint8_t *name, size_t namelen, unsigned ftype, size_t reclen)
{
	struct dx_collect *c = arg;

	if (ino == 0 || (c->skip_dots && off < 24 && name[0] == '.' &&
	    (namelen == 1 || (namelen == 2 && name[1] == '.'))))
		return 0;
	c->ents[c->n].off = (unsigned)off;
	c->ents[c->n].len = DIRENT_LEN(namelen);
	c->n++;
	return 0;
}

static int dx_ent_cmp(const void *a, const void *b)
{
	const struct dx_ent *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	if (x->minor != y->minor)
		return x->minor < y->minor ? -1 : 1;
	return 0;
}

/* Entries ents[0..n) of src, packed into an empty leaf. */
static void dx_pack(struct ext2fs *fs, uint8_t *out, const uint8_t *src,
    const struct dx_ent *ents, size_t n)
{
	size_t i, off = 0, end = dx_leaf_end(fs);

	memset(out, 0, fs->bsize);
	for (i = 0; i < n; i++) {
		const uint8_t *d = src + ents[i].off;
		memcpy(out + off, d, 8 + (size_t)d[6]);
		le16enc(out + off + 4, (uint16_t)(i + 1 < n ? ents[i].len :
		    end - off));
		off += ents[i].len;
	}
	if (n == 0)
		le16enc(out + 4, (uint16_t)end);
}

/* The smallest prefix holding half the bytes, leaving both sides one
 * entry at least; both halves then fit in a block. */
static size_t dx_split_point(const struct dx_ent *ents, size_t n)
{
	size_t total = 0, acc = 0, s;

	for (s = 0; s < n; s++)
		total += ents[s].len;
	for (s = 0; s < n && acc < total / 2; s++)
		acc += ents[s].len;
	if (s < 1)
		s = 1;
	return s < n ? s : n - 1;
}

/* Full leaf `leaf` (its bytes in src, the new entry at src + bsize) is
 * split into itself and new leaf nlblk; the parent has room. */
static int dx_split_leaf(struct ext2fs *fs, struct ext2fs_inode *dp,
    struct dx_path *path, uint64_t leaf, uint64_t nlblk, uint8_t *src,
    uint8_t *out)
{
	struct dx_frame *fr = &path->f[path->levels - 1];
	struct dx_collect c = { NULL, 0, 0 };
	size_t i, s;
	uint32_t hash;
	int error;

	c.ents = malloc((fs->bsize / DIRENT_MIN_SIZE + 2) * sizeof(*c.ents));
	if (c.ents == NULL)
		return ENOMEM;
	error = ext2fs_dirent_walk(fs, dp, 0, src, dx_leaf_end(fs),
	    dx_collect_fn, &c);
	c.ents[c.n].off = (unsigned)fs->bsize;
	c.ents[c.n++].len = DIRENT_LEN(src[fs->bsize + 6]);
	if (error == 0 && c.n < 2)
		error = vfs_corrupt(fs->mp, dp->ino, 0, "htree leaf %llu: "
		    "expected entries in a full block, found none",
		    (unsigned long long)leaf);
	for (i = 0; i < c.n && error == 0; i++)
		error = ext2fs_dx_hash(path->version, fs->hash_seed,
		    (const char *)src + c.ents[i].off + 8,
		    src[c.ents[i].off + 6], &c.ents[i].hash, &c.ents[i].minor);
	if (error == 0) {
		qsort(c.ents, c.n, sizeof(*c.ents), dx_ent_cmp);
		s = dx_split_point(c.ents, c.n);
		hash = c.ents[s].hash | (c.ents[s - 1].hash == c.ents[s].hash);
		dx_insert_at(fr, fr->at + 1, hash, nlblk);
		dx_pack(fs, out, src, c.ents, s);
		error = dx_put(fs, dp, leaf, out, 0);
	}
	if (error == 0) {
		dx_pack(fs, out, src, c.ents + s, c.n - s);
		error = dx_put(fs, dp, nlblk, out, 0);
	}
	free(c.ents);
	return error;
}

/* Every changed node of the path back to its block. */
static int dx_flush(struct ext2fs *fs, struct ext2fs_inode *dp,
    struct dx_path *path)
{
	int l, error;

	for (l = 0; l < path->levels; l++) {
		if (!path->f[l].dirty)
			continue;
		error = dx_put(fs, dp, path->f[l].lblk, path->f[l].data,
		    path->f[l].co);
		if (error)
			return error;
		path->f[l].dirty = 0;
	}
	return 0;
}

/* Copies leaf lblk into src; inserts the entry there if it fits (0), else
 * ENOSPC with the new entry built at src + bsize. */
static int dx_leaf_try(struct ext2fs *fs, struct ext2fs_inode *dp,
    uint64_t lblk, uint8_t *src, const char *name, size_t namelen,
    uint64_t ino, unsigned ftype)
{
	struct buf *bp;
	int error;

	error = ext2fs_dirblock_read(fs, dp, lblk, &bp);
	if (error)
		return error;
	if (bp == NULL)
		return vfs_corrupt(fs->mp, dp->ino, 0, "htree leaf %llu: "
		    "expected data, found a hole", (unsigned long long)lblk);
	if (ext2fs_dirent_insert(bp->b_data, dx_leaf_end(fs), ino, name,
	    namelen, ftype)) {
		ext2fs_csum_set_dirleaf(fs, dp->ino, dp->generation, bp->b_data);
		ext2fs_bdirty(fs, bp);
		return 0;
	}
	memcpy(src, bp->b_data, fs->bsize);
	brelse(bp);
	ext2fs_dirent_put(src + fs->bsize, ino, DIRENT_LEN(namelen), name,
	    namelen, ftype);
	return ENOSPC;
}

static int dx_add(struct ext2fs *fs, struct ext2fs_inode *dp,
    struct dx_path *path, const char *name, size_t namelen, uint64_t ino,
    unsigned ftype, uint8_t *src, uint8_t *tmp)
{
	uint64_t leaf, first;
	unsigned nodes;
	int error;

	error = ext2fs_dx_probe(fs, dp, path, name, namelen);
	if (error == 0)
		error = ext2fs_dx_leaf(fs, dp, path, &leaf);
	if (error == 0)
		error = dx_leaf_try(fs, dp, leaf, src, name, namelen, ino, ftype);
	if (error != ENOSPC)
		return error;
	error = dx_plan(fs, path, &nodes);
	if (error == 0)
		error = dx_append(fs, dp, nodes + 1, &first);
	if (error)
		return error;
	path->nblocks = dp->size >> fs->log_bsize;
	error = dx_make_room(fs, dp, path, nodes, first, tmp);
	if (error == 0)
		error = dx_split_leaf(fs, dp, path, leaf, first + nodes, src, tmp);
	if (error == 0)
		error = dx_flush(fs, dp, path);
	if (error == 0)
		error = ext2fs_iupdate(fs, dp);
	return error;
}

/* Adds name -> ino through the index; ENOTSUP: no usable index. */
int ext2fs_htree_add(struct ext2fs *fs, struct ext2fs_inode *dp,
    const char *name, size_t namelen, uint64_t ino, unsigned ftype)
{
	struct dx_path path;
	uint8_t *mem;
	int error;

	error = ext2fs_dx_path_init(fs, dp, &path);
	if (error)
		return error;
	mem = malloc(2 * (size_t)fs->bsize + DX_NAME_ROOM);
	if (mem == NULL)
		error = ENOMEM;
	else
		error = dx_add(fs, dp, &path, name, namelen, ino, ftype, mem,
		    mem + fs->bsize + DX_NAME_ROOM);
	free(mem);
	ext2fs_dx_path_free(&path);
	return error;
}

/* Removes or retargets op->name in the leaves its hash leads to. */
int ext2fs_htree_change(struct ext2fs *fs, struct ext2fs_inode *dp,
    struct ext2fs_dirop *op)
{
	struct dx_path path;
	uint64_t lblk, visits = 0;
	struct buf *bp;
	int more = 1, error;

	error = ext2fs_dx_path_init(fs, dp, &path);
	if (error)
		return error;
	error = ext2fs_dx_probe(fs, dp, &path, op->name, op->namelen);
	while (error == 0 && more) {
		error = ext2fs_dx_leaf(fs, dp, &path, &lblk);
		if (error == 0 && ++visits > path.nblocks)
			error = vfs_corrupt(fs->mp, dp->ino, 0, "htree: expected "
			    "at most %llu leaves per name, found more",
			    (unsigned long long)path.nblocks);
		if (error == 0)
			error = ext2fs_dirblock_read(fs, dp, lblk, &bp);
		if (error)
			break;
		if (bp != NULL && ext2fs_dirent_apply(fs, op, bp->b_data,
		    dx_leaf_end(fs))) {
			ext2fs_csum_set_dirleaf(fs, dp->ino, dp->generation,
			    bp->b_data);
			ext2fs_bdirty(fs, bp);
			break;
		}
		if (bp != NULL)
			brelse(bp);
		error = ext2fs_dx_next(fs, dp, &path, &more);
		if (error == 0 && !more)
			error = ENOENT;
	}
	ext2fs_dx_path_free(&path);
	return error;
}

/* The kernel's way when the only block of a linear directory fills: block
 * 0 keeps "." and ".." and becomes the root; the other entries move to
 * block 1, its one leaf. ENOTSUP: stay linear. */
int ext2fs_htree_index(struct ext2fs *fs, struct ext2fs_inode *dp)
{
	unsigned version = fs->sb[SB_DEF_HASH_VERSION];
	struct dx_collect c = { NULL, 0, 1 };
	uint8_t *src = NULL, *out;
	uint64_t first;
	struct buf *bp;
	int error;

	if (!(fs->compat & COMPAT_DIR_INDEX) || version > DX_HASH_TEA ||
	    dp->size != fs->bsize || (dp->flags & IFL_INDEX))
		return ENOTSUP;
	error = ext2fs_dirblock_read(fs, dp, 0, &bp);
	if (error || bp == NULL)
		return error ? error : ENOTSUP;
	src = malloc(2 * (size_t)fs->bsize);
	c.ents = malloc((fs->bsize / DIRENT_MIN_SIZE + 1) * sizeof(*c.ents));
	if (src == NULL || c.ents == NULL) {
		brelse(bp);
		free(src);
		free(c.ents);
		return ENOMEM;
	}
	memcpy(src, bp->b_data, fs->bsize);
	brelse(bp);
	out = src + fs->bsize;
	if (le32dec(src) != dp->ino || le16dec(src + 4) != 12 ||
	    src[12 + 6] != 2 || src[12 + 8] != '.' || src[12 + 9] != '.')
		error = ENOTSUP;        /* not the layout a root needs */
	if (error == 0)
		error = ext2fs_dirent_walk(fs, dp, 0, src, dx_leaf_end(fs),
		    dx_collect_fn, &c);
	if (error == 0)
		error = dx_append(fs, dp, 1, &first);
	if (error == 0) {
		dx_pack(fs, out, src, c.ents, c.n);
		error = dx_put(fs, dp, first, out, 0);
	}
	if (error == 0) {
		memset(src + 24, 0, fs->bsize - 24);
		le16enc(src + 12 + 4, (uint16_t)(fs->bsize - 12));
		src[DX_ROOT_INFO + 4] = (uint8_t)version;
		src[DX_ROOT_INFO + 5] = 8;
		le16enc(src + DX_ROOT_COUNT, (uint16_t)dx_limit(fs, DX_ROOT_COUNT));
		le16enc(src + DX_ROOT_COUNT + 2, 1);
		le32enc(src + DX_ROOT_COUNT + 4, (uint32_t)first);
		dp->flags |= IFL_INDEX;
		error = dx_put(fs, dp, 0, src, DX_ROOT_COUNT);
	}
	if (error == 0)
		error = ext2fs_iupdate(fs, dp);
	free(src);
	free(c.ents);
	return error;
}
