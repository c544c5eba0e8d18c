"""Properties of the search normalisation: it keeps length and offsets, and works one character at a time.

Stored texts are NFC (ingest/decode.py), and so is every piece of them the index sees: on NFC text,
`normalize` maps each code point to exactly one code point. `normalizer().codepoints` (the index's input)
must agree with it. Characters outside the BMP count as one, as Python counts them.
"""

from __future__ import annotations

import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st

from qualcode.zh.normalize import normalize, normalizer

_chars = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # CJK (Traditional and Simplified)
    st.characters(min_codepoint=0x20000, max_codepoint=0x2FA1F),  # outside the BMP, incl. compatibility supplement
    st.characters(min_codepoint=0xF900, max_codepoint=0xFAFF),  # CJK compatibility ideographs (NFC changes them)
    st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),  # full-width ASCII
    st.sampled_from(list("台臺着著衞乾隆ｅＥ　AZaz09 \n。！？")),
    st.characters(codec="utf-8"),  # anything at all
)
# Every text normalize meets in the index is NFC, as stored
nfc_text = st.text(alphabet=_chars, max_size=40).map(lambda t: unicodedata.normalize("NFC", t))


@settings(max_examples=600, deadline=None)
@given(text=nfc_text)
@example(text="𠮷野家的就業ｅ網在臺北")
@example(text="ＡＢＣ abc　乾隆")
def test_same_length_per_character_and_concatenation(text):
    folded = normalize(text)
    assert len(folded) == len(text)
    assert [ord(ch) for ch in folded] == normalizer().codepoints(text).tolist()
    for i in range(len(text)):
        assert folded[i] == normalize(text[i])
        assert normalize(text[:i]) + normalize(text[i:]) == folded


@settings(max_examples=100, deadline=None)
@given(a=nfc_text, b=nfc_text)
def test_normalising_two_texts_joined_is_joining_them_normalised(a, b):
    joined = a + b
    if not unicodedata.is_normalized("NFC", joined):
        return  # e.g. a base letter and a combining mark meeting: not a stored text
    assert normalize(joined) == normalize(a) + normalize(b)


def test_the_foldings_the_search_relies_on():
    assert normalize("臺北就業ｅ網ABC") == normalize("台北就业e网abc")
    assert normalize("着") == normalize("著")
    assert normalize("乾隆") == normalize("乾") + normalize("隆")  # per character, never by phrase
    assert normalize("𠮷") == "𠮷" and normalize("\u3000") == " "


def test_a_text_not_in_nfc_is_composed_first():
    """normalize applies NFC before folding, so a decomposed query finds the composed stored text; that is
    the one case where the length changes (the docstring's "same length" holds for NFC text only)."""
    assert normalize("e\u0301") == normalize("\u00e9") == "\u00e9"
    assert normalize("\uf965") == normalize("便")  # a CJK compatibility ideograph is NFC-mapped first
