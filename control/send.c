/*
 * send.c — chronus-send: send command lines to a running engine and print its replies.
 *
 * Each argument (or each line of standard input with no arguments) goes to /cmd; the reply is
 * printed as "done: ..." or "fail: ..." and the exit status is 1 when any command failed, 3 when
 * no engine answered. The readline shell grows from this.
 */
#include <lo/lo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int got, failed;
static char text[8192];

static int on_reply(const char *path, const char *types, lo_arg **argv, int argc, lo_message msg,
                    void *user)
{
	(void)msg, (void)user;
	got = 1;
	failed = strcmp(path, "/fail") == 0;
	text[0] = 0;
	if (argc >= 2 && (types[1] == LO_STRING))
		snprintf(text, sizeof text, "%s", (const char *)argv[1]);
	return 0;
}

static int send_line(lo_server s, lo_address to, const char *line, int timeout_ms)
{
	got = 0;
	if (lo_send_from(to, s, LO_TT_IMMEDIATE, "/cmd", "s", line) < 0) {
		fprintf(stderr, "chronus-send: cannot send: %s\n", lo_address_errstr(to));
		return 3;
	}
	for (int waited = 0; !got && waited < timeout_ms; waited += 10)
		lo_server_recv_noblock(s, 10);
	if (!got) {
		fprintf(stderr,
		        "chronus-send: no engine answered on %s:%s within %d ms; start one "
		        "with tools/run\n",
		        lo_address_get_hostname(to), lo_address_get_port(to), timeout_ms);
		return 3;
	}
	printf("%s: %s\n", failed ? "fail" : "done", text);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1", *port = "57130";
	int timeout_ms = 2000, a = 1;
	for (; a < argc && argv[a][0] == '-' && argv[a][1]; a++) {
		if (strcmp(argv[a], "-p") == 0 && a + 1 < argc)
			port = argv[++a];
		else if (strcmp(argv[a], "-H") == 0 && a + 1 < argc)
			host = argv[++a];
		else if (strcmp(argv[a], "-t") == 0 && a + 1 < argc)
			timeout_ms = atoi(argv[++a]);
		else {
			fprintf(stderr, "usage: chronus-send [-H host] [-p port] [-t timeout_ms] "
			                "[COMMAND ...]\n");
			return 2;
		}
	}
	lo_server s = lo_server_new_with_proto(NULL, LO_UDP, NULL);
	lo_address to = lo_address_new(host, port);
	if (!s || !to) {
		fprintf(stderr, "chronus-send: cannot open a UDP socket\n");
		return 3;
	}
	lo_server_add_method(s, NULL, NULL, on_reply, NULL);
	int status = 0, rc;
	if (a < argc) {
		for (; a < argc; a++)
			if ((rc = send_line(s, to, argv[a], timeout_ms)) > status)
				status = rc;
	} else {
		char line[2048];
		while (fgets(line, sizeof line, stdin)) {
			line[strcspn(line, "\r\n")] = 0;
			if (!line[0] || line[0] == '#')
				continue;
			if ((rc = send_line(s, to, line, timeout_ms)) > status)
				status = rc;
			if (rc == 3)
				break;
		}
	}
	lo_address_free(to);
	lo_server_free(s);
	return status;
}
