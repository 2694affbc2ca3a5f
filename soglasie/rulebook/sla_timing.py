"""The timing of one SLA policy as written: `after: EVENT + DURATION` resolved, the order checked.

An escalation tells a manager that reminders went unanswered, so it may not come before a
reminder, nor before the task is even due; events are listed in time order so a policy reads
top to bottom like its schedule. Times are kept absolute (working minutes on the SLA clock),
so the schedule, the sweep and `rules simulate` never see the relative form.
"""

from __future__ import annotations

from typing import Sequence

from yaml.nodes import MappingNode, Node, ScalarNode

from soglasie.rulebook.durations import format_duration, parse_after
from soglasie.rulebook.model import SlaEvent
from soglasie.rulebook.yamlnodes import Reader, did_you_mean


def written_name(item: Node) -> str | None:
    """The plain `name:` text of an event item as written (None when there is none)."""
    if not isinstance(item, MappingNode):
        return None
    for key_node, value_node in item.value:
        if isinstance(key_node, ScalarNode) and key_node.value == "name" and isinstance(value_node, ScalarNode):
            return value_node.value
    return None


class EventTimes:
    """Reads the `after` of one policy's events in list order and checks how they line up."""

    def __init__(self, reader: Reader, policy: str, items: Sequence[Node], minutes_per_day: int):
        self.reader, self.policy, self.minutes_per_day = reader, policy, minutes_per_day
        self.names = [written_name(item) for item in items]  # known up front: "listed later" errors
        self.accepted: dict[str, tuple[SlaEvent, Node]] = {}  # name → (event, its `after` node)

    def label(self, index: int) -> str:
        """How errors name the `index`-th event: `SLA policy 'p', event 'e'`."""
        name = self.names[index]
        return f"{self.policy}, event {name!r}" if name else f"{self.policy}, event #{index + 1}"

    def after(self, node: Node, index: int) -> int | None:
        """Working minutes (> 0) of the `index`-th event: a duration or `EARLIER_EVENT + DURATION`."""
        what = f"{self.label(index)}: after"
        raw = self.reader.scalar(node, what)
        if raw is None:
            return None
        try:
            reference, minutes = parse_after(raw, self.minutes_per_day)
        except ValueError as error:
            self.reader.error(node, f"{what}: {error}")
            return None
        if minutes <= 0:
            self.reader.error(node, f"{what} must be longer than zero")
            return None
        if reference is None:
            return minutes
        base = self._referenced(node, what, reference, index)
        return None if base is None else base + minutes

    def _referenced(self, node: Node, what: str, reference: str, index: int) -> int | None:
        earlier = [name for name in self.names[:index] if name]
        if reference not in self.names:
            listed = f"events listed before it: {', '.join(earlier)}" if earlier \
                else "it is the first event, so write a plain duration"
            self.reader.error(node, f"{what}: unknown event {reference!r}{did_you_mean(reference, earlier)}; "
                              f"{listed}")
        elif self.names.index(reference) == index:
            self.reader.error(node, f"{what}: an event cannot follow itself; name an event listed before it")
        elif self.names.index(reference) > index:
            self.reader.error(node, f"{what}: event {reference!r} is listed later; an event may follow only "
                              "an event listed before it (list the events in time order)")
        elif reference in self.accepted:
            return self.accepted[reference][0].after_minutes
        return None  # the earlier event is broken: its own error is already reported

    def add(self, event: SlaEvent, item: Node, after_node: Node) -> None:
        """Keep a well-formed event; a second event of the same name is an error."""
        if event.name in self.accepted:
            self.reader.error(item, f"duplicate event name {event.name!r} in {self.policy}")
        else:
            self.accepted[event.name] = (event, after_node)

    def events(self) -> tuple[SlaEvent, ...]:
        """The accepted events, as listed."""
        return tuple(event for event, _ in self.accepted.values())

    def check(self, due_minutes: int | None, due_node: Node | None) -> None:
        """Every escalation after every reminder, events in time order, the due time before escalating."""
        entries = list(self.accepted.values())
        for index, (event, node) in enumerate(entries):
            where = f"{self.policy}, event {event.name!r}"
            later = [other for other, _ in entries if other.kind == "reminder"
                     and other.after_minutes > event.after_minutes] if event.kind == "escalation" else []
            previous = max((other for other, _ in entries[:index]), key=lambda other: other.after_minutes,
                           default=None)
            if later:
                self.reader.error(node, f"{where}: the escalation (after {self._show(event)}) comes before "
                                  f"reminder {later[0].name!r} (after {self._show(later[0])}); "
                                  "escalate only after every reminder")
            elif previous is not None and event.after_minutes < previous.after_minutes:
                self.reader.error(node, f"{where} (after {self._show(event)}) is listed after {previous.name!r} "
                                  f"(after {self._show(previous)}) but comes earlier; list the events in time order")
        self._check_due(due_minutes, due_node, [event for event, _ in entries if event.kind == "escalation"])

    def _check_due(self, due_minutes: int | None, due_node: Node | None, escalations: list[SlaEvent]) -> None:
        if due_minutes is None or due_node is None or not escalations:
            return
        first = min(escalations, key=lambda event: event.after_minutes)
        if due_minutes > first.after_minutes:
            self.reader.error(due_node, f"{self.policy}: due_after {format_duration(due_minutes, self.minutes_per_day)}"
                              f" is later than escalation {first.name!r} (after {self._show(first)}); "
                              "a task would be escalated before it is even due")

    def _show(self, event: SlaEvent) -> str:
        return format_duration(event.after_minutes, self.minutes_per_day)
