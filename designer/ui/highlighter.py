"""Python syntax highlighting for the code view.

A small left-to-right scanner rather than a stack of overlapping regexes: a `#` inside a
string or a keyword inside a docstring must not be coloured, and only a scanner that
consumes strings before it looks for comments gets that right. Triple-quoted strings span
blocks through QSyntaxHighlighter's block states.
"""

from __future__ import annotations

import builtins
import keyword
import re

from PySide6.QtGui import QColor, QFont, QPalette, QSyntaxHighlighter, QTextCharFormat

from designer.ui import theme

_NORMAL, _IN_DOUBLE_TRIPLE, _IN_SINGLE_TRIPLE = 0, 1, 2
_TRIPLE_STATES = {'"""': _IN_DOUBLE_TRIPLE, "'''": _IN_SINGLE_TRIPLE}
_STATE_QUOTES = {state: quote for quote, state in _TRIPLE_STATES.items()}

_KEYWORDS = frozenset(keyword.kwlist)
_CONSTANTS = frozenset({"True", "False", "None"})
_BUILTINS = frozenset(name for name in dir(builtins) if not name.startswith("_")) | {"self"}

_TOKEN = re.compile(r"""
    (?P<comment>\#.*)
  | (?P<triple>[rRbBuUfF]{0,2}(?:\"\"\"|'''))
  | (?P<string>[rRbBuUfF]{0,2}(?:"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?))
  | (?P<decorator>@[A-Za-z_][\w.]*)
  | (?P<name>[A-Za-z_]\w*)
  | (?P<number>(?:0[xX][0-9a-fA-F_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?)[jJ]?)
""", re.VERBOSE)

# (dark theme, light theme) colours per token kind, chosen for contrast on either base.
_COLORS = {
    "keyword": ("#c792ea", "#8b2fc9"),
    "constant": ("#f78c6c", "#b5520f"),
    "builtin": ("#82aaff", "#1f5fbf"),
    "string": ("#c3e88d", "#2e7d32"),
    "comment": ("#8b93a7", "#6a737d"),
    "number": ("#f78c6c", "#b5520f"),
    "decorator": ("#ffcb6b", "#8a6d00"),
    "definition": ("#82d8ff", "#005f87"),
}


def python_formats(palette: QPalette) -> dict[str, QTextCharFormat]:
    """The character format of each token kind, readable on the palette's base colour."""
    dark = theme.is_dark(palette)
    formats = {}
    for kind, (on_dark, on_light) in _COLORS.items():
        fmt = QTextCharFormat()
        fmt.setForeground(QColor(on_dark if dark else on_light))
        if kind in ("keyword", "definition"):
            fmt.setFontWeight(QFont.Bold)
        if kind == "comment":
            fmt.setFontItalic(True)
        formats[kind] = fmt
    return formats


class PythonHighlighter(QSyntaxHighlighter):
    """Keywords, builtins, strings (docstrings across lines), comments, numbers,
    decorators and the names after `def` and `class`."""

    def __init__(self, document, palette: QPalette) -> None:
        super().__init__(document)
        self.formats = python_formats(palette)

    def set_palette(self, palette: QPalette) -> None:
        """Recolour for a new theme."""
        self.formats = python_formats(palette)
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:  # Qt's name
        self.setCurrentBlockState(_NORMAL)
        position = 0
        state = self.previousBlockState()
        if state in _STATE_QUOTES:
            position = self._continue_triple(text, 0, _STATE_QUOTES[state])
        defining = False
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None:
                position += 1
                continue
            kind, start, end = match.lastgroup, match.start(), match.end()
            if kind == "triple":
                quote = match.group()[-3:]
                position = self._continue_triple(text, start, quote, end)
                continue
            if kind == "decorator" and text[:start].strip():
                kind, end = None, start + 1  # `a @ b`: the operator, not a decorator
            if kind == "name":
                word = match.group()
                if defining:
                    kind = "definition"
                elif word in _CONSTANTS:
                    kind = "constant"
                elif word in _KEYWORDS:
                    kind = "keyword"
                elif word in _BUILTINS and not self._is_attribute(text, start):
                    kind = "builtin"
                else:
                    kind = None
                defining = word in ("def", "class")
            if kind is not None:
                self.setFormat(start, end - start, self.formats[kind])
            position = end

    def _continue_triple(self, text: str, start: int, quote: str, search_from: int = 0) -> int:
        """Colour a triple-quoted string from `start`; return where scanning resumes."""
        close = text.find(quote, search_from)
        while close >= 0 and _escaped(text, close):
            close = text.find(quote, close + 1)
        if close < 0:
            self.setFormat(start, len(text) - start, self.formats["string"])
            self.setCurrentBlockState(_TRIPLE_STATES[quote])
            return len(text)
        end = close + len(quote)
        self.setFormat(start, end - start, self.formats["string"])
        return end

    @staticmethod
    def _is_attribute(text: str, start: int) -> bool:
        """`optimizer.step` is not the builtin; only bare names are."""
        return start > 0 and text[start - 1] == "."


def _escaped(text: str, index: int) -> bool:
    """Whether the character at `index` follows an odd number of backslashes."""
    backslashes = len(text[:index]) - len(text[:index].rstrip("\\"))
    return backslashes % 2 == 1
