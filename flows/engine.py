"""The conversation engine: advance(session, event) -> (session, outputs). Pure."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

from pydantic import ValidationError

from flows import validators as v
from flows.display import show_plain, show_value
from flows.events import (
    Button,
    Command,
    Contact,
    Event,
    Label,
    Output,
    Pick,
    Reply,
    Start,
    SubmitFailed,
    SubmitRequest,
    Submitted,
    SummaryLine,
    SummarySection,
    Text,
    Unsupported,
)
from flows.lead import Lead
from flows.session import DONE, EDIT, SUMMARY, Session
from flows.steps import (
    OPTIONAL_GATE,
    SECTION_ORDER,
    STEP_BY_NAME,
    FlowContext,
    Kind,
    Step,
    applicable,
    options_for,
)

MAX_FAILURES = 3
_DONE_WORDS = {"listo", "lista", "done", "ok", "terminar", "finish", "fin"}


def advance(session: Session, event: Event, ctx: FlowContext) -> tuple[Session, list[Output]]:
    """Apply one event to a conversation; return the new session and what to say or do."""
    # A deep copy, so the caller's session is untouched; rebuilding it from its (plain) data
    # costs a third of copy.deepcopy.
    turn = _Turn(Session.model_validate(session.model_dump()), ctx)
    turn.handle(event)
    return turn.s, turn.out


class _Turn:
    """One event's worth of work on a copy of the session."""

    def __init__(self, session: Session, ctx: FlowContext) -> None:
        self.s = session
        self.ctx = ctx
        self.out: list[Output] = []

    # ---- dispatch ---------------------------------------------------------------------------

    def handle(self, event: Event) -> None:
        match event:
            case Start():
                self.on_start()
            case Command(name=name, arg=arg):
                self.on_command(name, arg)
            case Pick(binding=binding, index=index):
                self.on_pick(binding, index)
            case Text(text=text):
                self.on_text(text)
            case Contact(phone=phone, own=own):
                self.on_contact(phone, own)
            case Unsupported(kind=kind):
                self.say("unsupported", kind=kind)
            case Submitted(code=code) if self.s.submitting:
                self.on_submitted(code)
            case SubmitFailed() if self.s.submitting:
                self.on_submit_failed(event)

    def on_start(self) -> None:
        if self.s.at == DONE:
            self.say("done-already", code=self.s.code or "")
        elif self.s.at:
            # "Welcome back" only once there is something to come back to.
            if self.s.answers:
                self.say("welcome-back")
            self.ask_current()
        else:
            self.say("welcome", total=len(applicable(self.s, self.ctx)))
            self.go_next()

    def on_command(self, name: str, arg: str) -> None:
        if self.s.submitting and name not in ("language", "help"):
            # The lead is on its way: nothing is cancelled or changed until the API answers.
            self.say("submit-in-progress")
            return
        if name not in ("language", "cancel", "restart", "resume") and self.s.confirming:
            self.s.confirming = None
            self.s.pending = None
        if name == "language":
            self.switch_language(arg)
        elif name in ("cancel", "restart"):
            self.s.confirming = "cancel" if name == "cancel" else "restart"
            self.ask_current()
        elif self.s.at == DONE:
            self.say("done-already", code=self.s.code or "")
        elif not self.s.at:
            self.on_start()
        elif name == "resume":
            self.say("welcome-back")
            self.ask_current()
        elif name == "back":
            self.go_back()
        elif name == "skip":
            self.skip()
        elif name == "help":
            self.help()
        elif name == "summary":
            self.show_summary(final=False)
            self.ask_current()

    def on_pick(self, binding: str, index: int) -> None:
        buttons: list[Button] = []
        if binding == self.s.binding:
            buttons = self.keyboard()
        elif binding == self.s.reminder_binding:
            buttons = self.reminder_keyboard()
        if not 0 <= index < len(buttons):
            self.say("stale-button")
            return
        self.on_button(buttons[index])

    def on_text(self, text: str) -> None:
        if self.s.confirming:
            self.on_confirm_text(text)
        elif self.s.at == DONE:
            self.say("done-already", code=self.s.code or "")
        elif not self.s.at:
            self.on_start()
        elif self.s.submitting:
            self.say("submit-in-progress")
        elif self.s.at in (SUMMARY, EDIT):
            self.say("use-buttons")
            self.ask_current()
        else:
            self.answer_text(self.current_step(), text)

    def on_contact(self, phone: str, own: bool) -> None:
        step = self.current_step() if self.s.at in STEP_BY_NAME else None
        if step is None or step.kind is not Kind.PHONE or self.s.confirming:
            self.say("unsupported", kind="contact")
        elif not own:
            self.invalid(step, "not-own")
        else:
            self.s.contact_phone = phone
            self.answer_text(step, phone)

    # ---- buttons ----------------------------------------------------------------------------

    def on_button(self, button: Button) -> None:
        action = button.action
        if action == "answer":
            self.answer_value(self.current_step(), button.value)
        elif action == "default":
            # Defaults can come from the prospect's Telegram profile: read them like typing.
            self.answer_text(self.current_step(), button.value)
        elif action == "toggle":
            self.toggle(button.value)
        elif action == "done":
            self.finish_multi()
        elif action == "confirm-yes":
            self.on_confirm(True)
        elif action == "confirm-no":
            self.on_confirm(False)
        elif action == "submit":
            self.submit()
        elif action == "edit":
            self.s.at = EDIT
            self.ask_current()
        elif action == "edit-field":
            self.s.editing = True
            self.s.at = button.value
            self.s.failures = 0
            self.ask_current()
        elif action == "summary":
            self.s.at = SUMMARY
            self.ask_current()
        else:
            self.on_command(action, "")

    def keyboard(self) -> list[Button]:
        """The buttons of the question now on screen (recomputed, so taps index into it)."""
        s, ctx = self.s, self.ctx
        if s.confirming:
            return [_button("confirm-yes", "btn-yes"), _button("confirm-no", "btn-no")]
        if s.at == SUMMARY:
            if s.submitting:
                return []
            # Once the API says this person is registered, only a corrected answer is worth
            # sending: no retry button until one changes.
            send = (
                []
                if s.registered
                else [_button("submit", "btn-retry" if s.failures else "btn-submit")]
            )
            return [*send, _button("edit", "btn-edit"), _button("cancel", "btn-cancel")]
        if s.at == EDIT:
            fields = [
                Button("edit-field", Label(key=f"field-{step.key}"), value=step.name)
                for step in applicable(s, ctx)
                if step.name in s.answers or step.name in s.skipped
            ]
            return [*fields, _button("summary", "btn-back-to-summary")]
        if s.at not in STEP_BY_NAME or s.submitting:
            return []
        step = STEP_BY_NAME[s.at]
        buttons: list[Button] = []
        if step.kind is Kind.MULTI:
            picked = set(s.picked)
            for option in options_for(step, s, ctx):
                label = Label(key=option.key, text=option.label)
                buttons.append(Button("toggle", label, option.value, option.value in picked))
            buttons.append(_button("done", "btn-done"))
        else:
            for option in options_for(step, s, ctx):
                buttons.append(
                    Button("answer", Label(key=option.key, text=option.label), option.value)
                )
        if step.kind is Kind.COUNTRY:
            for code in s.suggest:
                buttons.append(Button("answer", Label(text=v.country_name(code, s.lang)), code))
        default = self.default_for(step)
        if default is not None and step.kind not in (Kind.CHOICE, Kind.MULTI, Kind.YES_NO):
            shown = show_plain(step, default, s, ctx)
            if shown is not None and default not in s.suggest:
                label = Label(key="btn-use", args={"value": shown})
                buttons.append(Button("default", label, str(default)))
        if s.failures >= MAX_FAILURES:
            buttons.append(_button("help", "btn-help"))
        if step.optional:
            buttons.append(_button("skip", "btn-skip"))
        if s.failures >= MAX_FAILURES:
            buttons.append(_button("cancel", "btn-cancel"))
        if self.previous_step(step) is not None:
            buttons.append(_button("back", "btn-back"))
        return buttons

    def reminder_keyboard(self) -> list[Button]:
        """A reminder's one button, live while the conversation is open (stale once it ends)."""
        if self.s.at in ("", DONE):
            return []
        return [_button("resume", "btn-continue")]

    def steps_left(self) -> int:
        """Questions still unanswered (0 at the summary)."""
        return sum(
            1
            for step in applicable(self.s, self.ctx)
            if step.name not in self.s.answers and step.name not in self.s.skipped
        )

    # ---- answering --------------------------------------------------------------------------

    def current_step(self) -> Step:
        return STEP_BY_NAME[self.s.at]

    def default_for(self, step: Step) -> Any:
        if step.name in self.s.answers:
            return self.s.answers[step.name]
        return step.default(self.s, self.ctx) if step.default else None

    def answer_text(self, step: Step, text: str) -> None:
        try:
            value = self.parse(step, text)
        except _Done:
            self.finish_multi()
            return
        except v.Invalid as error:
            if step.kind is Kind.COUNTRY:
                self.s.suggest = list(error.suggestions)[:3]
            self.invalid(step, error.reason, **error.args_)
            return
        if step.kind is Kind.MULTI:
            self.toggle(str(value))
            return
        if step.depends_on:
            self.s.raw[step.name] = text
        self.accept(step, value)

    def parse(self, step: Step, text: str) -> Any:
        """Read a typed answer: the step's own parser, or a match against its options."""
        if step.kind is Kind.YES_NO:
            return v.parse_yes_no(text)
        if step.parse is not None:
            return step.parse(text, self.s, self.ctx)
        if step.kind is Kind.MULTI and _fold(text) in _DONE_WORDS:
            raise _Done
        return self.match_option(step, text)

    def match_option(self, step: Step, text: str) -> str:
        wanted = _fold(text)
        options = list(options_for(step, self.s, self.ctx))
        if wanted.isdigit() and 1 <= int(wanted) <= len(options):
            return options[int(wanted) - 1].value
        for option in options:
            if wanted in (_fold(option.value), _fold(option.label or "")):
                return option.value
        raise v.Invalid("choice")

    def answer_value(self, step: Step, value: str) -> None:
        """A value from a button: already one of the offered ones."""
        if step.kind is Kind.YES_NO:
            self.accept(step, value == "yes")
        else:
            if step.depends_on:
                self.s.raw[step.name] = value
            self.accept(step, value)

    def invalid(self, step: Step, reason: str, **args: Any) -> None:
        self.s.failures += 1
        self.say(f"{step.error_family}-invalid-{reason}", **args)
        if self.s.failures >= MAX_FAILURES:
            self.say("stuck")
        self.ask_current()

    def accept(self, step: Step, value: Any) -> None:
        """Take an answer, unless it needs the prospect's confirmation first."""
        if step.name == "expirationDate" and v.is_expired(
            date.fromisoformat(value), self.ctx.today
        ):
            self.s.pending = value
            self.s.confirming = "expired"
            self.ask_current()
            return
        self.store(step, value)

    def store(self, step: Step, value: Any) -> None:
        changed = self.s.answers.get(step.name) != value
        self.s.answers[step.name] = value
        if step.name in self.s.skipped:
            self.s.skipped.remove(step.name)
        self.s.pending = None
        if changed:
            self.s.registered = False
            self.recheck_dependents(step)
        self.go_next()

    def recheck_dependents(self, changed: Step) -> None:
        """Answers read in the light of another answer are read again when it changes."""
        for step in applicable(self.s, self.ctx):
            raw = self.s.raw.get(step.name)
            if changed.name not in step.depends_on or raw is None:
                continue
            try:
                again = self.parse(step, raw)
            except v.Invalid:
                again = None
            # Read anew, the same words may mean another value (a national phone number in
            # another country): that is asked again, never changed behind the prospect's back.
            if again is None or again != self.s.answers.get(step.name):
                self.s.answers.pop(step.name, None)
                del self.s.raw[step.name]
                self.say(f"{step.key}-recheck")

    def toggle(self, value: str) -> None:
        if value in self.s.picked:
            self.s.picked.remove(value)
        else:
            self.s.picked.append(value)
        self.ask_current(in_place=True)

    def finish_multi(self) -> None:
        step = self.current_step()
        if not self.s.picked:
            self.invalid(step, "none")
            return
        order = [o.value for o in options_for(step, self.s, self.ctx)]
        self.accept(step, sorted(self.s.picked, key=order.index))

    def skip(self) -> None:
        step = STEP_BY_NAME.get(self.s.at)
        if step is None or not step.optional:
            self.say("skip-required")
            self.ask_current()
            return
        self.s.answers.pop(step.name, None)
        if step.name not in self.s.skipped:
            self.s.skipped.append(step.name)
        self.go_next()

    # ---- moving around ----------------------------------------------------------------------

    def next_step(self) -> Step | None:
        for step in applicable(self.s, self.ctx):
            if step.name not in self.s.answers and step.name not in self.s.skipped:
                return step
        return None

    def go_next(self) -> None:
        step = self.next_step()
        self.s.failures = 0
        self.s.suggest = []
        if step is None:
            self.s.editing = False
            self.s.at = SUMMARY
        else:
            self.s.at = step.name
            if step.kind is Kind.MULTI:
                self.s.picked = list(self.s.answers.get(step.name) or [])
        self.ask_current()

    def previous_step(self, step: Step) -> Step | None:
        steps = applicable(self.s, self.ctx)
        if step not in steps:
            return None
        before = steps[: steps.index(step)]
        return before[-1] if before else None

    def go_back(self) -> None:
        if self.s.at in (SUMMARY, EDIT):
            steps = applicable(self.s, self.ctx)
            target: Step | None = steps[-1] if steps else None
        else:
            target = self.previous_step(self.current_step())
        if target is None:
            self.say("back-first")
        else:
            self.s.at = target.name
            self.s.failures = 0
            self.s.suggest = []
            if target.kind is Kind.MULTI:
                self.s.picked = list(self.s.answers.get(target.name) or [])
        self.ask_current()

    def help(self) -> None:
        step = STEP_BY_NAME.get(self.s.at)
        self.say(f"{step.key}-hint" if step else f"{self.s.at}-hint")
        self.say("help-commands")
        self.ask_current()

    def switch_language(self, arg: str) -> None:
        wanted = arg.strip().lower()[:2]
        if wanted in ("es", "en"):
            self.s.lang = "es" if wanted == "es" else "en"
        else:
            self.s.lang = "en" if self.s.lang == "es" else "es"
        self.say("language-changed")
        if self.s.at:
            self.ask_current()

    # ---- confirmations ----------------------------------------------------------------------

    def on_confirm_text(self, text: str) -> None:
        try:
            yes = v.parse_yes_no(text)
        except v.Invalid:
            if self.s.confirming == "expired" and _looks_like_a_date(text):
                # Asked whether an expired date is right, the prospect typed the right one.
                self.s.confirming, self.s.pending = None, None
                self.answer_text(STEP_BY_NAME["expirationDate"], text)
                return
            self.say("confirm-yes-no")
            self.ask_current()
            return
        self.on_confirm(yes)

    def on_confirm(self, yes: bool) -> None:
        kind, self.s.confirming = self.s.confirming, None
        if kind == "expired":
            value, self.s.pending = self.s.pending, None
            if yes:
                self.store(STEP_BY_NAME["expirationDate"], value)
            else:
                self.ask_current()
        elif not yes:
            self.say(f"{kind}-aborted")
            self.ask_current()
        elif kind == "cancel":
            self.reset()
            self.say("cancelled")
        else:
            self.reset()
            self.say("restarted")
            self.go_next()

    def reset(self) -> None:
        """Forget every answer; keep only who the conversation is with and its language."""
        fresh = Session(
            v=self.s.v,
            sid=self.s.sid,
            lang=self.s.lang,
            partner=self.s.partner,
            merchant=self.s.merchant,
            kb=self.s.kb,
            profile_first=self.s.profile_first,
            profile_last=self.s.profile_last,
            updates=self.s.updates,
        )
        self.s = fresh

    # ---- summary and submission ------------------------------------------------------------

    def summary(self) -> tuple[SummarySection, ...]:
        sections: dict[str, list[SummaryLine]] = {}
        for step in applicable(self.s, self.ctx):
            if step.name == OPTIONAL_GATE or step.name not in self.s.answers:
                continue
            value = show_value(step, self.s.answers[step.name], self.s, self.ctx)
            sections.setdefault(step.section.value, []).append(SummaryLine(step.key, value))
        return tuple(
            SummarySection(section.value, tuple(sections[section.value]))
            for section in SECTION_ORDER
            if section.value in sections
        )

    def show_summary(self, *, final: bool) -> None:
        self.out.append(
            Reply(
                key="summary" if final else "summary-so-far",
                step=SUMMARY,
                summary=self.summary(),
                buttons=tuple(self.keyboard()) if final else (),
                binding=self.s.binding if final else None,
            )
        )

    def build_lead(self) -> Lead:
        steps = [s for s in applicable(self.s, self.ctx) if s.name in self.s.answers]
        return build_lead(self.s, steps, self.ctx)

    def submit(self) -> None:
        if self.s.submitting:
            self.say("submit-in-progress")
            return
        try:
            lead = self.build_lead()
        except ValidationError as error:
            field = _error_field(error)
            self.send_back_to(field, str(error.errors()[0]["msg"]))
            return
        self.s.submitting = True
        self.s.kb += 1
        self.say("submit-sending")
        self.out.append(
            SubmitRequest(lead=lead, merchant_id=self.s.merchant, attempt=self.s.binding)
        )

    def on_submitted(self, code: str) -> None:
        self.s.code = code
        self.s.submitting = False
        self.reset()
        self.s.profile_first = self.s.profile_last = None
        self.s.code = code
        self.s.at = DONE
        self.say("submit-done", code=code)

    def on_submit_failed(self, failure: SubmitFailed) -> None:
        self.s.submitting = False
        if failure.reason == "rejected":
            for field, message in failure.fields:
                if field and self.send_back_to(field, message):
                    return
            self.say("submit-rejected", messages="; ".join(m for _f, m in failure.fields))
        else:
            self.say(f"submit-{failure.reason}")
            self.s.registered = failure.reason == "already-registered"
        self.s.at = SUMMARY
        self.s.failures += 1
        self.ask_current()

    def send_back_to(self, field: str | None, message: str) -> bool:
        """Ask a field again because the server (or the contract) refused its answer."""
        name = _step_name_for(field)
        if name is None or not STEP_BY_NAME[name].applies(self.s, self.ctx):
            self.say("submit-rejected", messages=message)
            self.s.at = SUMMARY
            self.ask_current()
            return False
        self.s.answers.pop(name, None)
        self.s.editing = True
        self.s.at = name
        self.say("submit-rejected-field", field=f"field-{STEP_BY_NAME[name].key}", message=message)
        self.ask_current()
        return True

    # ---- output -----------------------------------------------------------------------------

    def say(self, key: str, **args: Any) -> None:
        self.out.append(Reply(key=key, args=args))

    def ask_current(self, *, in_place: bool = False) -> None:
        """Draw the question now on screen, with a fresh keyboard binding."""
        s = self.s
        if not in_place or s.confirming:
            s.kb += 1
        if s.confirming:
            self.out.append(
                Reply(
                    key=f"confirm-{s.confirming}", buttons=tuple(self.keyboard()), binding=s.binding
                )
            )
            return
        if s.at == SUMMARY:
            self.show_summary(final=True)
            return
        if s.at == EDIT:
            self.out.append(
                Reply(key="edit-pick", step=EDIT, buttons=tuple(self.keyboard()), binding=s.binding)
            )
            return
        if s.at not in STEP_BY_NAME:
            return
        step = STEP_BY_NAME[s.at]
        # The optional details, once asked for, are counted on their own: the count of the
        # questions announced at the start does not grow under the prospect's feet.
        steps = [other for other in applicable(s, self.ctx) if other.optional == step.optional]
        position = steps.index(step) + 1 if step in steps else len(steps)
        self.out.append(
            Reply(
                key=f"{step.key}-ask",
                step=step.name,
                progress=(position, len(steps)),
                optional=step.optional,
                section=step.section.value,
                buttons=tuple(self.keyboard()),
                binding=s.binding,
                contact=step.kind is Kind.PHONE,
                in_place=in_place,
            )
        )


def reminder(session: Session, ctx: FlowContext) -> Reply | None:
    """The nudge for a prospect who stopped mid-flow (None when no flow is open)."""
    turn = _Turn(session, ctx)
    buttons = turn.reminder_keyboard()
    if not buttons:
        return None
    return Reply(
        key="reminder",
        args={"left": turn.steps_left()},
        buttons=tuple(buttons),
        binding=session.reminder_binding,
    )


class _Done(v.Invalid):
    """Typed 'done' at a multi choice."""

    def __init__(self) -> None:
        super().__init__("done")


def _button(action: str, key: str) -> Button:
    return Button(action, Label(key=key))


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def _step_name_for(field: str | None) -> str | None:
    """The step that asks a field named by the server (`location.region`, `paymentMethods.0`)."""
    if not field:
        return None
    parts = field.split(".")
    for size in (2, 1):
        name = ".".join(parts[:size])
        if name in STEP_BY_NAME:
            return name
    return None


def _error_field(error: ValidationError) -> str | None:
    location = error.errors()[0].get("loc", ())
    return ".".join(str(part) for part in location) or None


def build_lead(session: Session, steps: list[Step], ctx: FlowContext) -> Lead:
    """The Lead the answers describe, validated against the contract."""
    body: dict[str, Any] = {"partner": session.partner}
    for step in steps:
        value = session.answers[step.name]
        if step.name == OPTIONAL_GATE:
            continue
        if step.name == "paymentMethods":
            methods = [ctx.catalogue.payment_method(slug) for slug in value]
            value = [m.as_item().model_dump() for m in methods if m is not None]
        elif step.name == "currencies":
            value = [v.parse_currency(code) for code in value]
        if "." in step.name:
            parent, child = step.name.split(".", 1)
            body.setdefault(parent, {})[child] = value
        else:
            body[step.name] = value
    return Lead.model_validate(body, context={"tributax_partner_slug": ctx.tributax_partner})


def _looks_like_a_date(text: str) -> bool:
    """Whether a text reads as a date at all (whatever the date)."""
    try:
        v.parse_date(text)
    except v.Invalid:
        return False
    return True
