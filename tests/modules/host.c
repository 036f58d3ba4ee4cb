/*
 * host.c — see host.h.
 */
#include "host.h"

#include <dlfcn.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOST_ALIGN 64u

static int host_check(const cx_module_t *d, const char *path)
{
	const char *why = NULL;
	if ((d->abi_version >> 16) != CX_ABI_VERSION_MAJOR)
		why = "ABI major version differs from the host's";
	else if (d->struct_size < sizeof(cx_module_t))
		why = "struct_size is smaller than this host's cx_module_t";
	else if (d->type == NULL || d->init == NULL || d->process == NULL)
		why = "type, init or process is missing";
	else if (d->in_count > CX_PORTS_MAX || d->out_count > CX_PORTS_MAX)
		why = "too many ports";
	else if (d->param_count > CX_PARAMS_MAX)
		why = "too many parameters";
	else if (d->state_size == 0 || d->state_size > CX_STATE_SIZE_MAX)
		why = "state_size is 0 or above CX_STATE_SIZE_MAX";
	for (uint32_t i = 0; why == NULL && i < d->param_count; i++) {
		const cx_param_info_t *p = &d->params[i];
		if (!(p->min <= p->def && p->def <= p->max))
			why = "a parameter default lies outside [min, max]";
		else if ((p->flags & CX_PARAM_ENUM) && p->enum_names == NULL)
			why = "an enum parameter has no names";
		else if (strlen(p->name) >= CX_NAME_MAX)
			why = "a parameter name is too long";
	}
	if (why != NULL) {
		fprintf(stderr, "%s: %s\n", path, why);
		return -1;
	}
	return 0;
}

int host_open(host_module_t *m, const char *path, float sample_rate_hz, uint32_t frames_max)
{
	memset(m, 0, sizeof *m);
	m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (m->dl == NULL) {
		fprintf(stderr, "cannot load %s: %s\n", path, dlerror());
		return -1;
	}
	m->desc = (const cx_module_t *)dlsym(m->dl, CX_MODULE_SYMBOL);
	if (m->desc == NULL) {
		fprintf(stderr, "%s exports no %s\n", path, CX_MODULE_SYMBOL);
		dlclose(m->dl);
		return -1;
	}
	if (host_check(m->desc, path) != 0) {
		dlclose(m->dl);
		return -1;
	}
	size_t size = (m->desc->state_size + HOST_ALIGN - 1) / HOST_ALIGN * HOST_ALIGN;
	m->state = aligned_alloc(HOST_ALIGN, size);
	if (m->state == NULL) {
		dlclose(m->dl);
		return -1;
	}
	m->sample_rate_hz = sample_rate_hz;
	m->frames_max = frames_max;
	for (uint32_t i = 0; i < m->desc->param_count; i++)
		m->params[i] = m->desc->params[i].def;
	host_init(m);
	return 0;
}

void host_open_or_die(host_module_t *m, const char *path, float sample_rate_hz, uint32_t frames_max)
{
	if (host_open(m, path, sample_rate_hz, frames_max) != 0)
		exit(1);
}

void host_init(host_module_t *m)
{
	memset(m->state, 0, m->desc->state_size);
	m->desc->init(m->state, m->params, m->sample_rate_hz, m->frames_max);
}

void host_close(host_module_t *m)
{
	free(m->state);
	if (m->dl != NULL)
		dlclose(m->dl);
	memset(m, 0, sizeof *m);
}

static uint32_t host_find(const host_module_t *m, const char *what, const char *name,
                          uint32_t count, const char *(*name_of)(const cx_module_t *, uint32_t))
{
	for (uint32_t i = 0; i < count; i++)
		if (strcmp(name_of(m->desc, i), name) == 0)
			return i;
	fprintf(stderr, "module %s has no %s named '%s'\n", m->desc->type, what, name);
	exit(1);
}

static const char *host_param_name(const cx_module_t *d, uint32_t i)
{
	return d->params[i].name;
}

static const char *host_in_name(const cx_module_t *d, uint32_t i)
{
	return d->ins[i].name;
}

static const char *host_out_name(const cx_module_t *d, uint32_t i)
{
	return d->outs[i].name;
}

uint32_t host_param(const host_module_t *m, const char *name)
{
	return host_find(m, "parameter", name, m->desc->param_count, host_param_name);
}

uint32_t host_in(const host_module_t *m, const char *name)
{
	return host_find(m, "input", name, m->desc->in_count, host_in_name);
}

uint32_t host_out(const host_module_t *m, const char *name)
{
	return host_find(m, "output", name, m->desc->out_count, host_out_name);
}

static float host_clamp_param(const cx_param_info_t *p, float value)
{
	value = value < p->min ? p->min : value > p->max ? p->max : value;
	if (p->flags & (CX_PARAM_ENUM | CX_PARAM_INTEGER))
		value = roundf(value);
	return value;
}

void host_set(host_module_t *m, const char *name, float value)
{
	uint32_t i = host_param(m, name);
	m->params[i] = host_clamp_param(&m->desc->params[i], value);
}

void host_set_transport(host_module_t *m, double tempo_bpm, double beat, uint32_t playing)
{
	m->tempo_bpm = tempo_bpm;
	m->beat = beat;
	m->playing = playing;
}

static double host_beats_per_frame(const host_module_t *m)
{
	return m->tempo_bpm / 60.0 / (double)m->sample_rate_hz;
}

void host_process(host_module_t *m, uint32_t frames, const float *const *in, float *const *out,
                  const cx_event_t *events, uint32_t event_count)
{
	cx_process_t p = {
	    .frames = frames,
	    .sample_rate = m->sample_rate_hz,
	    .frame_time = 0,
	    .in = in,
	    .out = out,
	    .events = events,
	    .event_count = event_count,
	    .host_in = {NULL, NULL},
	    .tempo_bpm = m->tempo_bpm,
	    .beat = m->beat,
	    .beats_per_frame = host_beats_per_frame(m),
	    .playing = m->playing,
	};
	m->desc->process(m->state, &p);
}

void host_render(host_module_t *m, uint64_t frames, uint32_t block, const float *const *in,
                 float *const *out, const host_event_t *events, uint32_t event_count)
{
	const cx_module_t *d = m->desc;
	float *in_buf[CX_PORTS_MAX], *out_buf[CX_PORTS_MAX];
	cx_event_t *block_events = calloc(event_count + 1u, sizeof *block_events);
	for (uint32_t i = 0; i < d->in_count; i++)
		in_buf[i] = host_alloc(block);
	for (uint32_t i = 0; i < d->out_count; i++)
		out_buf[i] = host_alloc(block);
	uint32_t next_event = 0;
	for (uint64_t pos = 0; pos < frames; pos += block) {
		uint32_t n = frames - pos < block ? (uint32_t)(frames - pos) : block;
		for (uint32_t i = 0; i < d->in_count; i++)
			for (uint32_t j = 0; j < n; j++)
				in_buf[i][j] =
				    in != NULL && in[i] != NULL ? in[i][pos + j] : d->ins[i].def;
		uint32_t count = 0;
		for (; next_event < event_count && events[next_event].frame < pos + n;
		     next_event++) {
			const host_event_t *e = &events[next_event];
			const cx_param_info_t *info = &d->params[e->param];
			float value = host_clamp_param(info, e->value);
			m->params[e->param] = value;
			block_events[count++] = (cx_event_t){
			    .frame = e->frame > pos ? (uint32_t)(e->frame - pos) : 0,
			    .kind = CX_EVENT_PARAM,
			    .index = (uint16_t)e->param,
			    .value = value,
			};
		}
		host_process(m, n, (const float *const *)in_buf, out_buf, block_events, count);
		if (m->playing)
			m->beat += (double)n * host_beats_per_frame(m);
		for (uint32_t i = 0; i < d->out_count; i++)
			if (out != NULL && out[i] != NULL)
				memcpy(out[i] + pos, out_buf[i], n * sizeof(float));
	}
	for (uint32_t i = 0; i < d->in_count; i++)
		free(in_buf[i]);
	for (uint32_t i = 0; i < d->out_count; i++)
		free(out_buf[i]);
	free(block_events);
}

void host_write_wav(const char *name, const float *x, uint64_t frames, float sample_rate_hz)
{
	const char *dir = getenv("CX_TEST_WAV_DIR");
	if (dir == NULL || dir[0] == '\0')
		return;
	char path[4096];
	snprintf(path, sizeof path, "%s/%s.wav", dir, name);
	SF_INFO info = {
	    .samplerate = (int)sample_rate_hz,
	    .channels = 1,
	    .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT,
	};
	SNDFILE *f = sf_open(path, SFM_WRITE, &info);
	if (f == NULL) {
		fprintf(stderr, "cannot write %s: %s\n", path, sf_strerror(NULL));
		return;
	}
	sf_write_float(f, x, (sf_count_t)frames);
	sf_close(f);
}

float *host_alloc(uint64_t n)
{
	float *p = calloc(n > 0 ? n : 1, sizeof(float));
	if (p == NULL) {
		fprintf(stderr, "out of memory for %llu floats\n", (unsigned long long)n);
		exit(1);
	}
	return p;
}
