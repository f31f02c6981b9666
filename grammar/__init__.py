"""The Lark grammars of pyexim, installed as the package pyexim.grammar."""
