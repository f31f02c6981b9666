"""Exim's balanced tree: insertion shapes and the preorder Exim writes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pyexim.spool.tree import ExactTree, spool_order


def shape(tree: ExactTree) -> str:
    def walk(node) -> str:
        if node is None:
            return "."
        return f"({walk(node.left)} {node.name} {walk(node.right)})"
    return walk(tree.root)


def test_ascending_inserts_rotate_like_knuth() -> None:
    tree = ExactTree.from_names(["a", "b", "c"])
    assert shape(tree) == "((. a .) b (. c .))"
    assert spool_order(["a", "b", "c"]) == ["b", "a", "c"]


def test_double_rotation() -> None:
    assert shape(ExactTree.from_names(["a", "c", "b"])) == "((. a .) b (. c .))"
    assert shape(ExactTree.from_names(["c", "a", "b"])) == "((. a .) b (. c .))"


def test_duplicates_are_ignored() -> None:
    tree = ExactTree()
    assert tree.insert("x") and not tree.insert("x")
    assert list(tree) == ["x"] and "x" in tree and "y" not in tree


def test_names_compare_as_bytes() -> None:
    # strcmp order: upper case before lower case, 8-bit after ASCII
    assert list(ExactTree.from_names(["b", "B", "\u00e9", "a"])) == ["B", "a", "b", "\u00e9"]


def height(node) -> int:
    return 0 if node is None else 1 + max(height(node.left), height(node.right))


@given(st.lists(st.text(min_size=1, max_size=5), max_size=60))
def test_tree_stays_balanced_sorted_and_complete(names: list[str]) -> None:
    tree = ExactTree.from_names(names)
    assert list(tree) == sorted(set(names), key=lambda s: s.encode("utf-8", "surrogateescape"))

    def check(node) -> None:
        if node is not None:
            assert abs(height(node.left) - height(node.right)) <= 1
            check(node.left)
            check(node.right)
    check(tree.root)
