# The engine's behaviour. Each scenario id is cited by the test that covers it;
# tools/spec-check (run in the test suite) fails when an id has no test.
# Ids from the seed's plan are kept where a scenario meets one (RT-, PROC-, MUS-).

Feature: A JACK client that mixes what worker processes render
  As a musician or a program driving chronus
  I want sound that keeps playing whatever a module does
  So that a crash or a slow module never costs the beat

  Scenario: ENG-01 offline renders are reproducible
    Given a script of commands
    When chronus-render renders it twice
    Then the two WAV files are bit-identical

  Scenario: ENG-02 an event lands on its exact frame (MUS-02)
    Given a vca whose unpatched input steps to 1 at 0.5 s (frame 24000 at 48 kHz)
    When the engine renders with 64-frame periods
    Then the first non-zero output sample is frame 24064: the frame named plus one period

  Scenario: ENG-03 feedback loops are legal
    Given vcf > vca > vcf with the loop gain above 1
    When it renders for 2 s
    Then every sample is finite and within full scale (the safety limiter holds it)

  Scenario: ENG-04 a failing command changes nothing and says why
    Given a script with a duplicate name and a misspelt parameter
    Then each failing line is reported by number with what was wrong and what would be right
    And the lines that are right still take effect

  Scenario: ENG-05 an unpatched input reads its default
    Given a vca with nothing in its cv input
    Then it passes its input (cv reads 1.0)

  Scenario: PLAN-01 audio chains stay on one worker, in topological order
    Given a chain patched in any order of creation
    Then its modules run source first on one shard, with no cable delay

  Scenario: PLAN-02 groups are spread over workers and keep their place
    Given two independent voices and two workers
    Then they run on different workers, and a new instance does not move them

  Scenario: PLAN-03 a cable that closes a loop is delayed one block
    Given a -> b -> a, or a module patched into itself
    Then exactly one cable of the loop reads the previous period

  Scenario: PLAN-04 every voice reaches the output with the same latency
    Given voices on different workers patched to out
    Then each worker's replica of out takes its own voices without delay

  Scenario: ABI-01 the loader rejects bad modules with a reason
    Given modules with a wrong ABI version, no descriptor, min above max, two ports of one
      name, no process(), or a type id that differs from the file name
    Then each is rejected with a sentence naming the fault, and nothing else changes

  Scenario: ABI-02 a module that crashes while loading costs only its probe
    Given a module whose constructor crashes
    Then the probe process dies and the engine process does not

  Scenario: ABI-03 every module loads, checks and processes zero frames
  Scenario: ABI-04 the module header compiles as strict C11 and as C++

  Scenario: RING-01 the control-to-callback ring loses and reorders nothing

  Scenario: INT-01 chronusd comes up as a JACK client with stereo ports
    Given a private JACK dummy server
    When chronusd starts
    Then it prints a ready line and has ports out_L, out_R, in_L, in_R

  Scenario: INT-02 a patched oscillator sounds at its pitch on out_L (MUS-01)
    Given vco sine 440 Hz patched to out
    Then a recording of out_L has its peak at 440 Hz within 1 %, and at 220 Hz after a set

  Scenario: INT-03 bad commands over OSC fail with a reason and change nothing

  Scenario: INT-04 a second engine with the same name refuses to start

  Scenario: INT-05 the engine follows JACK's buffer size as it changes
    Given a sine playing at 64 frames
    When JACK's buffer size becomes 256, then 32, then 64
    Then status reports each size and out_L carries the sine again after each change

  Scenario: PROC-04 a clean shutdown leaves no process and no shared memory
    Given a running engine with workers
    When it gets SIGTERM
    Then it exits 0, its zygote and workers are gone, and its segment is unlinked

  Scenario: PROC-05 a crashed engine's leftovers are cleaned at the next start
    Given an engine killed with SIGKILL
    Then its zygote and workers die with it, and the next engine of that name starts

  Scenario: PROC-03 killing a worker costs only its modules' sound, briefly
    Given two voices on two workers
    When one worker is killed with SIGKILL while they play
    Then the engine keeps answering, the other voice plays on, the worker is respawned,
      status shows the death and its signal, and both voices play again

  Scenario: RT-04 the realtime path makes no allocation, lock or stray system call
    Given chronusd under an LD_PRELOAD trap that counts calls from realtime threads
    When a patch plays with gates and parameter changes
    Then the JACK callback and the workers' render loops made none
    And the trap itself catches a deliberate allocation (it can fail)
