/* record.c — see record.h. */
#include "record.h"

#include <errno.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CHUNK 4096u

static struct {
	SNDFILE *f;
	char path[1024], part[1040];
	uint64_t frames, written;
	uint32_t rate;
} rec;

static float chunk[CHUNK * 2u];

int cx_record_start(cx_engine_t *e, const char *path, double seconds, char *err, size_t errlen)
{
	if (rec.f) {
		snprintf(err, errlen, "already recording %s", rec.path);
		return -1;
	}
	cx_status_t st;
	cx_engine_status(e, &st);
	if (!(seconds > 0.0 && seconds <= 3600.0)) {
		snprintf(err, errlen, "record takes 0 to 3600 seconds, not %g", seconds);
		return -1;
	}
	snprintf(rec.path, sizeof rec.path, "%s", path);
	snprintf(rec.part, sizeof rec.part, "%s.part", path);
	SF_INFO info = {.samplerate = (int)st.sample_rate,
	                .channels = 2,
	                .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT};
	rec.f = sf_open(rec.part, SFM_WRITE, &info);
	if (!rec.f) {
		snprintf(err, errlen, "cannot write %s: %s", rec.part, sf_strerror(NULL));
		return -1;
	}
	rec.rate = st.sample_rate;
	rec.frames = (uint64_t)llround(seconds * st.sample_rate);
	rec.written = 0;
	if (cx_engine_tap_start(e, rec.frames) != 0) {
		sf_close(rec.f);
		rec.f = NULL;
		unlink(rec.part);
		snprintf(err, errlen, "the engine's recording tap is busy");
		return -1;
	}
	return 0;
}

int cx_record_poll(cx_engine_t *e, char *msg, size_t len)
{
	if (!rec.f)
		return 0;
	uint64_t left = 1, overruns = 0;
	uint32_t n;
	while ((n = cx_engine_tap_read(e, chunk, CHUNK, &left, &overruns)) > 0) {
		if (sf_writef_float(rec.f, chunk, n) != (sf_count_t)n) {
			snprintf(msg, len, "recording %s failed: %s", rec.path, sf_strerror(rec.f));
			cx_engine_tap_stop(e);
			sf_close(rec.f);
			rec.f = NULL;
			unlink(rec.part);
			return 1;
		}
		rec.written += n;
	}
	if (left || rec.written + overruns < rec.frames)
		return 0;
	sf_close(rec.f);
	rec.f = NULL;
	if (rename(rec.part, rec.path) != 0) {
		snprintf(msg, len, "recorded, but cannot rename %s to %s: %s", rec.part, rec.path,
		         strerror(errno));
		return 1;
	}
	snprintf(msg, len, "recorded %s: %.3f s%s", rec.path, (double)rec.written / rec.rate,
	         overruns ? " (some frames lost: the writer fell behind)" : "");
	return 1;
}

int cx_record_busy(char *msg, size_t len)
{
	if (!rec.f)
		return 0;
	snprintf(msg, len, "%s, %.1f s of %.1f s written", rec.path, (double)rec.written / rec.rate,
	         (double)rec.frames / rec.rate);
	return 1;
}

void cx_record_stop(cx_engine_t *e)
{
	if (!rec.f)
		return;
	cx_engine_tap_stop(e);
	rec.frames = rec.written; /* the next poll finishes the file */
}
