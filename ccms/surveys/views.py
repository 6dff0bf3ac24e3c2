"""The survey pages. The co-design team (alliance admin, hub staff) builds, sends, reads and
weights surveys under /alliance/<alliance>/surveys/; a member's director answers under
/p/<provider>/surveys/. Views parse input, call a service or a query, and render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from ccms.core.access import AllianceAccess, ProviderAccess
from ccms.core.decorators import alliance_view, provider_view
from ccms.core.forms import show_validation_error
from ccms.surveys import queries, services
from ccms.surveys.forms import (
    NewQuestionForm,
    OptionForm,
    QuestionForm,
    ResponseForm,
    SendForm,
    SurveyForm,
    WeightsForm,
)
from ccms.surveys.models import KINDS_WITH_OPTIONS, SurveyStatus

MANAGE = "surveys.manage"
ANSWER = "surveys.answer"


def _context(access: AllianceAccess, survey=None, **more) -> dict:
    return {"alliance_access": access, "survey": survey, **more}


# The team's pages -------------------------------------------------------------------------------


@alliance_view(MANAGE)
def survey_list(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    surveys = queries.alliance_surveys(access.alliance)
    return render(request, "surveys/list.html", _context(access, surveys=surveys))


@alliance_view(MANAGE)
def survey_new(request: HttpRequest, access: AllianceAccess) -> HttpResponse:
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.create_survey(
                alliance=access.alliance, **form.cleaned_data, actor=request.user
            )
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            messages.success(request, "Survey created. Add its questions.")
            return redirect("survey_builder", access.alliance.slug, survey.pk)
    return render(request, "surveys/new.html", _context(access, form=form))


def _builder(request, access, survey, *, status=200, **bound) -> HttpResponse:
    """The builder page; a form that failed comes back bound with its errors."""
    service_choices = queries.services_of(access.alliance)
    questions = queries.questions_of(survey)
    failed_question = bound.get("question")
    failed_option = bound.get("option")
    rows = []
    for question in questions:
        edit = (
            failed_question[1]
            if failed_question and failed_question[0] == question.pk
            else QuestionForm(
                initial={
                    "text": question.text,
                    "kind": question.kind,
                    "help_text": question.help_text,
                    "required": question.required,
                },
                prefix=f"q{question.pk}",
            )
        )
        options = []
        for option in question.options.all():
            form = (
                failed_option[1]
                if failed_option and failed_option[0] == option.pk
                else OptionForm(
                    initial={"label": option.label, "service": option.service_id},
                    services=service_choices,
                    prefix=f"o{option.pk}",
                )
            )
            options.append((option, form))
        new_option = (
            bound["new_option"][1]
            if bound.get("new_option") and bound["new_option"][0] == question.pk
            else OptionForm(services=service_choices, prefix=f"new{question.pk}")
        )
        rows.append(
            {
                "question": question,
                "edit": edit,
                "options": options,
                "new_option": new_option,
                "takes_options": question.kind in KINDS_WITH_OPTIONS,
            }
        )
    context = _context(
        access,
        survey,
        rows=rows,
        survey_form=bound.get("survey") or SurveyForm(instance=survey, prefix="survey"),
        question_form=bound.get("new_question")
        or NewQuestionForm(services=service_choices, prefix="new"),
        section="builder",
    )
    return render(request, "surveys/builder.html", context, status=status)


@alliance_view(MANAGE)
def survey_builder(request: HttpRequest, access: AllianceAccess, survey_id: int) -> HttpResponse:
    survey = queries.access_survey(access, survey_id)
    return _builder(request, access, survey)


def _back(access, survey, anchor: str = ""):
    response = redirect("survey_builder", access.alliance.slug, survey.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


@alliance_view(MANAGE)
@require_POST
def survey_edit(request: HttpRequest, access: AllianceAccess, survey_id: int) -> HttpResponse:
    survey = queries.access_survey(access, survey_id)
    form = SurveyForm(request.POST, instance=survey, prefix="survey")
    if form.is_valid():
        try:
            services.update_survey(
                survey=queries.access_survey(access, survey_id),
                **form.cleaned_data,
                actor=request.user,
            )
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            messages.success(request, "Survey saved.")
            return _back(access, survey)
    return _builder(
        request, access, queries.access_survey(access, survey_id), status=400, survey=form
    )


@alliance_view(MANAGE)
@require_POST
def survey_question_add(request: HttpRequest, access: AllianceAccess, survey_id: int):
    survey = queries.access_survey(access, survey_id)
    form = NewQuestionForm(
        request.POST, services=queries.services_of(access.alliance), prefix="new"
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            question = services.add_question(
                survey=survey,
                kind=data["kind"],
                text=data["text"],
                help_text=data["help_text"],
                required=data["required"],
                options=form.option_labels(),
                services=list(data.get("services") or []),
                actor=request.user,
            )
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            messages.success(request, "Question added.")
            return _back(access, survey, f"question-{question.pk}")
    return _builder(request, access, survey, status=400, new_question=form)


@alliance_view(MANAGE)
@require_POST
def survey_question_edit(
    request: HttpRequest, access: AllianceAccess, survey_id: int, question_id: int
):
    survey = queries.access_survey(access, survey_id)
    question = queries.access_question(survey, question_id)
    form = QuestionForm(request.POST, prefix=f"q{question.pk}")
    if form.is_valid():
        try:
            services.update_question(question=question, **form.cleaned_data, actor=request.user)
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            messages.success(request, "Question saved.")
            return _back(access, survey, f"question-{question.pk}")
    return _builder(request, access, survey, status=400, question=(question.pk, form))


@alliance_view(MANAGE)
@require_POST
def survey_question_move(
    request: HttpRequest, access: AllianceAccess, survey_id: int, question_id: int
):
    survey = queries.access_survey(access, survey_id)
    question = queries.access_question(survey, question_id)
    try:
        services.move_question(
            question=question, up=request.POST.get("direction") == "up", actor=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _back(access, survey, f"question-{question.pk}")


@alliance_view(MANAGE)
@require_POST
def survey_question_remove(
    request: HttpRequest, access: AllianceAccess, survey_id: int, question_id: int
):
    survey = queries.access_survey(access, survey_id)
    question = queries.access_question(survey, question_id)
    try:
        services.remove_question(question=question, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Question “{question.text}” removed.")
    return _back(access, survey, "questions")


@alliance_view(MANAGE)
@require_POST
def survey_option_add(
    request: HttpRequest, access: AllianceAccess, survey_id: int, question_id: int
):
    survey = queries.access_survey(access, survey_id)
    question = queries.access_question(survey, question_id)
    form = OptionForm(
        request.POST, services=queries.services_of(access.alliance), prefix=f"new{question.pk}"
    )
    if form.is_valid():
        try:
            services.add_option(question=question, **form.cleaned_data, actor=request.user)
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            messages.success(request, "Option added.")
            return _back(access, survey, f"question-{question.pk}")
    return _builder(request, access, survey, status=400, new_option=(question.pk, form))


@alliance_view(MANAGE)
@require_POST
def survey_option_edit(
    request: HttpRequest, access: AllianceAccess, survey_id: int, option_id: int
):
    survey = queries.access_survey(access, survey_id)
    option = queries.access_option(survey, option_id)
    form = OptionForm(
        request.POST, services=queries.services_of(access.alliance), prefix=f"o{option.pk}"
    )
    if form.is_valid():
        try:
            services.update_option(option=option, **form.cleaned_data, actor=request.user)
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            messages.success(request, "Option saved.")
            return _back(access, survey, f"question-{option.question_id}")
    return _builder(request, access, survey, status=400, option=(option.pk, form))


@alliance_view(MANAGE)
@require_POST
def survey_option_move(
    request: HttpRequest, access: AllianceAccess, survey_id: int, option_id: int
):
    survey = queries.access_survey(access, survey_id)
    option = queries.access_option(survey, option_id)
    try:
        services.move_option(
            option=option, up=request.POST.get("direction") == "up", actor=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _back(access, survey, f"question-{option.question_id}")


@alliance_view(MANAGE)
@require_POST
def survey_option_remove(
    request: HttpRequest, access: AllianceAccess, survey_id: int, option_id: int
):
    survey = queries.access_survey(access, survey_id)
    option = queries.access_option(survey, option_id)
    try:
        services.remove_option(option=option, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Option “{option.label}” removed.")
    return _back(access, survey, f"question-{option.question_id}")


@alliance_view(MANAGE)
def survey_send(request: HttpRequest, access: AllianceAccess, survey_id: int) -> HttpResponse:
    survey = queries.access_survey(access, survey_id)
    today = timezone.localdate()
    members = queries.recipients(access.alliance, today)
    form = SendForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.send_survey(
                survey=survey, providers=form.chosen(), actor=request.user, today=today
            )
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            if new:
                messages.success(
                    request,
                    f"Survey sent to {len(new)} member{'s' if len(new) != 1 else ''}; their "
                    "directors get an e-mail with the link.",
                )
            else:
                messages.info(request, "Every member chosen already had the survey.")
            return redirect("survey_results", access.alliance.slug, survey.pk)
    invited = {i.provider_id: i for i in survey.invitations.all()}
    context = _context(access, survey, form=form, members=members, invited=invited, section="send")
    return render(request, "surveys/send.html", context, status=400 if form.errors else 200)


@alliance_view(MANAGE)
@require_POST
def survey_close(request: HttpRequest, access: AllianceAccess, survey_id: int) -> HttpResponse:
    survey = queries.access_survey(access, survey_id)
    try:
        services.close_survey(survey=survey, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Survey closed: members can no longer change their answers.")
    return redirect("survey_results", access.alliance.slug, survey.pk)


@alliance_view(MANAGE)
def survey_results(request: HttpRequest, access: AllianceAccess, survey_id: int) -> HttpResponse:
    survey = queries.access_survey(access, survey_id)
    result = queries.survey_results(survey)
    return render(
        request, "surveys/results.html", _context(access, survey, result=result, section="results")
    )


@alliance_view(MANAGE)
def survey_priorities(request: HttpRequest, access: AllianceAccess, survey_id: int) -> HttpResponse:
    survey = queries.access_survey(access, survey_id)
    # Only questions with an option naming a service count in the list; only they get a weight.
    scored = [
        q
        for q in queries.questions_of(survey)
        if q.kind in KINDS_WITH_OPTIONS and any(o.service_id for o in q.options.all())
    ]
    form = WeightsForm(request.POST or None, questions=scored)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_weights(survey=survey, weights=form.weights(), actor=request.user)
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            messages.success(request, "Weights saved; the list below uses them.")
            return redirect("survey_priorities", access.alliance.slug, survey.pk)
    result = queries.survey_results(survey)
    context = _context(access, survey, result=result, form=form, section="priorities")
    return render(request, "surveys/priorities.html", context, status=400 if form.errors else 200)


@alliance_view(MANAGE)
def survey_export(request: HttpRequest, access: AllianceAccess, survey_id: int) -> HttpResponse:
    survey = queries.access_survey(access, survey_id)
    response = HttpResponse(queries.responses_csv(survey), content_type="text/csv; charset=utf-8")
    name = slugify(survey.title) or "survey"
    response["Content-Disposition"] = f'attachment; filename="{name}-responses.csv"'
    return response


# The provider's pages ---------------------------------------------------------------------------


@provider_view(ANSWER)
def survey_inbox(request: HttpRequest, access: ProviderAccess) -> HttpResponse:
    rows = queries.provider_inbox(access.provider)
    return render(request, "surveys/inbox.html", {"access": access, "rows": rows})


@provider_view(ANSWER)
def survey_answer(request: HttpRequest, access: ProviderAccess, survey_id: int) -> HttpResponse:
    invitation = queries.access_invitation(access, survey_id)
    survey = invitation.survey
    response = survey.responses.filter(provider=access.provider).first()
    answers = queries.answers_of(response)
    questions = queries.questions_of(survey)
    editable = survey.status == SurveyStatus.OPEN and not (response and response.is_submitted)
    form = ResponseForm(
        request.POST if request.method == "POST" and editable else None,
        questions=questions,
        answers=answers,
    )
    status = 200
    if request.method == "POST" and editable:
        submit = request.POST.get("action") == "submit"
        if form.is_valid():
            try:
                services.save_response(
                    survey=survey,
                    provider=access.provider,
                    answers=form.answers(),
                    actor=request.user,
                    submit=submit,
                )
            except ValidationError as error:
                form.show_errors(error)
            else:
                if submit:
                    messages.success(request, "Thank you: your answers are submitted.")
                else:
                    messages.success(request, "Answers saved. Submit them when they are complete.")
                return redirect("survey_answer", access.provider.slug, survey.pk)
        status = 400
    elif request.method == "POST":
        messages.error(
            request,
            "These answers can no longer change: the survey is closed or they were submitted.",
        )
        return redirect("survey_answer", access.provider.slug, survey.pk)
    context = {
        "access": access,
        "survey": survey,
        "response": response,
        "editable": editable,
        "form": form,
        "blocks": form.blocks(),
        "summary": _summary(questions, answers),
    }
    return render(request, "surveys/answer.html", context, status=status)


def _summary(questions, answers) -> list[tuple]:
    """(question, answer in words) for the read-only view of submitted answers."""
    rows = []
    for question in questions:
        answer = answers.get(question.pk)
        labels = {o.pk: o.label for o in question.options.all()}
        if answer is None:
            words = []
        elif answer.text:
            words = [answer.text]
        else:
            words = [labels.get(c, "?") for c in answer.choices]
        rows.append((question, words))
    return rows
