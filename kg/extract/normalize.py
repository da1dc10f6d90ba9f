"""Text normalization with an offset map, applied BEFORE tokenizing and matching.

Abstracts scraped from the web carry LaTeX and escape remnants (``Schr\\"odinger``, ``R\\'enyi``,
``\\emph{...}``, ``mathcal{O}``, ``varphi``, ``x2014`` for an em dash). Matching runs on a clean
copy of the text, but evidence must point into the ORIGINAL text, so every normalized character
remembers the original span it came from. Texts without any remnant (most of them) are returned
as they are, with an identity map, at the cost of one regex search.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_COMBINING = {'"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303",
              "=": "\u0304", ".": "\u0307", "c": "\u0327", "v": "\u030c", "u": "\u0306", "H": "\u030b"}
_LETTER_CMDS = {"L": "Ł", "l": "ł", "o": "ø", "O": "Ø", "ss": "ß", "ae": "æ", "AE": "Æ", "i": "ı"}
_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "θ", "kappa": "κ", "lambda": "λ", "mu": "μ",
    "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ", "varphi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ",
    "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω", "infty": "∞", "ell": "ℓ",
}
_MATH = r"(?:mathcal|mathbb|mathrm|mathbf|mathsf|mathit|mathfrak|operatorname|boldsymbol)"
# math font commands also appear without their backslash; text commands only count with it
_FONT = rf"(?:\\?{_MATH}|\\(?:textbf|textit|textrm|texttt|textsc|emph|text))"

# One alternation; the group name says which rule fired. Order matters (first match wins).
_RULES = re.compile(
    # every alternative starts with one of these characters: a cheap first test at each position
    r"(?=[\\{mobvtx])(?:" + "|".join(
        [
            # \"o  \"{o}  {\"o}  \'{e}
            r"(?P<acc>\{?\\(?P<accmark>[\"'`^~=.]|[cvuH](?=\{))\{?(?P<accletter>[A-Za-z])\}?\}?)",
            # \L}  {\o}  \ss
            r"(?P<letter>\{?\\(?P<lettername>ss|ae|AE|[LloOi])(?![A-Za-z])\}?)",
            # \emph{text}, mathcal{O} (with or without the backslash): keep the content
            rf"(?P<font>{_FONT}\s*\{{(?P<fontbody>[^{{}}]*)\}})",
            # mathcal S, mathbb R: drop the command word
            rf"(?P<fontword>\\?{_MATH}(?:\s+|(?=[A-Z])))",
            # \varphi, varphi (never an English word), \alpha
            r"(?P<greek>\\(?P<greekname>[A-Za-z]+)(?![A-Za-z])|(?<![A-Za-z])varphi(?![a-z]))",
            # \% \& \_ \$ \#
            r"(?P<escaped>\\[%&_$#{}])",
            # 64\times 64 with its backslash lost: "64times 64"
            r"(?P<times>(?<=\d)\\?times\s*(?=\d))",
            # x2014 etc. glued to letters: a lost HTML entity (dashes, quotes, ellipsis)
            r"(?P<entity>(?<=[A-Za-z])x(?P<code>201[0-9a-f]|202[0-6])(?=[A-Za-z ]))",
        ]
    ) + ")"
)
_TRIGGER_WORDS = ("\\", "x20", "math", "varphi", "operatorname", "boldsymbol", "times")


def _needs_work(text: str) -> bool:
    """Cheap literal test (``str.__contains__`` is far faster than a regex) before the rule pass."""
    return any(w in text for w in _TRIGGER_WORDS)


@dataclass(frozen=True, slots=True)
class Normalized:
    """A normalized text and, for every normalized character, the original span it came from.

    ``starts``/``ends`` are ``None`` when the text needed no change (identity map).
    """

    original: str
    text: str
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalized half-open span ``[start, end)`` to the original text."""
        if self.starts is None or self.ends is None:
            return start, end
        if end <= start:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]


def _replacement(m: re.Match) -> tuple[str, int | None]:
    """What a rule match becomes, and (for verbatim content) where that content starts in the match."""
    kind = m.lastgroup
    if kind == "acc":
        mark, letter = m.group("accmark"), m.group("accletter")
        return unicodedata.normalize("NFC", letter + _COMBINING[mark]), None
    if kind == "letter":
        return _LETTER_CMDS[m.group("lettername")], None
    if kind == "font":
        return m.group("fontbody"), m.start("fontbody") - m.start()
    if kind == "fontword":
        return "", None
    if kind == "greek":
        name = m.group("greekname") or "varphi"
        if name in _GREEK:
            return _GREEK[name], None
        return m.group(0)[1:], 1  # an unknown \command: just drop the backslash
    if kind == "escaped":
        return m.group(0)[1:], 1
    if kind == "times":
        return "×", None
    if kind == "entity":
        return chr(int(m.group("code"), 16)), None
    return m.group(0), 0  # pragma: no cover - every alternative is named


def normalize(text: str) -> Normalized:
    """Clean LaTeX/escape remnants out of ``text``, keeping a map back to the original offsets.

    >>> n = normalize('the R\\\\\\'enyi divergence')
    >>> n.text
    'the Rényi divergence'
    >>> n.original[slice(*n.to_original(4, 9))]
    "R\\\\'enyi"
    """
    if not _needs_work(text):
        return Normalized(text, text)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for m in _RULES.finditer(text):
        a, b = m.start(), m.end()
        for i in range(pos, a):
            starts.append(i)
            ends.append(i + 1)
        out.append(text[pos:a])
        rep, offset = _replacement(m)
        if offset is not None:  # verbatim content: exact per-character offsets
            for i in range(len(rep)):
                starts.append(a + offset + i)
                ends.append(a + offset + i + 1)
        else:
            starts.extend([a] * len(rep))
            ends.extend([b] * len(rep))
        out.append(rep)
        pos = b
    if pos == 0:
        return Normalized(text, text)
    for i in range(pos, len(text)):
        starts.append(i)
        ends.append(i + 1)
    out.append(text[pos:])
    return Normalized(text, "".join(out), tuple(starts), tuple(ends))
