# The module library, templates and the seed's session. Scenario ids are cited by their tests;
# each module's quality figures are in its own tests under tests/modules/<type>/, and its
# reference is docs/modules.md, generated from the descriptors.

Feature: modules that sound right, measured, and a session that plays as typed
  As a musician
  I want drums, sources, filters, effects and modulators that do what their names say
  So that I can build a track from the shell without studying the modules first

  Scenario: TPL-01 a shipped template is created like a type, with its own params; info shows inside
  Scenario: TPL-02 define writes a template that works at once; a broken one is refused with its line
  Scenario: TPL-03 add EFFECT to NAME puts the effect between NAME and where it went; amount is its mix
  Scenario: TPL-04 save and load keep a template instance, its values and its cables
  Scenario: SEED-01 the seed's session, exactly as typed, sounds like what it says
    Given create kick freq=60 decay=0.5; create hihat noise=white decay=0.05
    And sequence kick: x...x...x...x...; sequence hihat: ..x...x...x...x.; play
    And create bass osc=saw filter=lowpass cutoff=500; melody bass: C2 C2 G2 Eb2; play all
    And add reverb to bass amount=0.3; save patch "deep_groove"
    Then the kick sounds on every beat at 60 Hz, the hats on the off-beats,
      the bass plays C2 C2 G2 Eb2 in time, the reverb rings between its notes,
      and deep_groove holds the patch
