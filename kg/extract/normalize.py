"""Text normalization with an offset map, applied BEFORE tokenizing and matching.

Real corpora do not hand over clean one-line abstracts. Four passes, each keeping a map back to
the original characters, turn what they do hand over into clean text:

1. **Layout** — hard wraps (arXiv's snapshot wraps at ~80 columns): a single newline inside a
   paragraph becomes a space, a blank line stays a break; a word hyphenated across a line break is
   joined when it was split ("regu-\\nlarization") and kept when it is a compound
   ("KL-\\ndivergence", "score-\\nbased"). JATS/HTML markup (``<jats:p>``, ``<i>``, ``<sub>``) is
   removed (block tags end a sentence, inline tags vanish) and HTML entities are decoded. LaTeX math
   delimiters (``$...$``) are dropped so the math is read as the thing it names.
2. **Headers** — "Abstract", "ABSTRACT.", "Background:", "Methods:" at the start of a paragraph
   (or after a sentence in a structured abstract) are removed: they are not sentences.
3. **LaTeX and escape remnants** (``Schr\\"odinger``, ``R\\'enyi``, ``\\emph{...}``,
   ``mathcal{O}``, ``\\mathrm{KL}(p\\|q)``, ``varphi``, ``x2014`` for an em dash).
4. **Footnote marks** glued to a sentence end ("... of Bayesian neural networks.1 We ...", the
   digits of a footnote the PDF-to-text step kept): dropped, so the last words are read as words.

Matching runs on the clean copy, but evidence must point into the ORIGINAL text, so every
normalized character remembers the original span it came from (the maps of the passes are
composed). Texts that need no pass (most clean abstracts) are returned as they are, with an
identity map, at the cost of a few substring tests.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
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
    r"(?=[\\{mobvtx(])(?:" + "|".join(
        [
            # \"o  \"{o}  {\"o}  \'{e}
            r"(?P<acc>\{?\\(?P<accmark>[\"'`^~=.]|[cvuH](?=\{))\{?(?P<accletter>[A-Za-z])\}?\}?)",
            # \L}  {\o}  \ss
            r"(?P<letter>\{?\\(?P<lettername>ss|ae|AE|[LloOi])(?![A-Za-z])\}?)",
            # \emph{text}, mathcal{O} (with or without the backslash): keep the content
            rf"(?P<font>{_FONT}\s*\{{(?P<fontbody>[^{{}}]*)\}})",
            # mathcal S, mathbb R: drop the command word
            rf"(?P<fontword>\\?{_MATH}(?:\s+|(?=[A-Z])))",
            # math spacing and sizing: \left( \right) \big| \, \; \!
            r"(?P<mathdrop>\\(?:left|right|[bB]igg?[lr]?)(?![A-Za-z])|\\[,;:! ])",
            # \varphi, varphi (never an English word), \alpha
            r"(?P<greek>\\(?P<greekname>[A-Za-z]+)(?![A-Za-z])|(?<![A-Za-z])varphi(?![a-z]))",
            # \% \& \_ \$ \#
            r"(?P<escaped>\\[%&_$#{}])",
            # \| (a norm or a divergence's "p || q")
            r"(?P<bars>\\\|)",
            # KL(p||q), \\mathrm{KL}(p, q), D_{KL}(p, q): a divergence written as a call gets a space
            # before "(" ("TD(λ)" stays a name)
            r"(?P<call>(?:(?<=[A-Z][A-Z]\})|(?<=\bKL)|(?<=\bJS))\((?=[^\s)]))",
            # 64\times 64 with its backslash lost: "64times 64"
            r"(?P<times>(?<=\d)\\?times\s*(?=\d))",
            # x2014 etc. glued to letters: a lost HTML entity (dashes, quotes, ellipsis)
            r"(?P<entity>(?<=[A-Za-z])x(?P<code>201[0-9a-f]|202[0-6])(?=[A-Za-z ]))",
        ]
    ) + ")"
)
_TRIGGER_WORDS = ("\\", "x20", "math", "varphi", "operatorname", "boldsymbol", "times")
_CALL = re.compile(r"(?:[A-Z][A-Z]\}|\bKL|\bJS)\((?=[^\s)])")


def _needs_work(text: str) -> bool:
    """Cheap literal test (``str.__contains__`` is far faster than a regex) before the rule pass."""
    for w in _TRIGGER_WORDS:
        if w in text:
            return True
    # (every ``_CALL`` match holds "}(", "KL(" or "JS(")
    return ("}(" in text or "KL(" in text or "JS(" in text) and _CALL.search(text) is not None


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
    if kind == "mathdrop":
        return ("" if m.group(0)[1:2].isalpha() or m.group(0) == "\\!" else " "), None
    if kind == "bars":
        return "‖", None
    if kind == "call":
        return " (", None
    if kind == "entity":
        return chr(int(m.group("code"), 16)), None
    return m.group(0), 0  # pragma: no cover - every alternative is named


# --- pass 1: layout (wraps, hyphenation, markup, entities, math delimiters) -----------------------

_BLOCK_TAGS = frozenset({
    "p", "div", "br", "hr", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "title", "sec", "abstract",
    "section", "table", "tr", "td", "th", "caption", "list", "list-item", "label", "blockquote",
})
_LAYOUT = re.compile(
    # every alternative starts with one of these characters: a cheap first test at each position
    r"(?=[-\t \r\n<&$])(?:" + "|".join([
        # a word hyphenated across a line break: "regu-\nlarization", "KL-\n  divergence"
        r"(?P<hyph>(?<=[A-Za-z])-[ \t]*\r?\n[ \t]*(?=[A-Za-z]))",
        # a blank line (or more): a paragraph break
        r"(?P<para>[ \t]*\r?\n(?:[ \t]*\r?\n)+[ \t]*)",
        # a single line break inside a paragraph, with the indentation around it
        r"(?P<wrap>[ \t]*(?:\r?\n|\r)[ \t]*)",
        # <jats:p>, </i>, <sub>, <br/>, <xref ref-type="bibr" rid="b1">
        r"(?P<tag></?(?P<tagname>[A-Za-z][\w.-]*(?::[\w.-]+)?)(?:\s[^<>]{0,500})?/?>)",
        # &amp; &lt; &#955; &#x3bb;
        r"(?P<entity>&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});)",
        # $...$ inline math (the delimiters go, the content is read by the LaTeX pass)
        r"(?P<math>(?<![\\$])\$(?=[^$\s])(?P<mathbody>[^$\n]{1,300}?)(?<![\\\s])\$(?!\$))",
    ]) + ")"
)
_LAYOUT_TRIGGERS = ("\n", "\r", "<", "&", "$")
# suffixes that only continue a word (never a word of their own after a hyphen): "regu-larization"
_CONTINUATION = re.compile(
    r"[a-z]{0,4}(?:tions?|sions?|ments?|ness|ity|ities|i[sz]ations?|ally|ical|ous|ive|ives|able|ible|"
    r"ance|ence|ency|ancy|ures?|ial|ian|ogy|ory)"
)


def _hyphen_joins(text: str, m: re.Match) -> bool:
    """Is the hyphen at a line break a split word (join) rather than a compound (keep)?

    Kept: the first part has a capital or digit ("KL-", "GPT-"), the hyphenated form occurs elsewhere
    in the text. Joined: the joined word occurs elsewhere, or the second part is a bare suffix
    continuation ("larization", "bution") rather than a word ("based", "divergence").
    """
    a = m.start()
    i = a
    while i > 0 and text[i - 1].isalpha():
        i -= 1
    j = m.end()
    while j < len(text) and text[j].isalpha():
        j += 1
    first, second = text[i:a], text[m.end():j]
    if not first or not second or not first.islower() or not second.islower():
        return False
    hyphened, joined = f"{first}-{second}".lower(), (first + second).lower()
    lower = text.lower()
    if hyphened in lower:
        return False
    if re.search(rf"(?<![a-z]){re.escape(joined)}(?![a-z])", lower):
        return True
    return _CONTINUATION.fullmatch(second) is not None


def _layout(text: str, m: re.Match) -> tuple[str, int | None]:
    kind = m.lastgroup
    if kind == "hyph":
        return ("", None) if _hyphen_joins(text, m) else ("-", 0)
    if kind == "para":
        return "\n", None
    if kind == "wrap":
        return " ", None
    if kind == "tag":
        name = m.group("tagname").lower().rsplit(":", 1)[-1]
        return ("\n", None) if name in _BLOCK_TAGS else ("", None)
    if kind == "entity":
        got = html.unescape(m.group(0))
        return (got, None) if got != m.group(0) else (got, 0)
    if kind == "math":
        return m.group("mathbody"), 1
    return m.group(0), 0  # pragma: no cover - every alternative is named


# --- pass 2: section headers -----------------------------------------------------------------------

_SECTIONS = (
    "Background,Objective,Objectives,Aim,Aims,Purpose,Methods,Method,Methodology,Results,Result,Conclusion,"
    "Conclusions,Introduction,Motivation,Significance,Findings,Materials and Methods,Design,Setting,Context,"
    "Importance"
)


def _both_cases(words: str) -> str:
    return "|".join(w for word in words.split(",") for w in (word, word.upper()))


_HEADER = re.compile(
    r"(?:^|(?<=\n)|(?<=[.!?] ))[ \t]*(?:"
    # "Abstract", "ABSTRACT.", "Summary:" then a capitalised sentence (or the end)
    rf"(?:{_both_cases('Abstract,Summary')})(?:[ \t]*[:.\u2014\u2013-])?[ \t]*(?=[A-Z0-9\n]|$)"
    # structured-abstract headers always carry a colon (or a dash)
    rf"|(?:{_both_cases(_SECTIONS)})"
    r"[ \t]*[:\u2014\u2013][ \t]*"
    r")"
)
_HEADER_TRIGGER = re.compile(r"(?i)abstract|summary")
#: every ``_HEADER`` match holds one of these words as written: no header scan without one
_HEADER_WORDS = tuple(w for word in f"Abstract,Summary,{_SECTIONS}".split(",") for w in (word, word.upper()))


# --- pass 4: footnote marks ----------------------------------------------------------------------

#: one or two digits glued to the period after a lower-case word, before the next sentence or the end:
#: "networks.1 We", "gradients.1" (not "Fig.1", "1.5", "v1.2", nor "eqn.2 and" inside a sentence).
#: The pattern starts with the period, so the engine scans for it instead of trying every position.
_FOOTNOTE = re.compile(r"\.(?<=[a-z]{3}\.)[0-9]{1,2}(?=\s+[A-Z]|\s*$)")


# --- the passes and their composition --------------------------------------------------------------

Map = tuple[list[int], list[int]]


def _rewrite(text: str, pattern: re.Pattern, replace: Callable[[re.Match], tuple[str, int | None]]
             ) -> tuple[str, list[int], list[int]] | None:
    """Apply ``replace`` to every match of ``pattern``; None if nothing changed. ``replace`` gives the
    replacement and, for verbatim content, its offset in the match (exact per-character offsets);
    other replacements map each of their characters to the whole match."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    changed = False
    for m in pattern.finditer(text):
        a, b = m.start(), m.end()
        rep, offset = replace(m)
        if offset == 0 and rep == m.group(0):
            continue
        changed = True
        starts.extend(range(pos, a))
        ends.extend(range(pos + 1, a + 1))
        out.append(text[pos:a])
        if offset is not None:
            starts.extend(range(a + offset, a + offset + len(rep)))
            ends.extend(range(a + offset + 1, a + offset + len(rep) + 1))
        else:
            starts.extend([a] * len(rep))
            ends.extend([b] * len(rep))
        out.append(rep)
        pos = b
    if not changed:
        return None
    starts.extend(range(pos, len(text)))
    ends.extend(range(pos + 1, len(text) + 1))
    out.append(text[pos:])
    return "".join(out), starts, ends


def normalize(text: str) -> Normalized:
    """Clean ``text`` for matching (layout, headers, LaTeX remnants, footnote marks), keeping a map
    back to the original offsets.

    >>> n = normalize('the R\\\\\\'enyi divergence')
    >>> n.text
    'the Rényi divergence'
    >>> n.original[slice(*n.to_original(4, 9))]
    "R\\\\'enyi"
    >>> normalize("Abstract\\n  We minimise a KL-\\ndivergence by regu-\\nlarization.").text
    'We minimise a KL-divergence by regularization.'
    """
    cur = text
    starts: list[int] | None = None
    ends: list[int] | None = None
    passes: list[tuple[bool, re.Pattern, Callable[[re.Match], tuple[str, int | None]]]] = [
        (any(t in text for t in _LAYOUT_TRIGGERS), _LAYOUT, lambda m: _layout(m.string, m)),
        (True, _HEADER, lambda m: ("", None)),
        (True, _RULES, _replacement),
        (True, _FOOTNOTE, lambda m: (".", 0)),
    ]
    for i, (wanted, pattern, replace) in enumerate(passes):
        if not wanted:
            continue
        if i == 1 and ((":" not in cur and _HEADER_TRIGGER.search(cur[:40]) is None)
                       or not any(w in cur for w in _HEADER_WORDS)):
            continue
        if i == 2 and not _needs_work(cur):
            continue
        got = _rewrite(cur, pattern, replace)
        if got is None:
            continue
        cur, s2, e2 = got
        if starts is None or ends is None:
            starts, ends = s2, e2
        else:  # compose: a character of this pass → the span of the previous text → the original
            starts, ends = [starts[x] for x in s2], [ends[y - 1] if y > 0 else 0 for y in e2]
    if starts is None or ends is None:
        return Normalized(text, text)
    return Normalized(text, cur, tuple(starts), tuple(ends))
