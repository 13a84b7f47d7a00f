"""The card renderer, checked against the real Anki library.

Every case renders the same template and fields twice: with
flashcards.templating and with the `anki` package (Anki's own Rust renderer,
installed for tests only). Anki's side goes through the same path Anki's
reviewer uses: `note.ephemeral_card(...).render_output()`, which renders with
Anki's add-on filter hand-off and replaces sounds and TTS by
`[anki:play:q:0]` references.

Normalization, both sides, kept minimal:
- Type in the answer is not in the `anki` package: Anki's desktop reviewer
  (aqt/reviewer.py, typeAnsQuestionFilter / typeAnsAnswerFilter) does it around
  the renderer's output. `_reviewer_type_answer` below mirrors those two
  functions over Anki's output, calling Anki's own compare_answer and
  extract_cloze_for_typing. The input box then differs on purpose (ours has no
  onkeypress handler, a name and a class), so both inputs are reduced to
  `<input id=typeans style=...>`, and our comparison wrapper's extra class is dropped.
- Anki's hint filter writes a link with an onclick handler; ours writes a
  <details> element (no inline script under our CSP). Anki's hint markup is
  rewritten to ours before comparing.
Everything else, including error messages, must be identical.
"""

from __future__ import annotations

import re

import pytest
from anki.collection import Collection
from anki.models import MODEL_CLOZE
from anki.sound import SoundOrVideoTag, TTSTag
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flashcards import anki_text
from flashcards.templating import (
    SoundTag,
    TtsTag,
    cloze_numbers,
    field_names_in,
    nonempty_card_ords,
    render_card,
    template_error,
)

FIELDS = ["Front", "Back", "Extra", "Text", "Empty"]
FONTS = {"Back": ("Georgia", 28)}  # one field with its own type-answer font


@pytest.fixture(scope="module")
def col(tmp_path_factory):
    collection = Collection(str(tmp_path_factory.mktemp("anki") / "collection.anki2"))
    for name, kind in (("Standard+", None), ("Cloze+", MODEL_CLOZE)):
        model = collection.models.new(name)
        if kind is not None:
            model["type"] = kind
        for field_name in FIELDS:
            spec = collection.models.new_field(field_name)
            if field_name in FONTS:
                spec["font"], spec["size"] = FONTS[field_name]
            collection.models.add_field(model, spec)
        template = collection.models.new_template("Card 1")
        template["qfmt"] = "{{cloze:Text}}" if kind else "{{Front}}"
        template["afmt"] = "{{cloze:Text}}" if kind else "{{Back}}"
        collection.models.add_template(model, template)
        collection.models.add(model)
    yield collection
    collection.close()


# Anki's side
# ----------------------------------------------------------------------------

_TYPE_PATTERN = r"\[\[type:(.+?)\]\]"


def _reviewer_type_answer(col, note, model, ord_, question, answer, typed):
    """aqt/reviewer.py's typeAnsQuestionFilter and typeAnsAnswerFilter, verbatim in logic."""
    type_correct = None
    combining = True
    font, size = "Arial", 20
    match = re.search(_TYPE_PATTERN, question)
    if not match:
        return question, re.sub(_TYPE_PATTERN, "", answer)
    fld = match.group(1)
    cloze_idx = None
    if fld.startswith("cloze:"):
        cloze_idx = ord_ + 1
        fld = fld.split(":")[1]
    if fld.startswith("nc:"):
        combining = False
        fld = fld.split(":")[1]
    for spec in model["flds"]:
        if spec["name"] == fld:
            type_correct = note[spec["name"]]
            if cloze_idx:
                type_correct = col.extract_cloze_for_typing(type_correct, cloze_idx) or None
            font, size = spec["font"], spec["size"]
            break
    if not type_correct:
        if type_correct is None:
            warn = (
                "Please run Tools>Empty Cards"
                if cloze_idx
                else col.tr.studying_type_answer_unknown_field(val=fld)
            )
            question = re.sub(_TYPE_PATTERN, warn, question)
        else:
            question = re.sub(_TYPE_PATTERN, "", question)
        return question, re.sub(_TYPE_PATTERN, "", answer)
    question = re.sub(
        _TYPE_PATTERN,
        f"""
<center>
<input type=text id=typeans onkeypress="_typeAnsPress();"
   style="font-family: '{font}'; font-size: {size}px;">
</center>
""",
        question,
    )
    orig = answer
    buf = answer.replace("<hr id=answer>", "")
    had_hr = len(buf) != len(orig)
    output = col.compare_answer(type_correct, typed or "", combining)

    def repl(_match):
        s = f"""
<div style="font-family: '{font}'; font-size: {size}px">{output}</div>"""
        return f"<hr id=answer>{s}" if had_hr else s

    if had_hr and not re.search(_TYPE_PATTERN, buf):
        return question, orig
    return question, re.sub(_TYPE_PATTERN, repl, buf)


def _av(tags):
    out = []
    for tag in tags:
        if isinstance(tag, SoundOrVideoTag):
            out.append(("sound", tag.filename))
        else:
            assert isinstance(tag, TTSTag)
            out.append(
                (
                    "tts",
                    tag.field_text,
                    tag.lang,
                    tuple(tag.voices),
                    round(tag.speed, 4),
                    frozenset(tag.other_args),
                )
            )
    return out


def anki_render(col, *, qfmt, afmt, fields, ord_=0, cloze=False, tags=(), typed=None):
    model = col.models.by_name("Cloze+" if cloze else "Standard+")
    note = col.new_note(model)
    for name, value in fields.items():
        note[name] = value
    note.tags = list(tags)
    card = note.ephemeral_card(ord_, custom_template={"name": "Card X", "qfmt": qfmt, "afmt": afmt})
    output = card.render_output()
    question, answer = _reviewer_type_answer(
        col, note, model, ord_, output.question_text, output.answer_text, typed
    )
    return question, answer, _av(output.question_av_tags), _av(output.answer_av_tags)


# Our side
# ----------------------------------------------------------------------------


def our_av(tags):
    out = []
    for tag in tags:
        if isinstance(tag, SoundTag):
            out.append(("sound", tag.filename))
        else:
            assert isinstance(tag, TtsTag)
            out.append(
                (
                    "tts",
                    tag.text,
                    tag.lang,
                    tag.voices,
                    round(tag.speed, 4),
                    frozenset(tag.other_args),
                )
            )
    return out


def our_render(*, qfmt, afmt, fields, ord_=0, cloze=False, tags=(), typed=None):
    all_fields = dict.fromkeys(FIELDS, "")
    all_fields.update(fields)
    rendered = render_card(
        qfmt=qfmt,
        afmt=afmt,
        fields=all_fields,
        card_ord=ord_,
        is_cloze=cloze,
        tags=list(tags),
        deck_name="(Deck)",  # what Anki shows for a card that isn't in a deck yet
        card_name="Card X",
        note_type_name="Cloze+" if cloze else "Standard+",
        typed_answer=typed,
        field_fonts=FONTS,
    )
    return (
        rendered.question,
        rendered.answer,
        our_av(rendered.question_av),
        our_av(rendered.answer_av),
    )


_ANKI_HINT = re.compile(
    r'\n<a class=hint href="#"\nonclick="[^"]*" draggable=false>\n(.*?)</a>\n'
    r'<div id="hint[0-9a-f]+" class=hint style="display: none">(.*?)</div>\n',
    re.S,
)
_INPUT = re.compile(r'<input [^>]*?id="?typeans"?[^>]*?style="([^"]*)"[^>]*>', re.S)


def normalize(html: str) -> str:
    html = _ANKI_HINT.sub(
        lambda m: (
            f'\n<details class="hint"><summary class="hint-link">\n{m.group(1)}</summary>\n'
            f'<div class="hint">{m.group(2)}</div></details>\n'
        ),
        html,
    )
    html = _INPUT.sub(lambda m: f"<input id=typeans style={m.group(1)!r}>", html)
    return html.replace('<div class="typeans-compare" style=', "<div style=")


def assert_same(col, **case):
    expected = anki_render(col, **case)
    actual = our_render(**case)
    assert normalize(actual[0]) == normalize(expected[0]), "question differs"
    assert normalize(actual[1]) == normalize(expected[1]), "answer differs"
    assert actual[2] == expected[2], "question sounds/TTS differ"
    assert actual[3] == expected[3], "answer sounds/TTS differ"


# Cases
# ----------------------------------------------------------------------------

BASIC_BACK = "{{FrontSide}}<hr id=answer>{{Back}}"

STANDARD_CASES = {
    "plain fields": ("{{Front}}", BASIC_BACK, {"Front": "a <b>b</b>", "Back": "c"}),
    "whitespace inside braces": (
        "{{ Front }}{{\nBack\n}}",
        "{{ FrontSide }}<hr id=answer>{{  Back  }}",
        {"Front": "a", "Back": "b"},
    ),
    "conditional shown": (
        "{{#Back}}has {{Back}}{{/Back}}{{Front}}",
        "",
        {"Front": "f", "Back": "b"},
    ),
    "conditional hidden": ("{{#Extra}}has {{Extra}}{{/Extra}}{{Front}}", "", {"Front": "f"}),
    "negated conditional": (
        "{{^Extra}}no extra {{/Extra}}{{^Front}}x{{/Front}}{{Front}}",
        "",
        {"Front": "f"},
    ),
    "nested conditionals": (
        "{{#Front}}1{{#Back}}2{{^Extra}}3{{Back}}{{/Extra}}{{/Back}}{{/Front}}",
        "{{#Back}}{{FrontSide}}{{/Back}}",
        {"Front": "f", "Back": "b"},
    ),
    "conditional with spaces": ("{{ #Back }}y{{/ Back}}{{Front}}", "", {"Front": "f", "Back": "b"}),
    "empty-looking fields count as empty": (
        "{{#Back}}shown{{/Back}}{{Front}}",
        "{{^Extra}}none{{/Extra}}",
        {"Front": "f", "Back": " <br> <div></div>\n", "Extra": "<BR/>"},
    ),
    "blank front": ("{{Empty}}", BASIC_BACK, {"Front": "f"}),
    "blank front from conditional text only": ("{{#Front}}x{{/Front}}", "b", {"Front": "f"}),
    "blank front with type answer": ("{{type:Empty}}{{Extra}}", "a", {"Front": "f"}),
    "unknown field": ("{{Front}} {{Nope}}", "", {"Front": "f"}),
    "unknown field with filters": ("{{Front}} {{text:hint:Nope}}", "", {"Front": "f"}),
    "unknown field on the back": ("{{Front}}", "{{Nope}}", {"Front": "f"}),
    "unknown field in a hidden branch": (
        "{{Front}}{{#Empty}}{{Nope}}{{/Empty}}",
        "",
        {"Front": "f"},
    ),
    "unknown conditional": ("{{#Nope}}x{{/Nope}}{{Front}}", "", {"Front": "f"}),
    "unknown negated conditional": ("{{^Nope}}x{{/Nope}}{{Front}}", "", {"Front": "f"}),
    "unclosed conditional": ("{{#Front}}x", "", {"Front": "f"}),
    "wrong closing tag": ("{{#Front}}x{{/Back}}", "", {"Front": "f"}),
    "closing tag without opening": ("{{/Front}}x", "", {"Front": "f"}),
    "empty handle": ("{{Front}}{{}}", "", {"Front": "f"}),
    "lone hash": ("{{Front}}{{#}}", "", {"Front": "f"}),
    "stray braces": ("{{Front}} }} {{Back", "{{{Back}}}{{{{Back}}", {"Front": "f", "Back": "b"}),
    "brace inside a handle": ("{{Front}}{{ {{Back}} {", "", {"Front": "f", "Back": "b"}),
    "comments keep their braces": (
        "{{Front}}<!-- {{Nope}} -->{{Back}}<!-- open",
        "",
        {"Front": "f", "Back": "b"},
    ),
    "legacy alternate syntax": (
        "{{=<% %>=}}<%Front%> {{Back}} <%#Back%>y<%/Back%>",
        "",
        {"Front": "f", "Back": "b"},
    ),
    "front side on the front is empty": (
        "{{Front}}{{FrontSide}}",
        "{{text:FrontSide}}",
        {"Front": "<b>f</b>"},
    ),
    "front side conditional is an error": (
        "{{Front}}{{#FrontSide}}x{{/FrontSide}}",
        "",
        {"Front": "f"},
    ),
    "special fields": (
        "{{Front}}|{{Tags}}|{{Type}}|{{Deck}}|{{Subdeck}}|{{Card}}|{{CardFlag}}|{{CardID}}",
        "{{#Tags}}T{{/Tags}}{{^Tags}}no tags{{/Tags}}{{#CardFlag}}F{{/CardFlag}}",
        {"Front": "f"},
    ),
    "special fields with tags": ("{{Tags}}", "{{#Tags}}T:{{Tags}}{{/Tags}}", {"Front": ""}),
    "card number conditionals": (
        "{{Front}}{{#c1}}one{{/c1}}{{#c2}}two{{/c2}}{{^c1}}not one{{/c1}}",
        "",
        {"Front": "f"},
    ),
    "text filter": (
        "{{text:Front}}",
        "{{text:Back}}|{{text:Extra}}",
        {
            "Front": "<b>a</b> &amp; &lt;&nbsp;x<br>y<!-- c -->"
            "<style>p{}</style><script>s</script>",
            "Back": "&#x41;&#66;&foo;",
            "Extra": "a < b > c &amp",
        },
    ),
    "hint filter": (
        "{{Front}}{{hint:Back}}",
        "{{hint:Empty}}",
        {"Front": "f", "Back": "b <i>i</i>"},
    ),
    "filter chains": (
        "{{text:hint:Back}}|{{hint:text:Back}}",
        "{{text::Back}}",
        {"Back": "<i>b</i>"},
    ),
    "unknown filters stop the chain": (
        "{{text:foo:Front}}|{{foo:text:Front}}|{{foo:Front}}",
        "",
        {"Front": "<b>x</b>"},
    ),
    "filters without a field": (
        "{{Front}}{{tts-voices:}}{{text:}}{{tts en_US:}}",
        "",
        {"Front": "f"},
    ),
    "furigana filters": (
        "{{furigana:Front}}",
        "{{kana:Front}}|{{kanji:Front}}",
        {"Front": "日本[にほん]&nbsp;語[ご] [sound:a.mp3]"},
    ),
    "cloze filter on a standard note": (
        "{{Front}}",
        "{{cloze:Back}}|{{cloze-only:Back}}",
        {"Front": "f", "Back": "a {{c1::b::h}}"},
    ),
    "sounds in fields and templates": (
        "{{Front}} [sound:q.mp3]",
        "{{FrontSide}} [sound:a.mp3] {{Back}}",
        {"Front": "f [sound:x y&amp;z.mp3]", "Back": "[sound:b.mp3][sound:]"},
    ),
    "tts filter": (
        "{{tts en_US:Front}}",
        "{{FrontSide}}{{tts fr_FR voices=Apple_Thomas,Other speed=1.4:Back}}",
        {"Front": "<b>Hello</b> there<br>you", "Back": "Bonjour &amp; [...]"},
    ),
    "tts options": (
        "{{tts en_US speed=fast pitch=2 volume=x:Front}}",
        "{{tts ja_JP voices=A:text:Back}}",
        {"Front": "f", "Back": "<i>b</i>"},
    ),
    "tts written in a field": (
        "{{Front}}",
        "{{Back}}",
        {
            "Front": '[anki:tts lang=en_US cloze_blank="a blank" x=y]'
            "one [...]<div>two</div>[/anki:tts]",
            "Back": "[anki:tts]no lang[/anki:tts] [anki:tts lang=de_DE]unclosed "
            "[anki:other]x[/anki:other]",
        },
    ),
    "type answer, right": (
        "{{Front}}\n\n{{type:Back}}",
        "{{Front}}\n\n<hr id=answer>\n\n{{type:Back}}",
        {"Front": "f", "Back": "world"},
        (),
        "world",
    ),
    "type answer, wrong": (
        "{{Front}}{{type:Back}}",
        "{{Front}}<hr id=answer>{{type:Back}}",
        {"Front": "f", "Back": "<b>wörld</b> [sound:w.mp3]"},
        (),
        "wrld!",
    ),
    "type answer, nothing typed": (
        "{{Front}}{{type:Back}}",
        "{{type:Back}}",
        {"Front": "f", "Back": "a &amp; b"},
        (),
        None,
    ),
    "type answer with front side": (
        "{{Front}} {{type:Back}}",
        BASIC_BACK,
        {"Front": "f", "Back": "b"},
        (),
        "c",
    ),
    "type answer with front side and no rule": (
        "{{Front}} {{type:Back}}",
        "{{FrontSide}} {{Back}}",
        {"Front": "f", "Back": "b"},
        (),
        "b",
    ),
    "type answer ignoring accents": (
        "{{Front}}{{type:nc:Back}}",
        "{{type:nc:Back}}",
        {"Front": "f", "Back": "café crème"},
        (),
        "cafe creme",
    ),
    "type answer ignoring accents, wrong": (
        "{{Front}}{{type:nc:Back}}",
        "{{type:nc:Back}}",
        {"Front": "f", "Back": "חוֹף"},
        (),
        "חופ",
    ),
    "type answer on an empty field": (
        "{{Front}}{{type:Extra}}",
        "{{type:Extra}}",
        {"Front": "f"},
        (),
        "x",
    ),
    "type answer on a special field": (
        "{{Front}}{{type:Tags}}",
        "{{type:Tags}}",
        {"Front": "f"},
        ("t",),
        "t",
    ),
    "type answer only on the back": (
        "{{Front}}",
        "{{type:Back}}",
        {"Front": "f", "Back": "b"},
        (),
        "b",
    ),
    "type answer with other filters": (
        "{{Front}}{{type:text:Back}}",
        "{{type:text:Back}}",
        {"Front": "f", "Back": "b"},
        (),
        "b",
    ),
}

CLOZE_CASES = {
    "clozes and hints": (
        "{{cloze:Text}}",
        "{{cloze:Text}}<br>{{Extra}}",
        {"Text": "{{c1::a}} {{c2::b::hint}} {{c1::c}}", "Extra": "x"},
        (0, 1, 2),
    ),
    "nested clozes": (
        "{{cloze:Text}}",
        "{{cloze:Text}}",
        {"Text": "{{c1::a {{c2::b}} c::h}} d {{c3::e {{c3::f}}}}"},
        (0, 1, 2),
    ),
    "front side of a cloze": (
        "{{cloze:Text}}",
        "{{FrontSide}}|{{cloze:Text}}",
        {"Text": "{{c1::x}} y"},
        (0,),
    ),
    "no clozes at all": ("{{cloze:Text}}", "{{cloze:Text}}", {"Text": "plain"}, (0, 1)),
    "clozes in a field the template doesn't show": (
        "{{cloze:Text}}",
        "x",
        {"Text": "{{c2::a}}", "Extra": "{{c1::b}}"},
        (0, 1, 2),
    ),
    "odd cloze markers": (
        "{{cloze:Text}}",
        "{{cloze:Text}}",
        {
            "Text": "{{c0::zero}} {{c01::one}} {{C1::upper}} {{c70000::big}} {{c1::x::}} "
            "{{c1:: a :: b :: c}} a}}b {{c1::open"
        },
        (0, 1),
    ),
    "deep nesting": (
        "{{cloze:Text}}",
        "{{cloze:Text}}",
        {"Text": "".join(f"{{{{c{i}::{i}" for i in range(1, 13)) + "}}" * 12},
        (0, 9, 11),
    ),
    "escaped cloze content": (
        "{{cloze:Text}}",
        "{{cloze:Text}}",
        {"Text": '{{c1::a&amp;"b é日 <b>x</b>\t_}} {{c2::y}}'},
        (0,),
    ),
    "mathjax in clozes": (
        "{{cloze:Text}}",
        "{{cloze:Text}}",
        {"Text": r"{{c1::<b>x</b>}} \(a{{c1::<i>b</i>}}&amp;\) \[{{c2::y}}\]"},
        (0, 1),
    ),
    "cloze-only filter": (
        "{{cloze-only:Text}}{{cloze:Text}}",
        "{{cloze-only:Text}}",
        {"Text": "a{{c1::b}} {{c1::c::h}} {{c2::d}}"},
        (0, 1),
    ),
    "cloze conditionals": (
        "{{cloze:Text}}{{#c1}}one{{/c1}}{{#c2}}two{{/c2}}{{^c3}}not three{{/c3}}",
        "",
        {"Text": "{{c1::a}}{{c2::b}}"},
        (0, 1),
    ),
    "tts of a cloze": (
        "{{cloze:Text}}{{tts en_US:cloze:Text}}",
        "{{tts en_US cloze_blank=gap:cloze:Text}}",
        {"Text": "Paris is in {{c1::France}}"},
        (0,),
    ),
    "type answer for a cloze": (
        "{{cloze:Text}}{{type:cloze:Text}}",
        "{{cloze:Text}}<hr id=answer>{{type:cloze:Text}}",
        {"Text": "{{c1::Rome}} is in {{c2::Italy}}, {{c1::Rome}} {{c2::Lazio}}"},
        (0, 1),
    ),
}


def _standard_case(spec):
    qfmt, afmt, fields, *rest = spec
    tags = rest[0] if rest else ()
    typed = rest[1] if len(rest) > 1 else None
    return {"qfmt": qfmt, "afmt": afmt, "fields": fields, "tags": tags, "typed": typed}


@pytest.mark.parametrize("case", STANDARD_CASES, ids=str)
def test_it_renders_standard_cards_as_anki_does(col, case):
    assert_same(col, **_standard_case(STANDARD_CASES[case]))


@pytest.mark.parametrize("case", ["special fields", "special fields with tags"])
def test_it_renders_special_fields_with_tags_as_anki_does(col, case):
    spec = _standard_case(STANDARD_CASES[case])
    spec["tags"] = ["alpha", "b::c", "Zeta"]
    spec["fields"] = {**spec["fields"], "Front": "f"}
    assert_same(col, **spec)


@pytest.mark.parametrize("case", CLOZE_CASES, ids=str)
def test_it_renders_cloze_cards_as_anki_does(col, case):
    qfmt, afmt, fields, ords = CLOZE_CASES[case]
    for ord_ in ords:
        assert_same(col, qfmt=qfmt, afmt=afmt, fields=fields, ord_=ord_, cloze=True)


@pytest.mark.parametrize("typed", ["Rome", "rome", "", None, "Romeo", "Italy"])
def test_it_compares_typed_cloze_answers_as_anki_does(col, typed):
    case = CLOZE_CASES["type answer for a cloze"]
    for ord_ in (0, 1):
        assert_same(
            col, qfmt=case[0], afmt=case[1], fields=case[2], ord_=ord_, cloze=True, typed=typed
        )


def test_it_fills_deck_names_as_anki_does_for_a_saved_card(col):
    model = col.models.by_name("Standard+")
    model = col.models.copy(model, add=False)
    model["name"] = "Deck names"
    model["tmpls"][0]["name"] = "Forward"
    model["tmpls"][0]["qfmt"] = "{{Front}}|{{Deck}}|{{Subdeck}}|{{Card}}|{{Type}}|{{text:Deck}}"
    col.models.add(model)
    model = col.models.by_name("Deck names")
    note = col.new_note(model)
    note["Front"] = "f"
    deck_id = col.decks.id("Parent::Child &amp; <b>x</b>")
    col.add_note(note, deck_id)
    card = note.cards()[0]
    expected = card.render_output()

    ours = render_card(
        qfmt=model["tmpls"][0]["qfmt"],
        afmt=model["tmpls"][0]["afmt"],
        fields=dict(note.items()),
        card_ord=0,
        is_cloze=False,
        deck_name=col.decks.name(deck_id),
        card_name="Forward",
        note_type_name="Deck names",
        card_id=card.id,
    )
    assert ours.question == expected.question_text
    assert ours.answer == expected.answer_text


# Which cards a note makes
# ----------------------------------------------------------------------------

CARD_GENERATION_CASES = [
    (["{{Front}}", "{{Back}}"], {"Front": "f"}, ()),
    (["{{Front}}", "{{Back}}"], {"Front": "f", "Back": "b"}, ()),
    (["{{Front}}", "{{Back}}"], {"Extra": "e"}, ()),  # nothing: Anki still makes card 1
    (["{{#Front}}{{Back}}{{/Front}}", "{{^Front}}{{Back}}{{/Front}}"], {"Back": "b"}, ()),
    (
        ["{{#Front}}{{Back}}{{/Front}}", "{{^Front}}{{Back}}{{/Front}}"],
        {"Front": "f", "Back": "b"},
        (),
    ),
    (["{{#Front}}text only{{/Front}}", "{{Back}}"], {"Front": "f", "Back": "b"}, ()),
    (["{{Tags}}", "{{Front}}"], {"Extra": "e"}, ("t",)),
    (["{{#Tags}}{{Front}}{{/Tags}}", "{{Extra}}"], {"Front": "f", "Extra": "e"}, ()),
    (["{{Deck}}", "{{Front}}"], {"Front": "f"}, ()),
    (["{{Extra}}", "{{#Deck}}{{Back}}{{/Deck}}", "{{^Card}}{{Back}}{{/Card}}"], {"Back": "b"}, ()),
    (["{{Extra}}", "{{#c1}}{{Back}}{{/c1}}", "{{^c2}}{{Back}}{{/c2}}"], {"Back": "b"}, ()),
    (["{{Extra}}", "{{Tags}}", "{{^Tags}}{{Back}}{{/Tags}}"], {"Back": "b"}, ()),
    (["{{Extra}}", "{{Tags}}", "{{^Tags}}{{Back}}{{/Tags}}"], {"Back": "b"}, ("t",)),
    (["{{Extra}}", "{{FrontSide}}"], {"Back": "b"}, ()),
    (["{{type:Back}}", "{{Front}}"], {"Back": "b", "Front": "f"}, ()),
    (["{{Front}}", "{{Back}}"], {"Front": "<br><div> </div>", "Back": "b"}, ()),
]


@pytest.mark.parametrize("templates,fields,tags", CARD_GENERATION_CASES)
def test_it_picks_the_cards_anki_makes_for_a_standard_note(col, templates, fields, tags):
    model = col.models.new(f"Generation {len(col.models.all_names_and_ids())}")
    for field_name in FIELDS:
        col.models.add_field(model, col.models.new_field(field_name))
    for i, qfmt in enumerate(templates):
        template = col.models.new_template(f"Card {i + 1}")
        template["qfmt"], template["afmt"] = qfmt, "{{Front}}"
        col.models.add_template(model, template)
    col.models.add(model)
    note = col.new_note(col.models.by_name(model["name"]))
    for name, value in fields.items():
        note[name] = value
    note.tags = list(tags)
    col.add_note(note, col.decks.id("Default"))
    anki_ords = sorted(card.ord for card in note.cards())

    ours = nonempty_card_ords(
        templates=[{"qfmt": q, "afmt": "{{Front}}"} for q in templates],
        fields={**dict.fromkeys(FIELDS, ""), **fields},
        is_cloze=False,
        tags=tags,
    )
    assert ours == anki_ords


@pytest.mark.parametrize(
    "fields",
    [
        {"Text": "{{c1::a}} {{c3::b}}"},
        {"Text": "no clozes"},
        {"Extra": "{{c2::x}}"},
        {"Text": "{{c0::x}}"},
        {"Text": "{{c600::x}} {{c2::y}}"},
        {"Text": "{{c1::a {{c2::b}}}} {{c4::unclosed"},
    ],
)
def test_it_picks_the_cards_anki_makes_for_a_cloze_note(col, fields):
    model = col.models.by_name("Cloze+")
    note = col.new_note(model)
    for name, value in fields.items():
        note[name] = value
    col.add_note(note, col.decks.id("Default"))
    anki_ords = sorted(card.ord for card in note.cards())
    ours = nonempty_card_ords(
        templates=model["tmpls"], fields={**dict.fromkeys(FIELDS, ""), **fields}, is_cloze=True
    )
    assert ours == anki_ords


def test_it_can_report_that_a_note_makes_no_cards():
    assert (
        nonempty_card_ords(
            templates=[{"qfmt": "{{Front}}"}],
            fields={"Front": ""},
            is_cloze=False,
            ensure_one=False,
        )
        == []
    )


# Helpers
# ----------------------------------------------------------------------------


def test_it_lists_the_names_a_template_refers_to():
    template = (
        "{{Front}} {{#Back}}{{text:hint:Extra}}{{/Back}} {{^Tags}}{{/Tags}} "
        "{{#c1}}{{/c1}} {{tts en_US:}} {{FrontSide}}"
    )
    assert field_names_in(template) == {"Front", "Back", "Extra", "Tags", "FrontSide"}


def test_it_lists_names_even_in_a_broken_template():
    assert field_names_in("{{#Front}}{{Back}}") == {"Front", "Back"}


def test_it_explains_a_broken_template():
    assert template_error("{{#Front}}x") == "Missing '\u2068{{/Front}}\u2069'"
    assert template_error("{{#Front}}x{{/Front}}") is None


def test_it_counts_cloze_numbers_as_anki_does(col):
    model = col.models.by_name("Cloze+")
    for text in ["{{c2::te}}{{c1::s}}t{{", "{{c0::te}}s{{c2::t}}s", "{{c1::a {{c3::b}}}}", "x"]:
        note = col.new_note(model)
        note["Text"] = text
        assert cloze_numbers(text) == set(
            col._backend.cloze_numbers_in_note(note._to_backend_note())
        )


# Text primitives against Anki's backend, on generated input
# ----------------------------------------------------------------------------

_PIECES = [
    "a",
    "b",
    " ",
    "é",
    "日",
    "\n",
    "<b>",
    "</b>",
    "<br>",
    "<div>",
    "</div>",
    "<!--",
    "-->",
    "&amp;",
    "&nbsp;",
    "&#x41;",
    "&",
    ";",
    "&lt;",
    "{{",
    "}}",
    "{{c1::",
    "{{c2::",
    "::",
    "c1",
    "[",
    "]",
    "[sound:",
    "x.mp3]",
    "[anki:tts lang=en_US]",
    "[/anki:tts]",
    "[...]",
    "\\(",
    "\\)",
    "<style>",
    "</style>",
    "\u0301",
    "'",
    '"',
]
_texts = st.lists(st.sampled_from(_PIECES), max_size=14).map("".join)
_fast = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_fast
@given(text=_texts)
def test_strip_html_matches_anki(col, text):
    assert anki_text.strip_html(text) == col._backend.strip_html(text=text, mode=0)


@_fast
@given(text=_texts)
def test_sound_and_tts_extraction_matches_anki(col, text):
    expected = col._backend.extract_av_tags(text=text, question_side=True)
    ours_text, ours_tags = anki_text.extract_av_tags(text, "q")
    assert ours_text == expected.text
    assert our_av(ours_tags) == _av([_native_av(tag) for tag in expected.av_tags])
    assert anki_text.strip_av_tags(text) == col._backend.strip_av_tags(text)


def _native_av(tag):
    from anki.template import av_tag_to_native

    return av_tag_to_native(tag)


@_fast
@given(text=_texts, ordinal=st.integers(1, 3))
def test_cloze_extraction_for_typing_matches_anki(col, text, ordinal):
    assert anki_text.extract_cloze_for_typing(text, ordinal) == col.extract_cloze_for_typing(
        text, ordinal
    )


@_fast
@given(text=_texts, ordinal=st.integers(0, 2), answer=st.booleans())
def test_cloze_rendering_matches_anki(col, text, ordinal, answer):
    afmt = "{{cloze:Text}}" if answer else ""
    assert_same(
        col, qfmt="{{cloze:Text}}", afmt=afmt, fields={"Text": text}, ord_=ordinal, cloze=True
    )


_words = st.lists(
    st.sampled_from(["a", "b", "é", "e\u0301", " ", "ß", "<b>", "&amp;", "日", "x"]), max_size=8
).map("".join)


@_fast
@given(expected=_words, typed=_words, combining=st.booleans())
def test_answer_comparison_matches_anki(col, expected, typed, combining):
    assert anki_text.compare_answer(expected, typed, combining=combining) == col.compare_answer(
        expected, typed, combining
    )


_TEMPLATE_PIECES = [
    "{{",
    "}}",
    "Front",
    "Back",
    "Empty",
    "Tags",
    "Deck",
    "FrontSide",
    "#",
    "^",
    "/",
    ":",
    "text:",
    "hint:",
    "cloze:",
    "type:",
    "tts en_US:",
    "foo:",
    " ",
    "<!--",
    "-->",
    "x",
    "{{Front}}",
    "{{#Back}}",
    "{{/Back}}",
    "{{^Empty}}",
    "{{/Empty}}",
    "{{type:Back}}",
    "<hr id=answer>",
    "[sound:s.mp3]",
    "{",
    "}",
    "\n",
]
_templates = st.lists(st.sampled_from(_TEMPLATE_PIECES), max_size=12).map("".join)
_field_values = st.sampled_from(["", "f", "<b>b</b>", "{{c1::x}}", " <br> ", "[sound:f.mp3]"])


@_fast
@given(
    qfmt=_templates,
    afmt=_templates,
    front=_field_values,
    back=_field_values,
    typed=st.sampled_from([None, "", "b", "<b>b</b>"]),
)
def test_generated_templates_render_as_anki_does(col, qfmt, afmt, front, back, typed):
    assert_same(col, qfmt=qfmt, afmt=afmt, fields={"Front": front, "Back": back}, typed=typed)
