"""The rule catalog: every rule's name, description and matcher, in the
order the cleaner applies them (``LINE_RULES``: the first that matches a
line removes it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from newsmill.extractors.rules.line import (
    _is_weather_heading,
    is_ad_marker,
    is_address,
    is_affiliate,
    is_app_promo,
    is_caps_headline,
    is_comment_prompt,
    is_contact,
    is_contributors,
    is_cookie_notice,
    is_copyright,
    is_dateline,
    is_exchange_heading,
    is_exchange_ticker,
    is_link_prompt,
    is_messenger,
    is_nav,
    is_photo_credit,
    is_reading_time,
    is_related_heading,
    is_related_inline,
    is_reprint,
    is_share,
    is_shortcode,
    is_source_line,
    is_tags_heading,
    is_tags_line,
    is_weather,
    is_widget_message,
)

Matcher = Callable[[str], bool]


@dataclass(frozen=True)
class Rule:
    """A named rule. Line and block rules carry ``match(line)``; context
    rules (repeats, trailing runs, site templates) have ``match=None`` and
    are applied by :mod:`newsmill.extractors.clean`, which knows the
    headline, the other lines and the site."""

    name: str
    description: str
    match: Matcher | None = None
    max_words: int = 1_000_000  # lines longer than this never match (a fast pre-filter)


LINE_RULES: tuple[Rule, ...] = (
    Rule("share.buttons", "share prompts and rows of social network names", is_share, 12),
    Rule("promo.messenger", "subscribe/join/follow prompts for messengers, channels, newsletters",
         is_messenger, 60),
    Rule("footer.copyright", "copyright and all-rights-reserved lines", is_copyright, 25),
    Rule("footer.reprint", "reprint and citation conditions", is_reprint, 60),
    Rule("credit.photo", "photo and video credits and captions credits", is_photo_credit, 20),
    Rule("ads.marker", "advertising and sponsored-content markers", is_ad_marker, 4),
    Rule("cookie.notice", "cookie consent notices", is_cookie_notice, 60),
    Rule("nav.links", "site navigation and footer link rows", is_nav, 8),
    Rule("related.inline", "a single 'read also: <headline>' line or a '<headline> [VIDEO]' link",
         is_related_inline, 25),
    Rule("related.caps_headline", "a linked headline in capitals inside the body", is_caps_headline, 25),
    Rule("comments.prompt", "comment prompts and moderation notices", is_comment_prompt, 30),
    Rule("widget.message", "share/e-mail widget messages ('This article has been sent to')", is_widget_message, 15),
    Rule("footer.contact", "'Write to <author> at <e-mail>' contact lines", is_contact, 25),
    Rule("tags.inline", "a 'Tags: a, b, c' line", is_tags_line, 40),
    Rule("credit.contributors", "'Reporting by X; editing by Y' and 'X contributed to this report'",
         is_contributors, 40),
    Rule("credit.source", "a short 'Source: <outlet>' label", is_source_line, 8),
    Rule("meta.reading_time", "reading-time labels ('5 min read')", is_reading_time, 6),
    Rule("ads.affiliate", "affiliate and commission disclosures", is_affiliate, 60),
    Rule("promo.link", "prompts to follow, listen or read elsewhere, with the web address", is_link_prompt, 25),
    Rule("promo.app", "prompts to get the outlet's app or read its e-paper ('Get the <outlet> app!')",
         is_app_promo, 12),
    Rule("markup.shortcode", "CMS shortcodes leaked into the text ('[button link=...]...[/button]')",
         is_shortcode, 40),
    Rule("footer.address", "a footer address line: phone number with street, postcode or tax id", is_address, 40),
    Rule("byline.dateline", "short date-and-author or date-and-outlet lines (at most three in a page: more "
         "are the dates of its posts or entries, and stay)", is_dateline, 10),
    Rule("widget.exchange_rate", "exchange-rate and stock tickers (number-heavy lines)", is_exchange_ticker,
         40),
    Rule("widget.weather", "weather widgets: temperatures and widget ids", is_weather, 10),
)
BLOCK_RULES: tuple[Rule, ...] = (
    Rule("related.list", "a 'read also'/'related' heading and the short headline lines after it",
         is_related_heading),
    Rule("widget.exchange_block", "an exchange-rate heading and the ticker lines after it", is_exchange_heading),
    Rule("widget.weather_block", "a weather heading and the short lines after it",
         _is_weather_heading),
    Rule("tags.list", "a 'Tags' heading and the tag lines after it", is_tags_heading),
)
OTHER_RULES: tuple[Rule, ...] = (
    Rule("repeat.headline", "the headline repeated in the body", None),
    Rule("repeat.headline_caption", "the headline followed by a photo caption", None),
    Rule("repeat.paragraph", "the lead (one of the body's first three lines) repeated, or a line repeated "
         "right after itself", None),
    Rule("repeat.page_url", "a line that only prints the page's own address", None),
    Rule("related.trailing", "a run of short headline-like lines after the article end", None),
    Rule("related.linked_trailing", "three or more lines at the end that are each a link (HTML pages)", None),
    Rule("related.teaser_trailing", "three or more list items at the end that each open with a linked "
         "headline followed by its summary (HTML pages)", None),
    Rule("trailing.fragment", "one- to three-word fragments after the article end", None),
    Rule("byline.bio", "one of the last three lines that begins with an author's full name and goes on for a "
         "sentence (the author's bio)", None),
    Rule("nav.short_run", "a long run of one- to three-word lines (menus, tag clouds, archive lists)", None),
    Rule("site.template", "a line learned as template of its site", None),
)
RULES: dict[str, Rule] = {r.name: r for r in (*LINE_RULES, *BLOCK_RULES, *OTHER_RULES)}
