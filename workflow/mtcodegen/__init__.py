"""mtcodegen: multi-turn code generation experiments (arXiv 2410.08105), stage by stage."""

__version__ = "0.1.0"
