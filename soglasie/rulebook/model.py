"""The parsed, validated rule files: immutable dataclasses shared by the loader, engine and core.

The loader (`soglasie.rulebook.loader`) is the only producer of these objects; the process
engine, the sweeps, the portal and the CLI only read them. A `RuleBook` is one consistent
snapshot of every file in the rules directory, identified by `version` (a content hash).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Mapping

if TYPE_CHECKING:  # pragma: no cover - typing only
    from soglasie.business_calendar import BusinessCalendar

# Everything a task's assignee may do to it; a stage's task lists the subset it allows.
TASK_ACTIONS = ("take_into_work", "approve", "reject", "request_documents", "complete")
# Card-level actions; who may do them is declared per process (`card_actions`).
CARD_ACTIONS = ("freeze", "unfreeze", "restart", "new_version")
ROLES = (
    "employee",
    "finance_manager",
    "ops_manager",
    "chief_accountant",
    "junior_accountant",
    "signer",
    "admin",
)
# Side stages every process has; they are not declared in the stage list.
REJECTED, FROZEN, DOCUMENTS_REQUESTED = "rejected", "frozen", "documents_requested"
SIDE_STAGES = (REJECTED, FROZEN, DOCUMENTS_REQUESTED)
# Stage flags the services and surfaces act on (a stage lists the ones that apply to it):
#   payment_details  the stage's tasks show the payment details and the memo on the task page.
STAGE_FLAGS = ("payment_details",)
# The card fields a process may use; each is required, optional or absent in its file.
CARD_FIELDS = ("counterparty", "amount", "cost_item", "subject", "validity", "deadline", "invoice_number",
               "invoice_date")
# Fields a rule file may require of the portal's form while the API (and scripts) may leave them out:
# the invoice's number and date (older API clients keep working; the duplicate check then uses
# the amount and the filing date).
FORM_REQUIRED_ONLY = ("invoice_number", "invoice_date")
# VAT rates a card may carry: percents as text, and "exempt" (без НДС / VAT exempt).
VAT_EXEMPT = "exempt"
DEFAULT_VAT_RATES = ("22", "10", "0", VAT_EXEMPT)
# What a possible duplicate invoice does: nothing, a warning on the card, or a refusal.
DUPLICATE_LEVELS = ("off", "warn", "block")
FIELD_USES = ("required", "optional", "absent")


@dataclass(frozen=True)
class Text:
    """A user-visible text in Russian (the default) and English."""

    ru: str
    en: str

    def get(self, locale: str | None) -> str:
        """The text in `locale`, Russian when the locale is unknown."""
        return self.en if locale == "en" else self.ru


@dataclass(frozen=True)
class NounForms:
    """The words the texts use for one process's cards, in one language.

    `one`/`many` are the full noun ("заявка на оплату"), `short`/`short_many` the everyday
    one ("заявка"); Russian also needs the accusative and genitive cases and the gender the
    adjectives and past participles agree with ("заявка найдена", "договор найден").
    """

    one: str
    many: str
    short: str
    short_many: str
    accusative: str
    genitive: str
    gender: Literal["feminine", "masculine", "neuter"] = "masculine"
    # The short noun's cases ("заявку", "заявки", "заявке"); empty: derived from its ending
    # and gender by `soglasie.nouns.decline` (write them where that rule does not fit).
    short_accusative: str = ""
    short_genitive: str = ""
    short_dative: str = ""

    def capitalized(self, form: str = "one") -> str:
        """A form with its first letter upper-cased, for the start of a sentence."""
        text = getattr(self, form)
        return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Nouns:
    """A process's nouns in Russian (the default) and English."""

    ru: NounForms
    en: NounForms

    def get(self, locale: str | None) -> NounForms:
        """The forms in `locale`, Russian when the locale is unknown."""
        return self.en if locale == "en" else self.ru


@dataclass(frozen=True)
class DocumentSpec:
    """The card's main document: the invoice of a payment request, the text of a contract.

    `purpose` is the attachment's purpose in the database; a `versioned` document keeps
    every version with who uploaded it (a new version after an approval restarts them).
    """

    purpose: str
    title: Text
    versioned: bool = False
    required: bool = True
    field: str = "document"  # the portal form's and the REST API's file field


@dataclass(frozen=True)
class AnalyticsSpec:
    """A process's `analytics:` section: the cycle-time target, the baseline before automation, privacy."""

    target_wd: float = 3.0  # working days from filing to the terminal stage (the source case's "2–3")
    baseline_wd: tuple[float, float] | None = None  # e.g. (5, 7): before automation, as the company remembers it
    approvers: bool = True  # False: no per-approver report (privacy)


@dataclass(frozen=True)
class CardSpec:
    """Which card fields a process uses: field → "required" | "optional" | "absent"."""

    fields: Mapping[str, str]
    document: DocumentSpec | None = None
    contract_process: str | None = None  # the process whose signed cards this card may reference
    vat_rates: tuple[str, ...] = ()  # the VAT rates the card offers (the first is the form's default); (): no VAT

    def uses(self, name: str) -> bool:
        """Whether the card has the field at all (required or optional)."""
        return self.fields.get(name, "absent") != "absent"

    def requires(self, name: str) -> bool:
        """Whether the field must be filled in."""
        return self.fields.get(name) == "required"


@dataclass(frozen=True)
class DuplicatePolicy:
    """The duplicate-invoice check (`duplicates:` in a process file; docs/rules.md, "Duplicate invoices").

    Two cards of one counterparty are possible duplicates when their normalised invoice numbers
    are equal within one invoice year, or, when either has no number, their amounts are equal
    and their invoice dates (else filing dates) are at most `window_days` apart. `level` says
    what happens: "off", "warn" (filed, shown, approved at `acknowledge_at` stages only with a
    comment acknowledging it) or "block" (refused when filed, and not approved while it lasts).
    """

    level: str = "warn"
    window_days: int = 5
    acknowledge_at: tuple[str, ...] = ()  # stage ids

    @property
    def active(self) -> bool:
        """Whether cards are compared at all."""
        return self.level != "off"


@dataclass(frozen=True)
class AssigneeRule:
    """Who gets a task (or a notification).

    kind:
      - "initiator_head": head of the initiator's department, walking up the tree; none → the
        operations manager. When the initiator is that head, the task is his own.
      - "role": an active user with role `value` (the least loaded one).
      - "user": the user with login `value`.
      - "initiator": the card's initiator.
      - "assignee": the assignee of the task the rule is attached to (SLA recipients only).
    """

    kind: Literal["initiator_head", "role", "user", "initiator", "assignee"]
    value: str | None = None

    def describe(self) -> str:
        """A short human-readable form, e.g. `role:finance_manager`."""
        return f"{self.kind}:{self.value}" if self.value else self.kind


@dataclass(frozen=True)
class TaskDefinition:
    """One task created when a run enters its stage."""

    kind: str  # unique within the stage, e.g. "approval", "make_payment", "payment_order"
    title: Text
    assignee: AssigneeRule
    actions: tuple[str, ...]  # subset of TASK_ACTIONS the assignee may take
    on_behalf: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # role → actions
    requires_attachment: bool = False  # "complete" is refused until a file is attached
    memo: Text | None = None  # the short instruction shown on the task card
    deadline: str | None = None  # name of a deadline rule, e.g. "accounting"
    attachment_title: Text | None = None  # the label of the file a requires_attachment task asks for
    line: int = 0  # where it was declared, for error messages


@dataclass(frozen=True)
class SlaEvent:
    """A reminder or escalation due `after_minutes` working minutes on the SLA clock."""

    name: str  # unique within the policy; part of the idempotency key
    kind: Literal["reminder", "escalation"]
    after_minutes: int
    to: AssigneeRule
    text: Text | None = None


@dataclass(frozen=True)
class SlaPolicy:
    """When the sweep looks at a task of a stage, and what it sends if nobody acts.

    The SLA clock counts working minutes from the moment the task was created, pauses while
    the run is frozen or waiting for documents, and stops for good at `clock_stops_on`
    ("started": taken into work; "decided": approved/rejected/completed).
    """

    check_every_minutes: int
    clock_stops_on: Literal["started", "decided"]
    events: tuple[SlaEvent, ...]
    due_after_minutes: int | None = None  # the task's deadline on the SLA clock


@dataclass(frozen=True)
class StageDefinition:
    """A stage of a process: its tasks (all must be done to move on) and its SLA."""

    id: str
    title: Text
    tasks: tuple[TaskDefinition, ...]
    optional: bool = False  # only in the route when a routing rule adds it
    sla: SlaPolicy | None = None
    flags: frozenset[str] = frozenset()  # from STAGE_FLAGS
    line: int = 0

    def task(self, kind: str) -> TaskDefinition:
        """The task definition of `kind` (KeyError when the stage has none)."""
        for task in self.tasks:
            if task.kind == kind:
                return task
        raise KeyError(kind)


@dataclass(frozen=True)
class Condition:
    """A parsed condition a finance lead wrote, e.g. `amount > 1000000 and cost_item == "ADS"`.

    `source` is the text as written; `tree` is the parsed form the engine compiles.
    """

    source: str
    tree: Any
    line: int = 0


@dataclass(frozen=True)
class RoutingRule:
    """When `when` holds, add optional stages and/or override stage assignees."""

    name: str
    when: Condition
    add_stages: tuple[str, ...] = ()
    assignees: Mapping[str, AssigneeRule] = field(default_factory=dict)  # stage id → rule
    line: int = 0


@dataclass(frozen=True)
class PayingAccountRule:
    """When `when` holds, the company's account `account` (20 digits) pays the card; the first match wins."""

    when: Condition
    account: str
    line: int = 0


@dataclass(frozen=True)
class ValidationRule:
    """When `when` holds, warn (the card is saved, the warning shown) or block (refused)."""

    name: str
    when: Condition
    level: Literal["warn", "block"]
    message: Text
    field: str | None = None  # the input field the message is about
    line: int = 0


@dataclass(frozen=True)
class DeadlineRule:
    """The accounting deadline: a hard deadline wins; else by arrival vs. the cut-off."""

    name: str
    cutoff: dt.time  # arrivals before it → end of that working day; from it on → next day's end
    hard_deadline_wins: bool = True


# Budget periods and what a check does when a request would exceed one (`budget:` of a process file).
BUDGET_PERIODS = ("year", "month")  # the annual budget; month-to-date: January up to the request's month
BUDGET_ACTIONS = ("ignore", "warn", "block")
FILING = "filing"  # the check point "when the card is filed (or restarted)" among stage ids in `check_at`


@dataclass(frozen=True)
class BudgetPolicy:
    """How a process's cards are checked against the budgets per department and cost item.

    `check_at` names the check points: FILING and/or stage ids (each approval at that stage);
    a request counts as committed from the stage `committed_from` on (in the file's stage
    order) until it reaches the terminal (paid); `on_exceed` is the action per period;
    `override_role` may pass a block by writing a comment.
    """

    check_at: tuple[str, ...]
    committed_from: str
    on_exceed: Mapping[str, str]  # period → action
    override_role: str | None = None
    line: int = 0


@dataclass(frozen=True)
class ProcessDefinition:
    """A process (payment, contract, …): its stages in order, its nouns, its card and its rules."""

    id: str
    title: Text
    stages: tuple[StageDefinition, ...]  # in order, optional ones included
    terminal: str  # the stage id reached after the last stage, e.g. "paid"
    terminal_title: Text
    card_actions: Mapping[str, tuple[str, ...]]  # "freeze" → roles ("initiator" allowed)
    routing: tuple[RoutingRule, ...] = ()
    validations: tuple[ValidationRule, ...] = ()
    deadlines: Mapping[str, DeadlineRule] = field(default_factory=dict)
    nouns: Nouns | None = None  # always set by the loader; None only in hand-built test objects
    card: CardSpec = CardSpec(fields={})
    portal_path: str = ""  # the URL segment of its cards in the portal, e.g. "requests"
    api_path: str = ""  # the URL segment of its own REST routes, e.g. "payment-requests"
    analytics: AnalyticsSpec = AnalyticsSpec()
    source: str = ""  # file path
    duplicates: DuplicatePolicy | None = None  # the duplicate-invoice check; None: not compared
    budget: BudgetPolicy | None = None  # None: the process's cards are not checked against budgets
    paying_account: tuple[PayingAccountRule, ...] = ()  # none matching (or none): the default account pays

    def has_stage(self, stage_id: str) -> bool:
        """Whether `stage_id` is a stage of this process (declared, terminal or a side stage)."""
        return stage_id == self.terminal or stage_id in SIDE_STAGES or any(s.id == stage_id for s in self.stages)

    def stage_title(self, stage_id: str) -> Text | None:
        """The title of a declared stage or the terminal (None for side stages and unknown ids)."""
        if stage_id == self.terminal:
            return self.terminal_title
        for stage in self.stages:
            if stage.id == stage_id:
                return stage.title
        return None

    def stage(self, stage_id: str) -> StageDefinition:
        """The stage definition with this id (KeyError when unknown)."""
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise KeyError(stage_id)

    @property
    def default_route(self) -> tuple[str, ...]:
        """The stages a run goes through when no routing rule matches."""
        return tuple(stage.id for stage in self.stages if not stage.optional)

    def stages_from(self, stage_id: str) -> tuple[str, ...]:
        """The declared stages from `stage_id` on, in the file's order (empty when unknown)."""
        ids = [stage.id for stage in self.stages]
        return tuple(ids[ids.index(stage_id):]) if stage_id in ids else ()

    def stages_flagged(self, flag: str) -> frozenset[str]:
        """The ids of the stages that carry `flag` (see STAGE_FLAGS)."""
        return frozenset(stage.id for stage in self.stages if flag in stage.flags)


@dataclass(frozen=True)
class RuleBook:
    """One consistent snapshot of the rules directory."""

    version: str  # content hash of every file, e.g. "3f9a1c…" (first 12 hex digits)
    calendar: "BusinessCalendar"
    processes: Mapping[str, ProcessDefinition]
    files: tuple[str, ...] = ()

    def process(self, process_id: str) -> ProcessDefinition:
        """The process definition (KeyError when the files declare no such process)."""
        return self.processes[process_id]

    def by_portal_path(self, path: str) -> ProcessDefinition | None:
        """The process whose cards live under `/<path>/` in the portal (None when none)."""
        for process in self.processes.values():
            if process.portal_path == path:
                return process
        return None

    def by_api_path(self, path: str) -> ProcessDefinition | None:
        """The process whose cards the REST API serves under `/api/v1/<path>` (None when none)."""
        for process in self.processes.values():
            if process.api_path == path:
                return process
        return None

    def referencing(self, process_id: str) -> tuple[ProcessDefinition, ...]:
        """The processes whose cards may reference a card of `process_id` (payments → contracts)."""
        return tuple(p for p in self.processes.values() if p.card.contract_process == process_id)


@dataclass(frozen=True)
class RouteDecision:
    """What the routing and validation rules decided for one card's facts."""

    stages: tuple[str, ...]  # the run's route, in process order
    assignees: Mapping[str, AssigneeRule]  # overrides by stage id
    warnings: tuple[tuple[str | None, Text], ...]  # (field, message)
    blocks: tuple[tuple[str | None, Text], ...]  # (field, message): the card is refused
    matched_rules: tuple[str, ...]
    rules_version: str
