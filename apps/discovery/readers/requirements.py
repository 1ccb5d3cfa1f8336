"""Dependency files in a folder of the organisation's repositories (or a git checkout):
requirements*.txt, pyproject.toml, poetry.lock, uv.lock, Pipfile.lock and conda's
environment.yml, read for the catalogue tools' packages. Requirements are read with
`packaging`, as pip reads them; a file that is malformed is one problem with its path and
line, and the sweep goes on with the next."""

import fnmatch
import json
import os
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import yaml
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from apps.discovery.readers import Sighting, Signatures, SourceError, Sweep, shown

SKIPPED_FOLDERS = {".git", ".hg", "node_modules", ".venv", "venv", "__pycache__", "site-packages", ".tox", ".nox",
                   ".mypy_cache", ".pytest_cache", "dist", "build"}
MAX_FILE = 2 * 1024 * 1024  # bytes: a larger dependency file is reported, not read
MAX_FILES = 20_000  # dependency files a sweep reads; a larger tree is read that far and said so
MAX_DEPTH = 64  # folders below the root a sweep goes
CONDA_NAME_END = re.compile(r"[\s=<>!~\[;]")  # where a conda spec's package name ends: `mlflow=2.9`


class Malformed(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


def kind_of(path: Path) -> str | None:
    """Which reader a file takes, by its name; None for a file that is no dependency file."""
    name = path.name
    if fnmatch.fnmatch(name, "requirements*.txt") or (path.parent.name == "requirements" and name.endswith(".txt")):
        return "requirements"
    return {"pyproject.toml": "pyproject", "poetry.lock": "lock", "uv.lock": "lock", "Pipfile.lock": "pipfile",
            "environment.yml": "conda", "environment.yaml": "conda"}.get(name)


def dependency_files(root: Path, problems: list[str]) -> Iterator[Path]:
    """The dependency files under `root`, in a stable order: regular files only (no links, no
    FIFOs or devices), links to folders not followed, at most MAX_DEPTH folders deep."""
    pending = [(root, 0)]
    while pending:
        folder, depth = pending.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as error:
            problems.append(f"{shown(folder.relative_to(root).as_posix())}: cannot be read ({error.strerror})")
            continue
        for entry in entries:
            if entry.is_file(follow_symlinks=False) and kind_of(Path(entry.path)):
                yield Path(entry.path)
        folders = [e for e in entries if e.is_dir(follow_symlinks=False) and e.name not in SKIPPED_FOLDERS]
        if folders and depth >= MAX_DEPTH:
            problems.append(f"{shown(folder.relative_to(root).as_posix())}: more than {MAX_DEPTH} folders deep; "
                            "what is below was not read")
            continue
        pending += [(Path(e.path), depth + 1) for e in reversed(folders)]


def read(root: Path, signatures: Signatures) -> Sweep:
    if not root.is_dir():
        raise SourceError(f"{root} is not a folder on this machine")
    sweep = Sweep()
    for count, path in enumerate(dependency_files(root, sweep.problems), start=1):
        if count > MAX_FILES:
            sweep.problems.append(f"{root}: more than {MAX_FILES:,} dependency files; the rest were not read")
            break
        where = shown(path.relative_to(root).as_posix())
        try:
            with path.open("rb") as file:
                data = file.read(MAX_FILE + 1)
            if len(data) > MAX_FILE:
                raise Malformed(1, f"larger than {MAX_FILE // 1024 // 1024} MB; not read")
            text = data.decode("utf-8-sig")
            lines = Lines(text)
            found = [(signatures.package(name), spec, line) for name, spec, line in READERS[kind_of(path)](text, lines)]
            places = [(tool, f"{where}:{line() if callable(line) else line} {spec}")
                      for tool, spec, line in found if tool is not None]
        except UnicodeDecodeError:
            sweep.problems.append(f"{where}: not UTF-8 text")
            continue
        except OSError as error:
            sweep.problems.append(f"{where}: cannot be read ({error.strerror})")
            continue
        except Malformed as malformed:
            sweep.problems.append(f"{where}:{malformed.line}: {malformed}")
            continue
        except (AttributeError, KeyError, TypeError, ValueError) as error:  # a shape no such file has
            sweep.problems.append(f"{where}: not a {kind_of(path)} file as its tools write it ({type(error).__name__})")
            continue
        sweep.sightings += [Sighting(tool, place, key=where) for tool, place in places]
    return sweep


class Lines:
    """Where a package is named in a file whose parser gives no lines (TOML, JSON, YAML):
    worked out only for the packages that are a tool's."""

    def __init__(self, text: str):
        self.lowered = text.lower()

    def of(self, *needles: str):
        """A function giving the first line holding any needle; a needle that starts with a
        newline stands for the line after it. 1 when none does."""
        def line() -> int:
            found = []
            for needle in needles:
                at = self.lowered.find(needle.lower())
                if at >= 0:
                    found.append(at + (1 if needle.startswith("\n") else 0))
            return self.lowered.count("\n", 0, min(found)) + 1 if found else 1
        return line


# Each reader yields (package name, the requirement as written, its line: a number, or a
# function that works it out) ------------------------------------------------------------

def requirements_txt(text: str, lines: Lines | None = None) -> Iterator[tuple[str, str, int]]:
    """pip's requirements format: comments, line continuations, options (-r, --index-url,
    per-requirement --hash), environment variables (${VERSION}) and requirements in PEP 508;
    URLs and local paths left out."""
    for line, logical in logical_lines(text):
        if not logical or logical.startswith("-"):
            continue  # an option: -r other.txt, -e ./pkg, --index-url ...
        words = logical.split()
        options = next((i for i, word in enumerate(words) if i and word.startswith("-")), len(words))
        spec = " ".join(words[:options])  # without --hash=... and the like
        if spec.startswith((".", "/", "~")) or ("://" in spec and "@" not in spec.split("://")[0]):
            continue  # a local path or a bare URL names no package
        try:
            requirement = Requirement(without_variables(spec))
        except InvalidRequirement as invalid:
            raise Malformed(line, f"not a requirement: {reason(invalid)}") from None
        yield requirement.name, spec, line


def without_variables(spec: str) -> str:
    """pip expands ${NAME} from the environment; a version from one is any version here."""
    while "${" in spec and "}" in spec[spec.index("${"):]:
        start = spec.index("${")
        spec = spec[:start] + "0" + spec[spec.index("}", start) + 1:]
    return spec


def reason(invalid: InvalidRequirement) -> str:
    """What packaging says is wrong, without its picture of where."""
    return str(invalid).splitlines()[0]


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each logical line: comments removed, continuations joined."""
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        content = raw[:comment_at(raw)]
        if not pending:
            start = number
        if content.endswith("\\"):
            pending += content[:-1] + " "
            continue
        yield start, (pending + content).strip()
        pending = ""
    if pending:
        yield start, pending.strip()


def comment_at(line: str) -> int:
    """Where a comment starts: a # at the start of the line or after whitespace."""
    at = line.find("#")
    while at > 0 and not line[at - 1].isspace():
        at = line.find("#", at + 1)
    return at if at >= 0 else len(line)


def toml(text: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = re.search(r"line (\d+)", str(error))
        number = int(line.group(1)) if line else text.count("\n") + (not text.endswith("\n"))
        raise Malformed(max(number, 1), f"not valid TOML: {error}") from None


def table(value, what: str, lines: Lines) -> dict:
    """A TOML or JSON table the file must have as one, else its problem."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        key = what.rsplit(".", 1)[-1]
        raise Malformed(lines.of(f"\n{key} =", f"\n{key}=", f'"{key}"')(), f"{what} must be a table")
    return value


def pep508(specs, what: str, lines: Lines) -> Iterator[tuple[str, str, object]]:
    if not isinstance(specs, list):
        key = what.rsplit(".", 1)[-1]
        raise Malformed(lines.of(f"\n{key} =", f"\n{key}=")(), f"{what} must be a list of requirements")
    for spec in specs:
        if not isinstance(spec, str):
            continue  # a dependency group's {include-group = ...}
        try:
            requirement = Requirement(without_variables(spec))
        except InvalidRequirement as invalid:
            raise Malformed(lines.of(spec)(), f"{what}: not a requirement: {reason(invalid)}") from None
        yield requirement.name, spec, lines.of(f'"{spec}"', f"'{spec}'")


def pyproject(text: str, lines: Lines) -> Iterator[tuple[str, str, object]]:
    """PEP 621's dependencies and optional dependencies, PEP 735's dependency groups, and
    Poetry's dependency tables."""
    document = toml(text)
    project = table(document.get("project"), "project", lines)
    yield from pep508(project.get("dependencies", []), "project.dependencies", lines)
    for extra, specs in table(project.get("optional-dependencies"), "project.optional-dependencies", lines).items():
        yield from pep508(specs, f"project.optional-dependencies.{extra}", lines)
    for group, specs in table(document.get("dependency-groups"), "dependency-groups", lines).items():
        yield from pep508(specs, f"dependency-groups.{group}", lines)
    poetry = table(table(document.get("tool"), "tool", lines).get("poetry"), "tool.poetry", lines)
    tables = [table(poetry.get("dependencies"), "tool.poetry.dependencies", lines),
              table(poetry.get("dev-dependencies"), "tool.poetry.dev-dependencies", lines)]
    for name, group in table(poetry.get("group"), "tool.poetry.group", lines).items():
        tables.append(table(table(group, f"tool.poetry.group.{name}", lines).get("dependencies"),
                            f"tool.poetry.group.{name}.dependencies", lines))
    for dependencies in tables:
        for name, version in dependencies.items():
            if canonicalize_name(name) != "python":
                shown = f"{name} {version}" if isinstance(version, str) else name
                yield name, shown, lines.of(f"\n{name} =", f"\n{name}=", f'\n"{name}"')


def lock(text: str, lines: Lines) -> Iterator[tuple[str, str, object]]:
    """poetry.lock and uv.lock: each locked [[package]], with its version."""
    packages = toml(text).get("package", [])
    if not isinstance(packages, list):
        raise Malformed(lines.of("\npackage =")(), "package must be a list of [[package]] tables")
    for package in packages:
        name = package.get("name") if isinstance(package, dict) else None
        if isinstance(name, str):
            spec = f"{name}=={package['version']}" if isinstance(package.get("version"), str) else name
            yield name, spec, lines.of(f'name = "{name}"')


def pipfile(text: str, lines: Lines) -> Iterator[tuple[str, str, object]]:
    """Pipfile.lock: the default and develop packages, with their pinned versions."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise Malformed(error.lineno, f"not valid JSON: {error.msg}") from None
    if not isinstance(document, dict):
        raise Malformed(1, "expected a JSON object with default and develop packages")
    for section in ("default", "develop"):
        for name, pin in table(document.get(section), section, lines).items():
            version = pin.get("version", "") if isinstance(pin, dict) else ""
            yield name, f"{name}{version if isinstance(version, str) else ''}", lines.of(f'"{name}": {{', f'"{name}"')


def conda(text: str, lines: Lines) -> Iterator[tuple[str, str, object]]:
    """conda's environment.yml: conda packages (`mlflow=2.9`, `conda-forge::wandb`) and the
    requirements of its `pip:` list."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise Malformed(mark.line + 1 if mark else 1, f"not valid YAML: {getattr(error, 'problem', None) or error}") from None
    dependencies = document.get("dependencies") if isinstance(document, dict) else None
    if dependencies is None:
        return
    if not isinstance(dependencies, list):
        raise Malformed(lines.of("dependencies")(), "dependencies must be a list")
    for item in dependencies:
        if isinstance(item, dict) and isinstance(item.get("pip"), list):
            for spec in item["pip"]:
                if isinstance(spec, str):
                    yield from pip_in_conda(spec, lines)
        elif isinstance(item, str):
            spec = item.split("::")[-1].strip()
            name = CONDA_NAME_END.split(spec, maxsplit=1)[0]
            if name:
                yield name, item, lines.of(item)


def pip_in_conda(spec: str, lines: Lines) -> Iterator[tuple[str, str, object]]:
    line = lines.of(spec)
    try:
        for name, written, _ in requirements_txt(spec):
            yield name, written, line
    except Malformed as malformed:
        raise Malformed(line(), f"pip: {malformed}") from None


READERS = {"requirements": requirements_txt, "pyproject": pyproject, "lock": lock, "pipfile": pipfile, "conda": conda}
