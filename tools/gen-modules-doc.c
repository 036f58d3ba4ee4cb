/*
 * gen-modules-doc — docs/modules.md, generated from the modules themselves.
 *
 * Finds the module types in a folder the way the engine does (cx_types_scan: DIR/NAME/NAME.so),
 * loads and checks each with the engine's loader (cx_type_probe, which copies the descriptor's
 * tables into a cx_type_t), and prints Markdown: an index, then per module in alphabetical
 * order its summary, a one-line example of use from modules/EXAMPLES, its inputs (kind,
 * default, help), outputs and parameters (unit, range, default, flags and enum values, help).
 * Runs module code in this process: it is a build tool, not the engine.
 *
 * modules/EXAMPLES holds one line per module, `TYPE: command; command; ...` (blank lines and
 * lines starting with # are skipped). A module found with no line there is an error: every
 * module comes with an example.
 *
 * Usage: gen-modules-doc MODULE_DIR EXAMPLES > docs/modules.md
 *        gen-modules-doc --check DOC MODULE_DIR EXAMPLES
 * --check compares DOC with what would be generated and fails, printing the first difference
 * and the command that regenerates DOC, when they differ (the test 'modules-doc').
 * Exit status: 0, 1 on a difference, a missing example or a module that does not load, 2 on
 * a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

#define EXAMPLE_MAX 512u

static cx_type_t types[CX_TYPES_MAX];
static char examples[CX_TYPES_MAX][EXAMPLE_MAX];

/* Prints s for a Markdown table cell: '|' escaped, newlines as spaces. */
static void cell(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '\n')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
}

static const char *kind_name(uint32_t kind)
{
	return kind == CX_PORT_AUDIO ? "audio" : kind == CX_PORT_CV ? "CV" : "gate";
}

/* Reads EXAMPLES into examples[] by type index. Returns 0, or -1 with a message on stderr
 * naming each module that has no line. */
static int read_examples(const char *path, unsigned count)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "gen-modules-doc: cannot read %s\n", path);
		return -1;
	}
	char line[EXAMPLE_MAX + CX_NAME_MAX + 8];
	unsigned number = 0;
	int ok = 1;
	while (fgets(line, sizeof line, f) != NULL) {
		number++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		char *colon = strchr(line, ':');
		if (colon == NULL) {
			fprintf(stderr, "%s:%u: want `TYPE: example commands`\n", path, number);
			ok = 0;
			continue;
		}
		*colon = '\0';
		const char *text = colon + 1;
		while (*text == ' ')
			text++;
		int t = cx_type_find(types, count, line);
		if (t < 0)
			continue; /* a module not built here */
		if (examples[t][0] != '\0') {
			fprintf(stderr, "%s:%u: a second line for %s\n", path, number, line);
			ok = 0;
		}
		snprintf(examples[t], EXAMPLE_MAX, "%s", text);
	}
	fclose(f);
	for (unsigned t = 0; t < count; t++) {
		if (examples[t][0] == '\0') {
			fprintf(stderr,
			        "gen-modules-doc: %s has no example for module '%s': add a line\n"
			        "  %s: create %s NAME param=value; patch NAME > out\n",
			        path, types[t].name, types[t].name, types[t].name);
			ok = 0;
		}
	}
	return ok ? 0 : -1;
}

/* The example: "a; b" printed as `a`, then `b`. */
static void print_example(FILE *f, const char *text)
{
	fputs("Example: ", f);
	const char *p = text;
	for (int first = 1; *p;) {
		size_t n = strcspn(p, ";");
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (n > 0) {
			fprintf(f, "%s`%.*s`", first ? "" : ", then ", (int)n, p);
			first = 0;
		}
		p += strcspn(p, ";");
		while (*p == ';' || *p == ' ')
			p++;
	}
	fputs("\n\n", f);
}

static void print_ports(FILE *f, const char *title, const cx_type_port_t *ports, uint32_t n,
                        int inputs)
{
	if (n == 0) {
		fprintf(f, "%s: none.\n\n", title);
		return;
	}
	fprintf(f, "%s:\n\n", title);
	fputs(inputs ? "| port | kind | default | what it is |\n|---|---|---|---|\n"
	             : "| port | kind | what it is |\n|---|---|---|\n",
	      f);
	for (uint32_t i = 0; i < n; i++) {
		fprintf(f, "| `%s` | %s | ", ports[i].name, kind_name(ports[i].kind));
		if (inputs)
			fprintf(f, "%g | ", (double)ports[i].def);
		cell(f, ports[i].help);
		fputs(" |\n", f);
	}
	fputs("\n", f);
}

static void print_params(FILE *f, const cx_type_t *t)
{
	if (t->param_count == 0) {
		fputs("Parameters: none.\n\n", f);
		return;
	}
	fputs("Parameters:\n\n| parameter | unit | range | default | flags | what it is |\n"
	      "|---|---|---|---|---|---|\n",
	      f);
	for (uint32_t i = 0; i < t->param_count; i++) {
		const cx_type_param_t *p = &t->params[i];
		fprintf(f, "| `%s` | ", p->name);
		cell(f, p->unit);
		fputs(" | ", f);
		if (p->flags & CX_PARAM_ENUM) {
			for (uint32_t e = 0; e < p->enum_count; e++)
				fprintf(f, "%s`%s`", e ? ", " : "", p->enum_names[e]);
			uint32_t d = (uint32_t)p->def;
			fprintf(f, " | `%s` | ", d < p->enum_count ? p->enum_names[d] : "?");
		} else {
			fprintf(f, "%g .. %g | %g | ", (double)p->min, (double)p->max,
			        (double)p->def);
		}
		const char *sep = "";
		if (p->flags & CX_PARAM_ENUM) {
			fputs("enum", f);
			sep = ", ";
		} else if (p->flags & CX_PARAM_INTEGER) {
			fputs("integer", f);
			sep = ", ";
		}
		if (p->flags & CX_PARAM_LOG) {
			fprintf(f, "%slog", sep);
			sep = ", ";
		}
		fprintf(f, "%s%s", sep, (p->flags & CX_PARAM_NO_RAMP) ? "steps" : "ramped");
		fputs(" | ", f);
		cell(f, p->help);
		fputs(" |\n", f);
	}
	fputs("\n", f);
}

static void print_doc(FILE *f, unsigned count)
{
	fputs(
	    "# Modules\n\n"
	    "Every module type the engine finds, generated from the modules' own descriptors by\n"
	    "`tools/gen-modules-doc` (the engine's loader reads each module) and the examples in\n"
	    "`modules/EXAMPLES`. Do not edit: the test `modules-doc` fails when this file and the\n"
	    "modules differ. Regenerate it with\n"
	    "`build/tools/gen-modules-doc build/modules modules/EXAMPLES > docs/modules.md`.\n\n"
	    "Signals (specs/signals.md): audio is ±1 nominal; CV is in volts, 1 V/octave for "
	    "pitch\n"
	    "with 0 V = C4; gates are high above 0.5. An input with no cable reads its "
	    "default.\n"
	    "Continuous parameters ramp to a new value (no zipper noise); those marked steps\n"
	    "change at their event's frame. `info TYPE` shows the same tables in the shell.\n\n",
	    f);
	fputs("| module | what it is |\n|---|---|\n", f);
	for (unsigned t = 0; t < count; t++) {
		fprintf(f, "| [%s](#%s) | ", types[t].name, types[t].name);
		cell(f, types[t].summary);
		fputs(" |\n", f);
	}
	fputs("\n", f);
	for (unsigned t = 0; t < count; t++) {
		const cx_type_t *ty = &types[t];
		fprintf(f, "## %s\n\n%s\n\n", ty->name, ty->summary);
		print_example(f, examples[t]);
		if (ty->flags & CX_MODULE_SINK)
			fputs("A sink: the engine mixes its first two outputs into its own audio "
			      "outputs.\n\n",
			      f);
		if (ty->flags & CX_TYPE_HAS_LOAD)
			fprintf(f, "Takes a sound file: `sample INSTANCE FILE.wav`.\n\n");
		print_ports(f, "Inputs", ty->ins, ty->in_count, 1);
		print_ports(f, "Outputs", ty->outs, ty->out_count, 0);
		print_params(f, ty);
	}
}

/* Compares the file at path with text; prints the first difference. Returns 1 when equal. */
static int same_as_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		printf("FAIL: cannot read %s\n", path);
		return 0;
	}
	char line[4096];
	unsigned number = 0;
	const char *p = text;
	int same = 1;
	while (same) {
		char *got = fgets(line, sizeof line, f);
		number++;
		size_t n = strcspn(p, "\n");
		if (got == NULL && *p == '\0')
			break;
		size_t len = got ? strlen(line) : 0;
		if (got == NULL || *p == '\0' || len != n + (p[n] == '\n') ||
		    strncmp(line, p, n + (p[n] == '\n')) != 0) {
			line[strcspn(line, "\n")] = '\0';
			printf("FAIL: %s differs from the modules at line %u:\n  file:      %s\n"
			       "  generated: %.*s\n",
			       path, number, got ? line : "(end of file)", (int)n,
			       *p ? p : "(end)");
			same = 0;
		}
		p += n + (p[n] == '\n');
	}
	fclose(f);
	return same;
}

int main(int argc, char **argv)
{
	const char *check = NULL;
	int a = 1;
	if (argc == 5 && strcmp(argv[1], "--check") == 0) {
		check = argv[2];
		a = 3;
	} else if (argc != 3) {
		fprintf(stderr,
		        "usage: %s MODULE_DIR EXAMPLES > docs/modules.md\n"
		        "       %s --check DOC MODULE_DIR EXAMPLES\n",
		        argv[0], argv[0]);
		return 2;
	}
	const char *dir = argv[a], *examples_path = argv[a + 1];
	const char *dirs[1] = {dir};
	unsigned count = cx_types_scan(dirs, 1, types, CX_TYPES_MAX);
	int ok = 1;
	if (count == 0) {
		fprintf(stderr, "gen-modules-doc: no module in %s (want DIR/NAME/NAME.so)\n", dir);
		return 1;
	}
	for (unsigned t = 0; t < count; t++) {
		if (cx_type_probe(&types[t]) != 0) {
			fprintf(stderr, "gen-modules-doc: %s does not load: %s\n", types[t].name,
			        types[t].error);
			ok = 0;
		}
	}
	if (!ok || read_examples(examples_path, count) != 0)
		return 1;
	if (check == NULL) {
		print_doc(stdout, count);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	char *text = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&text, &size);
	if (mem == NULL)
		return 1;
	print_doc(mem, count);
	fclose(mem);
	ok = same_as_file(check, text);
	free(text);
	if (ok)
		printf("%s matches the %u modules in %s\n", check, count, dir);
	else
		printf("regenerate it:\n  %s %s %s > %s\n", argv[0], dir, examples_path, check);
	return ok ? 0 : 1;
}
