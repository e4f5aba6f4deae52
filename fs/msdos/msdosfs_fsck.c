/* msdosfs_fsck.c: the FAT checker: FAT copies, chains, cross links, lost chains, directory entries, FSInfo. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/msdos/msdosfs.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/*
 * One pass over the tree from the root, marking every cluster a chain
 * reaches in a bitmap (one bit per cluster: at most 32 MiB). A cluster met
 * twice is a cross link or a loop; marking before descending means no
 * directory is entered twice, so loops in the tree end the walk instead of
 * the checker. What -y repairs is what fsck.fat repairs by default: copies
 * of the FAT synced, broken or overlong chains cut, sizes fitted to chains,
 * orphaned long-name slots deleted, lost chains freed, FSInfo fixed.
 */

#define FSCK_PATH 1024
#define FSCK_MAX_LOST_REPORTS 20

struct fsck {
	struct msdosfs *fs;
	int repair;
	vfs_fsck_report_t report;
	void *arg;
	uint8_t *used;
	unsigned fixed, left;
	int operr;
	/* FSCKnnnn.nnn names taken in the directory being checked */
	uint32_t *taken;
	size_t ntaken, captaken, itaken;
	uint32_t nextno;
};

struct fsck_dir {
	uint32_t cl;             /* first cluster, 0 = fixed root */
	uint32_t parent;         /* what ".." should hold */
	uint32_t nclus;          /* clusters of its chain that were kept */
	char *path;
};

static int bit_get(const uint8_t *b, uint32_t i)
{
	return (b[i >> 3] >> (i & 7)) & 1;
}

static void bit_set(uint8_t *b, uint32_t i)
{
	b[i >> 3] |= (uint8_t)(1u << (i & 7));
}

/* One problem, one line; fixable ones are fixed with -y. Returns repair. */
static int problem(struct fsck *fk, int fixable, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int problem(struct fsck *fk, int fixable, const char *fmt, ...)
{
	char msg[FSCK_PATH + 256];
	size_t n;
	va_list ap;
	int fix = fixable && fk->repair;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = strlen(msg);
	snprintf(msg + n, sizeof(msg) - n, "%s", fix ? " (fixed)" :
	    fixable ? " (not fixed: -n)" : "");
	fk->report(fk->arg, msg);
	if (fix)
		fk->fixed++;
	else
		fk->left++;
	return fix;
}

static void operr(struct fsck *fk, int error, const char *what)
{
	char msg[FSCK_PATH + 64];

	snprintf(msg, sizeof(msg), "%s: %s", what, strerror(error));
	fk->report(fk->arg, msg);
	fk->operr = 1;
}

/*
 * Every copy of the FAT must equal the active one, entry for entry and bit
 * for bit, as fsck.fat compares them: the reserved entries 0 and 1 (media
 * byte, clean-shutdown bits) and FAT32's reserved top bits included.
 */
static void check_fats(struct fsck *fk)
{
	struct msdosfs *fs = fk->fs;
	uint32_t copy, c, a, b, ndiff, first;
	int error = 0;

	if (!fs->mirror)
		return;
	for (copy = 0; copy < fs->nfats && error == 0; copy++) {
		if (copy == fs->activefat)
			continue;
		ndiff = 0, first = 0;
		for (c = 0; c <= fs->maxclust && error == 0; c++) {
			error = msdosfs_fat_get_raw(fs, fs->activefat, c, &a);
			if (error == 0)
				error = msdosfs_fat_get_raw(fs, copy, c, &b);
			if (error == 0 && a != b && ndiff++ == 0)
				first = c;
		}
		if (error || ndiff == 0 || !problem(fk, 1, "FAT copy %u differs "
		    "from FAT %u in %u entries (first: %s %u)", copy + 1,
		    fs->activefat + 1, ndiff, first < 2 ? "reserved entry" :
		    "cluster", first))
			continue;
		for (c = 0; c <= fs->maxclust && error == 0; c++) {
			error = msdosfs_fat_get_raw(fs, fs->activefat, c, &a);
			if (error == 0)
				error = msdosfs_fat_set_raw(fs, copy, c, a);
		}
	}
	if (error)
		operr(fk, error, "reading the FAT");
}

/* Cuts the chain after `last` (0: the entry loses its chain). */
static int cut_chain(struct fsck *fk, uint32_t last, uint8_t *de)
{
	if (last == 0) {
		msdosfs_de_set_start(fk->fs, de, 0);
		return 0;
	}
	return msdosfs_fat_set(fk->fs, last, fk->fs->eocmark);
}

/*
 * Walks and marks the chain of one entry; *len = clusters kept. Problems
 * cut the chain where they start (with -y); *dirty says de changed.
 */
static int walk_chain(struct fsck *fk, const char *path, uint8_t *de,
    uint32_t start, uint32_t max, uint32_t *len, int *dirty)
{
	struct msdosfs *fs = fk->fs;
	uint32_t c = start, prev = 0, val;
	int error;

	*len = 0;
	while (c != 0) {
		if (c < 2 || c > fs->maxclust) {
			if (problem(fk, 1, "%s: cluster %u out of range (chain "
			    "cut)", path, c))
				*dirty |= prev == 0, cut_chain(fk, prev, de);
			return 0;
		}
		if (bit_get(fk->used, c)) {
			if (problem(fk, 1, "%s: cluster %u is cross-linked or "
			    "in a loop (chain cut)", path, c))
				*dirty |= prev == 0, cut_chain(fk, prev, de);
			return 0;
		}
		if (*len >= max) {
			if (problem(fk, 1, "%s: chain longer than its size "
			    "(%u clusters kept)", path, *len)) {
				cut_chain(fk, prev, de);
				msdosfs_free_chain(fs, c);
			}
			return 0;
		}
		if ((error = msdosfs_fat_get(fs, c, &val)) != 0)
			return error;
		bit_set(fk->used, c);
		(*len)++;
		prev = c;
		switch (msdosfs_fat_class(fs, val)) {
		case FC_NEXT: c = val; break;
		case FC_EOC: c = 0; break;
		default:
			if (problem(fk, 1, "%s: cluster %u has FAT entry %#x, "
			    "not a link (chain ended there)", path, c, val))
				cut_chain(fk, c, de);
			c = 0;
		}
	}
	return 0;
}

/* A file's chain against its size. */
static int check_file(struct fsck *fk, const char *path, uint8_t *de,
    int *dirty)
{
	struct msdosfs *fs = fk->fs;
	uint32_t size = le32dec(de + DIR_FILESIZE), start, len;
	uint32_t want = (uint32_t)(((uint64_t)size + fs->csize - 1) / fs->csize);
	int error;

	start = msdosfs_de_start(fs, de);
	if (start == 0 && size != 0) {
		if (problem(fk, 1, "%s: size %u but no clusters (size set to "
		    "0)", path, size))
			le32enc(de + DIR_FILESIZE, 0), *dirty = 1;
		return 0;
	}
	error = walk_chain(fk, path, de, start, want, &len, dirty);
	if (error == 0 && len < want &&
	    problem(fk, 1, "%s: size %u but only %u clusters (size cut to "
	    "%llu)", path, size, len, (unsigned long long)len * fs->csize)) {
		le32enc(de + DIR_FILESIZE, len * fs->csize);
		*dirty = 1;
	}
	if (error == 0 && msdosfs_de_start(fs, de) == 0 &&
	    le32dec(de + DIR_FILESIZE) != 0)
		le32enc(de + DIR_FILESIZE, 0), *dirty = 1;
	return error;
}

/* The 32-byte slot at directory offset off. */
static int read_slot(struct denode *dp, uint32_t off, uint8_t *slot)
{
	struct buf *bp;
	uint64_t blk;
	uint32_t bsize;
	int error;

	if ((error = msdosfs_dirblk(dp, off, &blk, &bsize)) != 0)
		return error;
	if ((error = bread(dp->fs->bc, blk, bsize, &bp)) != 0)
		return error;
	memcpy(slot, bp->b_data + off % bsize, DIR_SIZE);
	brelse(bp);
	return 0;
}

static int live_lfn(const uint8_t *slot)
{
	return slot[0] != SLOT_DELETED && slot[0] != SLOT_EMPTY &&
	    (slot[DIR_ATTR] & ATTR_LONG_MASK) == ATTR_LONG_NAME;
}

/*
 * Long-name slots in [from, to) that no entry took. A whole set just
 * before a short entry whose checksum it does not match is reported and
 * left alone (fsck.fat does not count or correct it either); any other
 * slots are orphans, deleted with -y.
 */
static void check_orphans(struct fsck *fk, struct denode *dp,
    const char *path, uint32_t from, uint32_t to, int before_short)
{
	uint8_t slot[DIR_SIZE];
	uint64_t blk;
	uint32_t o, bsize;
	unsigned n = 0;
	char msg[FSCK_PATH + 128];

	for (o = from; o < to; o += DIR_SIZE)
		if (read_slot(dp, o, slot) == 0 && live_lfn(slot))
			n++;
	if (n == 0)
		return;
	if (before_short && read_slot(dp, to - DIR_SIZE, slot) == 0 &&
	    live_lfn(slot) && (slot[LDIR_ORD] & LDIR_ORD_MASK) == 1) {
		snprintf(msg, sizeof(msg), "%s: long name before offset %u has "
		    "a wrong checksum (left as is, as fsck.fat does)", path, to);
		fk->report(fk->arg, msg);
		return;
	}
	if (!problem(fk, 1, "%s: %u orphaned long-name entries at offset %u "
	    "(deleted)", path, n, from))
		return;
	for (o = from; o < to; o += DIR_SIZE)
		if (read_slot(dp, o, slot) == 0 && live_lfn(slot) &&
		    msdosfs_dirblk(dp, o, &blk, &bsize) == 0) {
			slot[0] = SLOT_DELETED;
			msdosfs_de_put(fk->fs, blk + o % bsize, slot);
		}
}

static int push_dir(struct fsck_dir **stack, size_t *n, size_t *cap,
    uint32_t cl, uint32_t parent, uint32_t nclus, const char *path)
{
	struct fsck_dir *s;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		if ((s = realloc(*stack, *cap * sizeof(*s))) == NULL)
			return ENOMEM;
		*stack = s;
	}
	if (((*stack)[*n].path = strdup(path)) == NULL)
		return ENOMEM;
	(*stack)[*n].cl = cl, (*stack)[*n].parent = parent;
	(*stack)[*n].nclus = nclus;
	(*n)++;
	return 0;
}

/* "." and ".." of a subdirectory must name it and its parent. */
static void check_dot(struct fsck *fk, const struct fsck_dir *d,
    struct msdosfs_dirent *ent)
{
	int dotdot = ent->de[1] == '.';
	uint32_t want = dotdot ? d->parent : d->cl;
	uint32_t have = msdosfs_de_start(fk->fs, ent->de);

	if (d->cl == 0 || (fk->fs->fattype == 32 && d->cl == fk->fs->rootclus)) {
		if (problem(fk, 1, "%s: root directory holds a \"%s\" entry "
		    "(deleted)", d->path, dotdot ? ".." : ".")) {
			ent->de[0] = SLOT_DELETED;
			msdosfs_de_put(fk->fs, ent->loc, ent->de);
		}
		return;
	}
	if (have != want && problem(fk, 1, "%s: \"%s\" names cluster %u, "
	    "expected %u", d->path, dotdot ? ".." : ".", have, want)) {
		msdosfs_de_set_start(fk->fs, ent->de, want);
		msdosfs_de_put(fk->fs, ent->loc, ent->de);
	}
}

/*
 * Short names fsck.fat calls bad: control bytes (but 0x05 first), DEL, the
 * characters no FAT name may hold, a leading space, and a space inside the
 * base or the extension. Bytes only long names allow (+,;=[] and '.') are
 * not flagged, as fsck.fat does not flag them.
 */
static int bad_short(const uint8_t *de)
{
	int i, space = 0;

	if (de[0] == ' ')
		return 1;
	for (i = 0; i < 11; i++) {
		if ((de[i] < 0x20 && !(i == 0 && de[i] == SLOT_E5)) ||
		    de[i] == 0x7F || strchr("\"*/:<>?\\|", de[i]) != NULL)
			return 1;
		if (i == 8)
			space = 0;
		if (de[i] == ' ')
			space = 1;
		else if (space)
			return 1;
	}
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The number n of a short name FSCKnnnn.nnn (as fsck.fat names them), or -1. */
static long fsck_number(const uint8_t *de)
{
	long n = 0;
	int i;

	if (memcmp(de, "FSCK", 4) != 0)
		return -1;
	for (i = 4; i < 11; i++) {
		if (de[i] < '0' || de[i] > '9')
			return -1;
		n = n * 10 + (de[i] - '0');
	}
	return n;
}

/*
 * The next FSCKnnnn.nnn name free in the directory. The numbers already
 * taken are collected once per directory (sorted), so renaming many bad
 * entries costs one scan, not one per entry.
 */
static int next_fsck_name(struct fsck *fk, struct denode *dp, uint8_t *sname)
{
	struct msdosfs_dirent *ent;
	uint32_t off = 0, *t;
	long n;
	int error;

	if (fk->taken == NULL) {
		if ((ent = malloc(sizeof(*ent))) == NULL)
			return ENOMEM;
		fk->captaken = 64;
		if ((fk->taken = malloc(fk->captaken * sizeof(*t))) == NULL)
			error = ENOMEM;
		else while ((error = msdosfs_dir_next(dp, &off, ent)) == 0) {
			if ((n = fsck_number(ent->de)) < 0)
				continue;
			if (fk->ntaken == fk->captaken) {
				fk->captaken *= 2;
				t = realloc(fk->taken, fk->captaken * sizeof(*t));
				if (t == NULL) {
					error = ENOMEM;
					break;
				}
				fk->taken = t;
			}
			fk->taken[fk->ntaken++] = (uint32_t)n;
		}
		free(ent);
		if (error != ENOENT && error != EUCLEAN)
			return error;
		qsort(fk->taken, fk->ntaken, sizeof(*t), cmp_u32);
	}
	for (;;) {
		while (fk->itaken < fk->ntaken &&
		    fk->taken[fk->itaken] < fk->nextno)
			fk->itaken++;
		if (fk->itaken == fk->ntaken ||
		    fk->taken[fk->itaken] != fk->nextno)
			break;
		fk->nextno++;
	}
	if (fk->nextno > 9999999)
		return ENOSPC;
	n = fk->nextno++;
	memcpy(sname, "FSCK", 4);
	for (off = 10; off >= 4; off--, n /= 10)
		sname[off] = (uint8_t)('0' + n % 10);
	return 0;
}

/*
 * Gives an entry with a bad short name a new one. Its long-name slots get
 * the new checksum, so the entry keeps its long name.
 */
static int rename_bad(struct fsck *fk, struct denode *dp,
    struct msdosfs_dirent *ent, const char *path)
{
	uint8_t slot[DIR_SIZE], sname[11], sum;
	uint64_t blk;
	uint32_t o, bsize;
	int error;

	if ((error = next_fsck_name(fk, dp, sname)) != 0)
		return error;
	if (!problem(fk, 1, "%s: short name holds characters DOS forbids "
	    "(renamed to %.8s.%.3s)", path, sname, sname + 8))
		return 0;
	memcpy(ent->de, sname, 11);
	ent->de[DIR_NTRES] &= (uint8_t)~(NTRES_LCASE_BASE | NTRES_LCASE_EXT);
	sum = msdosfs_lfn_chksum(sname);
	for (o = ent->off_first; ent->lnamelen && o < ent->off_short;
	    o += DIR_SIZE) {
		if ((error = read_slot(dp, o, slot)) != 0 ||
		    (error = msdosfs_dirblk(dp, o, &blk, &bsize)) != 0)
			return error;
		slot[LDIR_CHKSUM] = sum;
		if ((error = msdosfs_de_put(fk->fs, blk + o % bsize, slot)))
			return error;
	}
	return msdosfs_de_put(fk->fs, ent->loc, ent->de);
}

/* One entry of directory d: its chain, its size, and (dirs) pushed. */
static int check_entry(struct fsck *fk, const struct fsck_dir *d,
    struct denode *dp, struct msdosfs_dirent *ent, struct fsck_dir **stack,
    size_t *n, size_t *cap)
{
	struct msdosfs *fs = fk->fs;
	uint16_t u[LFN_MAX_UNITS];
	char name[LFN_MAX_UNITS * 3 + 1], path[FSCK_PATH];
	uint32_t start, len, max = DIR_MAX_BYTES / fs->csize;
	size_t k;
	int dirty = 0, error = 0;

	k = ent->lnamelen ? msdosfs_utf16_to_utf8(ent->lname, ent->lnamelen,
	    name, sizeof(name) - 1) : msdosfs_utf16_to_utf8(u,
	    msdosfs_short_display(ent->de, u), name, sizeof(name) - 1);
	name[k] = '\0';
	snprintf(path, sizeof(path), "%s/%s", strcmp(d->path, "/") ? d->path :
	    "", name);
	if (bad_short(ent->de) && !fk->repair)
		problem(fk, 1, "%s: short name holds characters DOS forbids",
		    path);
	else if (bad_short(ent->de) && (error = rename_bad(fk, dp, ent,
	    path)) != 0)
		return error;
	if (!(ent->de[DIR_ATTR] & ATTR_DIRECTORY))
		error = check_file(fk, path, ent->de, &dirty);
	else {
		start = msdosfs_de_start(fs, ent->de);
		if (le32dec(ent->de + DIR_FILESIZE) != 0 && problem(fk, 1,
		    "%s: directory with size %u (set to 0)", path,
		    le32dec(ent->de + DIR_FILESIZE)))
			le32enc(ent->de + DIR_FILESIZE, 0), dirty = 1;
		error = walk_chain(fk, path, ent->de, start, max ? max : 1,
		    &len, &dirty);
		if (error == 0 && len == 0 && problem(fk, 1, "%s: directory "
		    "without a valid first cluster (deleted)", path)) {
			ent->de[0] = SLOT_DELETED;
			dirty = 1;
		}
		if (error == 0 && len > 0)
			error = push_dir(stack, n, cap, start, d->cl ==
			    (fs->fattype == 32 ? fs->rootclus : 0) ? 0 : d->cl,
			    len, path);
	}
	if (error == 0 && dirty && fk->repair)
		error = msdosfs_de_put(fs, ent->loc, ent->de);
	return error;
}

/* Scans one directory whose chain is already marked. */
static int check_dir(struct fsck *fk, const struct fsck_dir *d,
    struct fsck_dir **stack, size_t *n, size_t *cap)
{
	struct msdosfs *fs = fk->fs;
	struct denode dp = { .fs = fs, .isdir = 1, .start = d->cl, .loc = 1 };
	struct msdosfs_dirent *ent = malloc(sizeof(*ent));
	uint32_t off = 0, prev = 0;
	int error;

	if (ent == NULL)
		return ENOMEM;
	if (d->cl == 0)
		dp.loc = 0;
	dp.size = d->nclus * fs->csize;   /* only what the walk kept */
	while ((error = msdosfs_dir_next(&dp, &off, ent)) == 0) {
		check_orphans(fk, &dp, d->path, prev, ent->off_first,
		    ent->lnamelen == 0);
		prev = off;
		if ((ent->de[DIR_ATTR] & (ATTR_VOLUME_ID | ATTR_DIRECTORY)) ==
		    ATTR_VOLUME_ID)
			continue;
		if (memcmp(ent->de, ".          ", 11) == 0 ||
		    memcmp(ent->de, "..         ", 11) == 0)
			check_dot(fk, d, ent);
		else if ((error = check_entry(fk, d, &dp, ent, stack, n,
		    cap)) != 0)
			break;
	}
	if (error == ENOENT) {
		check_orphans(fk, &dp, d->path, prev, off, 0);
		error = 0;
	} else if (error == EUCLEAN) {
		problem(fk, 0, "%s: %s", d->path, fs->mp->mnt_corrupt);
		error = 0;
	}
	free(ent);
	free(fk->taken);
	fk->taken = NULL;
	fk->ntaken = fk->itaken = 0, fk->nextno = 0;
	return error;
}

/* Depth-first over the tree; the stack holds directories to scan. */
static int check_tree(struct fsck *fk)
{
	struct msdosfs *fs = fk->fs;
	struct fsck_dir *stack = NULL, d;
	size_t n = 0, cap = 0;
	uint32_t len = 0;
	uint8_t rootde[DIR_SIZE];
	int error = 0, dirty = 0;

	if (fs->fattype == 32) {
		memset(rootde, 0, sizeof(rootde));
		error = walk_chain(fk, "/", rootde, fs->rootclus,
		    DIR_MAX_BYTES / fs->csize + 1, &len, &dirty);
	}
	if (error == 0)
		error = push_dir(&stack, &n, &cap, fs->fattype == 32 ?
		    fs->rootclus : 0, 0, len, "/");
	while (error == 0 && n > 0) {
		d = stack[--n];
		error = check_dir(fk, &d, &stack, &n, &cap);
		free(d.path);
	}
	while (n > 0)
		free(stack[--n].path);
	free(stack);
	return error;
}

/*
 * Clusters in use in the FAT that no entry reaches. Chains are counted by
 * their heads (lost clusters no other lost cluster points to); with -y
 * every lost cluster is freed.
 */
static int check_lost(struct fsck *fk)
{
	struct msdosfs *fs = fk->fs;
	uint8_t *notehead = calloc(fs->maxclust / 8 + 1, 1);
	uint32_t c, val, nlost = 0, nchains = 0, reported = 0, len, x;
	char msg[96];
	int error = 0;

	if (notehead == NULL)
		return ENOMEM;
	for (c = 2; c <= fs->maxclust && error == 0; c++) {
		if (bit_get(fk->used, c) || (error = msdosfs_fat_get(fs, c, &val)))
			continue;
		enum fatclass k = msdosfs_fat_class(fs, val);
		if (k == FC_FREE || k == FC_BAD)
			continue;
		nlost++;
		if (k == FC_NEXT && !bit_get(fk->used, val))
			bit_set(notehead, val);
	}
	for (c = 2; c <= fs->maxclust && error == 0 && nlost; c++) {
		if (bit_get(fk->used, c) || bit_get(notehead, c) ||
		    (error = msdosfs_fat_get(fs, c, &val)) ||
		    msdosfs_fat_class(fs, val) == FC_FREE ||
		    msdosfs_fat_class(fs, val) == FC_BAD)
			continue;
		nchains++;
		for (len = 1, x = val; msdosfs_fat_class(fs, x) == FC_NEXT &&
		    !bit_get(fk->used, x) && len < nlost; len++)
			if ((error = msdosfs_fat_get(fs, x, &x)) != 0)
				break;
		if (reported++ < FSCK_MAX_LOST_REPORTS) {
			snprintf(msg, sizeof(msg), "cluster %u: lost chain of "
			    "%u clusters", c, len);
			fk->report(fk->arg, msg);
		}
	}
	free(notehead);
	if (error || nlost == 0)
		return error;
	if (!problem(fk, 1, "%u lost clusters in %u chains (%s)", nlost,
	    nchains ? nchains : 1, fk->repair ? "freed" : "not freed"))
		return 0;
	for (c = 2; c <= fs->maxclust && error == 0; c++) {
		if (bit_get(fk->used, c) || (error = msdosfs_fat_get(fs, c, &val)))
			continue;
		if (val != 0 && msdosfs_fat_class(fs, val) != FC_BAD)
			error = msdosfs_fat_set(fs, c, 0);
	}
	return error;
}

/* FSInfo: signatures, free count and hint against the FAT. */
static int check_fsinfo(struct fsck *fk)
{
	struct msdosfs *fs = fk->fs;
	struct buf *bp;
	uint32_t nfree = 0, c, val, fc, nx;
	int error = 0, dirty = 0;
	unsigned sec = le16dec(fs->bs + BPB32_FSINFO);

	for (c = 2; c <= fs->maxclust && error == 0; c++)
		if ((error = msdosfs_fat_get(fs, c, &val)) == 0 && val == 0)
			nfree++;
	if (error)
		return error;
	fs->freecount = nfree, fs->freevalid = 1;
	if (fs->fattype != 32 || sec == 0 || sec == 0xFFFF ||
	    sec >= le16dec(fs->bs + BPB_RSVDSECCNT))
		return 0;
	if ((error = bread(fs->bc, (uint64_t)sec * fs->bps, fs->bps, &bp)))
		return error;
	if ((le32dec(bp->b_data + FSI_LEADSIG) != FSI_LEADSIG_VAL ||
	    le32dec(bp->b_data + FSI_STRUCSIG) != FSI_STRUCSIG_VAL ||
	    le32dec(bp->b_data + FSI_TRAILSIG) != FSI_TRAILSIG_VAL) &&
	    problem(fk, 1, "FSInfo sector %u: bad signature (rewritten)", sec)) {
		le32enc(bp->b_data + FSI_LEADSIG, FSI_LEADSIG_VAL);
		le32enc(bp->b_data + FSI_STRUCSIG, FSI_STRUCSIG_VAL);
		le32enc(bp->b_data + FSI_TRAILSIG, FSI_TRAILSIG_VAL);
		fs->fsinfo = sec;
		dirty = 1;
	}
	fc = le32dec(bp->b_data + FSI_FREE_COUNT);
	nx = le32dec(bp->b_data + FSI_NXT_FREE);
	if (fc != nfree && fc != FSI_UNKNOWN && problem(fk, 1, "FSInfo: free "
	    "cluster count %u, counted %u", fc, nfree))
		le32enc(bp->b_data + FSI_FREE_COUNT, nfree), dirty = 1;
	if (nx != FSI_UNKNOWN && (nx < 2 || nx > fs->maxclust) && problem(fk, 1,
	    "FSInfo: next free cluster %u out of range", nx))
		le32enc(bp->b_data + FSI_NXT_FREE, FSI_UNKNOWN), dirty = 1;
	if (dirty)
		bdwrite(bp);
	else
		brelse(bp);
	return 0;
}

int msdosfs_fsck(struct mount *mp, unsigned flags, vfs_fsck_report_t report,
    void *arg)
{
	struct msdosfs *fs = VFSTOMSDOS(mp);
	struct fsck fk = { .fs = fs, .report = report, .arg = arg };
	int error = 0;

	fk.repair = (flags & FSCK_REPAIR) && !(flags & FSCK_NOWRITE);
	if (fk.repair && fs->rdonly) {
		report(arg, "read-only: problems are reported, not repaired");
		fk.repair = 0;
	}
	if ((fk.used = calloc(fs->maxclust / 8 + 1, 1)) == NULL) {
		report(arg, "out of memory for the cluster bitmap");
		return 8;
	}
	if (fs->was_dirty && problem(&fk, 1, "volume was not cleanly "
	    "unmounted (dirty bit set)"))
		fs->marked_dirty = 1, fs->was_dirty = 0;
	check_fats(&fk);
	if (!fk.operr && (error = check_tree(&fk)) != 0)
		operr(&fk, error, "walking the directory tree");
	if (!fk.operr && (error = check_lost(&fk)) != 0)
		operr(&fk, error, "looking for lost chains");
	if (!fk.operr && (error = check_fsinfo(&fk)) != 0)
		operr(&fk, error, "checking FSInfo");
	free(fk.used);
	if (fk.repair && (error = bio_sync(fs->bc)) != 0)
		operr(&fk, error, "writing repairs");
	if (fk.operr)
		return 8;
	return fk.left ? 4 : fk.fixed ? 1 : 0;
}
