/* jack_driver.c — see jack_driver.h. */
#include "jack_driver.h"

#include <jack/jack.h>
#include <jack/thread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cx_jack {
	jack_client_t *client;
	jack_port_t *in[2], *out[2];
	cx_engine_t *engine;
	_Atomic int dead;
};

/* The JACK process callback: one engine period. [rt] */
static int process(jack_nframes_t nframes, void *arg)
{
	cx_jack_t *j = arg;
	const float *in[2];
	float *out[2];
	for (int c = 0; c < 2; c++) {
		in[c] = jack_port_get_buffer(j->in[c], nframes);
		out[c] = jack_port_get_buffer(j->out[c], nframes);
	}
	cx_engine_period(j->engine, nframes, in, out);
	return 0;
}

static int on_bufsize(jack_nframes_t nframes, void *arg)
{
	cx_jack_t *j = arg;
	cx_engine_set_format(j->engine, 0, nframes);
	return 0;
}

static int on_srate(jack_nframes_t rate, void *arg)
{
	cx_jack_t *j = arg;
	if (j->engine)
		cx_engine_set_format(j->engine, rate, 0);
	return 0;
}

static int on_xrun(void *arg)
{
	cx_jack_t *j = arg;
	cx_engine_xrun(j->engine);
	return 0;
}

static void on_shutdown(void *arg)
{
	cx_jack_t *j = arg;
	atomic_store(&j->dead, 1);
}

static void quiet(const char *msg)
{
	(void)msg;
}

static void loud(const char *msg)
{
	fprintf(stderr, "chronusd: JACK: %s\n", msg);
}

int cx_jack_open(cx_jack_t **out, const char *name, const char *server, uint32_t *sample_rate,
                 uint32_t *frames, char *err, size_t errlen)
{
	cx_jack_t *j = calloc(1, sizeof *j);
	if (!j)
		return -1;
	jack_status_t status;
	jack_options_t opts = JackNoStartServer | JackUseExactName;
	if (server)
		opts |= JackServerName;
	jack_set_error_function(quiet); /* our own message below says it once, clearly */
	j->client = jack_client_open(name, opts, &status, server);
	jack_set_error_function(loud);
	if (!j->client) {
		const char *srv = server ? server : getenv("JACK_DEFAULT_SERVER");
		if (status & JackNameNotUnique)
			snprintf(err, errlen,
			         "a JACK client named '%s' already exists; pick another "
			         "--name",
			         name);
		else
			snprintf(err, errlen,
			         "no JACK server '%s' is running; start one (tools/run does, or: "
			         "jackd -d dummy -r 48000 -p 64 &)",
			         srv ? srv : "default");
		free(j);
		return -1;
	}
	static const char *in_names[2] = {"in_L", "in_R"}, *out_names[2] = {"out_L", "out_R"};
	for (int c = 0; c < 2; c++) {
		j->in[c] = jack_port_register(j->client, in_names[c], JACK_DEFAULT_AUDIO_TYPE,
		                              JackPortIsInput, 0);
		j->out[c] = jack_port_register(j->client, out_names[c], JACK_DEFAULT_AUDIO_TYPE,
		                               JackPortIsOutput | JackPortIsTerminal, 0);
		if (!j->in[c] || !j->out[c]) {
			snprintf(err, errlen, "cannot register JACK ports");
			jack_client_close(j->client);
			free(j);
			return -1;
		}
	}
	*sample_rate = jack_get_sample_rate(j->client);
	*frames = jack_get_buffer_size(j->client);
	*out = j;
	return 0;
}

int cx_jack_activate(cx_jack_t *j, cx_engine_t *e, int connect, char *err, size_t errlen)
{
	j->engine = e;
	jack_set_process_callback(j->client, process, j);
	jack_set_buffer_size_callback(j->client, on_bufsize, j);
	jack_set_sample_rate_callback(j->client, on_srate, j);
	jack_set_xrun_callback(j->client, on_xrun, j);
	jack_on_shutdown(j->client, on_shutdown, j);
	if (jack_is_realtime(j->client))
		cx_engine_set_rt_priority(e, jack_client_real_time_priority(j->client));
	if (jack_activate(j->client) != 0) {
		snprintf(err, errlen, "cannot activate the JACK client");
		return -1;
	}
	if (!connect)
		return 0;
	const char **ports = jack_get_ports(j->client, NULL, JACK_DEFAULT_AUDIO_TYPE,
	                                    JackPortIsPhysical | JackPortIsInput);
	for (int c = 0; ports && c < 2 && ports[c]; c++)
		jack_connect(j->client, jack_port_name(j->out[c]), ports[c]);
	if (ports && ports[0] && !ports[1]) /* mono device: both sides to it */
		jack_connect(j->client, jack_port_name(j->out[1]), ports[0]);
	jack_free(ports);
	return 0;
}

void cx_jack_connections(cx_jack_t *j, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = 0;
	for (int c = 0; c < 2; c++) {
		const char **to = jack_port_get_connections(j->out[c]);
		for (int k = 0; to && to[k] && n + 64 < len; k++)
			n += (size_t)snprintf(buf + n, len - n, "%s%s -> %s", n ? ", " : "",
			                      jack_port_short_name(j->out[c]), to[k]);
		jack_free(to);
	}
}

int cx_jack_dead(const cx_jack_t *j)
{
	return atomic_load(&j->dead);
}

void cx_jack_close(cx_jack_t *j)
{
	if (!j)
		return;
	jack_deactivate(j->client);
	jack_client_close(j->client);
	free(j);
}

int cx_jack_rt_priority(const cx_jack_t *j)
{
	return jack_is_realtime(j->client) ? jack_client_real_time_priority(j->client) : 0;
}
