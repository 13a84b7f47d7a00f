"""Card CSS made safe to put in our pages (Django-free; the one user of tinycss2).

scope_css() rewrites a note type's stylesheet (and any <style> a card carries)
so it only reaches inside the card's container: Anki's `.card` (the body of
Anki's card view), `body`, `html`, `:root` and `#qa` become the container
selector, and every other selector is nested under it. clean_style_attribute()
does the same declaration cleaning for style="" attributes.

Nothing in the output can load remote content: url() must name a media file
(rewritten to its URL when a media_url callable is given) or be an inline
image/font; @import, expression(), image-set(), behavior and -moz-binding are
dropped. The output never contains "<", so it can't close a <style> element.
"""

from __future__ import annotations

import re

import tinycss2
from tinycss2.serializer import serialize_identifier, serialize_string_value

from flashcards.media_refs import MediaUrl, resolve_reference

DEFAULT_SCOPE = ".card-scope"

_GROUPING_AT_RULES = frozenset({"media", "supports", "container", "layer", "document"})
_KEYFRAMES = frozenset({"keyframes", "-webkit-keyframes", "-moz-keyframes"})
_BLOCKED_PROPERTIES = frozenset({"behavior", "-moz-binding", "-ms-behavior"})
# Functions that fetch, or take bare strings as URLs, or ran script in old IEs.
_BLOCKED_FUNCTIONS = frozenset(
    {
        "expression",
        "image",
        "image-set",
        "-webkit-image-set",
        "cross-fade",
        "-webkit-cross-fade",
        "element",
        "-moz-element",
        "paint",
        "src",
    }
)
_ROOT_CLASSES = frozenset({"card"})
_ROOT_TYPES = frozenset({"html", "body"})
_SIBLING_COMBINATORS = frozenset({"+", "~"})
_NIGHT_MODE_CLASSES = frozenset({"nightMode", "night_mode", "night-mode"})
# Classes Anki puts on the card root besides "card": card1, card2 ... for the
# template, nightMode in dark mode. The container carries them too.
_ROOT_STATE_CLASS = re.compile(r"card[0-9]+|nightMode|night_mode|night-mode")


class _Scope:
    """Stands for the card container inside a rewritten selector."""


_SCOPE = _Scope()


def _rewrite_selector_tokens(tokens: list) -> list:
    """Replace the references to Anki's card root with _SCOPE, inside functions too."""
    out: list = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        previous = tokens[i - 1] if i else None
        if (
            token.type == "literal"
            and token.value == "."
            and following is not None
            and following.type == "ident"
        ):
            if following.value in _ROOT_CLASSES:
                out.append(_SCOPE)
                i += 2
                continue
            if _ROOT_STATE_CLASS.fullmatch(following.value):
                # a class Anki puts on the card root: keep it on the container
                out.extend([_SCOPE, token, following])
                i += 2
                continue
        if (
            token.type == "literal"
            and token.value == ":"
            and following is not None
            and following.type == "ident"
            and following.lower_value == "root"
            and not (previous is not None and previous.type == "literal" and previous.value == ":")
        ):
            out.append(_SCOPE)
            i += 2
            continue
        if (
            token.type == "ident"
            and token.lower_value in _ROOT_TYPES
            and (
                previous is None
                or previous.type == "whitespace"
                or (previous.type == "literal" and previous.value in (">", "+", "~"))
            )
        ):
            out.append(_SCOPE)
            i += 1
            continue
        if token.type == "hash" and token.value == "qa":
            out.append(_SCOPE)
            i += 1
            continue
        if token.type == "function":
            out.append(("function", token.name, _rewrite_selector_tokens(token.arguments)))
            i += 1
            continue
        out.append(token)
        i += 1
    return out


def _serialize_selector(tokens: list, scope: str) -> str:
    parts = []
    for token in tokens:
        if token is _SCOPE:
            parts.append(scope)
        elif isinstance(token, tuple):
            _kind, name, arguments = token
            parts.append(f"{name}({_serialize_selector(arguments, scope)})")
        else:
            parts.append(tinycss2.serialize([token]))
    return "".join(parts)


def _split_commas(tokens: list) -> list[list]:
    groups: list[list] = [[]]
    for token in tokens:
        if token.type == "literal" and token.value == ",":
            groups.append([])
        else:
            groups[-1].append(token)
    return groups


def _strip_whitespace(tokens: list) -> list:
    start, end = 0, len(tokens)
    while start < end and tokens[start].type in ("whitespace", "comment"):
        start += 1
    while end > start and tokens[end - 1].type in ("whitespace", "comment"):
        end -= 1
    return tokens[start:end]


def _is_class(tokens: list, i: int, names: frozenset[str]) -> bool:
    return (
        i + 1 < len(tokens)
        and tokens[i].type == "literal"
        and tokens[i].value == "."
        and tokens[i + 1].type == "ident"
        and tokens[i + 1].value in names
    )


def _merge_night_mode_root(tokens: list) -> list:
    """`.nightMode .card x` means the card root in night mode: `.nightMode x`."""
    if _is_class(tokens, 0, _NIGHT_MODE_CLASSES):
        rest = tokens[2:]
        if rest and rest[0].type == "whitespace" and _is_class(rest, 1, _ROOT_CLASSES):
            return tokens[:2] + rest[3:]
        if _is_class(rest, 0, _ROOT_CLASSES):
            return tokens[:2] + rest[2:]
    return tokens


def _scope_selector(tokens: list, scope: str) -> str | None:
    tokens = _merge_night_mode_root(_strip_whitespace(tokens))
    if not tokens:
        return None
    rewritten = _rewrite_selector_tokens(tokens)
    scope_at = [i for i, token in enumerate(rewritten) if token is _SCOPE]
    selector = _serialize_selector(rewritten, scope)
    if scope_at:
        after = rewritten[scope_at[-1] + 1 :]
        leaves_the_card = any(
            not isinstance(t, (tuple, _Scope))
            and t.type == "literal"
            and t.value in _SIBLING_COMBINATORS
            for t in after
        )
        if not leaves_the_card:
            return selector
    return f"{scope} {selector}"


def _css_url(value: str) -> str:
    return f'url("{serialize_string_value(value)}")'


def _clean_value(tokens: list, media_url: MediaUrl | None) -> str | None:
    """Serialize a declaration value with its url()s resolved; None if it must go."""
    parts = []
    for token in tokens:
        kind = token.type
        if kind == "url":
            target = resolve_reference(
                token.value, media_url=media_url, allow_data=frozenset({"image", "font"})
            )
            if target is None:
                return None
            parts.append(_css_url(target))
        elif kind == "function":
            name = token.lower_name
            if name in _BLOCKED_FUNCTIONS:
                return None
            if name == "url":
                arguments = [t for t in token.arguments if t.type not in ("whitespace", "comment")]
                if len(arguments) != 1 or arguments[0].type != "string":
                    return None
                target = resolve_reference(
                    arguments[0].value,
                    media_url=media_url,
                    allow_data=frozenset({"image", "font"}),
                )
                if target is None:
                    return None
                parts.append(_css_url(target))
                continue
            inner = _clean_value(token.arguments, media_url)
            if inner is None:
                return None
            parts.append(f"{serialize_identifier(token.name)}({inner})")
        elif kind in ("() block", "[] block", "{} block"):
            inner = _clean_value(token.content, media_url)
            if inner is None:
                return None
            opening, closing = {"() block": "()", "[] block": "[]", "{} block": "{}"}[kind]
            parts.append(f"{opening}{inner}{closing}")
        elif kind in ("at-keyword", "error"):
            return None
        elif kind == "comment":
            continue
        else:
            parts.append(tinycss2.serialize([token]))
    return "".join(parts)


def _clean_declarations(content, media_url: MediaUrl | None) -> list[str]:
    kept = []
    for node in tinycss2.parse_blocks_contents(content, skip_comments=True, skip_whitespace=True):
        if node.type != "declaration" or node.lower_name in _BLOCKED_PROPERTIES:
            continue
        value = _clean_value(node.value, media_url)
        if value is None:
            continue
        important = " !important" if node.important else ""
        kept.append(f"{serialize_identifier(node.name)}: {value.strip()}{important}")
    return kept


def _no_angle_brackets(css: str) -> str:
    # "<" is never needed outside strings; as an escape it can't end a <style>.
    return css.replace("<", "\\3c ")


def clean_style_attribute(value: str, *, media_url: MediaUrl | None = None) -> str | None:
    """A style="" value with unsafe declarations removed; None if nothing is left."""
    declarations = _clean_declarations(value, media_url)
    if not declarations:
        return None
    return _no_angle_brackets("; ".join(declarations))


def _scope_rules(rules, scope: str, media_url: MediaUrl | None) -> list[str]:
    out: list[str] = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors = [
                scoped
                for group in _split_commas(rule.prelude)
                if (scoped := _scope_selector(group, scope)) is not None
            ]
            if not selectors:
                continue
            body = "; ".join(_clean_declarations(rule.content or [], media_url))
            out.append(f"{', '.join(selectors)} {{ {body} }}")
        elif rule.type == "at-rule":
            out.extend(_scope_at_rule(rule, scope, media_url))
    return out


def _scope_at_rule(rule, scope: str, media_url: MediaUrl | None) -> list[str]:
    name = rule.lower_at_keyword
    if rule.content is None:
        return []  # @import, @charset, @namespace, statement @layer: dropped
    prelude = _clean_value(rule.prelude, None)
    if prelude is None:
        return []
    prelude = prelude.strip()
    if name in _GROUPING_AT_RULES:
        inner = tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True)
        body = "\n".join(_scope_rules(inner, scope, media_url))
        return [f"@{name} {prelude} {{\n{body}\n}}"]
    if name == "font-face":
        return [f"@font-face {{ {'; '.join(_clean_declarations(rule.content, media_url))} }}"]
    if name in _KEYFRAMES:
        frames = []
        for frame in tinycss2.parse_rule_list(
            rule.content, skip_comments=True, skip_whitespace=True
        ):
            if frame.type != "qualified-rule":
                continue
            selector = _clean_value(frame.prelude, None)
            if selector is None:
                continue
            body = "; ".join(_clean_declarations(frame.content or [], media_url))
            frames.append(f"{selector.strip()} {{ {body} }}")
        return [f"@{name} {prelude} {{\n" + "\n".join(frames) + "\n}"]
    return []


def scope_css(css: str, *, scope: str = DEFAULT_SCOPE, media_url: MediaUrl | None = None) -> str:
    """Rewrite a card stylesheet so it styles only the card container and what's in it."""
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    return _no_angle_brackets("\n".join(_scope_rules(rules, scope, media_url)))
