/* ext2fs_inline_write.c: writing inline_data files and directories, and converting them to blocks when they outgrow the inode. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/endian.h"

/*
 * An inline inode keeps its first 60 bytes in i_block and the rest as the
 * value of its in-inode "system.data" attribute (see ext2fs_inline.c). As
 * in the kernel, a write that still fits grows that value (a directory's
 * grows at once to all the room the inode has), and one that does not
 * fit moves the contents to a block and drops the attribute. Only the
 * in-inode attribute area is rewritten here, and only to change
 * system.data: the other attributes keep their names, values and hashes
 * and are laid out again (entries from the front, values from the end).
 */
#define IL_DOTDOT       4               /* an inline dir's parent inode */
#define IL_INDEX_SYSTEM 7
#define IL_ENTRY_LEN(namelen) ((XATTR_ENTRY_SIZE + (namelen) + 3) & ~3u)
#define IL_PAD(size)    (((size) + 3) & ~(size_t)3)

/* The in-inode attribute area: the magic at `base`, entries from `first`
 * (value offsets count from there too), up to the end of the inode. */
struct il_area {
	uint8_t *first;
	size_t len;             /* bytes from first to the end of the inode */
	int has_magic;
	size_t others;          /* bytes the other attributes take */
	uint8_t *data_ent;      /* the system.data entry, or NULL */
};

static int il_is_data(const uint8_t *e)
{
	return e[0] == 4 && e[1] == IL_INDEX_SYSTEM &&
	    memcmp(e + XATTR_ENTRY_SIZE, "data", 4) == 0;
}

/* Finds the area and checks every entry in it before anything uses it. */
static int il_area(struct ext2fs *fs, struct ext2fs_inode *ip,
    struct il_area *a)
{
	uint8_t *base = ip->raw + EXT2_GOOD_OLD_INODE_SIZE + ip->extra_isize;
	uint8_t *p;

	memset(a, 0, sizeof(*a));
	if (fs->inode_size < EXT2_GOOD_OLD_INODE_SIZE + ip->extra_isize + 8u)
		return 0;
	a->first = base + 4;
	a->len = (size_t)(ip->raw + fs->inode_size - a->first);
	a->has_magic = le32dec(base) == XATTR_MAGIC;
	if (!a->has_magic)
		return 0;
	for (p = a->first; (size_t)(p - a->first) + 4 <= a->len &&
	    le32dec(p) != 0; p += IL_ENTRY_LEN(p[0])) {
		size_t left = a->len - (size_t)(p - a->first), off, size;
		if (left < IL_ENTRY_LEN(p[0]))
			return vfs_corrupt(fs->mp, ip->ino, 0, "in-inode xattr "
			    "entry: expected it inside the inode, found it "
			    "overrunning");
		off = le16dec(p + 2);
		size = le32dec(p + 8);
		if (le32dec(p + 4) != 0)
			return EOPNOTSUPP;      /* ea_inode: refused at mount */
		if (size != 0 && (off > a->len || size > a->len - off))
			return vfs_corrupt(fs->mp, ip->ino, 0, "in-inode xattr "
			    "value: expected within %zu bytes, found offset %zu "
			    "size %zu", a->len, off, size);
		if (il_is_data(p))
			a->data_ent = p;
		else
			a->others += IL_ENTRY_LEN(p[0]) + IL_PAD(size);
	}
	return 0;
}

/* The largest system.data value the area can hold; -1 if not even an
 * empty one fits. */
static long il_room(const struct il_area *a)
{
	long room = (long)a->len - (long)a->others - 4 - IL_ENTRY_LEN(4);

	return room < 0 ? -1 : room & ~3L;
}

/* The attribute hash (name, then the value's little-endian words); the
 * kernel leaves it 0 for an empty value. */
static uint32_t il_hash(const uint8_t *e, const uint8_t *val, size_t size)
{
	uint32_t h = 0;
	size_t i;

	if (size == 0)
		return 0;
	for (i = 0; i < e[0]; i++)
		h = (h << 5) ^ (h >> 27) ^ e[XATTR_ENTRY_SIZE + i];
	for (i = 0; i < IL_PAD(size); i += 4)
		h = (h << 16) ^ (h >> 16) ^ le32dec(val + i);
	return h;
}

/* Lays the area out again with system.data set to val[0..size) (or gone,
 * when val is NULL); ENOSPC if it does not fit. */
static int il_rewrite(struct ext2fs *fs, struct ext2fs_inode *ip,
    const uint8_t *val, size_t size)
{
	struct il_area a;
	uint8_t *old = NULL, *p, *out, *vend;
	int error, have_data = 0;

	error = il_area(fs, ip, &a);
	if (error)
		return error;
	if (val != NULL && (il_room(&a) < 0 || size > (size_t)il_room(&a)))
		return ENOSPC;
	if (a.first == NULL || (val == NULL && !a.has_magic))
		return 0;
	if (a.others + 4 > a.len)
		return vfs_corrupt(fs->mp, ip->ino, 0, "in-inode xattrs: expected "
		    "at most %zu bytes, found %zu", a.len, a.others + 4);
	old = malloc(a.len);
	if (old == NULL)
		return ENOMEM;
	memcpy(old, a.first, a.len);
	memset(a.first, 0, a.len);
	le32enc(a.first - 4, XATTR_MAGIC);
	out = a.first;
	vend = a.first + a.len;
	for (p = old; a.has_magic && (size_t)(p - old) + 4 <= a.len &&
	    le32dec(p) != 0; p += IL_ENTRY_LEN(p[0])) {
		size_t vsize = le32dec(p + 8);
		const uint8_t *v = old + le16dec(p + 2);
		if (il_is_data(p)) {
			if (val == NULL)
				continue;
			have_data = 1;
			vsize = size;
			v = val;
		}
		memcpy(out, p, IL_ENTRY_LEN(p[0]));
		if (vsize != 0) {
			vend -= IL_PAD(vsize);
			memcpy(vend, v, vsize);
		}
		le16enc(out + 2, (uint16_t)(vsize ? vend - a.first : 0));
		le32enc(out + 8, (uint32_t)vsize);
		if (il_is_data(out))
			le32enc(out + 12, il_hash(out, vend, vsize));
		out += IL_ENTRY_LEN(p[0]);
	}
	if (val != NULL && !have_data) {
		memset(out, 0, IL_ENTRY_LEN(4));
		out[0] = 4;
		out[1] = IL_INDEX_SYSTEM;
		memcpy(out + XATTR_ENTRY_SIZE, "data", 4);
		if (size != 0) {
			vend -= IL_PAD(size);
			memcpy(vend, val, size);
			le16enc(out + 2, (uint16_t)(vend - a.first));
			le32enc(out + 8, (uint32_t)size);
			le32enc(out + 12, il_hash(out, vend, size));
		}
	}
	free(old);
	return 0;
}

/* The current system.data value, copied into a buffer with `extra` more
 * zeroed bytes after it (the caller frees *val). */
static int il_value(struct ext2fs *fs, struct ext2fs_inode *ip, size_t extra,
    uint8_t **val, size_t *size)
{
	const uint8_t *v;
	int error;

	error = ext2fs_inline_get(fs, ip, &v, size);
	if (error)
		return error;
	*val = calloc(1, *size + extra + 1);
	if (*val == NULL)
		return ENOMEM;
	if (*size)
		memcpy(*val, v, *size);
	return 0;
}

/* The bytes an inline inode can hold: i_block and the biggest value;
 * 0 when the inode has no room for the system.data entry at all. */
static int il_capacity(struct ext2fs *fs, struct ext2fs_inode *ip,
    size_t *cap)
{
	struct il_area a;
	int error;

	error = il_area(fs, ip, &a);
	if (error)
		return error;
	*cap = il_room(&a) < 0 ? 0 : I_BLOCK_SIZE + (size_t)il_room(&a);
	return 0;
}

/* Inline no more: the attribute goes, i_block becomes an empty extent
 * root (or block map). The caller writes the contents back. */
static int il_drop(struct ext2fs *fs, struct ext2fs_inode *ip)
{
	int error;

	error = il_rewrite(fs, ip, NULL, 0);
	if (error)
		return error;
	ip->flags &= ~IFL_INLINE_DATA;
	memset(ip->iblock, 0, I_BLOCK_SIZE);
	if (fs->incompat & INCOMPAT_EXTENTS) {
		ip->flags |= IFL_EXTENTS;
		le16enc(ip->iblock, EXT_MAGIC);
		le16enc(ip->iblock + 4, (I_BLOCK_SIZE - EXT_HDR_SIZE) /
		    EXT_ENTRY_SIZE);
	}
	ip->c_count = 0;
	return 0;
}

/* A file's contents move to a data block. */
static int il_file_to_blocks(struct ext2fs *fs, struct ext2fs_inode *ip)
{
	const uint8_t *extra;
	size_t extralen, n, done;
	uint8_t *buf;
	int error;

	error = ext2fs_inline_get(fs, ip, &extra, &extralen);
	if (error)
		return error;
	n = I_BLOCK_SIZE + extralen;
	if (ip->size < n)
		n = (size_t)ip->size;
	buf = malloc(n + 1);
	if (buf == NULL)
		return ENOMEM;
	error = ext2fs_inline_read(fs, ip, buf, n, 0, &done);
	if (error == 0)
		error = il_drop(fs, ip);
	if (error == 0 && n > 0)
		error = ext2fs_write_data(fs, ip, buf, n, 0);
	free(buf);
	return error;
}

/* Bytes [from, to) of the inline contents become zeros (what a reader
 * must see past an old end of file). */
static void il_zero(struct ext2fs_inode *ip, uint8_t *val, size_t vlen,
    uint64_t from, uint64_t to)
{
	for (; from < to; from++) {
		if (from < I_BLOCK_SIZE)
			ip->iblock[from] = 0;
		else if (from - I_BLOCK_SIZE < vlen)
			val[from - I_BLOCK_SIZE] = 0;
		else
			break;
	}
}

/* Writes len bytes at off into an inline file, converting it first when
 * the end would not fit. i_size grows; the caller updates the inode. */
int ext2fs_inline_write(struct ext2fs *fs, struct ext2fs_inode *ip,
    const void *buf, size_t len, uint64_t off)
{
	uint64_t end = off + len;
	size_t cap, vlen, nlen, i;
	const uint8_t *src = buf;
	uint8_t *val;
	int error;

	error = il_capacity(fs, ip, &cap);
	if (error)
		return error;
	if (end < off || end > cap) {
		error = il_file_to_blocks(fs, ip);
		return error ? error : ext2fs_write_data(fs, ip, buf, len, off);
	}
	error = il_value(fs, ip, cap - I_BLOCK_SIZE, &val, &vlen);
	if (error)
		return error;
	nlen = end > I_BLOCK_SIZE + vlen ? (size_t)end - I_BLOCK_SIZE : vlen;
	if (off > ip->size)
		il_zero(ip, val, vlen, ip->size, off);
	for (i = 0; i < len; i++) {
		if (off + i < I_BLOCK_SIZE)
			ip->iblock[off + i] = src[i];
		else
			val[off + i - I_BLOCK_SIZE] = src[i];
	}
	error = il_rewrite(fs, ip, val, nlen);
	if (error == 0 && end > ip->size)
		ip->size = end;
	free(val);
	return error;
}

/* A new size for an inline file: shrinking cuts the value and zeroes the
 * bytes past the end; growing past what the inode holds moves the data to
 * a block first. Sets i_size; the caller updates the inode. */
int ext2fs_inline_truncate(struct ext2fs *fs, struct ext2fs_inode *ip,
    uint64_t size)
{
	size_t vlen, nlen, cap;
	uint8_t *val;
	int error;

	error = il_capacity(fs, ip, &cap);
	if (error == 0 && size > cap) {
		error = il_file_to_blocks(fs, ip);
		if (error == 0)
			ip->size = size;
		return error;
	}
	if (error == 0)
		error = il_value(fs, ip, 0, &val, &vlen);
	if (error)
		return error;
	nlen = vlen;
	if (size < I_BLOCK_SIZE + (uint64_t)vlen)
		nlen = size > I_BLOCK_SIZE ? (size_t)size - I_BLOCK_SIZE : 0;
	il_zero(ip, val, vlen, size < ip->size ? size : ip->size,
	    I_BLOCK_SIZE + (uint64_t)vlen);
	if (vlen > 0)
		error = il_rewrite(fs, ip, val, nlen);
	if (error == 0)
		ip->size = size;
	free(val);
	return error;
}

/* ---- directories ---- */

struct il_collect {
	uint8_t *out;
	size_t off, last, end;
};

static int il_collect_fn(void *arg, size_t off, uint64_t ino,
    const uint8_t *name, size_t namelen, unsigned ftype, size_t reclen)
{
	struct il_collect *c = arg;

	if (ino == 0)
		return 0;
	if (c->off + DIRENT_LEN(namelen) > c->end)
		return -1;      /* more than a block holds */
	c->last = c->off;
	ext2fs_dirent_put(c->out + c->off, ino, DIRENT_LEN(namelen),
	    (const char *)name, namelen, ftype);
	c->off += DIRENT_LEN(namelen);
	return 0;
}

/* The directory moves to one block: ".", "..", then its entries. */
static int il_dir_to_block(struct ext2fs *fs, struct ext2fs_inode *dp)
{
	size_t tail = ext2fs_has_csum(fs) ? DIRENT_TAIL_SIZE : 0, vlen;
	struct il_collect c = { NULL, 24, 12, fs->bsize - tail };
	uint64_t parent = le32dec(dp->iblock);
	uint8_t *blk, *val = NULL;
	int error;

	blk = calloc(1, fs->bsize);
	if (blk == NULL)
		return ENOMEM;
	c.out = blk;
	error = il_value(fs, dp, 0, &val, &vlen);
	if (error == 0)
		error = ext2fs_dirent_walk(fs, dp, 0, dp->iblock + IL_DOTDOT,
		    I_BLOCK_SIZE - IL_DOTDOT, il_collect_fn, &c);
	if (error == 0)
		error = ext2fs_dirent_walk(fs, dp, 0, val, vlen, il_collect_fn,
		    &c);
	if (error == -1)
		error = vfs_corrupt(fs->mp, dp->ino, 0, "inline directory: "
		    "expected entries to fit one block, found more");
	if (error == 0) {
		ext2fs_dirent_put(blk, dp->ino, 12, ".", 1,
		    ext2fs_dirent_ftype(fs, S_IFDIR));
		ext2fs_dirent_put(blk + 12, parent, 12, "..", 2,
		    ext2fs_dirent_ftype(fs, S_IFDIR));
		le16enc(blk + c.last + 4, (uint16_t)(fs->bsize - tail - c.last));
		error = il_drop(fs, dp);
	}
	if (error == 0)
		error = ext2fs_dir_write_first(fs, dp, blk);
	free(val);
	free(blk);
	return error;
}

/* Adds an entry to the value (grown, the first time, to all the room the
 * inode has, as the kernel does); ENOSPC if it does not fit. */
static int il_dir_add_value(struct ext2fs *fs, struct ext2fs_inode *dp,
    size_t room, const char *name, size_t namelen, uint64_t ino,
    unsigned ftype)
{
	size_t vlen, nlen;
	uint8_t *val;
	int error;

	error = il_value(fs, dp, room, &val, &vlen);
	if (error)
		return error;
	nlen = vlen;
	if (room >= vlen + DIRENT_MIN_SIZE && dp->size == I_BLOCK_SIZE + vlen) {
		/* the new room is one empty entry */
		nlen = room;
		le16enc(val + vlen + 4, (uint16_t)(nlen - vlen));
	}
	error = ENOSPC;
	if (ext2fs_dirent_insert(val, nlen, ino, name, namelen, ftype))
		error = il_rewrite(fs, dp, val, nlen);
	if (error == 0)
		dp->size = I_BLOCK_SIZE + nlen;
	free(val);
	return error;
}

/* Adds an entry: into i_block, then into the value, else the directory
 * moves to a block (and grows from there like any other). */
int ext2fs_inline_dir_add(struct ext2fs *fs, struct ext2fs_inode *dp,
    const char *name, size_t namelen, uint64_t ino, unsigned ftype)
{
	size_t cap;
	int error;

	if (ext2fs_dirent_insert(dp->iblock + IL_DOTDOT,
	    I_BLOCK_SIZE - IL_DOTDOT, ino, name, namelen, ftype))
		return ext2fs_iupdate(fs, dp);
	error = il_capacity(fs, dp, &cap);
	if (error == 0)
		error = cap > I_BLOCK_SIZE ? il_dir_add_value(fs, dp,
		    cap - I_BLOCK_SIZE, name, namelen, ino, ftype) : ENOSPC;
	if (error == 0)
		return ext2fs_iupdate(fs, dp);
	if (error != ENOSPC)
		return error;
	error = il_dir_to_block(fs, dp);
	return error ? error : ext2fs_dir_add_entry(fs, dp, name, namelen, ino,
	    ftype);
}

/* Removes or retargets op->name (i_block first, then the value). */
int ext2fs_inline_dir_change(struct ext2fs *fs, struct ext2fs_inode *dp,
    struct ext2fs_dirop *op)
{
	size_t vlen;
	uint8_t *val;
	int error;

	if (ext2fs_dirent_apply(fs, op, dp->iblock + IL_DOTDOT,
	    I_BLOCK_SIZE - IL_DOTDOT))
		return ext2fs_iupdate(fs, dp);
	error = il_value(fs, dp, 0, &val, &vlen);
	if (error)
		return error;
	if (ext2fs_dirent_apply(fs, op, val, vlen))
		error = il_rewrite(fs, dp, val, vlen);
	else
		error = ENOENT;
	free(val);
	return error ? error : ext2fs_iupdate(fs, dp);
}

int ext2fs_inline_set_parent(struct ext2fs *fs, struct ext2fs_inode *dp,
    uint64_t parent)
{
	le32enc(dp->iblock, (uint32_t)parent);
	return ext2fs_iupdate(fs, dp);
}

static int il_live_fn(void *arg, size_t off, uint64_t ino,
    const uint8_t *name, size_t namelen, unsigned ftype, size_t reclen)
{
	return ino != 0 ? -1 : 0;
}

/* 0 if the directory has no entries (its "." and ".." are implicit). */
int ext2fs_inline_dir_isempty(struct ext2fs *fs, struct ext2fs_inode *dp)
{
	const uint8_t *extra;
	size_t extralen;
	int error;

	error = ext2fs_inline_get(fs, dp, &extra, &extralen);
	if (error == 0)
		error = ext2fs_dirent_walk(fs, dp, 0, dp->iblock + IL_DOTDOT,
		    I_BLOCK_SIZE - IL_DOTDOT, il_live_fn, NULL);
	if (error == 0 && extralen > 0)
		error = ext2fs_dirent_walk(fs, dp, 0, extra, extralen,
		    il_live_fn, NULL);
	return error == -1 ? ENOTEMPTY : error;
}
