"""Metrics stage: pass@k, pass n@k, per-turn and per-difficulty rates, and the analyses of the paper
(similarity of consecutive attempts, non-code text, compute ledger), written as CSV tables (docs/metrics.md)."""
