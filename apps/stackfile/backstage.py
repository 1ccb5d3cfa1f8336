"""Read a Backstage software catalog (catalog-info.yaml files, each a stream of YAML documents)
into stack entries: the tools of the catalogue its Component, Resource and System entities are,
with the people and teams that own them.

An entity is a catalogue tool when its name or title is the tool's name or slug, or one of its
`metadata.tags` is. Its `spec.lifecycle` gives the entry's status (LIFECYCLES) and `spec.owner`
its owner: a `user:` ref names a person (by the email of the catalog's User entity of that name,
or the name itself when it is an email), a `group:` ref (or a bare name, which Backstage reads as
a group) names a team. The entries are then checked and applied by the stack file's importer, all
or nothing, so a catalog is held to the same rules as a stack file; every problem names the file
and line of its entity.
"""

import re
from dataclasses import dataclass, field

from django.utils.text import slugify

from apps.accounts.models import Team, User
from apps.catalog.models import Tool
from apps.catalog.seed import load_seed_catalogue
from apps.lib import yamlio
from apps.lib.yamlio import Record, YamlError
from apps.stack.models import StackEntry
from apps.stackfile.importer import Outcome, import_document

KINDS = {"Component", "Resource", "System"}
READ_KINDS = KINDS | {"User", "Group"}  # people and teams, for the owner refs they resolve
LIFECYCLES = {"production": "adopted", "experimental": "proposed", "deprecated": "flagged"}
DEFAULT_LIFECYCLE = "proposed"  # an entity without one, or with one of its own
# Backstage's own rule for metadata.name: what it accepts, Stackledger reads and prints.
NAME = re.compile(r"^[A-Za-z0-9]([-_.]?[A-Za-z0-9])*$")
NAME_LENGTH = 63
QUOTED = 60  # characters of a value a problem repeats


def quoted(value: str) -> str:
    """A value as a problem repeats it: escaped, and cut short when long."""
    return repr(value[:QUOTED]) + ("…" if len(value) > QUOTED else "")


@dataclass
class Entity:
    file: str
    line: int
    record: Record

    @property
    def kind(self) -> str:
        return self.record.get("kind")

    @property
    def name(self) -> str:
        return self.record["metadata"]["name"]

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def line_of(self, *path: str) -> int:
        record, line = self.record, self.line
        for key in path:
            if not isinstance(record, Record) or key not in record:
                break
            line, record = record.line_of(key), record[key]
        return line


@dataclass
class Proposal:
    """A stack entry a catalog entity proposes."""

    entity: Entity
    tool: Tool
    status: str
    owner: str | None = None  # email
    team: str | None = None  # name


@dataclass
class CatalogOutcome:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)
    not_tools: list[Entity] = field(default_factory=list)  # entities that are no catalogue tool
    in_stack: list[Proposal] = field(default_factory=list)  # tools the stack has already, left alone
    imported: Outcome | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def entities(name: str, text: bytes, outcome: CatalogOutcome) -> list[Entity]:
    """The file's entities, each checked for the fields an entity has (apiVersion, kind,
    metadata.name, a spec that is a mapping); a problem is an error with its line."""
    try:
        documents = yamlio.load_all(text)
    except YamlError as error:
        outcome.errors.append(f"{name}:{error.line}: {error.message}")
        return []
    found = []
    for start, document in documents:
        if document is None:
            continue  # an empty document, as after a trailing ---
        problem = _shape_problem(document, start)
        if problem:
            line, path, message = problem
            outcome.errors.append(f"{name}:{line}: {path}: {message}")
            continue
        found.append(Entity(name, document.line, document))
    return found


def _shape_problem(document, start: int) -> tuple[int, str, str] | None:
    if not isinstance(document, Record):
        return start, "entity", "each document must be a Backstage entity: a mapping with apiVersion, kind and metadata"
    for key in ("apiVersion", "kind"):
        if not isinstance(document.get(key), str) or not document[key].strip():
            return document.line_of(key), key, "required, as text"
    if document["kind"] not in READ_KINDS:
        return None  # an API, a Template, a Location…: not read, so not checked further
    if "backstage.io/" not in document["apiVersion"]:
        return document.line_of("apiVersion"), "apiVersion", f"{quoted(document['apiVersion'])} is no Backstage entity's (backstage.io/v1alpha1)"
    metadata = document.get("metadata")
    if not isinstance(metadata, Record) or not isinstance(metadata.get("name"), str) or not metadata["name"].strip():
        return (metadata.line_of("name") if isinstance(metadata, Record) else document.line_of("metadata"),
                "metadata.name", "required, as text")
    if len(metadata["name"]) > NAME_LENGTH or not NAME.match(metadata["name"]):
        return (metadata.line_of("name"), "metadata.name", f"{quoted(metadata['name'])} is no Backstage name: letters, "
                f"digits and - _ . between them, at most {NAME_LENGTH} characters")
    tags = metadata.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        return metadata.line_of("tags"), f"{document['kind']}:{metadata['name']}.metadata.tags", "must be a list of text"
    spec = document.get("spec", Record())
    where = f"{document['kind']}:{metadata['name']}.spec"
    if not isinstance(spec, Record):
        return document.line_of("spec"), where, "must be a mapping"
    for key in ("owner", "type", "lifecycle"):
        if key in spec and not isinstance(spec[key], str):
            return spec.line_of(key), f"{where}.{key}", "must be text"
    return None


class Refs:
    """Backstage's owner refs, as people and teams of Stackledger."""

    def __init__(self, all_entities: list[Entity]):
        self.emails = {}  # user name -> email, from the catalog's User entities
        self.group_names = {}  # group name -> display name, from its Group entities
        for entity in all_entities:
            profile = entity.record.get("spec", Record()).get("profile") if isinstance(entity.record.get("spec"), Record) else None
            profile = profile if isinstance(profile, Record) else Record()
            if entity.kind == "User" and isinstance(profile.get("email"), str):
                self.emails[entity.name.lower()] = profile["email"].strip().lower()
            if entity.kind == "Group" and isinstance(profile.get("displayName"), str):
                self.group_names[entity.name.lower()] = profile["displayName"].strip()
        self.users = {u.email.lower(): u for u in User.objects.order_by("email")}
        self.teams = {}
        for team in Team.objects.order_by("name"):
            self.teams.setdefault(team.name.lower(), team)
            self.teams.setdefault(slugify(team.name), team)

    def owner(self, ref: str) -> tuple[str | None, str | None, str]:
        """(email, team name, problem) of an owner ref; the problem is '' when it resolves."""
        kind, _, name = ref.strip().rpartition(":")
        kind = (kind or "group").lower()
        name = name.rpartition("/")[2].strip()  # user:default/jdoe: the namespace is not ours
        if kind == "user":
            email = self.emails.get(name.lower(), name.lower() if "@" in name else None)
            user = self.users.get(email) if email else None
            if user is None or not user.is_active:
                known = f" ({email})" if email and email != name.lower() else ""
                return None, None, (f"{quoted(ref)}{known} is no active person in Stackledger: add them (a users: "
                                    "record of a stack file, or the admin), or give the catalog a User entity "
                                    "with spec.profile.email")
            return user.email, None, ""
        if kind == "group":
            team = (self.teams.get(name.lower()) or self.teams.get(slugify(name))
                    or self.teams.get(self.group_names.get(name.lower(), "").lower()))
            if team is None:
                return None, None, f"{quoted(ref)} is no team in Stackledger: add a team of that name (or display name)"
            return None, team.name, ""
        return None, None, f"{quoted(ref)}: an owner is a user: or group: ref"


def tool_of(entity: Entity, tools: dict[str, Tool]) -> Tool | None:
    """The catalogue tool an entity is, by its name, title or a tag."""
    metadata = entity.record["metadata"]
    names = [metadata["name"], metadata.get("title") if isinstance(metadata.get("title"), str) else "",
             *metadata.get("tags", [])]
    for name in names:
        tool = tools.get(name.strip().lower()) or tools.get(slugify(name))
        if tool is not None:
            return tool
    return None


def propose(files: list[tuple[str, bytes]], *, now) -> CatalogOutcome:
    """What the catalog files propose, checked; nothing is written."""
    outcome = CatalogOutcome()
    found = [entity for name, text in files for entity in entities(name, text, outcome)]
    refs = Refs(found)
    if not Tool.objects.exists():
        load_seed_catalogue()  # as a first stack-file import does: the tools to match against
    tools = {}
    for tool in Tool.objects.order_by("name"):
        tools.setdefault(tool.name.lower(), tool)
        tools.setdefault(tool.slug, tool)
    in_stack = set(StackEntry.objects.values_list("tool_id", flat=True))
    seen: dict[int, Proposal] = {}
    for entity in found:
        if entity.kind not in KINDS:
            continue
        tool = tool_of(entity, tools)
        if tool is None:
            outcome.not_tools.append(entity)
            continue
        if tool.pk in in_stack:  # left as it is: its owner and lifecycle here change nothing
            if tool.pk not in seen:
                seen[tool.pk] = Proposal(entity, tool, "")
                outcome.in_stack.append(seen[tool.pk])
            continue
        spec = entity.record.get("spec", Record())
        lifecycle = spec.get("lifecycle", "")
        status = LIFECYCLES.get(lifecycle.strip().lower(), DEFAULT_LIFECYCLE)
        if lifecycle and lifecycle.strip().lower() not in LIFECYCLES:
            outcome.warnings.append(f"{entity.file}:{entity.line_of('spec', 'lifecycle')}: {entity.kind}:{entity.name}"
                                    f".spec.lifecycle: {quoted(lifecycle)} is none of {', '.join(LIFECYCLES)}: proposed")
        proposal = Proposal(entity, tool, status)
        if spec.get("owner"):
            proposal.owner, proposal.team, problem = refs.owner(spec["owner"])
            if problem:
                outcome.errors.append(f"{entity.file}:{entity.line_of('spec', 'owner')}: "
                                      f"{entity.kind}:{entity.name}.spec.owner: {problem}")
                continue
        if tool.pk in seen:
            first = seen[tool.pk]
            if (first.owner, first.team) != (proposal.owner, proposal.team):
                outcome.errors.append(f"{entity.where}: {entity.kind}:{entity.name}: it is {tool.name}, as "
                                      f"{first.entity.kind}:{first.entity.name} ({first.entity.where}) is, with "
                                      "another owner: a tool has a single owner, so name one")
            continue
        seen[tool.pk] = proposal
        outcome.proposals.append(proposal)
    return outcome


def document(proposals: list[Proposal], *, file: str | None = None) -> Record:
    """The proposals as a stack file's `stack:` section, each record on its entity's lines (of
    one file, when `file` is given), so the importer's problems point into the catalog."""
    records = []
    for proposal in proposals:
        entity = proposal.entity
        if file is not None and entity.file != file:
            continue
        record = Record(tool=proposal.tool.name, status=proposal.status, line=entity.line, key_lines={
            "tool": entity.line_of("metadata", "name"), "status": entity.line_of("spec", "lifecycle"),
            "owner": entity.line_of("spec", "owner"), "team": entity.line_of("spec", "owner"),
        })
        if proposal.owner:
            record["owner"] = proposal.owner
        if proposal.team:
            record["team"] = proposal.team
        records.append(record)
    return Record(version=1, stack=records, line=1, key_lines={"version": 1, "stack": 1})


def import_backstage(files: list[tuple[str, bytes]], *, commit: bool, now) -> CatalogOutcome:
    """Propose the catalog's entries and, when `commit` and nothing is wrong, add them, all at once."""
    outcome = propose(files, now=now)
    if outcome.ok:
        proposing = {proposal.entity.file for proposal in outcome.proposals}
        for name in dict.fromkeys(name for name, _ in files if name in proposing):
            # Checked a file at a time, so each problem has its file's line.
            checked = import_document(document(outcome.proposals, file=name), commit=False, now=now)
            outcome.errors += [f"{name}:{error.removeprefix('line ')}" for error in checked.errors]
            outcome.warnings += [f"{name}:{warning.removeprefix('line ')}" for warning in checked.warnings]
    if outcome.ok and commit and outcome.proposals:
        outcome.imported = import_document(document(outcome.proposals), commit=True, now=now)
        outcome.errors += outcome.imported.errors
    return outcome
