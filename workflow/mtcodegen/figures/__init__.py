"""Figures of the paper, drawn from the metrics tables (docs/metrics.md). Every figure always builds: a panel
whose cells are absent from the run (no RFT model, a single instruction...) says so instead of disappearing."""
