/* cli.h: what the rumpsh shell's files share: the session, commands, options, walker, formatting. */
#ifndef RUMPSH_CLI_H
#define RUMPSH_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "vfs/vfs.h"

/* Exit statuses of a command and of the program. */
#define ST_OK    0
#define ST_FAIL  1   /* a command failed, or the image cannot be opened */
#define ST_USAGE 2   /* bad option, unknown command, wrong arguments */

/*
 * One open image and where the user stands in it. Passed explicitly to every
 * command; nothing else holds it (except the readline completion pointer,
 * see interactive.c).
 */
struct session {
	struct mount *mp;
	struct vnode *cwd;              /* referenced; the directory of "." */
	char cwdpath[VFS_PATH_MAX + 1]; /* its logical absolute path */
	const char *image;              /* the IMAGE argument, as given */
	const char *opts;               /* the -o list, for reopening */
	int no_write;                   /* -r or -o ro: never reopen rw */
	unsigned mnt_flags;             /* MNT_FSCK for a one-shot fsck */
	const char *sandbox;            /* info's "sandbox:" line (confine.c) */
	const char *cmd;                /* the running command, for messages */
	int out_tty;                    /* stdout is a terminal */
	int quiet;                      /* errors are not printed (completion) */
	int quit;                       /* `exit` was run */
	int exit_status;                /* the status `exit N` asked for */
	void *iobuf;                    /* get's copy buffer, kept for the session */
};

/* session.c */
int session_open(struct session *s, const char *image, const char *fstype,
    const char *opts, int rdonly, unsigned mnt_flags, char *why,
    size_t whysize);
int session_close(struct session *s);
int session_writable(struct session *s, const char *path);
void session_begin(struct session *s, const char *cmd);
int sess_err(struct session *s, const char *path, int err);
int sess_errmsg(struct session *s, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int sess_usage(struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int sess_lookup(struct session *s, const char *path, int follow,
    struct vnode **vpp, struct vattr *va);
int sess_readlink(struct session *s, struct vnode *vp, char **target);

/* cmdtab.c: the command table and dispatch */
typedef int (*cmd_fn)(struct session *s, int argc, char **argv);
struct command {
	const char *name;
	cmd_fn fn;              /* NULL: in the design, not built yet */
	const char *usage;      /* arguments after the name */
	const char *summary;    /* one line for `help`; NULL: hidden (not
	                           listed by `help` nor completed) */
	const char *help;       /* options and details for `help CMD` */
};
const struct command *cmd_lookup(const char *name);
const struct command *cmd_table(size_t *n);
int cmd_run(struct session *s, int argc, char **argv);

/* The commands (cmd_*.c). */
int cmd_help(struct session *s, int argc, char **argv);
int cmd_exit(struct session *s, int argc, char **argv);
int cmd_ls(struct session *s, int argc, char **argv);
int cmd_cd(struct session *s, int argc, char **argv);
int cmd_pwd(struct session *s, int argc, char **argv);
int cmd_stat(struct session *s, int argc, char **argv);
int cmd_cat(struct session *s, int argc, char **argv);
int cmd_find(struct session *s, int argc, char **argv);
int cmd_du(struct session *s, int argc, char **argv);
int cmd_df(struct session *s, int argc, char **argv);
int cmd_info(struct session *s, int argc, char **argv);
int info_unmounted_disk(const char *image, const char *sandbox);
int cmd_get(struct session *s, int argc, char **argv);
/* the commands that change the image (session_writable first) */
int cmd_put(struct session *s, int argc, char **argv);
int cmd_cp(struct session *s, int argc, char **argv);
int cmd_mv(struct session *s, int argc, char **argv);
int cmd_rm(struct session *s, int argc, char **argv);
int cmd_mkdir(struct session *s, int argc, char **argv);
int cmd_rmdir(struct session *s, int argc, char **argv);
int cmd_ln(struct session *s, int argc, char **argv);
int cmd_chmod(struct session *s, int argc, char **argv);
int cmd_chown(struct session *s, int argc, char **argv);
int cmd_touch(struct session *s, int argc, char **argv);
int cmd_truncate(struct session *s, int argc, char **argv);
int cmd_fsck(struct session *s, int argc, char **argv);
int cmd_extract(struct session *s, int argc, char **argv);
int cmd_import(struct session *s, int argc, char **argv);
int cmd_mount(struct session *s, int argc, char **argv);
int cmd_complete(struct session *s, int argc, char **argv);
void cmd_summary(FILE *f);

/* opts.c: short options of a command ("laRdih", "x:" takes an argument) */
struct opts {
	unsigned char set[128];  /* how often each option letter was given */
	char *arg[128];          /* the last argument of options that take one */
	char **args;             /* the operands, in order (points into argv) */
	int nargs;
};
int opts_parse(struct session *s, int argc, char **argv, const char *spec,
    struct opts *o);

/* script.c: a script or -c string split into commands */
struct script_cmd {
	int argc;
	char **argv;             /* NULL-ended */
};
struct script {
	struct script_cmd *cmds;
	size_t ncmds;
};
int script_parse(const char *text, struct script *sc, char *err,
    size_t errsize);
void script_free(struct script *sc);
int script_run_text(struct session *s, const char *text, int stop_on_error);

/* interactive.c */
int interactive_run(struct session *s);

/* cmd_complete.c: image paths completing a prefix (readline, `complete`) */
typedef void (*complete_fn)(void *arg, const char *path, int isdir);
size_t complete_paths(struct session *s, const char *text, complete_fn add,
    void *arg);

/* format.c */
void fmt_mode(mode_t mode, char out[11]);
const char *fmt_type_name(mode_t mode, uint64_t size);
void fmt_human(uint64_t bytes, char *out, size_t size);
void fmt_time_ls(const struct timespec *ts, time_t now, char *out,
    size_t size);
void fmt_time_full(const struct timespec *ts, char *out, size_t size);
void fmt_name(FILE *f, const char *name, int tty);
char *path_join(const char *dir, const char *name);
const char *path_base(const char *path, char *buf, size_t size);

/* walk.c: the one recursive tree walker (ls -R, find, du, get -r) */
#define WALK_MAXDEPTH 256
#define WALK_CONTINUE 0
#define WALK_SKIP     1   /* visit's answer: do not descend into this dir */

struct dirent_rec {
	char *name;
	uint64_t ino;
	enum vtype type;
	int have_va;             /* va was filled by getattr */
	struct vattr va;
};
struct dirlist {
	struct dirent_rec *ents;
	size_t n, cap;
};
int dirlist_read(struct session *s, const char *path, struct vnode *dvp,
    int dots, int attrs, struct dirlist *dl);
int dirent_vnode(struct session *s, struct vnode *dvp,
    const struct dirent_rec *e, struct vnode **vpp);
void dirlist_free(struct dirlist *dl);
int name_is_dot(const char *name);

struct walk_node {
	const char *path;        /* as the user would name it */
	const char *name;        /* last component ("path" for the start) */
	struct vnode *vp;        /* referenced during the callback */
	const struct vattr *va;
	int depth;               /* 0 for the starting point */
};
struct walk_ops {
	/* pre-order, every node from the start down; may answer WALK_SKIP */
	int (*visit)(void *arg, const struct walk_node *n);
	/* a directory's sorted entries, before any of them is visited */
	void (*dir)(void *arg, const struct walk_node *dir,
	    const struct dirlist *dl);
	/* post-order, for each directory visit did not skip */
	void (*leave)(void *arg, const struct walk_node *n);
	int maxdepth;            /* deepest depth visited; < 0: no limit */
	int dots;                /* pass "." and ".." to dir() */
	int attrs;               /* dir() needs the entries' attributes */
	int byino;               /* get children by inode number, not by name */
};
int walk(struct session *s, const char *path, struct vnode *vp,
    const struct walk_ops *ops, void *arg);

/* inoset.c: a set of inode numbers (hard links counted once) */
struct inoset {
	uint64_t *slots;         /* 0 = empty; inode 0 is never stored */
	size_t cap, n;
};
/* Adds ino; returns 1 if it was new, 0 if present, -1 out of memory. */
int inoset_add(struct inoset *set, uint64_t ino);
void inoset_free(struct inoset *set);

/* iobuf.c: the buffer file data moves through (cat, get) */
#define IOBUF_SIZE (2u << 20)
void *iobuf_alloc(void);
void *sess_iobuf(struct session *s);

/* hostcopy.c: writing what get copies out onto the host */
int host_write_file(struct session *s, const char *path, struct vnode *vp,
    int fd, uint64_t size);
int host_set_attrs(int dirfd, const char *name, int fd,
    const struct vattr *va, int keep);

/* imgcopy.c: the writing side of put and cp (and of anything that creates) */
int sess_parent(struct session *s, const char *path, struct vnode **dvpp,
    char *name, size_t namesize);
int dest_is_dir(struct session *s, const char *dest, struct vnode **dvpp);
struct copy_src {               /* where a file's data comes from */
	/* reads up to len bytes at off (errno; *done 0 at the end) */
	int (*read)(void *arg, void *buf, size_t len, uint64_t off,
	    size_t *done);
	/* the data region at or after off (ENXIO: none); NULL: all data */
	int (*data)(void *arg, uint64_t off, uint64_t *start, uint64_t *end);
	void *arg;
	uint64_t size;
	int sparse;             /* all-zero blocks may be left as holes */
	int host;               /* read errors are the host's */
	const char *path;       /* the source, for messages */
};
int img_copy_data(struct session *s, const char *path, struct vnode *vp,
    const struct copy_src *src);
struct img_node {               /* what to make (img_make) */
	mode_t mode;            /* type and permission bits */
	uint32_t major, minor;  /* device nodes */
	const char *target;     /* symlinks */
};
int img_make(struct session *s, struct vnode *dvp, const char *name,
    const char *path, const struct img_node *nd, struct vnode **vpp);
int img_open_or_create(struct session *s, const char *path, mode_t mode,
    int nocreate, struct vnode **vpp);
int img_setattr(struct session *s, struct vnode *vp, const char *path,
    const struct vattr *va, unsigned valid);
unsigned img_keep_bits(mode_t mode);
int img_is_below(struct session *s, struct vnode *dvp, uint64_t ino);
struct linkmap {                /* source (dev, ino) -> image inode */
	struct linkent { uint64_t dev, ino, newino; } *v;
	size_t cap, n;
};
uint64_t linkmap_find(const struct linkmap *m, uint64_t dev, uint64_t ino);
int linkmap_add(struct linkmap *m, uint64_t dev, uint64_t ino,
    uint64_t newino);
void linkmap_free(struct linkmap *m);
int img_link(struct session *s, struct vnode *dvp, const char *name,
    uint64_t ino);

/* put_xattr.c: put -p's extended attributes, from host (dir fd, name)
 * onto vp; *noxattr is set (and noted once) when the image keeps none. */
int put_xattrs(struct session *s, int hdir, const char *hname,
    const char *ipath, struct vnode *vp, int *noxattr);

/* modestr.c: chmod(1) modes, octal or symbolic; the umask */
mode_t sess_umask(void);
int mode_parse(const char *spec, mode_t old, int isdir, mode_t umask,
    mode_t *out);

#endif
