/* cd9660_dir.c: walking a directory's records: padding, names, hidden records, multi-extent chains, the parent. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/cd9660/cd9660.h"
#include "vfs/bio.h"
#include "vfs/endian.h"

/*
 * A directory is a contiguous extent of sectors. Records never cross a
 * sector: the rest of a sector after its last record is zero, so a zero
 * length byte (or too little room for a record) means "go to the next
 * sector". Positions (readdir cookies) are byte offsets into the extent,
 * and every step moves forward, so a walk ends within n_dirsize bytes.
 */

/* The record at directory offset *pos or after it; ENOENT past the end. */
static int dir_rec(struct cd9660_mount *imp, const struct cd9660_node *dp,
    uint64_t ino, uint64_t *pos, struct cd9660_rec *rec)
{
	uint64_t base = (uint64_t)dp->n_dirext * ISO_SECTOR, sec;
	struct buf *bp;
	size_t in;
	int error;

	while (*pos < dp->n_dirsize) {
		sec = *pos & ~(uint64_t)(ISO_SECTOR - 1);
		in = (size_t)(*pos - sec);
		if (in > ISO_SECTOR - ISO_DR_MIN) {
			*pos = sec + ISO_SECTOR;
			continue;
		}
		error = bread(imp->im_mp->mnt_bc, base + sec, ISO_SECTOR, &bp);
		if (error)
			return error;
		if (bp->b_data[in] == 0) {
			brelse(bp);
			*pos = sec + ISO_SECTOR;
			continue;
		}
		error = cd9660_rec_decode(imp, bp->b_data + in, ISO_SECTOR - in,
		    base + *pos, rec);
		brelse(bp);
		if (error)
			return error;
		return 0;
	}
	return ENOENT;
}

/*
 * A plain ISO 9660 or Joliet name as users see it: the ";1" version hidden,
 * and (plain names only) the "." that ends a name without an extension.
 * out holds VFS_NAME_MAX + 1 bytes; longer names are cut at a character.
 */
size_t cd9660_isoname(const uint8_t *name, size_t len, char *out, int joliet)
{
	size_t n, i;

	if (joliet) {
		n = cd9660_ucs2_to_utf8(name, len, out, VFS_NAME_MAX + 1);
	} else {
		n = len > VFS_NAME_MAX ? VFS_NAME_MAX : len;
		memcpy(out, name, n);
	}
	for (i = n; i > 0 && out[i - 1] >= '0' && out[i - 1] <= '9'; i--)
		;
	if (i > 1 && i < n && out[i - 1] == ';')
		n = i - 1;
	if (!joliet && n > 1 && out[n - 1] == '.')
		n--;
	out[n] = '\0';
	return n;
}

/* Names that cannot be a file's name in a directory tree. */
static int bad_name(const char *name, size_t len)
{
	return len == 0 || memchr(name, '/', len) != NULL ||
	    memchr(name, '\0', len) != NULL ||
	    (len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.');
}

/*
 * Records flagged "associated file" are left out, as Linux does unless
 * mounted with showassoc; with -o showassoc they are listed under their
 * name with a leading "=", as NetBSD names them, so that they never clash
 * with the file they belong to. Records flagged hidden (the existence bit)
 * are shown, as both kernels do, unless -o hide (Linux's option) is given.
 */
static int entry_hidden(const struct cd9660_mount *imp, uint8_t flags)
{
	return ((flags & ISO_FL_ASSOC) && !imp->im_showassoc) ||
	    ((flags & ISO_FL_HIDDEN) && imp->im_hide);
}

/* "=" before an associated file's name; 0 if the name has no room for it. */
static int assoc_name(struct cd9660_dirent *de)
{
	if (de->d_namelen >= VFS_NAME_MAX)
		return 0;
	memmove(de->d_name + 1, de->d_name, de->d_namelen + 1);
	de->d_name[0] = '=';
	de->d_namelen++;
	return 1;
}

/* Name, type and visibility of one record; *hide set for records users never see. */
static int entry_decode(struct cd9660_mount *imp, uint64_t ino,
    struct cd9660_dirent *de, int *hide)
{
	const struct cd9660_rec *rec = &de->d_rec;
	struct cd9660_rr *rr;
	int error = 0;

	*hide = 0;
	de->d_type = (rec->r_flags & ISO_FL_DIR) ? VDIR : VREG;
	de->d_dot = 0;
	if (rec->r_namelen == 1 && rec->r_name[0] <= 1) {
		/* "." and "..": whatever their flags say */
		de->d_dot = rec->r_name[0] + 1;
		de->d_namelen = (size_t)de->d_dot;
		memcpy(de->d_name, "..", 2);
		de->d_name[de->d_namelen] = '\0';
		de->d_type = VDIR;
		return 0;
	}
	*hide = entry_hidden(imp, rec->r_flags);
	de->d_namelen = cd9660_isoname(rec->r_name, rec->r_namelen,
	    de->d_name, imp->im_names == CD9660_JOLIET);
	if (imp->im_names == CD9660_RRIP && !*hide) {
		if ((rr = calloc(1, sizeof(*rr))) == NULL)
			return ENOMEM;
		error = cd9660_rrip_parse(imp, rec, imp->im_skip, rr);
		if (error == 0 && (rr->rr_have & RR_RE))
			*hide = 1;   /* shown in its real place through CL */
		if (error == 0 && (rr->rr_have & RR_NM)) {
			memcpy(de->d_name, rr->rr_name, rr->rr_namelen);
			de->d_namelen = rr->rr_namelen;
			de->d_name[de->d_namelen] = '\0';
		}
		if (error == 0 && (rr->rr_have & RR_PX) &&
		    vfs_mode_to_vtype(rr->rr_mode) != VNON &&
		    !(rec->r_flags & ISO_FL_DIR))
			de->d_type = vfs_mode_to_vtype(rr->rr_mode);
		if (error == 0 && (rr->rr_have & RR_CL))
			de->d_type = VDIR;
		free(rr);
	}
	if (error == 0 && !*hide && (rec->r_flags & ISO_FL_ASSOC))
		*hide = !assoc_name(de);
	if (error == 0 && !*hide && bad_name(de->d_name, de->d_namelen))
		error = vfs_corrupt(imp->im_mp, ino, rec->r_off / ISO_SECTOR,
		    "directory record at byte %llu: \"%s\" is not a valid file "
		    "name", (unsigned long long)rec->r_off, de->d_name);
	return error;
}

/*
 * The next visible entry at or after directory offset *pos; *pos and
 * d_next are left just after it (and after the records that continue a
 * multi-extent file). ENOENT at the end of the directory.
 */
int cd9660_dir_entry(struct cd9660_mount *imp, const struct cd9660_node *dp,
    uint64_t ino, uint64_t *pos, struct cd9660_dirent *de)
{
	struct cd9660_rec *more;
	uint8_t flags;
	int error, hide;

	for (;;) {
		if ((error = dir_rec(imp, dp, ino, pos, &de->d_rec)) != 0)
			return error;
		*pos += de->d_rec.r_len;
		flags = de->d_rec.r_flags;
		if ((flags & ISO_FL_MULTI) && (more = malloc(sizeof(*more)))) {
			while (error == 0 && (flags & ISO_FL_MULTI)) {
				error = dir_rec(imp, dp, ino, pos, more);
				*pos += error ? 0 : more->r_len;
				flags = more->r_flags;
			}
			free(more);
			if (error == ENOENT)
				error = vfs_corrupt(imp->im_mp, ino, dp->n_dirext,
				    "multi-extent file at byte %llu: its last "
				    "record is missing", (unsigned long long)
				    de->d_rec.r_off);
			if (error)
				return error;
		} else if (flags & ISO_FL_MULTI) {
			return ENOMEM;
		}
		if ((error = entry_decode(imp, ino, de, &hide)) != 0)
			return error;
		if (!hide)
			break;
	}
	de->d_next = *pos;
	return 0;
}

/* The ".." record that follows "." at the start of directory ext. */
static int dir_dotdot(struct cd9660_mount *imp, uint64_t ino, uint32_t ext,
    const struct cd9660_rec *dot, uint32_t *dotdot, uint32_t *pl)
{
	struct cd9660_rec rec;
	struct cd9660_rr rr;
	int error;

	*pl = 0;
	error = cd9660_rec_read(imp, (uint64_t)ext * ISO_SECTOR + dot->r_len,
	    &rec);
	if (error)
		return error;
	if (rec.r_namelen != 1 || rec.r_name[0] != 1)
		return vfs_corrupt(imp->im_mp, ino, ext, "directory at block %u: "
		    "second record is not \"..\"", ext);
	*dotdot = rec.r_extent;
	if (imp->im_names != CD9660_RRIP)
		return 0;
	memset(&rr, 0, sizeof(rr));
	if ((error = cd9660_rrip_parse(imp, &rec, imp->im_skip, &rr)) != 0)
		return error;
	if (rr.rr_have & RR_PL)
		*pl = rr.rr_pl;
	return 0;
}

/*
 * The first two records of the directory at block ext: "." (which must
 * point at ext; *dot gets it, r_size = the directory's size) and, if
 * dotdot is not NULL, ".." (*dotdot = its extent, *pl = its Rock Ridge PL
 * or 0).
 */
int cd9660_dir_head(struct cd9660_mount *imp, uint64_t ino, uint32_t ext,
    struct cd9660_rec *dot, uint32_t *dotdot, uint32_t *pl)
{
	int error;

	if ((error = cd9660_check_extent(imp, ino, ext, ISO_SECTOR,
	    "directory")) != 0)
		return error;
	if ((error = cd9660_rec_read(imp, (uint64_t)ext * ISO_SECTOR, dot)))
		return error;
	if (dot->r_namelen != 1 || dot->r_name[0] != 0 || dot->r_extent != ext)
		return vfs_corrupt(imp->im_mp, ino, ext, "directory at block %u: "
		    "first record is not \".\" pointing to itself (points to "
		    "block %u)", ext, dot->r_extent);
	if (dot->r_size == 0 || dot->r_size > CD9660_DIR_MAX)
		return vfs_corrupt(imp->im_mp, ino, ext, "directory at block %u: "
		    "size %u, expected 1..%u", ext, dot->r_size, CD9660_DIR_MAX);
	if ((error = cd9660_check_extent(imp, ino, ext, dot->r_size,
	    "directory")) != 0 || dotdot == NULL)
		return error;
	return dir_dotdot(imp, ino, ext, dot, dotdot, pl);
}

/* Does rec name the directory at block ext (through CL when relocated)? */
static int names_dir(struct cd9660_mount *imp, const struct cd9660_rec *rec,
    uint32_t ext, int relocated, int *match)
{
	struct cd9660_rr rr;
	int error;

	*match = 0;
	if (rec->r_namelen == 1 && rec->r_name[0] <= 1)
		return 0;
	if (imp->im_names != CD9660_RRIP) {
		*match = (rec->r_flags & ISO_FL_DIR) && rec->r_extent == ext;
		return 0;
	}
	memset(&rr, 0, sizeof(rr));
	if ((error = cd9660_rrip_parse(imp, rec, imp->im_skip, &rr)) != 0)
		return error;
	if (relocated)
		*match = (rr.rr_have & RR_CL) && rr.rr_cl == ext;
	else
		*match = (rec->r_flags & ISO_FL_DIR) && rec->r_extent == ext &&
		    !(rr.rr_have & RR_RE);
	return 0;
}

/*
 * Parents learnt from lookups, by directory extent: an open-addressing table
 * that doubles up to CD9660_DMAP_MAX entries and then stops learning. It
 * answers ".." for a directory vnode loaded by inode number (its n_parent
 * unknown) even where ".." records cannot be trusted: libisofs writes Joliet
 * ".." records that point at the directory itself.
 */
static uint64_t *dmap_slot(uint64_t *map, size_t size, uint32_t ext)
{
	size_t i = ((size_t)ext * 0x9e3779b1u) & (size - 1);

	while (map[2 * i] != 0 && map[2 * i] != (uint64_t)ext + 1)
		i = (i + 1) & (size - 1);
	return &map[2 * i];
}

static int dmap_grow(struct cd9660_mount *imp)
{
	size_t size = imp->im_dmapsize ? imp->im_dmapsize * 2 : 256, i;
	uint64_t *map = calloc(size, 2 * sizeof(*map)), *s;

	if (map == NULL)
		return ENOMEM;
	for (i = 0; i < imp->im_dmapsize; i++)
		if (imp->im_dmap[2 * i] != 0) {
			s = dmap_slot(map, size, (uint32_t)(imp->im_dmap[2 * i] - 1));
			s[0] = imp->im_dmap[2 * i];
			s[1] = imp->im_dmap[2 * i + 1];
		}
	free(imp->im_dmap);
	imp->im_dmap = map;
	imp->im_dmapsize = size;
	return 0;
}

void cd9660_dirmap_put(struct cd9660_mount *imp, uint32_t ext, uint64_t parent)
{
	uint64_t *s;

	if (imp->im_dmapn * 2 >= imp->im_dmapsize &&
	    (imp->im_dmapn >= CD9660_DMAP_MAX || dmap_grow(imp) != 0))
		return;
	s = dmap_slot(imp->im_dmap, imp->im_dmapsize, ext);
	if (s[0] == 0)
		imp->im_dmapn++;
	s[0] = (uint64_t)ext + 1;
	s[1] = parent;
}

static int dirmap_get(struct cd9660_mount *imp, uint32_t ext, uint64_t *parent)
{
	uint64_t *s;

	if (imp->im_dmapsize == 0)
		return 0;
	s = dmap_slot(imp->im_dmap, imp->im_dmapsize, ext);
	*parent = s[1];
	return s[0] != 0;
}

/*
 * The inode number of vp's parent: known when vp was looked up by name
 * (in the vnode, or in the mount's map if the vnode was recycled); otherwise the parent P comes from vp's ".." (or PL when vp was relocated),
 * the grandparent G from P's, and P's inode is the record in G that names
 * P. One scan of G, bounded by its size.
 */
int cd9660_parent(struct cd9660_mount *imp, struct vnode *vp, uint64_t *pino)
{
	struct cd9660_node *np = VTOI(vp), g;
	struct cd9660_rec rec;
	uint32_t pext, gext, pl;
	uint64_t pos = 0;
	int error, prel, match;

	if (np->n_parent != 0 || dirmap_get(imp, np->n_dirext, &np->n_parent)) {
		*pino = np->n_parent;
		return 0;
	}
	error = cd9660_dir_head(imp, vp->v_ino, np->n_dirext, &rec, &pext, &pl);
	if (error)
		return error;
	if (np->n_relocated && pl == 0)
		return vfs_corrupt(imp->im_mp, vp->v_ino, np->n_dirext,
		    "relocated directory at block %u (Rock Ridge CL) has no "
		    "PL entry naming its parent", np->n_dirext);
	if (np->n_relocated)
		pext = pl;
	if (pext == imp->im_root_extent) {
		*pino = np->n_parent = imp->im_root_ino;
		return 0;
	}
	if ((error = cd9660_dir_head(imp, vp->v_ino, pext, &rec, &gext, &pl)))
		return error;
	prel = pl != 0;
	memset(&g, 0, sizeof(g));
	g.n_dirext = prel ? pl : gext;
	if ((error = cd9660_dir_head(imp, vp->v_ino, g.n_dirext, &rec, NULL,
	    NULL)) != 0)
		return error;
	g.n_dirsize = rec.r_size;
	while ((error = dir_rec(imp, &g, vp->v_ino, &pos, &rec)) == 0) {
		pos += rec.r_len;
		if ((error = names_dir(imp, &rec, pext, prel, &match)) != 0)
			return error;
		if (match) {
			*pino = np->n_parent = rec.r_off;
			return 0;
		}
	}
	if (error == ENOENT)
		error = vfs_corrupt(imp->im_mp, vp->v_ino, pext, "directory at "
		    "block %u is not listed in its parent at block %u", pext,
		    g.n_dirext);
	return error;
}
