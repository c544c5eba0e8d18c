"""Property: `codebook.dumps` then `codebook.loads` gives back the same Codebook, for generated codebooks.

The strategies build only valid codebooks (what `loads` accepts): ids matching ID_RE and unique per kind,
parents defined before their children, non-empty names and labels without surrounding whitespace (the
loader strips), unique scale labels, #RRGGBB colours, shortcuts 0-9 used at most once, non-empty keywords,
and `rated` naming distinct known codes. Texts mix CJK (inside and outside the BMP), ASCII, YAML's
special characters and line breaks.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode import codebook
from qualcode.codebook import COLOR_RE, ID_RE, Codebook
from qualcode.model import Code, Facet, ScaleStep

_chars = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # CJK unified ideographs
    st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF),  # extension B, outside the BMP
    st.sampled_from(list("臺台強中弱𠮷𩸽ｅ　，。「」")),
    st.sampled_from(list("abcXYZ0189 -_.:#'\"|>{}[],&*!%@`?~\\/")),
    st.sampled_from(["\n", "\t", "\r", "\u2028", "\x85", "\ufeff", "\x00"]),
    st.characters(codec="utf-8"),  # anything else
)
_raw_text = st.text(alphabet=_chars, max_size=24)
# The loader strips every text field, so a codebook it returns never has surrounding whitespace.
text = _raw_text.map(str.strip)
_visible = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF),
    st.sampled_from(list("aZ9#:-'|>")),
)
required_text = st.builds(lambda head, rest: head + rest.rstrip(), _visible, _raw_text)
# ids: ID_RE, including ones YAML would read as numbers, booleans or null if left unquoted
ids = st.one_of(
    st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_.-]{0,12}\Z"),
    st.sampled_from(["1", "0", "1.5", "1e3", "1_000", "08", "yes", "No", "null", "true", "off", "y", "0x1F"]),
)
colors = st.one_of(st.just(""), st.from_regex(r"\A#[0-9A-Fa-f]{6}\Z"))


@st.composite
def codebooks(draw) -> Codebook:
    step_ids = draw(st.lists(ids, unique=True, max_size=4))
    labels = draw(st.lists(required_text, unique=True, min_size=len(step_ids), max_size=len(step_ids)))
    steps = [
        ScaleStep(step_id, label, draw(text), draw(st.integers(-5, 100)), draw(colors))
        for step_id, label in zip(step_ids, labels, strict=True)
    ]
    facets = [
        Facet(facet_id, draw(required_text), draw(text)) for facet_id in draw(st.lists(ids, unique=True, max_size=3))
    ]
    code_ids = draw(st.lists(ids, unique=True, max_size=12))
    free_shortcuts = list("0123456789")
    codes = []
    for position, code_id in enumerate(code_ids):
        # a parent is always a code defined earlier
        parent = draw(st.one_of(st.none(), st.sampled_from(code_ids[:position]))) if position else None
        shortcut = draw(st.one_of(st.just(""), st.sampled_from(free_shortcuts))) if free_shortcuts else ""
        if shortcut:
            free_shortcuts.remove(shortcut)
        codes.append(
            Code(
                id=code_id,
                name=draw(required_text),
                parent_id=parent,
                name_en=draw(text),
                description=draw(text),
                color=draw(colors),
                shortcut=shortcut,
                keywords=tuple(draw(st.lists(required_text, max_size=3))),
                position=position,
            )
        )
    rated = tuple(draw(st.permutations(code_ids)))[: draw(st.integers(0, len(code_ids)))]
    return Codebook(
        name=draw(text),
        version=draw(text),
        description=draw(text),
        scale=tuple(steps),
        facets=tuple(facets),
        codes=tuple(codes),
        rated=rated,
    )


@settings(max_examples=100, deadline=None)
@given(book=codebooks())
def test_dump_then_load_is_identity(book):
    # the generator only makes valid codebooks
    assert all(ID_RE.match(x.id) for x in (*book.codes, *book.facets, *book.scale))
    assert all(COLOR_RE.match(x.color) for x in (*book.codes, *book.scale) if x.color)
    dumped = codebook.dumps(book)
    assert codebook.loads(dumped) == book
    assert codebook.dumps(codebook.loads(dumped)) == dumped


def test_the_generator_reaches_the_interesting_cases():
    """The property above is only as good as its examples: check they include what can go wrong."""
    seen = set()

    @settings(max_examples=100, deadline=None, database=None, derandomize=True)
    @given(book=codebooks())
    def collect(book):
        texts = [book.name, book.description, *(c.name for c in book.codes), *(c.description for c in book.codes)]
        if any(ord(ch) > 0xFFFF for t in texts for ch in t):
            seen.add("outside the BMP")
        if any("\n" in t for t in texts):
            seen.add("line breaks")
        if any(c.parent_id for c in book.codes):
            seen.add("nested codes")
        if any(c.shortcut for c in book.codes):
            seen.add("shortcuts")
        if book.rated:
            seen.add("rated")
        if book.scale and book.facets:
            seen.add("scale and facets")
        if any(c.id in {"1", "1.5", "yes", "null", "true"} for c in book.codes):
            seen.add("ids YAML would retype")

    collect()
    assert seen == {
        "outside the BMP",
        "line breaks",
        "nested codes",
        "shortcuts",
        "rated",
        "scale and facets",
        "ids YAML would retype",
    }


def test_next_line_survives_the_round_trip():
    book = Codebook(codes=(Code(id="a", name="前\x85後"),))
    assert codebook.loads(codebook.dumps(book)) == book
