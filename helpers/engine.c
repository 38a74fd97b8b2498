/* engine: the container engine's HTTP API (dockerd, or podman's service)
 * in one process: the whole life of a stage container, and the few
 * bookkeeping calls of the framework. The engine is found as the docker
 * CLI finds it (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH).
 * Exit: 0 ok, 1 failure, 2 usage, 3 (stage) a --need-volume is missing,
 * 130 interrupted. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/dapi.h"
#include "lib/dctr.h"
#include "lib/dimg.h"
#include "lib/dstream.h"
#include "lib/dwarm.h"
#include "lib/path.h"
#include "tool.h"

static const char usage_text[] =
	"engine SUBCOMMAND ...\n"
	"  stage --from REF [--name NAME] [--label K=V]... [--network MODE] [--volume SRC:DST[:ro]]...\n"
	"        [--env K=V]... [--cap-add CAP]... [--workdir DIR] [--platform OS/ARCH[/VARIANT]]\n"
	"        [--ulimit NAME=SOFT[:HARD]]... [--runtime NAME] [--input FILE|-]...\n"
	"        [--log FILE] [--tee] [--progress SECONDS] [--progress-label TEXT]\n"
	"        (--commit REPO:TAG | --keep NAME | --discard) [--export PATH=FILE]...\n"
	"        [--owner LABEL=VALUE]... [--need-volume NAME]... [--upload PATH=FILE]...\n"
	"        [--warm FILE [--warm-keep]] -- CMD [ARG...]\n"
	"        --upload: the tar FILE extracted at PATH (which must exist: an --input\n"
	"        before it can make it), in the order given with the --inputs\n"
	"        --owner: first remove the containers that carry these labels (left by a\n"
	"        stage that was killed), last the dangling images that do; --need-volume:\n"
	"        exit 3 before creating anything when that volume does not exist\n"
	"        --warm: CMD runs in the container FILE names when it still runs, was made\n"
	"        with the same options and its filesystem is --from's image; else in a new one\n"
	"        --warm-keep (with --commit): the new container idles, CMD runs in it (exec), and\n"
	"        after the commit it stays, named in FILE; it ends once idle for\n"
	"        ENGINE_WARM_IDLE seconds (default 120); ENGINE_WARM=0: --warm and --warm-keep are\n"
	"        ignored (and FILE removed)\n"
	"  ids [-d] REF...          REF=ID for each image (-d: and its storage driver)\n"
	"  info                     VERSION DRIVER of the engine\n"
	"  load FILE|-              load an image archive: REF=ID for each reference it names\n"
	"  rm-owned LABEL=VALUE...  remove the containers that carry all these labels\n"
	"  drop-dangling LABEL=VALUE...  remove the dangling images with these labels that nothing uses\n"
	"  rmi REF...               remove images (no force; a missing one is fine)\n"
	"  volume-exists NAME...    exit 0 when every volume exists\n"
	"  tag [--warm FILE] SRC DST [LABEL=VALUE...]  tag the image SRC as DST (REPO:TAG); with\n"
	"                           labels, first remove the containers (but FILE's), last the\n"
	"                           dangling images, that carry them\n";

static volatile sig_atomic_t signals;

static void
on_signal(int sig)
{
	(void)sig;
	if (signals < 100)
		signals++;
}

/* SIGINT, SIGTERM, SIGHUP only count (no SA_RESTART: a blocked read
 * returns); dapi stops the request in flight */
static void
catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static struct dapi *
connect_engine(void)
{
	const char *host = getenv("DOCKER_HOST");
	struct err e = { "" };
	struct dhost h;
	struct dapi *d;

	if (dhost_parse(&h, host, getenv("DOCKER_TLS_VERIFY"), getenv("DOCKER_CERT_PATH"), getenv("HOME"), &e))
		tool_die("DOCKER_HOST=%s: %s", host, e.msg);
	if (!(d = dapi_open(&h, &e)))
		tool_die("%s", e.msg);
	return d;
}

static void
push(char ***v, size_t *n, char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (!nv)
		tool_die("out of memory:");
	nv[(*n)++] = s;
	*v = nv;
}

/* the containers that carry all LABELS, removed with their volumes, but
 * SPARE (an ID, or NULL) */
static int
remove_owned(struct dapi *d, char **labels, size_t n, const char *spare)
{
	struct err e = { "" };
	json_t *list, *c;
	size_t i;
	int rc = 0;

	if (dctr_list(d, labels, n, &list, &e)) {
		tool_warn("listing the containers: %s", e.msg);
		return 1;
	}
	json_array_foreach(list, i, c) {
		const char *id = json_string_value(json_object_get(c, "Id"));

		if (id && (!spare || strcmp(id, spare)) && dctr_remove(d, id, &e)) {
			tool_warn("container %.12s: cannot remove it: %s", id, e.msg);
			rc = 1;
		}
	}
	json_decref(list);
	return rc;
}

static int
drop_image(struct dapi *d, const char *id)
{
	struct err e = { "" };

	if (dimg_remove(d, id, &e) == 0 || errno == ENOENT || errno == EBUSY)
		return 0;
	tool_warn("%s: cannot remove it: %s", id, e.msg);
	return 1;
}

/* the dangling images that carry all LABELS and that nothing uses */
static int
drop_dangling(struct dapi *d, char **labels, size_t n)
{
	struct err e = { "" };
	json_t *list, *img;
	size_t i;
	int rc = 0;

	if (dimg_list(d, labels, n, 1, &list, &e)) {
		tool_warn("listing the images: %s", e.msg);
		return 1;
	}
	json_array_foreach(list, i, img) {
		const char *id = json_string_value(json_object_get(img, "Id"));

		if (id)
			rc |= drop_image(d, id);
	}
	json_decref(list);
	return rc;
}

/* ---- stage ---- */

struct stage {
	struct dctr_spec spec;
	char **inputs, **exports;	/* FILE|-, PATH=FILE */
	char **input_dirs;		/* where each input goes: / or an --upload PATH */
	size_t ninputs, nexports, ndirs;
	char **owner, **volumes;	/* LABEL=VALUE, volume names */
	size_t nowner, nvolumes;
	int *input_fds, log_fd, tee, discard;
	const char *log, *commit, *keep, *label;
	long progress;
	char name[64], id[65], image[80];
	int kept;
	/* --warm: the state file; the command (the container's is hold_cmd);
	 * what the container is made with (dwarm_sig); a kept one was taken */
	const char *warm;
	char **cmd, *sig;
	size_t ncmd;
	int warm_keep, reused;
	int execs;	/* the command runs by exec in a container that idles */
	unsigned long long logged;	/* bytes of output had */
	char last_byte;		/* the last byte of it */
	/* progress */
	struct dline line;
	time_t start, last;
};

static void
stage_option(struct stage *s, int c, char *arg)
{
	struct dctr_spec *p = &s->spec;
	struct err e;
	char *end;

	switch (c) {
	case 'f': p->image = arg; break;
	case 'n': p->name = arg; break;
	case 'l': push(&p->labels, &p->nlabels, arg); break;
	case 'N': p->network = arg; break;
	case 'v': push(&p->volumes, &p->nvolumes, arg); break;
	case 'e': push(&p->env, &p->nenv, arg); break;
	case 'c': push(&p->caps, &p->ncaps, arg); break;
	case 'w': p->workdir = arg; break;
	case 'P': p->platform = arg; break;
	case 'R': p->runtime = arg; break;
	case 'i':
		push(&s->input_dirs, &s->ndirs, "/");
		push(&s->inputs, &s->ninputs, arg);
		break;
	case 'U':
		if (!strchr(arg, '=') || arg[0] != '/' || !strchr(arg, '=')[1])
			tool_usage("--upload PATH=FILE (PATH absolute, in the container)\n");
		*strchr(arg, '=') = 0;
		push(&s->input_dirs, &s->ndirs, arg);
		push(&s->inputs, &s->ninputs, arg + strlen(arg) + 1);
		break;
	case 'L': s->log = arg; break;
	case 't': s->tee = 1; break;
	case 'C': s->commit = arg; break;
	case 'K': s->keep = arg; break;
	case 'D': s->discard = 1; break;
	case 'x':
		if (!strchr(arg, '=') || arg[0] == '=' || !strchr(arg, '=')[1])
			tool_usage("--export PATH=FILE\n");
		push(&s->exports, &s->nexports, arg);
		break;
	case 'u':
		p->ulimits = realloc(p->ulimits, (p->nulimits + 1) * sizeof(*p->ulimits));
		if (!p->ulimits)
			tool_die("out of memory:");
		if (dctr_parse_ulimit(arg, &p->ulimits[p->nulimits++], &e))
			tool_usage(strcat(e.msg, "\n"));
		break;
	case 'p':
		s->progress = strtol(arg, &end, 10);
		if (*end || s->progress < 1)
			tool_usage("--progress SECONDS: a whole number of seconds, at least 1\n");
		break;
	case 'T': s->label = arg; break;
	case 'o': push(&s->owner, &s->nowner, arg); break;
	case 'V': push(&s->volumes, &s->nvolumes, arg); break;
	case 'W': s->warm = arg; break;
	case 'k': s->warm_keep = 1; break;
	default: tool_usage(usage_text);
	}
}

static void
parse_stage(struct stage *s, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' }, { "name", required_argument, NULL, 'n' },
		{ "label", required_argument, NULL, 'l' }, { "network", required_argument, NULL, 'N' },
		{ "volume", required_argument, NULL, 'v' }, { "env", required_argument, NULL, 'e' },
		{ "cap-add", required_argument, NULL, 'c' }, { "workdir", required_argument, NULL, 'w' },
		{ "platform", required_argument, NULL, 'P' }, { "ulimit", required_argument, NULL, 'u' },
		{ "runtime", required_argument, NULL, 'R' }, { "input", required_argument, NULL, 'i' },
		{ "log", required_argument, NULL, 'L' }, { "tee", no_argument, NULL, 't' },
		{ "progress", required_argument, NULL, 'p' }, { "progress-label", required_argument, NULL, 'T' },
		{ "commit", required_argument, NULL, 'C' }, { "keep", required_argument, NULL, 'K' },
		{ "discard", no_argument, NULL, 'D' }, { "export", required_argument, NULL, 'x' },
		{ "owner", required_argument, NULL, 'o' }, { "need-volume", required_argument, NULL, 'V' },
		{ "upload", required_argument, NULL, 'U' }, { "warm", required_argument, NULL, 'W' },
		{ "warm-keep", no_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	s->log_fd = -1;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1)
		stage_option(s, c, optarg);
	if (!s->spec.image || optind >= argc || !!s->commit + !!s->keep + s->discard != 1 ||
	    (s->warm_keep && !s->warm) || (s->warm && s->keep))
		tool_usage(usage_text);
	s->spec.cmd = s->cmd = argv + optind;
	s->spec.ncmd = s->ncmd = argc - optind;
	if (s->warm && !(s->sig = dwarm_sig(&s->spec)))
		tool_die("out of memory:");
	if (!s->spec.name) {	/* a name, so that an interrupted create can be undone */
		snprintf(s->name, sizeof(s->name), "engine-stage-%ld-%ld", (long)getpid(), (long)time(NULL));
		s->spec.name = s->name;
	}
	if (!s->label)
		s->label = s->spec.name;
}

/* the inputs and the log, before anything is created */
static void
open_stage_files(struct stage *s)
{
	s->input_fds = calloc(s->ninputs + 1, sizeof(int));
	if (!s->input_fds)
		tool_die("out of memory:");
	for (size_t i = 0; i < s->ninputs; i++) {
		if (!strcmp(s->inputs[i], "-"))
			s->input_fds[i] = 0;
		else if ((s->input_fds[i] = open(s->inputs[i], O_RDONLY | O_CLOEXEC)) < 0)
			tool_die("%s: --input %s:", s->spec.name, s->inputs[i]);
	}
	if (s->log && (s->log_fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666)) < 0)
		tool_die("%s: --log %s:", s->spec.name, s->log);
}

static time_t
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* every --progress seconds: "    LABEL: Ns, NEWEST LINE" */
static void
tick(void *arg)
{
	struct stage *s = arg;
	char line[DLINE_MAX + 1];
	time_t t = now();

	if (t - s->last < s->progress)
		return;
	s->last = t;
	dline_newest(&s->line, line);
	printf("    %s: %lds, %s\n", s->label, (long)(t - s->start), line);
	fflush(stdout);
}

/* a piece of the container's output: to the log, to stdout with --tee */
static int
output(int stream, const char *data, size_t len, void *arg)
{
	struct stage *s = arg;

	(void)stream;
	s->logged += len;
	if (len)
		s->last_byte = data[len - 1];
	dline_feed(&s->line, data, len);
	if (s->log_fd >= 0 && path_write_all(s->log_fd, data, len))
		return -1;
	if (s->tee && path_write_all(1, data, len))
		return -1;
	return 0;
}

static void
export_tmp(const char *spec, char *tmp, size_t n)
{
	snprintf(tmp, n, "%s.tmp", strchr(spec, '=') + 1);
}

/* a failure (or, once a signal came, an interruption): remove the
 * container, and the image or the exports made for it */
static int
fail(struct dapi *d, struct stage *s, const char *fmt, ...)
{
	struct err e = { "" };
	char tmp[4200];
	va_list ap;

	if (signals)
		tool_warn("%s: interrupted", s->spec.name);
	else {
		va_start(ap, fmt);
		fprintf(stderr, "%s: %s: ", tool_name, s->spec.name);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		va_end(ap);
	}
	dapi_set_abort(d, NULL, 0);
	if (dctr_remove(d, s->id[0] ? s->id : s->spec.name, &e))
		tool_warn("%s: could not remove the container: %s", s->spec.name, e.msg);
	/* not even an older snapshot of that name outlives a failed stage */
	if (s->commit && dimg_remove(d, s->commit, &e) && errno != ENOENT)
		tool_warn("%s: could not remove the snapshot %s: %s", s->spec.name, s->commit, e.msg);
	for (size_t i = 0; i < s->nexports; i++) {
		export_tmp(s->exports[i], tmp, sizeof(tmp));
		unlink(tmp);
	}
	return signals ? 130 : 1;
}

/* a line of the client's own in the log ("engine: ..."), on a line of
 * its own after output that did not end one */
static void
log_note(struct stage *s, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	if (s->log_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n <= 0 || (size_t)n >= sizeof(line))
		return;
	if (s->logged && s->last_byte != '\n')
		path_write_all(s->log_fd, "\n", 1);
	path_write_all(s->log_fd, line, n);
}

/* the container's own run, in the log (bench/stage-times.py reads it) */
static void
log_times(struct dapi *d, struct stage *s)
{
	char started[40], finished[40];
	struct err e = { "" };

	if (s->log_fd >= 0 && !dctr_times(d, s->id, started, finished, &e))
		log_note(s, "engine: the container ran from %s to %s\n", started, finished);
}

/* The container's output as it comes, until it exits. A follow that has
 * been quiet for a while is stopped and the container asked whether it
 * still runs: podman 4.3's service can keep the stream open after a
 * container that exited at once (seen in engine.sh), and the stage would
 * wait for ever. Running: the follow starts again after what was logged,
 * quiet for twice as long (up to a minute) before the next look. */
static int
follow(struct dapi *d, struct stage *s, struct err *e)
{
	int quiet = 5, rc, running;

	for (;;) {
		dapi_set_quiet(d, quiet);
		rc = dctr_logs(d, s->id, 1, s->logged, output, s, e);
		dapi_set_quiet(d, 0);
		if (!rc || errno != ETIMEDOUT)
			return rc;
		if ((running = dctr_running(d, s->id, e)) <= 0)
			return running;
		if (quiet < 60)
			quiet *= 2;
	}
}

/* the time now as the engine writes StartedAt (RFC 3339, UTC, ns) */
static void
stamp(char out[40])
{
	struct timespec ts;
	struct tm tm;
	char sec[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 40, "%s.%09ldZ", sec, ts.tv_nsec);
}

/* An exec'd process must see the container's root. A runc that cannot
 * pivot_root (a dockerd in a plain chroot) leaves it at the engine's own
 * root instead, where a stage's script would write into the host: the
 * command runs only when its / is the container's (PID 1's). */
static const char exec_guard[] =
	"[ / -ef /proc/1/root ] && exec \"$@\"; "
	"echo \"engine: the exec'd command does not see the container's root (the engine cannot pivot_root: "
	"is it in a chroot?); ENGINE_WARM=0 runs each stage in a container of its own\" >&2; "
	"exit 125";

/* --warm: the stage's command in the running container (its output goes
 * nowhere else: exec output is not in the container's log) */
static int
run_exec(struct dapi *d, struct stage *s, struct err *e)
{
	char started[40], finished[40];
	char **cmd = calloc(s->ncmd + 4, sizeof(*cmd));
	int status, rc;

	if (!cmd)
		tool_die("out of memory:");
	cmd[0] = "/bin/sh", cmd[1] = "-c", cmd[2] = (char *)exec_guard, cmd[3] = "sh";
	memcpy(cmd + 4, s->cmd, s->ncmd * sizeof(*cmd));
	stamp(started);
	rc = dctr_exec(d, s->id, cmd, s->ncmd + 4, output, s, &status, e);
	free(cmd);
	if (rc)
		return fail(d, s, "its command: %s", e->msg);
	stamp(finished);
	/* the engine keeps no times of an exec: these are the client's, from
	 * its request to the end of the output (the exec's own start in it) */
	log_note(s, "engine: the command ran in the %s container from %s to %s\n", s->reused ? "kept" : "new",
		 started, finished);
	if (status)
		return fail(d, s, "exit status %d", status);
	return 0;
}

static int
run_container(struct dapi *d, struct stage *s, struct err *e)
{
	int status;

	for (size_t i = 0; i < s->ninputs; i++)
		if (dctr_upload(d, s->id, s->input_dirs[i], s->input_fds[i], e))
			return fail(d, s, "cannot upload %s: %s", s->inputs[i], e->msg);
	if (!s->reused && dctr_start(d, s->id, e))
		return fail(d, s, "cannot start: %s", e->msg);
	if (s->execs)
		return run_exec(d, s, e);
	if (follow(d, s, e))
		return fail(d, s, "its output: %s", e->msg);
	if (dctr_wait(d, s->id, &status, e))
		return fail(d, s, "waiting for it: %s", e->msg);
	/* what the engine logged after the follow ended */
	if (dctr_logs(d, s->id, 0, s->logged, output, s, e))
		return fail(d, s, "its output: %s", e->msg);
	log_times(d, s);
	if (status)
		return fail(d, s, "exit status %d", status);
	return 0;
}

static int
export_all(struct dapi *d, struct stage *s, struct err *e)
{
	char tmp[4200];

	for (size_t i = 0; i < s->nexports; i++) {
		char *path = strndup(s->exports[i], strchr(s->exports[i], '=') - s->exports[i]);
		int fd, rc;

		if (!path)
			tool_die("out of memory:");
		export_tmp(s->exports[i], tmp, sizeof(tmp));
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		rc = fd < 0 ? -1 : dctr_export(d, s->id, path, fd, e);
		if (fd >= 0 && close(fd) && !rc)
			rc = err_set(e, errno, "closing %s: %m", tmp);
		if (rc) {
			rc = fail(d, s, "cannot export %s to %s: %s", path, tmp, fd < 0 ? strerror(errno) : e->msg);
			free(path);
			return rc;
		}
		free(path);
	}
	return 0;
}

/* commit or keep; let the request finish unless a second signal comes */
static int
finish(struct dapi *d, struct stage *s, struct err *e)
{
	char tmp[4200];

	dapi_set_abort(d, &signals, 2);
	/* a kept container's own command writes nothing: no need to freeze it */
	if (s->commit && dctr_commit(d, s->id, s->commit, !s->execs, s->image, e))
		return fail(d, s, "cannot commit %s: %s", s->commit, e->msg);
	if (s->keep && (dctr_remove(d, s->keep, e) || dctr_rename(d, s->id, s->keep, e)))
		return fail(d, s, "cannot keep it as %s: %s", s->keep, e->msg);
	if (signals)
		return fail(d, s, "interrupted");
	for (size_t i = 0; i < s->nexports; i++) {
		const char *file = strchr(s->exports[i], '=') + 1;

		export_tmp(s->exports[i], tmp, sizeof(tmp));
		if (rename(tmp, file))
			return fail(d, s, "cannot rename %s to %s: %s", tmp, file, strerror(errno));
	}
	s->kept = s->keep != NULL;
	return 0;
}

/* --warm: the command of a container kept for the next stage. It does
 * nothing, and ends once no other process has run in it for warm_idle
 * seconds (the engine then removes it: AutoRemove), so that one a make
 * left behind (a stage it was not asked for, SIGKILL) goes by itself.
 * Only one used less than half that ago is taken. ENGINE_WARM_IDLE sets
 * it (the tests' short wait; default 120). ENGINE_WARM=0: no kept
 * containers (an engine whose exec'd commands do not see the container's
 * root); a state left is dropped, and the container it names is one
 * --owner removes. */
static long warm_idle = 120;
static char hold_script[256];
static char *hold_cmd[] = { "/bin/sh", "-c", hold_script };

static void
warm_settings(struct stage *s)
{
	const char *v = getenv("ENGINE_WARM_IDLE"), *off = getenv("ENGINE_WARM");
	char *end;

	if (s->warm && off && !strcmp(off, "0")) {
		unlink(s->warm);
		s->warm = NULL, s->warm_keep = 0;
	}
	if (v && *v) {
		warm_idle = strtol(v, &end, 10);
		if (*end || warm_idle < 2 || warm_idle > 86400)
			tool_usage("ENGINE_WARM_IDLE: seconds, from 2 to 86400\n");
	}
	snprintf(hold_script, sizeof(hold_script),
		 "idle=0; while [ $idle -lt %ld ]; do sleep 1; set -- /proc/[0-9]*; "
		 "if [ $# -gt 1 ]; then idle=0; else idle=$((idle + 1)); fi; done", warm_idle);
}

/* the container FILE names, when it runs, was made as this one would be
 * and its filesystem is --from's image (the snapshot the stage before
 * committed from it): taken; any other is removed */
static void
take_warm(struct dapi *d, struct stage *s)
{
	struct dwarm w;
	struct err e = { "" };
	char image[80], driver[32];
	time_t t = time(NULL);
	int r = dwarm_take(s->warm, &w, &e);

	if (r <= 0) {
		if (r < 0)
			tool_warn("%s: %s", s->spec.name, e.msg);
		return;
	}
	if (!strcmp(w.sig, s->sig) && t >= w.used && t - w.used < warm_idle / 2 &&
	    !dimg_id(d, s->spec.image, image, driver, &e) && !strcmp(image, w.image) && dctr_running(d, w.id, &e) == 1) {
		memcpy(s->id, w.id, sizeof(s->id));
		s->reused = 1;
	} else if (dctr_remove(d, w.id, &e))
		tool_warn("%s: the kept container %.12s: cannot remove it: %s", s->spec.name, w.id, e.msg);
	dwarm_free(&w);
}

/* --warm-keep: the committed container stays for the next stage */
static int
keep_warm(struct stage *s)
{
	struct dwarm w = { .used = time(NULL), .sig = s->sig };
	struct err e = { "" };

	memcpy(w.id, s->id, sizeof(w.id));
	memcpy(w.image, s->image, sizeof(w.image));
	if (!dwarm_save(s->warm, &w, &e))
		return 1;
	tool_warn("%s: %s (the container is removed instead)", s->spec.name, e.msg);
	return 0;
}

static int
run_stage(struct dapi *d, struct stage *s)
{
	struct err e = { "" };
	int rc;

	s->start = s->last = now();
	for (size_t i = 0; i < s->nvolumes; i++) {
		int have = dctr_volume_exists(d, s->volumes[i], &e);

		if (have < 0)
			tool_die("%s: volume %s: %s", s->spec.name, s->volumes[i], e.msg);
		if (!have) {
			tool_warn("%s: the volume %s does not exist", s->spec.name, s->volumes[i]);
			return 3;
		}
	}
	if (s->warm)
		take_warm(d, s);
	/* what a stage that was killed (or lost its engine) left behind */
	if (s->nowner)
		remove_owned(d, s->owner, s->nowner, s->reused ? s->id : NULL);
	/* a create in flight finishes: the engine would make it anyway */
	dapi_set_abort(d, &signals, 2);
	/* a container the next stage takes idles while this one's command
	 * runs by exec; one no stage takes runs the command itself */
	s->execs = s->reused || (s->warm_keep && s->commit);
	if (s->execs && !s->reused) {
		s->spec.cmd = hold_cmd;
		s->spec.ncmd = sizeof(hold_cmd) / sizeof(*hold_cmd);
		s->spec.auto_remove = 1;
	}
	if (s->reused) {
		log_note(s, "engine: %s: in the container the stage before kept (%.12s)\n", s->spec.name, s->id);
		/* named for the stage it runs now, as a new one would be */
		if (dctr_rename(d, s->id, s->spec.name, &e))
			tool_warn("%s: the kept container %.12s keeps its name: %s", s->spec.name, s->id, e.msg);
	} else if (dctr_create(d, &s->spec, s->id, &e)) {
		if (errno == EBUSY) {	/* the name is taken: not ours to remove */
			tool_warn("%s: cannot create it from %s: %s", s->spec.name, s->spec.image, e.msg);
			return signals ? 130 : 1;
		}
		return fail(d, s, "cannot create it from %s: %s", s->spec.image, e.msg);
	}
	if (signals)
		return fail(d, s, "interrupted");
	dapi_set_abort(d, &signals, 1);
	if ((rc = run_container(d, s, &e)) || (rc = export_all(d, s, &e)) || (rc = finish(d, s, &e)))
		return rc;
	dapi_set_abort(d, NULL, 0);
	if (s->warm_keep && s->commit && keep_warm(s))
		return 0;
	if (!s->kept && dctr_remove(d, s->id, &e)) {
		tool_warn("%s: done, but the container could not be removed: %s", s->spec.name, e.msg);
		return 1;
	}
	return 0;
}

static int
cmd_stage(int argc, char **argv)
{
	struct stage s = { 0 };
	struct dapi *d;
	int rc;

	parse_stage(&s, argc, argv);
	warm_settings(&s);
	open_stage_files(&s);
	d = connect_engine();
	catch_signals();
	if (s.progress)
		dapi_set_tick(d, tick, &s);
	rc = run_stage(d, &s);
	/* the snapshot a commit replaced, or one a failure untagged */
	if (s.nowner && rc != 3) {
		dapi_set_abort(d, NULL, 0);
		drop_dangling(d, s.owner, s.nowner);
	}
	dapi_close(d);
	free(s.spec.labels), free(s.spec.volumes), free(s.spec.env), free(s.spec.caps);
	free(s.spec.ulimits), free(s.inputs), free(s.exports), free(s.input_fds);
	free(s.owner), free(s.volumes), free(s.input_dirs), free(s.sig);
	if (s.log_fd >= 0 && close(s.log_fd) && !rc) {
		tool_warn("%s: --log %s:", s.spec.name, s.log);
		rc = 1;
	}
	return tool_finish(rc);
}

/* ---- bookkeeping ---- */

static int
cmd_ids(struct dapi *d, int argc, char **argv)
{
	struct err e = { "" };
	char id[80], driver[32];
	int rc = 0, with_driver = argc > 0 && !strcmp(argv[0], "-d");

	for (int i = with_driver; i < argc; i++) {
		if (dimg_id(d, argv[i], id, driver, &e) == 0) {
			if (with_driver)
				printf("%s=%s %s\n", argv[i], id, driver);
			else
				printf("%s=%s\n", argv[i], id);
			continue;
		}
		tool_warn("%s: %s", argv[i], e.msg);
		rc = 1;
	}
	return rc;
}

static int
cmd_info(struct dapi *d, int argc, char **argv)
{
	struct err e = { "" };
	json_t *info = NULL;
	const char *version, *driver;
	int rc = 1;

	(void)argv;
	if (argc)
		tool_usage(usage_text);
	if (dapi_json(d, "GET", "/info", NULL, &info, &e) != 200)
		tool_warn("info: %s", e.msg);
	else if (!(version = json_string_value(json_object_get(info, "ServerVersion"))) ||
		 !(driver = json_string_value(json_object_get(info, "Driver"))))
		tool_warn("info: no ServerVersion or Driver in the engine's answer");
	else {
		printf("%s %s\n", version, driver);
		rc = 0;
	}
	json_decref(info);
	return rc;
}

/* remove an image a load or a commit left without a name, if nothing
 * uses it */

static int
listed(const struct dload_list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return 1;
	return 0;
}

/* REF=ID for each reference loaded; the image each one was moved away
 * from is removed (docker names it; for podman, BEFORE's tags tell) */
static int
report_load(struct dapi *d, const struct dload *l, json_t *before)
{
	struct err e = { "" };
	char id[80];
	int rc = 0;

	for (size_t i = 0; i < l->refs.n; i++) {
		const char *ref = l->refs.v[i], *old = dimg_find_tag(before, ref);

		if (dimg_id(d, ref, id, NULL, &e)) {
			tool_warn("%s: loaded, but: %s", ref, e.msg);
			rc = 1;
			continue;
		}
		printf("%s=%s\n", ref, id);
		if (old && strcmp(old, id))
			rc |= drop_image(d, old);
	}
	for (size_t i = 0; i < l->ids.n; i++)
		printf("%s\n", l->ids.v[i]);
	for (size_t i = 0; i < l->replaced.n; i++)
		if (!listed(&l->ids, l->replaced.v[i]))
			rc |= drop_image(d, l->replaced.v[i]);
	return rc;
}

static int
cmd_load(struct dapi *d, int argc, char **argv)
{
	struct err e = { "" };
	struct dload l;
	json_t *before = NULL;
	const char *engine;
	int fd, rc;

	if (argc != 1)
		tool_usage(usage_text);
	fd = strcmp(argv[0], "-") ? open(argv[0], O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0)
		tool_die("%s:", argv[0]);
	if (!(engine = dapi_engine(d, &e)))
		tool_die("%s", e.msg);
	/* podman does not say which image a tag was moved away from */
	if (!strcmp(engine, "podman") && dimg_list(d, NULL, 0, 0, &before, &e))
		tool_die("listing the images: %s", e.msg);
	if (dimg_load(d, fd, &l, &e)) {
		tool_warn("%s: cannot load it: %s", argv[0], e.msg);
		rc = 1;
	} else if (!l.refs.n && !l.ids.n) {
		tool_warn("%s: the engine loaded no image from it", argv[0]);
		rc = 1;
	} else
		rc = report_load(d, &l, before);
	dload_free(&l);
	json_decref(before);
	if (fd > 0)
		close(fd);
	return rc;
}

static int
cmd_rm_owned(struct dapi *d, int argc, char **argv)
{
	return remove_owned(d, argv, argc, NULL);
}

static int
cmd_drop_dangling(struct dapi *d, int argc, char **argv)
{
	return drop_dangling(d, argv, argc);
}

static int
cmd_rmi(struct dapi *d, int argc, char **argv)
{
	struct err e = { "" };
	int rc = 0;

	for (int i = 0; i < argc; i++) {
		if (dimg_remove(d, argv[i], &e) == 0 || errno == ENOENT)
			continue;
		tool_warn("%s: %s", argv[i], e.msg);
		rc = 1;
	}
	return rc;
}

static int
cmd_volume_exists(struct dapi *d, int argc, char **argv)
{
	struct err e = { "" };
	int rc = 0;

	for (int i = 0; i < argc; i++) {
		int have = dctr_volume_exists(d, argv[i], &e);

		if (have < 0)
			tool_warn("volume %s: %s", argv[i], e.msg);
		if (have != 1)
			rc = 1;
	}
	return rc;
}

/* tag [--warm FILE] SRC DST [LABEL=VALUE...]: a stage with nothing to do
 * between two that share a container leaves it (FILE's) be */
static int
cmd_tag(struct dapi *d, int argc, char **argv)
{
	const char *dst, *colon, *slash, *warm = NULL;
	char *src, *name, *repo, *tag, *path;
	struct err e = { "" };
	struct dwarm w = { .sig = NULL };
	long st;

	if (argc >= 2 && !strcmp(argv[0], "--warm"))
		warm = argv[1], argc -= 2, argv += 2;
	if (argc < 2)
		tool_usage("tag [--warm FILE] SRC REPO:TAG [LABEL=VALUE...]\n");
	dst = argv[1], colon = strrchr(dst, ':'), slash = strrchr(dst, '/');
	if (!colon || (slash && colon < slash))
		tool_usage("tag [--warm FILE] SRC REPO:TAG [LABEL=VALUE...]\n");
	if (warm && dwarm_peek(warm, &w, &e) < 0)
		tool_warn("%s", e.msg);
	if (argc > 2)
		remove_owned(d, argv + 2, argc - 2, w.sig ? w.id : NULL);
	dwarm_free(&w);
	if (!(name = strndup(dst, colon - dst)))
		tool_die("out of memory:");
	src = dapi_escape(argv[0]), repo = dapi_escape(name), tag = dapi_escape(colon + 1);
	free(name);
	if (!src || !repo || !tag || asprintf(&path, "/images/%s/tag?repo=%s&tag=%s", src, repo, tag) < 0)
		tool_die("out of memory:");
	st = dapi_json(d, "POST", path, NULL, NULL, &e);
	free(src), free(repo), free(tag), free(path);
	if (st != 200 && st != 201) {
		tool_warn("%s: cannot tag it as %s: %s", argv[0], dst, e.msg);
		return 1;
	}
	if (argc > 2)
		drop_dangling(d, argv + 2, argc - 2);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct dapi *d, int argc, char **argv);
	int min_args;
} commands[] = {
	{ "ids", cmd_ids, 1 },
	{ "info", cmd_info, 0 },
	{ "load", cmd_load, 1 },
	{ "rm-owned", cmd_rm_owned, 1 },
	{ "drop-dangling", cmd_drop_dangling, 1 },
	{ "rmi", cmd_rmi, 1 },
	{ "volume-exists", cmd_volume_exists, 1 },
	{ "tag", cmd_tag, 2 },
};

int
main(int argc, char **argv)
{
	struct dapi *d;
	int rc;

	tool_name = "engine";
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		tool_usage(usage_text);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "stage"))
		return cmd_stage(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		if (argc - 2 < commands[i].min_args)
			tool_usage(usage_text);
		d = connect_engine();
		rc = commands[i].fn(d, argc - 2, argv + 2);
		dapi_close(d);
		return tool_finish(rc);
	}
	tool_usage(usage_text);
}
