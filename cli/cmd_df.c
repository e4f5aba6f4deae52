/* cmd_df.c: df, the file system's space or inodes in coreutils df's columns. */
#include <string.h>

#include "cli/cli.h"

/* The first column fits the image's name. */
static int fs_width(const struct session *s)
{
	size_t n = strlen(s->image);

	return n > 14 ? (int)n : 14;
}

/* One number column: KiB blocks, or human sizes with -h, or plain counts. */
static void num(char *buf, size_t size, uint64_t v, uint64_t unit, int human)
{
	if (human)
		fmt_human(v * unit, buf, size);
	else
		snprintf(buf, size, "%llu",
		    (unsigned long long)((v * unit + 1023) / 1024));
}

/* used * 100 / (used + avail), rounded up, as df's Use% */
static void pct(char *buf, size_t size, uint64_t used, uint64_t avail)
{
	unsigned __int128 total = (unsigned __int128)used + avail;

	if (total == 0)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%u%%", (unsigned)(((unsigned __int128)used *
		    100 + total - 1) / total));
}

static void df_blocks(struct session *s, const struct vfs_statvfs *sv,
    int human)
{
	char size[32], used[32], avail[32], use[8];
	uint64_t u = sv->f_blocks >= sv->f_bfree ? sv->f_blocks - sv->f_bfree : 0;

	num(size, sizeof(size), sv->f_blocks, sv->f_bsize, human);
	num(used, sizeof(used), u, sv->f_bsize, human);
	num(avail, sizeof(avail), sv->f_bavail, sv->f_bsize, human);
	pct(use, sizeof(use), u, sv->f_bavail);
	printf("%-*s %10s %10s %10s %4s %s\n", fs_width(s),
	    "Filesystem", human ? "Size" : "1K-blocks", "Used", human ? "Avail" : "Available",
	    "Use%", "Mounted on");
	printf("%-*s %10s %10s %10s %4s %s\n", fs_width(s), s->image, size,
	    used, avail, use, "/");
}

static void df_inodes(struct session *s, const struct vfs_statvfs *sv,
    int human)
{
	char files[32], used[32], ffree[32], use[8];
	uint64_t u = sv->f_files >= sv->f_ffree ? sv->f_files - sv->f_ffree : 0;

	if (human) {
		fmt_human(sv->f_files, files, sizeof(files));
		fmt_human(u, used, sizeof(used));
		fmt_human(sv->f_ffree, ffree, sizeof(ffree));
	} else {
		snprintf(files, sizeof(files), "%llu",
		    (unsigned long long)sv->f_files);
		snprintf(used, sizeof(used), "%llu", (unsigned long long)u);
		snprintf(ffree, sizeof(ffree), "%llu",
		    (unsigned long long)sv->f_ffree);
	}
	pct(use, sizeof(use), u, sv->f_ffree);
	printf("%-*s %10s %10s %10s %5s %s\n", fs_width(s), "Filesystem",
	    "Inodes", "IUsed", "IFree", "IUse%", "Mounted on");
	printf("%-*s %10s %10s %10s %5s %s\n", fs_width(s), s->image, files,
	    used, ffree, use, "/");
}

int cmd_df(struct session *s, int argc, char **argv)
{
	struct vfs_statvfs sv = { 0 };
	struct opts o;
	int st, error;

	if ((st = opts_parse(s, argc, argv, "hi", &o)) != ST_OK)
		return st;
	if (o.nargs > 0)
		return sess_usage(s, "too many arguments");
	if ((error = vfs_statvfs(s->mp, &sv)) != 0)
		return sess_err(s, NULL, error);
	if (o.set['i'])
		df_inodes(s, &sv, o.set['h']);
	else
		df_blocks(s, &sv, o.set['h']);
	return ST_OK;
}
