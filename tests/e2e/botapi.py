"""A local stand-in of the Telegram Bot API for end-to-end tests.

The bot under test reaches it over real HTTP (``TELEGRAM_API_BASE_URL`` = ``base_url``) and it
answers as Telegram's own Bot API server does for the methods the bot uses: the same JSON shapes,
status codes and error descriptions (mirrored from tdlib/telegram-bot-api and tdlib's HTML
parser), so a test fails where Telegram would. A test plays the users through ``user()`` and
``group()`` and asserts on what the bot sent, edited, answered and called.

It behaves as a *local* Bot API server: webhooks may be plain ``http://`` on any port. It
records request parameters in memory for assertions and never logs them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx
import tornado.httputil
import tornado.netutil
import tornado.web
from tornado.httpserver import HTTPServer

JSON = dict[str, Any]

MAX_MESSAGE_LENGTH = 4096  # UTF-16 code units of the visible text
MAX_RAW_TEXT_BYTES = 1 << 15  # tdlib refuses larger raw text before parsing it
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
LONG_POLL_MAX_TIMEOUT = 50

ALL_UPDATE_TYPES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
)
DEFAULT_UPDATE_TYPES = frozenset(ALL_UPDATE_TYPES) - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}
CHAT_ACTIONS = frozenset(
    {
        "cancel",
        "typing",
        "record_video",
        "upload_video",
        "record_audio",
        "record_voice",
        "upload_audio",
        "upload_voice",
        "upload_photo",
        "upload_document",
        "choose_sticker",
        "pick_up_location",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# Methods that flood control throttles unless a test names others.
SENDING_METHODS = frozenset(
    {"sendMessage", "editMessageText", "editMessageReplyMarkup", "deleteMessage", "sendChatAction"}
)
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_INLINE_ACTIONS = (
    "callback_game",
    "pay",
    "switch_inline_query",
    "switch_inline_query_chosen_chat",
    "switch_inline_query_current_chat",
    "login_url",
    "web_app",
    "copy_text",
)
_JSON_ARGS = frozenset(
    {
        "reply_markup",
        "reply_parameters",
        "link_preview_options",
        "allowed_updates",
        "commands",
        "scope",
        "menu_button",
        "entities",
    }
)
_INT_ARGS = frozenset(
    {
        "chat_id",
        "message_id",
        "reply_to_message_id",
        "offset",
        "limit",
        "timeout",
        "cache_time",
        "max_connections",
        "user_id",
    }
)
_BOOL_ARGS = frozenset(
    {
        "drop_pending_updates",
        "show_alert",
        "disable_notification",
        "protect_content",
        "disable_web_page_preview",
        "allow_sending_without_reply",
    }
)


class ApiError(Exception):
    """A Bot API error answer: HTTP code, Telegram's description, optional retry_after."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


def bad_request(message: str) -> ApiError:
    """A 400 worded as the Bot API words tdlib's errors (UPPER_CASE codes are kept verbatim)."""
    if len(message) >= 2 and (message[1] == "_" or message[1].isupper()):
        return ApiError(400, f"Bad Request: {message}")
    return ApiError(400, f"Bad Request: {message[0].lower()}{message[1:]}")


def utf16_len(text: str) -> int:
    """Length of text in UTF-16 code units, the unit of Telegram's limits and entity offsets."""
    return len(text.encode("utf-16-le")) // 2


# --- Telegram's HTML parse mode ------------------------------------------------------------


class EntityParseError(ValueError):
    """Malformed HTML for Telegram's parse mode, with tdlib's wording."""


_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_TAG_TYPES = {
    "i": "italic",
    "em": "italic",
    "b": "bold",
    "strong": "bold",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED_REFERENCES = {b"lt": ord("<"), b"gt": ord(">"), b"amp": ord("&"), b"quot": ord('"')}
_SPACES = frozenset(b" \t\r\n\0\v\f")  # tdlib's is_space; the NUL past the end counts too
_AMP, _LT, _GT, _SLASH, _EQ = b"&<>/="
_QUOTES = frozenset(b"'\"")
_HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")
_ATTRIBUTE_END = _SPACES | frozenset(b"=>/'\"")


@dataclass
class _OpenTag:
    name: str
    argument: str
    offset: int  # UTF-16 offset of the content
    begin: int  # byte offset of the content in the output


class _HtmlParser:
    """tdlib's parse_html, byte for byte, so offsets and error messages match Telegram's."""

    def __init__(self, text: str, strict_ampersand: bool) -> None:
        self.data = text.encode("utf-8")
        self.strict_ampersand = strict_ampersand
        self.out = bytearray()
        self.utf16 = 0
        self.entities: list[JSON] = []  # a code entity keeps its language under "_language"
        self.open: list[_OpenTag] = []
        self.bad_surrogate = False

    def at(self, i: int) -> int:
        return self.data[i] if i < len(self.data) else 0

    def parse(self) -> tuple[str, list[JSON]]:
        i = 0
        while i < len(self.data):
            byte = self.data[i]
            if byte == _AMP:
                reference = self.reference(i)
                if reference is not None:
                    code, i = reference
                    self.emit(code)
                    continue
                if self.strict_ampersand:
                    raise EntityParseError(
                        f'Unescaped "&" at byte offset {i} (stand-in strict check: '
                        "Telegram would show it as text; escape it as &amp;)"
                    )
            if byte != _LT:
                if byte & 0xC0 != 0x80:
                    self.utf16 += 2 if byte >= 0xF0 else 1
                self.out.append(byte)
                i += 1
                continue
            i = self.tag(i) + 1
        if self.open:
            name = self.open[-1].name
            raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{name}"')
        if self.bad_surrogate:
            raise EntityParseError(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        for entity in self.entities:
            entity.pop("_language", None)
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return self.out.decode("utf-8"), entities

    def reference(self, pos: int) -> tuple[int, int] | None:
        """tdlib's decode_html_entity: (code point, next position) or None for a literal '&'."""
        end = pos + 1
        if self.at(end) == ord("#"):
            end += 1
            code = 0
            if self.at(pos + 2) == ord("x"):
                end += 1
                while self.at(end) in _HEX_DIGITS:
                    code = code * 16 + int(chr(self.at(end)), 16)
                    end += 1
            else:
                while 48 <= self.at(end) <= 57:
                    code = code * 10 + self.at(end) - 48
                    end += 1
            if code == 0 or code >= 0x10FFFF or end - pos >= 10:
                return None
        else:
            while chr(self.at(end)).isascii() and chr(self.at(end)).isalpha():
                end += 1
            named = _NAMED_REFERENCES.get(self.data[pos + 1 : end])
            if named is None:
                return None
            code = named
        return code, end + 1 if self.at(end) == ord(";") else end

    def emit(self, code: int) -> None:
        if 0xD800 <= code <= 0xDFFF:
            self.bad_surrogate = True
            self.utf16 += 1
            return
        self.utf16 += 2 if code > 0xFFFF else 1
        self.out += chr(code).encode("utf-8")

    def skip_spaces(self, i: int) -> int:
        while self.at(i) != 0 and self.at(i) in _SPACES:
            i += 1
        return i

    def name(self, start: int, end: int) -> str:
        return self.data[start:end].lower().decode("utf-8", "replace")

    def tag(self, begin: int) -> int:
        """Parses the tag at begin; returns the position of its closing '>'."""
        i = begin + 1
        if self.at(i) == _SLASH:
            return self.end_tag(begin)
        while self.at(i) not in _SPACES and self.at(i) != _GT:
            i += 1
        if self.at(i) == 0:
            raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
        tag = self.name(begin + 1, i)
        if tag not in _HTML_TAGS:
            raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
        argument = ""
        while self.at(i) != _GT:
            i = self.skip_spaces(i)
            if self.at(i) == _GT:
                break
            attribute_begin = i
            while self.at(i) not in _ATTRIBUTE_END:
                i += 1
            attribute = self.data[attribute_begin:i].decode("utf-8", "replace")
            if not attribute:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
                )
            i = self.skip_spaces(i)
            if self.at(i) != _EQ:
                if self.at(i) == 0:
                    raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                if tag == "blockquote" and attribute == "expandable":
                    argument = "1"
                continue
            i = self.skip_spaces(i + 1)
            if self.at(i) == 0:
                raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
            value, i = self.attribute_value(i)
            if self.at(i) == 0:
                raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
            argument = _tag_argument(tag, attribute, value, argument)
        if tag == "span" and argument != "spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {begin}'
            )
        self.open.append(_OpenTag(tag, argument, self.utf16, len(self.out)))
        return i

    def attribute_value(self, i: int) -> tuple[str, int]:
        quote = self.at(i)
        if quote not in _QUOTES:
            token_begin = i
            while chr(self.at(i)).isascii() and (chr(self.at(i)).isalnum() or self.at(i) in b".-"):
                i += 1
            if self.at(i) not in _SPACES and self.at(i) != _GT:
                raise EntityParseError(f"Unexpected end of name token at byte offset {token_begin}")
            return self.name(token_begin, i), i
        i += 1
        value = bytearray()
        while self.at(i) != quote and self.at(i) != 0:
            if self.at(i) == _AMP:
                reference = self.reference(i)
                if reference is not None:
                    code, i = reference
                    value += chr(code).encode("utf-8", "surrogatepass")
                    continue
            value.append(self.at(i))
            i += 1
        if self.at(i) == quote:
            i += 1
        return value.decode("utf-8", "replace"), i

    def end_tag(self, begin: int) -> int:
        if not self.open:
            raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
        i = begin + 2
        while self.at(i) not in _SPACES and self.at(i) != _GT:
            i += 1
        end_name = self.name(begin + 2, i)
        i = self.skip_spaces(i)
        if self.at(i) != _GT:
            raise EntityParseError(f"Unclosed end tag at byte offset {begin}")
        tag = self.open[-1]
        if end_name and end_name != tag.name:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{tag.name}>", '
                f'found "</{end_name}>"'
            )
        if self.utf16 > tag.offset:
            self.close(tag, self.utf16 - tag.offset)
        self.open.pop()
        return i

    def close(self, tag: _OpenTag, length: int) -> None:
        """Records the entity a closed, non-empty tag produces."""
        entity: JSON = {"offset": tag.offset, "length": length}
        previous = self.entities[-1] if self.entities else None
        same_span = (
            previous is not None
            and previous["offset"] == tag.offset
            and previous["length"] == length
        )
        if tag.name in _SIMPLE_TAG_TYPES:
            self.entities.append({"type": _SIMPLE_TAG_TYPES[tag.name], **entity})
        elif tag.name == "blockquote":
            kind = "expandable_blockquote" if tag.argument else "blockquote"
            self.entities.append({"type": kind, **entity})
        elif tag.name == "tg-emoji":
            if not re.fullmatch(r"[1-9]\d{0,18}", tag.argument):
                raise EntityParseError("Invalid custom emoji identifier specified")
            self.entities.append(
                {"type": "custom_emoji", **entity, "custom_emoji_id": tag.argument}
            )
        elif tag.name == "a":
            self.close_link(tag, entity)
        elif tag.name == "pre":
            if same_span and previous is not None and previous.get("_language"):
                previous.update(type="pre", language=previous.pop("_language"))
            else:
                self.entities.append({"type": "pre", **entity})
        elif same_span and previous is not None and previous["type"] == "pre" and tag.argument:
            previous.setdefault("language", tag.argument)
        else:
            self.entities.append({"type": "code", **entity, "_language": tag.argument})

    def close_link(self, tag: _OpenTag, entity: JSON) -> None:
        url = tag.argument or self.out[tag.begin :].decode("utf-8", "replace")
        mention = re.fullmatch(r"tg://user\?id=(\d+)", url)
        if mention:
            user = {"id": int(mention.group(1)), "is_bot": False, "first_name": ""}
            self.entities.append({"type": "text_mention", **entity, "user": user})
            return
        checked = _checked_url(url)
        if checked is not None:
            self.entities.append({"type": "text_link", **entity, "url": checked})


def _tag_argument(tag: str, attribute: str, value: str, current: str) -> str:
    """The argument an attribute gives its tag (tdlib keeps the last one that applies)."""
    if tag == "a" and attribute == "href":
        return value
    if tag == "code" and attribute == "class" and value.startswith("language-"):
        return value.removeprefix("language-")
    if tag == "span" and attribute == "class" and value.startswith("tg-"):
        return value.removeprefix("tg-")
    if tag == "tg-emoji" and attribute == "emoji-id":
        return value
    if tag == "blockquote" and attribute == "expandable":
        return "1"
    return current


def _checked_url(url: str) -> str | None:
    """A link Telegram accepts, scheme added as Telegram does; None drops the entity."""
    url = url.strip()
    if not re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*://", url):
        url = f"http://{url}"
    parts = urlsplit(url)
    if parts.scheme.lower() in ("tg", "ton"):
        return url
    host = parts.hostname or ""
    if parts.scheme.lower() not in ("http", "https") or not ("." in host or host == "localhost"):
        return None
    return url


def parse_html(text: str, *, strict_ampersand: bool = True) -> tuple[str, list[JSON]]:
    """Telegram's HTML parse mode: the visible text and its entities (UTF-16 offsets).

    Raises EntityParseError with tdlib's message. With strict_ampersand a bare '&' that starts
    no entity is refused, although Telegram shows it as text: it is always an escaping bug.
    """
    return _HtmlParser(text, strict_ampersand).parse()


_REMOVED = frozenset("\r\u2028\u2029\u202a\u202b\u202c\u202d\u202e")
_BLANK = " \n"


def _utf16_slice(text: str, start: int, end: int) -> str:
    return text.encode("utf-16-le")[2 * start : 2 * end].decode("utf-16-le")


def clean_text(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """tdlib's fix_formatted_text: what Telegram stores of a text and its entities.

    Control characters become spaces, \\r and bidirectional marks go, entities covering only
    blanks go, trailing blanks go and leading ones too, up to the first entity. An empty
    result means Telegram refuses the message.
    """
    kept: list[str] = []
    new_offset: dict[int, int] = {}
    old = new = 0
    for char in text:
        new_offset[old] = new
        width = utf16_len(char)
        old += width
        if char in _REMOVED:
            continue
        kept.append(" " if ord(char) < 32 and char != "\n" else char)
        new += width
    new_offset[old] = new
    cleaned = "".join(kept)
    moved = []
    for entity in entities:
        start = new_offset.get(entity["offset"])
        end = new_offset.get(entity["offset"] + entity["length"])
        if (
            start is not None
            and end is not None
            and _utf16_slice(cleaned, start, end).strip(_BLANK)
        ):
            moved.append({**entity, "offset": start, "length": end - start})
    right = utf16_len(cleaned.rstrip(_BLANK))
    first_entity = min((e["offset"] for e in moved), default=right)
    left = 0
    while left < min(first_entity, right) and cleaned[left] in _BLANK:
        left += 1
    clipped = []
    for entity in moved:
        length = min(entity["offset"] + entity["length"], right) - entity["offset"]
        clipped.append({**entity, "offset": entity["offset"] - left, "length": length})
    return _utf16_slice(cleaned, left, right), clipped


_COMMAND = re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/@])")


def bot_command_entities(text: str) -> list[JSON]:
    """The bot_command entities Telegram marks in a user's text."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
        }
        for match in _COMMAND.finditer(text)
    ]


# --- reply markup ----------------------------------------------------------------------------


def _json_flag(value: object) -> bool:
    return value is True or value == "true"


def parse_reply_markup(raw: str) -> JSON | None:
    """The reply_markup parameter as Telegram reads it, in canonical form (None: no markup)."""
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        raise bad_request("Can't parse reply keyboard markup JSON object") from None
    if not isinstance(value, dict):
        raise bad_request("Object expected as reply markup")
    rows = [
        [_keyboard_button(button) for button in row]
        for row in _rows(value, "keyboard", 'Field "keyboard" must be an Array of Arrays')
    ]
    inline_rows = [
        [_inline_button(button) for button in row]
        for row in _rows(
            value,
            "inline_keyboard",
            'Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays',
        )
    ]
    selective = _json_flag(value.get("selective")) or _json_flag(value.get("personal_keyboard"))
    if rows:
        markup: JSON = {"keyboard": rows}
        for option in ("resize_keyboard", "one_time_keyboard", "is_persistent"):
            if _json_flag(value.get(option)):
                markup[option] = True
        if isinstance(value.get("input_field_placeholder"), str):
            markup["input_field_placeholder"] = value["input_field_placeholder"]
    elif inline_rows:
        markup = {"inline_keyboard": inline_rows}
    elif _json_flag(value.get("remove_keyboard")) or _json_flag(value.get("hide_keyboard")):
        markup = {"remove_keyboard": True}
    elif _json_flag(value.get("force_reply")) or _json_flag(value.get("force_reply_keyboard")):
        markup = {"force_reply": True}
    else:
        return None
    if selective and "inline_keyboard" not in markup:
        markup["selective"] = True
    return markup


def _rows(value: JSON, name: str, not_rows: str) -> list[list[Any]]:
    rows = value.get(name)
    if rows is None:
        return []
    if not isinstance(rows, list):
        raise bad_request(f'Field "{name}" must be of type Array')
    if not all(isinstance(row, list) for row in rows):
        raise bad_request(not_rows)
    return rows


def _button_text(button: JSON, what: str) -> str:
    text = button.get("text")
    if text is None:
        raise bad_request(f"Can't parse {what}: Can't find field \"text\"")
    if not isinstance(text, str):
        raise bad_request(f'Can\'t parse {what}: Field "text" must be of type String')
    return text


def _keyboard_button(button: object) -> JSON:
    if isinstance(button, str):
        return {"text": button}
    if not isinstance(button, dict):
        raise bad_request(
            "Can't parse keyboard button: KeyboardButton must be a String or an Object"
        )
    parsed: JSON = {"text": _button_text(button, "keyboard button")}
    if _json_flag(button.get("request_contact")) or _json_flag(button.get("request_phone_number")):
        parsed["request_contact"] = True
    elif _json_flag(button.get("request_location")):
        parsed["request_location"] = True
    return parsed


def _inline_button(button: object) -> JSON:
    what = "inline keyboard button"
    if not isinstance(button, dict):
        raise bad_request(f"Can't parse {what}: InlineKeyboardButton must be an Object")
    parsed: JSON = {"text": _button_text(button, what)}
    for kind in ("url", "callback_data"):  # an empty string counts as absent, as in tdlib
        value = button.get(kind)
        if value is not None and not isinstance(value, str):
            raise bad_request(f'Can\'t parse {what}: Field "{kind}" must be of type String')
        if value:
            parsed[kind] = value
            return parsed
    for kind in _INLINE_ACTIONS:
        if kind in button:
            parsed[kind] = button[kind]
            return parsed
    raise bad_request(f"Can't parse {what}: Text buttons are unallowed in the inline keyboard")


def _check_buttons(markup: JSON | None) -> None:
    """The checks Telegram's servers make on a parsed inline keyboard."""
    for row in (markup or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and _checked_url(url) is None:
                raise bad_request("BUTTON_URL_INVALID")


# --- recorded state ----------------------------------------------------------------------------


@dataclass
class Call:
    """One request the stand-in received: method, decoded and raw parameters, time, answer."""

    method: str
    params: dict[str, Any]
    raw: dict[str, str]
    at: float
    status: int = 0
    description: str = ""


@dataclass
class Revision:
    """A message's content before an edit."""

    text: str
    parse_mode: str | None
    plain: str
    entities: list[JSON]
    reply_markup: JSON | None
    edit_date: int | None


@dataclass(eq=False)
class ChatMessage:
    """A message in a chat, from the bot or a user, with its current content and its past."""

    chat_id: int
    message_id: int
    from_bot: bool
    sender_id: int
    date: int
    kind: str = "text"  # text, photo, sticker, voice, location, contact
    text: str = ""  # as sent: HTML markup included for the bot's messages
    parse_mode: str | None = None
    plain: str = ""  # what the user sees
    entities: list[JSON] = field(default_factory=list)
    reply_markup: JSON | None = None
    media: JSON = field(default_factory=dict)  # the Bot API fields of a non-text message
    reply_to: int | None = None
    edit_date: int | None = None
    history: list[Revision] = field(default_factory=list)
    deleted: bool = False

    @property
    def button_rows(self) -> list[list[tuple[str, str | None]]]:
        """The inline keyboard as rows of (label, callback_data)."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [[(button["text"], button.get("callback_data")) for button in row] for row in rows]

    @property
    def buttons(self) -> list[tuple[str, str | None]]:
        """The inline buttons as (label, callback_data), row by row."""
        return [button for row in self.button_rows for button in row]

    @property
    def keyboard(self) -> list[list[str]] | None:
        """The labels of the reply keyboard this message showed, if any."""
        rows = (self.reply_markup or {}).get("keyboard")
        return None if rows is None else [[button["text"] for button in row] for row in rows]

    @property
    def asks_contact(self) -> bool:
        """Whether this message showed a reply keyboard with a request_contact button."""
        rows = (self.reply_markup or {}).get("keyboard", [])
        return any(button.get("request_contact") for row in rows for button in row)

    @property
    def removes_keyboard(self) -> bool:
        """Whether this message removed the reply keyboard."""
        return bool((self.reply_markup or {}).get("remove_keyboard"))

    @property
    def version(self) -> int:
        """How many times the message was edited."""
        return len(self.history)


@dataclass
class CallbackAnswer:
    """The bot's answerCallbackQuery to a tap."""

    query_id: str
    text: str
    show_alert: bool
    url: str
    cache_time: int


@dataclass
class CallbackQuery:
    """A button tap sent to the bot, and the bot's answer once it gives one."""

    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    answer: CallbackAnswer | None = None


@dataclass
class WebhookState:
    """The webhook the bot set, as getWebhookInfo reports it."""

    url: str
    secret_token: str
    max_connections: int
    ip_address: str
    last_error_date: int = 0
    last_error_message: str = ""


@dataclass
class Delivery:
    """One attempt to POST an update to the webhook."""

    update_id: int
    status: int | None
    error: str


@dataclass
class _Flood:
    remaining: int
    retry_after: int
    methods: frozenset[str]


@dataclass
class _UserInfo:
    id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None
    seen: bool = False  # the bot has had an update from this user

    def to_json(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data


@dataclass(eq=False)
class _Chat:
    id: int
    type: str  # private, group, supergroup
    title: str = ""
    user: _UserInfo | None = None
    messages: dict[int, ChatMessage] = field(default_factory=dict)
    bot_messages: list[ChatMessage] = field(default_factory=list)
    next_message_id: int = 1
    read: int = 0  # bot messages already handed out by wait_for_messages
    started: bool = False  # a private chat the user opened by writing to the bot
    blocked: bool = False
    reply_keyboard: JSON | None = None
    actions: list[str] = field(default_factory=list)
    menu_button: JSON | None = None

    def to_json(self) -> JSON:
        if self.user is None:
            return {"id": self.id, "type": self.type, "title": self.title}
        data: JSON = {"id": self.id, "type": "private", "first_name": self.user.first_name}
        for key in ("last_name", "username"):
            if getattr(self.user, key):
                data[key] = getattr(self.user, key)
        return data

    def add(self, message_factory: Callable[[int], ChatMessage]) -> ChatMessage:
        message = message_factory(self.next_message_id)
        self.next_message_id += 1
        self.messages[message.message_id] = message
        if message.from_bot:
            self.bot_messages.append(message)
        return message


@dataclass
class _Result:
    value: object
    description: str


class _Params:
    """Request parameters as tdlib reads them: every value is a string, parsed per method."""

    def __init__(self, raw: Mapping[str, str]) -> None:
        self._raw = raw

    def text(self, name: str) -> str:
        return self._raw.get(name, "")

    def integer(self, name: str, default: int = 0) -> int:
        value = self._raw.get(name, "")
        return _to_integer(value) if value else default

    def flag(self, name: str) -> bool:
        return self._raw.get(name, "").strip().lower() in ("true", "yes", "1")

    def json(self, name: str, what: str) -> Any:
        value = self._raw.get(name, "")
        if not value:
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"Can't parse {what} JSON object") from None


def _to_integer(value: str) -> int:
    """td::to_integer: the leading digits, else 0 (Telegram reads "12abc" as 12)."""
    match = re.match(r"-?\d+", value)
    return int(match.group()) if match else 0


def _decoded(raw: Mapping[str, str]) -> dict[str, Any]:
    """Parameters for assertions: JSON values as objects, ids as ints, flags as bools."""
    decoded: dict[str, Any] = {}
    for name, value in raw.items():
        decoded[name] = value
        if name in _JSON_ARGS:
            with contextlib.suppress(ValueError):
                decoded[name] = json.loads(value)
        elif name in _INT_ARGS and re.fullmatch(r"-?\d+", value):
            decoded[name] = int(value)
        elif name in _BOOL_ARGS:
            decoded[name] = value.strip().lower() in ("true", "yes", "1")
    return decoded


def _now() -> int:
    return int(time.time())


# --- the server ------------------------------------------------------------------------------


class BotApiStandIn:
    """A Bot API server on 127.0.0.1 that behaves as Telegram for the methods the bot uses."""

    def __init__(
        self,
        token: str = "123456:stand-in-token",
        *,
        bot_username: str = "migo_test_bot",
        bot_first_name: str = "Migo",
        privacy_mode: bool = True,
        strict_ampersand: bool = True,
        webhook_attempts: int = 5,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.privacy_mode = privacy_mode
        self.strict_ampersand = strict_ampersand
        self.webhook_attempts = webhook_attempts
        self.webhook_deliveries: list[Delivery] = []
        self._bot_id = int(token.split(":", 1)[0])
        self._calls: list[Call] = []
        self._chats: dict[int, _Chat] = {}
        self._users: dict[int, UserChat] = {}
        self._groups: dict[int, GroupChat] = {}
        self._updates: list[JSON] = []
        self._last_update_id = 0
        self._allowed_updates = DEFAULT_UPDATE_TYPES
        self._queries: dict[str, CallbackQuery] = {}
        self._next_query = 0
        self._next_file = 0
        self._commands: dict[tuple[str, int, int, str], list[JSON]] = {}
        self._default_menu_button: JSON | None = None
        self._flood: _Flood | None = None
        self._webhook: WebhookState | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._poll_generation = 0
        self._polls_in_flight = 0
        self._changed = asyncio.Event()
        self._stopping = False
        self._internal_errors: list[BaseException] = []
        self._server: HTTPServer | None = None
        self._http: httpx.AsyncClient | None = None
        self._port = 0
        self._methods: dict[str, tuple[str, Callable[[_Params], Awaitable[object]]]] = {
            name.lower(): (name, handler)
            for name, handler in (
                ("getMe", self._get_me),
                ("getUpdates", self._get_updates),
                ("setWebhook", self._set_webhook),
                ("deleteWebhook", self._delete_webhook),
                ("getWebhookInfo", self._get_webhook_info),
                ("sendMessage", self._send_message),
                ("editMessageText", self._edit_message_text),
                ("editMessageReplyMarkup", self._edit_message_reply_markup),
                ("deleteMessage", self._delete_message),
                ("answerCallbackQuery", self._answer_callback_query),
                ("setMyCommands", self._set_my_commands),
                ("getMyCommands", self._get_my_commands),
                ("deleteMyCommands", self._delete_my_commands),
                ("sendChatAction", self._send_chat_action),
                ("setChatMenuButton", self._set_chat_menu_button),
                ("getChatMenuButton", self._get_chat_menu_button),
                ("close", self._trivially_true),
                ("logOut", self._trivially_true),
            )
        }

    # lifecycle

    async def start(self) -> str:
        """Listens on a free port of 127.0.0.1; returns base_url."""
        app = tornado.web.Application(
            [(r"/bot([^/]*)/([^/]*)", _BotApiHandler, {"api": self})],
            log_function=lambda handler: None,  # access logs would carry the token
        )
        self._server = HTTPServer(app)
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self._port = sockets[0].getsockname()[1]
        self._server.add_sockets(sockets)
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(5.0))
        return self.base_url

    async def stop(self) -> None:
        """Ends pending long polls and webhook deliveries, closes the server and its client."""
        self._stopping = True
        self._bump()
        with contextlib.suppress(TimeoutError):
            await self.wait_until(lambda: not self._polls_in_flight, 2.0, "long polls to end")
        await self._stop_webhook_task()
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
        if self._http is not None:
            await self._http.aclose()
        if self._internal_errors:
            raise AssertionError(f"the Bot API stand-in failed: {self._internal_errors!r}")

    async def __aenter__(self) -> BotApiStandIn:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """What TELEGRAM_API_BASE_URL (PTB's base_url) should be: the bot appends its token."""
        return f"http://127.0.0.1:{self._port}/bot"

    @property
    def bot_id(self) -> int:
        """The bot's user id (the token's numeric part)."""
        return self._bot_id

    # test side

    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        last_name: str | None = None,
        language_code: str | None = None,
        username: str | None = None,
    ) -> UserChat:
        """A Telegram user and their private chat with the bot (chat id == user id)."""
        if user_id not in self._users:
            info = _UserInfo(user_id, first_name, last_name, username, language_code)
            self._chats[user_id] = _Chat(id=user_id, type="private", user=info)
            self._users[user_id] = UserChat(self, self._chats[user_id], info)
        return self._users[user_id]

    def group(self, chat_id: int, title: str = "Grupo de prueba") -> GroupChat:
        """A group the bot is a member of (a supergroup when the id starts with -100)."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        if chat_id not in self._groups:
            kind = "supergroup" if str(chat_id).startswith("-100") else "group"
            self._chats[chat_id] = _Chat(id=chat_id, type=kind, title=title)
            self._groups[chat_id] = GroupChat(self, self._chats[chat_id])
        return self._groups[chat_id]

    def calls(self, method: str | None = None) -> list[Call]:
        """Every request received so far, or those of one method (canonical name)."""
        return [call for call in self._calls if method is None or call.method == method]

    def block(self, chat_id: int) -> None:
        """The user blocks the bot: sending to them fails with 403 until they write again."""
        self._chats[chat_id].blocked = True

    def unblock(self, chat_id: int) -> None:
        """The user unblocks the bot."""
        self._chats[chat_id].blocked = False

    def flood(self, count: int, retry_after: int, methods: Iterable[str] = SENDING_METHODS) -> None:
        """The next count calls of these methods get 429 Too Many Requests."""
        self._flood = _Flood(count, retry_after, frozenset(methods))

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """The commands the bot set for a scope and language, as getMyCommands returns them."""
        return list(self._commands.get(_scope_key(scope or {"type": "default"}, language_code), []))

    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by getUpdates nor delivered to the webhook."""
        return list(self._updates)

    @property
    def webhook(self) -> WebhookState | None:
        """The webhook currently set, if any."""
        return self._webhook

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float = 10.0,  # noqa: ASYNC109 - a test states how long it is willing to wait
        what: str = "condition",
    ) -> None:
        """Waits, at most timeout seconds, until predicate holds; re-checked on every change."""
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
            await self._wait_change(remaining)

    # internals shared by both sides

    def _bump(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_change(self, within: float | None) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), within)

    def _bot_json(self, full: bool = False) -> JSON:
        data: JSON = {
            "id": self._bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }
        if full:
            data.update(
                can_join_groups=True,
                can_read_all_group_messages=not self.privacy_mode,
                supports_inline_queries=False,
                can_connect_to_business=False,
                has_main_web_app=False,
            )
        return data

    def _message_json(self, message: ChatMessage, nested: bool = False) -> JSON:
        chat = self._chats[message.chat_id]
        sender = self._users[message.sender_id].info.to_json() if not message.from_bot else None
        data: JSON = {
            "message_id": message.message_id,
            "from": sender or self._bot_json(),
            "chat": chat.to_json(),
            "date": message.date,
        }
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        target = chat.messages.get(message.reply_to) if message.reply_to is not None else None
        if target is not None and not nested:
            data["reply_to_message"] = self._message_json(target, nested=True)
        if message.kind == "text":
            data["text"] = message.plain
            if message.entities:
                data["entities"] = message.entities
        data.update(message.media)
        if message.reply_markup is not None and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = message.reply_markup
        return data

    def _enqueue(self, kind: str, payload: JSON) -> None:
        """Queues an update, unless the bot's allowed_updates exclude its type (as Telegram)."""
        if kind not in self._allowed_updates:
            return
        self._last_update_id += 1
        self._updates.append({"update_id": self._last_update_id, kind: payload})
        self._bump()

    def _file_ids(self, prefix: str) -> JSON:
        self._next_file += 1
        return {
            "file_id": f"{prefix}{self._next_file:012d}",
            "file_unique_id": f"AQAD{self._next_file:08d}",
        }

    def _user_message(
        self, chat: _Chat, user: _UserInfo, kind: str, text: str = "", **extra: Any
    ) -> ChatMessage:
        """Stores a user's message and queues it for the bot (group privacy mode permitting)."""
        user.seen = True
        reply_to: ChatMessage | None = extra.pop("reply_to", None)
        message = chat.add(
            lambda message_id: ChatMessage(
                chat_id=chat.id,
                message_id=message_id,
                from_bot=False,
                sender_id=user.id,
                date=_now(),
                kind=kind,
                text=text,
                plain=text,
                entities=bot_command_entities(text) if kind == "text" else [],
                media=extra,
                reply_to=None if reply_to is None else reply_to.message_id,
            )
        )
        if chat.type == "private":
            chat.started = True
            chat.blocked = False
        if self._bot_sees(chat, message, reply_to):
            self._enqueue("message", self._message_json(message))
        else:
            self._bump()
        return message

    def _bot_sees(self, chat: _Chat, message: ChatMessage, reply_to: ChatMessage | None) -> bool:
        """Privacy mode: in groups the bot gets commands and replies to its own messages only."""
        if chat.type == "private" or not self.privacy_mode:
            return True
        is_command = any(e["offset"] == 0 for e in message.entities)
        return is_command or (reply_to is not None and reply_to.from_bot)

    def _tap(
        self, chat: _Chat, user: _UserInfo, message: ChatMessage, button: str
    ) -> CallbackQuery:
        if chat.messages.get(message.message_id) is not message or message.deleted:
            raise LookupError(f"message {message.message_id} is not in chat {chat.id}")
        pressed = [b for b in message.buttons if b[0] == button] or [
            b for b in message.buttons if b[1] == button
        ]
        if not pressed or pressed[0][1] is None:
            raise LookupError(f"no callback button {button!r} among {message.buttons!r}")
        user.seen = True
        self._next_query += 1
        query = CallbackQuery(
            id=str(4_000_000_000_000_000_000 + self._next_query),
            user_id=user.id,
            chat_id=chat.id,
            message_id=message.message_id,
            data=pressed[0][1],
        )
        self._queries[query.id] = query
        payload = {
            "id": query.id,
            "from": user.to_json(),
            "message": self._message_json(message),
            "chat_instance": str(7_000_000_000_000_000_000 + abs(chat.id)),
            "data": query.data,
        }
        self._enqueue("callback_query", payload)
        return query

    # request handling

    async def serve(self, token: str, method: str, raw: dict[str, str]) -> tuple[int, JSON]:
        """Answers one Bot API request: HTTP status and JSON body, as Telegram would."""
        known = self._methods.get(method.lower())
        call = Call(known[0] if known else method, _decoded(raw), raw, time.monotonic())
        self._calls.append(call)
        try:
            self._authorize(token)
            if known is None:
                raise ApiError(404, "Not Found")
            self._throttle(call.method)
            result = await known[1](_Params(raw))
        except ApiError as error:
            call.status, call.description = error.code, error.description
            body: JSON = {"ok": False, "error_code": error.code, "description": error.description}
            if error.retry_after is not None:
                body["parameters"] = {"retry_after": error.retry_after}
            self._bump()
            return error.code, body
        call.status = 200
        self._bump()
        if isinstance(result, _Result):
            return 200, {"ok": True, "result": result.value, "description": result.description}
        return 200, {"ok": True, "result": result}

    def _authorize(self, token: str) -> None:
        if token == self.token:
            return
        if not re.fullmatch(r"\d+:[A-Za-z0-9_-]+", token):
            raise ApiError(404, "Not Found")  # what api.telegram.org answers a malformed token
        raise ApiError(401, "Unauthorized")

    def _throttle(self, method: str) -> None:
        flood = self._flood
        if flood is None or method not in flood.methods or flood.remaining <= 0:
            return
        flood.remaining -= 1
        raise ApiError(
            429, f"Too Many Requests: retry after {flood.retry_after}", flood.retry_after
        )

    def _chat(self, chat_id: str, write: bool) -> _Chat:
        """tdlib's check_chat: the chat named by chat_id, if the bot may use it."""
        if not chat_id:
            raise bad_request("chat_id is empty")
        chat: _Chat | None = None
        if chat_id.startswith("@"):
            chat = next(
                (c for c in self._chats.values() if c.user and c.user.username == chat_id[1:]),
                None,
            )
        else:
            chat = self._chats.get(_to_integer(chat_id))
        if chat is None or (chat.user is not None and not chat.user.seen):
            raise bad_request("chat not found")
        if write and chat.type == "private":
            if chat.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if not chat.started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat

    def _message(self, p: _Params, chat: _Chat, what: str) -> ChatMessage:
        message = chat.messages.get(p.integer("message_id"))
        if message is None or message.deleted:
            raise bad_request(f"{what} not found")
        return message

    def _format(self, p: _Params) -> tuple[str, list[JSON]]:
        """The visible text and entities of the text parameter, cleaned as Telegram does."""
        text = p.text("text")
        if not text:
            raise bad_request("Message text is empty")
        if len(text.encode("utf-8")) > MAX_RAW_TEXT_BYTES:
            raise bad_request("Text is too long")
        mode = p.text("parse_mode").lower()
        if mode == "html":
            try:
                plain, entities = parse_html(text, strict_ampersand=self.strict_ampersand)
            except EntityParseError as error:
                raise bad_request(f"Can't parse entities: {error}") from None
        elif mode in ("markdown", "markdownv2"):
            raise NotImplementedError(
                f"the stand-in does not implement parse_mode {p.text('parse_mode')}"
            )
        elif mode in ("", "none"):
            plain, entities = text, _explicit_entities(p.json("entities", "entities"))
        else:
            raise bad_request("Unsupported parse_mode")
        return clean_text(plain, entities)

    def _check_length(self, plain: str, too_long: str) -> None:
        if not plain:
            raise bad_request("Message must be non-empty")
        if utf16_len(plain) > MAX_MESSAGE_LENGTH:
            raise bad_request(too_long)

    def _reply_target(self, p: _Params, chat: _Chat) -> ChatMessage | None:
        parameters = p.json("reply_parameters", "reply parameters")
        if parameters is None:
            message_id = p.integer("reply_to_message_id")
            allow_missing = p.flag("allow_sending_without_reply")
        elif not isinstance(parameters, dict):
            raise bad_request("Object expected as reply parameters")
        else:
            message_id = _to_integer(str(parameters.get("message_id", "")))
            allow_missing = _json_flag(parameters.get("allow_sending_without_reply"))
        if message_id <= 0:
            return None
        target = chat.messages.get(message_id)
        if target is None or target.deleted:
            if allow_missing:
                return None
            raise bad_request("message to be replied not found")
        return target

    def _edit(self, message: ChatMessage, **content: Any) -> None:
        message.history.append(
            Revision(
                message.text,
                message.parse_mode,
                message.plain,
                message.entities,
                message.reply_markup,
                message.edit_date,
            )
        )
        for name, value in content.items():
            setattr(message, name, value)
        message.edit_date = _now()

    # Bot API methods

    async def _get_me(self, p: _Params) -> object:
        return self._bot_json(full=True)

    async def _trivially_true(self, p: _Params) -> object:
        return True

    async def _get_updates(self, p: _Params) -> object:
        if self._webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = p.integer("offset")
        limit = min(max(p.integer("limit", 100), 1), 100)
        timeout = min(max(p.integer("timeout"), 0), LONG_POLL_MAX_TIMEOUT)
        self._set_allowed_updates(p)
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        deadline = time.monotonic() + timeout
        generation: int | None = None
        self._polls_in_flight += 1
        try:
            while not self._updates and not self._stopping and time.monotonic() < deadline:
                if generation is None:  # this request takes the long-poll slot
                    self._poll_generation += 1
                    generation = self._poll_generation
                    self._bump()
                elif generation != self._poll_generation:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; "
                        "make sure that only one bot instance is running",
                    )
                if self._webhook is not None:
                    raise ApiError(409, "Conflict: terminated by setWebhook request")
                await self._wait_change(deadline - time.monotonic())
        finally:
            self._polls_in_flight -= 1
            self._bump()
        return self._updates[:limit]

    def _set_allowed_updates(self, p: _Params) -> None:
        """tdlib keeps the previous setting when allowed_updates is absent or unreadable."""
        try:
            names = json.loads(p.text("allowed_updates") or "null")
        except ValueError:
            return
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            return
        chosen = frozenset(n.lower() for n in names) & frozenset(ALL_UPDATE_TYPES)
        self._allowed_updates = chosen or DEFAULT_UPDATE_TYPES

    async def _set_webhook(self, p: _Params) -> object:
        return await self._change_webhook(p, p.text("url"))

    async def _delete_webhook(self, p: _Params) -> object:
        return await self._change_webhook(p, "")

    async def _change_webhook(self, p: _Params, url: str) -> object:
        """tdlib's process_set_webhook_query: setWebhook, or deleteWebhook when url is empty."""
        secret = p.text("secret_token") if url else ""
        max_connections = min(max(p.integer("max_connections", 40), 1), 100) if url else 0
        drop = p.flag("drop_pending_updates")
        hook = self._webhook
        same = (
            hook.url == url
            and hook.secret_token == secret
            and hook.max_connections == max_connections
            if hook is not None
            else not url
        )
        if same and not drop:
            self._set_allowed_updates(p)
            return _Result(True, "Webhook is already set" if url else "Webhook is already deleted")
        if url:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise bad_request("invalid webhook URL specified")
            if len(secret) > 256:
                raise bad_request("secret token is too long")
            if not re.fullmatch(r"[A-Za-z0-9_-]*", secret):
                raise bad_request("secret token contains unallowed characters")
        await self._stop_webhook_task()
        self._webhook = None
        if drop:
            self._updates.clear()
        self._bump()
        if not url:
            return _Result(True, "Webhook was deleted" if hook else "Webhook is already deleted")
        self._set_allowed_updates(p)
        self._webhook = WebhookState(url, secret, max_connections, p.text("ip_address"))
        self._webhook_task = asyncio.create_task(self._deliver(self._webhook))
        return _Result(True, "Webhook was set")

    async def _get_webhook_info(self, p: _Params) -> object:
        hook = self._webhook
        info: JSON = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if hook is not None:
            if hook.last_error_date:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
            info["max_connections"] = hook.max_connections
            info["ip_address"] = hook.ip_address or "127.0.0.1"
        if self._allowed_updates != DEFAULT_UPDATE_TYPES:
            info["allowed_updates"] = [t for t in ALL_UPDATE_TYPES if t in self._allowed_updates]
        return info

    async def _stop_webhook_task(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver(self, hook: WebhookState) -> None:
        """POSTs queued updates to the webhook in order; each is retried, then dropped."""
        failures = 0
        while self._webhook is hook and not self._stopping:
            if not self._updates:
                await self._wait_change(None)
                continue
            update = self._updates[0]
            status, error = await self._post(hook, update)
            self.webhook_deliveries.append(Delivery(update["update_id"], status, error))
            if error:
                hook.last_error_date, hook.last_error_message = _now(), error
                failures += 1
            done = not error or failures >= self.webhook_attempts
            if done:
                failures = 0
                if self._updates and self._updates[0] is update:
                    self._updates.pop(0)
            self._bump()
            if not done:
                await asyncio.sleep(min(0.05 * 2**failures, 1.0))

    async def _post(self, hook: WebhookState, update: JSON) -> tuple[int | None, str]:
        assert self._http is not None
        headers = (
            {"X-Telegram-Bot-Api-Secret-Token": hook.secret_token} if hook.secret_token else {}
        )
        try:
            response = await self._http.post(hook.url, json=update, headers=headers)
        except httpx.ConnectError:
            return None, "Connection refused"
        except httpx.TimeoutException:
            return None, "Read timeout expired"
        except httpx.HTTPError as error:
            return None, f"Webhook connection failed: {type(error).__name__}"
        if 200 <= response.status_code <= 299:
            return response.status_code, ""
        return (
            response.status_code,
            f"Wrong response from the webhook: {response.status_code} {response.reason_phrase}",
        )

    async def _send_message(self, p: _Params) -> object:
        plain, entities = self._format(p)
        markup = parse_reply_markup(p.text("reply_markup"))
        chat = self._chat(p.text("chat_id"), write=True)
        reply_to = self._reply_target(p, chat)
        self._check_length(plain, "Message is too long")
        _check_buttons(markup)
        message = chat.add(
            lambda message_id: ChatMessage(
                chat_id=chat.id,
                message_id=message_id,
                from_bot=True,
                sender_id=self._bot_id,
                date=_now(),
                text=p.text("text"),
                parse_mode=p.text("parse_mode") or None,
                plain=plain,
                entities=entities,
                reply_markup=markup,
                reply_to=None if reply_to is None else reply_to.message_id,
            )
        )
        if markup is not None and ("keyboard" in markup or "remove_keyboard" in markup):
            chat.reply_keyboard = markup if "keyboard" in markup else None
        return self._message_json(message)

    def _editable(self, p: _Params, markup: JSON | None) -> ChatMessage:
        """tdlib's checks before an edit: the message exists, is the bot's, keyboard is inline."""
        if not p.text("chat_id") and p.integer("message_id") == 0:
            if not p.text("inline_message_id"):
                raise bad_request("Message identifier is not specified")
            raise bad_request("MESSAGE_ID_INVALID")  # the stand-in sends no inline messages
        chat = self._chat(p.text("chat_id"), write=False)
        message = self._message(p, chat, "message to edit")
        if not message.from_bot:
            raise bad_request("Message can't be edited")
        if markup is not None and "inline_keyboard" not in markup:
            raise bad_request("Inline keyboard expected")
        _check_buttons(markup)
        return message

    async def _edit_message_text(self, p: _Params) -> object:
        plain, entities = self._format(p)
        markup = parse_reply_markup(p.text("reply_markup"))
        message = self._editable(p, markup)
        self._check_length(plain, "MESSAGE_TOO_LONG")
        current_markup = _inline_only(message.reply_markup)
        if (plain, entities, markup) == (message.plain, message.entities, current_markup):
            raise ApiError(400, NOT_MODIFIED)
        self._edit(
            message,
            text=p.text("text"),
            parse_mode=p.text("parse_mode") or None,
            plain=plain,
            entities=entities,
            reply_markup=markup,
        )
        return self._message_json(message)

    async def _edit_message_reply_markup(self, p: _Params) -> object:
        markup = parse_reply_markup(p.text("reply_markup"))
        message = self._editable(p, markup)
        if markup == _inline_only(message.reply_markup):
            raise ApiError(400, NOT_MODIFIED)
        self._edit(message, reply_markup=markup)
        return self._message_json(message)

    async def _delete_message(self, p: _Params) -> object:
        if not p.text("chat_id"):
            raise bad_request("Chat identifier is not specified")
        if p.integer("message_id") <= 0:
            raise bad_request("Message identifier is not specified")
        chat = self._chat(p.text("chat_id"), write=False)
        message = self._message(p, chat, "message to delete")
        if chat.type != "private" and not message.from_bot:
            raise bad_request("message can't be deleted")  # the stand-in's bot is no admin
        message.deleted = True
        return True

    async def _answer_callback_query(self, p: _Params) -> object:
        query = self._queries.get(str(p.integer("callback_query_id")))
        if query is None or query.answer is not None:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = p.text("text")
        if len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answer = CallbackAnswer(
            query.id, text, p.flag("show_alert"), p.text("url"), p.integer("cache_time")
        )
        return True

    def _scope(self, p: _Params) -> JSON:
        scope = p.json("scope", "BotCommandScope")
        if scope is None:
            return {"type": "default"}
        if not isinstance(scope, dict):
            raise bad_request("Can't parse BotCommandScope: BotCommandScope must be an Object")
        kind = scope.get("type")
        if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
            return {"type": kind}
        if kind not in ("chat", "chat_administrators", "chat_member"):
            raise bad_request("Can't parse BotCommandScope: Unsupported type specified")
        if "chat_id" not in scope:
            raise bad_request("Can't parse BotCommandScope: Can't find field \"chat_id\"")
        self._chat(str(scope.get("chat_id", "")), write=False)
        return scope

    async def _set_my_commands(self, p: _Params) -> object:
        commands = p.json("commands", "commands")
        if commands is None:
            commands = []
        if not isinstance(commands, list):
            raise bad_request("Expected an Array of BotCommand")
        parsed = [_bot_command(command) for command in commands]
        key = _scope_key(self._scope(p), p.text("language_code"))
        for command in parsed:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command["command"]):
                raise bad_request("BOT_COMMAND_INVALID")
            if not command["description"].strip():
                raise bad_request("command description must be non-empty")
            if len(command["description"]) > 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        if parsed:
            self._commands[key] = parsed
        else:
            self._commands.pop(key, None)
        return True

    async def _get_my_commands(self, p: _Params) -> object:
        return list(self._commands.get(_scope_key(self._scope(p), p.text("language_code")), []))

    async def _delete_my_commands(self, p: _Params) -> object:
        self._commands.pop(_scope_key(self._scope(p), p.text("language_code")), None)
        return True

    async def _send_chat_action(self, p: _Params) -> object:
        action = p.text("action").lower()
        if action not in CHAT_ACTIONS:
            raise bad_request("Wrong parameter action in request")
        self._chat(p.text("chat_id"), write=True).actions.append(action)
        return True

    async def _set_chat_menu_button(self, p: _Params) -> object:
        button = p.json("menu_button", "menu button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in (
            "default",
            "commands",
            "web_app",
        ):
            raise bad_request("Can't parse menu button: MenuButton has unsupported type")
        if p.text("chat_id"):
            self._chat(p.text("chat_id"), write=False).menu_button = button
        else:
            self._default_menu_button = button
        return True

    async def _get_chat_menu_button(self, p: _Params) -> object:
        button = self._default_menu_button
        if p.text("chat_id"):
            button = self._chat(p.text("chat_id"), write=False).menu_button or button
        return button or {"type": "default"}


def _explicit_entities(value: object) -> list[JSON]:
    """The entities parameter (used without parse_mode); tdlib ignores a non-array."""
    if not isinstance(value, list):
        return []
    for entity in value:
        if not isinstance(entity, dict):
            raise bad_request("Can't parse MessageEntity: expected an Object")
        for name in ("offset", "length"):
            if not isinstance(entity.get(name), int):
                raise bad_request(f"Can't parse MessageEntity: Can't find field \"{name}\"")
    return [dict(entity) for entity in value]


def _inline_only(markup: JSON | None) -> JSON | None:
    """The part of a message's markup an edit can change: its inline keyboard."""
    return markup if markup is not None and "inline_keyboard" in markup else None


def _bot_command(value: object) -> JSON:
    if not isinstance(value, dict):
        raise bad_request("Can't parse BotCommand: expected an Object")
    for name in ("command", "description"):
        if name not in value:
            raise bad_request(f"Can't parse BotCommand: Can't find field \"{name}\"")
        if not isinstance(value[name], str):
            raise bad_request(f'Can\'t parse BotCommand: Field "{name}" must be of type String')
    return {"command": value["command"], "description": value["description"]}


def _scope_key(scope: JSON, language_code: str) -> tuple[str, int, int, str]:
    chat_id = _to_integer(str(scope.get("chat_id", "")))
    user_id = _to_integer(str(scope.get("user_id", "")))
    return (str(scope.get("type")), chat_id, user_id, language_code)


def _request_args(request: tornado.httputil.HTTPServerRequest) -> dict[str, str]:
    """Query, form, multipart or JSON parameters, every value a string as tdlib sees them."""
    pairs: list[tuple[str, bytes | str]] = [
        (name, values[-1]) for name, values in request.query_arguments.items()
    ]
    if request.headers.get("Content-Type", "").startswith("application/json") and request.body:
        try:
            body = json.loads(request.body)
        except ValueError:
            raise bad_request("Can't parse JSON request body") from None
        if not isinstance(body, dict):
            raise bad_request("JSON request body must be an Object")
        pairs += [
            (name, value if isinstance(value, str) else json.dumps(value))
            for name, value in body.items()
            if value is not None
        ]
    else:
        pairs += [(name, values[-1]) for name, values in request.body_arguments.items()]
    try:
        return {
            name: value.decode("utf-8") if isinstance(value, bytes) else value
            for name, value in pairs
        }
    except UnicodeDecodeError:
        raise bad_request("Strings must be encoded in UTF-8") from None


class _BotApiHandler(tornado.web.RequestHandler):
    """/bot<token>/<method> over GET or POST."""

    def initialize(self, api: BotApiStandIn) -> None:
        self.api = api

    def compute_etag(self) -> None:
        return None  # Telegram sends no ETag, so clients never get a 304

    def log_exception(
        self,
        typ: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # tornado's own log line quotes the URL, which holds the bot token
        if value is not None and not isinstance(value, tornado.web.HTTPError):
            self.api._internal_errors.append(value)

    async def get(self, token: str, method: str) -> None:
        await self.answer(token, method)

    async def post(self, token: str, method: str) -> None:
        await self.answer(token, method)

    async def answer(self, token: str, method: str) -> None:
        try:
            status, body = await self.api.serve(token, method, _request_args(self.request))
        except ApiError as error:
            status = error.code
            body = {"ok": False, "error_code": error.code, "description": error.description}
        except Exception as error:  # a stand-in bug must fail the test, not hang the bot
            self.api._internal_errors.append(error)
            status = 500
            body = {
                "ok": False,
                "error_code": 500,
                "description": f"Internal Server Error: {error}",
            }
        stream = getattr(self.request.connection, "stream", None)
        if stream is not None and stream.closed():
            return  # the client gave up (e.g. a long poll cancelled at shutdown)
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body, ensure_ascii=False))


# --- the users' side -------------------------------------------------------------------------


class _ChatHandle:
    """What a test sees of one chat: the bot's messages in it."""

    def __init__(self, api: BotApiStandIn, chat: _Chat) -> None:
        self.api = api
        self._chat = chat

    @property
    def chat_id(self) -> int:
        """The chat's id."""
        return self._chat.id

    def messages(self, include_deleted: bool = False) -> list[ChatMessage]:
        """The bot's messages in this chat, oldest first."""
        return [m for m in self._chat.bot_messages if include_deleted or not m.deleted]

    def last_message(self) -> ChatMessage:
        """The bot's latest message still in the chat."""
        shown = self.messages()
        if not shown:
            raise LookupError(f"the bot has no message in chat {self._chat.id}")
        return shown[-1]

    async def wait_for_messages(
        self,
        n: int = 1,
        timeout: float = 10.0,  # noqa: ASYNC109 - a test states how long it is willing to wait
    ) -> list[ChatMessage]:
        """The next n messages the bot sends here, after those already returned."""
        chat = self._chat
        try:
            await self.api.wait_until(
                lambda: len(chat.bot_messages) - chat.read >= n,
                timeout,
                f"{n} new bot message(s) in chat {chat.id}",
            )
        except TimeoutError as error:
            got = [m.plain for m in chat.bot_messages[chat.read :]]
            raise TimeoutError(f"{error}; got {len(got)}: {got!r}") from None
        batch = chat.bot_messages[chat.read : chat.read + n]
        chat.read += n
        return batch

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        """The labels of the reply keyboard the user currently sees, if any."""
        rows = (self._chat.reply_keyboard or {}).get("keyboard")
        return None if rows is None else [[button["text"] for button in row] for row in rows]

    def chat_actions(self) -> list[str]:
        """The chat actions (typing, …) the bot sent here."""
        return list(self._chat.actions)


class UserChat(_ChatHandle):
    """A user and their private chat with the bot; its methods are what the user does."""

    def __init__(self, api: BotApiStandIn, chat: _Chat, info: _UserInfo) -> None:
        super().__init__(api, chat)
        self.info = info

    @property
    def user_id(self) -> int:
        """The user's id (also the chat's)."""
        return self.info.id

    async def send(self, text: str, *, reply_to: ChatMessage | None = None) -> ChatMessage:
        """Types text (commands get their bot_command entity, as in Telegram)."""
        self._after_keyboard_use(text)
        return self.api._user_message(self._chat, self.info, "text", text, reply_to=reply_to)

    async def tap(self, message: ChatMessage, button: str) -> CallbackQuery:
        """Presses an inline button, found by label or else by callback_data."""
        return self.api._tap(self._chat, self.info, message, button)

    async def share_contact(
        self,
        phone: str,
        user_id: int | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> ChatMessage:
        """Shares a contact: by default their own (user_id is the sender's)."""
        contact: JSON = {
            "phone_number": phone,
            "first_name": first_name or self.info.first_name,
            "user_id": self.info.id if user_id is None else user_id,
        }
        surname = last_name if first_name else (last_name or self.info.last_name)
        if surname:
            contact["last_name"] = surname
        self._after_keyboard_use(None)
        return self.api._user_message(self._chat, self.info, "contact", contact=contact)

    async def forward(self, text: str, sender_name: str = "Tienda") -> ChatMessage:
        """Forwards someone else's text message into this chat (origin: a hidden user)."""
        origin = {"type": "hidden_user", "sender_user_name": sender_name, "date": _now()}
        return self.api._user_message(self._chat, self.info, "text", text, forward_origin=origin)

    async def send_photo(self, caption: str | None = None) -> ChatMessage:
        """Sends a photo (two sizes, as Telegram does)."""
        sizes = [
            {**self.api._file_ids("AgACAgEAAxk"), "width": w, "height": h, "file_size": w * h // 10}
            for w, h in ((90, 67), (800, 600))
        ]
        extra: JSON = {"photo": sizes} | ({"caption": caption} if caption else {})
        return self.api._user_message(self._chat, self.info, "photo", **extra)

    async def send_sticker(self, emoji: str = "👍") -> ChatMessage:
        """Sends a sticker."""
        sticker = {
            **self.api._file_ids("CAACAgIAAxk"),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self.api._user_message(self._chat, self.info, "sticker", sticker=sticker)

    async def send_voice(self, duration: int = 3) -> ChatMessage:
        """Sends a voice note."""
        voice = {
            **self.api._file_ids("AwACAgEAAxk"),
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": 4000 * duration,
        }
        return self.api._user_message(self._chat, self.info, "voice", voice=voice)

    async def send_location(self, latitude: float, longitude: float) -> ChatMessage:
        """Sends a location."""
        location = {"latitude": latitude, "longitude": longitude}
        return self.api._user_message(self._chat, self.info, "location", location=location)

    async def edit(self, message: ChatMessage, text: str) -> ChatMessage:
        """Edits one of the user's own text messages (an edited_message update)."""
        if message.from_bot or message.sender_id != self.info.id or message.kind != "text":
            raise ValueError("a user can edit only their own text messages")
        self.api._edit(message, text=text, plain=text, entities=bot_command_entities(text))
        self.api._enqueue("edited_message", self.api._message_json(message))
        return message

    def callback_answers(self) -> list[CallbackAnswer]:
        """The bot's answers to this user's taps, in tap order."""
        return [
            q.answer
            for q in self.api._queries.values()
            if q.user_id == self.info.id and q.answer is not None
        ]

    def _after_keyboard_use(self, text: str | None) -> None:
        """A one-time reply keyboard hides once one of its buttons is used."""
        keyboard = self._chat.reply_keyboard
        if keyboard is None or not keyboard.get("one_time_keyboard"):
            return
        buttons = [button for row in keyboard["keyboard"] for button in row]
        if any((text is None and b.get("request_contact")) or b["text"] == text for b in buttons):
            self._chat.reply_keyboard = None


class GroupChat(_ChatHandle):
    """A group with the bot in it; users write and tap here."""

    async def send(
        self, user: UserChat, text: str, *, reply_to: ChatMessage | None = None
    ) -> ChatMessage:
        """user types text in the group (privacy mode decides whether the bot gets it)."""
        return self.api._user_message(self._chat, user.info, "text", text, reply_to=reply_to)

    async def tap(self, user: UserChat, message: ChatMessage, button: str) -> CallbackQuery:
        """user presses an inline button of a bot message in the group."""
        return self.api._tap(self._chat, user.info, message, button)
