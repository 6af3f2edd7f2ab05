"""A small JSON Schema validator for the subset the API's schemas use.

The OpenAPI document and the checks on each request read the same schema dicts
(`portal.api.schemas`), so the document cannot drift from what the API accepts. Supported:
type (one or a list), enum, properties, required, additionalProperties (false or a schema),
maxProperties, items, minItems, maxItems, minLength, maxLength, pattern, minimum, maximum,
format (date-time, date, email, uuid, uri) and local $ref. Every error is reported, each with
a JSON pointer, so a client can fix all its fields at once.
"""
from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Any, Callable

TYPE_NAMES = {"object": "an object", "array": "an array", "string": "a string", "integer": "an integer",
              "number": "a number", "boolean": "true or false", "null": "null"}


def _is_type(value: Any, name: str) -> bool:
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "string":
        return isinstance(value, str)
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    raise ValueError(f"unsupported type {name!r}")


def parse_date_time(text: str) -> datetime:
    """RFC 3339 / ISO 8601 with a date and a time (`Z` allowed); raises ValueError."""
    if "T" not in text.upper() or len(text) > 40:
        raise ValueError(text)
    return datetime.fromisoformat(text)


def _check_date(text: str) -> None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(text)
    date.fromisoformat(text)


def _check_email(text: str) -> None:
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain or len(text) > 254 or any(c.isspace() for c in text) or "@" in local:
        raise ValueError(text)


def _check_uri(text: str) -> None:
    if not re.fullmatch(r"https?://[^\s/?#]+[^\s]*", text):
        raise ValueError(text)


FORMATS: dict[str, tuple[Callable[[str], Any], str]] = {
    "date-time": (parse_date_time, "must be a date and time in RFC 3339 form, e.g. 2026-04-01T09:30:00+09:00"),
    "date": (_check_date, "must be a date in YYYY-MM-DD form"),
    "email": (_check_email, "must be an e-mail address"),
    "uuid": (uuid.UUID, "must be a UUID"),
    "uri": (_check_uri, "must be an http or https URL"),
}


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


class Validator:
    def __init__(self, components: dict[str, dict]):
        self.components = components

    def resolve(self, schema: dict) -> dict:
        while "$ref" in schema:
            schema = self.components[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def errors(self, value: Any, schema: dict, pointer: str = "") -> list[dict[str, str]]:
        """Every way `value` breaks `schema`, as [{"pointer": …, "detail": …}]."""
        found: list[dict[str, str]] = []
        self._walk(value, self.resolve(schema), pointer, found)
        return found

    def _walk(self, value: Any, schema: dict, pointer: str, found: list) -> None:
        def fail(detail: str, at: str = pointer) -> None:
            found.append({"pointer": at or "/", "detail": detail})

        types = schema.get("type")
        if types is not None:
            names = [types] if isinstance(types, str) else list(types)
            if not any(_is_type(value, name) for name in names):
                fail("must be " + " or ".join(TYPE_NAMES[name] for name in names))
                return
        if value is None:
            return
        if "enum" in schema and value not in schema["enum"]:
            fail("must be one of: " + ", ".join(str(choice) for choice in schema["enum"] if choice is not None))
            return
        if isinstance(value, str):
            self._string(value, schema, fail)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if "minimum" in schema and value < schema["minimum"]:
                fail(f"must be at least {schema['minimum']}")
            if "maximum" in schema and value > schema["maximum"]:
                fail(f"must be at most {schema['maximum']}")
        elif isinstance(value, list):
            if len(value) < schema.get("minItems", 0):
                fail(f"must have at least {schema['minItems']} entries")
            if "maxItems" in schema and len(value) > schema["maxItems"]:
                fail(f"must have at most {schema['maxItems']} entries")
            if "items" in schema:
                for index, entry in enumerate(value):
                    self._walk(entry, self.resolve(schema["items"]), f"{pointer}/{index}", found)
        elif isinstance(value, dict):
            self._object(value, schema, pointer, found, fail)

    @staticmethod
    def _string(value: str, schema: dict, fail) -> None:
        if "\x00" in value:
            # PostgreSQL text cannot hold it, and no real name, address or message contains it.
            fail("must not contain the NUL character (U+0000)")
        elif len(value) < schema.get("minLength", 0):
            fail("must not be empty" if schema["minLength"] == 1 else f"must be at least {schema['minLength']} characters")
        elif "maxLength" in schema and len(value) > schema["maxLength"]:
            fail(f"must be at most {schema['maxLength']} characters")
        elif "pattern" in schema and not re.search(schema["pattern"], value):
            fail(schema.get("x-pattern-message", f"must match {schema['pattern']}"))
        elif "format" in schema and schema["format"] in FORMATS:
            check, message = FORMATS[schema["format"]]
            try:
                check(value)
            except (ValueError, TypeError):
                fail(message)

    def _object(self, value: dict, schema: dict, pointer: str, found: list, fail) -> None:
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                fail("is required", f"{pointer}/{_escape(name)}")
        if "maxProperties" in schema and len(value) > schema["maxProperties"]:
            fail(f"must have at most {schema['maxProperties']} members")
        extra = schema.get("additionalProperties", True)
        for name, member in value.items():
            at = f"{pointer}/{_escape(name)}"
            if name in properties:
                self._walk(member, self.resolve(properties[name]), at, found)
            elif extra is False:
                fail("unknown field", at)
            elif isinstance(extra, dict):
                self._walk(member, self.resolve(extra), at, found)
