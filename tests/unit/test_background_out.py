"""Output written from its own thread: a write never waits on a reader that stopped
reading, what could not wait is counted and said, and the order is kept."""

import fcntl
import os
import re
import threading
import time

from scalp_tui.background_out import BackgroundOut

F_SETPIPE_SZ = 1031  # Linux: the pipe's buffer size


def small_pipe() -> tuple[int, object]:
    read_fd, write_fd = os.pipe()
    fcntl.fcntl(write_fd, F_SETPIPE_SZ, 4096)
    return read_fd, os.fdopen(write_fd, "w")


def read_all(fd: int) -> str:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks).decode()


def test_writes_go_on_while_nobody_reads_and_the_loss_is_said_in_its_place() -> None:
    read_fd, target = small_pipe()
    out = BackgroundOut(target, max_pending=100)
    line = "x" * 99
    start = time.monotonic()
    for i in range(1_000):  # ~100 kB into a 4 kB pipe nobody reads
        print(f"{i:04d}{line}", file=out)
    assert time.monotonic() - start < 1.0  # a blocking print would wait here forever
    assert out.dropped_lines > 0
    # the reader comes back: what was held comes out, each batch with its count, and
    # lines written once the output moves again are written whole
    reader_text: list[str] = []
    thread = threading.Thread(target=lambda: reader_text.append(read_all(read_fd)))
    thread.start()
    out.drain(wait_s=5)
    for i in range(3):
        print(f"after {i}", file=out)
    out.close(wait_s=5)
    target.close()
    thread.join(5)
    lines = reader_text[0].splitlines()
    assert lines[-3:] == ["after 0", "after 1", "after 2"]
    # each count stands exactly where its lines would have been: the numbering jumps
    # by what the notice before it says (one notice per batch that lost lines)
    expected, said = 0, 0
    notice = re.compile(r"\.\.\. (\d+) log lines not written: the output was not being read")
    for text in lines[:-3]:
        if (match := notice.fullmatch(text)) is not None:
            expected += int(match.group(1))
            said += int(match.group(1))
        else:
            assert text == f"{expected:04d}{line}"
            expected += 1
    assert expected == 1_000 and said == out.dropped_lines > 0


def test_close_lets_the_pending_lines_out() -> None:
    read_fd, target = small_pipe()
    out = BackgroundOut(target)
    for i in range(50):
        print(f"line {i}", file=out)
    out.close()
    target.close()
    assert read_all(read_fd).splitlines() == [f"line {i}" for i in range(50)]


def test_a_reader_gone_ends_the_writing_without_an_error() -> None:
    read_fd, target = small_pipe()
    out = BackgroundOut(target)
    os.close(read_fd)
    for i in range(10_000):
        print(f"line {i}", file=out)  # EPIPE behind it: never raised here
    start = time.monotonic()
    out.close(wait_s=5)
    assert time.monotonic() - start < 1.0


def test_drain_returns_once_everything_written_so_far_is_out() -> None:
    import io

    gate = threading.Event()

    class SlowStream(io.StringIO):
        def write(self, text: str) -> int:
            gate.wait(5)  # a terminal that takes its time
            time.sleep(0.01)
            return super().write(text)

    target = SlowStream()
    out = BackgroundOut(target)
    for i in range(3):
        print(f"line {i}", file=out)
    assert target.getvalue() == ""  # still on its way
    gate.set()
    out.drain()
    # a start error printed on stderr now comes after every event line
    assert target.getvalue() == "line 0\nline 1\nline 2\n"
    out.close()


def test_a_line_is_kept_or_dropped_whole() -> None:
    import io

    gate, entered = threading.Event(), threading.Event()

    class StuckStream(io.StringIO):
        def write(self, text: str) -> int:
            entered.set()
            gate.wait(5)
            return super().write(text)

    target = StuckStream()
    out = BackgroundOut(target, max_pending=1)
    print("a", file=out)
    assert entered.wait(5)  # the writer took "a" and waits in the stream
    print("b", file=out)  # queued: the one place
    print("c", file=out)  # no place: dropped with its newline, never half of it
    gate.set()
    out.close()
    assert target.getvalue() == "a\nb\n... 1 log lines not written: the output was not being read\n"
