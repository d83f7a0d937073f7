"""`mtcodegen rft-loss-figure`: one curve per finetune from its loss.csv; bad inputs get a clear error."""

from __future__ import annotations

from mtcodegen.cli import main


def _write_curve(path, losses):
    path.write_text("step,epoch,loss,learning_rate,grad_norm\n"
                    + "".join(f"{i + 1},{i / 10},{loss},1e-4,0.5\n" for i, loss in enumerate(losses)))
    return path


def test_figure_is_written_as_pdf_and_png(tmp_path):
    a = _write_curve(tmp_path / "a.csv", [1.0, 0.8, 0.7])
    b = _write_curve(tmp_path / "b.csv", [1.2, 0.9])
    assert main(["rft-loss-figure", "--curve", f"lora={a}", "--curve", f"full={b}",
                 "--out", str(tmp_path / "fig" / "rft_loss")]) == 0
    for suffix in (".pdf", ".png"):
        assert (tmp_path / "fig" / f"rft_loss{suffix}").stat().st_size > 1000


def test_a_curve_without_steps_is_a_clear_error(tmp_path, capsys):
    empty = _write_curve(tmp_path / "empty.csv", [])
    assert main(["rft-loss-figure", "--curve", f"x={empty}", "--out", str(tmp_path / "f")]) == 2
    assert "no logged training steps" in capsys.readouterr().err
