// SPDX-License-Identifier: MIT
/*
 * ABI tier: the shipped libkvm.so.1 against the committed baseline
 * (abidiff), its exports, its soname, and the public header on its own.
 * Paths come from the Makefile: LIBKVM_SO, LIBKVM_BASELINE, LIBKVM_SRCDIR, CC.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static const char *env(const char *name)
{
	const char *v = getenv(name);

	ck_assert_msg(v && v[0], "%s is not set (run through make check-abi)", name);
	return v;
}

/* Run cmd, collect stdout+stderr into out; return the exit status. */
static int run(const char *cmd, char *out, size_t len)
{
	char full[4096];
	size_t used = 0;
	FILE *p;
	int st;

	snprintf(full, sizeof(full), "%s 2>&1", cmd);
	p = popen(full, "r");
	ck_assert_msg(p != NULL, "cannot run %s", cmd);
	out[0] = 0;
	while (used + 1 < len && fgets(out + used, (int)(len - used), p))
		used += strlen(out + used);
	while (fgetc(p) != EOF)
		;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

static int have_tool(const char *tool)
{
	char cmd[256], out[256];

	snprintf(cmd, sizeof(cmd), "command -v %s", tool);
	return run(cmd, out, sizeof(out)) == 0;
}

/* Print a multi-line report as comment lines after the result. */
static void note(const char *text)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);

		printf("#   %.*s\n", n, p);
		p += n + (nl ? 1 : 0);
	}
}

START_TEST(abidiff_against_baseline)
{
	static char out[65536];
	char cmd[2048];
	unsigned int fr = 0, fc = 0, vr = 0, vc = 0;
	const char *p;
	int st;

	if (!have_tool("abidiff"))
		SKIP_TEST("abidiff not installed (Debian package abigail-tools)");
	snprintf(cmd, sizeof(cmd), "abidiff --headers-dir2 %s/include/libkvm %s %s",
		 env("LIBKVM_SRCDIR"), env("LIBKVM_BASELINE"), env("LIBKVM_SO"));
	st = run(cmd, out, sizeof(out));
	ck_assert_msg(!(st & 3), "abidiff failed to run (status %d): %s", st, out);
	p = strstr(out, "Functions changes summary:");
	if (p)
		sscanf(p, "Functions changes summary: %u Removed, %u Changed", &fr, &fc);
	p = strstr(out, "Variables changes summary:");
	if (p)
		sscanf(p, "Variables changes summary: %u Removed, %u Changed", &vr, &vc);
	if ((st & 8) || fr || fc || vr || vc) {
		fflush(stdout);
		fprintf(stdout, "# abidiff report (status %d):\n", st);
		note(out);
		fflush(stdout);
		ck_abort_msg("the ABI differs from abi/libkvm.abi (status %d, %u functions "
			     "removed, %u changed); an intended change needs a new soname or "
			     "symbol version and `make abi-baseline`", st, fr, fc);
	}
	if (st & 4) {
		/* Only additions: compatible, but the baseline should catch up. */
		printf("# libkvm-abi: compatible additions since the baseline:\n");
		note(out);
	}
}
END_TEST

START_TEST(exports_only_the_versioned_api)
{
	static char out[65536];
	char cmd[1024], *line, *save = NULL;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "nm -D --defined-only %s", env("LIBKVM_SO"));
	ck_assert_msg(run(cmd, out, sizeof(out)) == 0, "nm failed: %s", out);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char addr[64], type[8], name[256];

		if (sscanf(line, "%63s %7s %255s", addr, type, name) != 3)
			continue;
		if (!strcmp(name, "LIBKVM_1.0"))
			continue;
		ck_assert_msg(!strncmp(name, "libkvm_", 7), "exported non-API symbol %s", name);
		ck_assert_msg(strstr(name, "@@LIBKVM_1.0") != NULL, "%s is not versioned", name);
		n++;
	}
	ck_assert_msg(n >= 40, "only %d symbols exported", n);
}
END_TEST

START_TEST(soname_is_libkvm_so_1)
{
	static char out[16384];
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "readelf -d %s", env("LIBKVM_SO"));
	ck_assert_msg(run(cmd, out, sizeof(out)) == 0, "readelf failed: %s", out);
	ck_assert_msg(strstr(out, "Library soname: [libkvm.so.1]") != NULL, "%s", out);
}
END_TEST

/* Every function the header declares is exported, and nothing else. */
START_TEST(header_and_exports_agree)
{
	static char hdr[65536], out[65536];
	char cmd[1024], path[1024];
	const char *p;
	FILE *f;
	size_t n;
	int decl = 0;

	snprintf(path, sizeof(path), "%s/include/libkvm/libkvm.h", env("LIBKVM_SRCDIR"));
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	n = fread(hdr, 1, sizeof(hdr) - 1, f);
	hdr[n] = 0;
	fclose(f);
	snprintf(cmd, sizeof(cmd), "nm -D --defined-only %s", env("LIBKVM_SO"));
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
	for (p = hdr; (p = strstr(p, "libkvm_")); p++) {
		char name[128], sym[160];
		size_t k = 0;
		const char *q = p;

		if (p > hdr && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
			continue;
		while (k < sizeof(name) - 1 && (isalnum((unsigned char)*q) || *q == '_'))
			name[k++] = *q++;
		name[k] = 0;
		if (*q != '(')
			continue;	/* a type or a mention, not a declaration */
		snprintf(sym, sizeof(sym), " %s@@LIBKVM_1.0\n", name);
		ck_assert_msg(strstr(out, sym) != NULL, "%s is declared but not exported", name);
		decl++;
	}
	ck_assert_msg(decl >= 40, "found only %d declarations", decl);
}
END_TEST

static void compile(const char *src, const char *flags)
{
	static char out[16384];
	char path[] = "/tmp/libkvm-abi-XXXXXX.c";
	char cmd[2048];
	int fd = mkstemps(path, 2);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, src, strlen(src)), (ssize_t)strlen(src));
	close(fd);
	/* Only the public include directory: no okvm/kvm.h, no src/. */
	snprintf(cmd, sizeof(cmd), "%s %s -Wall -Wextra -Werror -fsyntax-only -I%s/include %s",
		 env("CC"), flags, env("LIBKVM_SRCDIR"), path);
	ck_assert_msg(run(cmd, out, sizeof(out)) == 0, "%s failed:\n%s", cmd, out);
	unlink(path);
}

START_TEST(header_compiles_alone_c99)
{
	compile("#include <libkvm/libkvm.h>\n"
		"int main(void) { struct libkvm_exit e = { 0 }; return (int)e.kind; }\n",
		"-std=c99 -pedantic");
}
END_TEST

START_TEST(header_coexists_with_linux_kvm_h)
{
	compile("#include <linux/kvm.h>\n#include <libkvm/libkvm.h>\n"
		"int main(void) { return KVM_API_VERSION - 12 + LIBKVM_EXIT_IO - 1; }\n",
		"-std=gnu11");
}
END_TEST


START_TEST(man_pages_render)
{
	static char out[65536];
	char cmd[2048];
	int st;

	if (!have_tool("man"))
		SKIP_TEST("man not installed (Debian package man-db)");
	/* From man/ so that the .so link pages resolve; warnings are errors. */
	snprintf(cmd, sizeof(cmd),
		 "cd %s/man && n=0 && for f in man1/*.1 man3/*.3; do "
		 "w=$(MANWIDTH=80 man --warnings -l \"$f\" 2>&1 >/dev/null) || w=\"$f: failed\"; "
		 "[ -z \"$w\" ] || { echo \"$f: $w\"; exit 1; }; "
		 "MANWIDTH=80 man -l \"$f\" 2>/dev/null | grep -q '^NAME' || { echo \"$f: no NAME\"; exit 1; }; "
		 "n=$((n+1)); done; echo \"$n pages\"; [ $n -ge 40 ]", env("LIBKVM_SRCDIR"));
	st = run(cmd, out, sizeof(out));
	ck_assert_msg(st == 0, "%s", out);
}
END_TEST

static char inst[256];

/* make install into a scratch DESTDIR once per test (fork mode). */
static void install_tree(void)
{
	static char out[65536];
	char cmd[2048];

	snprintf(inst, sizeof(inst), "/tmp/libkvm-install.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(inst));
	snprintf(cmd, sizeof(cmd), "make -s -C %s install PREFIX=/usr/local DESTDIR=%s",
		 env("LIBKVM_SRCDIR"), inst);
	ck_assert_msg(run(cmd, out, sizeof(out)) == 0, "%s:\n%s", cmd, out);
}

static void remove_tree(void)
{
	char cmd[512], out[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", inst);
	run(cmd, out, sizeof(out));
}

START_TEST(install_tree_is_complete)
{
	static const char *const files[] = {
		"include/libkvm/libkvm.h", "lib/libkvm.so.1", "lib/libkvm.so",
		"lib/libkvm.so.1.0.0", "lib/libkvm.a", "lib/pkgconfig/libkvm.pc",
		"bin/kvm-run", "share/man/man1/kvm-run.1", "share/man/man3/libkvm.3",
		"share/man/man3/libkvm_vcpu_run.3", "share/man/man3/libkvm_vcpu_kick.3",
	};
	char path[512];
	unsigned int i;

	install_tree();
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/usr/local/%s", inst, files[i]);
		ck_assert_msg(access(path, R_OK) == 0, "%s was not installed", files[i]);
	}
	/* The public header stands alone: nothing else goes to include/. */
	snprintf(path, sizeof(path), "%s/usr/local/include/okvm", inst);
	ck_assert_msg(access(path, F_OK) != 0, "include/okvm installed");
	remove_tree();
}
END_TEST

/* The "done when" of libkvm 1.0: pkg-config alone builds a working VMM. */
START_TEST(pkg_config_program_runs_long_mode_guest)
{
	static char out[65536];
	char cmd[4096], flags[1024];
	int st;

	if (!have_tool("pkg-config"))
		SKIP_TEST("pkg-config not installed");
	install_tree();
	snprintf(cmd, sizeof(cmd), "PKG_CONFIG_LIBDIR=%s/usr/local/lib/pkgconfig "
		 "PKG_CONFIG_SYSROOT_DIR=%s pkg-config --cflags --libs libkvm", inst, inst);
	ck_assert_msg(run(cmd, flags, sizeof(flags)) == 0, "pkg-config: %s", flags);
	flags[strcspn(flags, "\n")] = 0;
	snprintf(cmd, sizeof(cmd), "%s -Wall -Wextra -Werror %s/examples/minimal.c %s -o %s/minimal",
		 env("CC"), env("LIBKVM_SRCDIR"), flags, inst);
	ck_assert_msg(run(cmd, out, sizeof(out)) == 0, "%s:\n%s", cmd, out);
	snprintf(cmd, sizeof(cmd), "LD_LIBRARY_PATH=%s/usr/local/lib ldd %s/minimal", inst, inst);
	ck_assert_int_eq(run(cmd, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "/usr/local/lib/libkvm.so.1") && strstr(out, inst),
		      "not linked against the installed libkvm.so.1:\n%s", out);
	snprintf(cmd, sizeof(cmd), "LD_LIBRARY_PATH=%s/usr/local/lib %s/minimal", inst, inst);
	st = run(cmd, out, sizeof(out));
	remove_tree();
	if (st && (strstr(out, "No such file") || strstr(out, "Permission denied")))
		SKIP_TEST("built; no usable device to run it: %s", out);
	ck_assert_msg(st == 0 && strstr(out, "wrote 42 to port 0x10"), "status %d: %s", st, out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("libkvm-abi");
	TCase *t = tcase_create("abi");

	tcase_set_timeout(t, 120);
	tcase_add_test(t, abidiff_against_baseline);
	tcase_add_test(t, exports_only_the_versioned_api);
	tcase_add_test(t, soname_is_libkvm_so_1);
	tcase_add_test(t, header_and_exports_agree);
	tcase_add_test(t, header_compiles_alone_c99);
	tcase_add_test(t, header_coexists_with_linux_kvm_h);
	tcase_add_test(t, man_pages_render);
	tcase_add_test(t, install_tree_is_complete);
	tcase_add_test(t, pkg_config_program_runs_long_mode_guest);
	suite_add_tcase(s, t);
	return harness_run(s, "libkvm-abi") ? 1 : 0;
}
