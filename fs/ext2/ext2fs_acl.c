/* ext2fs_acl.c: POSIX ACLs: ext4's compact on-disk form to the xattr form getxattr returns. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "fs/ext2/ext2fs.h"
#include "vfs/endian.h"

/*
 * On disk (version 1): a 4-byte header, then entries of tag and permission
 * (4 bytes), plus a 4-byte id for named users and groups. The system.posix_acl_*
 * interface (version 2) uses fixed 8-byte entries with id -1 where there is
 * none. The kernel converts on every getxattr; so do we.
 */
#define ACL_DISK_VERSION  1
#define ACL_XATTR_VERSION 2
#define ACL_USER_OBJ      0x01
#define ACL_USER          0x02
#define ACL_GROUP_OBJ     0x04
#define ACL_GROUP         0x08
#define ACL_MASK          0x10
#define ACL_OTHER         0x20

int ext2fs_xattr_to_posix_acl(const uint8_t *v, size_t n, uint8_t *out,
    size_t outsize, size_t *outlen)
{
	size_t off = 4, len = 4;

	if (n < 4 || le32dec(v) != ACL_DISK_VERSION)
		return EUCLEAN;
	if (outsize >= 4)
		le32enc(out, ACL_XATTR_VERSION);
	while (off < n) {
		unsigned tag, perm;
		uint32_t id = 0xFFFFFFFF;
		if (n - off < 4)
			return EUCLEAN;
		tag = le16dec(v + off);
		perm = le16dec(v + off + 2);
		if (tag == ACL_USER || tag == ACL_GROUP) {
			if (n - off < 8)
				return EUCLEAN;
			id = le32dec(v + off + 4);
			off += 8;
		} else if (tag == ACL_USER_OBJ || tag == ACL_GROUP_OBJ ||
		    tag == ACL_MASK || tag == ACL_OTHER)
			off += 4;
		else
			return EUCLEAN;
		if (outsize >= len + 8) {
			le16enc(out + len, (uint16_t)tag);
			le16enc(out + len + 2, (uint16_t)perm);
			le32enc(out + len + 4, id);
		}
		len += 8;
	}
	*outlen = len;
	return 0;
}

/*
 * The reverse, for setxattr: validated as the kernel's posix_acl_valid does
 * (known tags in order, one owner, group and other entry, a mask when there
 * are named entries, permissions rwx only), else EINVAL. A header of another
 * version is EOPNOTSUPP, as in posix_acl_from_xattr.
 */
int ext2fs_posix_acl_to_disk(const uint8_t *v, size_t n, uint8_t *out,
    size_t *outlen, uint16_t *perm, int *equiv)
{
	unsigned last = 0, seen = 0, named = 0;
	uint16_t mode = 0, group = 0, mask = 0;
	size_t off, len = 4;

	if (n < 4 || (n - 4) % 8 != 0)
		return EINVAL;
	if (le32dec(v) != ACL_XATTR_VERSION)
		return EOPNOTSUPP;
	le32enc(out, ACL_DISK_VERSION);
	for (off = 4; off < n; off += 8) {
		unsigned tag = le16dec(v + off), p = le16dec(v + off + 2);
		int many = tag == ACL_USER || tag == ACL_GROUP;
		if (p & ~7u || tag < last || (tag == last && !many) ||
		    (tag != ACL_USER_OBJ && tag != ACL_GROUP_OBJ &&
		    tag != ACL_MASK && tag != ACL_OTHER && !many))
			return EINVAL;
		last = tag;
		seen |= tag;
		named |= many;
		if (tag == ACL_USER_OBJ)
			mode |= (uint16_t)(p << 6);
		else if (tag == ACL_GROUP_OBJ)
			group = (uint16_t)p;
		else if (tag == ACL_MASK)
			mask = (uint16_t)p;
		else if (tag == ACL_OTHER)
			mode |= (uint16_t)p;
		le16enc(out + len, (uint16_t)tag);
		le16enc(out + len + 2, (uint16_t)p);
		if (many)
			le32enc(out + len + 4, le32dec(v + off + 4));
		len += many ? 8 : 4;
	}
	if ((seen & (ACL_USER_OBJ | ACL_GROUP_OBJ | ACL_OTHER)) !=
	    (ACL_USER_OBJ | ACL_GROUP_OBJ | ACL_OTHER) ||
	    (named && !(seen & ACL_MASK)))
		return EINVAL;
	*perm = (uint16_t)(mode | ((seen & ACL_MASK) ? mask : group) << 3);
	*equiv = !(seen & ACL_MASK) && !named;
	*outlen = len;
	return 0;
}
