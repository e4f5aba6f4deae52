/* confine.c: the sandbox policy: each command's host-path arguments, each mode's allowances, applied before the image is read. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/capability.h>

#include <readline/history.h>

#include "cli/cli.h"
#include "cli/confine.h"
#include "cli/sandbox.h"

/*
 * Policy. The image is parsed only after the process is confined, so a
 * hostile image that takes over the parser can reach no more than:
 *  - the image file (read, and ioctl for a device; write unless -r or -o ro);
 *  - the host paths the session's commands name, as each command declares
 *    them below: an output path (get's HOSTDEST, extract's -f/-C) allows
 *    writing beneath it (its parent directory if it is not a directory);
 *    an input path (put's sources, import's archive) allows reading it;
 *  - in an interactive session, whose commands are not known yet, the
 *    current directory tree (read and write) and the history file;
 *  - read-only: time zones, passwd/group, locales, inputrc, terminfo.
 * A command missing from the table names no host path: under the sandbox
 * it can open none (fail closed).
 * The FUSE server (`IMAGE mount DIR`, rump_*) gets the image, /dev/null
 * (daemonizing) and the read-only files; the /dev/fuse descriptor comes
 * from its unconfined mount helper (p2k/p2k_mounter.c), since Landlock
 * forbids a confined process mount(2) and umount(2).
 */
enum hp_operands { HP_NONE, HP_LAST_OUT, HP_ALL_BUT_LAST_IN, HP_FIRST_IN };

struct hostargs {
	const char *cmd;
	const char *optspec;    /* its short options; "x:" takes an argument */
	const char *const *longargs;  /* --long options that take a value */
	const char *out_opts;   /* options whose argument is an output path */
	enum hp_operands operands;
};

static const char *const extract_long[] = { "format", "compress", NULL };

static const struct hostargs hostargs[] = {
	{ "get", "rp", NULL, "", HP_LAST_OUT },
	{ "put", "rp", NULL, "", HP_ALL_BUT_LAST_IN },
	{ "extract", "f:C:q", extract_long, "fC", HP_NONE },
	{ "import", "q", NULL, "", HP_FIRST_IN },
};

static const char *const readable[] = {
	"/etc/localtime", "/usr/share/zoneinfo", "/etc/passwd", "/etc/group",
	"/etc/nsswitch.conf", "/usr/lib/locale", "/usr/share/locale", NULL
};
static const char *const readable_tty[] = {
	"/etc/inputrc", "/usr/share/terminfo", "/lib/terminfo",
	"/etc/terminfo", NULL
};

/* Output: a directory beneath itself, anything else through its parent. */
static void allow_output(struct sandbox *sb, const char *path)
{
	struct stat st;
	char *dir;

	if (strcmp(path, "-") == 0)
		return;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		sandbox_allow(sb, path, SB_READ | SB_WRITE);
		return;
	}
	if ((dir = strdup(path)) == NULL)
		return;
	while (strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
		dir[strlen(dir) - 1] = '\0';   /* "out/" names "out" */
	if (strrchr(dir, '/') == NULL)
		strcpy(dir, ".");
	else if (strrchr(dir, '/') == dir)
		dir[1] = '\0';
	else
		*strrchr(dir, '/') = '\0';
	sandbox_allow(sb, dir, SB_READ | SB_WRITE);
	free(dir);
}

static void allow_input(struct sandbox *sb, const char *path)
{
	if (strcmp(path, "-") != 0)
		sandbox_allow(sb, path, SB_READ);
}

static const struct hostargs *hostargs_find(const char *cmd)
{
	size_t i;

	for (i = 0; i < sizeof(hostargs) / sizeof(hostargs[0]); i++)
		if (strcmp(hostargs[i].cmd, cmd) == 0)
			return &hostargs[i];
	return NULL;
}

/* 1 if argv word "--NAME" (not "--NAME=V") takes the next word as its value. */
static int long_takes_next(const struct hostargs *h, const char *word)
{
	const char *const *l;

	for (l = h->longargs; l && *l; l++)
		if (strcmp(word + 2, *l) == 0)
			return 1;
	return 0;
}

/* One "-abc" word: allows the output path an option of it takes. */
static void scan_options(struct sandbox *sb, const struct hostargs *h,
    int argc, char **argv, int *i)
{
	const char *w, *p, *val;

	for (w = argv[*i] + 1; *w; w++) {
		if ((p = strchr(h->optspec, *w)) == NULL || *w == ':' ||
		    p[1] != ':')
			continue;
		val = w[1] ? w + 1 : *i + 1 < argc ? argv[++*i] : NULL;
		if (val != NULL && strchr(h->out_opts, *w) != NULL)
			allow_output(sb, val);
		return;
	}
}

/* Allows what one command (argv[0] and its arguments) declares. */
static void scan_command(struct sandbox *sb, int argc, char **argv)
{
	const struct hostargs *h;
	char **ops;
	int i, n = 0, only = 0;

	if (argc < 1 || (h = hostargs_find(argv[0])) == NULL)
		return;
	if ((ops = calloc((size_t)argc, sizeof(*ops))) == NULL)
		return;
	for (i = 1; i < argc; i++) {
		if (only || argv[i][0] != '-' || argv[i][1] == '\0')
			ops[n++] = argv[i];
		else if (strcmp(argv[i], "--") == 0)
			only = 1;
		else if (argv[i][1] == '-')
			i += long_takes_next(h, argv[i]);
		else
			scan_options(sb, h, argc, argv, &i);
	}
	if (h->operands == HP_LAST_OUT && n > 0)
		allow_output(sb, ops[n - 1]);
	for (i = 0; h->operands == HP_ALL_BUT_LAST_IN && i < n - 1; i++)
		allow_input(sb, ops[i]);
	if (h->operands == HP_FIRST_IN && n > 0)
		allow_input(sb, ops[0]);
	free(ops);
}

/* Every command of a script, as the script will run them. */
static void scan_script(struct sandbox *sb, const char *text)
{
	struct script sc;
	char err[128];
	size_t i;

	if (script_parse(text, &sc, err, sizeof(err)) != 0)
		return;   /* the script will not run either */
	for (i = 0; i < sc.ncmds; i++)
		scan_command(sb, sc.cmds[i].argc, sc.cmds[i].argv);
	script_free(&sc);
}

/* The file "disk.img@N" reads: the whole name if it exists, else before '@'. */
static void allow_image(struct sandbox *sb, const char *spec, int writable)
{
	const char *at = strrchr(spec, '@');
	/* ioctl: the size of a block device (BLKGETSIZE64) */
	unsigned how = SB_READ | SB_IOCTL | (writable ? SB_WRITE : 0);
	struct stat st;
	char *path;

	if (at == NULL || stat(spec, &st) == 0) {
		sandbox_allow(sb, spec, how);
		return;
	}
	if ((path = strndup(spec, (size_t)(at - spec))) != NULL)
		sandbox_allow(sb, path, how);
	free(path);
}

static int opts_has(const char *opts, const char *key)
{
	size_t klen = strlen(key), len;

	for (; opts && *opts; opts += len + (opts[len] == ',')) {
		len = strcspn(opts, ",");
		if (len == klen && strncmp(opts, key, len) == 0)
			return 1;
	}
	return 0;
}

/*
 * The history file, created and trimmed now (readline rewrites it through
 * a temporary file, which the sandbox would refuse), then only appended to.
 */
static void allow_history(struct sandbox *sb)
{
	const char *home = getenv("HOME");
	char *hist, *rc;
	int fd;

	if (home == NULL || home[0] == '\0')
		return;
	if ((hist = path_join(home, ".rumpsh_history")) != NULL) {
		fd = open(hist, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
		history_truncate_file(hist, 1000);
		sandbox_allow(sb, hist, SB_READ | SB_WRITE);
	}
	if ((rc = path_join(home, ".inputrc")) != NULL)
		sandbox_allow(sb, rc, SB_READ);
	free(hist);
	free(rc);
}

static void allow_interactive(struct sandbox *sb)
{
	size_t i;

	sandbox_allow(sb, ".", SB_READ | SB_WRITE);
	sandbox_allow(sb, "/dev/tty", SB_READ | SB_WRITE | SB_IOCTL);
	for (i = 0; readable_tty[i]; i++)
		sandbox_allow(sb, readable_tty[i], SB_READ);
	allow_history(sb);
}

/* What every confined rumpsh process may use: the image and the basics. */
static void allow_common(struct sandbox *sb, const char *image, int writable)
{
	size_t i;

	allow_image(sb, image, writable);
	sandbox_allow(sb, "/dev/null", SB_READ | SB_WRITE);
#ifdef __SANITIZE_ADDRESS__
	/* LeakSanitizer reads /proc/PID/task and maps at exit: a test build only */
	sandbox_allow(sb, "/proc/self/", SB_READ);
#endif
	for (i = 0; readable[i]; i++)
		sandbox_allow(sb, readable[i], SB_READ);
}

/* Fills sb with everything the session needs. */
static void build_rules(struct sandbox *sb, const struct confine_req *r)
{
	allow_common(sb, r->image, !r->rdonly && !opts_has(r->opts, "ro"));
	if (r->interactive)
		allow_interactive(sb);
	else if (r->script != NULL)
		scan_script(sb, r->script);
	else
		scan_command(sb, r->argc, r->argv);
}

void confine_session(const struct confine_req *r, char *state, size_t size)
{
	struct sandbox sb;

	if (r->no_sandbox) {
		snprintf(state, size, "off (--no-sandbox)");
		return;
	}
	if (sandbox_init(&sb) != 0) {
		snprintf(state, size, "off: %s", sb.why);
		if (r->interactive)
			fprintf(stderr, "rumpsh: warning: running unconfined: "
			    "%s\n", sb.why);
		return;
	}
	build_rules(&sb, r);
	if (sandbox_enforce(&sb) != 0) {
		snprintf(state, size, "off: %s", sb.why);
		fprintf(stderr, "rumpsh: warning: running unconfined: %s\n",
		    sb.why);
	} else {
		snprintf(state, size, "active (Landlock ABI %d%s)", sb.abi,
		    r->interactive ? "; the image and the current directory" :
		    "; the image and the paths named");
	}
}

/*
 * The server also gives up every capability but the two that let root open
 * an image it does not own (it opens it only after this): a server started
 * as root and taken over by its image cannot load a module, reach raw I/O
 * or devices, or change the system's mounts, namespaces or clock.
 */
#define SERVER_CAPS ((1ULL << CAP_DAC_OVERRIDE) | (1ULL << CAP_DAC_READ_SEARCH))

int confine_server(const char *image, int writable, char *why, size_t size)
{
	struct sandbox sb;
	int error;

	if ((error = sandbox_drop_caps(SERVER_CAPS)) != 0) {
		snprintf(why, size, "cannot drop capabilities (%s)",
		    strerror(error));
		return error;
	}
	/* unavailable: as a script, silently unconfined (--version says so) */
	if ((error = sandbox_init(&sb)) != 0)
		return error;
	allow_common(&sb, image, writable);
	if ((error = sandbox_enforce(&sb)) != 0)
		snprintf(why, size, "%s", sb.why);
	return error;
}

void confine_version(void)
{
	struct sandbox sb;

	if (sandbox_init(&sb) != 0) {
		printf("sandbox: unavailable: %s; sessions and FUSE servers "
		    "run unconfined\n", sb.why);
		return;
	}
	sandbox_abandon(&sb);
	printf("sandbox: Landlock ABI %d: sessions and FUSE servers are "
	    "confined unless --no-sandbox\n", sb.abi);
}
