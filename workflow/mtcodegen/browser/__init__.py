"""Static HTML trajectory browser: one page per cell, built from its judged trajectories, opened from the file
system with no server (docs/browser.md). ``build`` writes a page, ``payload`` computes what it shows,
``outcomes`` classifies trajectories, ``pages`` lays the pages of a plan out, ``headless`` drives Chromium for
the tests and the load benchmark."""
