/* test_sandbox.c: unit tests of cli/sandbox.c: once confined, only the allowed paths open, in the ways allowed. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/sandbox.h"
#include "tests/unit/unit.h"

static char base[] = "/tmp/rumpsh-sandbox-XXXXXX";
static char inside[128], outside[128], rofile[128];

static void put_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd >= 0) {
		(void)write(fd, "x\n", 2);
		close(fd);
	}
}

/* base/in (read-write), base/out (nothing), base/ro.txt (read only). */
static void make_tree(void)
{
	char p[160];

	if (mkdtemp(base) == NULL)
		exit(1);
	snprintf(inside, sizeof(inside), "%s/in", base);
	snprintf(outside, sizeof(outside), "%s/out", base);
	snprintf(rofile, sizeof(rofile), "%s/ro.txt", base);
	mkdir(inside, 0700);
	mkdir(outside, 0700);
	snprintf(p, sizeof(p), "%s/secret", outside);
	put_file(p);
	snprintf(p, sizeof(p), "%s/old", inside);
	put_file(p);
	put_file(rofile);
}

/* In a child: confine, then 0 if open(path, flags) fails with EACCES, 1 if it opens, 2 else. */
static int open_confined(const char *path, int flags)
{
	struct sandbox sb;
	pid_t pid = fork();
	int st, fd;

	if (pid == 0) {
		if (sandbox_init(&sb) != 0)
			_exit(3);
		sandbox_allow(&sb, inside, SB_READ | SB_WRITE);
		sandbox_allow(&sb, rofile, SB_READ);
		if (sandbox_enforce(&sb) != 0)
			_exit(4);
		fd = open(path, flags | O_CLOEXEC, 0600);
		_exit(fd >= 0 ? 1 : errno == EACCES ? 0 : 2);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void test_landlock_available(void)
{
	struct sandbox sb;

	/* a kernel without Landlock cannot prove anything here: a failure */
	if (sandbox_init(&sb) != 0)
		printf("# %s\n", sb.why);
	CHECK(sb.abi >= 1);
	sandbox_abandon(&sb);
}

static void test_outside_denied(void)
{
	char p[160];

	snprintf(p, sizeof(p), "%s/secret", outside);
	CHECK_EQ(open_confined(p, O_RDONLY), 0);
	CHECK_EQ(open_confined(p, O_WRONLY), 0);
	snprintf(p, sizeof(p), "%s/new", outside);
	CHECK_EQ(open_confined(p, O_WRONLY | O_CREAT), 0);
	CHECK_EQ(open_confined("/etc/passwd", O_RDONLY), 0);
	CHECK_EQ(open_confined(outside, O_RDONLY | O_DIRECTORY), 0);
}

static void test_inside_allowed(void)
{
	char p[160];

	snprintf(p, sizeof(p), "%s/old", inside);
	CHECK_EQ(open_confined(p, O_RDONLY), 1);
	CHECK_EQ(open_confined(p, O_WRONLY | O_TRUNC), 1);
	snprintf(p, sizeof(p), "%s/created", inside);
	CHECK_EQ(open_confined(p, O_WRONLY | O_CREAT), 1);
	CHECK_EQ(open_confined(inside, O_RDONLY | O_DIRECTORY), 1);
}

static void test_read_only_file(void)
{
	CHECK_EQ(open_confined(rofile, O_RDONLY), 1);
	CHECK_EQ(open_confined(rofile, O_WRONLY), 0);
	CHECK_EQ(open_confined(rofile, O_RDWR), 0);
}

static void test_missing_path_skipped(void)
{
	struct sandbox sb;

	if (sandbox_init(&sb) != 0) {
		CHECK(0);
		return;
	}
	CHECK_EQ(sandbox_allow(&sb, "/nonexistent/rumpsh/path", SB_READ),
	    ENOENT);
	CHECK_EQ(sb.error, 0);
	sandbox_abandon(&sb);
}

int main(void)
{
	char cmd[200];
	int st;

	make_tree();
	RUN(test_landlock_available);
	RUN(test_outside_denied);
	RUN(test_inside_allowed);
	RUN(test_read_only_file);
	RUN(test_missing_path_skipped);
	st = DONE();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", base);
	return st;
}
