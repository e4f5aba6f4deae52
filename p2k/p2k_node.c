/* p2k_node.c: the table of FUSE node ids and the vnode references they hold. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "p2k/p2k_int.h"

/*
 * The reference-counting invariant.
 *
 * The kernel names files by node id and keeps, per node id, a lookup count:
 * each successful reply that hands out an entry (lookup, create, mkdir,
 * mknod, symlink, link, and each readdirplus entry except "." and "..")
 * adds one, and FORGET / BATCH_FORGET take back any number of them. While
 * the count is above zero the kernel may send the id back at any time.
 *
 * So: a node holds exactly pn_nlookup references to its vnode, one per
 * kernel lookup count. Each entry reply transfers the reference the vnode
 * operation (vop_lookup, vop_create, ...) handed out into the table
 * (p2k_node_enter); each forgotten count is one vrele(). A node whose count
 * reaches zero leaves the table and its id is never used again: ids come
 * from a 64-bit counter, so (id, generation 0) is unique for the life of the
 * mount. The root is the exception: the kernel holds it without a lookup, so
 * the table holds one extra reference to it (the pin) from
 * p2k_nodes_init to p2k_nodes_fini, and its node never leaves.
 *
 * Two names of one inode are one vnode (the VFS caches vnodes by inode
 * number), hence one node: the table is also indexed by vnode.
 *
 * Ids coming back from the kernel are only ever looked up in the table
 * (p2k_node_get); an id that is not there is an error, never a pointer.
 * A request borrows the vnode of its node for its duration: the core is
 * single-threaded and a FORGET is a request of its own.
 */

#define GOLDEN 0x9e3779b97f4a7c15ull

static size_t hash_id(const struct p2k_nodetab *nt, uint64_t id)
{
	return (size_t)((id * GOLDEN) >> 20) & (nt->nt_size - 1);
}

static size_t hash_vp(const struct p2k_nodetab *nt, const struct vnode *vp)
{
	return hash_id(nt, (uint64_t)(uintptr_t)vp >> 4);
}

static void link_node(struct p2k_nodetab *nt, struct p2k_node *np)
{
	size_t i = hash_id(nt, np->pn_id), j = hash_vp(nt, np->pn_vp);

	np->pn_idnext = nt->nt_byid[i];
	nt->nt_byid[i] = np;
	np->pn_vpnext = nt->nt_byvp[j];
	nt->nt_byvp[j] = np;
}

/* Doubles both hashes (the nodes are relinked from the id chains). */
static int grow(struct p2k_nodetab *nt)
{
	struct p2k_node **byid, **byvp, **oldid = nt->nt_byid, *np, *next;
	size_t oldsize = nt->nt_size, i;

	byid = calloc(oldsize * 2, sizeof(*byid));
	byvp = calloc(oldsize * 2, sizeof(*byvp));
	if (byid == NULL || byvp == NULL) {
		free(byid);
		free(byvp);
		return ENOMEM;
	}
	free(nt->nt_byvp);
	nt->nt_byid = byid;
	nt->nt_byvp = byvp;
	nt->nt_size = oldsize * 2;
	for (i = 0; i < oldsize; i++)
		for (np = oldid[i]; np; np = next) {
			next = np->pn_idnext;
			link_node(nt, np);
		}
	free(oldid);
	return 0;
}

/* The table starts with the root, pinned by the reference passed in. */
int p2k_nodes_init(struct p2k_nodetab *nt, struct vnode *rootvp)
{
	nt->nt_size = 256;
	nt->nt_count = 0;
	nt->nt_nextid = FUSE_ROOT_ID + 1;
	nt->nt_byid = calloc(nt->nt_size, sizeof(*nt->nt_byid));
	nt->nt_byvp = calloc(nt->nt_size, sizeof(*nt->nt_byvp));
	nt->nt_root = calloc(1, sizeof(*nt->nt_root));
	if (nt->nt_byid == NULL || nt->nt_byvp == NULL || nt->nt_root == NULL) {
		free(nt->nt_byid);
		free(nt->nt_byvp);
		free(nt->nt_root);
		nt->nt_byid = nt->nt_byvp = NULL;
		nt->nt_root = NULL;
		return ENOMEM;
	}
	nt->nt_root->pn_id = FUSE_ROOT_ID;
	nt->nt_root->pn_vp = rootvp;
	link_node(nt, nt->nt_root);
	nt->nt_count = 1;
	return 0;
}

/* Gives back every reference the table holds (lookups, then the pin). */
void p2k_nodes_fini(struct p2k_nodetab *nt)
{
	struct p2k_node *np, *next;
	size_t i;

	for (i = 0; nt->nt_byid && i < nt->nt_size; i++)
		for (np = nt->nt_byid[i]; np; np = next) {
			next = np->pn_idnext;
			for (; np->pn_nlookup > 0; np->pn_nlookup--)
				vrele(np->pn_vp);
			if (np == nt->nt_root)
				vrele(np->pn_vp);
			free(np);
		}
	free(nt->nt_byid);
	free(nt->nt_byvp);
	nt->nt_byid = nt->nt_byvp = NULL;
	nt->nt_root = NULL;
	nt->nt_count = 0;
}

/* The node of a kernel-supplied id, or NULL: ids are checked, never cast. */
struct p2k_node *p2k_node_get(struct p2k_nodetab *nt, uint64_t id)
{
	struct p2k_node *np;

	if (nt->nt_byid == NULL)
		return NULL;
	for (np = nt->nt_byid[hash_id(nt, id)]; np; np = np->pn_idnext)
		if (np->pn_id == id)
			return np;
	return NULL;
}

static struct p2k_node *node_by_vp(struct p2k_nodetab *nt,
    const struct vnode *vp)
{
	struct p2k_node *np;

	for (np = nt->nt_byvp[hash_vp(nt, vp)]; np; np = np->pn_vpnext)
		if (np->pn_vp == vp)
			return np;
	return NULL;
}

/*
 * Records one kernel lookup of vp. The caller's reference to vp passes to
 * the table in every case: kept as the new lookup count on success, given
 * back on failure.
 */
int p2k_node_enter(struct p2k_nodetab *nt, struct vnode *vp,
    struct p2k_node **npp)
{
	struct p2k_node *np = node_by_vp(nt, vp);

	if (np == NULL) {
		if ((nt->nt_count >= nt->nt_size && grow(nt) != 0) ||
		    (np = calloc(1, sizeof(*np))) == NULL) {
			vrele(vp);
			return ENOMEM;
		}
		np->pn_id = nt->nt_nextid++;
		np->pn_vp = vp;
		link_node(nt, np);
		nt->nt_count++;
	}
	np->pn_nlookup++;
	*npp = np;
	return 0;
}

static void unlink_node(struct p2k_nodetab *nt, struct p2k_node *np)
{
	struct p2k_node **pp;

	for (pp = &nt->nt_byid[hash_id(nt, np->pn_id)]; *pp != np;
	    pp = &(*pp)->pn_idnext)
		;
	*pp = np->pn_idnext;
	for (pp = &nt->nt_byvp[hash_vp(nt, np->pn_vp)]; *pp != np;
	    pp = &(*pp)->pn_vpnext)
		;
	*pp = np->pn_vpnext;
	nt->nt_count--;
}

/*
 * Takes back n lookups of id: n references. An unknown id, or more than
 * were handed out, is the kernel's mistake (or a hostile one): only what
 * the table holds is released.
 */
void p2k_node_forget(struct p2k_nodetab *nt, uint64_t id, uint64_t n)
{
	struct p2k_node *np = p2k_node_get(nt, id);

	if (np == NULL)
		return;
	if (n > np->pn_nlookup)
		n = np->pn_nlookup;
	for (; n > 0; n--, np->pn_nlookup--)
		vrele(np->pn_vp);
	if (np->pn_nlookup == 0 && np != nt->nt_root) {
		unlink_node(nt, np);
		free(np);
	}
}
