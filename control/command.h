/*
 * command.h — the command table: one line of text in, one reply out.
 *
 * The same commands reach the engine from a script (chronus-render), from OSC (/cmd with the
 * line as a string) and from the structured OSC addresses, which call the same handlers. Each
 * command has a name, a usage line, help text and a handler; `help` is generated from the
 * table. [control]
 */
#ifndef CX_COMMAND_H
#define CX_COMMAND_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

typedef struct cx_command {
	const char *name;
	const char *usage;
	const char *help;
	int (*run)(cx_engine_t *e, int argc, char **argv, uint64_t frame, char *reply, size_t len);
} cx_command_t;

extern const cx_command_t cx_commands[];

/* Runs one line at frame (0: as soon as possible). Returns 0 with reply ("created lead"),
 * -1 with reply holding the reason, or 1 for a blank line or a comment. */
int cx_command_line(cx_engine_t *e, const char *line, uint64_t frame, char *reply, size_t len);

/* Parses a parameter value: a number, or a name of an enum parameter of type `type`. */
int cx_command_value(const cx_engine_t *e, const char *type, const char *param, const char *text,
                     float *value, char *err, size_t errlen);

#endif /* CX_COMMAND_H */
