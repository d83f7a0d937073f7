"""RFT data: from judged trajectories to a decontaminated, deduplicated chat dataset (docs/rft.md).

selection.py      keep trajectories whose final code passes every test; single- or multi-turn
prompts.py        remove the reasoning/instruction prompt texts from user turns
dedup.py          MinHash-LSH near-copy detection on code
decontaminate.py  drop training problems close to an evaluation problem (statement or reference code)
build.py          the stage: the steps above in order, every removal recorded with its reason
cli.py            `mtcodegen rft-data`
"""
