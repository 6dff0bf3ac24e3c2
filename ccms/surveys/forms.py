"""Forms of the survey pages: they parse and check input; services write."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from ccms.surveys.models import Answer, Question, QuestionKind, Survey
from ccms.surveys.services import MAX_TEXT


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class SurveyForm(forms.ModelForm):
    class Meta:
        model = Survey
        fields = ["title", "intro", "closes_on"]
        widgets = {"intro": forms.Textarea(attrs={"rows": 4}), "closes_on": DateInput()}


class QuestionForm(forms.Form):
    text = forms.CharField(label="Question", max_length=300)
    kind = forms.ChoiceField(label="Kind of answer", choices=QuestionKind.choices)
    help_text = forms.CharField(
        label="Hint", max_length=300, required=False, help_text="Shown under the question."
    )
    required = forms.BooleanField(label="An answer is required", required=False, initial=True)


class NewQuestionForm(QuestionForm):
    options = forms.CharField(
        label="Options",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One option per line. Leave empty for free text.",
    )
    services = forms.ModelMultipleChoiceField(
        label="Add an option for each of these shared services",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Options that name a service count toward its place in the ranked priorities.",
    )

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = services
        if not services.exists():
            del self.fields["services"]

    def option_labels(self) -> list[str]:
        return self.cleaned_data["options"].splitlines()


class OptionForm(forms.Form):
    label = forms.CharField(
        max_length=200, required=False, help_text="Left empty: the service's name."
    )
    service = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="No service", label="Counts toward"
    )

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services


class SendForm(forms.Form):
    audience = forms.ChoiceField(
        label="Send to",
        choices=[("all", "Every current member"), ("chosen", "The members ticked below")],
        widget=forms.RadioSelect,
        initial="all",
    )
    providers = forms.ModelMultipleChoiceField(
        label="Members",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["providers"].queryset = members

    def chosen(self):
        """None for every member, else the ticked providers."""
        if self.cleaned_data["audience"] == "all":
            return None
        return list(self.cleaned_data["providers"])


class WeightsForm(forms.Form):
    """One weight per question that counts in the ranked list."""

    def __init__(self, *args, questions: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"weight_{question.pk}"] = forms.CharField(
                label=f"Weight of “{question.text}”",
                initial=_plain(question.weight),
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 5}),
            )

    def weights(self) -> dict[int, str]:
        return {q.pk: self.cleaned_data[f"weight_{q.pk}"] for q in self.questions}

    def rows(self):
        return [(q, self[f"weight_{q.pk}"]) for q in self.questions]


def _plain(value) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class ResponseForm(forms.Form):
    """A provider's answers: a radio group, check boxes, a number per option to rank (works
    without a script), or a text box, per question. The service checks the answers; its errors
    come back per question through `show_errors`."""

    def __init__(self, *args, questions: list[Question], answers: dict[int, Answer], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.question_errors: dict[int, list[str]] = {}
        for question in questions:
            self._add_fields(question, answers.get(question.pk))

    def _add_fields(self, question: Question, answer: Answer | None) -> None:
        name = f"q{question.pk}"
        options = list(question.options.all())
        chosen = [str(c) for c in answer.choices] if answer else []
        described = {"aria-describedby": f"{name}-help"}
        if question.kind == QuestionKind.FREE_TEXT:
            self.fields[name] = forms.CharField(
                label=question.text,
                required=False,
                max_length=MAX_TEXT,
                widget=forms.Textarea(attrs={"rows": 4, **described}),
                initial=answer.text if answer else "",
            )
        elif question.kind == QuestionKind.RANKING:
            places = [("", "–")] + [(str(n), str(n)) for n in range(1, len(options) + 1)]
            ranks = {c: str(n) for n, c in enumerate(chosen, 1)}
            for option in options:
                self.fields[f"{name}_o{option.pk}"] = forms.ChoiceField(
                    label=option.label,
                    choices=places,
                    required=False,
                    initial=ranks.get(str(option.pk), ""),
                    widget=forms.Select(attrs=dict(described)),
                )
        else:
            choices = [(str(o.pk), o.label) for o in options]
            if question.kind == QuestionKind.SINGLE_CHOICE:
                self.fields[name] = forms.ChoiceField(
                    choices=choices,
                    required=False,
                    widget=forms.RadioSelect(attrs=dict(described)),
                    initial=chosen[0] if chosen else None,
                )
            else:
                self.fields[name] = forms.MultipleChoiceField(
                    choices=choices,
                    required=False,
                    widget=forms.CheckboxSelectMultiple(attrs=dict(described)),
                    initial=chosen,
                )

    def _names(self, question: Question) -> list[str]:
        if question.kind == QuestionKind.RANKING:
            return [f"q{question.pk}_o{o.pk}" for o in question.options.all()]
        return [f"q{question.pk}"]

    def answers(self) -> dict[int, object]:
        """The cleaned answers, in the shape save_response takes."""
        data = self.cleaned_data
        result: dict[int, object] = {}
        for question in self.questions:
            if question.kind == QuestionKind.RANKING:
                result[question.pk] = {
                    o.pk: data.get(f"q{question.pk}_o{o.pk}") for o in question.options.all()
                }
            else:
                result[question.pk] = data.get(f"q{question.pk}")
        return result

    def show_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        for key, messages in error.message_dict.items():
            question_id = int(key[1:]) if key.startswith("q") and key[1:].isdigit() else None
            if question_id is None:
                self.add_error(None, messages)
            else:
                self.question_errors.setdefault(question_id, []).extend(messages)

    def blocks(self) -> list[dict]:
        """What the template draws per question, with the question's errors and its inputs
        marked invalid and pointing at the error message."""
        blocks = []
        for question in self.questions:
            names = self._names(question)
            errors = list(self.question_errors.get(question.pk, []))
            for name in names:
                errors += [e for e in self.errors.get(name, []) if e not in errors]
            if errors:
                for name in names:
                    attrs = self.fields[name].widget.attrs
                    attrs["aria-invalid"] = "true"
                    attrs["aria-describedby"] = f"q{question.pk}-error q{question.pk}-help"
            block = {"question": question, "errors": errors, "id": f"q{question.pk}"}
            if question.kind == QuestionKind.RANKING:
                block["ranks"] = [self[name] for name in names]
                block["count"] = len(names)
            else:
                block["field"] = self[names[0]]
            blocks.append(block)
        return blocks

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.question_errors)
