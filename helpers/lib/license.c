#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "license.h"

/* Gentoo licence names (gentoo/gentoo licenses/) -> SPDX identifiers
 * (spdx.org/licenses). Only names whose text is the SPDX licence's: BSD
 * is Gentoo's 3-clause text, BSD-2 the 2-clause one; "GPL-2" means "only"
 * and "GPL-2+" "or later" (licenses/GPL-2 vs the ebuild's "+"). */
static const struct { const char *gentoo, *spdx; } table[] = {
	{ "0BSD", "0BSD" },
	{ "AGPL-3", "AGPL-3.0-only" },
	{ "AGPL-3+", "AGPL-3.0-or-later" },
	{ "Apache-1.1", "Apache-1.1" },
	{ "Apache-2.0", "Apache-2.0" },
	{ "Apache-2.0-with-LLVM-exceptions", "Apache-2.0 WITH LLVM-exception" },
	{ "Artistic", "Artistic-1.0-Perl" },
	{ "Artistic-2", "Artistic-2.0" },
	{ "BSD", "BSD-3-Clause" },
	{ "BSD-1", "BSD-1-Clause" },
	{ "BSD-2", "BSD-2-Clause" },
	{ "BSD-4", "BSD-4-Clause" },
	{ "Boost-1.0", "BSL-1.0" },
	{ "BZIP2", "bzip2-1.0.6" },
	{ "CC-BY-3.0", "CC-BY-3.0" },
	{ "CC-BY-4.0", "CC-BY-4.0" },
	{ "CC-BY-SA-3.0", "CC-BY-SA-3.0" },
	{ "CC-BY-SA-4.0", "CC-BY-SA-4.0" },
	{ "CC0-1.0", "CC0-1.0" },
	{ "curl", "curl" },
	{ "EPL-1.0", "EPL-1.0" },
	{ "EPL-2.0", "EPL-2.0" },
	{ "FDL-1.2", "GFDL-1.2-only" },
	{ "FDL-1.2+", "GFDL-1.2-or-later" },
	{ "FDL-1.3", "GFDL-1.3-only" },
	{ "FDL-1.3+", "GFDL-1.3-or-later" },
	{ "FTL", "FTL" },
	{ "GPL-1", "GPL-1.0-only" },
	{ "GPL-1+", "GPL-1.0-or-later" },
	{ "GPL-2", "GPL-2.0-only" },
	{ "GPL-2+", "GPL-2.0-or-later" },
	{ "GPL-3", "GPL-3.0-only" },
	{ "GPL-3+", "GPL-3.0-or-later" },
	{ "HPND", "HPND" },
	{ "icu", "ICU" },
	{ "IJG", "IJG" },
	{ "ISC", "ISC" },
	{ "LGPL-2", "LGPL-2.0-only" },
	{ "LGPL-2+", "LGPL-2.0-or-later" },
	{ "LGPL-2.1", "LGPL-2.1-only" },
	{ "LGPL-2.1+", "LGPL-2.1-or-later" },
	{ "LGPL-3", "LGPL-3.0-only" },
	{ "LGPL-3+", "LGPL-3.0-or-later" },
	{ "libpng", "Libpng" },
	{ "libpng2", "libpng-2.0" },
	{ "MIT", "MIT" },
	{ "MPL-1.1", "MPL-1.1" },
	{ "MPL-2.0", "MPL-2.0" },
	{ "OFL-1.1", "OFL-1.1" },
	{ "openssl", "OpenSSL" },
	{ "PHP-3", "PHP-3.0" },
	{ "PHP-3.01", "PHP-3.01" },
	{ "PSF-2", "PSF-2.0" },
	{ "Ruby", "Ruby" },
	{ "Sleepycat", "Sleepycat" },
	{ "Unicode-DFS-2016", "Unicode-DFS-2016" },
	{ "Unlicense", "Unlicense" },
	{ "vim", "Vim" },
	{ "WTFPL-2", "WTFPL" },
	{ "ZLIB", "Zlib" },
};

const char *
license_spdx_id(const char *gentoo)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(gentoo, table[i].gentoo))
			return table[i].spdx;
	return NULL;
}

void
license_ref(const char *gentoo, char *out, size_t n)
{
	size_t k = (size_t)snprintf(out, n, "LicenseRef-Gentoo-");

	for (const char *s = gentoo; *s && k + 1 < n; s++)
		out[k++] = isalnum((unsigned char)*s) || *s == '.' || *s == '-' ? *s : '-';
	if (k < n)
		out[k] = '\0';
}

/* --- the parser: tokens are whitespace-separated words --- */
struct lex {
	char **tok;
	size_t n, i;
};

enum kind { K_NONE, K_LEAF, K_AND, K_OR };
struct node {
	enum kind kind;
	char *s;	/* rendered */
};

static int
append(struct node *acc, struct node *item, enum kind op)
{
	const char *sep = op == K_AND ? " AND " : " OR ";
	int wrap_acc, wrap_item;
	char *s;

	if (item->kind == K_NONE)
		return 0;
	if (acc->kind == K_NONE) {
		*acc = *item;
		item->s = NULL;
		return 0;
	}
	/* a compound of the other operator needs parentheses */
	wrap_acc = acc->kind != K_LEAF && acc->kind != op;
	wrap_item = item->kind != K_LEAF && item->kind != op;
	/* "A WITH B" binds tighter than AND/OR: a leaf */
	if (asprintf(&s, "%s%s%s%s%s%s%s", wrap_acc ? "(" : "", acc->s, wrap_acc ? ")" : "", sep,
		     wrap_item ? "(" : "", item->s, wrap_item ? ")" : "") < 0)
		return -1;
	free(acc->s);
	free(item->s);
	item->s = NULL;
	acc->s = s;
	acc->kind = op;
	return 0;
}

static int parse_list(struct lex *lx, enum kind op, const struct strset *use,
		      struct strset *unmapped, struct node *out, int nested);

/* one item at lx->i: a name, or a group */
static int
parse_item(struct lex *lx, const struct strset *use, struct strset *unmapped, struct node *out)
{
	char *t = lx->tok[lx->i++];
	size_t len = strlen(t);

	out->kind = K_NONE;
	out->s = NULL;
	if (!strcmp(t, "||") || !strcmp(t, "(") || (len > 1 && t[len - 1] == '?')) {
		enum kind op = !strcmp(t, "||") ? K_OR : K_AND;
		int on = 1;

		if (strcmp(t, "(")) {
			if (lx->i >= lx->n || strcmp(lx->tok[lx->i], "(")) {
				errno = EINVAL;
				return -1;
			}
			lx->i++;
		}
		if (t[len - 1] == '?') {
			int neg = t[0] == '!';
			char flag[256];

			if (len - 1 - neg == 0 || len - 1 - neg >= sizeof(flag)) {
				errno = EINVAL;
				return -1;
			}
			memcpy(flag, t + neg, len - 1 - neg);
			flag[len - 1 - neg] = '\0';
			on = (use && strset_has(use, flag)) != neg;
		}
		if (parse_list(lx, op, use, unmapped, out, 1))
			return -1;
		if (!on) {
			free(out->s);
			out->s = NULL;
			out->kind = K_NONE;
		}
		return 0;
	}
	/* a licence name (PMS 3.1.6): [A-Za-z0-9_][A-Za-z0-9+_.-]* */
	for (const char *c = t; *c; c++)
		if (!(isalnum((unsigned char)*c) || *c == '_' || (c > t && (*c == '+' || *c == '.' || *c == '-')))) {
			errno = EINVAL;
			return -1;
		}
	{
		const char *id = license_spdx_id(t);
		char ref[512];

		if (!id) {
			license_ref(t, ref, sizeof(ref));
			if (unmapped && strset_add(unmapped, t, NULL) < 0)
				return -1;
		}
		if (!(out->s = strdup(id ? id : ref)))
			return -1;
		out->kind = K_LEAF;
	}
	return 0;
}

static int
parse_list(struct lex *lx, enum kind op, const struct strset *use, struct strset *unmapped,
	   struct node *out, int nested)
{
	out->kind = K_NONE;
	out->s = NULL;
	for (;;) {
		struct node item;

		if (lx->i >= lx->n) {
			if (nested)
				goto bad;
			return 0;
		}
		if (!strcmp(lx->tok[lx->i], ")")) {
			if (!nested)
				goto bad;
			lx->i++;
			return 0;
		}
		if (parse_item(lx, use, unmapped, &item))
			goto fail;
		if (append(out, &item, op)) {
			free(item.s);
			goto fail;
		}
	}
bad:
	errno = EINVAL;
fail:
	free(out->s);
	out->s = NULL;
	return -1;
}

int
license_to_spdx(const char *license, const struct strset *use, char **expr, struct strset *unmapped)
{
	char *copy = strdup(license ? license : ""), *save = NULL, *t;
	struct lex lx = { 0 };
	struct node n;
	int r = -1;

	*expr = NULL;
	if (!copy)
		return -1;
	lx.tok = malloc((strlen(copy) / 2 + 1) * sizeof(char *));
	if (!lx.tok)
		goto out;
	for (t = strtok_r(copy, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save))
		lx.tok[lx.n++] = t;
	if (parse_list(&lx, K_AND, use, unmapped, &n, 0))
		goto out;
	*expr = n.s;
	r = 0;
out:
	free(lx.tok);
	free(copy);
	return r;
}
