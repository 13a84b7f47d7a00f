"""Note-type CSS scoped to the card container: nothing reaches the page around it."""

from __future__ import annotations

import pytest
import tinycss2

from flashcards.card_css import clean_style_attribute, scope_css


def media_url(name: str) -> str:
    return f"/media/7/{name}"


def rules(css: str) -> list[tuple[str, str]]:
    """(selector, declarations) for every style rule, at any depth."""
    out = []

    def walk(nodes):
        for node in nodes:
            if node.type == "qualified-rule":
                out.append(
                    (tinycss2.serialize(node.prelude).strip(), tinycss2.serialize(node.content))
                )
            elif node.type == "at-rule" and node.lower_at_keyword in ("media", "supports"):
                walk(tinycss2.parse_rule_list(node.content, True, True))

    walk(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))
    return out


def selectors(css: str) -> list[str]:
    return [part.strip() for selector, _ in rules(css) for part in selector.split(",")]


@pytest.mark.parametrize(
    "selector,scoped",
    [
        (".card", ".card-scope"),
        ("body", ".card-scope"),
        ("html", ".card-scope"),
        (":root", ".card-scope"),
        ("#qa", ".card-scope"),
        (".card .cloze", ".card-scope .cloze"),
        (".cloze", ".card-scope .cloze"),
        ("img", ".card-scope img"),
        ("*", ".card-scope *"),
        ("#typeans", ".card-scope #typeans"),
        ("div.card", "div.card-scope"),
        (".card > b", ".card-scope > b"),
        (".card1 .front", ".card-scope.card1 .front"),
        (".nightMode .cloze", ".card-scope.nightMode .cloze"),
        (".nightMode .card", ".card-scope.nightMode"),
        (".night_mode .card img", ".card-scope.night_mode img"),
        (".card.nightMode", ".card-scope.card-scope.nightMode"),
        ("a:hover::after", ".card-scope a:hover::after"),
        ("img:not(.card)", ".card-scope img:not(.card-scope)"),
        # a sibling of the container is outside the card, so it is nested instead
        (".card ~ .x", ".card-scope .card-scope ~ .x"),
        (".card + p", ".card-scope .card-scope + p"),
        ("body > .card", ".card-scope > .card-scope"),
    ],
)
def test_it_scopes_each_selector_to_the_card(selector, scoped):
    assert selectors(scope_css(f"{selector} {{ color: red }}")) == [scoped]


def test_it_scopes_every_selector_of_a_list():
    css = scope_css(".card, .cloze, body p { color: red }")
    assert selectors(css) == [".card-scope", ".card-scope .cloze", ".card-scope p"]


def test_every_scoped_rule_selects_only_inside_the_card():
    css = scope_css(
        """
        .card { font-family: arial; }
        html body div.x > p, .a .card .b, :root { color: red }
        @media (max-width: 600px) { .card { font-size: 14px } span { color: blue } }
        @supports (display: grid) { ul { display: grid } }
        *, *::before { box-sizing: border-box }
        """
    )
    for selector in selectors(css):
        assert ".card-scope" in selector
        after = selector.rsplit(".card-scope", 1)[1]
        assert "~" not in after and "+" not in after, selector


def test_it_keeps_media_queries_and_keyframes():
    css = scope_css(
        "@media (max-width: 600px) { .card { font-size: 14px } }"
        "@keyframes pulse { from { opacity: 0 } to { opacity: 1 } }"
    )
    assert "@media (max-width: 600px) {\n.card-scope { font-size: 14px }\n}" in css
    assert "@keyframes pulse {\nfrom { opacity: 0 }\nto { opacity: 1 }\n}" in css


def test_it_drops_imports_and_other_statements():
    css = scope_css(
        "@import url(http://evil.example/x.css); @import 'local.css'; @charset 'utf-8';"
        "@namespace svg url(http://www.w3.org/2000/svg); .card { color: red }"
    )
    assert css == ".card-scope { color: red }"


def test_it_points_urls_at_the_owners_media_and_drops_remote_ones():
    css = scope_css(
        '.a { background: url("_bg.png") } .b { background: url(http://evil.example/x.png) }'
        ".c { background: url(//evil.example/x.png); color: red }"
        '@font-face { font-family: Foo; src: url("_foo.woff2") format("woff2") }',
        media_url=media_url,
    )
    assert rules(css) == [
        (".card-scope .a", ' background: url("/media/7/_bg.png") '),
        (".card-scope .b", "  "),
        (".card-scope .c", " color: red "),
    ]
    assert '@font-face { font-family: Foo; src: url("/media/7/_foo.woff2") format("woff2") }' in css


@pytest.mark.parametrize(
    "declaration",
    [
        "background: url(http://evil.example/x.png)",
        "background: u\\72l(http://evil.example/x.png)",
        "background: URL('https://evil.example/x.png')",
        "background: url(javascript:alert(1))",
        "width: expression(alert(1))",
        "behavior: url(x.htc)",
        "-moz-binding: url(http://evil.example/x.xml#xss)",
        "background-image: image-set('http://evil.example/a.png' 1x)",
        "background-image: -webkit-image-set(url(a.png) 1x)",
        "--x: url(http://evil.example/x)",
        "background: url(data:text/html,hi)",
    ],
)
def test_it_removes_declarations_that_load_or_run_something(declaration):
    assert rules(scope_css(f".x {{ {declaration}; color: red }}")) == [
        (".card-scope .x", " color: red ")
    ]
    assert clean_style_attribute(f"{declaration}; color: red") == "color: red"


def test_a_stylesheet_cannot_close_its_style_element():
    css = scope_css(
        '.s::after { content: "</style><script>alert(1)</script>" } '
        "</style><script>alert(2)</script>"
    )
    assert "<" not in css
    assert rules(css)[0][0] == ".card-scope .s::after"


def test_it_cleans_style_attributes():
    assert clean_style_attribute("color: red; font-size: 12px !important") == (
        "color: red; font-size: 12px !important"
    )
    assert clean_style_attribute("background-image: url(cat.png)", media_url=media_url) == (
        'background-image: url("/media/7/cat.png")'
    )
    assert clean_style_attribute("background: url(http://evil.example/x)") is None
    assert clean_style_attribute("") is None
