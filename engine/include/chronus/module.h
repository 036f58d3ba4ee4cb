/*
 * chronus/module.h — the module ABI.
 *
 * A chronus module is one shared object exporting one const descriptor, `chronus_module`,
 * of type cx_module_t. The engine probes the descriptor in a throw-away process, copies its
 * tables, and loads the object in worker processes that render it. Nothing else is exported:
 * build modules with -fvisibility=hidden and use CX_MODULE_EXPORT.
 *
 * Threading. Every function pointer below carries a context tag:
 *   [worker]  called in a worker process, off the realtime path (may take time, may not fail
 *             loudly: it has nobody to report to but its return value);
 *   [rt]      called in a worker's render loop, once per block: the realtime rules apply.
 * A module never sees the engine's threads, OSC or JACK.
 *
 * Ownership. All state is one flat blob of `state_size` bytes, owned by the engine and kept in
 * shared memory. It holds no pointers (it is mapped at different addresses in different
 * processes, and it survives a worker respawn and a hot reload), so delay lines and tables live
 * inside it, sized for their worst case. Port buffers and events are owned by the engine and
 * valid only for the duration of one process() call.
 *
 * THE REALTIME RULES (cited everywhere as "the RT rules in module.h"). Code tagged [rt] — a
 * module's process(), a worker's render loop, the engine's JACK callback — must not:
 *   1. allocate or free memory (no malloc, calloc, realloc, free, new, no VLA sized by input);
 *   2. take a lock or wait on anything (no mutex, no semaphore, no condition variable);
 *   3. make a system call, except the single futex wake the engine uses to start workers
 *      (no I/O, no printf, no clock other than the vDSO's, no signals, no mmap);
 *   4. loop without a bound known before the loop starts (frames, ports, events, voices);
 *   5. fail: on bad input clamp, output silence, set a flag, and count it. Never abort.
 * A module's output must stay finite for any parameter and input values, including NaN and
 * infinities at its inputs.
 *
 * Signals (specs/signals.md): every port carries one float per sample. Audio is nominal ±1.0
 * (full scale at the JACK port). Pitch CV is 1 V/octave, 0 V = C4 = 261.6256 Hz. Gates and
 * triggers are high above 0.5.
 */
#ifndef CHRONUS_MODULE_H
#define CHRONUS_MODULE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The major version must match the engine's exactly; a higher minor version than the engine
 * knows is accepted (fields past what the engine knows are ignored, as struct_size tells). */
#define CX_ABI_VERSION_MAJOR 1u
#define CX_ABI_VERSION_MINOR 2u
#define CX_ABI_VERSION       ((CX_ABI_VERSION_MAJOR << 16) | CX_ABI_VERSION_MINOR)

/* Table limits the engine enforces when it loads a module. */
#define CX_PORTS_MAX      16u /* inputs, and separately outputs */
#define CX_PARAMS_MAX     64u
#define CX_NAME_MAX       24u /* type, port and parameter names, including the NUL */
#define CX_STATE_SIZE_MAX (64u << 20)

/* The name of the one exported symbol. */
#define CX_MODULE_SYMBOL "chronus_module"

typedef enum cx_port_kind {
	CX_PORT_AUDIO = 0, /* ±1.0 nominal */
	CX_PORT_CV = 1,    /* volts: 1 V/oct for pitch, 0..1 or ±1 for modulation */
	CX_PORT_GATE = 2,  /* high above 0.5 */
} cx_port_kind_t;

typedef struct cx_port_info {
	const char *name; /* short word a user types: "in", "pitch", "gate" */
	uint32_t kind;    /* cx_port_kind_t */
	float def;        /* an input's value while no cable is patched into it (vca.cv: 1) */
	const char *help; /* one line */
} cx_port_info_t;

enum cx_param_flags {
	CX_PARAM_LOG = 1u << 0,     /* displayed and ramped on a log scale (freq, time) */
	CX_PARAM_INTEGER = 1u << 1, /* whole numbers only; the engine rounds */
	CX_PARAM_ENUM = 1u << 2,    /* integer index into enum_names[min..max] */
	CX_PARAM_NO_RAMP = 1u << 3, /* steps at its event's frame (modes, switches) */
};

typedef struct cx_param_info {
	uint32_t id;      /* stable for the life of the module type; never reused */
	const char *name; /* short word a user types: "freq", "cutoff", "decay" */
	const char *unit; /* "Hz", "s", "dB", "" */
	float min, max, def;
	uint32_t flags;                /* cx_param_flags */
	const char *const *enum_names; /* CX_PARAM_ENUM: names for values min..max; else NULL */
	const char *help;              /* one line */
} cx_param_info_t;

/* An event in a block: a parameter taking a new value at a frame. Events reach process()
 * sorted by frame (ties keep the order they were sent in); `frame` < frames. The module
 * ramps continuous parameters from their previous value (CX_PARAM_NO_RAMP: steps). */
typedef enum cx_event_kind {
	CX_EVENT_PARAM = 0,
} cx_event_kind_t;

typedef struct cx_event {
	uint32_t frame; /* offset in this block */
	uint16_t kind;  /* cx_event_kind_t */
	uint16_t index; /* parameter index in the descriptor's table */
	float value;    /* already clamped to [min, max], finite, rounded for INTEGER/ENUM */
} cx_event_t;

/* Everything process() gets for one block. Input buffers are never NULL: an input with no
 * cable reads the value the user set for it (the port's `def` until then), as a buffer; an
 * input with cables reads their sum. Output buffers are
 * never NULL and must be written in full. Buffers do not alias each other. */
typedef struct cx_process {
	uint32_t frames;          /* 0 <= frames <= frames_max given to init */
	float sample_rate;        /* Hz */
	uint64_t frame_time;      /* engine frame at this block's first sample */
	const float *const *in;   /* in[in_count][frames] */
	float *const *out;        /* out[out_count][frames] */
	const cx_event_t *events; /* sorted by frame */
	uint32_t event_count;
	const float *host_in[2]; /* the engine's stereo audio input for this block */
	/* ABI 1.1: the engine's transport, for sequencers and tempo-synced modules. While
	 * playing, the beat at frame i of the block is beat + i * beats_per_frame; a beat below 0
	 * means the transport starts within this block (at frame -beat / beats_per_frame). */
	double tempo_bpm;       /* beats (quarter notes) per minute */
	double beat;            /* transport position at this block's first frame, in beats */
	double beats_per_frame; /* tempo_bpm / 60 / sample_rate */
	uint32_t playing;       /* 1 while the transport runs (play), 0 when stopped */
} cx_process_t;

enum cx_module_flags {
	/* The module is a sink: the engine mixes its first two outputs (left, right) to its
	 * audio outputs. The engine may run one replica of a sink per worker. */
	CX_MODULE_SINK = 1u << 0,
};

typedef struct cx_module {
	uint32_t abi_version;   /* CX_ABI_VERSION */
	uint32_t struct_size;   /* sizeof(cx_module_t) as the module was built */
	const char *type;       /* stable type id a user types: "vco"; [a-z][a-z0-9_]* */
	const char *summary;    /* one line: what it is */
	uint32_t version;       /* the module's own release number */
	uint32_t state_version; /* bumped when the state blob's layout changes */
	uint32_t flags;         /* cx_module_flags */
	uint32_t state_size;    /* bytes of the state blob, at most CX_STATE_SIZE_MAX */

	uint32_t in_count;
	const cx_port_info_t *ins;
	uint32_t out_count;
	const cx_port_info_t *outs;
	uint32_t param_count;
	const cx_param_info_t *params;

	/* Sets up a zeroed state blob: coefficients for sample_rate, parameters at their given
	 * values with no ramp pending. params[i] is the value of params[i] of the table, already
	 * clamped. frames_max bounds every later process() call. [worker] */
	void (*init)(void *state, const float *params, float sample_rate, uint32_t frames_max);

	/* Renders one block. Follows the RT rules above. [rt] */
	void (*process)(void *state, const cx_process_t *p);

	/* Returns the DSP state to silence (voices off, delay lines cleared), keeping parameter
	 * values. May be NULL: the engine then calls init again with the current values. [worker]
	 */
	void (*reset)(void *state);

	/* Hot reload: builds new_state (already init'ed with the current parameter values) from
	 * old_state written by state layout old_version. Returns 0, or -1 when it cannot (the DSP
	 * state then restarts). May be NULL: parameters carry over by id and the DSP restarts.
	 * [worker] */
	int (*migrate)(void *new_state, const void *old_state, uint32_t old_version);

	/* ABI 1.2, optional (NULL: the module takes no data). Takes audio the engine read from a
	 * file for it (`sample INST FILE.wav`): frame_count frames, interleaved by channel, at
	 * file_rate Hz. The module copies what it keeps into its state (sized for its longest
	 * sample) and returns the frames it kept, or -1 to refuse the data. Called in the worker
	 * between blocks, never during process(). [worker] */
	int32_t (*load)(void *state, const float *frames, uint32_t frame_count, uint32_t channels,
	                float file_rate);
} cx_module_t;

/* The smallest descriptor the engine accepts: ABI 1.0's, which ended with migrate. */
#define CX_MODULE_SIZE_1_0 (offsetof(cx_module_t, migrate) + sizeof(void (*)(void)))

/* Put before the one exported descriptor: CX_MODULE_EXPORT cx_module_t chronus_module = {...}; */
#if defined(__cplusplus)
#define CX_MODULE_EXPORT extern "C" __attribute__((visibility("default"))) const
#else
#define CX_MODULE_EXPORT __attribute__((visibility("default"))) const
#endif

#ifdef __cplusplus
}
#endif

#endif /* CHRONUS_MODULE_H */
