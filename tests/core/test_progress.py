"""spiketeach.core.progress: a tqdm bar on a terminal, plain lines elsewhere, messages as before."""

import io

from spiketeach.core.progress import Progress, report


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_plain_lines_when_not_on_a_terminal():
    err, out = io.StringIO(), io.StringIO()
    progress = Progress("train", unit="ex", file=err, out=out)
    assert progress.plain
    progress("a message")
    report(progress, "block 1 (the line print would get)", done=10, total=40, train_err=0.5)
    report(progress, "block 2", done=20, total=40, train_err=0.25)
    lines = err.getvalue().splitlines()
    assert out.getvalue() == "a message\n"
    # one line per update; the first update starts the clock (its block compiled the code)
    assert lines[0].startswith("train: 10/40 ex [") and "?ex/s" in lines[0]
    assert lines[1].startswith("train: 20/40 ex [") and "ex/s, train_err=0.250]" in lines[1]
    assert "?ex/s" not in lines[1] and "\r" not in err.getvalue()


def test_a_bar_on_a_terminal():
    err, out = Terminal(), io.StringIO()
    with Progress("sweep", unit="trials", file=err, out=out) as progress:
        assert not progress.plain
        report(progress, "x", done=1, total=4, failed=0)
        progress("a message")
        report(progress, "x", done=4, total=4, failed=1)
    assert "\r" in err.getvalue() and "4/4" in err.getvalue() and "failed=1" in err.getvalue()
    assert "a message" in out.getvalue()


def test_report_hands_other_callables_the_message():
    lines = []
    report(lines.append, "block 1/2: ...", done=1, total=2, train_err=0.1)
    report(None, "nothing", done=1, total=2)
    assert lines == ["block 1/2: ..."]
