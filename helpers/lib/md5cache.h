/* md5cache: an ebuild repository's metadata cache,
 * REPO/metadata/md5-cache/CATEGORY/PF, as gentoo-mirror/gentoo and
 * `egencache` write it: one KEY=VALUE line per key (EAPI, IUSE, SLOT,
 * REQUIRED_USE, ..., _md5_). Library code: 0 / -1 with errno. */
#ifndef MD5CACHE_H
#define MD5CACHE_H

#include <stddef.h>

struct md5cache {
	int repofd, cachefd;
	char *repo_name;	/* profiles/repo_name, or NULL */
	size_t nread;		/* entries read so far (md5cache_read, _foreach_iuse) */
};

struct md5cache_entry {
	char *buf;		/* the file, split into NUL-terminated lines */
	char **keys, **vals;
	size_t n;
};

/* Open REPO (its metadata/md5-cache must exist). */
int md5cache_open(struct md5cache *mc, const char *repo);
void md5cache_close(struct md5cache *mc);

/* Sorted names: the categories of the cache; the PFs of CAT (names
 * without a valid version are left out). Free with md5cache_free_names. */
int md5cache_categories(struct md5cache *mc, char ***names, size_t *n);
int md5cache_pfs(struct md5cache *mc, const char *cat, char ***names, size_t *n);
void md5cache_free_names(char **names, size_t n);

/* Read CAT/PF. A line without '=' is EINVAL. */
int md5cache_read(struct md5cache *mc, const char *cat, const char *pf,
		  struct md5cache_entry *e);
/* The value of KEY, or NULL. */
const char *md5cache_get(const struct md5cache_entry *e, const char *key);
void md5cache_entry_free(struct md5cache_entry *e);

/* Call CB(cat, pf, iuse, arg) for every entry of the cache (IUSE is ""
 * when the entry has none), reading only up to the IUSE line. CB returns
 * 0 to go on. */
int md5cache_foreach_iuse(struct md5cache *mc,
			  int (*cb)(const char *cat, const char *pf, char *iuse, void *arg),
			  void *arg);

/* Split IUSE (modified in place) into flag names without their +/-
 * default prefixes; *FLAGS is malloc()ed. */
int md5cache_iuse_split(char *iuse, char ***flags, size_t *n);

/* Read a file of the repository (e.g. "profiles/use.desc") into a
 * NUL-terminated malloc()ed buffer; ENOENT when absent. */
int md5cache_repo_file(struct md5cache *mc, const char *rel, char **buf);

#endif
