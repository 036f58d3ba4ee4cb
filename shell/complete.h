/*
 * complete.h — readline completion for the command language.
 *
 * With an engine that answers /json, each command's argument schema (`type newname? assign*`,
 * `output '>' input*`, `param value 'over'? number?`, ...) says what the word being typed is:
 * a module type, an instance, an output or input port (`inst.port`), a parameter
 * (`inst.param`), an assignment (`param=`, then an enum's values) for the type or instance
 * before it, an enum value for the parameter before it, or a literal. Without /json, rules for
 * the commands this shell knows do the same, and other commands are completed from the
 * placeholders of their usage line (TYPE, NAME, INSTANCE, COMMAND). The first word completes
 * to command names (or `inst.param` for an implied set). [shell]
 */
#ifndef SH_COMPLETE_H
#define SH_COMPLETE_H

/* Local commands, completed along with the engine's. */
extern const char *const sh_local_commands[];

void sh_complete_install(void);

/* The candidates for the word at the end of LINE (for tests and --complete): each is printed
 * on its own line. */
void sh_complete_print(const char *line);

#endif /* SH_COMPLETE_H */
