"""The figure scripts' shared plotting (spiketeach.plotting)."""

import json
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from spiketeach.plotting import finish, letter_panels, matrix_raster, save_figure  # noqa: E402


def test_save_figure_writes_a_whole_png_and_closes_the_figure(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    path = save_figure(fig, tmp_path / "sub" / "f.png", dpi=50)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in path.parent.iterdir()] == ["f.png"]  # no temporary left
    assert not plt.fignum_exists(fig.number)


def test_finish_writes_png_and_json_with_the_wall_time(tmp_path):
    fig, _ = plt.subplots()
    start = time.perf_counter() - 2.0
    result = finish(fig, tmp_path, "fig", {"ours": {"x": np.float64(1.5)}, "wall_s": None},
                    start, dpi=50)
    data = json.loads((tmp_path / "fig.json").read_text())
    assert (tmp_path / "fig.png").is_file()
    assert data["ours"] == {"x": 1.5}
    assert data["wall_s"] == result["wall_s"] >= 2.0


def test_letter_panels_prefix_titles_in_row_major_order():
    fig, axes = plt.subplots(2, 2)
    for k, ax in enumerate(axes.ravel()):
        ax.set_title(f"panel {k}")
    letter_panels(axes)
    assert [ax.get_title(loc="left") for ax in axes.ravel()] == \
        ["A  panel 0", "B  panel 1", "C  panel 2", "D  panel 3"]
    assert all(ax.get_title() == "" for ax in axes.ravel())
    plt.close(fig)


def test_matrix_raster_puts_a_tick_at_each_spike_numbered_from_first():
    fig, ax = plt.subplots()
    spikes = np.zeros((4, 3))
    spikes[1, 2] = spikes[3, 0] = 1
    matrix_raster(ax, spikes, np.arange(4) * 0.5, first=10, title="r")
    line = ax.get_lines()[0]
    assert line.get_xdata().tolist() == [0.5, 1.5]
    assert line.get_ydata().tolist() == [12, 10]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("time [ms]", "neuron", "r")
    plt.close(fig)
