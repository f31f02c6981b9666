"""Exim's balanced binary trees, for the spool (Exim: tree.c).

Two things in the -H file depend on the exact shape of one of Exim's AVL trees:
the non-recipients list is the tree itself, written in preorder with ``Y``/``N``
child flags, and ACL variables are written by a preorder walk of the tree they were
inserted into. Reproducing those bytes means inserting as Exim does (Knuth's
algorithm, names compared as bytes) and walking as Exim does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pyexim.message import encode
from pyexim.record import record

_LEFT_HEAVY = 1
_RIGHT_HEAVY = 2


@record(slots=True, eq=False)
class TreeNode:
    """One node: its name, children, and Exim's balance mark (0, left- or right-heavy)."""

    name: str
    left: TreeNode | None = None
    right: TreeNode | None = None
    balance: int = 0


def _key(name: str) -> bytes:
    return encode(name)


class ExactTree:
    """An Exim tree of names: insert in Exim's way, keep the shape, walk it in preorder.

    ``ExactTree.from_names(names)`` inserts in order; ``preorder()`` is the order Exim
    writes them in. Inserting a name already present changes nothing, as in Exim.
    """

    def __init__(self, root: TreeNode | None = None):
        self.root = root

    @classmethod
    def from_names(cls, names: Iterable[str]) -> ExactTree:
        tree = cls()
        for name in names:
            tree.insert(name)
        return tree

    def __contains__(self, name: str) -> bool:
        key = _key(name)
        node = self.root
        while node is not None:
            other = _key(node.name)
            if key == other:
                return True
            node = node.left if key < other else node.right
        return False

    def __bool__(self) -> bool:
        return self.root is not None

    def __iter__(self) -> Iterator[str]:
        """Names in sorted (in-order) order."""
        def walk(node: TreeNode | None) -> Iterator[str]:
            if node is not None:
                yield from walk(node.left)
                yield node.name
                yield from walk(node.right)
        return walk(self.root)

    def preorder(self) -> list[str]:
        """Node, left subtree, right subtree: Exim's tree_walk and tree_write order."""
        out: list[str] = []
        stack = [self.root]
        while stack:
            node = stack.pop()
            if node is None:
                continue
            out.append(node.name)
            stack.append(node.right)
            stack.append(node.left)
        return out

    def insert(self, name: str) -> bool:
        """Add *name* as tree_insertnode() does; False when it was already there."""
        new = TreeNode(name)
        if self.root is None:
            self.root = new
            return True
        key = _key(name)
        # Walk down, remembering the deepest unbalanced node on the way (the only place a
        # rotation can be needed) and its parent.
        parent_of_pivot: TreeNode | None = None
        pivot = self.root
        parent: TreeNode | None = None
        node: TreeNode | None = self.root
        while node is not None:
            other = _key(node.name)
            if key == other:
                return False
            if node.balance != 0:
                pivot, parent_of_pivot = node, parent
            parent, node = node, (node.left if key < other else node.right)
        assert parent is not None
        if key < _key(parent.name):
            parent.left = new
        else:
            parent.right = new

        pivot_key = _key(pivot.name)
        went_right = key > pivot_key
        child = pivot.right if went_right else pivot.left
        assert child is not None
        # Mark the path below the pivot as leaning towards the new node.
        step: TreeNode | None = child
        while step is not None and step is not new:
            if key < _key(step.name):
                step.balance, step = _LEFT_HEAVY, step.left
            else:
                step.balance, step = _RIGHT_HEAVY, step.right

        direction = _RIGHT_HEAVY if went_right else _LEFT_HEAVY
        if pivot.balance == 0:
            pivot.balance = direction                 # the tree grew higher
            return True
        if pivot.balance != direction:
            pivot.balance = 0                         # it became more balanced
            return True

        # Out of balance: rotate.
        if child.balance == direction:
            top = child
            if direction == _RIGHT_HEAVY:
                pivot.right, child.left = child.left, pivot
            else:
                pivot.left, child.right = child.right, pivot
            pivot.balance = child.balance = 0
        else:
            grand = child.left if direction == _RIGHT_HEAVY else child.right
            if grand is None:
                return True                           # tree.c bails out on a corrupt tree
            top = grand
            if direction == _RIGHT_HEAVY:
                child.left, grand.right = grand.right, child
                pivot.right, grand.left = grand.left, pivot
            else:
                child.right, grand.left = grand.left, child
                pivot.left, grand.right = grand.right, pivot
            opposite = direction ^ 3
            pivot.balance = opposite if grand.balance == direction else 0
            child.balance = direction if grand.balance == opposite else 0
            grand.balance = 0

        if parent_of_pivot is None:
            self.root = top
        elif parent_of_pivot.left is pivot:
            parent_of_pivot.left = top
        else:
            parent_of_pivot.right = top
        return True

    def recompute_balance(self) -> None:
        """Reset balance marks from subtree depths, as spool_in.c does after reading a tree."""
        def depth(node: TreeNode | None) -> int:
            if node is None:
                return 0
            left, right = depth(node.left), depth(node.right)
            node.balance = _LEFT_HEAVY if left > right else _RIGHT_HEAVY if right > left else 0
            return 1 + max(left, right)
        depth(self.root)


def spool_order(names: Iterable[str]) -> list[str]:
    """The order in which Exim writes names it inserted into a tree in the given order.

    Used for ACL variables: pass them in the order they were first set.
    """
    return ExactTree.from_names(names).preorder()
