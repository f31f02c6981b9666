"""Integer expressions for ``${eval:}`` and ``${eval10:}`` (Exim: expand.c eval_expr).

64-bit signed arithmetic with C's behaviour: ``+ - * / % & | ^ ~ << >>``, parentheses,
K/M/G suffixes, numbers in C notation (``0x1F``, ``017``) unless decimal is forced.
Overflow wraps, except that Exim refuses some additions (its check is deliberately
conservative, and copied as it is). Errors carry Exim's wording and how much of
the expression had been read.
"""

from __future__ import annotations

from collections.abc import Callable

from pyexim.strings import DIGITS, SPACE, c_int64

MAX = (1 << 63) - 1
MIN = -(1 << 63)


class ArithError(Exception):
    """An expression Exim cannot evaluate; ``consumed`` is the text read before the error."""

    def __init__(self, message: str, consumed: str):
        super().__init__(message)
        self.message = message
        self.consumed = consumed


class _Expr:
    __slots__ = ("decimal", "error", "pos", "text")

    def __init__(self, text: str, decimal: bool):
        self.text = text
        self.pos = 0
        self.decimal = decimal
        self.error: str | None = None

    def ch(self, offset: int = 0) -> str:
        p = self.pos + offset
        return self.text[p] if p < len(self.text) else ""

    def skip_ws(self) -> str:
        while self.pos < len(self.text) and self.text[self.pos] in SPACE:
            self.pos += 1
        return self.ch()

    def number(self) -> int:
        c = self.skip_ws()
        if c and c in DIGITS:
            n = self._scan_number()
            suffix = self.ch().lower()
            if suffix in ("k", "m", "g") and suffix:
                n = c_int64(n * {"k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}[suffix])
                self.pos += 1
            self.skip_ws()
            return n
        if c == "(":
            self.pos += 1
            return self.expr(endket=True)
        self.error = "expecting number or opening parenthesis"
        return 0

    def _scan_number(self) -> int:
        """sscanf %lld (decimal) or %lli (C notation) at pos, clamping on overflow."""
        text, p = self.text, self.pos
        base = 10
        if not self.decimal and text[p] == "0":
            if text[p + 1:p + 2] in ("x", "X") and p + 2 < len(text) and (
                    text[p + 2] in "0123456789abcdefABCDEF"):
                base, p = 16, p + 2
            else:
                base = 8
        digits = "0123456789abcdef"[:base]
        start = p
        while p < len(text) and text[p].lower() in digits:
            p += 1
        value = int(text[start:p], base) if p > start else 0
        self.pos = p
        return min(value, MAX)

    def unary(self) -> int:
        c = self.skip_ws()
        if c and c in "+-~":
            self.pos += 1
            x = self.unary()
            if c == "-":
                x = c_int64(-x)
            elif c == "~":
                x = ~x
            return x
        return self.number()

    def mult(self) -> int:
        x = self.unary()
        if self.error:
            return x
        while self.ch() and self.ch() in "*/%":
            op = self.ch()
            self.pos += 1
            y = self.unary()
            if self.error:
                break
            if y == -1 and x == MIN and op != "*":
                # Exim dodges the one quotient that would trap: MIN / -1 gives MAX.
                x = MAX
                continue
            if op == "*":
                x = c_int64(x * y)
                continue
            if y == 0:
                self.error = "divide by zero" if op == "/" else "modulo by zero"
                x = 0
                break
            quotient = abs(x) // abs(y) * (1 if (x < 0) == (y < 0) else -1)
            x = quotient if op == "/" else x - quotient * y
        return x

    def sum(self) -> int:
        x = self.mult()
        if self.error:
            return x
        while self.ch() and self.ch() in "+-":
            op = self.ch()
            self.pos += 1
            y = self.mult()
            if self.error:
                break
            # Exim's "over-conservative check" tests x twice in its first half, so any
            # large left operand is refused: copied as it is.
            if x >= MAX // 2 or (x <= -(MAX // 2) and y <= -(MAX // 2)):
                self.error = "overflow in sum" if op == "+" else "overflow in difference"
                break
            x = c_int64(x + y if op == "+" else x - y)
        return x

    def shift(self) -> int:
        x = self.sum()
        if self.error:
            return x
        while self.ch() and self.ch() in "<>" and self.ch(1) == self.ch():
            op = self.ch()
            self.pos += 2
            y = self.sum()
            if self.error:
                break
            count = y & 63  # what the hardware does with a 64-bit shift count
            x = c_int64(x << count) if op == "<" else x >> count
        return x

    def _binary(self, operand: Callable[[], int], op: str) -> int:
        x = operand()
        if self.error:
            return x
        while self.ch() == op:
            self.pos += 1
            y = operand()
            if self.error:
                break
            x = x & y if op == "&" else x ^ y if op == "^" else x | y
        return x

    def and_(self) -> int:
        return self._binary(self.shift, "&")

    def xor(self) -> int:
        return self._binary(self.and_, "^")

    def or_(self) -> int:
        return self._binary(self.xor, "|")

    def expr(self, endket: bool) -> int:
        x = self.or_()
        if not self.error:
            if endket:
                if self.ch() != ")":
                    self.error = "expecting closing parenthesis"
                else:
                    self.pos += 1
                    self.skip_ws()
            elif self.ch():
                self.error = "expecting operator"
        return x


def evaluate(text: str, decimal: bool = False) -> int:
    """The value of expression *text*; ArithError with Exim's message when it is bad."""
    expr = _Expr(text, decimal)
    value = expr.expr(endket=False)
    if expr.error:
        raise ArithError(expr.error, text[:expr.pos])
    return value
