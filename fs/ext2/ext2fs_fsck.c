/* ext2fs_fsck.c: the ext2/3/4 checker: reporting, the superblock and journal, and the order of the passes. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fs/ext2/ext2fs_fsck.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/*
 * e2fsck's passes in spirit:
 *  0  superblock, descriptors, journal superblock, orphan list;
 *  1  every inode: mode, flags, block tree, blocks claimed once, i_blocks,
 *     i_size, checksum; builds the map of blocks in use;
 *  1B blocks claimed twice: the later claimants get copies;
 *  2  every directory block: entries, ".", "..", file types, checksums,
 *     htree indexes; counts the names of each inode;
 *  3  every directory reachable from the root, ".." right;
 *  4  link counts; inodes nobody names go to /lost+found;
 *  5  bitmaps and free counts of groups and superblock.
 * -n only reads (the image is open read-only). -y repairs through the
 * buffer cache; -p repairs only what cannot lose data (FIX_SAFE).
 */

#define COMPAT_RESIZE_INODE 0x0010
#define SB_LAST_ORPHAN      0xE8

/* One problem, one line. Returns whether to repair it now. */
int fsck_say(struct ext2fs_fsck *fk, int fix, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	size_t n;
	int doit = fix != FIX_NONE && (fk->repair ||
	    (fk->preen && (fix == FIX_SAFE || fix == FIX_SUMMARY)));

	if (fix != FIX_SUMMARY || doit)
		fk->errors++;
	if (doit)
		fk->fixed++;
	if (++fk->lines > FSCK_MAXLINES) {
		if (fk->lines == FSCK_MAXLINES + 1)
			fk->report(fk->arg, "more problems: not listed");
		return doit;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = strlen(msg);
	if (fix != FIX_NONE && n + 16 < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - n, doit ? " (fixed)" :
		    " (not fixed)");
	fk->report(fk->arg, msg);
	return doit;
}

/* A repair that was announced but could not be made. */
void fsck_unfixed(struct ext2fs_fsck *fk)
{
	if (fk->fixed > 0)
		fk->fixed--;
}

/* Information, not a problem (verbose mode, or what a check stopped at). */
void fsck_note(struct ext2fs_fsck *fk, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fk->report(fk->arg, msg);
}

/* The path of directory `dir`, climbing ".." (bounded); "?" if unknown. */
void fsck_dirpath(struct ext2fs_fsck *fk, uint32_t dir, char *buf,
    size_t size)
{
	char tmp[VFS_PATH_MAX], name[VFS_NAME_MAX + 1];
	uint32_t up;
	int depth;

	tmp[0] = '\0';
	for (depth = 0; dir != EXT2_ROOT_INO && depth < FSCK_PATH_DEPTH;
	    depth++) {
		if (fsck_dir_find(fk, dir, 0, "..", NULL, 0, &up) != 0 ||
		    fsck_dir_find(fk, up, dir, NULL, name, sizeof(name),
		    NULL) != 0 || strlen(tmp) + strlen(name) + 2 > sizeof(tmp)) {
			snprintf(buf, size, "?%s", tmp);
			return;
		}
		memmove(tmp + strlen(name) + 1, tmp, strlen(tmp) + 1);
		tmp[0] = '/';
		memcpy(tmp + 1, name, strlen(name));
		dir = up;
	}
	snprintf(buf, size, "%s", tmp[0] ? tmp : "/");
}

/* The data callback that finds journal block 0. */
static int fsck_first_block(struct fsck_walk *w, uint64_t lblk,
    uint64_t pblk, uint64_t len, int uninit)
{
	uint64_t *out = w->arg;

	if (lblk == 0) {
		*out = pblk;
		return 1;
	}
	return 0;
}

/* Journal superblock geometry; whether recovery is pending. */
static int fsck_journal_sb(struct ext2fs_fsck *fk, uint32_t jino,
    uint8_t *raw, int *pending)
{
	struct fsck_walk w = { .fk = fk, .ino = jino, .raw = raw };
	uint64_t blk0 = 0, jblocks = fsck_isize(fk->fs, raw) >> fk->fs->log_bsize;
	uint32_t type, maxlen, first;
	struct buf *bp;
	int error;

	w.data = fsck_first_block;
	w.arg = &blk0;
	if (fsck_walk_blocks(&w) == EUCLEAN || blk0 == 0) {
		fsck_say(fk, FIX_NONE, "journal inode %u: %s", jino,
		    w.why[0] ? w.why : "no block 0");
		return 0;
	}
	error = bread(fk->mp->mnt_bc, blk0 << fk->fs->log_bsize, fk->fs->bsize,
	    &bp);
	if (error)
		return error;
	type = be32dec(bp->b_data + 4);
	maxlen = be32dec(bp->b_data + 0x10);
	first = be32dec(bp->b_data + 0x14);
	*pending = be32dec(bp->b_data + 0x1C) != 0;
	if (be32dec(bp->b_data) != 0xC03B3998u || (type != 3 && type != 4) ||
	    be32dec(bp->b_data + 0x0C) != fk->fs->bsize || maxlen > jblocks ||
	    first == 0 || first >= maxlen)
		fsck_say(fk, FIX_NONE, "journal inode %u: bad journal superblock "
		    "(magic 0x%08x, block size %u, first %u, blocks %u of %llu)",
		    jino, be32dec(bp->b_data), be32dec(bp->b_data + 0x0C),
		    first, maxlen, (unsigned long long)jblocks);
	brelse(bp);
	return 0;
}

/* The journal: a sane superblock; a log still to replay stops the check. */
static int fsck_journal(struct ext2fs_fsck *fk, int *stop)
{
	struct ext2fs *fs = fk->fs;
	uint32_t jino = le32dec(fs->sb + SB_JOURNAL_INUM);
	uint8_t *raw = fk->blockbuf;
	int pending = 0, error;

	if (!(fs->compat & COMPAT_HAS_JOURNAL) || jino == 0)
		return 0;
	if (jino > fk->ninodes) {
		fsck_say(fk, FIX_NONE, "superblock: journal inode %u out of "
		    "range", jino);
		return 0;
	}
	error = fsck_inode_read(fk, jino, raw);
	if (error)
		return error;
	if ((le16dec(raw + I_MODE) & 0170000) != 0100000 ||
	    le16dec(raw + I_LINKS_COUNT) == 0) {
		fsck_say(fk, FIX_NONE, "journal inode %u: not a regular file in "
		    "use (mode 0%o)", jino, le16dec(raw + I_MODE));
		return 0;
	}
	error = fsck_journal_sb(fk, jino, raw, &pending);
	/* A read-write mount replayed the journal onto the image and set
	 * needs_recovery itself, as the kernel does while mounted. */
	if (error || !(fs->incompat & INCOMPAT_RECOVER) || fs->rw)
		return error;
	if (pending || fs->njmap > 0) {
		fsck_say(fk, FIX_NONE, "journal needs recovery: run e2fsck");
		*stop = 1;
	} else if (fsck_say(fk, FIX_SUMMARY, "superblock: needs_recovery set but "
	    "the journal is empty")) {
		le32enc(fs->sb + SB_FEATURE_INCOMPAT,
		    le32dec(fs->sb + SB_FEATURE_INCOMPAT) & ~INCOMPAT_RECOVER);
		fs->incompat &= ~INCOMPAT_RECOVER;
		fk->sb_dirty = 1;
	}
	return 0;
}

/* Superblock facts the passes rely on, and descriptor checksums. */
static int fsck_super(struct ext2fs_fsck *fk)
{
	struct ext2fs *fs = fk->fs;
	uint32_t g;

	if (fs->ro_compat & RO_COMPAT_BIGALLOC) {
		fsck_note(fk, "bigalloc file systems are not checked yet: use "
		    "e2fsck");
		return ENOTSUP;
	}
	/* Only an MNT_FSCK mount gets this far with these. A fallback to
	 * the backups is advisory under -n, as for e2fsck -n: what the
	 * backups say is checked by the passes like anything else. */
	if (fs->backup_sb != 0) {
		if (fsck_say(fk, FIX_SUMMARY, "superblock unusable (%s): using "
		    "the backup at block %llu", fs->backup_why,
		    (unsigned long long)fs->backup_sb))
			fk->sb_dirty = fk->gdt_dirty = 1;
	} else if (fs->backup_gdt != 0 && fsck_say(fk, FIX_SUMMARY, "group "
	    "descriptors unusable (%s): using the backup at block %llu",
	    fs->backup_why, (unsigned long long)fs->backup_gdt))
		fk->gdt_dirty = 1;
	if (fs->sb_inodes_bad && fsck_say(fk, FIX_SAFE, "superblock: inode "
	    "count %u, expected %u", le32dec(fs->sb + SB_INODES_COUNT),
	    fs->inodes_count)) {
		le32enc(fs->sb + SB_INODES_COUNT, fs->inodes_count);
		fk->sb_dirty = 1;
	}
	if (fs->sb_csum_bad && fsck_say(fk, FIX_SAFE, "superblock: checksum "
	    "wrong"))
		fk->sb_dirty = 1;
	if ((fs->compat & COMPAT_RESIZE_INODE) &&
	    (fs->incompat & INCOMPAT_META_BG))
		fsck_say(fk, FIX_NONE, "superblock: resize_inode and meta_bg "
		    "both set");
	for (g = 0; g < fs->ngroups; g++) {
		uint8_t *gd = fs->gdt + (size_t)g * fs->desc_size;
		uint16_t want = ext2fs_gd_csum_compute(fs, g, gd);
		if (!ext2fs_has_csum(fs) && !(fs->ro_compat & RO_COMPAT_GDT_CSUM))
			break;
		/* Advisory under -n, as for e2fsck -n: the descriptor's
		 * fields are checked on their own merits by pass 5. A repair
		 * no longer trusts the lazy-group hints the checksum vouched
		 * for: the whole group is checked and its bitmaps rebuilt. */
		if (want != le16dec(gd + GD_CHECKSUM) &&
		    fsck_say(fk, FIX_SUMMARY, "group %u: descriptor checksum 0x%04x, "
		    "expected 0x%04x", g, le16dec(gd + GD_CHECKSUM), want)) {
			le16enc(gd + GD_FLAGS, le16dec(gd + GD_FLAGS) &
			    ~(GD_FLAG_INODE_UNINIT | GD_FLAG_BLOCK_UNINIT));
			fsck_gd_set_count(fs, gd, GD_ITABLE_UNUSED_LO,
			    GD_ITABLE_UNUSED_HI, 0);
			le16enc(gd + GD_CHECKSUM,
			    ext2fs_gd_csum_compute(fs, g, gd));
			fk->gdt_dirty = 1;
		}
	}
	return 0;
}

static int fsck_alloc(struct ext2fs_fsck *fk)
{
	uint64_t bm = (fk->nblocks + 8) / 8, n = (uint64_t)fk->ninodes + 1;

	if (2 * bm + n * 15 > FSCK_MAXMEM) {
		fsck_note(fk, "%llu blocks and %u inodes: more than this checker "
		    "handles in memory", (unsigned long long)fk->nblocks,
		    fk->ninodes);
		return ENOMEM;
	}
	fk->bused = calloc(1, (size_t)bm);
	fk->bmeta = calloc(1, (size_t)bm);
	fk->istate = calloc((size_t)n, 1);
	fk->links = calloc((size_t)n, sizeof(*fk->links));
	fk->refs = calloc((size_t)n, sizeof(*fk->refs));
	fk->parent = calloc((size_t)n, sizeof(*fk->parent));
	fk->dotdot = calloc((size_t)n, sizeof(*fk->dotdot));
	fk->blockbuf = malloc(fk->fs->bsize);
	if (!fk->bused || !fk->bmeta || !fk->istate || !fk->links ||
	    !fk->refs || !fk->parent || !fk->dotdot || !fk->blockbuf)
		return ENOMEM;
	return 0;
}

static void fsck_free(struct ext2fs_fsck *fk)
{
	free(fk->bused);
	free(fk->bmeta);
	free(fk->istate);
	free(fk->links);
	free(fk->refs);
	free(fk->parent);
	free(fk->dotdot);
	free(fk->blockbuf);
	free(fk->dups);
	free(fk->sharers);
}

/*
 * Group metadata out of range or overlapping: on an image opened for fsck
 * the backup descriptors are tried (as e2fsck does). Either way, bitmaps
 * and inode tables that cannot be where the descriptors say stop the
 * check: reading or rewriting them would mean writing over other data.
 */
static int fsck_layout(struct ext2fs_fsck *fk, int *stop)
{
	struct ext2fs *fs = fk->fs;
	uint64_t bm = (fk->nblocks + 8) / 8;

	fk->layout_probe = 1;
	fsck_mark_metadata(fk);
	fk->layout_probe = 0;
	if (fk->layout_bad && fs->backup_gdt == 0 &&
	    (fk->mp->mnt_flags & MNT_FSCK) && ext2fs_backup_gdt(fs) == 0) {
		memset(fk->bused, 0, (size_t)bm);
		memset(fk->bmeta, 0, (size_t)bm);
		fk->layout_bad = 0;
		fsck_mark_metadata(fk);
		return 0;
	}
	if (fk->layout_bad == 0)
		return 0;
	memset(fk->bused, 0, (size_t)bm);
	memset(fk->bmeta, 0, (size_t)bm);
	fsck_mark_metadata(fk);
	fsck_note(fk, "group metadata where it cannot be: not checked further "
	    "(e2fsck can relocate it)");
	*stop = 1;
	return 0;
}

/* The passes, in order; each may repair what the next relies on. */
static int fsck_run(struct ext2fs_fsck *fk)
{
	int error, stop = 0;

	error = fsck_layout(fk, &stop);
	if (error == 0 && !stop)
		error = fsck_super(fk);
	if (error == 0 && !stop)
		error = fsck_journal(fk, &stop);
	if (error || stop)
		return error;
	error = fsck_orphans(fk);
	if (error == 0)
		error = fsck_pass1(fk);
	if (error == 0)
		error = fsck_pass1b(fk);
	if (error == 0)
		error = fsck_pass2(fk);
	if (error == 0)
		error = fsck_pass3(fk);
	if (error == 0)
		error = fsck_pass4(fk);
	if (error == 0)
		error = fsck_pass5(fk);
	if (error == 0 && fk->gdt_dirty)
		error = fsck_write_gdt(fk);
	if (error == 0 && fk->sb_dirty)
		error = fsck_write_sb(fk);
	/* fsck writes in place, as e2fsck does: nothing of it waits for a commit */
	if (error == 0 && (fk->repair || fk->preen)) {
		bio_unpin_all(fk->mp->mnt_bc);
		error = bio_sync(fk->mp->mnt_bc);
	}
	return error;
}

int ext2fs_fsck(struct mount *mp, unsigned flags, vfs_fsck_report_t report,
    void *arg)
{
	struct ext2fs_fsck fk;
	int error;

	memset(&fk, 0, sizeof(fk));
	fk.fs = ext2fs_fs(mp);
	fk.mp = mp;
	fk.report = report;
	fk.arg = arg;
	fk.repair = (flags & FSCK_REPAIR) && !(flags & FSCK_NOWRITE);
	fk.preen = (flags & FSCK_PREEN) && !(flags & FSCK_NOWRITE);
	fk.nblocks = fk.fs->blocks_count;
	fk.ninodes = fk.fs->inodes_count;
	fk.now = (uint32_t)time(NULL);
	if ((fk.repair || fk.preen) && (mp->mnt_flags & MNT_RDONLY)) {
		report(arg, "cannot repair: the image is open read-only");
		return 8;
	}
	error = bio_sync(mp->mnt_bc);
	if (error == 0)
		error = fsck_alloc(&fk);
	if (error == 0)
		error = fsck_run(&fk);
	fsck_free(&fk);
	if (error) {
		char msg[700];
		snprintf(msg, sizeof(msg), "check stopped: %s%s%s",
		    strerror(error), mp->mnt_corrupt[0] ? ": " : "",
		    mp->mnt_corrupt);
		report(arg, msg);
		return 8;
	}
	if (flags & FSCK_VERBOSE)
		fsck_note(&fk, "%u problem%s found, %u fixed", fk.errors,
		    fk.errors == 1 ? "" : "s", fk.fixed);
	if (fk.errors == 0)
		return 0;
	return fk.fixed >= fk.errors ? 1 : 4;
}
