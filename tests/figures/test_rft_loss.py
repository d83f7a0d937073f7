"""`mtcodegen figure rft_loss`: one curve per finetune from its loss.csv; bad inputs get a clear error; a
finetune skipped for lack of RFT data is named with its reason instead of a curve."""

from __future__ import annotations

from mtcodegen.cli import main


def _write_curve(path, losses):
    path.write_text("step,epoch,loss,learning_rate,grad_norm\n"
                    + "".join(f"{i + 1},{i / 10},{loss},1e-4,0.5\n" for i, loss in enumerate(losses)))
    return path


def test_figure_is_written_as_pdf_and_png(tmp_path):
    a = _write_curve(tmp_path / "a.csv", [1.0, 0.8, 0.7])
    b = _write_curve(tmp_path / "b.csv", [1.2, 0.9])
    assert main(["figure", "rft_loss", "--curve", f"lora={a}", "--curve", f"full={b}",
                 "--out-prefix", str(tmp_path / "fig" / "rft_loss")]) == 0
    for suffix in (".pdf", ".png"):
        assert (tmp_path / "fig" / f"rft_loss{suffix}").stat().st_size > 1000


def test_a_curve_without_steps_is_a_clear_error(tmp_path, capsys):
    empty = _write_curve(tmp_path / "empty.csv", [])
    assert main(["figure", "rft_loss", "--curve", f"x={empty}", "--out-prefix", str(tmp_path / "f")]) == 2
    assert "no logged training steps" in capsys.readouterr().err


def test_without_curves_the_figure_says_which_option_it_needs(tmp_path, capsys):
    assert main(["figure", "rft_loss", "--out-prefix", str(tmp_path / "f")]) == 2
    assert "--curve" in capsys.readouterr().err


def test_the_curves_drawn_are_the_logged_losses_and_a_skipped_finetune_says_why(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from mtcodegen.skipped import write_skip

    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    a = _write_curve(tmp_path / "a" / "loss.csv", [1.0, 0.8, 0.7])
    skipped = _write_curve(tmp_path / "b" / "loss.csv", [])
    write_skip(tmp_path / "b" / "model", stage="finetune", reason="the RFT data is empty: nothing passed")
    drawn = []
    monkeypatch.setattr(plt, "close", lambda fig: drawn.append(fig))
    assert main(["figure", "rft_loss", "--curve", f"lora={a}", "--curve", f"none={skipped}",
                 "--out-prefix", str(tmp_path / "f")]) == 0
    (fig,) = drawn
    (line,) = fig.axes[0].get_lines()
    assert list(line.get_xdata()) == [1, 2, 3] and list(line.get_ydata()) == [1.0, 0.8, 0.7]
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "none: not trained" in texts and "the RFT data is empty" in texts
