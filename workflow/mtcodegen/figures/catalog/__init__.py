"""One module per figure, each with its caption beside it (<name>.rst); the registry (../registry.py) finds
them here. Modules whose name starts with ``_`` are helpers, not figures."""
