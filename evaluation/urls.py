from django.urls import path

from . import views

app_name = "evaluation"

urlpatterns = [
    path("", views.inspector_home, name="inspector_home"),
    path("rounds/", views.round_list, name="round_list"),
    path("rounds/new/", views.round_create, name="round_create"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/edit/", views.round_edit, name="round_edit"),
    path("rounds/<int:pk>/assign/", views.panel_assign, name="panel_assign"),
    path("scorecards/<int:pk>/", views.scorecard, name="scorecard"),
    path("scorecards/<int:pk>/save/", views.scorecard_save, name="scorecard_save"),
    path("scorecards/<int:pk>/submit/", views.scorecard_submit, name="scorecard_submit"),
    path("scorecards/<int:pk>/history/<str:code>/", views.score_history, name="score_history"),
    path("scorecards/<int:pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("scorecards/<int:pk>/xlsx/", views.scorecard_download, name="scorecard_download"),
    path("scorecards/<int:pk>/observations/", views.observations, name="observations"),
    path("scorecards/<int:pk>/xlsx/upload/", views.scorecard_upload, name="scorecard_upload"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/delete/", views.evidence_delete, name="evidence_delete"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation_detail"),
    path("evaluations/<int:pk>/final/", views.final_scores_save, name="final_scores_save"),
    path("evaluations/<int:pk>/finalize/", views.evaluation_finalize, name="evaluation_finalize"),
    path("evaluations/<int:pk>/reopen/", views.evaluation_reopen, name="evaluation_reopen"),
    path("evaluations/<int:pk>/opinion/", views.opinion, name="opinion"),
    path("evaluations/<int:pk>/final/history/", views.final_score_history, name="final_score_history"),
    path("evaluations/<int:pk>/scorecards/<int:scorecard_pk>/return/", views.scorecard_return, name="scorecard_return"),
    path("evaluations/<int:pk>/scorecards/<int:scorecard_pk>/remove/", views.panel_member_remove,
         name="panel_member_remove"),
]
