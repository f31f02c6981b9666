"""pyexim.record: records behave as the dataclasses they replace."""

from __future__ import annotations

import pickle
import re
import subprocess
import sys
from typing import ClassVar

import pytest

from pyexim.record import COMPILE_AFTER, FrozenInstanceError, field, record, replace


@record(frozen=True, slots=True)
class Point:
    """A frozen record with slots, a default and a field left out of equality."""

    x: int
    y: int = 0
    tags: list[str] = field(default_factory=list, compare=False, repr=False)
    LIMIT: ClassVar[int] = 10
    ClassVariety: int = 5  # a field, whatever its name


@record
class Mutable:
    name: str
    items: list[int] = field(default_factory=list)
    count: int = 3


@record(kw_only=True)
class Options:
    first: int
    second: str = "b"


@record(frozen=True)
class Base:
    a: int


@record(frozen=True)
class Derived(Base):
    b: int = 2


@record(eq=False)
class Identity:
    value: int


@record
class Checked:
    value: int
    doubled: int = field(default=0, kw_only=True)

    def __post_init__(self) -> None:
        self.doubled = self.value * 2


def test_init_positional_keyword_and_defaults() -> None:
    assert (Point(1).x, Point(1).y, Point(1, 2).y, Point(x=3, y=4).x) == (1, 0, 2, 3)
    assert Options(first=1) == Options(first=1, second="b")
    with pytest.raises(TypeError, match="positional"):
        Options(1)  # type: ignore[misc]
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'x'"):
        Point()  # type: ignore[call-arg]


def test_default_factory_gives_each_instance_its_own_value() -> None:
    first, second = Mutable("a"), Mutable("b")
    first.items.append(1)
    assert (first.items, second.items, first.count) == ([1], [], 3)


def test_plain_default_stays_a_class_attribute_unless_slots_replace_it() -> None:
    assert Mutable.count == 3
    assert "items" not in Mutable.__dict__
    assert Point.__slots__ == ("x", "y", "tags", "ClassVariety")
    assert Point.LIMIT == 10
    with pytest.raises(AttributeError):
        Point(1).__dict__  # noqa: B018 - slots: no instance dictionary


def test_equality_and_hash_use_compared_fields_of_the_same_class() -> None:
    assert Point(1, 2, ["a"]) == Point(1, 2, ["b"])
    assert hash(Point(1, 2, ["a"])) == hash(Point(1, 2))
    assert Point(1) != Point(2)
    assert Derived(1) != Base(1)
    assert Derived(1, 2) == Derived(1)
    with pytest.raises(TypeError, match="unhashable"):
        hash(Mutable("a"))
    assert Identity(1) != Identity(1)


def test_repr_names_fields_and_skips_repr_false() -> None:
    assert repr(Point(1, 2, ["t"])) == "Point(x=1, y=2, ClassVariety=5)"
    assert repr(Derived(5)) == "Derived(a=5, b=2)"


def test_frozen_refuses_assignment_and_deletion() -> None:
    point = Point(1)
    with pytest.raises(FrozenInstanceError):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del point.y
    assert isinstance(FrozenInstanceError(), AttributeError)


def test_post_init_runs_after_fields_are_set() -> None:
    assert Checked(4).doubled == 8


def test_replace_copies_and_changes_named_fields() -> None:
    point = Point(1, 2, ["a"])
    moved = replace(point, y=5)
    assert (moved.x, moved.y, moved.tags, point.y) == (1, 5, ["a"], 2)
    with pytest.raises(TypeError, match="no field 'z'"):
        replace(point, z=1)


@pytest.mark.parametrize("value", [Point(1, 2, ["a"]), Derived(3), Mutable("m", [1]),
                                   Options(first=2)], ids=repr)
def test_pickle_round_trip(value: object) -> None:
    assert pickle.loads(pickle.dumps(value)) == value


def test_mutable_default_and_field_order_are_refused_when_the_class_is_made() -> None:
    with pytest.raises(ValueError, match="default_factory"):
        @record
        class Shared:
            items: list[int] = []  # noqa: RUF012 - the mistake under test
    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument 'a'"):
        @record
        class Disordered:
            a: int = 1
            b: int  # type: ignore[misc]


def test_frozen_and_mutable_records_do_not_mix() -> None:
    with pytest.raises(TypeError, match="frozen"):
        @record
        class Thawed(Base):
            c: int = 0


def test_records_do_not_import_dataclasses_or_typing() -> None:
    code = ("import sys, pyexim.record; "
            "print(sorted({'dataclasses', 'typing', 'inspect'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


def test_interpreted_and_compiled_init_agree() -> None:
    @record(frozen=True, slots=True)
    class Sample:
        a: int
        b: list[int] = field(default_factory=list)
        c: str = field(default="c", kw_only=True)

    made = [Sample(1), Sample(1, [2], c="d"), Sample(a=3)]
    assert "Sample.__init__" in Sample.__init__.__qualname__
    interpreted = Sample.__init__
    for _ in range(COMPILE_AFTER + 1):
        Sample(0)
    assert Sample.__init__ is not interpreted  # compiled now
    assert [Sample(1), Sample(1, [2], c="d"), Sample(a=3)] == made
    assert Sample(1).b is not Sample(1).b


@pytest.mark.parametrize("args, kwargs, message", [
    ((), {}, "missing 1 required positional argument: 'a'"),
    ((1, 2, 3), {}, "takes from 2 to 3 positional arguments but 4 were given"),
    ((1,), {"a": 2}, "got multiple values for argument 'a'"),
    ((1,), {"z": 2}, "got an unexpected keyword argument 'z'"),
])
def test_a_wrong_call_gets_pythons_own_type_error(args: tuple[int, ...],
                                                   kwargs: dict[str, int], message: str) -> None:
    @record
    class Pair:
        a: int
        b: int = 0

    with pytest.raises(TypeError, match=re.escape(message)):
        Pair(*args, **kwargs)
