/* ext2fs_fsck_dirs.c: fsck pass 2: every directory block, its entries, ".", "..", file types and checksums. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/ext2/ext2fs_fsck.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/*
 * Each directory is walked block by block in logical order. An entry that
 * is malformed ends the block: with -y the rest of the block is given to
 * the previous entry (or becomes one empty entry), as e2fsck does. An entry
 * naming something unusable (an unused or out-of-range inode, a second
 * name for a directory, a stray "." or "..") is cleared by merging it into
 * the entry before it. Counts gathered here (names per inode, each
 * directory's parent and "..") feed passes 3 and 4.
 */

struct fsck_dir {
	struct ext2fs_fsck *fk;
	uint32_t ino, gen;
	uint8_t *raw;
	struct fsck_htree *ht;
	uint64_t next;          /* next logical block expected */
	uint64_t lblk;          /* block being checked */
	unsigned idx;           /* entry index in the block */
	int dirty;
	int trim;               /* entries may end at the block end: trim */
	int raw_dirty;          /* the inode changed (a hole filled) */
	char path[256];
};

/* The directory's path, looked up the first time a message needs it. */
static const char *dpath(struct fsck_dir *dd)
{
	if (dd->path[0] == '\0')
		fsck_dirpath(dd->fk, dd->ino, dd->path, sizeof(dd->path));
	return dd->path;
}

static int is_dots(const uint8_t *name, size_t len)
{
	return name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.'));
}

/* Rewrites entry d (rec_len kept, at least 12) as '.' or '..' naming ino;
 * the rest of its first 4 name bytes is zeroed (e2fsck wants a NUL). */
static void fsck_make_dot(struct fsck_dir *dd, uint8_t *d, uint32_t ino)
{
	unsigned nl = dd->idx + 1;

	le32enc(d, ino);
	d[6] = (uint8_t)nl;
	d[7] = (dd->fk->fs->incompat & INCOMPAT_FILETYPE) ? 2 : 0;
	memset(d + 8, 0, 4);
	memcpy(d + 8, "..", nl);
	dd->dirty = 1;
}

/* '.' or '..' followed by a byte other than NUL. */
static int fsck_dot_unterminated(struct fsck_dir *dd, const uint8_t *d)
{
	return d[8 + dd->idx + 1] != 0 && fsck_say(dd->fk, FIX_ASK,
	    "directory inode %u (%s): '%s' entry not NUL-terminated", dd->ino,
	    dpath(dd), dd->idx ? ".." : ".");
}

/*
 * "." and ".." at the head of block 0; 1 if this entry is (now) one of
 * them. As e2fsck does, a missing one is written over the entry in its
 * place (whose name is lost: pass 4 finds what it named); a missing ".."
 * names the root until pass 3 sets it to the real parent.
 */
static int fsck_dot_entry(struct fsck_dir *dd, uint8_t *d)
{
	struct ext2fs_fsck *fk = dd->fk;
	uint32_t ino = le32dec(d);
	unsigned nl = d[6];

	if (dd->lblk != 0 || dd->idx > 1)
		return 0;
	if (ino == 0 || nl != dd->idx + 1 || memcmp(d + 8, "..", nl) != 0) {
		if (!fsck_say(fk, FIX_ASK, "directory inode %u (%s): missing "
		    "'%s'", dd->ino, dpath(dd), dd->idx ? ".." : "."))
			return 0;
		ino = dd->idx ? EXT2_ROOT_INO : dd->ino;
		fsck_make_dot(dd, d, ino);
	} else if (fsck_dot_unterminated(dd, d))
		fsck_make_dot(dd, d, ino);
	if (dd->idx == 0) {
		if (ino != dd->ino && fsck_say(fk, FIX_ASK, "directory inode %u "
		    "(%s): '.' is inode %u", dd->ino, dpath(dd), ino)) {
			le32enc(d, dd->ino);
			dd->dirty = 1;
		}
		fk->refs[dd->ino]++;
	} else
		fk->dotdot[dd->ino] = ino;
	return 1;
}

/* A '.' entry with room for more than one more entry after its 12 bytes
 * hides where '..' belongs: split off the rest as an empty entry (the
 * limit is e2fsck's). */
static void fsck_dot_split(struct fsck_dir *dd, uint8_t *d, size_t *rl)
{
	const struct ext2fs *fs = dd->fk->fs;

	if (dd->lblk != 0 || dd->idx != 0 || le32dec(d) != dd->ino ||
	    d[6] != 1 || *rl <= 2 * DIRENT_MIN_SIZE ||
	    !fsck_say(dd->fk, FIX_ASK, "directory inode %u (%s): '.' entry "
	    "is %zu bytes long: splitting", dd->ino, dpath(dd), *rl))
		return;
	memset(d + DIRENT_MIN_SIZE, 0, 8);
	ext2fs_set_rec_len(fs, d + DIRENT_MIN_SIZE, *rl - DIRENT_MIN_SIZE);
	ext2fs_set_rec_len(fs, d, DIRENT_MIN_SIZE);
	*rl = DIRENT_MIN_SIZE;
	dd->dirty = 1;
}

/* Whether an entry must go; says why. Counts the name if it stays. */
static int fsck_entry_bad(struct fsck_dir *dd, uint8_t *d)
{
	struct ext2fs_fsck *fk = dd->fk;
	uint32_t ino = le32dec(d);
	unsigned nl = d[6];
	const char *why = NULL;
	uint8_t st;

	if (nl == 0 || memchr(d + 8, '/', nl) || memchr(d + 8, '\0', nl))
		why = "a bad name";
	else if (is_dots(d + 8, nl))
		why = "a second '.' or '..'";
	else if (ino > fk->ninodes ||
	    (ino < fk->fs->first_ino && ino != EXT2_ROOT_INO))
		why = "a bad or reserved inode number";
	else if (IS_TYPE(fk->istate[ino]) == IS_FREE)
		why = "an unused inode";
	else if (IS_TYPE(fk->istate[ino]) == IS_DIR &&
	    (fk->parent[ino] != 0 || ino == EXT2_ROOT_INO || ino == dd->ino))
		why = "a second name for a directory";
	if (why != NULL)
		return fsck_say(fk, FIX_ASK, "directory inode %u (%s), entry "
		    "'%.*s' (inode %u): %s: clearing", dd->ino, dpath(dd), (int)nl,
		    (const char *)d + 8, ino, why) ? 1 : -1;
	st = fk->istate[ino];
	if (IS_TYPE(st) == IS_DIR)
		fk->parent[ino] = dd->ino;
	fk->refs[ino]++;
	if (dd->ino == EXT2_ROOT_INO && IS_TYPE(st) == IS_DIR && nl == 10 &&
	    memcmp(d + 8, "lost+found", 10) == 0)
		fk->lost_found = ino;
	return 0;
}

/* File type byte against the inode's mode. */
static void fsck_entry_ftype(struct fsck_dir *dd, uint8_t *d)
{
	struct ext2fs_fsck *fk = dd->fk;
	uint8_t st = fk->istate[le32dec(d)];
	unsigned want = (fk->fs->incompat & INCOMPAT_FILETYPE) ? IS_FT(st) : 0;

	if (IS_TYPE(st) == IS_BAD || d[7] == want)
		return;
	if (fsck_say(fk, FIX_SAFE, "directory inode %u (%s), entry '%.*s': "
	    "file type %u, expected %u", dd->ino, dpath(dd), (int)d[6],
	    (const char *)d + 8, d[7], want)) {
		d[7] = (uint8_t)want;
		dd->dirty = 1;
	}
}

/* One well-formed live entry. Returns 1 to clear it. */
static int fsck_entry(struct fsck_dir *dd, uint8_t *d)
{
	int bad;

	bad = fsck_entry_bad(dd, d);
	if (bad)
		return bad > 0;
	fsck_entry_ftype(dd, d);
	if (dd->ht != NULL && !fsck_htree_is_node(dd->ht, dd->lblk)) {
		uint32_t hash;
		if (fsck_htree_hash(dd->ht, d + 8, d[6], &hash) == 0)
			fsck_htree_leaf(dd->ht, dd->lblk, hash);
	}
	return 0;
}

/* A malformed entry at off: ends the block's walk. */
static void fsck_entry_broken(struct fsck_dir *dd, uint8_t *data,
    size_t prev, size_t off, size_t len)
{
	struct ext2fs_fsck *fk = dd->fk;
	uint8_t *d = data + off;
	size_t have = len - off;

	if (!fsck_say(fk, FIX_ASK, "directory inode %u (%s), block %llu, "
	    "offset %zu: corrupt entry (rec_len %zu, name_len %u): clearing "
	    "to the end of the block", dd->ino, dpath(dd),
	    (unsigned long long)dd->lblk, off,
	    have >= 8 ? ext2fs_rec_len(fk->fs, d) : 0, have >= 8 ? d[6] : 0))
		return;
	if (prev != SIZE_MAX && !(dd->lblk == 0 && dd->idx <= 2))
		ext2fs_set_rec_len(fk->fs, data + prev, len - prev);
	else {
		memset(d, 0, have < 8 ? have : 8);
		ext2fs_set_rec_len(fk->fs, d, have);
	}
	dd->dirty = 1;
}

/* Walks the entries of data[0..len), repairing in place. */
static void fsck_entries(struct fsck_dir *dd, uint8_t *data, size_t len)
{
	const struct ext2fs *fs = dd->fk->fs;
	size_t off = 0, prev = SIZE_MAX;
	int dot;

	for (dd->idx = 0; off < len; dd->idx++) {
		uint8_t *d = data + off;
		size_t rl = len - off >= 8 ? ext2fs_rec_len(fs, d) : 0;
		if (dd->trim && rl == len - off + DIRENT_TAIL_SIZE &&
		    DIRENT_LEN(d[6]) <= len - off) {
			rl = len - off;         /* make room for the tail */
			ext2fs_set_rec_len(fs, d, rl);
			dd->dirty = 1;
		}
		if (len - off < DIRENT_MIN_SIZE || rl < DIRENT_MIN_SIZE ||
		    rl % 4 || rl > len - off || (size_t)d[6] + 8 > rl) {
			fsck_entry_broken(dd, data, prev, off, len);
			return;
		}
		dot = dd->lblk == 0 && dd->idx < 2 && fsck_dot_entry(dd, d);
		if (dot && dd->idx == 0)
			fsck_dot_split(dd, d, &rl);
		if (!dot && le32dec(d) != 0 && fsck_entry(dd, d)) {
			if (prev != SIZE_MAX) {
				ext2fs_set_rec_len(fs, data + prev,
				    ext2fs_rec_len(fs, data + prev) + rl);
				off += rl;
				dd->dirty = 1;
				continue;
			}
			le32enc(d, 0);
			dd->dirty = 1;
		}
		prev = off;
		off += rl;
	}
}

static int fsck_tail_ok(const struct ext2fs *fs, const uint8_t *data)
{
	const uint8_t *t = data + fs->bsize - DIRENT_TAIL_SIZE;

	return le32dec(t) == 0 && le16dec(t + 4) == DIRENT_TAIL_SIZE &&
	    t[6] == 0 && t[7] == DIRENT_TAIL_FT;
}

/* Checksum state of a block; *len = the bytes that hold entries. */
static int fsck_dirblock_csum(struct fsck_dir *dd, uint64_t pblk,
    const uint8_t *data, int node, size_t *len)
{
	struct ext2fs *fs = dd->fk->fs;
	struct ext2fs_inode owner;

	*len = fs->bsize;
	if (!ext2fs_has_csum(fs))
		return 0;
	owner.ino = dd->ino;
	owner.csum_seed = ext2fs_inode_seed(fs, dd->ino, dd->gen);
	if (node)
		return ext2fs_dx_csum_verify(fs, &owner, pblk, data,
		    dd->lblk == 0 ? 32 : 8) != 0;
	if (fsck_tail_ok(fs, data) || dd->trim) {
		*len = fs->bsize - DIRENT_TAIL_SIZE;
		return !fsck_tail_ok(fs, data) ||
		    ext2fs_dirleaf_csum_verify(fs, &owner, pblk, data) != 0;
	}
	fsck_say(dd->fk, FIX_NONE, "directory inode %u (%s), block %llu: no "
	    "room for a checksum", dd->ino, dpath(dd),
	    (unsigned long long)dd->lblk);
	return 0;
}

/* One directory block: checksum, entries, repairs written back. */
static int fsck_dir_block(struct fsck_dir *dd, uint64_t lblk, uint64_t pblk)
{
	struct ext2fs *fs = dd->fk->fs;
	int node = dd->ht != NULL && fsck_htree_is_node(dd->ht, lblk);
	struct buf *bp;
	size_t len;
	int error, bad;

	error = bread(dd->fk->mp->mnt_bc, pblk << fs->log_bsize, fs->bsize, &bp);
	if (error)
		return error;
	dd->lblk = lblk;
	dd->dirty = 0;
	bad = fsck_dirblock_csum(dd, pblk, bp->b_data, node, &len);
	if (!node || lblk == 0)
		fsck_entries(dd, bp->b_data, len);
	if (bad && !dd->dirty && fsck_say(dd->fk, FIX_SAFE, "directory inode "
	    "%u (%s), block %llu: checksum wrong", dd->ino, dpath(dd),
	    (unsigned long long)lblk))
		dd->dirty = 1;
	if (!dd->dirty) {
		brelse(bp);
		return 0;
	}
	if (node)
		ext2fs_csum_set_dx(fs, dd->ino, dd->gen, bp->b_data,
		    lblk == 0 ? 32 : 8);
	else if (len < fs->bsize)
		ext2fs_csum_set_dirleaf(fs, dd->ino, dd->gen, bp->b_data);
	bdwrite(bp);
	return 0;
}

/*
 * Blocks dd->next..lblk-1 are not mapped. Where the map has a slot for
 * them in the inode (the 12 direct blocks), each gets an empty directory
 * block, as e2fsck allocates one; the walk reads slots after the current
 * one only, so filling earlier ones does not disturb it.
 */
static int fsck_dir_hole(struct fsck_dir *dd, uint64_t lblk, uint64_t goal)
{
	struct ext2fs_fsck *fk = dd->fk;
	int fill = !(le32dec(dd->raw + I_FLAGS) & IFL_EXTENTS) && lblk <= 12;
	uint64_t b, blk;
	int error;

	if (!fsck_say(fk, fill ? FIX_ASK : FIX_NONE, "directory inode %u (%s): "
	    "hole at block %llu%s", dd->ino, dpath(dd),
	    (unsigned long long)dd->next, fill ? ": allocating empty blocks" :
	    ""))
		return 0;
	for (b = dd->next; b < lblk; b++) {
		error = fsck_claim_block(fk, goal, &blk);
		if (error == ENOSPC) {
			fsck_unfixed(fk);
			return 0;
		}
		if (error == 0)
			error = fsck_write_dirblock(fk, dd->ino, dd->gen, blk, 0, 0);
		if (error)
			return error;
		le32enc(dd->raw + I_BLOCK + 4 * b, (uint32_t)blk);
		fsck_add_iblocks(fk->fs, dd->raw, 1);
		dd->raw_dirty = 1;
	}
	return 0;
}

static int fsck_dir_run(struct fsck_walk *w, uint64_t lblk, uint64_t pblk,
    uint64_t len, int uninit)
{
	struct fsck_dir *dd = w->arg;
	uint64_t i;
	int error;

	if (lblk > dd->next) {
		error = fsck_dir_hole(dd, lblk, pblk);
		if (error)
			return error;
	}
	for (i = 0; i < len; i++) {
		error = fsck_dir_block(dd, lblk + i, pblk + i);
		if (error)
			return error;
	}
	dd->next = lblk + len;
	return 0;
}

/* An inline directory: the parent, then entries in the rest of i_block. */
static void fsck_dir_inline(struct fsck_dir *dd)
{
	struct ext2fs_fsck *fk = dd->fk;

	uint8_t *val;
	size_t len;

	fk->refs[dd->ino]++;
	fk->dotdot[dd->ino] = le32dec(dd->raw + I_BLOCK);
	dd->lblk = 1;
	dd->dirty = 0;
	fsck_entries(dd, dd->raw + I_BLOCK + 4, I_BLOCK_SIZE - 4);
	/* the entries that did not fit in i_block go on in system.data */
	if (fsck_inline_value(fk, dd->ino, dd->raw, &val, &len) == 0 &&
	    len > 0) {
		dd->lblk = 2;
		fsck_entries(dd, val, len);
	}
}

/* Clears a broken index: the directory is read linearly from now on. */
static int fsck_dir_unindex(struct fsck_dir *dd)
{
	le32enc(dd->raw + I_FLAGS, le32dec(dd->raw + I_FLAGS) & ~IFL_INDEX);
	dd->trim = 1;
	return fsck_inode_write(dd->fk, dd->ino, dd->raw);
}

static int fsck_dir(struct ext2fs_fsck *fk, uint32_t ino, uint8_t *raw)
{
	struct fsck_dir dd = { .fk = fk, .ino = ino, .raw = raw };
	struct fsck_walk w = { .fk = fk, .ino = ino, .raw = raw };
	uint64_t nblocks;
	int error;

	error = fsck_inode_read(fk, ino, raw);
	if (error)
		return error;
	dd.gen = le32dec(raw + I_GENERATION);
	fk->ndirs++;
	if (le32dec(raw + I_FLAGS) & IFL_INLINE_DATA) {
		fsck_dir_inline(&dd);
		return dd.dirty ? fsck_inode_write(fk, ino, raw) : 0;
	}
	nblocks = fsck_isize(fk->fs, raw) >> fk->fs->log_bsize;
	error = fsck_htree_begin(fk, ino, raw, nblocks, &dd.ht);
	if (error == EUCLEAN && (fk->repair || fk->preen))
		error = fsck_dir_unindex(&dd);
	else if (error == EUCLEAN)
		error = 0;
	if (error)
		return error;
	w.data = fsck_dir_run;
	w.arg = &dd;
	error = fsck_walk_blocks(&w);
	if (error == EUCLEAN)
		error = 0;      /* pass 1 said why */
	if (error == 0 && dd.raw_dirty)
		error = fsck_inode_write(fk, ino, raw);
	if (dd.next == 0 && error == 0)
		fsck_say(fk, FIX_NONE, "directory inode %u: no blocks", ino);
	if (dd.ht != NULL && fsck_htree_end(dd.ht) == EUCLEAN && error == 0)
		fsck_note(fk, "directory inode %u: rebuild its index with "
		    "e2fsck -fD", ino);
	return error;
}

/* Pass 2: every directory, in inode order. */
int fsck_pass2(struct ext2fs_fsck *fk)
{
	uint8_t *raw = malloc(fk->fs->inode_size);
	uint32_t ino;
	int error = 0;

	if (raw == NULL)
		return ENOMEM;
	for (ino = 1; ino <= fk->ninodes && error == 0; ino++)
		if (IS_TYPE(fk->istate[ino]) == IS_DIR)
			error = fsck_dir(fk, ino, raw);
	free(raw);
	return error;
}

struct fsck_find {
	struct ext2fs_fsck *fk;
	uint32_t ino;           /* look for this inode ... */
	const char *name;       /* ... or this name */
	char *out;
	size_t outsize;
	uint32_t found;
	int hit;
};

/* Read-only scan of one block for fsck_dir_find. */
static int fsck_find_run(struct fsck_walk *w, uint64_t lblk, uint64_t pblk,
    uint64_t len, int uninit)
{
	struct fsck_find *f = w->arg;
	const struct ext2fs *fs = f->fk->fs;
	struct buf *bp;
	size_t off = 0;

	if (bread(f->fk->mp->mnt_bc, pblk << fs->log_bsize, fs->bsize, &bp))
		return 1;
	while (off + DIRENT_MIN_SIZE <= fs->bsize && !f->hit) {
		const uint8_t *d = bp->b_data + off;
		size_t rl = ext2fs_rec_len(fs, d);
		if (rl < DIRENT_MIN_SIZE || rl % 4 || rl > fs->bsize - off ||
		    (size_t)d[6] + 8 > rl)
			break;
		if (le32dec(d) != 0 && (f->ino ? le32dec(d) == f->ino &&
		    !is_dots(d + 8, d[6]) : strlen(f->name) == d[6] &&
		    memcmp(d + 8, f->name, d[6]) == 0)) {
			f->hit = 1;
			f->found = le32dec(d);
			if (f->out)
				snprintf(f->out, f->outsize, "%.*s", (int)d[6],
				    (const char *)d + 8);
		}
		off += rl;
	}
	brelse(bp);
	return f->hit;
}

/* Finds the entry naming `ino` (or called `name`) in directory dir. */
int fsck_dir_find(struct ext2fs_fsck *fk, uint32_t dir, uint32_t ino,
    const char *name, char *out, size_t outsize, uint32_t *found)
{
	struct fsck_find f = { fk, ino, name, out, outsize, 0, 0 };
	struct fsck_walk w = { .fk = fk, .ino = dir };
	uint8_t raw[1024];
	int error;

	if (dir < 1 || dir > fk->ninodes || fk->fs->inode_size > sizeof(raw) ||
	    IS_TYPE(fk->istate[dir]) != IS_DIR)
		return ENOENT;
	error = fsck_inode_read(fk, dir, raw);
	if (error)
		return error;
	if (le32dec(raw + I_FLAGS) & IFL_INLINE_DATA) {
		if (name == NULL || strcmp(name, "..") != 0)
			return ENOENT;
		f.found = le32dec(raw + I_BLOCK);
		f.hit = 1;
	} else {
		w.raw = raw;
		w.data = fsck_find_run;
		w.arg = &f;
		fsck_walk_blocks(&w);
	}
	if (!f.hit)
		return ENOENT;
	if (found)
		*found = f.found;
	return 0;
}
