/* uselint_files: the words of an option (USE, PACKAGES...), and
 * package.use and package.accept_keywords as Portage reads them (lib/portage/util/__init__.py: grabdict_package over
 * _recursive_file_list): a file or a directory of files, sorted, without
 * hidden names, `*~` and CVS; '#' starts a comment; words split on
 * whitespace. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "uselint_impl.h"

/* the words of LINE before a word starting with '#' into *TOK */
static int
split_words(char *line, char ***tok, size_t *n, size_t *cap)
{
	char *save = NULL, *t;

	*n = 0;
	/* grabdict: a line starting with '#' is a comment, and so is
	 * everything from a word starting with '#' */
	if (line[0] == '#')
		return 0;
	for (t = strtok_r(line, " \t\r\n\v\f", &save); t; t = strtok_r(NULL, " \t\r\n\v\f", &save)) {
		if (*t == '#')
			break;
		if (uselint_push(tok, n, cap, sizeof(t), &t))
			return -1;
	}
	return 0;
}

static int
read_file(struct uselint *u, const char *path, uselint_line_fn fn, void *arg, struct err *err)
{
	FILE *fp = fopen(path, "re");
	char *line = NULL, **tok = NULL;
	size_t cap = 0, tcap = 0, lineno = 0, n;
	int r = 0;

	if (!fp)
		goto fail;
	while (!r && getline(&line, &cap, fp) >= 0) {
		lineno++;
		if (!(r = split_words(line, &tok, &n, &tcap)) && n)
			r = fn(u, path, lineno, tok, n, arg, err);
	}
	if (!r && ferror(fp))
		r = -1;
	free(line);
	free(tok);
	fclose(fp);
	if (!r)
		return 0;
fail:
	/* a message already names what could not be read (an md5-cache entry) */
	if (!err->msg[0] && errno != ENOMEM)
		err_set(err, errno, "%s:", path);
	return -1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* the names in directory PATH Portage reads, as PATH/NAME, sorted */
static int
list_dir(const char *path, char ***v, size_t *n)
{
	DIR *d = opendir(path);
	struct dirent *de;
	size_t cap = 0;
	int r = 0;

	*v = NULL;
	*n = 0;
	if (!d)
		return -1;
	while ((errno = 0, de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char *name;

		if (de->d_name[0] == '.' || de->d_name[l - 1] == '~' || !strcmp(de->d_name, "CVS"))
			continue;
		if (asprintf(&name, "%s/%s", path, de->d_name) < 0 || uselint_push(v, n, &cap, sizeof(name), &name)) {
			r = -1;
			break;
		}
	}
	if (!r && errno)
		r = -1;
	closedir(d);
	if (*n)
		qsort(*v, *n, sizeof(**v), cmp_str);
	return r;
}

/* Portage's _recursive_file_list: sorted, files and directories
 * together; no hidden names, no `*~`, no CVS directories. */
static int
walk(struct uselint *u, const char *path, int top, uselint_line_fn fn, void *arg, struct err *err)
{
	struct stat st;
	char **v;
	size_t n;
	int r;

	if (stat(path, &st))
		return err_set(err, errno, "%s:", path);
	if (!S_ISDIR(st.st_mode))
		return S_ISREG(st.st_mode) || top ? read_file(u, path, fn, arg, err) : 0;
	r = list_dir(path, &v, &n);
	for (size_t i = 0; i < n && !r; i++)
		r = walk(u, v[i], 0, fn, arg, err);
	md5cache_free_names(v, n);
	if (!r || err->msg[0])
		return r;
	return err_set(err, errno, "%s:", path);
}

int
uselint_read_lines(struct uselint *u, const char *path, uselint_line_fn fn, void *arg, struct err *e)
{
	return walk(u, path, 1, fn, arg, e);
}

int
uselint_each_word(struct uselint *u, const char *words, const char *origin, uselint_word_fn fn, struct err *e)
{
	char *buf = strdup(words), *save = NULL, *t;
	struct err local;
	int r = 0;

	if (!e)
		e = &local;
	err_clear(e);
	if (!buf)
		return err_set(e, ENOMEM, "out of memory");
	for (t = strtok_r(buf, " \t\r\n", &save); t && !r; t = strtok_r(NULL, " \t\r\n", &save))
		r = fn(u, origin, t, e);
	free(buf);
	if (r && !e->msg[0])
		err_set(e, errno, "%s:", u->repo_path);
	return r;
}
