#define _GNU_SOURCE
/* outfile: the whole new file or the old one, never a half-written one:
 * committed, discarded, a failed tool's exit, a signal, a signal the
 * caller ignores. Each run in a child process where it must end one. */
#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>

#include "testutil.h"
#include "../../helpers/lib/outfile.h"

/* how many names in DIR start with PREFIX */
static int
count(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += !strncmp(de->d_name, prefix, strlen(prefix));
	closedir(d);
	return n;
}

static char *
slurp(const char *path)
{
	static char buf[256];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static void
test_commit_and_discard(void **state)
{
	char *d = tu_tmpdir(), path[4096];
	struct err e;
	struct stat st;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/image.tar", d);
	assert_int_equal(tu_sh("printf old > '%s'", path), 0);
	fd = outfile_open(path, &e);
	assert_true(fd >= 0);
	assert_int_equal(count(d, "image.tar.tmp-"), 1);
	assert_int_equal(write(fd, "new", 3), 3);
	assert_string_equal(slurp(path), "old");	/* not yet */
	assert_int_equal(outfile_commit(fd, &e), 0);
	assert_string_equal(slurp(path), "new");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(count(d, "image.tar.tmp-"), 0);

	fd = outfile_open(path, &e);
	assert_int_equal(write(fd, "half", 4), 4);
	outfile_discard(fd);
	assert_string_equal(slurp(path), "new");
	assert_int_equal(count(d, "image.tar.tmp-"), 0);

	/* a directory that is not there: named */
	snprintf(path, sizeof(path), "%s/no/image.tar", d);
	assert_int_equal(outfile_open(path, &e), -1);
	assert_non_null(strstr(e.msg, "/no/image.tar: No such file or directory"));
	tu_rmtree(d);
}

/* a child writes half the file, then ends as HOW says; returns its status */
enum how { EXIT, SIGNAL, IGNORED };

static int
child(const char *path, enum how how)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (!pid) {
		struct err e;
		int fd;

		if (how == IGNORED)
			signal(SIGINT, SIG_IGN);
		if ((fd = outfile_open(path, &e)) < 0 || write(fd, "half", 4) != 4)
			_exit(99);
		switch (how) {
		case EXIT:
			exit(1);	/* a tool_die */
		case SIGNAL:
			raise(SIGTERM);
			_exit(98);
		case IGNORED:
			raise(SIGINT);	/* ignored: the file goes on */
			_exit(outfile_commit(fd, &e) ? 97 : 0);
		}
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void
test_ends(void **state)
{
	char *d = tu_tmpdir(), path[4096];
	int st;

	(void)state;
	snprintf(path, sizeof(path), "%s/image.tar", d);
	assert_int_equal(tu_sh("printf old > '%s'", path), 0);

	st = child(path, EXIT);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	assert_int_equal(count(d, "image.tar.tmp-"), 0);
	assert_string_equal(slurp(path), "old");

	st = child(path, SIGNAL);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);	/* the signal's own end */
	assert_int_equal(count(d, "image.tar.tmp-"), 0);
	assert_string_equal(slurp(path), "old");

	st = child(path, IGNORED);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_string_equal(slurp(path), "half");
	assert_int_equal(count(d, "image.tar.tmp-"), 0);
	tu_rmtree(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commit_and_discard),
		cmocka_unit_test(test_ends),
	};
	return cmocka_run_group_tests_name("outfile", tests, NULL, NULL);
}
