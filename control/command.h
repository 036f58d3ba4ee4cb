/*
 * command.h — the command table: one line of text in, one reply out.
 *
 * The same commands reach the engine from a script (chronus-render), from the shell and any
 * OSC client (/cmd for text replies, /json for machine replies), and from the structured OSC
 * addresses, which call the same engine functions. Each command has a name, an argument
 * schema (for completion), a usage line, help text and a handler; `help`, the shell's
 * completion and specs/grammar.md come from this table. A command that fails changes nothing.
 * [control]
 */
#ifndef CX_COMMAND_H
#define CX_COMMAND_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "json.h"

typedef struct cx_cmd {
	cx_engine_t *e;
	uint64_t frame; /* when the command applies; 0: the next period */
	char *text;     /* the reply sentence */
	size_t text_len;
	cx_json_t *data; /* NULL, or where a handler writes the reply's "data" value */
} cx_cmd_t;

typedef struct cx_command {
	const char *name;
	/* Argument kinds, space-separated, for completion: type, newname, instance, output,
	 * input, param (inst.param), assign (param=value of the type or instance before),
	 * value, number, file, word, or a literal in quotes; a trailing ? is optional, * repeats.
	 */
	const char *schema;
	const char *usage;
	const char *help;
	int (*run)(cx_cmd_t *c, int argc, char **argv);
	int changes; /* 1: it changes the patch or the transport (subscribers hear of it) */
} cx_command_t;

/* The table entry for a line's first word (or its implied `set`), or NULL. */
const cx_command_t *cx_command_find(const char *line);

extern const cx_command_t cx_commands[];

/* Where `save patch`, `load patch`, `record` and `sample` may read and write: patch files live
 * in patch_dir, samples in sample_dir; recordings are relative paths inside work_dir. NULL
 * keeps a default (./patches, ./samples, .). Call once at start. */
void cx_command_configure(const char *patch_dir, const char *work_dir, const char *sample_dir);

/* Sets the template folders: user_dir (where `define` writes; NULL: ./templates), then the
 * templates shipped with chronus (the source tree's when it is there, else the installed). */
void cx_command_templates(const char *user_dir, const char *src_dir, const char *install_dir);

/* Runs one line at frame (0: as soon as possible). Returns 0 with reply ("created vco lead"),
 * -1 with reply holding the reason, or 1 for a blank line or a comment. */
int cx_command_line(cx_engine_t *e, const char *line, uint64_t frame, char *reply, size_t len);

/* The same, answering one JSON object: {"ok":..,"command":..,"text"|"error":..,"data":..}.
 * Returns as cx_command_line. */
int cx_command_json(cx_engine_t *e, const char *line, uint64_t frame, char *out, size_t len);

/* The sentence of the last reply cx_command_json wrote (for notices). */
const char *cx_command_json_text(void);

/* Parses a parameter value: a number, or a name of an enum parameter of type `type`. */
int cx_command_value(const cx_engine_t *e, const char *type, const char *param, const char *text,
                     float *value, char *err, size_t errlen);

/* Parses a note name (C4, Eb2, F#-1) into 1 V/oct volts (C4 = 0). Returns 0 or -1. */
int cx_note_volts(const char *note, float *volts);

#endif /* CX_COMMAND_H */
