/* ext2fs_journal.c: jbd2 journal replay in memory: an overlay map from fs blocks to their newest journal copies. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/*
 * When an image was not cleanly unmounted (needs_recovery), committed
 * transactions in the journal hold newer copies of metadata blocks. We
 * replay them without writing: one pass over the log from s_start collects
 * each committed transaction's (fs block -> journal block) tags and revoke
 * records; a tag survives unless a revoke of its block in the same or a
 * later transaction exists (jbd2's rule). The survivors, newest last, become
 * fs->jmap, which ext2fs_bread() and the data reader consult. All journal
 * fields are big-endian. Memory is bounded by the journal's length.
 */
#define JBD2_MAGIC          0xC03B3998u
#define JBD2_DESCRIPTOR     1
#define JBD2_COMMIT         2
#define JBD2_SB_V1          3
#define JBD2_SB_V2          4
#define JBD2_REVOKE         5
#define JSB_BLOCKSIZE       0x0C
#define JSB_MAXLEN          0x10
#define JSB_FIRST           0x14
#define JSB_SEQUENCE        0x18
#define JSB_START           0x1C
#define JSB_INCOMPAT        0x28
#define J_INCOMPAT_REVOKE   0x01
#define J_INCOMPAT_64BIT    0x02
#define J_INCOMPAT_ASYNC    0x04
#define J_INCOMPAT_CSUM_V2  0x08
#define J_INCOMPAT_CSUM_V3  0x10
#define J_INCOMPAT_KNOWN    0x1F
#define J_FLAG_ESCAPE       0x1
#define J_FLAG_SAME_UUID    0x2
#define J_FLAG_LAST_TAG     0x8

struct jrevoke {
	uint64_t fsblk;
	uint32_t seq;
};

struct jtag {
	uint64_t fsblk, jblk;
	uint32_t seq;
	uint32_t order;
	int escaped;
};

struct jscan {
	struct ext2fs *fs;
	struct ext2fs_inode *jip;
	uint32_t first, maxlen, pos, seq, incompat;
	uint64_t steps;             /* journal blocks walked: at most maxlen */
	struct jtag *tags;          /* committed, then pending at the end */
	size_t ntags, ncommitted, captags;
	struct jrevoke *revs;
	size_t nrevs, nrevcommitted, caprevs;
};

static int jgrow(void **arr, size_t *cap, size_t need, size_t elem)
{
	void *p;
	size_t ncap;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	if (ncap < need)
		ncap = need;
	p = realloc(*arr, ncap * elem);
	if (p == NULL)
		return ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* The fs block holding journal block j (a journal is an ordinary file). */
static int jmap_block(struct jscan *js, uint32_t j, uint64_t *pblk)
{
	uint64_t run;
	int error;

	error = ext2fs_bmap(js->fs, js->jip, j, pblk, &run);
	if (error == 0 && *pblk == 0)
		error = vfs_corrupt(js->fs->mp, js->jip->ino, 0, "journal block "
		    "%u: expected data, found a hole", j);
	return error;
}

/* Steps to the next log block (wrapping); a log never holds more blocks
 * than the journal, which also bounds the memory the scan uses. */
static int jstep(struct jscan *js)
{
	js->pos = js->pos + 1 >= js->maxlen ? js->first : js->pos + 1;
	if (++js->steps <= js->maxlen)
		return 0;
	return vfs_corrupt(js->fs->mp, js->jip->ino, 0, "journal: expected the "
	    "log to end within %u blocks, found it longer", js->maxlen);
}

static size_t jtag_bytes(uint32_t incompat)
{
	size_t sz = 12;

	if (incompat & J_INCOMPAT_CSUM_V3)
		return 16;
	if (incompat & J_INCOMPAT_CSUM_V2)
		sz += 2;
	return (incompat & J_INCOMPAT_64BIT) ? sz : sz - 4;
}

/* A descriptor block: each tag names an fs block whose copy follows. */
static int jdescriptor(struct jscan *js, const uint8_t *d)
{
	size_t tb = jtag_bytes(js->incompat), off = 12;
	size_t end = js->fs->bsize -
	    ((js->incompat & (J_INCOMPAT_CSUM_V2 | J_INCOMPAT_CSUM_V3)) ? 4 : 0);
	int error;

	while (off + tb <= end) {
		const uint8_t *t = d + off;
		uint32_t flags = (js->incompat & J_INCOMPAT_CSUM_V3) ?
		    be32dec(t + 4) : be16dec(t + 6);
		struct jtag *jt;
		error = jgrow((void **)&js->tags, &js->captags, js->ntags + 1,
		    sizeof(*js->tags));
		if (error)
			return error;
		error = jstep(js);
		if (error)
			return error;
		jt = &js->tags[js->ntags++];
		jt->fsblk = be32dec(t);
		if (js->incompat & J_INCOMPAT_64BIT)
			jt->fsblk |= (uint64_t)be32dec(t + 8) << 32;
		jt->escaped = (flags & J_FLAG_ESCAPE) != 0;
		jt->seq = js->seq;
		jt->order = (uint32_t)js->ntags;
		error = jmap_block(js, js->pos, &jt->jblk);
		if (error)
			return error;
		if (jt->fsblk >= js->fs->blocks_count)
			return vfs_corrupt(js->fs->mp, js->jip->ino, jt->jblk,
			    "journal tag: expected a block below %llu, found %llu",
			    (unsigned long long)js->fs->blocks_count,
			    (unsigned long long)jt->fsblk);
		off += tb + ((flags & J_FLAG_SAME_UUID) ? 0 : 16);
		if (flags & J_FLAG_LAST_TAG)
			break;
	}
	return 0;
}

static int jrevoke_block(struct jscan *js, const uint8_t *d)
{
	size_t rs = (js->incompat & J_INCOMPAT_64BIT) ? 8 : 4;
	size_t count = be32dec(d + 12), off;
	int error;

	if (count < 16 || count > js->fs->bsize)
		return vfs_corrupt(js->fs->mp, js->jip->ino, 0, "journal revoke "
		    "block: expected 16..%u bytes used, found %zu",
		    js->fs->bsize, count);
	for (off = 16; off + rs <= count; off += rs) {
		error = jgrow((void **)&js->revs, &js->caprevs, js->nrevs + 1,
		    sizeof(*js->revs));
		if (error)
			return error;
		js->revs[js->nrevs].fsblk = rs == 8 ? be64dec(d + off) :
		    be32dec(d + off);
		js->revs[js->nrevs++].seq = js->seq;
	}
	return 0;
}

/* Walks the log until a block that does not continue it. */
static int jscan_log(struct jscan *js)
{
	uint64_t pblk;
	struct buf *bp;
	int error = 0, type;

	for (;;) {
		error = jmap_block(js, js->pos, &pblk);
		if (error == 0)
			error = ext2fs_bread(js->fs, js->jip->ino, pblk, &bp);
		if (error)
			return error;
		type = be32dec(bp->b_data) != JBD2_MAGIC ||
		    be32dec(bp->b_data + 8) != js->seq ? 0 :
		    (int)be32dec(bp->b_data + 4);
		if (type == JBD2_DESCRIPTOR)
			error = jdescriptor(js, bp->b_data);
		else if (type == JBD2_REVOKE)
			error = jrevoke_block(js, bp->b_data);
		brelse(bp);
		if (error || (type != JBD2_DESCRIPTOR && type != JBD2_REVOKE &&
		    type != JBD2_COMMIT))
			return error;
		if (type == JBD2_COMMIT) {
			js->ncommitted = js->ntags;
			js->nrevcommitted = js->nrevs;
			js->seq++;
		}
		error = jstep(js);
		if (error)
			return error;
	}
}

static int jcmp_rev(const void *a, const void *b)
{
	const struct jrevoke *x = a, *y = b;

	return x->fsblk < y->fsblk ? -1 : x->fsblk > y->fsblk;
}

static int jcmp_tag(const void *a, const void *b)
{
	const struct jtag *x = a, *y = b;

	if (x->fsblk != y->fsblk)
		return x->fsblk < y->fsblk ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Is the tag cancelled by a revoke in its own or a later transaction? */
static int jrevoked(const struct jscan *js, const struct jtag *t)
{
	size_t lo = 0, hi = js->nrevcommitted;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (js->revs[mid].fsblk < t->fsblk)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < js->nrevcommitted && js->revs[lo].fsblk == t->fsblk; lo++)
		if ((int32_t)(js->revs[lo].seq - t->seq) >= 0)
			return 1;
	return 0;
}

/* Committed, unrevoked tags, newest copy per block, sorted by block. */
static int jbuild_map(struct jscan *js)
{
	struct ext2fs *fs = js->fs;
	size_t i, n = 0;

	if (js->nrevcommitted > 0)
		qsort(js->revs, js->nrevcommitted, sizeof(*js->revs), jcmp_rev);
	if (js->ncommitted > 0)
		qsort(js->tags, js->ncommitted, sizeof(*js->tags), jcmp_tag);
	fs->jmap = calloc(js->ncommitted ? js->ncommitted : 1,
	    sizeof(*fs->jmap));
	if (fs->jmap == NULL)
		return ENOMEM;
	for (i = 0; i < js->ncommitted; i++) {
		const struct jtag *t = &js->tags[i];
		if (jrevoked(js, t))
			continue;
		if (n > 0 && fs->jmap[n - 1].fsblk == t->fsblk)
			n--;    /* a later transaction's copy wins */
		fs->jmap[n].fsblk = t->fsblk;
		fs->jmap[n].jblk = t->jblk;
		fs->jmap[n].escaped = t->escaped;
		n++;
	}
	fs->njmap = n;
	return 0;
}

/* Journal superblock: geometry and features we can replay. */
static int jsuper(struct jscan *js, int *clean)
{
	uint64_t pblk, jblocks = js->jip->size >> js->fs->log_bsize;
	struct buf *bp;
	const uint8_t *d;
	uint32_t type, start;
	int error;

	error = jmap_block(js, 0, &pblk);
	if (error == 0)
		error = ext2fs_bread(js->fs, js->jip->ino, pblk, &bp);
	if (error)
		return error;
	d = bp->b_data;
	type = be32dec(d + 4);
	js->maxlen = be32dec(d + JSB_MAXLEN);
	js->first = be32dec(d + JSB_FIRST);
	js->seq = be32dec(d + JSB_SEQUENCE);
	start = be32dec(d + JSB_START);
	js->incompat = type == JBD2_SB_V2 ? be32dec(d + JSB_INCOMPAT) : 0;
	if (be32dec(d) != JBD2_MAGIC || (type != JBD2_SB_V1 &&
	    type != JBD2_SB_V2) || be32dec(d + JSB_BLOCKSIZE) != js->fs->bsize ||
	    js->maxlen > jblocks || js->first == 0 || js->first >= js->maxlen ||
	    (start != 0 && (start < js->first || start >= js->maxlen)))
		error = vfs_corrupt(js->fs->mp, js->jip->ino, pblk, "journal "
		    "superblock: expected magic 0xc03b3998, block size %u and "
		    "first <= start < maxlen <= %llu, found 0x%08x, %u, %u/%u/%u",
		    js->fs->bsize, (unsigned long long)jblocks, be32dec(d),
		    be32dec(d + JSB_BLOCKSIZE), js->first, start, js->maxlen);
	else if (js->incompat & ~J_INCOMPAT_KNOWN)
		error = vfs_refuse(js->fs->mp, ENOTSUP, "unsupported journal "
		    "feature 0x%x (fast_commit?); open with -o noload to read "
		    "the image without its journal",
		    js->incompat & ~J_INCOMPAT_KNOWN);
	brelse(bp);
	js->pos = start;
	*clean = start == 0;
	return error;
}

int ext2fs_journal_load(struct ext2fs *fs)
{
	struct jscan js;
	uint32_t jino = le32dec(fs->sb + SB_JOURNAL_INUM);
	int error, clean = 0;

	if (!(fs->compat & COMPAT_HAS_JOURNAL) ||
	    !(fs->incompat & INCOMPAT_RECOVER) || vfs_opt(fs->mp, "noload"))
		return 0;
	if (jino == 0)
		return vfs_refuse(fs->mp, ENOTSUP, "the journal on an external "
		    "device needs recovery; open with -o noload to read the "
		    "image without it");
	memset(&js, 0, sizeof(js));
	js.fs = fs;
	error = ext2fs_iget(fs, jino, &js.jip);
	if (error)
		return error;
	if ((js.jip->mode & 0170000) != 0100000)
		error = vfs_corrupt(fs->mp, jino, 0, "journal inode: expected a "
		    "regular file, found mode 0%o", js.jip->mode);
	if (error == 0)
		error = jsuper(&js, &clean);
	if (error == 0 && !clean)
		error = jscan_log(&js);
	if (error == 0 && !clean)
		error = jbuild_map(&js);
	free(js.tags);
	free(js.revs);
	ext2fs_iput(js.jip);
	if (error == EUCLEAN) {
		/* Say how to get at the data anyway, keeping what was wrong. */
		char why[sizeof(fs->mp->mnt_corrupt)];
		memcpy(why, fs->mp->mnt_corrupt, sizeof(why));
		why[sizeof(why) - 1] = '\0';
		error = vfs_refuse(fs->mp, EUCLEAN, "cannot replay the journal "
		    "(%.300s); open with -o noload to read the image without it",
		    why);
	}
	return error;
}

const struct ext2fs_jmap *ext2fs_jmap_find(const struct ext2fs *fs,
    uint64_t fsblk)
{
	uint64_t j = ext2fs_jmap_next(fs, fsblk, 1);
	size_t lo = 0, hi = fs->njmap;

	if (j == UINT64_MAX)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (fs->jmap[mid].fsblk < fsblk)
			lo = mid + 1;
		else
			hi = mid;
	}
	return &fs->jmap[lo];
}

uint64_t ext2fs_jmap_next(const struct ext2fs *fs, uint64_t blk, uint64_t n)
{
	size_t lo = 0, hi = fs->njmap;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (fs->jmap[mid].fsblk < blk)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < fs->njmap && fs->jmap[lo].fsblk - blk < n)
		return fs->jmap[lo].fsblk;
	return UINT64_MAX;
}
