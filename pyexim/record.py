"""Typed records: what ``dataclasses.dataclass`` does for pyexim, at a fraction of its start-up cost.

pyexim holds its data in some two hundred small classes (options, expansion nodes, SMTP
events, routed addresses). With ``dataclasses`` each of them cost about 0.35 ms when its
module was imported - five or six methods generated as source and compiled - and importing
``dataclasses`` itself pulls in ``inspect``, ``ast``, ``dis`` and ``tokenize``, another 11 ms.
On ``pyexim -bt``, a command administrators run by hand and expect to answer at once, that
was half of the run time. ``record`` makes the same classes in a few microseconds:

- ``__init__`` is generated as dataclasses generates it (so creating an instance is just as
  fast), but compiled only once the class has made COMPILE_AFTER instances; until then a
  shared function binds the arguments, so a class made a few times costs no compiling;
- ``__eq__``, ``__hash__`` and ``__repr__`` are shared functions driven by the class's
  field names, and a frozen record's ``__setattr__`` is one shared function that refuses.

The subset is the one pyexim uses, with dataclasses' meaning: ``record(frozen=, slots=,
kw_only=, eq=, repr=)``, ``field(default=, default_factory=, compare=, repr=, kw_only=)``,
``replace()`` and ``__post_init__``. Annotations are read as the strings ``from __future__
import annotations`` leaves, and never evaluated; ``ClassVar[...]`` ones are not fields.
Type checkers treat ``record`` as dataclasses (PEP 681, ``dataclass_transform``).
"""

from __future__ import annotations

from operator import attrgetter

# typing costs milliseconds to import, and records are on every command's path.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar, dataclass_transform

    T = TypeVar("T")
else:
    def dataclass_transform(**_kwargs):
        # typing.dataclass_transform only marks the function for type checkers.
        return lambda function: function


class FrozenInstanceError(AttributeError):
    """Assigning to (or deleting) a field of a frozen record."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

# The default an __init__ parameter gets when its field has a default_factory: the
# factory is called inside __init__, once per instance.
_FACTORY: Any = type("_Factory", (), {"__repr__": lambda self: "<factory>"})()


class Field:
    """One field of a record: its name, how it defaults, and whether it takes part in
    equality (``compare``) and in ``repr``."""

    __slots__ = ("compare", "default", "default_factory", "kw_only", "name", "repr")

    def __init__(self, default: Any, default_factory: Any, compare: bool, repr: bool,
                 kw_only: bool | None) -> None:
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.compare = compare
        self.repr = repr
        self.kw_only = kw_only

    def has_default(self) -> bool:
        return self.default is not MISSING or self.default_factory is not MISSING


def field(*, default: Any = MISSING, default_factory: Any = MISSING, compare: bool = True,
          repr: bool = True, kw_only: bool | None = None) -> Any:
    """Describe a field whose default, comparison or repr is not the plain one."""
    if default is not MISSING and default_factory is not MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return Field(default, default_factory, compare, repr, kw_only)


@dataclass_transform(field_specifiers=(field,))
def record(cls: type[T] | None = None, /, *, frozen: bool = False, slots: bool = False,
           kw_only: bool = False, eq: bool = True, repr: bool = True) -> Any:
    """Make *cls* a record (used as ``@record`` or ``@record(frozen=True, ...)``)."""
    def wrap(cls: type[T]) -> type[T]:
        return _make_record(cls, frozen=frozen, slots=slots, kw_only=kw_only, eq=eq,
                            with_repr=repr)
    return wrap if cls is None else wrap(cls)


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of the record *obj* with the fields named in *changes* set to new values."""
    values = {name: getattr(obj, name) for name in type(obj).__record_fields__}  # type: ignore[attr-defined]
    unknown = changes.keys() - values.keys()
    if unknown:
        raise TypeError(f"{type(obj).__qualname__} has no field {min(unknown)!r}")
    values.update(changes)
    return type(obj)(**values)


def _make_record(cls: type[T], *, frozen: bool, slots: bool, kw_only: bool, eq: bool,
                 with_repr: bool) -> type[T]:
    fields: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        base_fields = base.__dict__.get("__record_fields__")
        if base_fields is not None:
            if base.__dict__["__record_frozen__"] != frozen:
                raise TypeError(f"{cls.__qualname__}: a frozen and a non-frozen record "
                                f"cannot inherit from each other ({base.__qualname__})")
            fields.update(base_fields)
    own_fields = []
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        if _is_class_var(annotation):
            continue
        value = cls.__dict__.get(name, MISSING)
        if isinstance(value, Field):
            spec = value
        else:
            spec = Field(value, MISSING, True, True, None)
            if type(value) in (list, dict, set):
                raise ValueError(f"{cls.__qualname__}.{name}: a mutable default "
                                 f"{type(value).__name__} is shared by every instance; "
                                 f"use field(default_factory=...)")
        spec.name = name
        if spec.kw_only is None:
            spec.kw_only = kw_only
        fields[name] = spec
        own_fields.append(spec)

    # As with dataclasses, a plain default stays a class attribute (unless slots take its
    # place) and a field() object does not.
    for spec in own_fields:
        if spec.name in cls.__dict__:
            if slots or spec.default is MISSING:
                delattr(cls, spec.name)
            elif isinstance(cls.__dict__[spec.name], Field):
                setattr(cls, spec.name, spec.default)
    if slots:
        cls = _with_slots(cls, [spec.name for spec in own_fields])

    _check_order(cls, fields)
    names = tuple(fields)
    own = cls.__dict__
    methods: dict[str, Any] = {
        "__record_fields__": fields,
        "__record_frozen__": frozen,
        "__match_args__": tuple(name for name, spec in fields.items() if not spec.kw_only),
    }
    if "__init__" not in own:
        methods["__init__"] = _lazy_init(cls, fields, frozen)
    if with_repr and "__repr__" not in own:
        methods["__repr__"] = _repr_function(
            tuple(name for name, spec in fields.items() if spec.repr))
    compared = attrgetter(*[name for name, spec in fields.items() if spec.compare]
                          or ["__class__"])
    if eq and "__eq__" not in own:
        methods["__eq__"] = _eq_function(compared)
    # dataclasses' rule: an equality-comparing record is hashable by its compared fields
    # when frozen, unhashable when not, unless the class wrote its own __hash__.
    explicit_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
    if eq and not explicit_hash:
        methods["__hash__"] = _hash_function(compared) if frozen else None
    if frozen:
        methods["__setattr__"] = _frozen_setattr(cls, names)
        methods["__delattr__"] = _frozen_delattr(cls, names)
        if slots:
            # Unpickling sets slots with setattr, which a frozen record refuses.
            methods["__getstate__"] = _slots_getstate(names)
            methods["__setstate__"] = _frozen_setstate(names)
    for name, value in methods.items():
        type.__setattr__(cls, name, value)
    return cls


def _with_slots(cls: type[T], names: list[str]) -> type[T]:
    """*cls* made again with ``__slots__`` for its own fields (a class cannot gain slots
    once made)."""
    inherited = {slot for base in cls.__mro__[1:] for slot in base.__dict__.get("__slots__", ())}
    namespace = dict(cls.__dict__)
    namespace["__slots__"] = tuple(name for name in names if name not in inherited)
    namespace.pop("__dict__", None)
    namespace.pop("__weakref__", None)
    metaclass: Any = type(cls)
    remade: type[T] = metaclass(cls.__name__, cls.__bases__, namespace)
    return remade


def _is_class_var(annotation: object) -> bool:
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    return text in ("ClassVar", "typing.ClassVar") or text.startswith(
        ("ClassVar[", "typing.ClassVar["))


def _check_order(cls: type, fields: dict[str, Field]) -> None:
    """Refuse a positional field without a default after one with, as Python would refuse
    the __init__ (checked now, not when the first instance is made)."""
    defaulted = ""
    for name, spec in fields.items():
        if spec.kw_only:
            continue
        if spec.has_default():
            defaulted = defaulted or name
        elif defaulted:
            raise TypeError(f"{cls.__qualname__}: non-default argument {name!r} follows "
                            f"default argument {defaulted!r}")


# How many instances a record makes with the interpreted __init__ before it compiles
# its own: compiling costs about as much as fifty interpreted calls, and most records on
# a quick command's path are made only a handful of times.
COMPILE_AFTER = 50


def _lazy_init(cls: type, fields_by_name: dict[str, Field], frozen: bool) -> Callable[..., None]:
    """An ``__init__`` that binds arguments by walking the fields, and after
    COMPILE_AFTER calls (or at the first call it cannot bind, so that Python words the
    TypeError) puts the compiled one in its place."""
    fields = tuple(fields_by_name.values())
    set_field = object.__setattr__ if frozen else setattr
    post_init = hasattr(cls, "__post_init__")
    calls = 0

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        values = _bind(fields, args, kwargs) if calls <= COMPILE_AFTER else None
        if values is None:
            compiled = _compile_init(cls)
            type.__setattr__(cls, "__init__", compiled)
            compiled(self, *args, **kwargs)
            return
        for spec, value in zip(fields, values):
            set_field(self, spec.name, value)
        if post_init:
            self.__post_init__()
    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


def _bind(fields: tuple[Field, ...], args: tuple[Any, ...],
          kwargs: dict[str, Any]) -> list[Any] | None:
    """Each field's value for a call with *args* and *kwargs*, or None when the call is
    wrong (a missing, unknown or doubled argument)."""
    values = []
    taken = named = 0
    for spec in fields:
        if not spec.kw_only and taken < len(args):
            if spec.name in kwargs:
                return None
            values.append(args[taken])
            taken += 1
        elif spec.name in kwargs:
            values.append(kwargs[spec.name])
            named += 1
        elif spec.default_factory is not MISSING:
            values.append(spec.default_factory())
        elif spec.default is not MISSING:
            values.append(spec.default)
        else:
            return None
    if taken != len(args) or named != len(kwargs):
        return None
    return values


def _compile_init(cls: type) -> Callable[..., None]:
    """The generated ``__init__`` of *cls*: one assignment per field, defaults taken
    from the globals the code is compiled with."""
    fields: dict[str, Field] = cls.__dict__["__record_fields__"]
    frozen: bool = cls.__dict__["__record_frozen__"]
    namespace: dict[str, Any] = {"_FACTORY": _FACTORY, "_setattr": object.__setattr__}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for name, spec in fields.items():
        parameter = name
        value = name
        if spec.default_factory is not MISSING:
            namespace[f"_factory_{name}"] = spec.default_factory
            parameter = f"{name}=_FACTORY"
            value = f"_factory_{name}() if {name} is _FACTORY else {name}"
        elif spec.default is not MISSING:
            namespace[f"_default_{name}"] = spec.default
            parameter = f"{name}=_default_{name}"
        (keyword if spec.kw_only else positional).append(parameter)
        body.append(f"_setattr(self, {name!r}, {value})" if frozen else f"self.{name} = {value}")
    if hasattr(cls, "__post_init__"):
        body.append("self.__post_init__()")
    parameters = ["self", *positional, *(["*", *keyword] if keyword else [])]
    source = f"def __init__({', '.join(parameters)}):\n    " + "\n    ".join(body or ["pass"])
    exec(compile(source, f"<record {cls.__qualname__}>", "exec"), namespace)
    function: Callable[..., None] = namespace["__init__"]
    function.__qualname__ = f"{cls.__qualname__}.__init__"
    return function


def _repr_function(names: tuple[str, ...]) -> Callable[[Any], str]:
    def __repr__(self: Any) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{type(self).__qualname__}({shown})"
    return __repr__


def _eq_function(compared: Callable[[Any], Any]) -> Callable[[Any, object], Any]:
    def __eq__(self: Any, other: object) -> Any:
        if other.__class__ is self.__class__:
            return compared(self) == compared(other)
        return NotImplemented
    return __eq__


def _hash_function(compared: Callable[[Any], Any]) -> Callable[[Any], int]:
    def __hash__(self: Any) -> int:
        return hash(compared(self))
    return __hash__


def _frozen_setattr(cls: type, names: tuple[str, ...]) -> Callable[[Any, str, Any], None]:
    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)
    return __setattr__


def _frozen_delattr(cls: type, names: tuple[str, ...]) -> Callable[[Any, str], None]:
    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        object.__delattr__(self, name)
    return __delattr__


def _slots_getstate(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    def __getstate__(self: Any) -> tuple[Any, ...]:
        return tuple([getattr(self, name) for name in names])
    return __getstate__


def _frozen_setstate(names: tuple[str, ...]) -> Callable[[Any, tuple[Any, ...]], None]:
    def __setstate__(self: Any, state: tuple[Any, ...]) -> None:
        for name, value in zip(names, state):
            object.__setattr__(self, name, value)
    return __setstate__
