/* vdb_unmerge: remove packages from a root by their CONTENTS.
 * Every path is resolved inside the root (path_open_parent), so neither a
 * ".." nor a hostile symlink can reach outside it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "path.h"
#include "strset.h"
#include "vdb.h"

struct collect {
	struct strset *set;
	char **dirs;		/* dir entries of the packages going */
	size_t ndirs, cap;
	char **files;		/* everything else of the packages going */
	size_t nfiles, fcap;
	int want_lists;
	char bad[4096];		/* a path that was refused (holds "..") */
};

static int
push(char ***v, size_t *n, size_t *cap, const char *s)
{
	char **nv;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		if (!(nv = realloc(*v, *cap * sizeof(*nv))))
			return -1;
		*v = nv;
	}
	if (!((*v)[*n] = strdup(s)))
		return -1;
	(*n)++;
	return 0;
}

static int
collect_cb(struct vdb_pkg *p, struct contents_entry *e, void *arg)
{
	struct collect *c = arg;
	char rel[4096];

	(void)p;
	if (path_clean(e->path, rel, sizeof(rel))) {
		snprintf(c->bad, sizeof(c->bad), "%s", e->path);
		return -1;
	}
	if (!c->want_lists)
		return strset_add(c->set, rel, NULL) < 0 ? -1 : 0;
	if (e->type == CONTENTS_DIR)
		return push(&c->dirs, &c->ndirs, &c->cap, rel);
	return push(&c->files, &c->nfiles, &c->fcap, rel);
}

static int
cmp_rev(const void *a, const void *b)
{
	return -strcmp(*(char *const *)a, *(char *const *)b);
}

/* Would directory REL be empty once everything in GONE is gone? */
static int
empty_after(int rootfd, const char *rel, const struct strset *gone)
{
	int fd = path_openat_in_root(rootfd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	DIR *d;
	struct dirent *de;
	char child[4096];
	int empty = 1;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while (empty && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(child, sizeof(child), "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		empty = strset_has(gone, child);
	}
	closedir(d);
	return empty;
}

/* Remove REL (not following a final symlink); DIR: rmdir. */
static int
remove_rel(int rootfd, const char *rel, int dir)
{
	const char *base;
	int pfd = path_open_parent(rootfd, rel, &base), r;
	struct stat st;

	if (pfd < 0)
		return errno == ENOENT ? 0 : -1;
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW)) {
		r = errno == ENOENT ? 0 : -1;
	} else if (!dir && S_ISDIR(st.st_mode)) {
		r = 0;	/* CONTENTS says file, the root has a directory: leave it */
	} else {
		r = unlinkat(pfd, base, dir ? AT_REMOVEDIR : 0);
		if (r && (errno == ENOENT || (dir && (errno == ENOTEMPTY || errno == EEXIST))))
			r = 0;
	}
	close(pfd);
	return r;
}

int
vdb_unmerge(struct vdb *db, struct vdb_pkg **pkgs, size_t n, int dry_run,
	    void (*report)(const char *, void *),
	    void (*err_cb)(const char *, int, void *), void *arg)
{
	struct strset others = { 0 }, gone = { 0 };
	struct collect keep = { .set = &others }, go = { 0 };
	char *going = calloc(db->npkgs + 1, 1), rel[4096];
	const char *why;
	size_t line;
	int r = 0;

	if (!going)
		return -1;
	go.want_lists = 1;
	for (size_t i = 0; i < n; i++)
		going[pkgs[i] - db->pkgs] = 1;
	for (size_t i = 0; i < db->npkgs; i++) {
		struct collect *c = going[i] ? &go : &keep;

		if (vdb_contents(&db->pkgs[i], collect_cb, c, &line, &why)) {
			if (err_cb)
				err_cb(c->bad[0] ? c->bad : db->pkgs[i].atom, errno, arg);
			r = -1;
			goto out;
		}
	}
	for (size_t i = 0; i < go.nfiles; i++) {
		const char *f = go.files[i];

		if (strset_has(&others, f) || strset_has(&gone, f))
			continue;
		if (strset_add(&gone, f, NULL) < 0 ||
		    (!dry_run && remove_rel(db->rootfd, f, 0))) {
			if (err_cb)
				err_cb(f, errno, arg);
			r = -1;
			continue;
		}
		if (report)
			report(f, arg);
	}
	/* deepest first, each only when nothing else is left in it */
	qsort(go.dirs, go.ndirs, sizeof(*go.dirs), cmp_rev);
	for (size_t i = 0; i < go.ndirs; i++) {
		const char *d = go.dirs[i];
		struct stat st;
		const char *base;
		int pfd;

		if (!*d || strset_has(&others, d) || strset_has(&gone, d))
			continue;
		if ((pfd = path_open_parent(db->rootfd, d, &base)) < 0)
			continue;
		if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) || !S_ISDIR(st.st_mode) ||
		    !empty_after(db->rootfd, d, &gone)) {
			close(pfd);
			continue;
		}
		close(pfd);
		if (strset_add(&gone, d, NULL) < 0 || (!dry_run && remove_rel(db->rootfd, d, 1))) {
			if (err_cb)
				err_cb(d, errno, arg);
			r = -1;
			continue;
		}
		if (report)
			report(d, arg);
	}
	/* the VDB entries last */
	for (size_t i = 0; i < n && r == 0; i++) {
		int fd;
		DIR *dir;
		struct dirent *de;

		snprintf(rel, sizeof(rel), "var/db/pkg/%s", pkgs[i]->atom);
		if (report)
			report(rel, arg);
		if (dry_run)
			continue;
		fd = openat(db->dbfd, pkgs[i]->atom, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || !(dir = fdopendir(fd))) {
			if (fd >= 0)
				close(fd);
			r = -1;
			break;
		}
		while ((de = readdir(dir)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(dirfd(dir), de->d_name, 0);
		closedir(dir);
		if (unlinkat(db->dbfd, pkgs[i]->atom, AT_REMOVEDIR)) {
			if (err_cb)
				err_cb(rel, errno, arg);
			r = -1;
		}
		unlinkat(db->dbfd, pkgs[i]->cat, AT_REMOVEDIR);	/* only if now empty */
	}
out:
	for (size_t i = 0; i < go.nfiles; i++)
		free(go.files[i]);
	for (size_t i = 0; i < go.ndirs; i++)
		free(go.dirs[i]);
	free(go.files);
	free(go.dirs);
	strset_free(&others);
	strset_free(&gone);
	free(going);
	return r;
}
