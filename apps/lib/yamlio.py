"""A strict, safe YAML reader for files people write by hand and keep in git.

It reads plain YAML only: no tags, no anchors or aliases (so no alias bombs), no duplicate
keys, no NUL characters, no more than MAX_BYTES, no number longer than MAX_DIGITS digits, and
none of YAML 1.1's surprises (`NO` read as false, `012` read as octal 10, `1:30` read as 90):
those are refused with a hint to quote them. Every mapping remembers its line and the line of
each of its keys, so errors can point at them.
"""

import re

import yaml
from yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32
# No value anyone writes by hand has more digits; Python refuses to read an int of more than
# 4,300 anyway (sys.get_int_max_str_digits), and reading a long one is slow.
MAX_DIGITS = 30


class YamlError(Exception):
    def __init__(self, line: int, message: str):
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}")


class Record(dict):
    """A YAML mapping that knows where it and each of its keys stand in the file."""

    line: int = 0

    def __init__(self, *args, line: int = 0, key_lines=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.line = line
        self.key_lines = key_lines or {}

    def line_of(self, key) -> int:
        return self.key_lines.get(key, self.line)


# YAML 1.2 core schema, minus what hand-written files get wrong.
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$|^[-+]?[0-9]+[eE][-+]?[0-9]+$")

_SURPRISES = [
    (re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$"),
     "{value} is read as a boolean by some YAML readers and as text by others: "
     "write true or false, or quote it ('{value}')"),
    (re.compile(r"^[-+]?0[0-9_]+$"),
     "{value} has a leading zero, which some YAML readers take as octal: "
     "write it without the zero, or quote it ('{value}')"),
    (re.compile(r"^[-+]?0[xXoObB][0-9a-fA-F_]+$"),
     "{value} is a hex, octal or binary number: write it in decimal, or quote it ('{value}')"),
    (re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$"),
     "{value} is read as a base-60 number by some YAML readers: quote it ('{value}')"),
]


class StrictLoader(yaml.SafeLoader):
    yaml_implicit_resolvers = {}
    _depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, AliasEvent):
            raise YamlError(line, f"aliases (*{event.anchor}) are not allowed: write the value out")
        if getattr(event, "anchor", None):
            raise YamlError(line, f"anchors (&{event.anchor}) are not allowed: write the value out")
        if isinstance(event, (ScalarEvent, CollectionStartEvent)) and event.tag not in (None, "!"):
            raise YamlError(line, f"tags such as {event.tag} are not allowed: write plain YAML")
        is_key = isinstance(parent, yaml.MappingNode) and index is None
        if isinstance(event, ScalarEvent) and any("\ud800" <= ch <= "\udfff" for ch in event.value):
            raise YamlError(line, "the text holds an invalid character (a lone surrogate escape)")
        if isinstance(event, ScalarEvent) and "\x00" in event.value:
            raise YamlError(line, "the text holds a NUL character (\\0), which no field can store")
        if isinstance(event, ScalarEvent) and event.implicit[0] and event.style is None and not is_key:
            for pattern, message in _SURPRISES:
                if pattern.match(event.value):
                    raise YamlError(line, message.format(value=event.value))
        if isinstance(event, CollectionStartEvent):
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise YamlError(line, f"nested more than {MAX_DEPTH} levels deep")
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1
        return super().compose_node(parent, index)

    def construct_number(self, node):
        digits = sum(ch.isdigit() for ch in node.value)
        if digits > MAX_DIGITS:
            raise YamlError(
                node.start_mark.line + 1,
                f"{node.value[:12]}… is a number of {digits:,} digits; a number here has at most {MAX_DIGITS} "
                "(quote it to mean text)",
            )
        if node.tag.endswith(":int"):
            return self.construct_yaml_int(node)
        return self.construct_yaml_float(node)

    def construct_record(self, node):
        record = Record(line=node.start_mark.line + 1)
        yield record
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            key_line = key_node.start_mark.line + 1
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise YamlError(key_line, "a mapping key must be plain text")
            if key in record:
                raise YamlError(
                    key_line, f"duplicate key {key!r} (first on line {record.key_lines[key]})"
                )
            record[key] = self.construct_object(value_node, deep=True)
            record.key_lines[key] = key_line


StrictLoader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""])
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))
StrictLoader.add_constructor("tag:yaml.org,2002:map", StrictLoader.construct_record)
StrictLoader.add_constructor("tag:yaml.org,2002:int", StrictLoader.construct_number)
StrictLoader.add_constructor("tag:yaml.org,2002:float", StrictLoader.construct_number)


def load(text: str | bytes):
    """Parse one YAML document strictly; raise YamlError with the line of the first problem."""
    return _parsed(text, lambda loader: loader.get_single_data())


def load_all(text: str | bytes) -> list[tuple[int, object]]:
    """Parse a stream of YAML documents (separated by `---`) as strictly as `load` parses one:
    (the line it starts on, the document) of each."""

    def documents(loader):
        found = []
        while loader.check_node():
            node = loader.get_node()
            found.append((node.start_mark.line + 1, loader.construct_document(node)))
        return found

    return _parsed(text, documents)


def _parsed(text: str | bytes, read):
    size = len(text.encode() if isinstance(text, str) else text)
    if size > MAX_BYTES:
        raise YamlError(1, f"the file is {size / 1024 / 1024:.1f} MiB; the limit is 1 MiB")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise YamlError(1, f"the file is not UTF-8 text ({error.reason})") from None
    loader = None
    try:
        loader = StrictLoader(text)  # its reader refuses control characters at once
        return read(loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        if error.context_mark and error.problem_mark and error.context and "quoted scalar" in error.context:
            # A quote left open is found where the file ends; say where it opens.
            line = error.context_mark.line + 1
            raise YamlError(line, f"not valid YAML: a quoted value opens here and is never closed ({error.problem})") from None
        raise YamlError(line, f"not valid YAML: {error.problem or error.context}") from None
    except yaml.reader.ReaderError as error:
        character = f"#x{error.character:04x}" if isinstance(error.character, int) else repr(error.character)
        raise YamlError(text.count("\n", 0, error.position) + 1,
                        f"the character {character} is not allowed in a YAML file") from None
    except yaml.YAMLError as error:
        raise YamlError(1, f"not valid YAML: {error}") from None
    finally:
        if loader is not None:
            loader.dispose()


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow=False, indentless=False):
        # Indent list items under their key, as people write them by hand.
        return super().increase_indent(flow, False)


def _represent_str(dumper, value):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(Record, _Dumper.represent_dict)


def dump(data) -> str:
    """Deterministic YAML: keys in the order given, block style, unicode kept."""
    return yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    )
