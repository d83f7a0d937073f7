"""Work around torch extension packages (torchvision, torchaudio, torchcodec) built for another torch.

PyPI only has CUDA builds of torchvision, and the pinned torchaudio targets an older torch; next to the
CPU-only torch their C extensions fail to load, and transformers, which imports them whenever they are
installed, then cannot even build a Llama model. Nothing here needs them (text models only), so when one is
broken we hide it: transformers then sees it as absent. Call :func:`hide_broken_torch_extensions` before
importing transformers, peft or vllm (the model fixtures of tests/conftest.py do).
"""

from __future__ import annotations

import importlib
import logging
import sys

log = logging.getLogger(__name__)
EXTENSIONS = ("torchvision", "torchaudio", "torchcodec")
_hidden: set[str] = set()
_checked = False


def hide_broken_torch_extensions() -> set[str]:
    """The extension packages that failed to import and are now hidden from this process (and forked ones)."""
    global _checked
    if _checked:
        return set(_hidden)
    _checked = True
    for name in EXTENSIONS:
        if name in sys.modules:
            continue  # already imported (fine) or already hidden
        try:
            importlib.import_module(name)
        except ImportError:
            continue  # absent: transformers already copes
        except (RuntimeError, OSError) as err:  # e.g. "operator torchvision::nms does not exist"
            for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
                del sys.modules[module]
            sys.modules[name] = None  # importlib.util.find_spec now answers None: "not installed"
            _hidden.add(name)
            log.warning("%s does not match the installed torch (%s); hiding it, text models do not need it",
                        name, str(err).splitlines()[0][:120])
    if _hidden and "transformers.utils.import_utils" in sys.modules:
        # transformers was imported first and may have cached "torchvision is available": forget that.
        import_utils = sys.modules["transformers.utils.import_utils"]
        for value in vars(import_utils).values():
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()
    return set(_hidden)


def patch_vllm_subprocesses() -> None:
    """vLLM inspects model classes in a fresh ``python -m`` subprocess, which would meet the broken extensions
    again; its registry exposes the command for exactly this kind of change. Its engine core is a *spawned*
    process on CPU, which would too: run it in this process instead (one engine, no loss for offline use)."""
    if not hide_broken_torch_extensions():
        return
    import os

    os.environ["VLLM_ENABLE_V1_MULTIPROCESSING"] = "0"
    from vllm.model_executor.models import registry

    registry._SUBPROCESS_COMMAND = [
        sys.executable, "-c",
        "import runpy, mtcodegen.models.torch_env as env; env.hide_broken_torch_extensions(); "
        "runpy.run_module('vllm.model_executor.models.registry', run_name='__main__', alter_sys=True)",
    ]
