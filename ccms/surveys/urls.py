from django.urls import path

from ccms.surveys import views

S = "surveys/<int:survey_id>/"

# Pages under /p/<provider>/: the director answers for the provider.
provider_patterns: list = [
    path("surveys/", views.survey_inbox, name="survey_inbox"),
    path(S, views.survey_answer, name="survey_answer"),
]
# Pages under /alliance/<alliance>/: the co-design team builds, sends and reads.
alliance_patterns: list = [
    path("surveys/", views.survey_list, name="survey_list"),
    path("surveys/new/", views.survey_new, name="survey_new"),
    path(S, views.survey_builder, name="survey_builder"),
    path(S + "edit/", views.survey_edit, name="survey_edit"),
    path(S + "questions/", views.survey_question_add, name="survey_question_add"),
    path(
        S + "questions/<int:question_id>/",
        views.survey_question_edit,
        name="survey_question_edit",
    ),
    path(
        S + "questions/<int:question_id>/move/",
        views.survey_question_move,
        name="survey_question_move",
    ),
    path(
        S + "questions/<int:question_id>/remove/",
        views.survey_question_remove,
        name="survey_question_remove",
    ),
    path(
        S + "questions/<int:question_id>/options/",
        views.survey_option_add,
        name="survey_option_add",
    ),
    path(S + "options/<int:option_id>/", views.survey_option_edit, name="survey_option_edit"),
    path(S + "options/<int:option_id>/move/", views.survey_option_move, name="survey_option_move"),
    path(
        S + "options/<int:option_id>/remove/",
        views.survey_option_remove,
        name="survey_option_remove",
    ),
    path(S + "send/", views.survey_send, name="survey_send"),
    path(S + "close/", views.survey_close, name="survey_close"),
    path(S + "results/", views.survey_results, name="survey_results"),
    path(S + "priorities/", views.survey_priorities, name="survey_priorities"),
    path(S + "responses.csv", views.survey_export, name="survey_export"),
]
