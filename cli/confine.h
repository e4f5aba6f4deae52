/* confine.h: which host paths a session needs, and confining rumpsh to them before it reads the image. */
#ifndef RUMPSH_CONFINE_H
#define RUMPSH_CONFINE_H

#include <stddef.h>

/* What the command line says about the session about to run. */
struct confine_req {
	const char *image;      /* IMAGE as given ("disk.img@N" too) */
	const char *opts;       /* -o OPT,...: "ro" means the image is not written */
	int rdonly;             /* -r: neither is it */
	int no_sandbox;         /* --no-sandbox */
	int interactive;        /* commands are typed later, unknown now */
	const char *script;     /* the -c or stdin script, or NULL */
	int argc;               /* a one-shot command, or 0 */
	char **argv;
};

/*
 * Confines the process (Landlock) to what the session needs: the image,
 * the host paths its commands name (or, interactively, the current
 * directory), and what the front end reads (time zones, the terminal,
 * history). Where confinement is off or impossible it runs unconfined.
 * state gets what `info` prints after "sandbox: ".
 */
void confine_session(const struct confine_req *r, char *state, size_t size);
/*
 * The FUSE server's sandbox (a p2k_confine_t): the image, /dev/null and
 * the read-only files of the list above. 0 once confined; otherwise an
 * errno, with why set when the failure deserves a warning.
 */
int confine_server(const char *image, int writable, char *why, size_t size);
/* The sandbox line of --version. */
void confine_version(void);

#endif
