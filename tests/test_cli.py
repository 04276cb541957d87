import pytest

from spiketeach.cli import figure_scripts, main


def test_figures_lists_the_scripts(capsys):
    assert main(["figures"]) == 0
    out = capsys.readouterr().out
    assert "samadi2017-fig2" in out and "samadi2017-fig2" in figure_scripts()


def test_unknown_figure_and_device(capsys):
    assert main(["figure", "nosuch-fig"]) == 2
    assert "unknown figure 'nosuch-fig'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["demo", "--device", "tpu"])


def test_figure_runs_quick_through_the_cli(tmp_path):
    assert main(["figure", "samadi2017-fig1", "--quick", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "fig1.json").exists() and (tmp_path / "fig1.png").exists()


def test_figure_hands_its_own_options_to_the_script(capsys):
    # --epochs is the Fig. 5 script's option, not the command's: it reaches the script's parser
    with pytest.raises(SystemExit):
        main(["figure", "samadi2017-fig5", "--epochs", "9-layer=1"])
    assert "unknown configuration '9-layer'" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # other commands still refuse what they do not know
        main(["demo", "--epochs", "3"])
    assert "unrecognized arguments: --epochs 3" in capsys.readouterr().err
