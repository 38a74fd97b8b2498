#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atom.h"
#include "err.h"

static const char *
digits(const char *s)
{
	if (*s < '0' || *s > '9')
		return NULL;
	while (*s >= '0' && *s <= '9')
		s++;
	return s;
}

/* PMS 3.2 suffix order: _alpha < _beta < _pre < _rc < (none) < _p.
 * Returns the rank (0..3, 5 for _p) and sets *END past the suffix name,
 * or -1. */
static int
suffix_rank(const char *s, const char **end)
{
	static const struct { const char *name; int rank; } suf[] = {
		{ "alpha", 0 }, { "beta", 1 }, { "pre", 2 }, { "rc", 3 }, { "p", 5 },
	};

	for (size_t i = 0; i < sizeof(suf) / sizeof(suf[0]); i++) {
		size_t l = strlen(suf[i].name);

		if (!strncmp(s, suf[i].name, l) && !islower((unsigned char)s[l])) {
			*end = s + l;
			return suf[i].rank;
		}
	}
	return -1;
}

/* The end of the PMS version at S (without revision when NOREV), or NULL. */
static const char *
version_end(const char *s, int norev)
{
	const char *e;

	if (!(s = digits(s)))
		return NULL;
	while (*s == '.')
		if (!(s = digits(s + 1)))
			return NULL;
	if (*s >= 'a' && *s <= 'z')
		s++;
	while (*s == '_') {
		if (suffix_rank(s + 1, &e) < 0)
			return NULL;
		s = e;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (!norev && s[0] == '-' && s[1] == 'r')
		if (!(s = digits(s + 2)))
			return NULL;
	return s;
}

int
atom_version_valid(const char *v)
{
	const char *e = version_end(v, 0);

	return e && !*e;
}

long
atom_pf_split(const char *pf)
{
	for (const char *p = pf; (p = strchr(p, '-')); p++)
		if (p > pf && atom_version_valid(p + 1))
			return p - pf;
	errno = EINVAL;
	return -1;
}

/* Compare two digit strings as integers of any length. */
static int
cmp_int(const char *a, size_t la, const char *b, size_t lb)
{
	int c;

	while (la > 1 && *a == '0')
		a++, la--;
	while (lb > 1 && *b == '0')
		b++, lb--;
	if (la != lb)
		return la < lb ? -1 : 1;
	c = memcmp(a, b, la);
	return (c > 0) - (c < 0);
}

/* PMS 3.3: a component after the first with a leading zero: strip
 * trailing zeros from both, compare as strings. */
static int
cmp_frac(const char *a, size_t la, const char *b, size_t lb)
{
	int c;

	while (la && a[la - 1] == '0')
		la--;
	while (lb && b[lb - 1] == '0')
		lb--;
	c = memcmp(a, b, la < lb ? la : lb);
	if (c)
		return c < 0 ? -1 : 1;
	return (la > lb) - (la < lb);
}

static size_t
ndigits(const char *s)
{
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9')
		n++;
	return n;
}

int
atom_vercmp(const char *a, const char *b)
{
	size_t la = ndigits(a), lb = ndigits(b);
	int c, ra, rb;
	const char *ea, *eb;

	/* 3.2: the first component as integers */
	if ((c = cmp_int(a, la, b, lb)))
		return c;
	a += la, b += lb;
	/* 3.3: the other numeric components, in order */
	while (*a == '.' && *b == '.') {
		a++, b++;
		la = ndigits(a), lb = ndigits(b);
		if (*a == '0' || *b == '0')
			c = cmp_frac(a, la, b, lb);
		else
			c = cmp_int(a, la, b, lb);
		if (c)
			return c;
		a += la, b += lb;
	}
	if (*a == '.')
		return 1;
	if (*b == '.')
		return -1;
	/* 3.4: the letter */
	ra = islower((unsigned char)*a) ? *a++ : 0;
	rb = islower((unsigned char)*b) ? *b++ : 0;
	if (ra != rb)
		return ra < rb ? -1 : 1;
	/* 3.5: suffixes, then their numbers as integers */
	while (*a == '_' && *b == '_') {
		ra = suffix_rank(a + 1, &ea);
		rb = suffix_rank(b + 1, &eb);
		if (ra != rb)
			return ra < rb ? -1 : 1;
		a = ea, b = eb;
		la = ndigits(a), lb = ndigits(b);
		if ((c = cmp_int(la ? a : "0", la ? la : 1, lb ? b : "0", lb ? lb : 1)))
			return c;
		a += la, b += lb;
	}
	/* a version with one more suffix is greater only when it is _p */
	if (*a == '_')
		return suffix_rank(a + 1, &ea) == 5 ? 1 : -1;
	if (*b == '_')
		return suffix_rank(b + 1, &eb) == 5 ? -1 : 1;
	/* 3.6: the revision, -r0 when absent */
	a = *a == '-' ? a + 2 : "0";
	b = *b == '-' ? b + 2 : "0";
	return cmp_int(a, ndigits(a), b, ndigits(b));
}

int
atom_glob(const char *pat, const char *s)
{
	const char *star = NULL, *back = NULL;

	while (*s) {
		if (*pat == '*') {
			star = ++pat;
			back = s;
		} else if (*pat == *s) {
			pat++, s++;
		} else if (star) {
			pat = star;
			s = ++back;
		} else {
			return 0;
		}
	}
	while (*pat == '*')
		pat++;
	return !*pat;
}

static int
name_char(int c, const char *extra)
{
	return isalnum(c) || c == '_' || (c && strchr(extra, c));
}

/* PMS 3.1: category [A-Za-z0-9_][A-Za-z0-9+_.-]*, package
 * [A-Za-z0-9_][A-Za-z0-9+_-]*, slot [A-Za-z0-9_][A-Za-z0-9+_.-]*,
 * repository [A-Za-z0-9_][A-Za-z0-9_-]*. WILD admits '*' (Portage's
 * extended syntax). */
static int
valid_name(const char *s, const char *rest, int wild)
{
	if (!*s || !(name_char((unsigned char)*s, "") || (wild && *s == '*')))
		return 0;
	for (s++; *s; s++)
		if (!(name_char((unsigned char)*s, rest) || (wild && *s == '*')))
			return 0;
	return 1;
}

static int
fail(struct atom *a, struct err *e, const char *msg)
{
	atom_free(a);
	return err_set(e, EINVAL, "%s", msg);
}

static enum atom_op
parse_op(char **p)
{
	char *s = *p;
	enum atom_op op = ATOM_OP_NONE;

	if (s[0] == '>' && s[1] == '=')
		op = ATOM_OP_GE, s += 2;
	else if (s[0] == '<' && s[1] == '=')
		op = ATOM_OP_LE, s += 2;
	else if (s[0] == '>')
		op = ATOM_OP_GT, s++;
	else if (s[0] == '<')
		op = ATOM_OP_LT, s++;
	else if (s[0] == '=')
		op = ATOM_OP_EQ, s++;
	else if (s[0] == '~')
		op = ATOM_OP_TILDE, s++;
	*p = s;
	return op;
}

/* ":SLOT", ":SLOT/SUB", with an optional slot operator "=", or ":=", ":*" */
static int
parse_slot(struct atom *a, char *s)
{
	char *sub;
	size_t l = strlen(s);

	if (!strcmp(s, "=") || !strcmp(s, "*")) {
		*s = '\0';
		a->slot = s;
		return 0;
	}
	if (l && s[l - 1] == '=')
		s[l - 1] = '\0';
	if ((sub = strchr(s, '/'))) {
		*sub++ = '\0';
		if (!valid_name(sub, "+.-", 0))
			return -1;
		a->subslot = sub;
	}
	if (!valid_name(s, "+.-", 0))
		return -1;
	a->slot = s;
	return 0;
}

int
atom_parse(const char *str, struct atom *a, struct err *e)
{
	char *s, *p, *slash;
	size_t l;

	memset(a, 0, sizeof(*a));
	err_clear(e);
	if (!(a->buf = strdup(str)))
		return -1;
	s = a->buf;
	if (*s == '!')
		return fail(a, e, "blockers are not valid here");
	if (strchr(s, '['))
		return fail(a, e, "USE dependencies are not valid here");
	a->op = parse_op(&s);
	if ((p = strstr(s, "::"))) {
		*p = '\0';
		a->repo = p + 2;
		if (!valid_name(a->repo, "-", 0))
			return fail(a, e, "invalid repository name");
	}
	if ((p = strchr(s, ':'))) {
		*p = '\0';
		if (parse_slot(a, p + 1))
			return fail(a, e, "invalid slot");
	}
	if (!(slash = strchr(s, '/')) || strchr(slash + 1, '/'))
		return fail(a, e, "not CATEGORY/PACKAGE");
	*slash = '\0';
	a->cat = s;
	a->pn = slash + 1;
	l = strlen(a->pn);
	if (a->op == ATOM_OP_EQ && l > 2 && a->pn[l - 1] == '*' &&
	    (p = strstr(a->pn, "-*")) && p + 2 < a->pn + l - 1 &&
	    !strchr(p + 2, '-') && !memchr(p + 2, '*', a->pn + l - 1 - (p + 2))) {
		/* Portage's =cat/pn-*word* (dep/__init__.py: "\*\w+\*") */
		*p = '\0';
		a->pn[l - 1] = '\0';
		a->ver = p + 2;
		a->op = ATOM_OP_SUBSTR;
	} else if (a->op != ATOM_OP_NONE) {
		long n;

		if (l && a->pn[l - 1] == '*') {
			if (a->op != ATOM_OP_EQ)
				return fail(a, e, "a trailing '*' is valid with '=' only");
			a->pn[l - 1] = '\0';
			a->op = ATOM_OP_GLOB;
		}
		if ((n = atom_pf_split(a->pn)) < 0)
			return fail(a, e, "an operator needs a valid version");
		a->pn[n] = '\0';
		a->ver = a->pn + n + 1;
	} else if (atom_pf_split(a->pn) >= 0) {
		return fail(a, e, "a version needs an operator (=, >=, <=, >, <, ~)");
	}
	a->wildcard = strchr(a->cat, '*') || strchr(a->pn, '*');
	if (a->wildcard && a->op != ATOM_OP_NONE && a->op != ATOM_OP_SUBSTR)
		return fail(a, e, "wildcards take no version operator");
	if (strstr(a->cat, "**") || strstr(a->pn, "**"))
		return fail(a, e, "invalid wildcard '**'");
	if (!valid_name(a->cat, "+.-", 1))
		return fail(a, e, "invalid category name");
	if (!valid_name(a->pn, "+-", 1))
		return fail(a, e, "invalid package name");
	return 0;
}

void
atom_free(struct atom *a)
{
	free(a->buf);
	memset(a, 0, sizeof(*a));
}

/* Portage's =* match (dep/__init__.py, match_from_list): a string prefix
 * of the version with leading zeros dropped, ending on a component
 * boundary so that 1* does not match 10 (bug 560466). */
static int
glob_match(const char *pat, const char *ver)
{
	size_t l;
	char next;

	while (*pat == '0' && pat[1] >= '0' && pat[1] <= '9')
		pat++;
	while (*ver == '0' && ver[1] >= '0' && ver[1] <= '9')
		ver++;
	l = strlen(pat);
	if (strncmp(ver, pat, l))
		return 0;
	next = ver[l];
	return !next || strchr("._-", next) ||
	       !!isdigit((unsigned char)pat[l - 1]) != !!isdigit((unsigned char)next);
}

static int
version_match(const struct atom *a, const char *pvr)
{
	const char *ae, *pe;
	char buf[256];

	switch (a->op) {
	case ATOM_OP_NONE: return 1;
	case ATOM_OP_EQ: return atom_vercmp(pvr, a->ver) == 0;
	case ATOM_OP_GE: return atom_vercmp(pvr, a->ver) >= 0;
	case ATOM_OP_LE: return atom_vercmp(pvr, a->ver) <= 0;
	case ATOM_OP_GT: return atom_vercmp(pvr, a->ver) > 0;
	case ATOM_OP_LT: return atom_vercmp(pvr, a->ver) < 0;
	case ATOM_OP_TILDE:
		/* the same version string, any revision */
		ae = version_end(a->ver, 1);
		pe = version_end(pvr, 1);
		return ae - a->ver == pe - pvr && !strncmp(a->ver, pvr, ae - a->ver);
	case ATOM_OP_GLOB: return glob_match(a->ver, pvr);
	case ATOM_OP_SUBSTR:
		/* Portage matches against "PV-rN", with r0 when absent */
		pe = version_end(pvr, 1);
		if (*pe)
			return strstr(pvr, a->ver) != NULL;
		if ((size_t)snprintf(buf, sizeof(buf), "%s-r0", pvr) >= sizeof(buf))
			return 0;
		return strstr(buf, a->ver) != NULL;
	}
	return 0;
}

int
atom_match(const struct atom *a, const char *cat, const char *pn,
	   const char *pvr, const char *slot, const char *repo)
{
	const char *sub;
	size_t sl;

	if (a->wildcard ? !(atom_glob(a->cat, cat) && atom_glob(a->pn, pn))
			: (strcmp(a->cat, cat) || strcmp(a->pn, pn)))
		return 0;
	if (!version_match(a, pvr))
		return 0;
	if (a->slot && *a->slot) {
		/* PMS 7.2: the sub-slot is the slot when SLOT has none */
		if (!slot)
			return 0;
		sub = strchr(slot, '/');
		sl = sub ? (size_t)(sub - slot) : strlen(slot);
		if (strlen(a->slot) != sl || strncmp(a->slot, slot, sl))
			return 0;
		if (a->subslot && strcmp(a->subslot, sub ? sub + 1 : a->slot))
			return 0;
	}
	if (a->repo && (!repo || strcmp(a->repo, repo)))
		return 0;
	return 1;
}
