/* cmd_stat.c: stat, laid out like coreutils stat, plus inode generation, flags and xattrs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"

#define XATTR_MAX (1u << 20)   /* the most we read of a list or a value */

/* An xattr value as getfattr -e text writes it: "..." with \ooo escapes. */
static void print_value(const unsigned char *v, size_t len)
{
	size_t i;

	putchar('"');
	for (i = 0; i < len; i++) {
		if (v[i] == '\\' || v[i] == '"' || v[i] < 0x20 || v[i] >= 0x7f)
			printf("\\%03o", v[i]);
		else
			putchar(v[i]);
	}
	putchar('"');
}

/* Calls get(..., buf, size, &len) with a buffer that grows to fit. */
static int read_sized(struct vnode *vp, const char *name, char **bufp,
    size_t *lenp)
{
	size_t cap = 256, len = 0;
	char *buf = NULL, *nb;
	int error;

	for (;;) {
		if ((nb = realloc(buf, cap + 1)) == NULL) {
			free(buf);
			return ENOMEM;
		}
		buf = nb;
		error = name ? vp->v_op->vop_getxattr(vp, name, buf, cap, &len) :
		    vp->v_op->vop_listxattr(vp, buf, cap, &len);
		if ((error == 0 || error == ERANGE) && len > cap &&
		    cap < XATTR_MAX) {
			cap = len < XATTR_MAX ? len : XATTR_MAX;
			continue;
		}
		break;
	}
	if (error) {
		free(buf);
		return error;
	}
	*lenp = len < cap ? len : cap;
	buf[*lenp] = '\0';
	*bufp = buf;
	return 0;
}

static int print_xattrs(struct session *s, const char *path,
    struct vnode *vp)
{
	char *list, *name, *val;
	size_t len, vlen;
	int error, st = ST_OK;

	error = read_sized(vp, NULL, &list, &len);
	if (error == EOPNOTSUPP || error == ENOTSUP)
		return ST_OK;
	if (error)
		return sess_err(s, path, error);
	if (len > 0)
		printf("Xattrs:\n");
	for (name = list; name < list + len; name += strlen(name) + 1) {
		if (*name == '\0')
			continue;
		if ((error = read_sized(vp, name, &val, &vlen)) != 0) {
			st = sess_err(s, path, error);
			continue;
		}
		printf("  %s=", name);
		print_value((unsigned char *)val, vlen);
		putchar('\n');
		free(val);
	}
	free(list);
	return st;
}

static void print_times(const struct vattr *va)
{
	char buf[96];

	fmt_time_full(&va->va_atime, buf, sizeof(buf));
	printf("Access: %s\n", buf);
	fmt_time_full(&va->va_mtime, buf, sizeof(buf));
	printf("Modify: %s\n", buf);
	fmt_time_full(&va->va_ctime, buf, sizeof(buf));
	printf("Change: %s\n", buf);
	fmt_time_full(&va->va_birthtime, buf, sizeof(buf));
	printf(" Birth: %s\n", buf);
}

static void print_attrs(struct session *s, const char *path,
    const struct vattr *va, const char *target)
{
	char mode[11], num[24];

	fmt_mode(va->va_mode, mode);
	printf("  File: ");
	fmt_name(stdout, path, s->out_tty);
	if (target) {
		printf(" -> ");
		fmt_name(stdout, target, s->out_tty);
	}
	snprintf(num, sizeof(num), "%llu", (unsigned long long)va->va_size);
	printf("\n  Size: %-10s\tBlocks: %-10llu IO Block: %-6u %s\n", num,
	    (unsigned long long)(va->va_bytes / 512), va->va_blksize,
	    fmt_type_name(va->va_mode, va->va_size));
	printf("Inode: %-10llu  Links: ", (unsigned long long)va->va_ino);
	if (S_ISCHR(va->va_mode) || S_ISBLK(va->va_mode))
		printf("%-5u Device type: %u,%u\n", va->va_nlink,
		    va->va_rdev_major, va->va_rdev_minor);
	else
		printf("%u\n", va->va_nlink);
	printf("Access: (%04o/%s)  Uid: (%5u)   Gid: (%5u)\n",
	    (unsigned)(va->va_mode & 07777), mode, va->va_uid, va->va_gid);
	print_times(va);
	printf("   Gen: %-10llu  Flags: 0x%x\n", (unsigned long long)va->va_gen,
	    va->va_flags);
}

static int stat_one(struct session *s, const char *path)
{
	struct vnode *vp;
	struct vattr va;
	char *target = NULL;
	int st, error;

	if ((st = sess_lookup(s, path, 0, &vp, &va)) != ST_OK)
		return st;
	if (S_ISLNK(va.va_mode) && (error = sess_readlink(s, vp, &target))) {
		st = sess_err(s, path, error);
		target = NULL;
	}
	print_attrs(s, path, &va, target);
	if (print_xattrs(s, path, vp) != ST_OK)
		st = ST_FAIL;
	free(target);
	vrele(vp);
	return st;
}

int cmd_stat(struct session *s, int argc, char **argv)
{
	struct opts o;
	int i, st;

	if ((st = opts_parse(s, argc, argv, "", &o)) != ST_OK)
		return st;
	if (o.nargs == 0)
		return sess_usage(s, "missing operand");
	for (i = 0; i < o.nargs; i++)
		if (stat_one(s, o.args[i]) != ST_OK)
			st = ST_FAIL;
	return st;
}
