"""Import guard for the text-only model stack (transformers, TRL, sentence-transformers).

transformers imports torchvision/torchaudio/torchcodec whenever they are installed, for image/audio/video
processors that a text model never uses. The project venv carries CUDA builds of them beside a CPU torch,
and importing those fails (torchvision::nms, libtorch_cuda.so). Marking them absent before transformers is
imported makes transformers take its text-only path; it changes nothing for text models.
"""

from __future__ import annotations

import sys

UNUSED_TORCH_EXTENSIONS = ("torchvision", "torchaudio", "torchcodec")


def hide_unused_torch_extensions() -> None:
    if "transformers" in sys.modules:
        return  # too late to matter; whoever imported it first decided
    for name in UNUSED_TORCH_EXTENSIONS:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]  # None makes `import name` raise ImportError
