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
