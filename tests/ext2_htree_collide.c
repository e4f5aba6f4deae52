/* ext2_htree_collide.c: finds directory names whose htree hashes collide, for tests/ext2_htree.bats (not built by make). */
/*
 * Build and run from the top of the tree, after make:
 *   cc -O2 -I. -o /tmp/collide tests/ext2_htree_collide.c build/plain/librumpcore.a
 *   /tmp/collide SEED-UUID PREFIX-LENGTH NAMES >tests/ext2_htree_collisions.txt
 * It hashes PREFIX + "%07x" % i for i < NAMES with half_md4 and the given
 * hash seed (as mke2fs -E hash_seed=UUID stores it), and prints every group
 * of suffixes sharing one hash: "HASH SUFFIX SUFFIX...". The prefix is
 * PREFIX-LENGTH letters 'c'. 2^24 names give some 65,000 pairs and 170 triples.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/ext2/ext2fs.h"

struct hn {
	uint32_t hash, i;
};

static int hn_cmp(const void *a, const void *b)
{
	const struct hn *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

int main(int argc, char **argv)
{
	uint8_t b[16];
	uint32_t seed[4], minor;
	char name[256];
	size_t plen, n, i, j;
	struct hn *v;
	int k;

	if (argc != 4 || sscanf(argv[1], "%2hhx%2hhx%2hhx%2hhx-%2hhx%2hhx-%2hhx%2hhx-"
	    "%2hhx%2hhx-%2hhx%2hhx%2hhx%2hhx%2hhx%2hhx", &b[0], &b[1], &b[2], &b[3],
	    &b[4], &b[5], &b[6], &b[7], &b[8], &b[9], &b[10], &b[11], &b[12], &b[13],
	    &b[14], &b[15]) != 16) {
		fprintf(stderr, "usage: collide SEED-UUID PREFIX-LENGTH NAMES\n");
		return 2;
	}
	plen = strtoul(argv[2], NULL, 10);
	n = strtoul(argv[3], NULL, 10);
	if (plen > 248 || n == 0 || (v = calloc(n, sizeof(*v))) == NULL)
		return 2;
	for (k = 0; k < 4; k++)
		seed[k] = (uint32_t)b[4 * k] | (uint32_t)b[4 * k + 1] << 8 |
		    (uint32_t)b[4 * k + 2] << 16 | (uint32_t)b[4 * k + 3] << 24;
	memset(name, 'c', plen);
	for (i = 0; i < n; i++) {
		snprintf(name + plen, sizeof(name) - plen, "%07zx", i);
		ext2fs_dx_hash(DX_HASH_HALF_MD4, seed, name, plen + 7, &v[i].hash,
		    &minor);
		v[i].i = (uint32_t)i;
	}
	qsort(v, n, sizeof(*v), hn_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && v[j].hash == v[i].hash; j++)
			;
		if (j - i < 2)
			continue;
		printf("%08x", v[i].hash);
		for (k = 0; k < (int)(j - i); k++)
			printf(" %07x", v[i + k].i);
		printf("\n");
	}
	free(v);
	return 0;
}
