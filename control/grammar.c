/*
 * grammar.c — chronus-grammar: prints the command language's reference (specs/grammar.md)
 * from the command table, so the reference cannot drift from the code; a test compares them.
 */
#include <stdio.h>

#include "command.h"

/* Prints s with '|' escaped, so a Markdown table cell holds it. */
static void cell(const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			putchar('\\');
		putchar(*s);
	}
}

int main(void)
{
	printf(
	    "# The command language\n\n"
	    "Generated from the command table in control/command.c by `chronus-grammar`; the\n"
	    "test suite fails when this file and the table differ. The same lines are typed in\n"
	    "the shell, sent over OSC to /cmd (text reply) or /json (one JSON object), and\n"
	    "played by chronus-render scripts.\n\n"
	    "A line is words separated by spaces; `\"...\"` quotes a word; `#` starts a comment.\n"
	    "Names: an *instance* is a named use of a module type (`lead`), a *port* is\n"
	    "`instance.name` (`filt.cutoff`); a bare instance name in `patch` means its first\n"
	    "output or first input. `INST.PARAM=VALUE ...` alone on a line is a `set`.\n"
	    "Every command answers: done with what it changed, or fail with what was wrong and\n"
	    "what would be right; a command that fails changes nothing.\n\n"
	    "| command | usage | what it does | arguments (for completion) |\n"
	    "|---|---|---|---|\n");
	for (const cx_command_t *k = cx_commands; k->name; k++) {
		printf("| `%s` | `", k->name);
		cell(k->usage);
		printf("` | ");
		cell(k->help);
		printf("%s | `%s` |\n", k->changes ? "" : " (changes nothing)",
		       k->schema[0] ? k->schema : "-");
	}
	printf(
	    "\nArgument kinds: type, newname, instance, output, input, param (inst.param), "
	    "assign (param=value), value, number, file, word, a literal in quotes; `?` optional, "
	    "`*` repeated.\n");
	return 0;
}
