/* Unit: the JSON writer (control/json.h) — nesting, commas, escaping, truncation — and the
 * command layer's JSON replies on an offline engine (GRAM-02). argv[1]: module folder. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "command.h"
#include "json.h"

int main(int argc, char **argv)
{
	char buf[256];
	cx_json_t j;
	cx_json_init(&j, buf, sizeof buf);
	cx_json_obj(&j);
	cx_json_kstr(&j, "a", "x\"y\\z\n\x01");
	cx_json_key(&j, "list");
	cx_json_arr(&j);
	cx_json_int(&j, 1);
	cx_json_num(&j, 2.5);
	cx_json_bool(&j, 0);
	cx_json_num(&j, 1.0 / 0.0);
	cx_json_aend(&j);
	cx_json_key(&j, "o");
	cx_json_obj(&j);
	cx_json_end(&j);
	cx_json_end(&j);
	CHECK(cx_json_ok(&j));
	CHECK(
	    strcmp(buf, "{\"a\":\"x\\\"y\\\\z\\n\\u0001\",\"list\":[1,2.5,false,null],\"o\":{}}") ==
	    0);
	printf("  %s\n", buf);
	/* Bytes that are not UTF-8 (a user's typo, a fuzzer) become U+FFFD; UTF-8 passes. */
	cx_json_init(&j, buf, sizeof buf);
	cx_json_str(&j, "a\xff\xc3(b\xc3\xa9\xe2\x82\xac\xf0\x9f\x8e\xb9\xed\xa0\x80");
	CHECK(cx_json_ok(&j));
	CHECK(strcmp(buf, "\"a\\ufffd\\ufffd(b\xc3\xa9\xe2\x82\xac\xf0\x9f\x8e\xb9"
	                  "\\ufffd\\ufffd\\ufffd\"") == 0);
	printf("  %s\n", buf);
	char small[8];
	cx_json_init(&j, small, sizeof small);
	cx_json_obj(&j);
	cx_json_kstr(&j, "long", "xxxxxxxxxxxxxxxx");
	cx_json_end(&j);
	CHECK(!cx_json_ok(&j));
	CHECK(strlen(small) < sizeof small);

	if (argc < 2)
		return check_report("json");
	cx_engine_config_t cfg = {.name = "unit-json",
	                          .offline = 1,
	                          .workers = 1,
	                          .module_dirs = {argv[1]},
	                          .module_dir_count = 1};
	char err[512];
	cx_engine_t *e;
	CHECK(cx_engine_open(&e, &cfg, err, sizeof err) == 0);
	CHECK(cx_engine_start(e, 48000, 64, err, sizeof err) == 0);
	static char out[65000];
	const char *lines[] = {"help", "types",  "create vco lead", "info lead",
	                       "list", "status", "info vco"};
	for (size_t k = 0; k < sizeof lines / sizeof lines[0]; k++) {
		int rc = cx_command_json(e, lines[k], 0, out, sizeof out);
		CHECK(rc == 0);
		CHECK(strncmp(out, "{\"ok\":true", 10) == 0);
		CHECK(strstr(out, "\"data\":") != NULL);
		printf("  %-16s %zu bytes: %.90s\n", lines[k], strlen(out), out);
	}
	CHECK(cx_command_json(e, "set lead.frq 3", 0, out, sizeof out) == -1);
	CHECK(strstr(out, "\"ok\":false") && strstr(out, "did you mean 'freq'?"));
	printf("  fail: %s\n", out);
	cx_engine_close(e);
	return check_report("json");
}
