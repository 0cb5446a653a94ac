from tally import tally


def test_tally() -> None:
    assert tally(["a", "b", "a"]) == {"a": 2, "b": 1}
