import pytest

from apps.lib.yamlio import MAX_BYTES, YamlError, dump, load


def refusal(text):
    with pytest.raises(YamlError) as error:
        load(text)
    return error.value.line, error.value.message


def test_it_remembers_the_line_of_each_record_and_key():
    document = load("version: 1\nteams:\n  - name: Platform\n    description: runs it\n")
    team = document["teams"][0]
    assert (document.line, team.line, team.line_of("description")) == (1, 3, 4)


def test_it_reads_plain_values_as_yaml_1_2_does():
    document = load("a: true\nb: 12\nc: 1.5\nd: ~\ne: 2026-03-02\nf: 'NO'\ng: \"012\"\n")
    assert document == {"a": True, "b": 12, "c": 1.5, "d": None, "e": "2026-03-02", "f": "NO", "g": "012"}


@pytest.mark.parametrize("value", ["NO", "yes", "off", "On", "y"])
def test_it_refuses_yaml_1_1_booleans(value):
    line, message = refusal(f"team: Platform\nanticipated: {value}\n")
    assert line == 2
    assert f"write true or false, or quote it ('{value}')" in message


@pytest.mark.parametrize("value", ["012", "0o17", "0x1F", "1:30"])
def test_it_refuses_numbers_other_readers_take_differently(value):
    line, message = refusal(f"a: 1\nb: {value}\n")
    assert line == 2 and f"'{value}'" in message


def test_it_refuses_an_alias_bomb_at_its_first_anchor():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    assert refusal(bomb) == (1, "anchors (&a) are not allowed: write the value out")


def test_it_refuses_an_alias():
    assert refusal("a: 1\nb: *x\n")[0] == 2


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system ['id']", "!!binary aGk=", "!custom x", "!!str 5"])
def test_it_refuses_tags(tag):
    line, message = refusal(f"a: 1\nb: {tag}\n")
    assert line == 2 and "are not allowed: write plain YAML" in message


def test_it_refuses_a_duplicate_key_naming_both_lines():
    assert refusal("name: a\nteam: b\nname: c\n") == (3, "duplicate key 'name' (first on line 1)")


def test_it_refuses_a_file_over_one_mebibyte_before_parsing():
    line, message = refusal("a: " + "x" * MAX_BYTES)
    assert line == 1 and "the limit is 1 MiB" in message


def test_it_refuses_deep_nesting():
    assert "nested more than" in refusal("[" * 200 + "]" * 200)[1]


def test_it_reports_syntax_errors_with_their_line():
    line, message = refusal("a: 1\nb: [1, 2\nc: 3\n")
    assert line == 3 and message.startswith("not valid YAML")


def test_it_refuses_text_that_is_not_utf8():
    assert "not UTF-8" in refusal(b"a: \xff\xfe\n")[1]


def test_the_dumper_quotes_what_a_reader_could_misread_and_reads_back():
    data = {"names": ["NO", "012", "yes", "1:30", "true"], "text": "two\nlines\n", "n": 1.5}
    text = dump(data)
    assert "'NO'" in text and "'012'" in text
    assert load(text) == data
