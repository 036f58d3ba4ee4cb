/*
 * model.h — what the shell knows of the engine, for completion: its commands, module types and
 * their parameters and ports, instances and their ports.
 *
 * Everything is asked of the engine and kept briefly (instances for 2 s, types and commands for
 * 30 s; sh_model_forget() drops instance knowledge after each command the user runs). When the
 * engine answers /json, its structured replies are read (`help`, `types`, `list`, `info`);
 * otherwise the text replies of /cmd are parsed, and the ports and parameters of an instance are
 * learnt from the engine's refusal of a request that cannot succeed (`unpatch I.? > I.?` names
 * the outputs, `set I.? 0` the parameters, `create TYPE ?=0` a type's parameters): such requests
 * change nothing. [shell]
 */
#ifndef SH_MODEL_H
#define SH_MODEL_H

#include <stddef.h>

#include "client.h"

typedef struct {
	char **v;
	size_t n, cap;
} strv_t;

void strv_push(strv_t *s, const char *str);
void strv_pushn(strv_t *s, const char *str, size_t len);
void strv_free(strv_t *s);
int strv_has(const strv_t *s, const char *str);

void sh_model_init(sh_client_t *c, int json);
void sh_model_forget(void);
/* Keeps an answer the caller already has (TEXT, malloc'd, is taken over) as if asked. */
void sh_model_remember(const char *addr, const char *line, int status, char *text);
void sh_model_free(void);

/* Each fills out (appending) and returns 0, or -1 when the engine did not say. */
int sh_model_commands(strv_t *names);
int sh_model_usage(const char *command, char *usage, size_t len);
/* The argument schema of a command ("type newname? assign*"; /json `help` only). */
int sh_model_schema(const char *command, char *schema, size_t len);
int sh_model_types(strv_t *names);
int sh_model_type_params(const char *type, strv_t *params);
int sh_model_param_values(const char *type, const char *param, strv_t *values);
int sh_model_instances(strv_t *names);
int sh_model_instance_type(const char *inst, char *type, size_t len);
int sh_model_ports(const char *inst, int outputs, strv_t *ports);
int sh_model_params(const char *inst, strv_t *params);

#endif /* SH_MODEL_H */
