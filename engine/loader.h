/*
 * loader.h — finding module types on disk, loading them, and checking their descriptors.
 *
 * Checking happens in a throw-away child (the zygote forks one per type), so a module whose
 * constructor crashes costs only that child; the result lands in the shared type table. A
 * worker later dlopens the same path and trusts the checked tables.
 */
#ifndef CX_LOADER_H
#define CX_LOADER_H

#include <stddef.h>

#include "chronus/module.h"
#include "shm.h"

/* Is s a valid type, port or parameter name: [a-z][a-z0-9_]*, shorter than CX_NAME_MAX? */
int cx_name_valid(const char *s);

/* dlopens path (RTLD_NOW | RTLD_LOCAL) and finds its descriptor. Returns 0, or -1 with err
 * naming what was wrong (missing file, missing symbol, unresolved symbols). [worker] */
int cx_module_open(const char *path, void **handle, const cx_module_t **desc, char *err,
                   size_t errlen);

/* Checks a descriptor against the ABI (version, struct size, names, tables, ranges) and
 * copies its tables into out. expect_type, when not NULL, must equal desc->type. Returns 0,
 * or -1 with err saying what is wrong and what would be right. [worker] */
int cx_descriptor_check(const cx_module_t *desc, const char *expect_type, cx_type_t *out, char *err,
                        size_t errlen);

/* Loads slot->path, checks it, and fills the slot (status OK or BROKEN with slot->error).
 * Returns 0 when OK. Runs module code: call it in a child process. [worker] */
int cx_type_probe(cx_type_t *slot);

/* Lists the types in dirs: DIR/NAME/NAME.so and DIR/NAME.so, the first dir winning on a
 * name clash. Fills names and paths of table[0..max), status EMPTY. Returns the count. [main] */
unsigned cx_types_scan(const char *const *dirs, unsigned dir_count, cx_type_t *table, unsigned max);

/* Index of the type named name in table[0..count), or -1. [any] */
int cx_type_find(const cx_type_t *table, unsigned count, const char *name);

#endif /* CX_LOADER_H */
