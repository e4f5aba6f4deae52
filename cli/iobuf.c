/* iobuf.c: the large buffers cat and get move file data through, on huge pages where the kernel allows. */
#include <stdlib.h>
#include <sys/mman.h>

#include "cli/cli.h"

/*
 * One 2 MiB buffer, 2 MiB-aligned and marked for a transparent huge page:
 * the kernel's copies into it (read) and out of it (write) then walk one
 * TLB entry instead of 512, which makes get about a quarter faster. Free
 * with free().
 */
void *iobuf_alloc(void)
{
	void *buf = aligned_alloc(IOBUF_SIZE, IOBUF_SIZE);

	if (buf != NULL)
		(void)madvise(buf, IOBUF_SIZE, MADV_HUGEPAGE);
	return buf;
}

/*
 * The session's own buffer, made at first use and freed by session_close:
 * get -r and put -r of thousands of small files then map no 2 MiB region
 * per file. Used by one copy at a time (get's host writes, the image
 * writes of put, cp and import).
 */
void *sess_iobuf(struct session *s)
{
	if (s->iobuf == NULL)
		s->iobuf = iobuf_alloc();
	return s->iobuf;
}
