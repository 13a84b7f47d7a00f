from __future__ import annotations

from django.urls import path

from reviews.models import OptimizerRun
from reviews.views import options, study

app_name = "reviews"
urlpatterns = [
    path("<int:deck_id>/", study.study, name="study"),
    path("<int:deck_id>/cards/<int:card_id>/answer/", study.answer, name="answer"),
    path("<int:deck_id>/cards/<int:card_id>/grade/", study.grade, name="grade"),
    path("<int:deck_id>/cards/<int:card_id>/suspend/", study.suspend, name="suspend"),
    path("<int:deck_id>/cards/<int:card_id>/bury/", study.bury, name="bury"),
    path("<int:deck_id>/cards/<int:card_id>/flag/", study.flag, name="flag"),
    path("<int:deck_id>/undo/", study.undo, name="undo"),
    path("<int:deck_id>/custom/", study.custom_study, name="custom_study"),
    path("<int:deck_id>/preview/", study.preview, name="preview"),
    path("<int:deck_id>/options/", options.deck_options, name="deck_options"),
    path(
        "<int:deck_id>/options/optimize/",
        options.start_optimizer,
        {"kind": OptimizerRun.OPTIMIZE},
        name="optimize",
    ),
    path(
        "<int:deck_id>/options/simulate/",
        options.start_optimizer,
        {"kind": OptimizerRun.SIMULATE},
        name="simulate",
    ),
    path("runs/<int:run_id>/", options.run_status, name="run_status"),
]
