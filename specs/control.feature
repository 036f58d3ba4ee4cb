# One grammar over OSC and in a tmux shell. Scenario ids are cited by their tests; the
# command reference itself is specs/grammar.md, generated from the command table.

Feature: the same command language for a person, a program and an agent
  As a musician in tmux, another tool speaking OSC, or an AI agent
  I want one language with a reply to every command
  So that I can patch a sound by typing, script it, or drive it from anything

  Scenario: GRAM-01 names default to the type, then type2, type3; a taken name is refused
  Scenario: GRAM-02 every command has a JSON reply with ok, command, text or error, and data
  Scenario: GRAM-03 patch chains, unpatch, every set form, and set .. over glides in its time
  Scenario: GRAM-04 sequence: 16th-note gates fall on exact frames at the tempo
    Given tempo 120 and sequence env: x...x...x...x... with play at 0.25 s
    Then the envelope starts at frames 12000 + 64 + k * 24000 (+1, its first sample is 0)
  Scenario: GRAM-05 melody: the notes named, one a beat
    Given melody lead: C3 E3 G3 C4 at 120 BPM
    Then each half second holds that note within 2 cents
  Scenario: GRAM-06 save then load reproduces the patch; a patch that fails to load changes nothing
  Scenario: GRAM-07 record writes the output to a WAV, only inside the working folder
  Scenario: GRAM-08 a typo gets a suggestion ("did you mean 'cutoff'?") and changes nothing
  Scenario: GRAM-09 a save that fails midway (the disk is full) leaves the old file whole
  Scenario: GRAM-10 specs/grammar.md is generated from the command table and matches it

  Scenario: OSC-01 oscsend drives the engine; oscdump, subscribed with /notify, hears it
  Scenario: OSC-02 python3-liblo: request ids, /json, timetags, /late, /notify notices

  Scenario: SEC-01 the engine listens on 127.0.0.1 only unless started with --listen
  Scenario: SEC-02 a module type is only a name found in the module folders, never a path
  Scenario: SEC-03 NaN, infinities, out-of-range values, wrong types and unknown addresses
    are refused with a reply and change nothing

  Scenario: FUZZ-01 100,000 random and mutated command lines: no crash, every reply valid,
    JSON replies valid JSON, output bounded, no leak under ASan
  Scenario: FUZZ-02 100,000 random and malformed OSC packets at a running engine: it lives,
    answers, and bad values never change a parameter

  Scenario: SHELL-01 the shell in tmux: a typo and its error, replies, TAB completion of types,
    ports and parameters, notices above a half-typed line, history between sessions
  Scenario: SHELL-02 the shell in scripts: -c, files, pipes, exit statuses 0/1/3, --json lines
