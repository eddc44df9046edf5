import pytest

from seg.bench import timing as benchmark


def test_interleaved_calls_pause_untimed_after_each_cpu_call(monkeypatch):
    clock, order = [0.0], []

    def sleep(seconds):  # a fake clock: only the pause and the calls move it
        clock[0] += seconds
        order.append("pause")

    def call(name, cost):
        def run():
            clock[0] += cost
            order.append(name)

        return run

    monkeypatch.setattr(benchmark.time, "sleep", sleep)
    monkeypatch.setattr(benchmark.time, "perf_counter", lambda: clock[0])
    times = benchmark.time_interleaved({"a": call("a", 0.010), "b": call("b", 0.020)}, iters=2)
    # One call per runner in turn, each followed by the pause, which lies outside the timed span.
    assert order == ["a", "pause", "b", "pause", "a", "pause", "b", "pause"]
    assert benchmark.PAUSE_S > 0 and clock[0] == pytest.approx(2 * (0.010 + 0.020) + 4 * benchmark.PAUSE_S)
    assert times == {"a": pytest.approx([0.010, 0.010]), "b": pytest.approx([0.020, 0.020])}
