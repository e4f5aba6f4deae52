/* sandbox.c: Landlock through raw syscalls: a ruleset of host paths, then confinement for the rest of the process. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/landlock.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli/sandbox.h"

/* Rights newer than the headers this may be built with. */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

#define FS_ABI1 ((1ULL << 13) - 1)   /* EXECUTE .. MAKE_SYM */

#define R_READ_FILE (LANDLOCK_ACCESS_FS_READ_FILE)
#define R_READ_DIR  (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define R_WRITE_FILE (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE)
#define R_WRITE_DIR (R_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR | \
    LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR | \
    LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SYM | \
    LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_REFER)

/* Every filesystem right the kernel's ABI knows: all are denied unless allowed. */
static uint64_t handled_rights(int abi)
{
	uint64_t r = FS_ABI1;

	if (abi >= 2)
		r |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		r |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		r |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return r;
}

/*
 * The ruleset's attributes as the newest kernels know them; the size passed
 * tells the kernel which fields exist. Besides the filesystem rights: TCP
 * bind and connect (ABI 4), and scopes (ABI 6) that keep a confined process
 * from signalling, or reaching through abstract unix sockets, any process
 * outside its sandbox. No rule allows any of these.
 */
struct sb_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;   /* ABI 4 */
	uint64_t scoped;               /* ABI 6 */
};
#define SB_NET_TCP   3ULL   /* BIND_TCP | CONNECT_TCP */
#define SB_SCOPES    3ULL   /* ABSTRACT_UNIX_SOCKET | SIGNAL */

static size_t attr_for(int abi, struct sb_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	attr->handled_access_fs = handled_rights(abi);
	if (abi < 4)
		return offsetof(struct sb_attr, handled_access_net);
	attr->handled_access_net = SB_NET_TCP;
	if (abi < 6)
		return offsetof(struct sb_attr, scoped);
	attr->scoped = SB_SCOPES;
	return sizeof(*attr);
}

int sandbox_init(struct sandbox *sb)
{
	struct sb_attr attr;
	size_t attrsize;
	long abi;
	int error;

	memset(sb, 0, sizeof(*sb));
	sb->fd = -1;
	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1) {
		error = abi < 0 ? errno : ENOSYS;
		snprintf(sb->why, sizeof(sb->why), "Landlock unavailable (%s)",
		    error == ENOSYS ? "kernel older than 5.13" :
		    error == EOPNOTSUPP ? "disabled in this kernel" :
		    strerror(error));
		return error;
	}
	sb->abi = (int)abi;
	attrsize = attr_for(sb->abi, &attr);
	sb->fd = (int)syscall(SYS_landlock_create_ruleset, &attr, attrsize, 0);
	if (sb->fd < 0) {
		error = errno;
		snprintf(sb->why, sizeof(sb->why), "Landlock ruleset refused "
		    "(%s)", strerror(error));
		sb->abi = 0;
		return error;
	}
	return 0;
}

/* The rights `how` gives on an inode of this type, within the kernel's ABI. */
static uint64_t rights_for(const struct sandbox *sb, unsigned how, int isdir)
{
	uint64_t r = 0;

	if (how & SB_READ)
		r |= isdir ? R_READ_DIR : R_READ_FILE;
	if (how & SB_WRITE)
		r |= isdir ? R_WRITE_DIR : R_WRITE_FILE;
	if ((how & SB_IOCTL) && !isdir)
		r |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return r & handled_rights(sb->abi);
}

int sandbox_allow(struct sandbox *sb, const char *path, unsigned how)
{
	struct landlock_path_beneath_attr pb;
	struct stat st;
	int fd, error = 0;

	if (sb->fd < 0)
		return EBADF;
	if ((fd = open(path, O_PATH | O_CLOEXEC)) < 0)
		error = errno;
	else if (fstat(fd, &st) != 0)
		error = errno;
	if (error == 0) {
		memset(&pb, 0, sizeof(pb));
		pb.parent_fd = fd;
		pb.allowed_access = rights_for(sb, how, S_ISDIR(st.st_mode));
		if (pb.allowed_access != 0 && syscall(SYS_landlock_add_rule,
		    sb->fd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) != 0)
			error = errno;
	}
	if (fd >= 0)
		close(fd);
	if (error && error != ENOENT && sb->error == 0) {
		sb->error = error;
		snprintf(sb->failed, sizeof(sb->failed), "%s", path);
	}
	return error;
}

int sandbox_enforce(struct sandbox *sb)
{
	int error = 0;

	if (sb->fd < 0)
		return EBADF;
	/* a rule that could not be added only denies more: fail closed */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    syscall(SYS_landlock_restrict_self, sb->fd, 0) != 0) {
		error = errno;
		snprintf(sb->why, sizeof(sb->why), "Landlock refused to "
		    "confine (%s)", strerror(error));
	}
	sandbox_abandon(sb);
	return error;
}

void sandbox_abandon(struct sandbox *sb)
{
	if (sb->fd >= 0)
		close(sb->fd);
	sb->fd = -1;
}

int sandbox_drop_caps(uint64_t keep)
{
	struct __user_cap_header_struct hdr = {
	    .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];
	int i;

	if (syscall(SYS_capget, &hdr, d) != 0)
		return errno;
	for (i = 0; i < 2; i++) {
		uint32_t k = (uint32_t)(keep >> (32 * i));
		d[i].effective &= k;
		d[i].permitted &= k;
		d[i].inheritable = 0;
	}
	return syscall(SYS_capset, &hdr, d) != 0 ? errno : 0;
}
